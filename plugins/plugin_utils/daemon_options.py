# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Typed schema and renderer for the options of Apache's ``WSGIDaemonProcess``.

Controller-side code: the ``wsgi_daemon_options`` filter is its user. Nothing here
imports Ansible, so it can be unit tested directly.

How mod_wsgi reads the directive (``wsgi_parse_option`` in mod_wsgi's
``wsgi_config.c``, ``mod_wsgi.c`` before 6.0): the option *name* runs up to the first
``=`` and may not be quoted; only the *value* is read with Apache's ``ap_getword_conf``.
So a value with a space is written ``python-path="/srv/my app"``. Quoting the whole
token (``"python-path=/srv/my app"``) makes mod_wsgi fail with ``Invalid option to WSGI
daemon process definition.`` (checked with Apache 2.4 and mod_wsgi 4.9.4 and 5.0.2).
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable, Dict, List, Optional, Tuple

from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.errors import (
    WsgiscaleError,
    describe,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.plugin_utils.versions import (
    PARAMETER,
    VersionError,
    VersionTuple,
    format_version,
    parse_version,
)

FILTER_NAME = "wsgi_daemon_options"

INT_MAX = 2**31 - 1  # the C ``int`` that mod_wsgi's atoi() fills
INT64_MAX = 2**63 - 1  # apr_atoi64() for the memory limits
GROUP_NAME_MAX = 64
USER_NAME_MAX = 64
ID_MAX = 2**32 - 2  # (uid_t)-1 is reserved

# Value kinds. The unit of a kind is shown in docs/options.md.
INT = "int"
SECONDS = "int (seconds)"
MILLISECONDS = "int (ms)"
FLOAT_SECONDS = "float (seconds)"
BYTES = "int (bytes)"
ON_OFF = "bool (On/Off)"
OCTAL = "octal umask"
STRING = "string"
TOKEN = "token"
PATH = "absolute path"
PATH_LIST = "path list (:)"
USER = "user name or #uid"
GROUP = "group name or #gid"
GROUP_LIST = "group list (,)"

_UNITS = {
    SECONDS: "s",
    MILLISECONDS: "ms",
    FLOAT_SECONDS: "s",
    BYTES: "bytes",
}


@dataclass(frozen=True)
class OptionSpec:
    """One ``WSGIDaemonProcess`` option.

    ``since`` is the first mod_wsgi release with the option (``None``: older than 4.9,
    exact release not recorded); ``removed`` the first release without it.
    ``minimum``/``maximum`` bound numeric values; ``zero_means_default`` allows 0 below
    ``minimum`` (mod_wsgi reads 0 as "use the default"); ``exclusive_minimum`` makes
    ``minimum`` itself invalid.
    """

    name: str
    kind: str
    default: str
    since: Optional[VersionTuple]
    note: str
    minimum: Optional[float] = None
    maximum: Optional[float] = None
    zero_means_default: bool = False
    exclusive_minimum: bool = False
    removed: Optional[VersionTuple] = None

    @property
    def unit(self) -> str:
        """Unit of the value, or an empty string for unit-less kinds."""
        return _UNITS.get(self.kind, "")

    @property
    def range_text(self) -> str:
        """Allowed values in words, as used in error messages and the docs table."""
        if self.kind == ON_OFF:
            return "On | Off"
        if self.kind == OCTAL:
            return "0000..0777"
        if self.minimum is None:
            return ""
        low = _number_text(self.minimum)
        if self.exclusive_minimum:
            text = "> " + low
        elif self.maximum is None:
            text = ">= " + low
        else:
            text = low + ".." + _number_text(self.maximum)
        if self.zero_means_default:
            text = "0 or " + text
        return text


def _number_text(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def _timeout(name: str, default: str, since: Optional[VersionTuple], note: str) -> OptionSpec:
    return OptionSpec(name, SECONDS, default, since, note, minimum=0, maximum=INT_MAX)


# Render order: processes and threads first, then this fixed schema order.
OPTIONS: Tuple[OptionSpec, ...] = (
    OptionSpec(
        "processes",
        INT,
        "1",
        (1, 0, 0),
        "Daemon processes; giving it at all (even 1) sets wsgi.multiprocess=True.",
        minimum=1,
        maximum=INT_MAX,
    ),
    OptionSpec(
        "threads",
        INT,
        "15",
        (1, 0, 0),
        "Request threads per process; 0 = managed process, no requests.",
        minimum=0,
        maximum=65533,
    ),
    OptionSpec(
        "user",
        USER,
        "Apache User",
        (1, 0, 0),
        "Applies only when Apache starts as root; root is refused.",
    ),
    OptionSpec(
        "group",
        GROUP,
        "Apache Group",
        (1, 0, 0),
        "Applies only when Apache starts as root; root is refused.",
    ),
    OptionSpec(
        "supplementary-groups",
        GROUP_LIST,
        "none",
        (3, 4, 0),
        "Extra groups; a list is joined with ','.",
    ),
    OptionSpec("umask", OCTAL, "inherited", None, "Octal; quote it in YAML ('0022')."),
    OptionSpec(
        "home",
        PATH,
        "user's home, else Apache cwd",
        (2, 0, 0),
        "Working directory, added to sys.path; not the venv.",
    ),
    OptionSpec("chroot", PATH, "none", (3, 0, 0), "Deprecated; needs Apache started as root."),
    OptionSpec(
        "display-name",
        STRING,
        "argv0",
        (2, 0, 0),
        "Process name in ps; %{GROUP} gives (wsgi:NAME); cut to argv0's length.",
    ),
    OptionSpec("lang", TOKEN, "none", (3, 4, 0), "Sets LANG, e.g. en_US.UTF-8."),
    OptionSpec("locale", TOKEN, "none", (3, 4, 0), "Sets LC_ALL, e.g. en_US.UTF-8."),
    OptionSpec(
        "python-home",
        PATH,
        "none",
        (3, 4, 0),
        "Venv sys.prefix; must match the Python mod_wsgi was built for.",
    ),
    OptionSpec(
        "python-path",
        PATH_LIST,
        "none",
        (2, 0, 0),
        "Added with site.addsitedir; a list is joined with ':'; not site-packages.",
    ),
    OptionSpec("python-eggs", PATH, "none", (2, 0, 0), "PYTHON_EGG_CACHE."),
    OptionSpec(
        "switch-interval",
        FLOAT_SECONDS,
        "0.005 (Python's)",
        (6, 0, 0),
        "sys.setswitchinterval(); no-op under free-threading.",
        minimum=0,
        exclusive_minimum=True,
    ),
    OptionSpec(
        "stack-size",
        BYTES,
        "OS default (8 MiB)",
        (2, 0, 0),
        "Per-thread stack; at least PTHREAD_STACK_MIN (16384 on Linux).",
        minimum=16384,
        maximum=INT_MAX,
    ),
    OptionSpec(
        "maximum-requests",
        INT,
        "0 (off)",
        (2, 0, 0),
        "Recycle after N requests; pair with graceful-timeout.",
        minimum=0,
        maximum=INT_MAX,
    ),
    _timeout("restart-interval", "0 (off)", (4, 5, 12), "Graceful recycle after this long."),
    _timeout("cpu-time-limit", "0 (off)", (3, 0, 0), "RLIMIT_CPU since start; then graceful."),
    OptionSpec(
        "cpu-priority",
        INT,
        "0",
        (3, 0, 0),
        "setpriority() nice value.",
        minimum=-20,
        maximum=20,
    ),
    OptionSpec(
        "memory-limit",
        BYTES,
        "0 (off)",
        (3, 4, 0),
        "RLIMIT_DATA; Linux raises MemoryError (HTTP 500), no restart.",
        minimum=0,
        maximum=INT64_MAX,
    ),
    OptionSpec(
        "virtual-memory-limit",
        BYTES,
        "0 (off)",
        (3, 4, 0),
        "RLIMIT_AS; thread stacks count; same failure mode as memory-limit.",
        minimum=0,
        maximum=INT64_MAX,
    ),
    _timeout(
        "request-timeout",
        "0 (off)",
        (4, 1, 0),
        "Hung-request fail-safe; <=5.x averages over threads, 6.x per thread.",
    ),
    _timeout(
        "interrupt-timeout",
        "0 (off)",
        (6, 0, 0),
        "Inject RequestTimeout into a stuck thread before restarting; use >= 10.",
    ),
    _timeout("deadlock-timeout", "300", (2, 0, 0), "Restart when the GIL cannot be acquired."),
    _timeout("inactivity-timeout", "0 (off)", (2, 0, 0), "Restart after idling."),
    _timeout("startup-timeout", "0 (off)", (4, 5, 6), "Restart if the script fails to load."),
    _timeout(
        "graceful-timeout",
        "15 (0 before 4.9.0)",
        (4, 1, 0),
        "Keep serving while waiting for idle before a recycle.",
    ),
    _timeout("eviction-timeout", "0 (graceful)", (4, 4, 7), "Graceful period on SIGUSR1."),
    _timeout("shutdown-timeout", "5", (3, 0, 0), "Hard cutoff before exit()."),
    _timeout(
        "connect-timeout",
        "15",
        (4, 1, 0),
        "Apache child's retry window to reach the socket; then 503.",
    ),
    _timeout(
        "socket-timeout",
        "0 (Apache Timeout)",
        (4, 1, 0),
        "Child<->daemon read/write timeout; expiry gives 504.",
    ),
    _timeout(
        "queue-timeout",
        "0 (off)",
        (4, 1, 0),
        "Requests queued longer are answered 504, not run.",
    ),
    _timeout(
        "response-socket-timeout",
        "0 (socket-timeout)",
        (4, 5, 13),
        "Timeout for writes to the client.",
    ),
    OptionSpec(
        "listen-backlog",
        INT,
        "100",
        (4, 1, 0),
        "Daemon socket listen() backlog.",
        minimum=0,
        maximum=INT_MAX,
    ),
    OptionSpec(
        "socket-user",
        USER,
        "Apache User",
        (4, 4, 1),
        "Owner of the daemon socket (PrivilegesMode SECURE, mod_ruid2, ITK).",
    ),
    OptionSpec(
        "send-buffer-size",
        BYTES,
        "0 (OS)",
        (2, 0, 0),
        "Daemon socket send buffer.",
        minimum=512,
        maximum=INT_MAX,
        zero_means_default=True,
    ),
    OptionSpec(
        "receive-buffer-size",
        BYTES,
        "0 (OS)",
        (2, 0, 0),
        "Daemon socket receive buffer.",
        minimum=512,
        maximum=INT_MAX,
        zero_means_default=True,
    ),
    OptionSpec(
        "header-buffer-size",
        BYTES,
        "32768",
        (4, 1, 0),
        "Longest response header line.",
        minimum=8192,
        maximum=INT_MAX,
        zero_means_default=True,
    ),
    OptionSpec(
        "response-buffer-size",
        BYTES,
        "8 MiB (>=6.0.2; 65536 before)",
        (4, 4, 7),
        "Runaway response buffering guard.",
        minimum=65536,
        maximum=INT_MAX,
        zero_means_default=True,
    ),
    OptionSpec(
        "response-flush-delay",
        MILLISECONDS,
        "5",
        (6, 0, 2),
        "Coalesce writes to the client (mod_ratelimit).",
        minimum=0,
        maximum=INT_MAX,
    ),
    OptionSpec(
        "script-user",
        USER,
        "none",
        (3, 0, 0),
        "Required owner of the WSGI script, else 403; not with script-group.",
    ),
    OptionSpec(
        "script-group",
        GROUP,
        "none",
        (3, 0, 0),
        "Required group of the WSGI script, else 403; not with script-user.",
    ),
    OptionSpec(
        "server-metrics",
        ON_OFF,
        "Off",
        (4, 2, 0),
        "Allow mod_wsgi.server_metrics() (needs mod_status).",
    ),
    OptionSpec(
        "newrelic-config-file",
        PATH,
        "none",
        None,
        "New Relic agent config; removed in 6.0.",
        removed=(6, 0, 0),
    ),
    OptionSpec(
        "newrelic-environment",
        TOKEN,
        "none",
        None,
        "New Relic config environment; removed in 6.0.",
        removed=(6, 0, 0),
    ),
)

SCHEMA: Dict[str, OptionSpec] = {spec.name: spec for spec in OPTIONS}


class DaemonOptionError(WsgiscaleError):
    """A value the filter cannot render; names the caller, option, value and expectation."""

    def __init__(
        self,
        option: str,
        value: Any,
        expected: str,
        caller: str = FILTER_NAME,
        subject: str = "option",
    ):
        self.caller = caller
        self.option = option
        self.value = value
        self.expected = expected
        super().__init__(
            f"{caller}: {subject} {option!r} got {describe(value)}; expected {expected}"
        )


# --------------------------------------------------------------------------- versions


def _parse_version(value: Any, caller: str) -> VersionTuple:
    """:func:`parse_version`, failing with a :class:`DaemonOptionError`."""
    try:
        return parse_version(value, caller)
    except VersionError as exc:
        raise DaemonOptionError(PARAMETER, value, exc.expected, caller, "parameter") from None


def is_available(spec: OptionSpec, version: Optional[VersionTuple]) -> bool:
    """Whether ``spec`` exists in mod_wsgi ``version`` (``None``: any version)."""
    if version is None:
        return True
    if spec.since is not None and version < spec.since:
        return False
    return spec.removed is None or version < spec.removed


def option_names(mod_wsgi_version: Optional[str] = None) -> List[str]:
    """Option names in render order; only those present in ``mod_wsgi_version`` if given."""
    version = None if mod_wsgi_version is None else _parse_version(mod_wsgi_version, FILTER_NAME)
    return [spec.name for spec in OPTIONS if is_available(spec, version)]


# --------------------------------------------------------------------------- names

_GROUP_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_ACCOUNT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.@-]*\$?")
_ID_RE = re.compile(r"#[0-9]+")
_TOKEN_RE = re.compile(r"[A-Za-z0-9_.@+-]+")


def validate_group_name(name: str, caller: str = FILTER_NAME) -> str:
    """Check a daemon process group name (the first word of ``WSGIDaemonProcess``).

    It must be a safe token: 1..64 characters, ``^[A-Za-z0-9][A-Za-z0-9_.-]*$``, so no
    whitespace, quotes or ``%{...}`` (``%{GLOBAL}``/``%{ENV:...}`` are
    ``WSGIProcessGroup`` keywords). Returns the name unchanged.
    """
    expected = "a daemon process group name matching ^[A-Za-z0-9][A-Za-z0-9_.-]*$ (1..{0} chars)"
    expected = expected.format(GROUP_NAME_MAX)
    if not isinstance(name, str) or not name:
        raise DaemonOptionError(
            "name", name, "a non-empty string: " + expected, caller, "parameter"
        )
    if len(name) > GROUP_NAME_MAX:
        raise DaemonOptionError("name", name, expected + "; it is too long", caller, "parameter")
    if "%{" in name:
        raise DaemonOptionError(
            "name", name, expected + "; %{...} is a WSGIProcessGroup keyword", caller, "parameter"
        )
    if any(ch.isspace() for ch in name) or "'" in name or '"' in name:
        raise DaemonOptionError(
            "name", name, expected + "; whitespace and quotes are not allowed", caller, "parameter"
        )
    if not _GROUP_NAME_RE.fullmatch(name):
        raise DaemonOptionError("name", name, expected, caller, "parameter")
    return name


# --------------------------------------------------------------------------- quoting

_FORBIDDEN_CHARS = {'"': "a double quote", "<": "'<'", ">": "'>'"}
# Unicode categories refused anywhere in a value: control characters (newline, CR,
# NUL, tab, NEL ...), line and paragraph separators, invisible format characters
# (bidi overrides) and lone surrogates.
_FORBIDDEN_CATEGORIES = ("Cc", "Cf", "Cs", "Zl", "Zp")


def check_safe_text(name: str, value: str, caller: str) -> None:
    for ch in value:
        if ch in _FORBIDDEN_CHARS:
            raise DaemonOptionError(
                name,
                value,
                f"a value without {_FORBIDDEN_CHARS[ch]} (it could break out of the directive)",
                caller,
            )
        if unicodedata.category(ch) in _FORBIDDEN_CATEGORIES:
            raise DaemonOptionError(
                name,
                value,
                f"a value without control, line-break or format characters (found U+{ord(ch):04X})",
                caller,
            )
    if "${" in value:
        raise DaemonOptionError(
            name,
            value,
            "a value without '${' (Apache replaces ${VAR} in configuration lines)",
            caller,
        )


def quote_value(value: str) -> str:
    """Quote a checked value so ``ap_getword_conf`` reads it back unchanged.

    Values without whitespace, backslashes or a leading quote are returned as is;
    others are wrapped in double quotes with backslashes doubled. Double quotes,
    newlines and other control characters must have been refused before.
    """
    needs_quotes = (
        value == "" or value[0] in "'\"" or "\\" in value or any(ch.isspace() for ch in value)
    )
    if not needs_quotes:
        return value
    return '"' + value.replace("\\", "\\\\") + '"'


# --------------------------------------------------------------------------- values


def _integer(spec: OptionSpec, value: Any, caller: str) -> int:
    expected = "an integer{} in {}".format(" of " + spec.unit if spec.unit else "", spec.range_text)
    if isinstance(value, bool):
        raise DaemonOptionError(spec.name, value, expected + ", not a boolean", caller)
    if isinstance(value, int) or (isinstance(value, str) and _INT_RE.fullmatch(value)):
        number = int(value)
    else:
        raise DaemonOptionError(spec.name, value, expected, caller)
    if spec.zero_means_default and number == 0:
        return number
    too_low = spec.minimum is not None and number < spec.minimum
    too_high = spec.maximum is not None and number > spec.maximum
    if too_low or too_high:
        raise DaemonOptionError(spec.name, value, expected, caller)
    return number


_FLOAT_RE = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_INT_RE = re.compile(r"-?[0-9]+")
_OCTAL_RE = re.compile(r"(?:0o)?[0-7]{1,4}")


def _float(spec: OptionSpec, value: Any, caller: str) -> str:
    expected = f"a finite number of seconds {spec.range_text}"
    if isinstance(value, bool):
        raise DaemonOptionError(spec.name, value, expected + ", not a boolean", caller)
    if isinstance(value, (int, float)) or (isinstance(value, str) and _FLOAT_RE.fullmatch(value)):
        number = float(value)
    else:
        raise DaemonOptionError(spec.name, value, expected, caller)
    if not math.isfinite(number) or number <= 0:
        raise DaemonOptionError(spec.name, value, expected, caller)
    # Positional notation (no exponent) from the shortest round-tripping repr.
    text = format(Decimal(repr(number)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _on_off(spec: OptionSpec, value: Any, caller: str) -> str:
    if isinstance(value, bool):
        return "On" if value else "Off"
    if isinstance(value, str) and value.lower() in ("on", "off"):
        return "On" if value.lower() == "on" else "Off"
    raise DaemonOptionError(spec.name, value, "a boolean or 'On'/'Off'", caller)


def _octal(spec: OptionSpec, value: Any, caller: str) -> str:
    expected = (
        "an octal umask string such as '0022' (0000..0777), or its integer value "
        "(YAML reads unquoted 0022 as 18)"
    )
    if isinstance(value, bool):
        raise DaemonOptionError(spec.name, value, expected, caller)
    if isinstance(value, int):
        number = int(value)
    elif isinstance(value, str) and _OCTAL_RE.fullmatch(value):
        number = int(value[2:] if value.startswith("0o") else value, 8)
    else:
        raise DaemonOptionError(spec.name, value, expected, caller)
    if not 0 <= number <= 0o777:
        raise DaemonOptionError(spec.name, value, expected, caller)
    return f"{number:04o}"


def _text(spec: OptionSpec, value: Any, caller: str, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise DaemonOptionError(spec.name, value, "a non-empty string: " + what, caller)
    check_safe_text(spec.name, value, caller)
    return str(value)


def _path(spec: OptionSpec, value: Any, caller: str) -> str:
    what = "an absolute path"
    text = _text(spec, value, caller, what)
    if not text.startswith("/"):
        raise DaemonOptionError(spec.name, value, what + " (starting with '/')", caller)
    return text


def _entries(spec: OptionSpec, value: Any, items: List[Any], check: Any, caller: str) -> List[str]:
    """Check each list entry, reporting the whole value and the bad entry on failure."""
    checked = []
    for item in items:
        try:
            checked.append(check(item))
        except DaemonOptionError as exc:
            raise DaemonOptionError(
                spec.name, value, f"{exc.expected} (bad entry {item!r})", caller
            ) from None
    return checked


def _path_list(spec: OptionSpec, value: Any, caller: str) -> str:
    what = "an absolute path, a ':'-separated string of them, or a list of them"
    if isinstance(value, (list, tuple)):
        items = list(value)
        if not items:
            raise DaemonOptionError(spec.name, value, "a non-empty list: " + what, caller)
    else:
        items = _text(spec, value, caller, what).split(":")

    def check(item: Any) -> str:
        text = _text(spec, item, caller, what)
        if ":" in text:
            raise DaemonOptionError(spec.name, item, what + "; list entries may not contain ':'")
        if not text.startswith("/"):
            raise DaemonOptionError(spec.name, item, what + "; every entry must start with '/'")
        return text

    return ":".join(_entries(spec, value, items, check, caller))


def _account(spec: OptionSpec, value: Any, caller: str, refuse_root: bool) -> str:
    noun = "group" if spec.kind in (GROUP, GROUP_LIST) else "user"
    what = f"a {noun} name or '#<id>' (quote ids: '#1000')"
    if isinstance(value, int) and not isinstance(value, bool):
        raise DaemonOptionError(spec.name, value, what + ", not a bare integer", caller)
    text = _text(spec, value, caller, what)
    if _ID_RE.fullmatch(text):
        if int(text[1:]) > ID_MAX:
            raise DaemonOptionError(spec.name, value, what + " with id <= 4294967294", caller)
    elif len(text) > USER_NAME_MAX or not _ACCOUNT_RE.fullmatch(text):
        raise DaemonOptionError(spec.name, value, what, caller)
    if refuse_root and (text == "root" or (_ID_RE.fullmatch(text) and int(text[1:]) == 0)):
        raise DaemonOptionError(
            spec.name,
            value,
            f"a {noun} other than root (mod_wsgi refuses to run daemons as root)",
            caller,
        )
    return text


def _group_list(spec: OptionSpec, value: Any, caller: str) -> str:
    what = "a group name/'#gid', a ','-separated string of them, or a list of them"
    if isinstance(value, (list, tuple)):
        items = list(value)
        if not items:
            raise DaemonOptionError(spec.name, value, "a non-empty list: " + what, caller)
    else:
        items = _text(spec, value, caller, what).split(",")
    return ",".join(
        _entries(
            spec, value, items, lambda item: _account(spec, item, caller, refuse_root=True), caller
        )
    )


def _token(spec: OptionSpec, value: Any, caller: str) -> str:
    what = "a token matching ^[A-Za-z0-9_.@+-]+$ (e.g. en_US.UTF-8)"
    text = _text(spec, value, caller, what)
    if not _TOKEN_RE.fullmatch(text):
        raise DaemonOptionError(spec.name, value, what, caller)
    return text


def _integer_text(spec: OptionSpec, value: Any, caller: str) -> str:
    return str(_integer(spec, value, caller))


def _account_text(spec: OptionSpec, value: Any, caller: str) -> str:
    return _account(spec, value, caller, refuse_root=spec.name in ("user", "group"))


def _string(spec: OptionSpec, value: Any, caller: str) -> str:
    return _text(spec, value, caller, "a string")


#: How a value of each kind is checked and turned into its canonical, unquoted text.
_NORMALIZERS: Dict[str, Callable[[OptionSpec, Any, str], str]] = {
    INT: _integer_text,
    SECONDS: _integer_text,
    MILLISECONDS: _integer_text,
    BYTES: _integer_text,
    FLOAT_SECONDS: _float,
    ON_OFF: _on_off,
    OCTAL: _octal,
    STRING: _string,
    TOKEN: _token,
    PATH: _path,
    PATH_LIST: _path_list,
    USER: _account_text,
    GROUP: _account_text,
    GROUP_LIST: _group_list,
}


def normalize_value(spec: OptionSpec, value: Any, caller: str = FILTER_NAME) -> str:
    """Validate ``value`` for ``spec`` and return its canonical, unquoted text."""
    return _NORMALIZERS[spec.kind](spec, value, caller)


def _unknown(name: Any, value: Any, caller: str) -> DaemonOptionError:
    names = [spec.name for spec in OPTIONS]
    if not isinstance(name, str):
        return DaemonOptionError(
            "options", name, "option names that are strings", caller, "parameter"
        )
    hyphenated = name.replace("_", "-").lower()
    if hyphenated in SCHEMA:
        hint = f"did you mean {hyphenated!r}? (option names use hyphens)"
    else:
        close = difflib.get_close_matches(hyphenated, names, n=3, cutoff=0.6)
        hint = "did you mean {}?".format(" or ".join(repr(c) for c in close)) if close else ""
    expected = "a WSGIDaemonProcess option name" + ("; " + hint if hint else "")
    return DaemonOptionError(name, value, expected, caller)


def normalize_daemon_options(
    options: Mapping,
    mod_wsgi_version: Optional[str] = None,
    caller: str = FILTER_NAME,
) -> Dict[str, str]:
    """Validate ``options`` and return ``{name: canonical value}`` in render order.

    ``None`` values are skipped (the option is left to mod_wsgi's default). With
    ``mod_wsgi_version``, options the version does not have are refused.
    """
    if not isinstance(options, Mapping):
        raise DaemonOptionError(
            "options", options, "a dict of WSGIDaemonProcess options", caller, "parameter"
        )
    version = None if mod_wsgi_version is None else _parse_version(mod_wsgi_version, caller)
    for name in options:
        if not isinstance(name, str) or name not in SCHEMA:
            raise _unknown(name, options[name], caller)
    result: Dict[str, str] = {}
    for spec in OPTIONS:
        if spec.name not in options or options[spec.name] is None:
            continue
        if not is_available(spec, version):
            if spec.since is not None and version is not None and version < spec.since:
                why = f"mod_wsgi >= {format_version(spec.since)}"
            else:
                why = f"mod_wsgi < {format_version(spec.removed)} (removed there)"
            raise DaemonOptionError(
                spec.name,
                options[spec.name],
                f"an option of mod_wsgi {mod_wsgi_version}; {spec.name!r} needs {why}",
                caller,
            )
        result[spec.name] = normalize_value(spec, options[spec.name], caller)
    if "script-user" in result and "script-group" in result:
        raise DaemonOptionError(
            "script-group",
            options["script-group"],
            "only one of script-user and script-group (mod_wsgi allows one)",
            caller,
        )
    return result


#: What the wsgi_daemon_options filter returns: one string, or the list of its words.
OUTPUTS = ("string", "list")


def check_output(output: Any, caller: str = FILTER_NAME) -> str:
    """Validate the filter's ``output`` choice (one of :data:`OUTPUTS`)."""
    if not isinstance(output, str) or output not in OUTPUTS:
        raise DaemonOptionError(
            "output", output, " or ".join(repr(o) for o in OUTPUTS), caller, "parameter"
        )
    return output


def render_daemon_option_words(
    options: Mapping,
    mod_wsgi_version: Optional[str] = None,
    caller: str = FILTER_NAME,
) -> List[str]:
    """Render ``options`` as the list of ``key=value`` words of a ``WSGIDaemonProcess`` line.

    Order: processes, threads, then the fixed order of :data:`OPTIONS`. Values are
    quoted for ``ap_getword_conf`` when needed (``python-path="/srv/my app"``), so each
    word is read back by mod_wsgi as exactly one option, wherever the line is broken
    between words.
    """
    normalized = normalize_daemon_options(options, mod_wsgi_version, caller)
    return [f"{name}={quote_value(value)}" for name, value in normalized.items()]


def render_daemon_options(
    options: Mapping,
    mod_wsgi_version: Optional[str] = None,
    caller: str = FILTER_NAME,
) -> str:
    """The words of :func:`render_daemon_option_words` joined with single spaces."""
    return " ".join(render_daemon_option_words(options, mod_wsgi_version, caller))


# --------------------------------------------------------------------------- docs


def render_options_table() -> str:
    """The Markdown table of every option, as embedded in docs/options.md."""
    rows = [
        "| option | type | unit | range | mod_wsgi default | since | note |",
        "|---|---|---|---|---|---|---|",
    ]
    for spec in OPTIONS:
        since = "< 4.9" if spec.since is None else format_version(spec.since)
        if spec.removed is not None:
            since += ", removed " + format_version(spec.removed)
        cells = [
            f"`{spec.name}`",
            spec.kind.split(" (")[0] if spec.unit else spec.kind,
            spec.unit,
            spec.range_text,
            spec.default,
            since,
            spec.note,
        ]
        rows.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(rows) + "\n"
