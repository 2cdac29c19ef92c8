# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The validated, quoted Apache pieces of each app the role serves.

The role's template only places words this module produced: the daemon group
name, the ``key=value`` words of ``WSGIDaemonProcess`` (one per line), the
mount and script of ``WSGIScriptAlias`` and the ``<Directory>``/``<Files>``
arguments, each checked and quoted for Apache's ``ap_getword_conf``. A value
that could end a directive (newline, quote, ``<``/``>``, ``${``, a control
character) is refused with the variable path that held it.
"""

from __future__ import annotations

import posixpath
from typing import Any, Dict, List, Mapping, Optional, Tuple

from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.errors import (
    WsgiscaleError,
    describe,
    item_label,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.plugin_utils.daemon_options import (
    check_safe_text,
    normalize_daemon_options,
    quote_value,
    validate_group_name,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.plugin_utils.versions import (
    PARAMETER,
    VersionError,
    parse_version,
)

#: App keys that map to WSGIDaemonProcess options (python_path lists join with ':').
APP_OPTION_KEYS = {
    "python_home": "python-home",
    "python_path": "python-path",
    "user": "user",
    "group": "group",
    "home": "home",
}

#: Keys an app dict may hold: identity, sizing inputs, option keys and options.
APP_KEYS = frozenset(
    {"name", "script", "mount", "options"}
    | set(APP_OPTION_KEYS)
    | {"target_rpm", "latency_ms", "cpu_ms", "process_rss_mb", "thread_rss_mb"}
    | {"processes", "threads"}
    | {"site", "static", "pass_authorization", "request_body_limit_bytes"}
)

#: LimitRequestBody's range in Apache 2.4 (0: no limit).
REQUEST_BODY_LIMIT_MAX = 2147483647
#: Longest Cache-Control max-age a static mapping may ask for (one year, RFC 9111's advice).
STATIC_MAX_AGE_MAX = 31536000

#: Options the plan owns; apps set them with the ``processes``/``threads`` keys.
PLAN_OWNED = ("processes", "threads")


class AppConfigError(WsgiscaleError):
    """An app whose configuration cannot be written safely."""


def fail(where: str, value: Any, expected: str) -> AppConfigError:
    """The error ``WHERE got <value>; expected EXPECTED`` (for the caller to raise)."""
    return AppConfigError(f"{where} got {describe(value)}; expected {expected}")


def _label(variable: str, index: int, app: Any) -> str:
    name = app.get("name") if isinstance(app, Mapping) else None
    return item_label(variable, index, name)


def apache_text(where: str, value: Any, what: str) -> str:
    """A non-empty string that is safe inside one Apache directive argument."""
    if not isinstance(value, str) or not value:
        raise fail(where, value, f"a non-empty string: {what}")
    try:
        check_safe_text(where, value, where)
    except WsgiscaleError as exc:
        raise fail(where, value, getattr(exc, "expected", what)) from None
    return value


def absolute_path(where: str, value: Any) -> str:
    """An absolute, normalised path (``/srv/my app/app.wsgi``); spaces are allowed."""
    what = "an absolute path such as /srv/shop/app.wsgi"
    text = apache_text(where, value, what)
    normalised = (
        text.startswith("/")
        and text != "/"
        and "//" not in text  # normpath keeps a leading '//'
        and posixpath.normpath(text) == text.rstrip("/")
    )
    if not normalised:
        raise fail(where, value, what + " (starting with '/', no '..', '.' or '//' parts)")
    return text.rstrip("/")


#: Characters a mount may not hold: Apache matches WSGIScriptAlias against the
#: decoded URL path, which never holds a query ('?'), a fragment ('#') or a
#: backslash, and in which '%' is no longer an escape.
MOUNT_REFUSED = "%?#\\"


def mount_path(where: str, value: Any) -> str:
    """A URL path: '/' or '/path' without a trailing slash, whitespace or '.'/'..' parts.

    Apache removes '.' and '..' segments from a request's path before it
    matches a WSGIScriptAlias, so a mount holding one could never match.
    """
    what = (
        "'/' or a URL path such as /api (no trailing slash, whitespace, '.' or '..' parts, "
        "'%', '?', '#' or backslash)"
    )
    text = apache_text(where, value, what)
    segments = text.split("/")[1:]
    bad = (
        not text.startswith("/")
        or (text != "/" and any(segment in ("", ".", "..") for segment in segments))
        or any(ch.isspace() or ch in MOUNT_REFUSED for ch in text)
    )
    if bad:
        raise fail(where, value, what)
    return text


def _key_options(where: str, app: Mapping[str, Any]) -> Dict[str, Any]:
    """WSGIDaemonProcess options given as app keys (python_home, user, ...)."""
    out: Dict[str, Any] = {}
    for key, option in APP_OPTION_KEYS.items():
        value = app.get(key)
        if value is None:
            continue
        if option in (app.get("options") or {}):
            raise fail(
                f"{where}.options.{option}",
                app["options"][option],
                f"no value: it is already set by {where}.{key}",
            )
        out[option] = value
    return out


def _check_options_dict(where: str, value: Any) -> Dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise fail(where, value, "a dict of WSGIDaemonProcess options")
    for name in PLAN_OWNED:
        if name in value:
            raise fail(
                f"{where}.{name}",
                value[name],
                f"no value: set the app's '{name}' key (or let the plan size it)",
            )
    return dict(value)


def merged_options(
    where: str,
    app: Mapping[str, Any],
    plan_options: Mapping[str, Any],
    default_options: Optional[Mapping[str, Any]],
    defaults_name: str,
) -> Dict[str, Any]:
    """Options of one app: plan < default options < app keys < app options."""
    merged = dict(plan_options)
    merged.update(_check_options_dict(defaults_name, default_options))
    merged.update(_key_options(where, app))
    merged.update(_check_options_dict(f"{where}.options", app.get("options")))
    return merged


def _option_origin(
    where: str,
    app: Mapping[str, Any],
    option: Optional[str],
    default_options: Optional[Mapping[str, Any]],
    defaults_name: str,
) -> Optional[Tuple[str, Any]]:
    """(the name the user gave ``option``, its value), or None when the plan set it."""
    for key, name in APP_OPTION_KEYS.items():
        if name == option and app.get(key) is not None:
            return f"{where}.{key}", app[key]
    own = app.get("options")
    if isinstance(own, Mapping) and option in own:
        return f"{where}.options.{option}", own[option]
    if isinstance(default_options, Mapping) and option in default_options:
        return f"{defaults_name}.{option} (applied to {where})", default_options[option]
    return None


def _normalized(
    where: str,
    app: Mapping[str, Any],
    options: Mapping[str, Any],
    version: Optional[str],
    defaults: Tuple[Optional[Mapping[str, Any]], str],
) -> Dict[str, str]:
    """The validated options in render order; an error names the variable that held the
    bad value (an app key such as python_path, the app's options or the default options)."""
    try:
        return normalize_daemon_options(options, version, caller=where)
    except WsgiscaleError as exc:
        origin = _option_origin(where, app, getattr(exc, "option", None), *defaults)
        if origin is None:
            raise AppConfigError(str(exc)) from None
        raise fail(origin[0], origin[1], getattr(exc, "expected", str(exc))) from None


def check_keys(where: str, value: Any, keys: frozenset, what: str) -> Mapping[str, Any]:
    """``value`` is a dict (``what`` says with which keys) holding only ``keys``."""
    if not isinstance(value, Mapping):
        raise fail(where, value, what)
    unknown = sorted(str(k) for k in value if k not in keys)
    if unknown:
        raise fail(
            f"{where} key(s) {', '.join(unknown)}",
            {k: value[k] for k in value if str(k) in unknown},
            f"only these keys: {', '.join(sorted(keys))}",
        )
    return value


def _check_app_dict(where: str, app: Any) -> Mapping[str, Any]:
    return check_keys(where, app, APP_KEYS, "a dict with name, script and mount")


def app_config(
    app: Any,
    where: str,
    plan_options: Mapping[str, Any],
    default_options: Optional[Mapping[str, Any]] = None,
    *,
    mod_wsgi_version: Optional[str] = None,
    defaults_name: str = "default_options",
    daemon_account: Tuple[Optional[str], Optional[str]] = (None, None),
) -> Dict[str, Any]:
    """Validate one app and return its quoted Apache pieces (see :func:`apps_config`)."""
    app = _check_app_dict(where, app)
    try:
        name = validate_group_name(app.get("name"), caller=where)
    except WsgiscaleError as exc:
        raise fail(f"{where}.name", app.get("name"), getattr(exc, "expected", str(exc))) from None
    script = absolute_path(f"{where}.script", app.get("script"))
    mount = mount_path(f"{where}.mount", app.get("mount"))
    options = merged_options(where, app, plan_options, default_options, defaults_name)
    normalized = _normalized(
        where, app, options, mod_wsgi_version, (default_options, defaults_name)
    )
    directory, filename = posixpath.split(script)
    static = static_mappings(f"{where}.static", app.get("static"), directory)
    checks = _path_checks(where, script, normalized, daemon_account)
    checks += [
        {"variable": f"{where}.static[{i}].path", "path": m["path"], "expect": "dir"}
        for i, m in enumerate(static)
    ]
    return {
        "path_checks": checks,
        "site": site_name(f"{where}.site", app.get("site")),
        "static": static,
        "pass_authorization": flag(f"{where}.pass_authorization", app.get("pass_authorization")),
        "request_body_limit_bytes": _body_limit(
            f"{where}.request_body_limit_bytes", app.get("request_body_limit_bytes")
        ),
        "python_home": normalized.get("python-home"),
        "home": normalized.get("home"),
        "user": normalized.get("user"),
        "group": normalized.get("group"),
        "name": name,
        "mount": mount,
        "script": script,
        "script_dir": directory,
        "script_file": filename,
        "mount_word": quote_value(mount),
        "script_word": quote_value(script),
        "script_dir_word": quote_value(directory),
        "script_file_word": quote_value(filename),
        "daemon_words": [f"{name}={quote_value(value)}" for name, value in normalized.items()],
    }


def flag(where: str, value: Any) -> bool:
    """A true/false key (None: false); anything else is refused."""
    if value is None:
        return False
    if not isinstance(value, bool):
        raise fail(where, value, "true or false")
    return value


def whole_number(where: str, value: Any, high: int, what: str) -> int:
    ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= high
    if not ok and isinstance(value, str) and value.isdigit() and value.isascii():
        value, ok = int(value), int(value) <= high
    if not ok:
        raise fail(where, value, f"{what}, an integer from 0 to {high}")
    return int(value)


def _body_limit(where: str, value: Any) -> Optional[int]:
    if value is None:
        return None
    return whole_number(where, value, REQUEST_BODY_LIMIT_MAX, "a size in bytes (0: no limit)")


def site_name(where: str, value: Any) -> Optional[str]:
    """The name of the site the app is served in (None: in every site, server-wide)."""
    if value is None:
        return None
    try:
        return validate_group_name(value, caller=where)
    except WsgiscaleError as exc:
        expected = getattr(exc, "expected", str(exc)).replace("daemon process group", "site")
        raise fail(where, value, expected) from None


def _inside(path: str, folder: str) -> bool:
    """``path`` is ``folder`` or lies below it."""
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def static_mappings(where: str, value: Any, script_dir: str) -> List[Dict[str, Any]]:
    """The app's ``static`` list: ``{url, path, max_age}`` entries Apache serves itself.

    A folder that holds the app's script (its code folder or a parent of it) is
    refused: ``Require all granted`` on it would publish the code.
    """
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        raise fail(where, value, "a list of {url, path, max_age} mappings")
    out: List[Dict[str, Any]] = []
    for index, raw in enumerate(value):
        here = f"{where}[{index}]"
        if not isinstance(raw, Mapping) or set(raw) - {"url", "path", "max_age"}:
            raise fail(here, raw, "a dict with url, path and optionally max_age (seconds)")
        url = mount_path(f"{here}.url", raw.get("url"))
        if url == "/":
            raise fail(f"{here}.url", url, "a URL path below '/', such as /static")
        path = absolute_path(f"{here}.path", raw.get("path"))
        if _inside(script_dir, path):
            raise fail(
                f"{here}.path",
                path,
                f"a folder that does not hold the app's code ({script_dir}): Apache would serve "
                "every file below it, the WSGI script and settings included",
            )
        max_age = raw.get("max_age")
        if max_age is not None:
            max_age = whole_number(f"{here}.max_age", max_age, STATIC_MAX_AGE_MAX, "seconds")
        out.append(
            {
                "url": url,
                "path": path,
                "max_age": max_age,
                "url_word": quote_value(url),
                "path_word": quote_value(path),
            }
        )
    return out


def _path_checks(
    where: str,
    script: str,
    normalized: Mapping[str, str],
    daemon_account: Tuple[Optional[str], Optional[str]],
) -> List[Dict[str, Any]]:
    """What the host must hold for this app, for the role to stat before writing.

    ``expect``: ``file`` (the script), ``dir`` (``home``), ``python`` (the
    interpreter of ``python_home``: a virtualenv or prefix has ``bin/python3``)
    and ``code`` (the script and its folder, which the daemon user must not be
    able to write). ``daemon_user``/``daemon_group`` are the app's own, else
    Apache's (``daemon_account``).
    """
    user = normalized.get("user") or daemon_account[0]
    group = normalized.get("group") or daemon_account[1]
    checks = [{"variable": f"{where}.script", "path": script, "expect": "file"}]
    if normalized.get("python-home"):
        checks.append(
            {
                "variable": f"{where}.python_home",
                "path": posixpath.join(normalized["python-home"], "bin", "python3"),
                "expect": "python",
            }
        )
    if normalized.get("home"):
        checks.append({"variable": f"{where}.home", "path": normalized["home"], "expect": "dir"})
    for path in (script, posixpath.dirname(script)):
        checks.append(
            {
                "variable": f"{where}.script",
                "path": path,
                "expect": "code",
                "daemon_user": user,
                "daemon_group": group,
            }
        )
    return checks


def _unique(variable: str, configs: List[Dict[str, Any]], key: str, what: str) -> None:
    seen: Dict[str, int] = {}
    for index, config in enumerate(configs):
        value = config[key]
        if value in seen:
            raise AppConfigError(
                f"{variable}[{index}] ({config['name']}).{key} got {describe(value)}; "
                f"expected a {what} not used by "
                f"{variable}[{seen[value]}] ({configs[seen[value]]['name']})"
            )
        seen[value] = index


def _under(url: str, prefix: str) -> bool:
    """A request for ``url`` matches a mount at ``prefix`` (whole path segments)."""
    return prefix in ("/", url) or url.startswith(prefix + "/")


def _urls(variable: str, index: int, config: Mapping[str, Any]) -> List[Tuple[str, str]]:
    where = item_label(variable, index, config["name"])
    urls = [(f"{where}.mount", config["mount"])]
    return urls + [(f"{where}.static[{i}].url", m["url"]) for i, m in enumerate(config["static"])]


def _unique_urls(variable: str, configs: List[Dict[str, Any]]) -> None:
    """Mounts and static URLs are unique within a site. Apps without a site are
    served in every site, so they share the URL space of each site, and a site's
    own mount must not hide one of theirs (Apache tries a site's mounts first)."""
    seen: List[Tuple[Optional[str], str, str]] = []
    for index, config in enumerate(configs):
        site = config["site"]
        for key, url in _urls(variable, index, config):
            for other_site, other_url, other_key in seen:
                if other_url == url and (site == other_site or site is None or other_site is None):
                    raise AppConfigError(
                        f"{key} got {describe(url)}; expected a URL path not used by "
                        f"{other_key}" + _everywhere(site, other_site)
                    )
            seen.append((site, url, key))
    for site_app, site_url, site_key in seen:
        for wide_site, wide_url, wide_key in seen:
            if site_app is not None and wide_site is None and _under(wide_url, site_url):
                raise AppConfigError(
                    f"{site_key} got {describe(site_url)}; expected a URL path that does not hide "
                    f"{wide_key} ({wide_url}) in site {site_app}: an app without a site is served "
                    "in every site, after the site's own mounts (give that app a site too)"
                )


def _everywhere(site: Optional[str], other: Optional[str]) -> str:
    if site is None or other is None:
        return " (an app without a site is served in every site)"
    return f" in site {site}"


def apps_config(
    apps: Any,
    plan: Mapping[str, Any],
    default_options: Optional[Mapping[str, Any]] = None,
    *,
    mod_wsgi_version: Optional[str] = None,
    variable: str = "apps",
    defaults_name: str = "default_options",
    daemon_account: Tuple[Optional[str], Optional[str]] = (None, None),
) -> List[Dict[str, Any]]:
    """Validate every app and return their Apache pieces, longest mount first.

    ``plan`` is a host plan (``wsgi_host_plan``) whose ``apps[name].options``
    hold the sized options. Error messages name ``variable[index] (name).key``.
    ``daemon_account`` is the (user, group) daemons run as when an app sets
    neither (Apache's), for the ``code`` path checks.
    """
    if not isinstance(apps, (list, tuple)) or not apps:
        raise fail(variable, apps, "a non-empty list of apps (dicts with name, script, mount)")
    if mod_wsgi_version is not None:
        try:
            parse_version(mod_wsgi_version, PARAMETER)
        except VersionError as exc:
            raise fail(f"parameter '{PARAMETER}'", mod_wsgi_version, exc.expected) from None
    plans = plan.get("apps", {}) if isinstance(plan, Mapping) else {}
    configs: List[Dict[str, Any]] = []
    for index, raw in enumerate(apps):
        where = _label(variable, index, raw)
        name = raw.get("name") if isinstance(raw, Mapping) else None
        if isinstance(name, str) and name not in plans:
            raise fail(
                f"{where}.name",
                name,
                "an app of the plan (size the apps with wsgi_host_plan and pass its result)",
            )
        sized = plans[name].get("options", {}) if isinstance(name, str) else {}
        configs.append(
            app_config(
                raw,
                where,
                sized,
                default_options,
                mod_wsgi_version=mod_wsgi_version,
                defaults_name=defaults_name,
                daemon_account=daemon_account,
            )
        )
        configs[-1]["index"] = index
    _unique(variable, configs, "name", "daemon process group name")
    _unique_urls(variable, configs)
    # Reverse order puts '/api/v1' before '/api' before '/': Apache takes the
    # first WSGIScriptAlias that matches.
    return sorted(configs, key=lambda config: config["mount"], reverse=True)
