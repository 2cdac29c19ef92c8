# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run the traffic_info module through main() against snapshots captured from real Apache."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils import traffic
from ansible_collections.wsgiscale.mod_wsgi.plugins.modules import traffic_info
from ansible_collections.wsgiscale.mod_wsgi.tests.unit.plugins.modules import module_harness
from ansible_collections.wsgiscale.mod_wsgi.tests.unit.plugins.modules.module_harness import (
    ExitJson,
    FailJson,
)

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "metrics" / "bookworm"
CAPTURED = json.loads((FIXTURES / "meta.json").read_text())["captured"]


@pytest.fixture(autouse=True)
def captured_host(monkeypatch, utc):
    """The module reads the captured run as if it ran on that host at capture time."""
    monkeypatch.setattr(traffic_info, "PROC_ROOT", str(FIXTURES / "proc"))
    monkeypatch.setattr(traffic, "clock", lambda: CAPTURED)


def run_module(args):
    base = {"run_dir": str(FIXTURES / "run"), "error_log": str(FIXTURES / "error.log")}
    return module_harness.run_module(traffic_info, {**base, **args})


def test_plain_run_reports_both_groups_unchanged():
    kind, result = run_module({})
    assert kind is ExitJson
    assert result["changed"] is False
    assert sorted(result["groups"]) == ["idle", "shop"]
    # The default window (60 s) reaches back past the reload.
    assert result["window_s"] == 60.0
    assert result["groups"]["shop"]["restarts_seen"]["count"] == 2


def test_check_mode_is_the_same_read():
    kind, checked = run_module({"process_group": "shop", "_ansible_check_mode": True})
    assert kind is ExitJson
    assert checked == run_module({"process_group": "shop"})[1]


def test_options_reach_the_reader():
    kind, result = run_module(
        {"process_group": "shop", "window": 15, "slo_wait_ms": 2000, "slo_percentile": 50}
    )
    assert kind is ExitJson
    queue = result["groups"]["shop"]["queue_wait_ms"]
    assert (queue["slo_wait_ms"], queue["slo_percentile"]) == (2000.0, 50.0)
    assert queue["at_slo_percentile"] == queue["p50"]
    assert queue["meets_slo"] is True


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"run_dir": "/nonexistent/metrics"}, "the metrics agent is off"),
        ({"process_group": "idle"}, "group idle: 0 request(s)"),
        ({"window": -5}, "parameter 'window' got -5.0 (float)"),
    ],
)
def test_failures_are_clear(args, message):
    kind, result = run_module(args)
    assert kind is FailJson
    assert message in result["msg"]


@pytest.mark.parametrize(
    ("option", "library_default"),
    [
        ("window", traffic.DEFAULT_WINDOW_S),
        ("run_dir", traffic.RUN_DIR),
        ("headroom_percent", traffic.DEFAULT_HEADROOM_PERCENT),
        ("min_requests", traffic.DEFAULT_MIN_REQUESTS),
        ("slo_wait_ms", traffic.DEFAULT_SLO_WAIT_MS),
        ("slo_percentile", traffic.DEFAULT_SLO_PERCENTILE),
        ("count_shed", True),
    ],
)
def test_documented_defaults_are_the_librarys(option, library_default):
    documented = yaml.safe_load(traffic_info.DOCUMENTATION)["options"][option]["default"]
    assert documented == library_default
    assert traffic_info.ARGUMENT_SPEC[option]["default"] == library_default
