# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one mod_wsgi version parser, and that both kinds of filters use it."""

from __future__ import annotations

import pytest
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.errors import WsgiscaleError
from ansible_collections.wsgiscale.mod_wsgi.plugins.plugin_utils.daemon_options import (
    DaemonOptionError,
    render_daemon_options,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.plugin_utils.sizing import (
    SizingError,
    size_plan,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.plugin_utils.versions import (
    VersionError,
    format_version,
    parse_version,
)

VERSIONS = [
    ("4.9", (4, 9, 0)),
    ("4.9.4", (4, 9, 4)),
    ("5.0.2", (5, 0, 2)),
    ("5.0.2-1+b1", (5, 0, 2)),
    ("4.9.4-1+deb12u1", (4, 9, 4)),
    ("1:4.9.4-1", (4, 9, 4)),
    ("1:4.9.4-1+b1", (4, 9, 4)),
    ("6.0.0rc1", (6, 0, 0)),
    ("6.0.0b2", (6, 0, 0)),
    ("6.1.1", (6, 1, 1)),
    (" 6.1.1 ", (6, 1, 1)),
    ("4.9.4\n", (4, 9, 4)),
    ("4.10", (4, 10, 0)),
    ("4.1", (4, 1, 0)),
    ("10.20.30", (10, 20, 30)),
]

REFUSED = [
    "",
    "4",
    "6",
    "4.",
    "x.y",
    "4.9.4.1",
    "v4.9.4",
    "4.9.4 5",
    "4.9\n4",
    # Older than the lower bound.
    "4.0",
    "4.0.9",
    "3.5",
    "1:3.4-1",
    # Numbers: YAML reads an unquoted 4.10 as 4.1.
    4.9,
    4.1,
    5,
    None,
    True,
    ["4.9"],
]

GOOD_PLAN = {"target_rpm": 9000, "latency_ms": 200, "cpu_ms": 5}


@pytest.mark.parametrize(("text", "expected"), VERSIONS)
def test_parse_version(text, expected):
    assert parse_version(text, "caller") == expected


@pytest.mark.parametrize("value", REFUSED, ids=repr)
def test_parse_version_refuses_with_one_message(value):
    with pytest.raises(VersionError) as err:
        parse_version(value, "some_filter")
    assert isinstance(err.value, WsgiscaleError)
    message = str(err.value)
    assert message.startswith("some_filter: parameter 'mod_wsgi_version' got ")
    assert repr(value) in message
    assert "quote it in YAML" in message and ">= 4.1" in message


@pytest.mark.parametrize(
    ("version", "text"), [((6, 0, 0), "6.0"), ((6, 0, 2), "6.0.2"), ((4, 9, 4), "4.9.4")]
)
def test_format_version(version, text):
    assert format_version(version) == text


# None is not refused by the filters: it means the default (sizing) or no check (options).
@pytest.mark.parametrize("value", [v for v in REFUSED if v is not None], ids=repr)
def test_sizing_and_daemon_options_refuse_alike(value):
    with pytest.raises(SizingError) as sizing:
        size_plan(2, caller="x", mod_wsgi_version=value, **GOOD_PLAN)
    with pytest.raises(DaemonOptionError) as options:
        render_daemon_options({"threads": 5}, mod_wsgi_version=value, caller="x")
    with pytest.raises(VersionError) as direct:
        parse_version(value, "x")
    assert str(sizing.value) == str(options.value) == str(direct.value)


@pytest.mark.parametrize(("text", "expected"), VERSIONS)
def test_sizing_and_daemon_options_accept_alike(text, expected):
    plan = size_plan(2, mod_wsgi_version=text, **GOOD_PLAN)
    assert plan["inputs"]["mod_wsgi_version"] == f"{expected[0]}.{expected[1]}"
    assert render_daemon_options({"threads": 5}, mod_wsgi_version=text) == "threads=5"


def test_error_classes_share_the_base():
    assert issubclass(SizingError, WsgiscaleError)
    assert issubclass(DaemonOptionError, WsgiscaleError)
    assert issubclass(VersionError, WsgiscaleError)
