# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import math
import re
import unicodedata
from pathlib import Path

import pytest
from ansible_collections.wsgiscale.mod_wsgi.plugins.plugin_utils import daemon_options as d
from ansible_collections.wsgiscale.mod_wsgi.plugins.plugin_utils.daemon_options import (
    OPTIONS,
    SCHEMA,
    DaemonOptionError,
    normalize_daemon_options,
    option_names,
    render_daemon_option_words,
    render_daemon_options,
    render_options_table,
    validate_group_name,
)
from hypothesis import given, settings
from hypothesis import strategies as st

# --------------------------------------------------------------------------------------
# A small port of how Apache and mod_wsgi read the option words of WSGIDaemonProcess:
# mod_wsgi's wsgi_parse_option() (name up to '=', then one ap_getword_conf() word) and
# Apache's ap_getword_conf()/substring_conf() from server/util.c.

APR_SPACE = " \t\n\v\f\r"


def _substring_conf(line, start, length, quote):
    out = []
    i = 0
    while i < length:
        ch = line[start + i]
        after = line[start + i + 1] if start + i + 1 < len(line) else "\0"
        if ch == "\\" and (after == "\\" or (quote and after == quote)):
            out.append(after)
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def ap_getword_conf(line, pos):
    n = len(line)
    while pos < n and line[pos] in APR_SPACE:
        pos += 1
    if pos >= n:
        return "", pos
    quote = line[pos]
    if quote in "\"'":
        end = pos + 1
        while end < n and line[end] != quote:
            if line[end] == "\\" and end + 1 < n and line[end + 1] in (quote, "\\"):
                end += 2
            else:
                end += 1
        word = _substring_conf(line, pos + 1, end - pos - 1, quote)
        if end < n and line[end] == quote:
            end += 1
    else:
        end = pos
        while end < n and line[end] not in APR_SPACE:
            end += 1
        word = _substring_conf(line, pos, end - pos, None)
    while end < n and line[end] in APR_SPACE:
        end += 1
    return word, end


def wsgi_parse_options(line):
    """Return the (name, value) pairs mod_wsgi reads, or raise like mod_wsgi does."""
    pairs = []
    pos, n = 0, len(line)
    while pos < n:
        while pos < n and line[pos] in APR_SPACE:
            pos += 1
        if pos >= n or line[pos] == "=":
            raise ValueError("Invalid option to WSGI daemon process definition.")
        end = pos
        while end < n and line[end] != "=" and line[end] not in APR_SPACE:
            end += 1
        if end >= n or line[end] != "=":
            raise ValueError("Invalid option to WSGI daemon process definition.")
        name = line[pos:end]
        value, pos = ap_getword_conf(line, end + 1)
        pairs.append((name, value))
    return pairs


def test_parser_port_matches_known_apache_behaviour():
    """The port itself, checked against what apache2ctl -t accepted or refused."""
    assert wsgi_parse_options('python-path="/srv/my app" threads=2') == [
        ("python-path", "/srv/my app"),
        ("threads", "2"),
    ]
    assert wsgi_parse_options(r"python-path=a\\\\b") == [("python-path", r"a\\b")]
    assert wsgi_parse_options("python-path='/srv/x y'") == [("python-path", "/srv/x y")]
    # Quoting the whole token makes the quote part of the name: mod_wsgi refuses it.
    with pytest.raises(ValueError):
        wsgi_parse_options('"python-path=/srv/my app" threads=2')
    assert wsgi_parse_options('"python-path=/srv/app"') == [('"python-path', '/srv/app"')]
    with pytest.raises(ValueError):
        wsgi_parse_options("threads")


def render_and_parse(options, **kwargs):
    text = render_daemon_options(options, **kwargs)
    return text, wsgi_parse_options(text)


# --------------------------------------------------------------------------------------
# Rendering, ordering and quoting

RENDER_CASES = [
    pytest.param(
        {"processes": 2, "threads": 20, "request-timeout": 60},
        "processes=2 threads=20 request-timeout=60",
        id="brief-example",
    ),
    pytest.param(
        {"request-timeout": 60, "threads": 20, "processes": 2},
        "processes=2 threads=20 request-timeout=60",
        id="input-order-ignored",
    ),
    pytest.param(
        {"queue-timeout": 45, "display-name": "%{GROUP}", "threads": 5, "user": "www-data"},
        "threads=5 user=www-data display-name=%{GROUP} queue-timeout=45",
        id="schema-order",
    ),
    pytest.param({}, "", id="empty"),
    pytest.param({"threads": None, "processes": 1}, "processes=1", id="none-skipped"),
    pytest.param(
        {"python-path": "/srv/my app"}, 'python-path="/srv/my app"', id="space-quotes-value"
    ),
    pytest.param({"python-path": "/srv/a\\b"}, 'python-path="/srv/a\\\\b"', id="backslash-doubled"),
    pytest.param({"display-name": "'wsgi"}, 'display-name="\'wsgi"', id="leading-single-quote"),
    pytest.param({"display-name": "it's"}, "display-name=it's", id="inner-single-quote"),
    pytest.param(
        {"display-name": "a\u00a0b"}, 'display-name="a\u00a0b"', id="unicode-space-quoted"
    ),
    pytest.param({"display-name": "wsgi:app"}, "display-name=wsgi:app", id="no-quotes-needed"),
    pytest.param(
        {"python-path": ["/srv/app", "/srv/lib"]},
        "python-path=/srv/app:/srv/lib",
        id="python-path-list",
    ),
    pytest.param(
        {"python-path": ("/srv/my app", "/srv/lib")},
        'python-path="/srv/my app:/srv/lib"',
        id="python-path-tuple-quoted",
    ),
    pytest.param(
        {"python-path": "/srv/app:/srv/lib"},
        "python-path=/srv/app:/srv/lib",
        id="python-path-string",
    ),
    pytest.param(
        {"supplementary-groups": ["adm", "#1001", "ssl-cert"]},
        "supplementary-groups=adm,#1001,ssl-cert",
        id="groups-list",
    ),
    pytest.param(
        {"supplementary-groups": "adm,ssl-cert"},
        "supplementary-groups=adm,ssl-cert",
        id="groups-string",
    ),
    pytest.param({"umask": "0022"}, "umask=0022", id="umask-string"),
    pytest.param({"umask": "027"}, "umask=0027", id="umask-short"),
    pytest.param({"umask": "0o007"}, "umask=0007", id="umask-0o"),
    pytest.param({"umask": 18}, "umask=0022", id="umask-yaml-octal-int"),
    pytest.param({"umask": 0}, "umask=0000", id="umask-zero"),
    pytest.param({"server-metrics": True}, "server-metrics=On", id="bool-true"),
    pytest.param({"server-metrics": False}, "server-metrics=Off", id="bool-false"),
    pytest.param({"server-metrics": "on"}, "server-metrics=On", id="on-lower"),
    pytest.param({"server-metrics": "OFF"}, "server-metrics=Off", id="off-upper"),
    pytest.param({"switch-interval": 0.005}, "switch-interval=0.005", id="float"),
    pytest.param({"switch-interval": 1e-05}, "switch-interval=0.00001", id="float-no-exponent"),
    pytest.param({"switch-interval": "0.002"}, "switch-interval=0.002", id="float-string"),
    pytest.param({"switch-interval": 1}, "switch-interval=1", id="float-from-int"),
    pytest.param({"threads": "15"}, "threads=15", id="digit-string"),
    pytest.param({"cpu-priority": "-5"}, "cpu-priority=-5", id="negative-digit-string"),
    pytest.param({"user": "#1000", "group": "#1000"}, "user=#1000 group=#1000", id="ids"),
    pytest.param({"script-user": "root"}, "script-user=root", id="script-user-root-ok"),
    pytest.param({"lang": "en_US.UTF-8"}, "lang=en_US.UTF-8", id="lang"),
    pytest.param({"home": "/srv/app"}, "home=/srv/app", id="path"),
    pytest.param({"memory-limit": 2**40}, "memory-limit=1099511627776", id="int64"),
    pytest.param(
        {"newrelic-config-file": "/etc/nr.ini", "newrelic-environment": "prod"},
        "newrelic-config-file=/etc/nr.ini newrelic-environment=prod",
        id="newrelic",
    ),
]


@pytest.mark.parametrize(("options", "expected"), RENDER_CASES)
def test_render(options, expected):
    assert render_daemon_options(options) == expected


@pytest.mark.parametrize(("options", "expected"), RENDER_CASES)
def test_rendered_words_parse_back_to_the_normalized_values(options, expected):
    _text, pairs = render_and_parse(options)
    assert pairs == list(normalize_daemon_options(options).items())


def test_every_option_renders_in_schema_order():
    sample = {
        d.INT: 1,
        d.SECONDS: 1,
        d.MILLISECONDS: 1,
        d.FLOAT_SECONDS: 0.5,
        d.BYTES: 0,
        d.ON_OFF: True,
        d.OCTAL: "0022",
        d.STRING: "x",
        d.TOKEN: "C",
        d.PATH: "/x",
        d.PATH_LIST: ["/x"],
        d.USER: "www-data",
        d.GROUP: "www-data",
        d.GROUP_LIST: ["adm"],
    }
    options = {}
    for spec in reversed(OPTIONS):
        if spec.name in ("script-group",):
            continue
        value = sample[spec.kind]
        if spec.kind in (d.INT, d.BYTES) and spec.minimum and not spec.zero_means_default:
            value = int(spec.minimum)
        options[spec.name] = value
    text = render_daemon_options(options)
    names = [pair[0] for pair in wsgi_parse_options(text)]
    assert names == [n for n in option_names() if n != "script-group"]
    assert names[:2] == ["processes", "threads"]


# --------------------------------------------------------------------------------------
# Types

TYPE_ERRORS = [
    ("threads", True, "not a boolean"),
    ("threads", False, "not a boolean"),
    ("processes", True, "not a boolean"),
    ("request-timeout", True, "not a boolean"),
    ("memory-limit", False, "not a boolean"),
    ("response-flush-delay", True, "not a boolean"),
    ("switch-interval", True, "not a boolean"),
    ("threads", 5.0, "an integer"),
    ("threads", "5.0", "an integer"),
    ("threads", "5 ", "an integer"),
    ("threads", "15\n", "an integer"),
    ("threads", "0x10", "an integer"),
    ("threads", "", "an integer"),
    ("threads", [5], "an integer"),
    ("request-timeout", "60s", "an integer of s"),
    ("response-flush-delay", "5ms", "an integer of ms"),
    ("stack-size", "8M", "an integer of bytes"),
    ("switch-interval", "fast", "finite number of seconds"),
    ("switch-interval", "1e", "finite number of seconds"),
    ("server-metrics", 1, "a boolean or 'On'/'Off'"),
    ("server-metrics", "yes", "a boolean or 'On'/'Off'"),
    ("umask", "0089", "octal umask"),
    ("umask", "22 ", "octal umask"),
    ("umask", True, "octal umask"),
    ("umask", 0o1000, "octal umask"),
    ("umask", -1, "octal umask"),
    ("umask", "01000", "octal umask"),
    ("home", "srv/app", "absolute path"),
    ("home", "", "non-empty string"),
    ("home", 5, "non-empty string"),
    ("python-home", "venv", "absolute path"),
    ("chroot", "./jail", "absolute path"),
    ("python-path", "/srv/a:relative", "every entry must start with '/'"),
    ("python-path", "/srv/a::/srv/b", "(bad entry '')"),
    ("python-path", [], "non-empty list"),
    ("python-path", ["/srv/a:/srv/b"], "may not contain ':' (bad entry '/srv/a:/srv/b')"),
    ("python-path", ["/srv/a", 5], "(bad entry 5)"),
    ("python-path", {"a": 1}, "non-empty string"),
    ("user", 1000, "not a bare integer"),
    ("user", "www data", "a user name"),
    ("user", "1user", "a user name"),
    ("user", "#", "a user name"),
    ("user", "#4294967295", "id <= 4294967294"),
    ("user", "u" * 65, "a user name"),
    ("group", "", "non-empty string"),
    ("socket-user", "bad name", "a user name"),
    ("script-group", 33, "not a bare integer"),
    ("supplementary-groups", [], "non-empty list"),
    ("supplementary-groups", "adm,,www", "non-empty string"),
    (
        "supplementary-groups",
        ["adm", "bad group"],
        "a group name or '#<id>' (quote ids: '#1000') (bad entry 'bad group')",
    ),
    ("supplementary-groups", "adm, www", "a group name"),
    ("lang", "en US", "token"),
    ("lang", 5, "non-empty string"),
    ("locale", "en_US.UTF-8;x", "token"),
    ("newrelic-environment", "a b", "token"),
    ("display-name", 5, "non-empty string"),
    ("display-name", "", "non-empty string"),
]


@pytest.mark.parametrize(("name", "value", "fragment"), TYPE_ERRORS)
def test_type_errors_name_the_option_value_and_expectation(name, value, fragment):
    with pytest.raises(DaemonOptionError) as info:
        render_daemon_options({name: value})
    message = str(info.value)
    assert message.startswith("wsgi_daemon_options: option " + repr(name) + " got ")
    assert repr(value)[:60] in message
    assert fragment in message
    assert info.value.option == name
    assert info.value.value == value


INTEGER_KINDS = (d.INT, d.SECONDS, d.MILLISECONDS, d.BYTES)


@pytest.mark.parametrize("spec", [s for s in OPTIONS if s.kind in INTEGER_KINDS])
@pytest.mark.parametrize("flag", [True, False])
def test_booleans_are_not_integers_for_any_integer_option(spec, flag):
    with pytest.raises(DaemonOptionError, match="not a boolean"):
        render_daemon_options({spec.name: flag})


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, "nan", "inf", "-1", -0.5])
def test_nan_inf_and_negative_floats_are_refused(value):
    with pytest.raises(DaemonOptionError, match="switch-interval"):
        render_daemon_options({"switch-interval": value})


# --------------------------------------------------------------------------------------
# Ranges: every boundary, just inside and just outside

INT_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1

BOUNDARIES = [
    # (option, accepted values, refused values)
    ("processes", [1, INT_MAX], [0, -1, INT_MAX + 1]),
    ("threads", [0, 65533], [-1, 65534]),
    ("cpu-priority", [-20, 20], [-21, 21]),
    ("send-buffer-size", [0, 512, INT_MAX], [1, 511, -1, INT_MAX + 1]),
    ("receive-buffer-size", [0, 512, INT_MAX], [1, 511, -1, INT_MAX + 1]),
    ("header-buffer-size", [0, 8192], [1, 8191, -1]),
    ("response-buffer-size", [0, 65536], [1, 65535, -1]),
    ("stack-size", [16384, INT_MAX], [0, 16383, INT_MAX + 1]),
    ("memory-limit", [0, INT64_MAX], [-1, INT64_MAX + 1]),
    ("virtual-memory-limit", [0, INT64_MAX], [-1, INT64_MAX + 1]),
    ("maximum-requests", [0, INT_MAX], [-1, INT_MAX + 1]),
    ("listen-backlog", [0, INT_MAX], [-1, INT_MAX + 1]),
    ("response-flush-delay", [0, INT_MAX], [-1, INT_MAX + 1]),
    ("switch-interval", [5e-324, 0.0001, 100], [0, 0.0, -0.0, -5e-324]),
    ("umask", ["0000", "0777", 0, 0o777], ["1000", 0o1000, -1]),
] + [(spec.name, [0, INT_MAX], [-1, INT_MAX + 1]) for spec in OPTIONS if spec.kind == d.SECONDS]


@pytest.mark.parametrize(
    ("name", "value"), [(name, v) for name, good, _bad in BOUNDARIES for v in good]
)
def test_range_boundary_inside_is_accepted(name, value):
    _text, pairs = render_and_parse({name: value})
    assert pairs[0][0] == name


@pytest.mark.parametrize(
    ("name", "value"), [(name, v) for name, _good, bad in BOUNDARIES for v in bad]
)
def test_range_boundary_outside_is_refused_with_the_range(name, value):
    with pytest.raises(DaemonOptionError) as info:
        render_daemon_options({name: value})
    spec = SCHEMA[name]
    assert repr(name) in str(info.value)
    assert spec.range_text in str(info.value)


def test_every_timeout_is_in_the_boundary_table():
    timeouts = {s.name for s in OPTIONS if s.name.endswith("-timeout")}
    covered = {name for name, _good, _bad in BOUNDARIES}
    assert timeouts <= covered
    assert all(SCHEMA[n].kind == d.SECONDS for n in timeouts)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("threads", "0..65533"),
        ("processes", "1..2147483647"),
        ("send-buffer-size", "0 or 512..2147483647"),
        ("header-buffer-size", "0 or 8192..2147483647"),
        ("response-buffer-size", "0 or 65536..2147483647"),
        ("cpu-priority", "-20..20"),
        ("request-timeout", "0..2147483647"),
        ("switch-interval", "> 0"),
        ("server-metrics", "On | Off"),
        ("python-path", ""),
    ],
)
def test_range_text(name, text):
    assert SCHEMA[name].range_text == text


def test_every_kind_has_exactly_one_normalizer():
    assert {spec.kind for spec in OPTIONS} == set(d._NORMALIZERS)


# --------------------------------------------------------------------------------------
# Versions

GATING = [
    # option, value, version, accepted
    ("interrupt-timeout", 10, "5.0.2", False),
    ("interrupt-timeout", 10, "5.0.2-1+b1", False),
    ("interrupt-timeout", 10, "6.0", True),
    ("interrupt-timeout", 10, "6.1.1", True),
    ("switch-interval", 0.002, "4.9.4", False),
    ("switch-interval", 0.002, "6.0.0", True),
    ("response-flush-delay", 5, "6.0.1", False),
    ("response-flush-delay", 5, "6.0.2", True),
    ("restart-interval", 60, "4.5.11", False),
    ("restart-interval", 60, "4.5.12", True),
    ("request-timeout", 60, "4.9.4", True),
    ("newrelic-config-file", "/etc/nr.ini", "5.0.2", True),
    ("newrelic-config-file", "/etc/nr.ini", "5.99.99", True),
    ("newrelic-config-file", "/etc/nr.ini", "6.0.0", False),
    ("newrelic-environment", "prod", "6.1.1", False),
    ("umask", "0022", "4.9", True),
]


@pytest.mark.parametrize(("name", "value", "version", "accepted"), GATING)
def test_version_gating(name, value, version, accepted):
    if accepted:
        assert render_daemon_options({name: value}, mod_wsgi_version=version).startswith(name)
        assert name in option_names(version)
    else:
        with pytest.raises(DaemonOptionError) as info:
            render_daemon_options({name: value}, mod_wsgi_version=version)
        assert repr(name) in str(info.value)
        assert version in str(info.value)
        assert name not in option_names(version)


def test_no_version_means_no_check():
    assert render_daemon_options({"interrupt-timeout": 10, "newrelic-environment": "x"})


def test_version_gating_skips_none_values():
    assert render_daemon_options({"interrupt-timeout": None}, mod_wsgi_version="4.9.4") == ""


def test_bad_version_is_refused_even_without_options():
    with pytest.raises(DaemonOptionError, match="mod_wsgi_version"):
        render_daemon_options({}, mod_wsgi_version=4.9)


def test_option_names():
    everything = option_names()
    assert everything == [spec.name for spec in OPTIONS]
    assert len(everything) == len(set(everything)) == 46
    assert everything[:2] == ["processes", "threads"]
    v49 = option_names("4.9.4")
    assert {"interrupt-timeout", "switch-interval", "response-flush-delay"}.isdisjoint(v49)
    assert "newrelic-config-file" in v49
    v6 = option_names("6.1.1")
    assert {"interrupt-timeout", "switch-interval", "response-flush-delay"} <= set(v6)
    assert "newrelic-config-file" not in v6
    assert set(everything) - set(v6) == {"newrelic-config-file", "newrelic-environment"}


# --------------------------------------------------------------------------------------
# Unknown names


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [
        ("request_timeout", "did you mean 'request-timeout'? (option names use hyphens)"),
        ("python_path", "did you mean 'python-path'? (option names use hyphens)"),
        ("Display_Name", "did you mean 'display-name'? (option names use hyphens)"),
        ("proceses", "did you mean 'processes'"),
        ("thread", "did you mean 'threads'"),
        ("reqest-timeout", "'request-timeout'"),
        ("pythonhome", "'python-home'"),
    ],
)
def test_unknown_names_get_a_suggestion(name, suggestion):
    with pytest.raises(DaemonOptionError) as info:
        render_daemon_options({name: 1})
    assert suggestion in str(info.value)
    assert repr(name) in str(info.value)


@pytest.mark.parametrize("name", ["xyzzy", "WSGIDaemonProcess", ""])
def test_unknown_names_without_a_close_match(name):
    with pytest.raises(DaemonOptionError) as info:
        render_daemon_options({name: 1})
    assert "did you mean" not in str(info.value)
    assert "a WSGIDaemonProcess option name" in str(info.value)


def test_underscore_variants_are_not_accepted_even_next_to_valid_options():
    with pytest.raises(DaemonOptionError, match="request_timeout"):
        render_daemon_options({"threads": 5, "request_timeout": 60})


@pytest.mark.parametrize("options", [[("threads", 5)], "threads=5", None, 5])
def test_options_must_be_a_mapping(options):
    with pytest.raises(DaemonOptionError, match="parameter 'options'"):
        render_daemon_options(options)


def test_option_names_must_be_strings():
    with pytest.raises(DaemonOptionError, match="option names that are strings"):
        render_daemon_options({1: 2})


# --------------------------------------------------------------------------------------
# Injection

INJECTIONS = [
    "/srv/app\n",
    "/srv/app\nWSGIDaemonProcess evil",
    "/srv/app\r",
    "/srv/app\r\nInclude /tmp/evil.conf",
    "/srv/app\x00",
    "/srv/app>",
    "/srv/<app",
    "/srv/app\n</VirtualHost>",
    "/srv/</VirtualHost>",
    '/srv/app" threads=1000',
    '/srv/app"',
    "/srv/a\tb",
    "/srv/a\x0bb",
    "/srv/a\x0cb",
    "/srv/a\x85b",
    "/srv/a\u2028b",
    "/srv/a\u2029b",
    "/srv/a\u202eb",
    "/srv/a\x7fb",
    "/srv/${APACHE_LOG_DIR}",
]


@pytest.mark.parametrize("payload", INJECTIONS)
@pytest.mark.parametrize(
    "name", ["python-path", "home", "python-home", "display-name", "newrelic-config-file"]
)
def test_injection_attempts_are_refused(name, payload):
    with pytest.raises(DaemonOptionError) as info:
        render_daemon_options({name: payload})
    assert repr(name) in str(info.value)


@pytest.mark.parametrize("payload", INJECTIONS)
def test_injection_inside_list_items_is_refused(payload):
    with pytest.raises(DaemonOptionError, match="python-path"):
        render_daemon_options({"python-path": ["/srv/ok", payload]})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("user", "www-data\nUser root"),
        ("group", "www-data>"),
        ("supplementary-groups", ["adm", "x\n"]),
        ("lang", "C\n"),
        ("umask", "0022\n"),
        ("threads", "5\n"),
        ("switch-interval", "0.5\n"),
        ("server-metrics", "On\n"),
    ],
)
def test_injection_into_typed_options_is_refused(name, value):
    with pytest.raises(DaemonOptionError, match=re.escape(repr(name))):
        render_daemon_options({name: value})


def test_error_messages_escape_control_characters():
    with pytest.raises(DaemonOptionError) as info:
        render_daemon_options({"home": "/a\n</VirtualHost>"})
    assert "\n" not in str(info.value)
    assert "U+000A" in str(info.value)


# --------------------------------------------------------------------------------------
# Root, conflicts


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("user", "root"),
        ("user", "#0"),
        ("user", "#00"),
        ("group", "root"),
        ("group", "#0"),
        ("supplementary-groups", ["adm", "root"]),
        ("supplementary-groups", "#0"),
    ],
)
def test_root_is_refused(name, value):
    with pytest.raises(DaemonOptionError, match="other than root"):
        render_daemon_options({name: value})


@pytest.mark.parametrize(
    ("name", "value"),
    [("script-user", "root"), ("script-group", "#0"), ("socket-user", "root")],
)
def test_root_is_fine_where_it_does_not_run_code(name, value):
    assert render_daemon_options({name: value}) == f"{name}={value}"


def test_script_user_and_script_group_are_mutually_exclusive():
    with pytest.raises(DaemonOptionError) as info:
        render_daemon_options({"script-user": "deploy", "script-group": "deploy"})
    assert "only one of script-user and script-group" in str(info.value)
    assert render_daemon_options({"script-user": "deploy", "script-group": None})


# --------------------------------------------------------------------------------------
# Group names


@pytest.mark.parametrize("name", ["app", "my-app.v2", "A_1", "9lives", "a" * 64])
def test_valid_group_names(name):
    assert validate_group_name(name) == name


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("", "non-empty string"),
        (None, "non-empty string"),
        (5, "non-empty string"),
        ("a" * 65, "too long"),
        ("my app", "whitespace and quotes"),
        ("app\n", "whitespace and quotes"),
        ('"app"', "whitespace and quotes"),
        ("app'", "whitespace and quotes"),
        ("%{GLOBAL}", "WSGIProcessGroup keyword"),
        ("app%{ENV:x}", "WSGIProcessGroup keyword"),
        ("-app", "matching"),
        (".app", "matching"),
        ("_app", "matching"),
        ("app/x", "matching"),
        ("app>", "matching"),
        ("app\u00e9", "matching"),
    ],
)
def test_invalid_group_names(name, fragment):
    with pytest.raises(DaemonOptionError) as info:
        validate_group_name(name)
    assert fragment in str(info.value)
    assert str(info.value).startswith("wsgi_daemon_options: parameter 'name' got ")


def test_caller_is_named_in_messages():
    with pytest.raises(DaemonOptionError, match=r"^mod_wsgi_daemon: parameter 'name'"):
        validate_group_name("bad name", caller="mod_wsgi_daemon")
    with pytest.raises(DaemonOptionError, match=r"^mod_wsgi_daemon: option 'threads'"):
        render_daemon_options({"threads": -1}, caller="mod_wsgi_daemon")


def test_error_is_a_value_error_with_fields():
    with pytest.raises(ValueError) as info:
        render_daemon_options({"threads": 70000})
    error = info.value
    assert isinstance(error, DaemonOptionError)
    assert (error.caller, error.option, error.value) == ("wsgi_daemon_options", "threads", 70000)
    assert error.expected == "an integer in 0..65533"
    assert str(error) == (
        "wsgi_daemon_options: option 'threads' got 70000 (int); expected an integer in 0..65533"
    )


def test_long_values_are_shortened_in_messages():
    with pytest.raises(DaemonOptionError) as info:
        render_daemon_options({"home": "x" * 500})
    assert len(str(info.value)) < 300


# --------------------------------------------------------------------------------------
# Properties


QUOTABLE = " ab\\'/\u00e9\u00a0:,#%={}"
TRICKY = QUOTABLE + '$<>"\t\n\r\x00'


def _value_strategy(spec, wild):
    """Well-typed values near the valid range; with ``wild``, sometimes anything at all."""
    text = st.one_of(
        st.text(max_size=30),
        st.text(alphabet=QUOTABLE, max_size=15),
        st.text(alphabet=TRICKY, max_size=15),
    )
    anything = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**64), max_value=2**64),
        st.floats(allow_nan=True, allow_infinity=True),
        text,
        st.lists(text, max_size=3),
    )
    name = st.from_regex(r"[a-z_][a-z0-9_-]{0,8}|#[0-9]{1,5}", fullmatch=True)
    path = st.builds(lambda s: "/" + s, text)
    typed = {
        d.INT: st.integers(
            min_value=int(spec.minimum or 0) - 1, max_value=min(int(spec.maximum or 0), 70000) + 1
        ),
        d.SECONDS: st.integers(min_value=-1, max_value=3600),
        d.MILLISECONDS: st.integers(min_value=-1, max_value=1000),
        d.BYTES: st.integers(min_value=0, max_value=2**24),
        d.FLOAT_SECONDS: st.floats(min_value=-1, max_value=1),
        d.ON_OFF: st.one_of(st.booleans(), st.sampled_from(["On", "off", "OFF", "maybe"])),
        d.OCTAL: st.one_of(st.integers(0, 0o1000), st.from_regex(r"0?[0-7]{3}", fullmatch=True)),
        d.STRING: text,
        d.TOKEN: st.from_regex(r"[A-Za-z0-9_.@+-]{1,12}", fullmatch=True),
        d.PATH: path,
        d.PATH_LIST: st.one_of(st.lists(path, min_size=1, max_size=3), path),
        d.USER: name,
        d.GROUP: name,
        d.GROUP_LIST: st.one_of(st.lists(name, min_size=1, max_size=3), name),
    }[spec.kind]
    return st.one_of(typed, anything) if wild else typed


option_dicts = st.one_of(
    *(
        st.lists(st.sampled_from(option_names()), unique=True, max_size=6).flatmap(
            lambda names, wild=wild: st.fixed_dictionaries(
                {n: _value_strategy(SCHEMA[n], wild) for n in names}
            )
        )
        for wild in (False, True)
    )
)


@settings(max_examples=400, deadline=None)
@given(options=option_dicts)
def test_anything_accepted_parses_back_to_the_same_pairs(options):
    try:
        text = render_daemon_options(options)
    except DaemonOptionError:
        return
    for forbidden in ("\n", "\r", "\x00", "${"):
        assert forbidden not in text
    assert not text.endswith("\\")  # no Apache line continuation
    expected = normalize_daemon_options(options)
    assert wsgi_parse_options(text) == list(expected.items())
    assert [name for name, _value in expected.items()] == [
        name for name in option_names() if name in expected
    ]


@settings(max_examples=300, deadline=None)
@given(options=option_dicts)
def test_each_word_is_one_option_and_the_words_make_the_string(options):
    try:
        words = render_daemon_option_words(options)
    except DaemonOptionError:
        return
    assert " ".join(words) == render_daemon_options(options)
    expected = list(normalize_daemon_options(options).items())
    # Each word alone is read back as exactly its option, so one word per line works.
    assert [wsgi_parse_options(word) for word in words] == [[pair] for pair in expected]


@settings(max_examples=500, deadline=None)
@given(value=st.one_of(st.text(), st.text(alphabet=QUOTABLE), st.text(alphabet=TRICKY)))
def test_free_text_is_either_refused_or_read_back_unchanged(value):
    try:
        text = render_daemon_options({"display-name": value})
    except DaemonOptionError:
        refused = (
            value == ""
            or "${" in value
            or any(ch in '"<>' for ch in value)
            or any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") for ch in value)
        )
        assert refused, "refused a harmless value"
        return
    assert "\n" not in text and "\r" not in text
    assert wsgi_parse_options(text) == [("display-name", value)]


@settings(max_examples=200, deadline=None)
@given(
    paths=st.lists(
        st.text(alphabet=st.characters(blacklist_characters=":"), min_size=0),
        min_size=1,
        max_size=4,
    )
)
def test_python_path_lists_join_and_split_back(paths):
    paths = ["/" + p for p in paths]
    try:
        text = render_daemon_options({"python-path": paths})
    except DaemonOptionError:
        return
    ((name, value),) = wsgi_parse_options(text)
    assert name == "python-path"
    assert value.split(":") == paths


# --------------------------------------------------------------------------------------
# Docs cannot drift from the schema

DOCS = Path(__file__).parents[4] / "docs" / "options.md"
BEGIN = "<!-- BEGIN options table: generated by render_options_table(), do not edit -->"
END = "<!-- END options table -->"


def test_docs_table_matches_the_schema():
    text = DOCS.read_text(encoding="utf-8")
    assert BEGIN in text and END in text, f"{DOCS} lost its table markers"
    table = text.split(BEGIN, 1)[1].split(END, 1)[0].strip("\n") + "\n"
    assert table == render_options_table(), (
        "docs/options.md is out of date; regenerate the table with render_options_table()"
    )


def test_docs_table_has_a_row_per_option():
    rows = [line for line in render_options_table().splitlines() if line.startswith("| `")]
    assert [row.split("`")[1] for row in rows] == option_names()
