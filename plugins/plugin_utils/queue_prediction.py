# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The sizing model's prediction for what runs, beside what traffic_info measured.

Controller-side: the action plugin of ``wsgiscale.mod_wsgi.traffic_info`` calls
:func:`predict` for every group of the module's result. It runs the public
``sizing.size_plan`` with the running size as an override (``processes`` x
``threads``) and the measured inputs, so the plan's queue (BusyThreads, GIL-inflated)
answers "what queue wait should this size have at this load", to set beside the
measured one.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional

from ansible_collections.wsgiscale.mod_wsgi.plugins.plugin_utils.sizing import (
    SizingError,
    size_plan,
)

CALLER = "traffic_info"


def predict(report: Mapping[str, Any], vcpus: int) -> Optional[Dict[str, Any]]:
    """The prediction for one group report of traffic_info, None when the report has
    no sizing inputs or no single thread count to predict for.

    Raises SizingError when the measured inputs are out of the model's range.
    """
    inputs = report.get("sizing_inputs")
    threads = report.get("threads_per_process")
    processes = report.get("processes")
    if not inputs or not threads or not processes:
        return None
    queue = report["queue_wait_ms"]
    params = {
        "target_rpm": inputs["target_rpm"],
        "latency_ms": inputs["latency_ms"],
        "cpu_ms": inputs["cpu_ms"],
        "processes": processes,
        "threads": threads,
        "slo_wait_ms": queue["slo_wait_ms"],
        "slo_percentile": queue["slo_percentile"],
    }
    # The version and memory measured, so the plan's reasons speak of this host.
    if report.get("mod_wsgi"):
        params["mod_wsgi_version"] = report["mod_wsgi"]
    if inputs.get("process_rss_mb"):
        params["process_rss_mb"] = inputs["process_rss_mb"]
    plan = size_plan(vcpus, caller=CALLER, **params)
    predicted = plan["predicted_queue_wait_ms"]
    return {
        "processes": processes,
        "threads": threads,
        "vcpus": vcpus,
        "queue_wait_ms": {
            "slo_percentile": queue["slo_percentile"],
            "slo_wait_ms": queue["slo_wait_ms"],
            "predicted": predicted,
            "measured": queue["at_slo_percentile"],
            "predicted_mean": plan["mean_queue_wait_ms"],
            "measured_mean": queue["mean"],
            "predicted_meets_slo": predicted is not None and predicted <= queue["slo_wait_ms"],
            "measured_meets_slo": queue["meets_slo"],
        },
        "thread_utilization": {
            "predicted": plan["thread_utilization"],
            "measured": report.get("thread_utilization"),
        },
        "feasible": plan["feasible"],
        "reasons": plan["reasons"],
    }


def add_predictions(result: Dict[str, Any]) -> None:
    """Add ``prediction`` to every group of a traffic_info result (in place); a group
    whose inputs the model refuses gets the model's message in ``prediction_error``."""
    for report in result.get("groups", {}).values():
        try:
            report["prediction"] = predict(report, result["vcpus"])
        except SizingError as exc:
            report["prediction"] = None
            report["prediction_error"] = str(exc)
