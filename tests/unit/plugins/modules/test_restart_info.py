# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run the restart_info module through main() on the real fixture logs, and check that
its documentation states the library's own values."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log import base, files
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.events import (
    APACHE_NOTICES,
    FAILURE_KINDS,
    TRIGGER_REASONS,
    VICTIM_KINDS,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.restarts import (
    UNTRIGGERED_REASONS,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.modules import restart_info
from ansible_collections.wsgiscale.mod_wsgi.tests.unit.plugins.modules import module_harness
from ansible_collections.wsgiscale.mod_wsgi.tests.unit.plugins.modules.module_harness import (
    ExitJson,
    FailJson,
)

LOGS = Path(__file__).resolve().parents[3] / "fixtures" / "logs"
DOC = yaml.safe_load(restart_info.DOCUMENTATION)
RETURN_DOC = yaml.safe_load(restart_info.RETURN)


def run_module(args):
    return module_harness.run_module(restart_info, args)


def test_request_timeout_log_is_read_not_touched():
    path = LOGS / "mod_wsgi-4.9-request-timeout.log"
    before = (path.read_bytes(), os.stat(path).st_mtime_ns)
    kind, result = run_module({"path": [str(path)]})
    assert kind is ExitJson
    demo = result["groups"]["demo"]
    assert demo["restarts_by_reason"] == {"request-timeout": 2, "apache-shutdown": 1}
    assert demo["culprits"][0]["function"] == "slow_handler"
    assert result["totals"]["victims"] == 3
    assert result["files"] == [str(path)]
    assert result["warnings"] == []
    assert (path.read_bytes(), os.stat(path).st_mtime_ns) == before


def test_check_mode_is_the_same_read():
    args = {"path": [str(LOGS / "mod_wsgi-6.1-*.log")], "process_group": "demo"}
    normal = run_module(args)[1]
    kind, checked = run_module(dict(args, _ansible_check_mode=True))
    assert kind is ExitJson
    assert checked == normal
    assert list(checked["groups"]) == ["demo"]


def test_options_reach_the_parser():
    kind, result = run_module(
        {
            "path": str(LOGS / "mod_wsgi-5.0-request-timeout.log"),
            "since": "Nov 26 00:00:00 2000",
            "max_restarts": 1,
            "app_paths": ["/usr/lib/python3.13/"],
        }
    )
    assert kind is ExitJson
    demo = result["groups"]["demo"]
    assert [r["reason"] for r in demo["restarts"]] == ["apache-shutdown"]
    assert demo["restarts_omitted"] == 2
    # Only threading.py counts as application code now.
    assert {c["function"] for c in demo["culprits"]} == {"slow_handler", "wait"}
    assert result["since"] == "2000-11-26T00:00:00"


def test_max_restarts_default_is_the_library_s(tmp_path):
    assert DOC["options"]["max_restarts"]["default"] == base.DEFAULT_MAX_RESTARTS
    assert restart_info.ARGUMENT_SPEC["max_restarts"]["default"] == base.DEFAULT_MAX_RESTARTS
    path = tmp_path / "error.log"
    path.write_bytes((LOGS / "mod_wsgi-4.9-maximum-requests.log").read_bytes() * 10)
    kind, result = run_module({"path": [str(path)]})
    assert kind is ExitJson
    group = result["groups"]["maxreq"]
    assert group["restarts_total"] == 30
    assert len(group["restarts"]) == base.DEFAULT_MAX_RESTARTS
    assert group["restarts_omitted"] == 30 - base.DEFAULT_MAX_RESTARTS


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"path": ["/nonexistent/error.log"]},
         "parameter 'path' got '/nonexistent/error.log' (str), which matches no error log"),
        ({"path": ["/nonexistent/*.log"]},
         "parameter 'path' got '/nonexistent/*.log' (str), which matches no error log"),
        ({"since": "last tuesday"}, "parameter 'since' got 'last tuesday' (str); expected"),
        ({"max_restarts": -1}, "parameter 'max_restarts' got -1 (int); expected 0"),
        ({"path": []}, "parameter 'path' got []; expected at least one file or glob"),
        ({"process_group": ""}, "parameter 'process_group' got '' (str); expected a daemon"),
        ({"process_group": "my shop"}, "parameter 'process_group' got 'my shop' (str); expected"),
        ({"app_paths": ["/srv/shop", "lib"]},
         "parameter 'app_paths' got ['/srv/shop', 'lib'] (list); expected absolute path "
         "prefixes such as /srv/shop (bad entry 'lib')"),
    ],
)  # fmt: skip
def test_errors(args, message):
    kind, result = run_module(dict({"path": [str(LOGS / "mod_wsgi-4.9-signal.log")]}, **args))
    assert kind is FailJson
    assert result["msg"].startswith(f"wsgiscale.mod_wsgi.restart_info: {message}")


def test_unreadable_file_fails_naming_it(tmp_path, monkeypatch):
    path = tmp_path / "error.log"
    path.write_text("")

    def denied(name, mode="r"):
        raise PermissionError(13, "Permission denied", name)

    monkeypatch.setattr(files, "open", denied, raising=False)
    kind, result = run_module({"path": [str(path)]})
    assert kind is FailJson
    assert f"got {str(path)!r} (str), which cannot be read (Permission denied)" in result["msg"]


def test_default_path_missing_is_a_warning(tmp_path, monkeypatch):
    missing = str(tmp_path / "apache2" / "error.log*")
    monkeypatch.setattr(restart_info, "default_log_glob", lambda: missing)
    kind, result = run_module({})
    assert kind is ExitJson
    assert result["groups"] == {} and result["files"] == []
    assert result["warnings"] == [
        f"wsgiscale.mod_wsgi.restart_info: no error log matches {missing}"
    ]


def test_default_path_is_read(tmp_path, monkeypatch):
    (tmp_path / "error.log").write_bytes((LOGS / "mod_wsgi-4.9-signal.log").read_bytes())
    monkeypatch.setattr(restart_info, "default_log_glob", lambda: str(tmp_path / "error.log*"))
    kind, result = run_module({})
    assert kind is ExitJson
    assert result["totals"]["restarts_by_reason"]["signal"] == 1


# ----------------------------------------------- the docs state the library's facts
def flat(text):
    return " ".join(str(text).split())


DOC_TEXT = flat(restart_info.DOCUMENTATION)
RETURN_TEXT = flat(restart_info.RETURN)
GROUPS = RETURN_DOC["groups"]["contains"]


@pytest.mark.parametrize(
    ("phrase", "value"),
    [
        ("Frames over the cap of {},", base.MAX_FRAMES),
        ("Threads over the cap of {},", base.MAX_THREADS),
        ("up to {} C(samples)", base.MAX_SAMPLES),
        ("The {} most recent failures", base.MAX_SAMPLES),
        ("up to {} chains", base.MAX_CALLER_CHAINS),
        ("and {} frames a chain", base.MAX_CALLERS),
        ("the cap of {} locations per group", base.MAX_CULPRITS),
    ],
)
def test_documented_caps_are_the_library_s(phrase, value):
    assert phrase.format(value) in RETURN_TEXT


def test_documented_windows_and_paths_are_the_library_s():
    assert f"from {base.DEATH_LOOKBACK:g} seconds before that" in DOC_TEXT
    assert f"victims {base.STALE_AFTER:g} seconds after its first line" in DOC_TEXT
    assert f"C({files.DEFAULT_LOGS['Debian']}) on Debian" in DOC_TEXT
    assert f"C({files.DEFAULT_LOGS['RedHat']}) on RedHat" in DOC_TEXT


def test_documented_reasons_and_kinds_are_the_library_s():
    def named(text):
        return set(re.findall(r"C\(([a-z-]+)\)", flat(text)))

    reasons = {*TRIGGER_REASONS, "graceful-timeout", *APACHE_NOTICES.values(), "apache-stop",
               *(reason for reason, _applies in UNTRIGGERED_REASONS), "unknown"}  # fmt: skip
    assert named(GROUPS["restarts_by_reason"]["description"]) == reasons
    assert named(GROUPS["failures_by_kind"]["description"]) == set(FAILURE_KINDS)
    victims_note = next(note for note in DOC["notes"] if "attributed to a restart" in note)
    assert named(victims_note) == set(VICTIM_KINDS)
    statuses = {str(s) for by_format in FAILURE_KINDS.values() for s in by_format.values()}
    assert statuses == set(re.findall(r"\b5\d\d\b", flat(GROUPS["failures_by_kind"])))
