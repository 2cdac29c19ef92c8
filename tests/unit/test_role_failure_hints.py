# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The hints a failed apply adds, chosen the way tasks/configure.yml chooses them.

The role searches its failure text (Apache's lines joined with spaces, or the failed
task's message) for each pattern of ``__mod_wsgi_daemon_failure_hints`` in
vars/main.yml and adds every hint that matches. The texts below are real output of
``apache2ctl -t`` (Apache 2.4, mod_wsgi 4.9.4 and 5.0.2) and of a failed write.
"""

from __future__ import annotations

import re
from pathlib import Path

import jinja2
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
VARS = yaml.safe_load(
    (ROOT / "roles" / "mod_wsgi_daemon" / "vars" / "main.yml").read_text(encoding="utf-8")
)
HINTS = VARS["__mod_wsgi_daemon_failure_hints"]
OURS = "/etc/apache2/conf-enabled/mod_wsgi_daemon.conf"
OTHER = "/etc/apache2/sites-enabled/legacy-blog.conf"


def _patterns(conf_name: str):
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    env.filters["regex_escape"] = re.escape
    return {
        hint["cause"]: env.from_string(hint["pattern"]).render(mod_wsgi_daemon_conf_name=conf_name)
        for hint in HINTS
    }


def causes(text: str, conf_name: str = "mod_wsgi_daemon"):
    """The causes whose hints the role would add for ``text``."""
    return {cause for cause, pattern in _patterns(conf_name).items() if re.search(pattern, text)}


def _syntax(path: str, message: str) -> str:
    return f"AH00526: Syntax error on line 2 of {path}: {message}"


CASES = [
    ("AH00544: apache2: bad group name nosuchgroup", {"unknown group"}),
    ("AH00543: apache2: bad user name nosuchuser", {"unknown user"}),
    (_syntax(OTHER, "Name duplicates previous WSGI daemon definition."), {"duplicate daemon name"}),
    (_syntax(OURS, "Name duplicates previous WSGI daemon definition."), {"duplicate daemon name"}),
    (_syntax(OURS, "Invalid option to WSGI daemon process definition."), {"unknown option"}),
    (
        _syntax(OTHER, "Invalid option to WSGI daemon process definition."),
        {"unknown option", "error in another file"},
    ),
    (_syntax(OURS, "WSGI process blocked from running as root."), {"daemon as root"}),
    (
        _syntax(
            OTHER,
            "Invalid command 'Foo', perhaps misspelled or defined by a module not included "
            "in the server configuration",
        ),
        {"module not enabled", "error in another file"},
    ),
    (
        "apache2: Syntax error on line 225 of /etc/apache2/apache2.conf: Syntax error on line 1 "
        "of /etc/apache2/sites-enabled/zz-test.conf: Could not open configuration file "
        "/etc/apache2/nothere.conf: No such file or directory",
        {"error in another file", "missing file"},
    ),
    (
        "Writing the configuration failed: Task failed: Module failed: Failed to replace "
        "'/etc/apache2/conf-available/mod_wsgi_daemon.conf' with "
        "b'/root/.ansible/tmp/x/.source.conf': "
        "[Errno 28] No space left on device",
        {"full filesystem"},
    ),
    ("[Errno 30] Read-only file system: '/etc/apache2/conf-available'", {"read-only filesystem"}),
    (
        "AH00526: Syntax error on line 9 of /etc/apache2/x.conf: Unknown thing",
        {"error in another file"},
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[str(i) for i in range(len(CASES))])
def test_each_known_failure_gets_its_hints_and_no_other(text, expected):
    assert causes(text) == expected


def test_our_own_files_are_not_called_another_file_whatever_the_conf_name():
    ours = _syntax("/etc/apache2/conf-enabled/my.app_mpm.conf", "Unknown thing")
    assert causes(ours, "my.app") == set()
    # The name is matched literally: the dot is not a wildcard.
    assert causes(ours.replace("my.app", "myXapp"), "my.app") == {"error in another file"}


def test_causes_are_unique_and_every_hint_says_what_to_do():
    assert len({hint["cause"] for hint in HINTS}) == len(HINTS)
    assert all(hint["hint"].strip() for hint in HINTS)
