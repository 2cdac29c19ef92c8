# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest
import yaml
from ansible.errors import AnsibleFilterError
from ansible_collections.wsgiscale.mod_wsgi.plugins.filter import wsgi_daemon_options as plugin
from ansible_collections.wsgiscale.mod_wsgi.plugins.plugin_utils.daemon_options import (
    DaemonOptionError,
)

FILTER = plugin.FilterModule().filters()["wsgi_daemon_options"]


def test_filter_is_registered_under_its_file_name():
    assert list(plugin.FilterModule().filters()) == ["wsgi_daemon_options"]


@pytest.mark.parametrize(
    ("options", "kwargs", "expected"),
    [
        (
            {"processes": 2, "threads": 20, "request-timeout": 60},
            {},
            "processes=2 threads=20 request-timeout=60",
        ),
        (
            {"request-timeout": 60, "threads": 20, "processes": 2},
            {"mod_wsgi_version": "4.9.4"},
            "processes=2 threads=20 request-timeout=60",
        ),
        (
            {"interrupt-timeout": 10, "switch-interval": 0.002, "response-flush-delay": 5},
            {"mod_wsgi_version": "6.1.1"},
            "switch-interval=0.002 interrupt-timeout=10 response-flush-delay=5",
        ),
        (
            {"python-path": ["/srv/app", "/srv/my lib"], "display-name": "%{GROUP}"},
            {"mod_wsgi_version": "5.0.2-1+b1"},
            'display-name=%{GROUP} python-path="/srv/app:/srv/my lib"',
        ),
        ({"threads": None}, {}, ""),
        ({}, {}, ""),
    ],
)
def test_filter_renders(options, kwargs, expected):
    assert FILTER(options, **kwargs) == expected
    assert FILTER(options, output="string", **kwargs) == expected
    words = FILTER(options, output="list", **kwargs)
    assert isinstance(words, list)
    assert " ".join(words) == expected


@pytest.mark.parametrize(
    ("options", "words"),
    [
        (
            {"python-path": ["/srv/app", "/srv/my lib"], "processes": 2},
            ["processes=2", 'python-path="/srv/app:/srv/my lib"'],
        ),
        (
            {"home": "/srv/my app", "python-home": "/srv/my app/venv", "threads": 5},
            ["threads=5", 'home="/srv/my app"', 'python-home="/srv/my app/venv"'],
        ),
        ({"display-name": "my app \\ x"}, ['display-name="my app \\\\ x"']),
        ({}, []),
    ],
)
def test_list_output_keeps_quoted_values_with_spaces_whole(options, words):
    assert FILTER(options, output="list") == words
    assert " ".join(words) == FILTER(options)
    # Splitting the string on whitespace, as a template might, cuts them.
    if any(" " in word for word in words):
        assert FILTER(options).split() != words


@pytest.mark.parametrize("output", ["lines", "List", "", None, True, ["list"]])
def test_output_must_be_string_or_list(output):
    with pytest.raises(AnsibleFilterError) as info:
        FILTER({"threads": 5}, output=output)
    message = str(info.value)
    assert message.startswith("wsgi_daemon_options: parameter 'output' got ")
    assert repr(output) in message and "'string' or 'list'" in message


@pytest.mark.parametrize(
    ("options", "kwargs", "fragments"),
    [
        ({"request_timeout": 60}, {}, ["'request_timeout'", "did you mean 'request-timeout'"]),
        ({"threads": True}, {}, ["'threads'", "True (bool)", "not a boolean"]),
        ({"threads": 65534}, {}, ["'threads'", "65534 (int)", "0..65533"]),
        ({"home": "/srv\n</VirtualHost>"}, {}, ["'home'", "U+000A"]),
        ({"python-path": '/srv/a" user=x'}, {}, ["'python-path'", "double quote"]),
        ({"user": "root"}, {}, ["'user'", "other than root"]),
        (
            {"script-user": "a", "script-group": "b"},
            {},
            ["only one of script-user and script-group"],
        ),
        (
            {"interrupt-timeout": 10},
            {"mod_wsgi_version": "5.0.2"},
            ["'interrupt-timeout'", "mod_wsgi >= 6.0"],
        ),
        ({"threads": 5}, {"mod_wsgi_version": 4.9}, ["'mod_wsgi_version'", "quote it"]),
        (["threads=5"], {}, ["parameter 'options'", "a dict"]),
    ],
)
def test_filter_errors_are_ansible_filter_errors(options, kwargs, fragments):
    with pytest.raises(AnsibleFilterError) as info:
        FILTER(options, **kwargs)
    message = str(info.value)
    assert message.startswith("wsgi_daemon_options: ")
    for fragment in fragments:
        assert fragment in message
    assert isinstance(info.value.__cause__, DaemonOptionError)


def test_filter_documentation_is_valid_yaml_and_names_the_keyword():
    doc = yaml.safe_load(plugin.DOCUMENTATION)
    assert doc["name"] == "wsgi_daemon_options"
    assert set(doc["options"]) == {"_input", "mod_wsgi_version", "output"}
    assert doc["options"]["mod_wsgi_version"]["type"] == "str"
    assert doc["options"]["output"]["choices"] == ["string", "list"]
    assert doc["options"]["output"]["default"] == "string"
    assert yaml.safe_load(plugin.RETURN)["_value"]["type"] == "raw"
    assert isinstance(yaml.safe_load(plugin.EXAMPLES), list)


def test_examples_render_what_their_comments_say():
    examples = yaml.safe_load(plugin.EXAMPLES)
    first = examples[0]["ansible.builtin.debug"]["msg"]
    assert "wsgiscale.mod_wsgi.wsgi_daemon_options" in first
    assert FILTER({"processes": 2, "threads": 20, "request-timeout": 60}) in plugin.EXAMPLES
    second = FILTER(
        {
            "threads": 5,
            "processes": 3,
            "python-home": "/srv/app/venv",
            "python-path": ["/srv/app/src", "/srv/my lib"],
            "display-name": "%{GROUP}",
            "umask": "0022",
            "queue-timeout": 45,
            "interrupt-timeout": None,
        },
        mod_wsgi_version="4.9.4",
    )
    section = plugin.EXAMPLES.split("- name: Lists, quoting and a version check")[1]
    section = section.split("- name: ")[0]
    comment = " ".join(
        line.strip().lstrip("#").strip().removeprefix("=>").strip()
        for line in section.splitlines()
        if line.strip().startswith("#")
    )
    assert comment == second
    third = plugin.EXAMPLES.split("- name: One word per line in a template")[1]
    words = FILTER({"processes": 2, "python-path": ["/srv/app", "/srv/my lib"]}, output="list")
    assert f"# app_daemon_words is {words!r};" in third
