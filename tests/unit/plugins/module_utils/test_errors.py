# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The shared error base and how messages show values."""

from __future__ import annotations

import pytest
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.errors import (
    DESCRIBE_LIMIT,
    WsgiscaleError,
    describe,
    input_error,
    item_label,
)


class TaggedStr(str):
    """Stands in for the str subclasses Ansible passes to plugins."""


class TaggedDict(dict):
    """Stands in for the dict subclasses Ansible passes to plugins."""


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("4.9", "'4.9' (str)"),
        (4.9, "4.9 (float)"),
        (True, "True (bool)"),
        (None, "None (NoneType)"),
        (TaggedStr("/"), "'/' (str)"),
        (TaggedDict(a=1), "{'a': 1} (dict)"),
    ],
)
def test_describe_shows_repr_and_builtin_type(value, expected):
    assert describe(value) == expected


def test_describe_cuts_long_values():
    text = describe("x" * 500)
    assert text.endswith("... (str)")
    assert len(text) == DESCRIBE_LIMIT + len(" (str)")


def test_input_error_message_and_class():
    error = input_error("wsgi_sizing", "vcpus", 0, "an integer >= 1")
    assert isinstance(error, WsgiscaleError)
    assert isinstance(error, ValueError)
    assert str(error) == "wsgi_sizing: parameter 'vcpus' got 0 (int); expected an integer >= 1"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("api", "apps[1] (api)"),
        ("shöp", "apps[1] (shöp)"),
        ("shop\nWSGIRestrictEmbedded Off", "apps[1] (shop\\nWSGIRestrictEmbedded Off)"),
        ("a\u202eb", "apps[1] (a\\u202eb)"),
        ("", "apps[1]"),
        (None, "apps[1]"),
        (42, "apps[1]"),
    ],
)
def test_item_label_keeps_the_message_on_one_line(name, expected):
    assert item_label("apps", 1, name) == expected
