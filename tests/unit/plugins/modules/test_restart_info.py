# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run the restart_info module through main() on the real fixture logs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils import error_log
from ansible_collections.wsgiscale.mod_wsgi.plugins.modules import restart_info
from ansible_collections.wsgiscale.mod_wsgi.tests.unit.plugins.modules import module_harness
from ansible_collections.wsgiscale.mod_wsgi.tests.unit.plugins.modules.module_harness import (
    ExitJson,
    FailJson,
)

LOGS = Path(__file__).resolve().parents[3] / "fixtures" / "logs"


def run_module(args):
    return module_harness.run_module(restart_info, args)


def test_request_timeout_log():
    kind, result = run_module({"path": [str(LOGS / "mod_wsgi-4.9-request-timeout.log")]})
    assert kind is ExitJson
    assert result["changed"] is False
    demo = result["groups"]["demo"]
    assert demo["restarts_by_reason"] == {"request-timeout": 2, "apache-shutdown": 1}
    assert demo["culprits"][0]["function"] == "slow_handler"
    assert result["totals"]["victims"] == 3
    assert result["files"] == [str(LOGS / "mod_wsgi-4.9-request-timeout.log")]
    assert result["warnings"] == []


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


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"path": ["/nonexistent/error.log"]}, "no error log matches /nonexistent/error.log"),
        ({"path": ["/nonexistent/*.log"]}, "no error log matches /nonexistent/\\*.log"),
        ({"since": "last tuesday"}, "option since='last tuesday' is not a time"),
        ({"max_restarts": -1}, "option max_restarts=-1"),
    ],
)
def test_errors(args, message):
    kind, result = run_module(dict({"path": [str(LOGS / "mod_wsgi-4.9-signal.log")]}, **args))
    assert kind is FailJson
    assert result["msg"].startswith("wsgiscale.mod_wsgi.restart_info: ")
    assert re.search(message, result["msg"])


def test_unreadable_file_fails_naming_it(tmp_path, monkeypatch):
    path = tmp_path / "error.log"
    path.write_text("")

    def denied(name, mode="r"):
        raise PermissionError(13, "Permission denied", name)

    monkeypatch.setattr(error_log, "open", denied, raising=False)
    kind, result = run_module({"path": [str(path)]})
    assert kind is FailJson
    assert f"cannot read error log {path}: Permission denied" in result["msg"]


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
