# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Independent oracles for the parts of the sizing model a single mutation can break.

Each oracle recomputes the answer its own way (brute force over P x T with the model
restated in sizing_oracle: the CPU stretch from the M/M/V stationary distribution, the
busy threads as a normalised convolution; the documented request-timeout rules) instead
of reading it back from the plan, so a plan that is wrong in a new way fails here.
"""

from __future__ import annotations

import math

import pytest
from ansible_collections.wsgiscale.mod_wsgi.plugins.plugin_utils.sizing import size_plan
from ansible_collections.wsgiscale.mod_wsgi.tests.unit.plugins.plugin_utils.sizing_oracle import (
    APACHE_MB,
    HEADROOM,
    MEMORY_FRACTION,
    OVERHEAD_S,
    PROCESS_MB,
    THREAD_MB,
    held_s,
    judged_cores,
    meets_slo,
)
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st


def _brute_force_memory_fallback(case, budget, min_processes, design_p, headroom=HEADROOM):
    """Every P < design_p (>= min_processes) that some T within the GIL thread cap makes
    meet the queue SLO (with the headroom, at the hotter GIL and at most cpu_target of
    the CPUs busy) within the memory budget: {P: smallest such T}.

    ``case``: (rps, latency_ms, cpu_ms, vcpus).
    """
    rps, latency_ms, cpu_ms, vcpus = case
    latency_s, cpu_s = latency_ms / 1000.0, cpu_ms / 1000.0
    cores = judged_cores(rps * (cpu_s + OVERHEAD_S), vcpus)
    cap = min(25, math.ceil(latency_ms / cpu_ms - 1e-9))
    found = {}
    for processes in range(min_processes, design_p):
        held = held_s(latency_s, cpu_s, rps * cpu_s / processes, cores, vcpus)
        if held is None:
            continue
        for threads in range(1, cap + 1):
            if processes * (PROCESS_MB + threads * THREAD_MB) > budget + 1e-9:
                break
            if meets_slo(rps, held, processes * threads, latency_s, cpu_s, vcpus, headroom):
                found[processes] = threads
                break
    return found


def test_memory_fallback_reaches_min_processes():
    # headroom=0: the numbers below are those of the SLO at the target itself.
    # The design is 3 x 11 (516 MB, the GIL asks for ceil(1.08 / 0.5) = 3 processes) over
    # a 384 MB budget; 2 processes at a hotter GIL (216.7 req/s x 5 ms / 2 = 0.54) need 16
    # threads: 2 x (150 + 32) = 364 MB fits. 1.3 of 4 vCPUs barely stretch the CPU: a
    # request holds a thread 95 + 5 x 1.0025 / (1 - 0.5417 x 1.0025) = 105.97 ms, 22.96 busy.
    plan = size_plan(4, target_rpm=13000, latency_ms=100, cpu_ms=5, memory_mb=800, headroom=0)
    assert (plan["processes"], plan["threads"], plan["feasible"]) == (2, 16, True)
    assert plan["binding"] == "memory"
    assert plan["effective_latency_ms"] == pytest.approx(105.97, abs=0.01)
    found = _brute_force_memory_fallback((13000 / 60, 100, 5, 4), 384, 2, 3, headroom=0)
    assert found == {2: 16}


memory_cases = st.fixed_dictionaries(
    {
        "target_rpm": st.floats(600, 15000),
        "latency_ms": st.floats(20, 400),
        "cpu_share": st.floats(0.02, 0.3),
        # Processes the budget takes away from the design (fractions: threads cost too).
        "cut": st.floats(0.05, 1.5),
        # min_processes this many below the design, so the fallback often ends there.
        "below": st.integers(1, 3),
    }
)


@given(case=memory_cases)
# A load at which the oracle's CPU-station terms overflowed before they were scaled.
@example(
    case={
        "target_rpm": 11496.0,
        "latency_ms": 63.0,
        "cpu_share": 0.08270714550571989,
        "cut": 1.0,
        "below": 1,
    }
)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_property_memory_fallback_matches_brute_force(case):
    """When memory is short, the plan takes the most processes any T lets fit, or none."""
    kwargs = {
        "target_rpm": case["target_rpm"],
        "latency_ms": case["latency_ms"],
        "cpu_ms": case["latency_ms"] * case["cpu_share"],
    }
    design_p = size_plan(1000, min_processes=1, **kwargs)["processes"]
    assume(2 <= design_p <= 12)
    kwargs["min_processes"] = max(1, design_p - case["below"])
    roomy = size_plan(1000, **kwargs)
    assert roomy["processes"] == design_p
    budget = roomy["memory_mb"] * (1.0 - case["cut"] / design_p)
    plan = size_plan(1000, memory_mb=(budget + APACHE_MB) / MEMORY_FRACTION, **kwargs)
    assert plan["binding"] == "memory"
    found = _brute_force_memory_fallback(
        (kwargs["target_rpm"] / 60.0, kwargs["latency_ms"], kwargs["cpu_ms"], 1000),
        budget,
        kwargs["min_processes"],
        design_p,
    )
    if not found:
        assert plan["feasible"] is False and plan["checks"]["memory"] is False
        return
    best = max(found)
    assert plan["feasible"] is True, (found, plan["processes"], plan["threads"])
    assert (plan["processes"], plan["threads"]) == (best, found[best])


@pytest.mark.parametrize("version", ["4.9", "4.9.4", "5.0.2", "6.0", "6.1.1"])
@pytest.mark.parametrize("threads", [1, 2, 3, 7, 10, 20, 25, 64])
@pytest.mark.parametrize(
    ("latency_ms", "hang"), [(200, 1), (200, 5), (200, 60), (800, 7), (3000, 5), (50, 0.5)]
)
def test_request_timeout_never_kills_before_the_floor(version, threads, latency_ms, hang):
    """One hung request is killed no sooner than max(5 s, 10 x latency), on every version."""
    plan = size_plan(
        2,
        target_rpm=60,
        latency_ms=latency_ms,
        cpu_ms=1,
        processes=2,
        threads=threads,
        mod_wsgi_version=version,
        hang_timeout_s=hang,
    )
    timeout = plan["request_timeout"]
    # mod_wsgi <= 5.x averages over the thread slots, 6.x scales by 1 + ln threads.
    factor = 1.0 + math.log(threads) if version.startswith("6") else float(threads)
    floor = max(5.0, 10.0 * latency_ms / 1000.0)
    assert timeout * factor >= floor - 1e-9, (timeout, factor, floor)
    # docs/sizing.md: hang_timeout_s / factor rounded, at least 1, raised to the floor.
    wanted = max(hang, floor)
    assert timeout == max(1, round(wanted / factor), math.ceil(floor / factor - 1e-9))
    assert plan["effective_request_timeout_s"] == pytest.approx(timeout * factor, abs=0.05)


@given(
    version=st.sampled_from(["4.1", "4.9.4", "5.0.2-1", "6.0", "6.1.1"]),
    threads=st.integers(1, 200),
    latency_ms=st.floats(1, 10000),
    hang=st.floats(0.001, 600),
)
@settings(max_examples=300, deadline=None)
def test_property_request_timeout_floor(version, threads, latency_ms, hang):
    plan = size_plan(
        2,
        target_rpm=1,
        latency_ms=latency_ms,
        cpu_ms=latency_ms / 2,
        processes=1,
        threads=threads,
        mod_wsgi_version=version,
        hang_timeout_s=hang,
    )
    factor = 1.0 + math.log(threads) if version.startswith("6") else float(threads)
    floor = max(5.0, 10.0 * latency_ms / 1000.0)
    assert plan["request_timeout"] * factor >= floor - 1e-9


def test_request_timeout_floor_on_6x_with_20_threads():
    # 6.1, 20 threads: factor 1 + ln 20 = 4.0; rounding 5 s / 4.0 gives 1 s, which kills
    # a hung request after 4.0 s, under the 5 s floor; 2 s gives 8.0 s.
    plan = size_plan(
        2,
        target_rpm=60,
        latency_ms=200,
        cpu_ms=5,
        processes=2,
        threads=20,
        mod_wsgi_version="6.1",
        hang_timeout_s=1,
    )
    assert plan["request_timeout"] == 2
    assert plan["effective_request_timeout_s"] == pytest.approx(2 * (1 + math.log(20)), abs=0.05)


# The GIL check of explicit sizes: 150 req/s x 5 ms = 0.75 CPU-s/s of Python.
GIL_CASE = {"target_rpm": 9000, "latency_ms": 200, "cpu_ms": 5}


@pytest.mark.parametrize(
    ("processes", "threads", "gil_ok"),
    [
        (1, 60, False),  # 0.75 per process: over gil_target 0.5, under 1
        (2, 30, True),  # 0.375
        (3, 20, True),  # 0.25
    ],
)
def test_explicit_size_is_checked_against_gil_target(processes, threads, gil_ok):
    plan = size_plan(4, processes=processes, threads=threads, **GIL_CASE)
    assert plan["binding"] == "override"
    # Only the GIL decides here: CPU 0.9 of 2.8 cores, and the queue SLO holds.
    assert plan["checks"]["cpu"] and plan["checks"]["queue_slo"] and plan["checks"]["memory"]
    per_process = 9000 / 60 * 0.005 / processes
    assert plan["gil_utilization"] == pytest.approx(per_process)
    assert plan["checks"]["gil"] is gil_ok
    assert plan["feasible"] is gil_ok
    if not gil_ok:
        (problem,) = plan["problems"]
        # ceil(0.75 / 0.5) = 2 processes would do.
        assert (problem["code"], problem["needed"], problem["available"]) == ("gil", 2, 1)


def test_explicit_processes_alone_is_checked_against_gil_target():
    plan = size_plan(4, processes=1, **GIL_CASE)
    assert plan["gil_utilization"] == pytest.approx(0.75)
    assert plan["checks"]["gil"] is False and plan["feasible"] is False
