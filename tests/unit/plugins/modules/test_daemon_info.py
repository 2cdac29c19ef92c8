# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run the daemon_info module through main() against captured /proc trees."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
import yaml
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils import daemon_procs
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
    assert sorted(result["groups"]) == ["demo", "inventory-a", "unnamed"]
    assert result["groups"]["demo"]["count"] == 2
    # The defaults reach the scan: 6 threads - 3 overhead.
    assert result["groups"]["demo"]["request_threads_estimate"] == 3
    assert "all_match" not in result


def test_check_mode_is_the_same_read():
    args = {"process_group": "demo", "expected": {"demo": {"processes": 2}}}
    kind, checked = run_module({**args, "_ansible_check_mode": True})
    assert kind is ExitJson
    assert list(checked["groups"]) == ["demo"]
    assert checked == run_module(args)[1]


@pytest.mark.parametrize(
    ("option", "library_default"),
    [
        ("thread_overhead", None),
        ("app_threads", 0),
        ("headroom_percent", daemon_procs.DEFAULT_HEADROOM_PERCENT),
    ],
)
def test_defaults_are_the_librarys(option, library_default):
    documented = yaml.safe_load(daemon_info.DOCUMENTATION)["options"][option].get("default")
    scan_default = inspect.signature(daemon_procs.scan).parameters[option].default
    assert documented == daemon_info.ARGUMENT_SPEC[option].get("default") == library_default
    assert scan_default == library_default


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


def max_pss_kb(pids):
    """Largest Pss of the captured processes, read from their smaps_rollup files."""
    values = []
    for pid in pids:
        text = (FIXTURES / "trixie" / str(pid) / "smaps_rollup").read_text()
        values.append(int(next(x for x in text.splitlines() if x.startswith("Pss:")).split()[1]))
    return max(values)


def test_headroom_option():
    plain = run_module({"process_group": "demo", "headroom_percent": 0})[1]
    big = run_module({"process_group": "demo", "headroom_percent": 100})[1]
    assert plain["headroom_percent"] == 0
    assert big["headroom_percent"] == 100
    max_pss = max_pss_kb(plain["groups"]["demo"]["pids"])
    assert plain["groups"]["demo"]["recommended_process_rss_mb"] == -(-max_pss // 1024)
    assert big["groups"]["demo"]["recommended_process_rss_mb"] == -(-max_pss * 2 // 1024)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"expected": {"demo": {"procs": 1}}}, "daemon_info: parameter 'expected.demo' got"),
        ({"apache_pid": 4242}, "daemon_info: parameter 'apache_pid' got 4242 (int); expected"),
        (
            {"pidfile": "/nonexistent/apache2.pid"},
            "daemon_info: parameter 'pidfile' got '/nonexistent/apache2.pid' (str), which cannot",
        ),
        ({"thread_overhead": -1}, "daemon_info: parameter 'thread_overhead' got -1 (int)"),
        ({"headroom_percent": "nan"}, "daemon_info: parameter 'headroom_percent' got nan"),
        ({"apache_pid": 43, "pidfile": "/x"}, "mutually exclusive: apache_pid|pidfile"),
        ({"bogus": 1}, "Unsupported parameters"),
    ],
)
def test_failures(args, message):
    kind, result = run_module(args)
    assert kind is FailJson
    assert message in result["msg"]


def test_mod_wsgi_version_sets_the_thread_overhead():
    pidfile = str(FIXTURES / "trixie" / "_capture" / "apache2.pid")
    kind, result = run_module({"pidfile": pidfile, "mod_wsgi_version": "6.1.1"})
    assert kind is ExitJson
    assert result["thread_overhead"] == 4
    kind, result = run_module(
        {"pidfile": pidfile, "mod_wsgi_version": "6.1.1", "thread_overhead": 3}
    )
    assert result["thread_overhead"] == 3
    kind, result = run_module({"pidfile": pidfile, "mod_wsgi_version": "6.1.1", "app_threads": 1})
    assert result["thread_overhead"] == 5
    kind, result = run_module({"pidfile": pidfile, "app_threads": 1})
    assert result["thread_overhead"] == 4
    kind, result = run_module({"pidfile": pidfile, "mod_wsgi_version": "latest"})
    assert kind is FailJson
    assert "daemon_info: parameter 'mod_wsgi_version' got 'latest'" in result["msg"]
