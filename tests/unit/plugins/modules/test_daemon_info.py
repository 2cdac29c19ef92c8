# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run the daemon_info module through main() against captured /proc trees."""

from __future__ import annotations

from pathlib import Path

import pytest
from ansible_collections.wsgiscale.mod_wsgi.plugins.modules import daemon_info
from ansible_collections.wsgiscale.mod_wsgi.tests.unit.plugins.modules import module_harness
from ansible_collections.wsgiscale.mod_wsgi.tests.unit.plugins.modules.module_harness import (
    ExitJson,
    FailJson,
)

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "proc"


@pytest.fixture(autouse=True)
def proc_root(monkeypatch):
    monkeypatch.setattr(daemon_info, "PROC_ROOT", str(FIXTURES / "trixie"))


def run_module(args):
    return module_harness.run_module(daemon_info, args)


def test_plain_run_reports_groups():
    kind, result = run_module({})
    assert kind is ExitJson
    assert result["changed"] is False
    assert sorted(result["groups"]) == ["demo", "inventory-a", "unnamed"]
    assert result["groups"]["demo"]["count"] == 2
    assert result["thread_overhead"] == 3
    assert "all_match" not in result


def test_check_mode_is_the_same_read():
    kind, result = run_module({"_ansible_check_mode": True, "process_group": "demo"})
    assert kind is ExitJson
    assert result["changed"] is False
    assert list(result["groups"]) == ["demo"]


def test_expected_mismatch():
    kind, result = run_module(
        {
            "expected": {"demo": {"processes": 2, "threads": 3}, "shop": {"processes": 2}},
            "pidfile": str(FIXTURES / "trixie" / "_capture" / "apache2.pid"),
        }
    )
    assert kind is ExitJson
    assert result["all_match"] is False
    assert result["expected"]["demo"] == {"matches": True, "mismatches": []}
    assert result["expected"]["shop"]["mismatches"][0].startswith(
        "group shop: no process running, 2 expected"
    )
    assert result["unexpected_groups"] == ["inventory-a", "unnamed"]


def test_headroom_option():
    plain = run_module({"process_group": "demo", "headroom_percent": 0})[1]
    big = run_module({"process_group": "demo", "headroom_percent": 100})[1]
    max_pss = plain["groups"]["demo"]["pss_kb"]["max"]
    assert plain["groups"]["demo"]["recommended_process_rss_mb"] == -(-max_pss // 1024)
    assert big["groups"]["demo"]["recommended_process_rss_mb"] == -(-max_pss * 2 // 1024)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"expected": {"demo": {"procs": 1}}}, "daemon_info: expected['demo'] has unknown keys"),
        ({"apache_pid": 4242}, "daemon_info: apache_pid 4242 is not a running process"),
        ({"pidfile": "/nonexistent/apache2.pid"}, "daemon_info: pidfile '/nonexistent/apache2"),
        ({"thread_overhead": -1}, "daemon_info: thread_overhead is -1"),
        ({"apache_pid": 43, "pidfile": "/x"}, "mutually exclusive: apache_pid|pidfile"),
        ({"bogus": 1}, "Unsupported parameters"),
    ],
)
def test_failures(args, message):
    kind, result = run_module(args)
    assert kind is FailJson
    assert message in result["msg"]
