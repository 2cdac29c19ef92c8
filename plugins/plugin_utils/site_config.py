# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The validated virtual hosts (sites) of the role and the order Apache reads them in.

A site is a host name (``server_name`` and ``server_aliases``) on a port, with
TLS or without, and the apps mounted in it (apps name their site; apps without
one are served in every site, as before sites existed). This module checks the
sites and returns every word the template places, in an order that decides what
a request for an unknown host name gets: Apache gives it to the first virtual
host of its port, so that host is written first on purpose (a 421 answer, or the
site the user named), never by accident.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.errors import (
    describe,
    item_label,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.plugin_utils.app_config import (
    AppConfigError,
    absolute_path,
    apache_text,
    check_keys,
    fail,
    flag,
    site_name,
    whole_number,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.plugin_utils.daemon_options import (
    quote_value,
)

#: Keys a site may hold.
SITE_KEYS = frozenset(
    {
        "name",
        "server_name",
        "server_aliases",
        "port",
        "tls",
        "redirect_to_https",
        "http_port",
        "hsts",
        "hsts_max_age",
        "server_admin",
        "error_log",
        "access_log",
    }
)
TLS_KEYS = frozenset({"certificate", "key", "chain"})

#: What ``unknown_host`` may be besides a site's name.
REJECT = "reject"
#: Two years, what Mozilla's and hstspreload.org's guidance asks for.
HSTS_MAX_AGE_DEFAULT = 63072000

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST_RE = re.compile(rf"(?:{_LABEL}\.)*{_LABEL}")
_WILDCARD_RE = re.compile(rf"\*\.(?:{_LABEL}\.)*{_LABEL}")
_EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9-]+\.)*[A-Za-z0-9-]+")


def host_name(where: str, value: Any, wildcard: bool = False) -> str:
    """A DNS host name (``shop.example.com``); ``*.example.com`` when ``wildcard``."""
    what = "a host name such as shop.example.com" + (" or *.example.com" if wildcard else "")
    text = apache_text(where, value, what)
    if len(text) > 253 or not (
        _HOST_RE.fullmatch(text) or (wildcard and _WILDCARD_RE.fullmatch(text))
    ):
        raise fail(
            where,
            value,
            what + " (letters, digits, '-' and '.', labels of 1 to 63 characters, "
            "at most 253 characters in all)",
        )
    return text.lower()


def _port(where: str, value: Any) -> int:
    what = "a TCP port, an integer from 1 to 65535"
    try:
        port = whole_number(where, value, 65535, "a TCP port")
    except AppConfigError:
        raise fail(where, value, what) from None
    if port == 0:
        raise fail(where, value, what)
    return port


def _tls(where: str, value: Any) -> Optional[Dict[str, Any]]:
    if value is None:
        return None
    if (
        not isinstance(value, Mapping)
        or set(value) - TLS_KEYS
        or not {"certificate", "key"} <= set(value)
    ):
        raise fail(
            where, value, "a dict with certificate and key (paths on the host) and optionally chain"
        )
    out: Dict[str, Any] = {}
    for key in ("certificate", "key", "chain"):
        if value.get(key) is None:
            out[key] = out[key + "_word"] = None
            continue
        out[key] = absolute_path(f"{where}.{key}", value[key])
        out[key + "_word"] = quote_value(out[key])
    return out


def _optional_path(where: str, value: Any) -> Tuple[Optional[str], Optional[str]]:
    if value is None:
        return None, None
    path = absolute_path(where, value)
    return path, quote_value(path)


def _aliases(where: str, value: Any) -> List[str]:
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        raise fail(where, value, "a list of host names")
    return [host_name(f"{where}[{i}]", alias, wildcard=True) for i, alias in enumerate(value)]


def _check_site_dict(where: str, site: Any) -> Mapping[str, Any]:
    return check_keys(where, site, SITE_KEYS, "a dict with name and server_name")


def _switched(
    where: str,
    site: Mapping[str, Any],
    keys: Tuple[str, str, str],
    tls: Optional[Mapping[str, Any]],
) -> Tuple[bool, Any]:
    """(whether the switch ``keys[0]`` is on, the value of its setting ``keys[1]``).

    The setting is refused while the switch is off, and the switch without tls (what
    the site should do instead is ``keys[2]``)."""
    switch, setting, without_tls = keys
    if not flag(f"{where}.{switch}", site.get(switch)):
        if site.get(setting) is not None:
            raise fail(f"{where}.{setting}", site[setting], f"no value unless {switch} is true")
        return False, None
    if tls is None:
        raise fail(f"{where}.{switch}", True, without_tls)
    return True, site.get(setting)


def _hsts(where: str, site: Mapping[str, Any], tls: Optional[Mapping[str, Any]]) -> Optional[int]:
    """The max-age of Strict-Transport-Security, or None (no header)."""
    on, max_age = _switched(
        where, site, ("hsts", "hsts_max_age", "false: HSTS is only sent over TLS (set tls)"), tls
    )
    if not on:
        return None
    if max_age is None:
        return HSTS_MAX_AGE_DEFAULT
    return whole_number(f"{where}.hsts_max_age", max_age, 2 * HSTS_MAX_AGE_DEFAULT, "seconds")


def _redirect(
    where: str, site: Mapping[str, Any], tls: Optional[Mapping[str, Any]]
) -> Optional[int]:
    """The plain-HTTP port whose requests are sent to HTTPS, or None."""
    on, http_port = _switched(
        where, site, ("redirect_to_https", "http_port", "false unless the site has tls"), tls
    )
    if not on:
        return None
    return _port(f"{where}.http_port", 80 if http_port is None else http_port)


def site_config(site: Any, where: str) -> Dict[str, Any]:
    """Validate one site and return its words (see :func:`sites_config`)."""
    site = _check_site_dict(where, site)
    name = site_name(f"{where}.name", site.get("name"))
    if name is None:
        raise fail(f"{where}.name", None, "a site name matching ^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    if name == REJECT:
        raise fail(f"{where}.name", name, f"another name: '{REJECT}' is a value of unknown_host")
    tls = _tls(f"{where}.tls", site.get("tls"))
    port = site.get("port")
    port = (
        _port(f"{where}.port", 443 if tls else 80) if port is None else _port(f"{where}.port", port)
    )
    if port == 443 and tls is None:
        raise fail(f"{where}.port", port, "a port other than 443 for a site without tls")
    if port == 80 and tls is not None:
        raise fail(f"{where}.port", port, "a port other than 80 for a site with tls")
    error_log, error_log_word = _optional_path(f"{where}.error_log", site.get("error_log"))
    access_log, access_log_word = _optional_path(f"{where}.access_log", site.get("access_log"))
    admin = site.get("server_admin")
    if admin is not None and not (isinstance(admin, str) and _EMAIL_RE.fullmatch(admin)):
        raise fail(
            f"{where}.server_admin", admin, "an e-mail address such as webmaster@example.com"
        )
    return {
        "name": name,
        "where": where,
        "server_name": host_name(f"{where}.server_name", site.get("server_name")),
        "server_aliases": _aliases(f"{where}.server_aliases", site.get("server_aliases")),
        "port": port,
        "tls": tls,
        "hsts_max_age": _hsts(where, site, tls),
        "http_port": _redirect(where, site, tls),
        "server_admin": admin,
        "error_log": error_log,
        "error_log_word": error_log_word,
        "access_log": access_log,
        "access_log_word": access_log_word,
    }


def _check_ports(variable: str, sites: Sequence[Mapping[str, Any]]) -> Dict[int, bool]:
    """Each port is TLS or plain for every site on it; host names are unique per port."""
    ports: Dict[int, Tuple[bool, str]] = {}
    names: Dict[Tuple[int, str], str] = {}
    for site in sites:
        uses = [(site["port"], site["tls"] is not None, f"{site['where']}.port")]
        if site["http_port"] is not None:
            uses.append((site["http_port"], False, f"{site['where']}.http_port"))
        for port, tls, key in uses:
            earlier = ports.setdefault(port, (tls, key))
            if earlier[0] != tls:
                raise AppConfigError(
                    f"{key} got {port}; expected a port that is "
                    f"{'TLS' if earlier[0] else 'plain HTTP'} for every site, as for {earlier[1]}"
                )
            for host in [site["server_name"], *site["server_aliases"]]:
                other = names.setdefault((port, host), site["where"])
                if other != site["where"]:
                    raise AppConfigError(
                        f"{site['where']} got host name {describe(host)} on port {port}; "
                        f"expected a host name not already served on that port by {other}"
                    )
    return {port: tls for port, (tls, _key) in ports.items()}


#: The virtual host that answers unknown host names (``Redirect 421 /``).
UNKNOWN_HOST: Dict[str, Any] = {
    "name": REJECT,
    "where": REJECT,
    "server_name": "unknown-host.invalid",
    "server_aliases": [],
    "hsts_max_age": None,
    "http_port": None,
    "server_admin": None,
    "error_log": None,
    "error_log_word": None,
    "access_log": None,
    "access_log_word": None,
}


def _vhost(
    kind: str, site: Mapping[str, Any], port: int, tls: Optional[Mapping[str, Any]]
) -> Dict[str, Any]:
    return {**site, "kind": kind, "port": port, "tls": tls, "apps": [], "redirect_word": None}


def _redirect_word(site: Mapping[str, Any]) -> str:
    port = "" if site["port"] == 443 else f":{site['port']}"
    return f"https://{site['server_name']}{port}/"


def _first_tls(sites: Sequence[Mapping[str, Any]], port: int) -> Optional[Mapping[str, Any]]:
    return next((s["tls"] for s in sites if s["port"] == port and s["tls"]), None)


def _ordered_vhosts(
    sites: Sequence[Mapping[str, Any]], ports: Mapping[int, bool], unknown_host: str
) -> List[Dict[str, Any]]:
    """Per port, the virtual host that answers unknown host names first, then the sites."""
    vhosts: List[Dict[str, Any]] = []
    for site in sites:
        vhosts.append(_vhost("site", site, site["port"], site["tls"]))
        if site["http_port"] is not None:
            redirect = _vhost("redirect", site, site["http_port"], None)
            vhosts.append({**redirect, "redirect_word": _redirect_word(site)})
    first: List[Dict[str, Any]] = []
    for port, tls in ports.items():
        chosen = [
            v
            for v in vhosts
            if v["port"] == port and v["name"] == unknown_host and v["kind"] == "site"
        ]
        chosen = chosen or [v for v in vhosts if v["port"] == port and v["name"] == unknown_host]
        if chosen:
            first.append(chosen[0])
            continue
        tls_words = _first_tls(sites, port) if tls else None
        first.append(_vhost("unknown", UNKNOWN_HOST, port, tls_words))
    return first + [v for v in vhosts if not any(v is f for f in first)]


def _tls_checks(sites: Sequence[Mapping[str, Any]]) -> List[Dict[str, Any]]:
    return [
        {
            "variable": f"{s['where']}.tls",
            "certificate": s["tls"]["certificate"],
            "key": s["tls"]["key"],
            "chain": s["tls"]["chain"],
            "names": [s["server_name"], *s["server_aliases"]],
        }
        for s in sites
        if s["tls"]
    ]


def _path_checks(sites: Sequence[Mapping[str, Any]]) -> List[Dict[str, Any]]:
    checks = []
    for s in sites:
        for key in ("error_log", "access_log"):
            if s[key]:
                folder = s[key].rsplit("/", 1)[0] or "/"
                checks.append({"variable": f"{s['where']}.{key}", "path": folder, "expect": "dir"})
    return checks


def sites_config(
    sites: Any,
    apps: Sequence[Mapping[str, Any]],
    *,
    unknown_host: Any = REJECT,
    variable: str = "sites",
    apps_variable: str = "apps",
    unknown_host_name: str = "unknown_host",
) -> Dict[str, Any]:
    """Validate the sites and place the apps (from ``apps_config``) in them.

    Returns ``vhosts`` in the order they must be written (per port, the one that
    answers unknown host names first), ``server_wide_apps`` (apps without a
    site), the ``ports`` used (``{port: tls}``), whether any site uses ``tls``,
    and the ``tls_checks`` and ``path_checks`` the host must pass before anything
    is written. Without sites, every app is server-wide, as before sites existed.
    """
    if sites is None:
        sites = []
    if not isinstance(sites, (list, tuple)):
        raise fail(variable, sites, "a list of sites (dicts with name and server_name)")
    checked = [site_config(raw, _where(variable, i, raw)) for i, raw in enumerate(sites)]
    by_name: Dict[str, Mapping[str, Any]] = {}
    for site in checked:
        if site["name"] in by_name:
            raise fail(
                f"{site['where']}.name",
                site["name"],
                f"a name not used by {by_name[site['name']]['where']}",
            )
        by_name[site["name"]] = site
    _check_unknown_host(unknown_host, unknown_host_name, by_name)
    ports = _check_ports(variable, checked)
    vhosts = _ordered_vhosts(checked, ports, unknown_host)
    for position, app in enumerate(apps):
        if app["site"] is None:
            continue
        if app["site"] not in by_name:
            where = item_label(apps_variable, app.get("index", position), app["name"])
            raise fail(
                f"{where}.site",
                app["site"],
                f"the name of a site in {variable} ({', '.join(by_name) or 'none'})",
            )
        for vhost in vhosts:
            if vhost["kind"] == "site" and vhost["name"] == app["site"]:
                vhost["apps"].append(app)
    return {
        "vhosts": vhosts,
        "server_wide_apps": [app for app in apps if app["site"] is None],
        "ports": [{"port": port, "tls": tls} for port, tls in ports.items()],
        "tls": any(ports.values()),
        "tls_checks": _tls_checks(checked),
        "path_checks": _path_checks(checked),
    }


def _where(variable: str, index: int, raw: Any) -> str:
    name = raw.get("name") if isinstance(raw, Mapping) else None
    return item_label(variable, index, name)


def _check_unknown_host(value: Any, name: str, sites: Mapping[str, Any]) -> None:
    if value == REJECT or (isinstance(value, str) and value in sites):
        return
    raise fail(
        name, value, f"'{REJECT}' or the name of a site ({', '.join(sites) or 'none defined'})"
    )
