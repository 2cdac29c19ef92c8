# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The model's prediction beside traffic_info's measurements of real captured runs."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils import traffic
from ansible_collections.wsgiscale.mod_wsgi.plugins.plugin_utils import queue_prediction
from ansible_collections.wsgiscale.mod_wsgi.plugins.plugin_utils.sizing import size_plan

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "metrics"

# Snapshot times are read in the containers' time zone (conftest.utc).
pytestmark = pytest.mark.usefixtures("utc")


@pytest.fixture(scope="module")
def results():
    """traffic_info's result for each captured run (60 s windows)."""
    out = {}
    for suite in ("bookworm", "trixie"):
        base = FIXTURES / suite
        params = {
            "window": 60.0,
            "headroom_percent": 20.0,
            "min_requests": 1,
            "run_dir": str(base / "run"),
            "count_shed": False,
        }
        now = json.loads((base / "meta.json").read_text())["captured"]
        out[suite] = traffic.collect(params, proc_root=str(base / "proc"), now=now)
    return out


@pytest.mark.parametrize("suite", ["bookworm", "trixie"])
def test_prediction_is_the_plan_of_the_running_size(results, suite):
    result = copy.deepcopy(results[suite])
    queue_prediction.add_predictions(result)
    shop = result["groups"]["shop"]
    prediction = shop["prediction"]
    assert (prediction["processes"], prediction["threads"]) == (2, 3)
    inputs = shop["sizing_inputs"]
    plan = size_plan(
        result["vcpus"],
        target_rpm=inputs["target_rpm"],
        latency_ms=inputs["latency_ms"],
        cpu_ms=inputs["cpu_ms"],
        processes=2,
        threads=3,
    )
    assert prediction["queue_wait_ms"]["predicted"] == plan["predicted_queue_wait_ms"]
    assert prediction["queue_wait_ms"]["measured"] == shop["queue_wait_ms"]["p95"]
    assert prediction["thread_utilization"]["measured"] == shop["thread_utilization"]
    # No request was idle-group traffic: nothing to predict there.
    assert result["groups"]["idle"]["prediction"] is None


@pytest.mark.parametrize("suite", ["bookworm", "trixie"])
def test_prediction_speaks_of_the_measured_version_and_memory(results, suite):
    result = copy.deepcopy(results[suite])
    queue_prediction.add_predictions(result)
    shop = result["groups"]["shop"]
    reasons = " ".join(shop["prediction"]["reasons"])
    major_minor = ".".join(shop["mod_wsgi"].split(".")[:2])
    assert f"with mod_wsgi {major_minor} " in reasons
    rss = shop["sizing_inputs"]["process_rss_mb"]
    assert f"2 x ({rss:g} + 3 x 2) MB" in reasons


@pytest.mark.parametrize("suite", ["bookworm", "trixie"])
def test_littles_law_links_the_model_and_the_measurement(results, suite):
    """Served rate x application time = busy threads: the model's utilisation at the
    served rate matches the measured one (the GIL inflation is small at 2 ms CPU)."""
    shop = results[suite]["groups"]["shop"]
    prediction = queue_prediction.predict(shop, results[suite]["vcpus"])
    assert prediction["thread_utilization"]["predicted"] == pytest.approx(
        shop["thread_utilization"], rel=0.10
    )


def test_smaller_running_size_predicts_a_longer_wait(results):
    shop = copy.deepcopy(results["trixie"]["groups"]["shop"])
    shop["queue_wait_ms"].update(slo_wait_ms=10.0, slo_percentile=95.0)
    shop["sizing_inputs"]["target_rpm"] = 1200.0
    waits = []
    for threads in (6, 4, 3):
        shop["threads_per_process"] = threads
        waits.append(queue_prediction.predict(shop, 2)["queue_wait_ms"]["predicted_mean"])
    assert None not in waits
    assert waits == sorted(waits)
    assert waits[0] < waits[-1]


def test_inputs_the_model_refuses_become_a_prediction_error(results):
    result = copy.deepcopy(results["bookworm"])
    result["groups"]["shop"]["sizing_inputs"]["latency_ms"] = -1.0
    queue_prediction.add_predictions(result)
    shop = result["groups"]["shop"]
    assert shop["prediction"] is None
    assert "traffic_info: parameter 'latency_ms' got -1.0" in shop["prediction_error"]


def test_no_prediction_without_a_single_thread_count(results):
    shop = copy.deepcopy(results["bookworm"]["groups"]["shop"])
    shop["threads_per_process"] = None
    assert queue_prediction.predict(shop, 2) is None
