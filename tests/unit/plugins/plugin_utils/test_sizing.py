# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import math

import pytest
from ansible_collections.wsgiscale.mod_wsgi.plugins.plugin_utils.sizing import (
    BusyThreads,
    SizingError,
    erlang_b,
    erlang_c,
    host_plan,
    max_request_workers,
    size_plan,
)
from ansible_collections.wsgiscale.mod_wsgi.tests.unit.plugins.plugin_utils.sizing_oracle import (
    OVERHEAD_S,
    headroom_tail,
    held_s,
)
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def direct_erlang_c(c: int, a: float) -> float:
    """Textbook Erlang C with factorials, for small c only."""
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


# ---------------------------------------------------------------------------
# Queueing primitives
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("c", "a"),
    [(1, 0.5), (2, 1.0), (3, 2.5), (5, 4.0), (10, 7.3), (20, 15.0), (40, 30.75)],
)
def test_erlang_c_matches_direct_formula(c, a):
    assert erlang_c(c, a) == pytest.approx(direct_erlang_c(c, a), rel=1e-9)


def test_erlang_c_edges():
    assert erlang_c(5, 0.0) == 0.0
    assert erlang_c(5, 5.0) == 1.0
    assert erlang_c(5, 7.0) == 1.0
    assert erlang_b(0, 3.0) == 1.0
    # M/M/1: P(wait) = rho.
    assert erlang_c(1, 0.3) == pytest.approx(0.3)


@pytest.mark.parametrize(("c", "a"), [(3000, 2900.0), (5000, 4990.0), (2000, 100.0)])
def test_erlang_c_large_pools_do_not_overflow(c, a):
    value = erlang_c(c, a)
    assert 0.0 <= value <= 1.0
    assert math.isfinite(value)


def test_erlang_c_halfin_whitt_limit():
    # c = a + beta sqrt(a), beta = 2: P(wait) -> 0.027 (sizing.md).
    a = 2500.0
    assert erlang_c(int(a + 2 * math.sqrt(a)), a) == pytest.approx(0.027, abs=0.004)


def _pool(load, held_s):
    """BusyThreads of ``load`` busy threads holding a thread ``held_s`` without a CPU
    burst: an M/M/c queue."""
    return BusyThreads(load / held_s, held_s, 0.0, 1)


@pytest.mark.parametrize(
    ("a", "expected"),
    # Exact Erlang C: P(Wq > 10 ms) <= 5 % needs 40 / 72 threads at 200 ms.
    [(30.0, 40), (60.0, 72)],
)
def test_min_servers_reference(a, expected):
    assert _pool(a, 0.2).min_servers(0.01, 0.05) == expected


def test_min_servers_is_minimal():
    for a in (0.3, 2.5, 30.75, 61.5, 400.0, 5000.0):
        pool = _pool(a, 0.205)
        n = pool.min_servers(0.01, 0.05)
        assert pool.tail(n, 0.01) <= 0.05
        assert n - 1 <= a or pool.tail(n - 1, 0.01) > 0.05


def test_wait_quantile():
    pool = _pool(30.0, 0.2)
    assert pool.quantile_s(40, 0.05) > 0
    assert pool.tail(40, pool.quantile_s(40, 0.05)) == pytest.approx(0.05)
    assert pool.quantile_s(100, 0.05) == 0.0
    assert math.isinf(pool.quantile_s(30, 0.05))
    assert pool.tail(30, 0.01) == 1.0


@given(c=st.integers(1, 15), a=st.floats(0.01, 14.9))
@PROPS
def test_property_erlang_c_direct(c, a):
    if a >= c:
        assert erlang_c(c, a) == 1.0
    else:
        assert erlang_c(c, a) == pytest.approx(direct_erlang_c(c, a), rel=1e-7, abs=1e-12)


@given(c=st.integers(1, 6000), ratio=st.floats(0.01, 1.5))
@settings(max_examples=60, deadline=None)
def test_property_erlang_c_bounded(c, ratio):
    value = erlang_c(c, c * ratio)
    assert 0.0 <= value <= 1.0


# ---------------------------------------------------------------------------
# Reference cases (sizing.md worked examples)
# ---------------------------------------------------------------------------

# Default model: the design holds a thread (W - C) + C s / (1 - 0.5 s), the GIL at
# gil_target and s the CPU stretch of the other min(lam (C + o), 0.7 V) - 0.5 cores on V
# vCPUs (M/M/V: 1 + C(V, A) / (V - A)); N is the pool for 1.2 x the rate, its busy threads
# the Poisson count on I/O plus the bursts in an M/M/V station with the stretched mean
# (sizing.md step 3). Erlang C alone (the first model) is given for comparison: with
# short bursts the two agree, with 50 ms ones the bursts crowd the CPUs and N grows.
REFERENCE = [
    # id, vcpus, kwargs, expected subset
    (
        "io_9k",
        2,
        {"target_rpm": 9000, "latency_ms": 200, "cpu_ms": 5},
        # A = 0.9 - 0.5 = 0.4 cores: s = 1.0417, 195 + 5 x 1.0417 / 0.479 = 205.87 ms;
        # 150 req/s x 0.20587 = 30.88 busy, x 1.2 = 37.06 -> N = 48 (Erlang C: 47);
        # 2 x ceil(48 / 2) = 2 x 24; MaxRequestWorkers ceil(1.5 x 48) + 10 = 82.
        {
            "processes": 2,
            "threads": 24,
            "feasible": True,
            "binding": "queue_slo",
            "vcpus_needed": None,
            "hosts_needed": 1,
            "threads_required": 48,
            "max_request_workers": 82,
        },
    ),
    (
        "io_18k_cpu_short",
        2,
        {"target_rpm": 18000, "latency_ms": 200, "cpu_ms": 5},
        # 1.8 cores > 1.4: sized at 1.4 busy, A = 0.9: s = 1.2539, 195 + 5 x 1.2539 / 0.373
        # = 211.81 ms; 300 x 0.21181 = 63.54 busy, x 1.2 = 76.25 -> N = 93 (Erlang C: 90):
        # ceil(93 / 25) = 4 processes x ceil(93 / 4) = 24; ceil(1.8 / 0.7) = 3 vCPUs, 2 hosts
        # of 0.9 cores.
        {
            "processes": 4,
            "threads": 24,
            "feasible": False,
            "binding": "cpu",
            "vcpus_needed": 3,
            "hosts_needed": 2,
            "threads_required": 93,
        },
    ),
    (
        "io_18k_cpu2",
        2,
        {"target_rpm": 18000, "latency_ms": 200, "cpu_ms": 2},
        # 0.9 cores, A = 0.4: s = 1.0417, 198 + 2 x 1.0417 / 0.479 = 202.35 ms; 300 x
        # 0.20235 = 60.70 busy, x 1.2 = 72.84 -> N = 86: 4 processes x ceil(86 / 4) = 22.
        {"processes": 4, "threads": 22, "feasible": True, "threads_required": 86},
    ),
    (
        "cpu_heavy_9k_2vcpu",
        2,
        {"target_rpm": 9000, "latency_ms": 200, "cpu_ms": 50},
        # 7.65 cores: sized at 1.4 busy, s = 1.2539, 150 + 50 x 1.2539 / 0.373 = 318.07 ms;
        # 150 x 0.31807 = 47.71 busy, x 1.2 = 57.25 -> N = 117 (Erlang C: 70; 1.4 cores of
        # 168 ms bursts on 2 vCPUs): ceil(117 / 4) = 30 processes (the GIL asks for 15);
        # ceil(7.65 / 0.7) = 11 vCPUs, 6 hosts of 1.28 cores.
        {
            "processes": 30,
            "threads": 4,
            "feasible": False,
            "binding": "cpu",
            "vcpus_needed": 11,
            "hosts_needed": 6,
            "threads_required": 117,
        },
    ),
    (
        "cpu_heavy_1500",
        2,
        {"target_rpm": 1500, "latency_ms": 200, "cpu_ms": 50},
        # 1.275 cores, A = 0.775: s = 1.1767, 150 + 50 x 1.1767 / 0.412 = 292.92 ms; 25 x
        # 0.29292 = 7.32 busy, x 1.2 = 8.79 -> N = 19 (Erlang C: 15): ceil(19 / 4) = 5
        # processes (GIL: 3).
        {
            "processes": 5,
            "threads": 4,
            "feasible": True,
            "binding": "queue_slo",
            "thread_cap": 4,
            "threads_required": 19,
        },
    ),
    (
        "cpu_heavy_9k_12vcpu",
        12,
        {"target_rpm": 9000, "latency_ms": 200, "cpu_ms": 50},
        # 7.65 of 12 vCPUs, A = 7.15: s = 1.0147, 150 + 50 x 1.0147 / 0.493 = 252.99 ms;
        # 150 x 0.25299 = 37.95 busy, x 1.2 = 45.54 -> N = 69 (Erlang C: 57): ceil(69 / 4)
        # = 18 processes, above the GIL's ceil(7.5 / 0.5) = 15.
        {
            "processes": 18,
            "threads": 4,
            "feasible": True,
            "binding": "queue_slo",
            "threads_required": 69,
        },
    ),
]


@pytest.mark.parametrize(
    ("vcpus", "kwargs", "expected"), [r[1:] for r in REFERENCE], ids=[r[0] for r in REFERENCE]
)
def test_reference_cases(vcpus, kwargs, expected):
    plan = size_plan(vcpus, **kwargs)
    assert {k: plan[k] for k in expected} == expected


def test_reference_9k_numbers():
    plan = size_plan(2, target_rpm=9000, latency_ms=200, cpu_ms=5)
    # The plan's figures at the target: each process's GIL runs 150 x 5 ms / 2 = 0.375,
    # the other 0.9 - 0.375 = 0.525 cores stretch the CPU s = 1.0740 on 2 vCPUs, so a
    # request holds a thread 195 + 5 x 1.0740 / (1 - 0.375 x 1.0740) = 203.99 ms and
    # 150 req/s keep 30.60 of the 48 threads busy.
    assert plan["effective_latency_ms"] == pytest.approx(203.99, abs=0.01)
    assert plan["busy_threads"] == pytest.approx(30.60, abs=0.01)
    assert plan["thread_utilization"] == pytest.approx(30.60 / 48, abs=1e-4)
    # 48 threads of >= 200 ms carry at most 14,400 rpm; the GIL and CPU waits grow with
    # the load (s = 1.18 at 225.5 req/s, 1.35 cores): 48 busy at 13,531.8 rpm.
    assert plan["capacity_rpm"] == pytest.approx(13531.8)
    assert plan["capacity_limit"] == "threads"
    assert plan["cpu_utilization"] == pytest.approx(0.45)
    # Sized for 1.2 x the busy threads: at the target itself the queue is far inside the SLO.
    assert plan["predicted_slo_violation_probability"] <= 0.05 / 10
    assert plan["predicted_queue_wait_ms"] == 0.0
    # 2 x (150 + 24 x 2) MB.
    assert plan["memory_mb"] == pytest.approx(396.0)
    assert plan["options"] == {
        "processes": 2,
        "threads": 24,
        # 4.9: round(60 s / 24 threads) = round(2.5) = 2, one hung request after 48 s.
        "request-timeout": 2,
        "queue-timeout": 5,
        "graceful-timeout": 5,
        "shutdown-timeout": 5,
        # max(60 s, 48 + 5 s).
        "socket-timeout": 60,
        # MaxRequestWorkers 82 < 100.
        "listen-backlog": 100,
    }
    assert plan["effective_request_timeout_s"] == pytest.approx(48.0)
    assert plan["inputs"]["cpu_ms_defaulted"] is False
    assert all(isinstance(r, str) and r.endswith(".") for r in plan["reasons"])


# Capacity must not fall when rpm grows: (kwargs, rpm, expected P x T, capacity floor).
# Before the capacity floor, 18,010 rpm got 4 x 10 = 40 after 3 x 14 = 42 at 18,000 rpm
# (the GIL asked for a fourth process), and 2,410 rpm got 3 x 5 = 15 after 2 x 8 = 16.
# Sized with headroom=0: these jump points are worked out for the SLO at the target
# itself. On 1000 vCPUs (at most 30 cores busy here) the CPU stretch is 1: C(1000, 30)
# is 1e-1100.
MONOTONE = [
    ("io_100ms_below_jump", {"latency_ms": 100, "cpu_ms": 5}, 18000, (3, 14), None),
    ("io_100ms_past_jump", {"latency_ms": 100, "cpu_ms": 5}, 18010, (4, 11), (3, 14)),
    ("io_100ms_next_float", {"latency_ms": 100, "cpu_ms": 5}, 18000.001, (4, 11), (3, 14)),
    ("io_100ms_grown_into", {"latency_ms": 100, "cpu_ms": 5}, 19000, (4, 11), None),
    ("io_100ms_next_level", {"latency_ms": 100, "cpu_ms": 5}, 24000, (4, 13), None),
    ("cpu_200ms_min_processes", {"latency_ms": 200, "cpu_ms": 25}, 2400, (2, 8), None),
    ("cpu_200ms_past_jump", {"latency_ms": 200, "cpu_ms": 25}, 2410, (3, 6), (2, 8)),
    # Two threads above ceil(649 / 59) = 11: 58 x 13 = 754 at 34,800 rpm must be kept.
    ("slow_1s_two_over", {"latency_ms": 1000, "cpu_ms": 50}, 34803.5, (59, 13), (58, 13)),
]


@pytest.mark.parametrize(
    ("kwargs", "rpm", "size", "floor"), [r[1:] for r in MONOTONE], ids=[r[0] for r in MONOTONE]
)
def test_capacity_never_falls_with_rpm(kwargs, rpm, size, floor):
    kwargs = dict(kwargs, headroom=0)
    plan = size_plan(1000, target_rpm=rpm, **kwargs)
    assert (plan["processes"], plan["threads"]) == size
    if floor is None:
        assert plan["capacity_floor"] is None
        assert not any(r.startswith("Threads are raised") for r in plan["reasons"])
    else:
        assert plan["binding"] == "gil"
        assert (plan["capacity_floor"]["processes"], plan["capacity_floor"]["threads"]) == floor
        lower = size_plan(1000, target_rpm=plan["capacity_floor"]["target_rpm"], **kwargs)
        assert (lower["processes"], lower["threads"]) == floor


def test_capacity_floor_reason_and_override():
    # headroom=0: docs/sizing.md's example, N for the SLO at the target itself. 1.8 cores
    # on 8 vCPUs hardly stretch the CPU (A = 1.3: s = 1.0001): the design holds a thread
    # 95 + 5 x 1.0001 / (1 - 0.5 x 1.0001) = 105.0 ms, 31.5 busy threads, N = 40. (On 4
    # vCPUs the 10 ms bursts crowd the CPUs a little: N = 41, and ceil(41 / 4) = 11 needs
    # no raise.)
    kwargs = {"latency_ms": 100, "cpu_ms": 5, "headroom": 0}
    assert size_plan(4, target_rpm=18010, **kwargs)["threads_required"] == 41
    plan = size_plan(8, target_rpm=18010, **kwargs)
    assert plan["feasible"] and plan["total_threads"] == 44 and plan["threads_required"] == 40
    assert "threads = ceil(40 / 4) = 10." in " ".join(plan["reasons"])
    assert (
        "Threads are raised to 11 so that more rpm never gets fewer threads: "
        "18,000 rpm gets 3 x 14 = 42." in plan["reasons"]
    )
    # Explicit sizes are evaluated as given.
    override = size_plan(8, target_rpm=18010, processes=4, **kwargs)
    assert (override["threads"], override["capacity_floor"]) == (10, None)
    # Free-threading has no GIL term, so P only grows with N and never needs the floor.
    free = size_plan(8, target_rpm=18010, mod_wsgi_version="6.0", free_threading=True, **kwargs)
    assert free["capacity_floor"] is None


def test_capacity_floor_counts_against_memory():
    # 4 x 11 = 44 threads need 4 x (150 + 22) = 688 MB; a 680 MB budget takes the memory path.
    # headroom=0: the 4 x 11 of test_capacity_floor_reason_and_override.
    kwargs = {"target_rpm": 18010, "latency_ms": 100, "cpu_ms": 5, "headroom": 0}
    fits = size_plan(4, memory_mb=(688 + 256) / 0.8, **kwargs)
    assert (fits["processes"], fits["threads"], fits["binding"]) == (4, 11, "gil")
    short = size_plan(4, memory_mb=(680 + 256) / 0.8, **kwargs)
    assert short["binding"] == "memory" and short["processes"] < 4
    assert short["capacity_floor"] is None


def test_two_two_thirty_at_18k_is_saturated():
    plan = size_plan(2, target_rpm=18000, latency_ms=200, cpu_ms=5, processes=2, threads=30)
    assert plan["binding"] == "override"
    assert plan["feasible"] is False
    # Each GIL runs 300 x 5 ms / 2 = 0.75 and the other 1.8 - 0.75 = 1.05 cores stretch the
    # CPU s = 1 + C(2, 1.05) / 0.95 = 1 + 0.3615 / 0.95 = 1.3805 on 2 vCPUs: a GIL holder
    # keeps it 0.75 x 1.3805 = 1.035 > 1 of the time, so the queue has no steady state.
    assert plan["thread_utilization"] is None
    assert plan["busy_threads"] is None
    assert plan["effective_latency_ms"] is None
    assert plan["predicted_queue_wait_ms"] is None
    assert plan["capacity_rpm"] < 18000


def test_headroom_sizes_and_checks_with_more_busy_threads():
    kwargs = {"target_rpm": 9000, "latency_ms": 200, "cpu_ms": 5}
    edge = size_plan(2, headroom=0, **kwargs)
    default = size_plan(2, **kwargs)
    # The design holds a thread 205.87 ms: 30.88 busy threads need 41, 1.2 x 30.88 = 37.06
    # need 48 (io_9k).
    assert (edge["threads_required"], default["threads_required"]) == (41, 48)
    assert (edge["processes"], edge["threads"]) == (2, 21)
    # The predicted figures are those of the target, whatever the headroom.
    for key in ("effective_latency_ms", "busy_threads", "gil_utilization"):
        assert edge[key] == default[key], key
    # 2 x 21 meets the SLO at the target (30.60 busy at the real GIL 0.375: P(wait > 10 ms)
    # = 0.021), not with 1.2 x 30.60 = 36.72 busy, which need 47 threads.
    judged = size_plan(2, processes=2, threads=21, **kwargs)
    assert judged["predicted_slo_violation_probability"] == pytest.approx(0.021, abs=1e-3)
    assert judged["checks"]["queue_slo"] is False
    (problem,) = judged["problems"]
    assert (problem["code"], problem["needed"], problem["available"]) == ("queue_slo", 47, 42)
    assert size_plan(2, processes=2, threads=21, headroom=0, **kwargs)["feasible"] is True


def test_cpu_short_host_fails_only_the_cpu_check():
    # headroom=0, 18,000 rpm at 200 ms, 5 ms CPU on 2 vCPUs: 1.8 cores, over 0.7 x 2.
    plan = size_plan(2, target_rpm=18000, latency_ms=200, cpu_ms=5, headroom=0)
    assert (plan["processes"], plan["threads"], plan["binding"]) == (4, 20, "cpu")
    # The figures are those of this host: GIL 0.375, the other 1.425 cores stretch the CPU
    # s = 2.0311, 195 + 5 x 2.0311 / (1 - 0.375 x 2.0311) = 237.61 ms, 71.28 of 80 busy.
    assert plan["effective_latency_ms"] == pytest.approx(237.61, abs=0.01)
    assert plan["predicted_slo_violation_probability"] == pytest.approx(0.196, abs=1e-3)
    # The queue is judged with the CPU the plan asks for (0.7 x 2 = 1.4 cores busy: s =
    # 1.3562, 208.80 ms, 62.64 busy need 75 threads): only the cpu check fails.
    assert plan["checks"] == {"queue_slo": True, "gil": True, "cpu": False, "memory": True}
    assert [p["code"] for p in plan["problems"]] == ["cpu"]


def test_cpu_load_at_the_vcpus_has_no_steady_state():
    # 125 req/s x (7 + 1) ms = 1.0 core on 1 vCPU: every burst waits C / (1 - 1.0).
    # Rounding once gave a finite 2e17 ms here with 3 processes.
    for processes in (1, 3, 5):
        plan = size_plan(
            1, target_rpm=7500, latency_ms=100, cpu_ms=7, processes=processes, threads=10
        )
        assert plan["cpu_cores_needed"] == 1.0
        for key in ("effective_latency_ms", "busy_threads", "thread_utilization"):
            assert plan[key] is None, (processes, key)
        assert plan["predicted_queue_wait_ms"] is None
        assert plan["capacity_rpm"] < 7500


def test_cpu_infeasible_reason_has_numbers():
    plan = size_plan(2, target_rpm=9000, latency_ms=200, cpu_ms=50)
    text = " ".join(plan["reasons"])
    assert "7.65 cores" in text
    assert "11 vCPUs" in text
    assert "6 host(s)" in text


def test_cpu_ms_default_fraction_is_reported():
    plan = size_plan(2, target_rpm=1500, latency_ms=200)
    assert plan["inputs"]["cpu_ms"] == 50.0
    assert plan["inputs"]["cpu_ms_defaulted"] is True
    assert plan["thread_cap"] == 4
    assert "cpu_ms was not given" in plan["reasons"][0]


def test_hosts_split_target():
    one = size_plan(2, target_rpm=18000, latency_ms=200, cpu_ms=5)
    two = size_plan(2, target_rpm=18000, latency_ms=200, cpu_ms=5, hosts=2)
    assert two["feasible"] and not one["feasible"]
    assert two["arrival_rate_rps"] == pytest.approx(150.0)
    assert two["hosts_needed"] == 2
    # Over-provisioned fleets say how few hosts would do.
    assert size_plan(2, target_rpm=9000, latency_ms=200, cpu_ms=5, hosts=4)["hosts_needed"] == 1


def test_memory_budget_checked():
    ok = size_plan(2, target_rpm=9000, latency_ms=200, cpu_ms=5, memory_mb=1024)
    assert ok["feasible"] and ok["memory_budget_mb"] == pytest.approx(1024 * 0.8 - 256)
    short = size_plan(2, target_rpm=9000, latency_ms=200, cpu_ms=5, memory_mb=600)
    assert short["feasible"] is False and short["binding"] == "memory"
    assert short["hosts_needed"] is None
    assert any("224 MB" in r for r in short["reasons"])


def test_memory_shrinks_processes_below_gil_target():
    # Design on 16 vCPUs: 15 x 4 (2,370 MB). A 2,300 MB budget fits 14 x 4 at a hotter GIL.
    # headroom=0: the SLO at the target itself. 14 x 4 (14 x 158 = 2,212 MB): each GIL
    # runs 7.5 / 14 = 0.536, the other 7.12 of 16 vCPUs stretch the CPU s = 1.0003, so a
    # request holds a thread 150 + 50 x 1.0003 / (1 - 0.536 x 1.0003) = 257.77 ms: 38.67 of
    # 56 threads busy, P(wait > 10 ms) = 0.028. 13 x 4 would miss the SLO (0.089), and
    # 13 x 5 is over the GIL's cap of 4 threads.
    kwargs = {"target_rpm": 9000, "latency_ms": 200, "cpu_ms": 50, "headroom": 0}
    plan = size_plan(16, memory_mb=(2300 + 256) / 0.8, **kwargs)
    assert plan["binding"] == "memory"
    assert plan["feasible"] is True
    assert (plan["processes"], plan["threads"]) == (14, 4)
    assert 0.5 < plan["gil_utilization"] < 1.0
    assert plan["memory_mb"] <= plan["memory_budget_mb"]
    assert plan["effective_latency_ms"] == pytest.approx(257.77, abs=0.01)
    assert plan["predicted_slo_violation_probability"] == pytest.approx(0.028, abs=1e-3)


def test_free_threading_removes_gil_cap():
    plan = size_plan(
        2, target_rpm=9000, latency_ms=200, cpu_ms=50, free_threading=True, mod_wsgi_version="6.1"
    )
    assert plan["gil_utilization"] is None
    assert plan["thread_cap"] == 25
    # No GIL wait, but 150 x 51 ms = 7.65 cores on 2 vCPUs: the CPUs saturate instead.
    assert plan["effective_latency_ms"] is None
    assert plan["checks"]["gil"] is True and plan["checks"]["cpu"] is False


def test_free_threading_still_waits_for_a_cpu():
    kwargs = {"target_rpm": 600, "latency_ms": 200, "cpu_ms": 49}
    # 10 req/s x (49 + 1) ms = 0.5 of one vCPU: a request's 49 ms of CPU take
    # 49 / (1 - 0.5) = 98 ms, so it holds a thread 151 + 98 = 249 ms.
    free = size_plan(1, free_threading=True, mod_wsgi_version="6.1", **kwargs)
    assert free["effective_latency_ms"] == pytest.approx(249.0)
    assert free["busy_threads"] == pytest.approx(2.49)
    # With the GIL too, on one CPU: 2 processes of 0.245 GIL, the other 0.255 cores stretch
    # s = 1 / 0.745, and 49 s / (1 - 0.245 s) = 49 / (1 - 0.5) = 98 ms again: every burst
    # already waited for the one CPU.
    gil = size_plan(1, **kwargs)
    assert gil["processes"] == 2
    assert gil["effective_latency_ms"] == pytest.approx(249.0)


@pytest.mark.parametrize(
    ("version", "threads", "hang", "timeout", "effective"),
    [
        ("4.9", 20, 60, 3, 60.0),
        ("5.0.2", 25, 60, 2, 50.0),
        ("6.1", 20, 60, 15, 59.9),
        ("6.0", 1, 60, 60, 60.0),
        ("4.9.4", 20, 0, 0, None),
        # Floor: never below 5 s for one hung request.
        ("6.1", 1, 1, 5, 5.0),
    ],
)
def test_request_timeout_rules(version, threads, hang, timeout, effective):
    plan = size_plan(
        2,
        target_rpm=100,
        latency_ms=200,
        cpu_ms=5,
        processes=2,
        threads=threads,
        mod_wsgi_version=version,
        hang_timeout_s=hang,
    )
    assert plan["request_timeout"] == timeout
    assert plan["effective_request_timeout_s"] == effective


def test_request_timeout_latency_floor():
    plan = size_plan(
        2,
        target_rpm=60,
        latency_ms=3000,
        cpu_ms=5,
        threads=1,
        mod_wsgi_version="6.0",
        hang_timeout_s=5,
    )
    assert plan["effective_request_timeout_s"] >= 30.0


def test_max_request_workers():
    assert max_request_workers(40) == 70
    assert max_request_workers(75) == 123


def test_processes_override_derives_threads():
    # headroom=0: N for the SLO at the target itself.
    kwargs = {"target_rpm": 9000, "latency_ms": 200, "cpu_ms": 5, "headroom": 0}
    # 4 processes: GIL 0.1875, the other 0.7125 cores stretch s = 1.1454 on 2 vCPUs, so a
    # request holds a thread 195 + 5 x 1.1454 / (1 - 0.1875 x 1.1454) = 202.29 ms: 30.34
    # busy need 40 threads, ceil(40 / 4) = 10 each.
    plan = size_plan(2, processes=4, **kwargs)
    assert plan["processes"] == 4 and plan["threads"] == 10 and plan["binding"] == "override"
    # threads=5 takes the design's N: 195 + 5 x 1.0417 / (1 - 0.5 x 1.0417) = 205.87 ms,
    # 30.88 busy, N = 41 (40 without the CPU stretch): ceil(41 / 5) = 9 processes.
    plan = size_plan(2, threads=5, **kwargs)
    assert plan["threads_required"] == 41
    assert plan["processes"] == 9 and plan["threads"] == 5


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------

GOOD = {"target_rpm": 9000, "latency_ms": 200, "cpu_ms": 5}

BAD_PARAMS = [
    ("target_rpm", "fast"),
    ("target_rpm", ""),
    ("target_rpm", 0),
    ("target_rpm", -5),
    ("target_rpm", float("nan")),
    ("target_rpm", float("inf")),
    ("target_rpm", "inf"),
    ("target_rpm", True),
    ("target_rpm", [9000]),
    ("latency_ms", 0),
    ("latency_ms", "nan"),
    ("cpu_ms", 0),
    ("cpu_ms", 250),
    ("cpu_ms", False),
    ("memory_mb", 0),
    ("memory_mb", "lots"),
    ("memory_fraction", 1.5),
    ("memory_fraction", 0),
    ("apache_reserve_mb", -1),
    ("process_rss_mb", 0),
    ("thread_rss_mb", -0.5),
    ("hosts", 0),
    ("hosts", 1.5),
    ("hosts", True),
    ("cpu_target", 0),
    ("cpu_target", 1.2),
    ("gil_target", 1.0),
    ("gil_target", 0),
    ("overhead_ms", -1),
    ("headroom", -0.1),
    ("headroom", 10.5),
    ("headroom", "lots"),
    ("slo_wait_ms", -1),
    ("slo_percentile", 100),
    ("slo_percentile", 0),
    ("max_threads", 0),
    ("max_threads", 70000),
    ("min_processes", 0),
    ("processes", 0),
    ("processes", 2.5),
    ("threads", -1),
    ("threads", "many"),
    ("mod_wsgi_version", "3.5"),
    ("mod_wsgi_version", "4.0"),
    ("mod_wsgi_version", "latest"),
    ("mod_wsgi_version", True),
    ("mod_wsgi_version", ["4.9"]),
    ("mod_wsgi_version", 4.9),
    ("mod_wsgi_version", 6),
    ("mod_wsgi_version", "6"),
    ("hang_timeout_s", -1),
    ("free_threading", "maybe"),
    ("free_threading", 2),
]


@pytest.mark.parametrize(("name", "value"), BAD_PARAMS)
def test_bad_parameter_names_caller_parameter_and_value(name, value):
    kwargs = dict(GOOD, **{name: value})
    with pytest.raises(SizingError) as err:
        size_plan(2, caller="wsgi_sizing", **kwargs)
    message = str(err.value)
    assert message.startswith("wsgi_sizing: ")
    assert f"'{name}'" in message
    assert repr(value) in message
    assert "expected" in message


@pytest.mark.parametrize("vcpus", [None, 0, -2, 2.5, "two", True, False, float("nan"), []])
def test_bad_vcpus(vcpus):
    with pytest.raises(SizingError) as err:
        size_plan(vcpus, caller="wsgi_sizing", **GOOD)
    message = str(err.value)
    assert "wsgi_sizing" in message
    assert "vcpus" in message and "ansible_processor_vcpus" in message
    assert repr(vcpus) in message


@pytest.mark.parametrize("name", ["target_rpm", "latency_ms"])
def test_required_parameters(name):
    kwargs = dict(GOOD)
    del kwargs[name]
    with pytest.raises(SizingError, match=f"wsgi_sizing: parameter '{name}' is required"):
        size_plan(2, **kwargs)


def test_unknown_keyword():
    with pytest.raises(SizingError, match=r"wsgi_sizing: unknown parameter\(s\) 'latency'"):
        size_plan(2, latency=200, **GOOD)


def test_free_threading_needs_mod_wsgi_6():
    with pytest.raises(SizingError, match=r"free_threading.*mod_wsgi_version >= 6\.0"):
        size_plan(2, free_threading=True, **GOOD)


def test_absurd_load_is_refused():
    with pytest.raises(SizingError, match=r"target_rpm.*busy threads per host"):
        size_plan(2, target_rpm=1e12, latency_ms=200, cpu_ms=5)


def test_numeric_strings_and_none_defaults_are_accepted():
    plan = size_plan(
        "2", target_rpm="9000", latency_ms="200", cpu_ms="5", memory_mb=None, process_rss_mb=None
    )
    # The io_9k reference plan.
    assert (plan["processes"], plan["threads"]) == (2, 24)
    assert size_plan("2", headroom="0.2", **GOOD)["threads"] == 24
    assert plan["inputs"]["process_rss_mb"] == 150.0


# ---------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------

loads = st.fixed_dictionaries(
    {
        "vcpus": st.integers(1, 64),
        "target_rpm": st.floats(10, 60000),
        "latency_ms": st.floats(5, 2000),
        "cpu_share": st.floats(0.005, 1.0),
        "hosts": st.integers(1, 4),
        "slo_percentile": st.sampled_from([90, 95, 99, 99.9]),
        "slo_wait_ms": st.sampled_from([0, 5, 10, 50]),
    }
)


def _plan(d, rpm=None, **extra):
    return size_plan(
        d["vcpus"],
        target_rpm=rpm or d["target_rpm"],
        latency_ms=d["latency_ms"],
        cpu_ms=d["latency_ms"] * d["cpu_share"],
        hosts=d["hosts"],
        slo_percentile=d["slo_percentile"],
        slo_wait_ms=d["slo_wait_ms"],
        **extra,
    )


def _rpm_at_gil_jump(d, processes):
    """fleet rpm at which the GIL term asks for processes + 1 (P jumps there)."""
    return processes * 0.5 * 60.0 * d["hosts"] / (d["latency_ms"] * d["cpu_share"] / 1000.0)


cpu_heavy = st.fixed_dictionaries(
    {
        "vcpus": st.just(1000),
        "target_rpm": st.floats(10, 60000),
        "latency_ms": st.floats(5, 2000),
        "cpu_share": st.floats(0.02, 1.0),
        "hosts": st.integers(1, 4),
        "slo_percentile": st.sampled_from([90, 95, 99, 99.9]),
        "slo_wait_ms": st.sampled_from([0, 5, 10, 50]),
    }
)

#: rpm2 / rpm1: the next float, just past a P jump, and well past it.
factors = st.one_of(
    st.just(None), st.sampled_from([1 + 1e-9, 1 + 1e-6, 1.001, 1.01]), st.floats(1.0, 3.0)
)


def _check_monotone(d, rpm1, factor, **extra):
    rpm2 = math.nextafter(rpm1, math.inf) if factor is None else rpm1 * factor
    low = _plan(d, rpm=rpm1, **extra)
    high = _plan(d, rpm=rpm2, **extra)
    if "memory" in (low["binding"], high["binding"]):
        return  # documented: cutting processes for memory can lower total threads
    assert high["total_threads"] >= low["total_threads"], (rpm1, rpm2, low["options"])
    assert high["threads_required"] >= low["threads_required"]
    assert high["processes"] >= low["processes"]


@given(d=loads, factor=factors)
@PROPS
def test_property_more_rpm_never_fewer_total_threads(d, factor):
    _check_monotone(d, d["target_rpm"], factor)


@given(d=cpu_heavy, jump=st.integers(2, 60), offset=st.sampled_from([-1, 0, 1]), factor=factors)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_property_more_rpm_never_fewer_total_threads_at_gil_jumps(d, jump, offset, factor):
    # rpm1 at (or one float either side of) a GIL-driven P jump, where rounding bites.
    rpm1 = _rpm_at_gil_jump(d, jump)
    if offset:
        rpm1 = math.nextafter(rpm1, offset * math.inf)
    assume(rpm1 / 60.0 / d["hosts"] * d["latency_ms"] / 1000.0 < 20000)
    _check_monotone(d, rpm1, factor)


@given(d=loads, factor=factors, memory=st.floats(300, 64000))
@PROPS
def test_property_more_rpm_never_fewer_total_threads_unless_memory_binds(d, factor, memory):
    _check_monotone(d, d["target_rpm"], factor, memory_mb=memory)


def _fewer_processes_rpm(d, rpm, processes):
    """Largest float rpm below ``rpm`` sized with fewer than ``processes`` processes."""
    low, high = 0.0, rpm
    while True:
        mid = low + (high - low) / 2.0
        if not low < mid < high:
            return low
        if _plan(d, rpm=mid)["processes"] < processes:
            low = mid
        else:
            high = mid


@given(d=cpu_heavy, jump=st.integers(2, 40), factor=st.floats(1.0, 1.5))
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_property_threads_raised_minimally(d, jump, factor):
    plan = _plan(d, rpm=math.nextafter(_rpm_at_gil_jump(d, jump), math.inf) * factor)
    p, t, n = plan["processes"], plan["threads"], plan["threads_required"]
    floor = plan["capacity_floor"]
    assert t >= math.ceil(n / p)
    assert t <= plan["thread_cap"]
    # Measured: at most 2 threads per process above ceil(N / P) (docs/sizing.md).
    assert p * t <= p * math.ceil(n / p) + 2 * p
    if floor is None:
        assert t == math.ceil(n / p)
        return
    assert plan["binding"] in ("gil", "cpu")
    assert t > math.ceil(n / p)
    # The floor is the final plan of the last rpm with fewer processes, and one thread
    # per process less would fall below it.
    assert floor["processes"] < p
    assert floor["target_rpm"] == _fewer_processes_rpm(d, plan["inputs"]["target_rpm"], p)
    below = _plan(d, rpm=floor["target_rpm"])
    assert (below["processes"], below["threads"]) == (floor["processes"], floor["threads"])
    assert floor["total_threads"] == floor["processes"] * floor["threads"] <= p * t
    assert p * (t - 1) < floor["total_threads"]
    assert any(r.startswith(f"Threads are raised to {t} ") for r in plan["reasons"])


def _held_s(d, plan, cores):
    """The oracle's time a request of ``plan`` holds a thread with ``cores`` of CPU busy."""
    rps = d["target_rpm"] / 60.0 / d["hosts"]
    cpu_s = d["latency_ms"] * d["cpu_share"] / 1000.0
    gil = rps * cpu_s / plan["processes"]
    return held_s(d["latency_ms"] / 1000.0, cpu_s, gil, cores, d["vcpus"])


@given(d=loads)
@PROPS
def test_property_feasible_plan_meets_targets(d):
    plan = _plan(d)
    inp = plan["inputs"]
    rps = d["target_rpm"] / 60.0 / d["hosts"]
    cores = rps * (inp["cpu_ms"] / 1000.0 + OVERHEAD_S)
    # The figures are at the host's real CPU load: the oracle's W_eff, and Little's law
    # busy threads = lambda * W_eff; none when the GIL or the CPUs saturate (always when
    # the CPU load reaches the vCPUs).
    held = _held_s(d, plan, cores)
    if cores >= d["vcpus"]:
        assert held is None
    if held is None:
        for key in ("effective_latency_ms", "busy_threads", "thread_utilization"):
            assert plan[key] is None, key
        assert plan["predicted_queue_wait_ms"] is None
        assert plan["feasible"] is False
    else:
        assert plan["effective_latency_ms"] == pytest.approx(1000.0 * held, rel=1e-9)
        assert plan["busy_threads"] == pytest.approx(rps * held, rel=1e-9)
        assert plan["thread_utilization"] == pytest.approx(
            plan["busy_threads"] / plan["total_threads"], rel=1e-3, abs=1e-6
        )
    assert plan["threads"] <= plan["thread_cap"]
    assert plan["total_threads"] >= plan["threads_required"]
    assert plan["processes"] >= inp["min_processes"]
    assert plan["max_request_workers"] == math.ceil(1.5 * plan["total_threads"] - 1e-9) + 10
    if plan["feasible"]:
        alpha = 1 - inp["slo_percentile"] / 100
        per_host_rpm = inp["target_rpm"] / inp["hosts"]
        assert plan["capacity_rpm"] >= per_host_rpm * 0.9999
        assert plan["predicted_slo_violation_probability"] <= alpha + 1e-6
        # The SLO holds with 1.2 x the busy threads (the CPU load is within cpu_target).
        tail = headroom_tail(
            rps,
            held,
            plan["total_threads"],
            d["latency_ms"] / 1000.0,
            inp["cpu_ms"] / 1000.0,
            d["vcpus"],
            wait_s=d["slo_wait_ms"] / 1000,
        )
        assert tail <= alpha + 1e-6
        assert plan["cpu_utilization"] <= inp["cpu_target"] + 1e-9
        assert plan["gil_utilization"] <= inp["gil_target"] + 1e-9
        assert plan["thread_utilization"] < 1.0
        assert plan["vcpus_needed"] is None
        assert plan["hosts_needed"] <= inp["hosts"]
    else:
        assert plan["problems"] and all(p["message"] in plan["reasons"] for p in plan["problems"])
        if plan["binding"] == "cpu":
            assert plan["vcpus_needed"] > d["vcpus"]
            assert plan["hosts_needed"] > inp["hosts"]


@given(d=loads, memory=st.floats(300, 64000))
@PROPS
def test_property_memory_respected(d, memory):
    plan = _plan(d, memory_mb=memory)
    if plan["feasible"]:
        assert plan["memory_mb"] <= plan["memory_budget_mb"] + 1e-6
        assert plan["gil_utilization"] < 1.0
        assert plan["predicted_slo_violation_probability"] <= 1 - d["slo_percentile"] / 100 + 1e-6


# ---------------------------------------------------------------------------
# Host plan
# ---------------------------------------------------------------------------

DEFAULTS = {"target_rpm": 3000, "latency_ms": 100, "cpu_ms": 5, "process_rss_mb": 150}


def test_host_plan_two_apps():
    apps = [
        {"name": "shop", "target_rpm": 6000, "latency_ms": 150, "cpu_ms": 10, "script": "/x"},
        {"name": "admin", "target_rpm": 300, "options": {"processes": 9}},
    ]
    plan = host_plan(apps, vcpus=4, memory_mb=2048, defaults=DEFAULTS, mod_wsgi_version="4.9")
    assert plan["feasible"] is True
    assert set(plan["apps"]) == {"shop", "admin"}
    assert plan["apps"]["admin"]["inputs"]["latency_ms"] == 100
    # With room to spare, each app is what it would be alone on the host: the other's CPU
    # (0.03 or 1.1 cores of 4 vCPUs) stretches its CPU time a little, not enough to change
    # its size.
    shop = size_plan(4, target_rpm=6000, latency_ms=150, cpu_ms=10)
    admin = size_plan(4, target_rpm=300, latency_ms=100, cpu_ms=5)
    for name, alone in (("shop", shop), ("admin", admin)):
        assert (plan["apps"][name]["processes"], plan["apps"][name]["threads"]) == (
            alone["processes"],
            alone["threads"],
        )
        assert plan["apps"][name]["effective_latency_ms"] > alone["effective_latency_ms"]
    total = shop["processes"] * shop["threads"] + admin["processes"] * admin["threads"]
    assert plan["total_threads"] == total
    assert plan["max_request_workers"] == math.ceil(1.5 * total) + 10
    # shop: 1.13 cores, A = 0.63 on 4 vCPUs: s = 1.0012, 140 + 10 x 1.0012 / 0.4994 =
    # 160.05 ms; 100 req/s -> 16.0 busy, x 1.2 = 19.2 -> N = 27: 2 x 14. admin: 5 req/s x
    # 105.02 ms = 0.53 busy, x 1.2 = 0.63 -> N = 3: 2 x 2. 32 threads: MaxRequestWorkers
    # ceil(1.5 x 32) + 10 = 58, so every app keeps the backlog floor 100.
    assert (total, plan["max_request_workers"]) == (32, 58)
    assert plan["apps"]["shop"]["options"]["listen-backlog"] == 100
    assert plan["apps"]["admin"]["listen_backlog"] == 100


def test_host_plan_shares_the_backlog():
    # Two 2 x 24 apps (as io_9k: each sees 1.8 cores busy on 4 vCPUs, A = 1.3: s = 1.0177,
    # 195 + 5 x 1.0177 / 0.491 = 205.36 ms, 30.80 busy, x 1.2 = 36.96 -> N = 47): 96
    # threads, MaxRequestWorkers ceil(144) + 10 = 154 for every app.
    apps = [{"name": n, "target_rpm": 9000, "latency_ms": 200, "cpu_ms": 5} for n in "ab"]
    plan = host_plan(apps, vcpus=4)
    assert (plan["total_threads"], plan["max_request_workers"]) == (96, 154)
    assert [p["options"]["listen-backlog"] for p in plan["apps"].values()] == [154, 154]
    # Alone, each app would have kept 100.
    assert (
        size_plan(4, **{k: v for k, v in apps[0].items() if k != "name"})["listen_backlog"] == 100
    )


def test_host_plan_cpu_is_shared():
    # Each app alone fits 2 vCPUs at 70 %; together they do not.
    apps = [{"name": "a", "target_rpm": 8000}, {"name": "b", "target_rpm": 8000}]
    plan = host_plan(apps, vcpus=2, defaults={"latency_ms": 100, "cpu_ms": 5})
    assert all(p["feasible"] for p in plan["apps"].values())
    assert plan["feasible"] is False
    assert plan["vcpus_needed"] == 3
    assert "'a'" in plan["reasons"][0] and "'b'" in plan["reasons"][0]


def test_host_plan_memory_shrinks_then_fails():
    apps = [
        {"name": "heavy", "target_rpm": 9000, "latency_ms": 200, "cpu_ms": 50},
        {"name": "light", "target_rpm": 600, "latency_ms": 100, "cpu_ms": 5},
    ]
    # headroom=0: heavy's 15 x 4 carries N = 50 and can lose one process (as in
    # test_memory_shrinks_processes_below_gil_target); with the default headroom N = 62 and
    # 16 processes of 4 are the fewest.
    roomy = host_plan(apps, vcpus=16, headroom=0)
    need = roomy["memory_mb"]
    assert roomy["apps"]["heavy"]["processes"] == 15
    tight = host_plan(apps, vcpus=16, memory_mb=(need - 158 + 256) / 0.8, headroom=0)
    assert tight["feasible"] is True
    assert tight["memory_mb"] <= tight["memory_budget_mb"]
    assert tight["apps"]["heavy"]["processes"] < 15
    assert tight["apps"]["heavy"]["binding"] == "memory"
    assert any("'heavy' was cut" in r for r in tight["reasons"])
    short = host_plan(apps, vcpus=16, memory_mb=(need - 1500 + 256) / 0.8, headroom=0)
    assert short["feasible"] is False
    assert any("'heavy'" in r and "'light'" in r and "budget" in r for r in short["reasons"])


def test_host_plan_apps_wait_for_each_others_cpu():
    apps = [
        {"name": "a", "target_rpm": 600, "latency_ms": 100, "cpu_ms": 19},
        {"name": "b", "target_rpm": 1200, "latency_ms": 50, "cpu_ms": 4},
    ]
    plan = host_plan(apps, vcpus=1)
    assert plan["feasible"] is True
    # One vCPU: a burst of C takes C / (1 - L), L the host's CPU load, whatever the GILs.
    # a: 10 req/s x 20 ms = 0.2 cores, b: 20 x 5 ms = 0.1; together 0.3.
    # a: 81 + 19 / (1 - 0.3) = 108.14 ms (alone 81 + 19 / 0.8 = 104.75 ms);
    # b: 46 + 4 / (1 - 0.3) = 51.71 ms (alone 46 + 4 / 0.9 = 50.44 ms).
    a, b = plan["apps"]["a"], plan["apps"]["b"]
    assert a["effective_latency_ms"] == pytest.approx(81 + 19 / 0.7)
    assert b["effective_latency_ms"] == pytest.approx(46 + 4 / 0.7)
    assert size_plan(1, target_rpm=600, latency_ms=100, cpu_ms=19)[
        "effective_latency_ms"
    ] == pytest.approx(81 + 19 / 0.8)
    assert size_plan(1, target_rpm=1200, latency_ms=50, cpu_ms=4)[
        "effective_latency_ms"
    ] == pytest.approx(46 + 4 / 0.9)


def test_host_plan_app_infeasible_is_named():
    apps = [{"name": "cruncher", "target_rpm": 9000, "latency_ms": 200, "cpu_ms": 50}]
    plan = host_plan(apps, vcpus=2)
    assert plan["feasible"] is False
    assert any(r.startswith("App 'cruncher' is infeasible") for r in plan["reasons"])


def test_host_plan_empty():
    plan = host_plan([], vcpus=2)
    assert plan["feasible"] is True
    assert plan["apps"] == {} and plan["total_threads"] == 0 and plan["max_request_workers"] == 0


@pytest.mark.parametrize(
    ("apps", "kwargs", "needle"),
    [
        ("shop", {}, "apps got 'shop'"),
        ({"name": "a"}, {}, "apps got {'name': 'a'}"),
        (None, {}, "apps got None"),
        (["a"], {}, "apps[0] got 'a'"),
        ([{"target_rpm": 5}], {}, "apps[0].name got None"),
        ([{"name": ""}], {}, "apps[0].name got ''"),
        ([{"name": 3}], {}, "apps[0].name got 3"),
        (
            [{"name": "a"}, {"name": "a"}],
            {},
            "apps[1] (a).name got 'a' (str); expected a name not used by apps[0] (a)",
        ),
        ([{"name": "a"}], {"vcpus": 0}, "parameter 'vcpus (ansible_processor_vcpus)' got 0"),
        ([{"name": "a"}], {"vcpus": None}, "got None"),
        ([{"name": "a"}], {"defaults": "x"}, "parameter 'defaults' got 'x'"),
        ([{"name": "a"}], {"defaults": {"color": 1}}, "'defaults' has unknown key(s) 'color'"),
        ([{"name": "a"}], {"target_rpm": 9}, "unknown parameter(s) 'target_rpm'"),
        ([{"name": "a"}], {"cpu_target": "x"}, "parameter 'cpu_target' got 'x'"),
        ([{"name": "a"}], {"memory_mb": -1}, "parameter 'memory_mb' got -1"),
        (
            [{"name": "a"}],
            {},
            "apps[0] (a).target_rpm is required; set it in the app or in defaults",
        ),
        (
            [{"name": "a", "latency_ms": 10, "cpu_ms": 20}],
            {"defaults": {"target_rpm": 60}},
            "apps[0] (a).cpu_ms got 20 (int); expected a finite number > 0 and <= 10",
        ),
    ],
)
def test_host_plan_errors(apps, kwargs, needle):
    kwargs = dict({"vcpus": 2}, **kwargs)
    with pytest.raises(SizingError) as err:
        host_plan(apps, caller="wsgi_host_plan", **kwargs)
    assert str(err.value).startswith("wsgi_host_plan")
    assert needle in str(err.value)


app_strategy = st.fixed_dictionaries(
    {
        "target_rpm": st.floats(10, 8000),
        "latency_ms": st.floats(10, 1000),
        "cpu_share": st.floats(0.01, 0.6),
        "process_rss_mb": st.floats(50, 400),
    }
)


@given(
    apps=st.lists(app_strategy, min_size=1, max_size=4),
    vcpus=st.integers(1, 32),
    memory=st.one_of(st.none(), st.floats(512, 65536)),
)
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_property_host_plan_never_exceeds_host(apps, vcpus, memory):
    app_list = [
        {
            "name": f"app{i}",
            "target_rpm": a["target_rpm"],
            "latency_ms": a["latency_ms"],
            "cpu_ms": a["latency_ms"] * a["cpu_share"],
            "process_rss_mb": a["process_rss_mb"],
        }
        for i, a in enumerate(apps)
    ]
    plan = host_plan(app_list, vcpus=vcpus, memory_mb=memory)
    # Memory and CPU worked out from the inputs and each app's size, not read back.
    daemons_mb = sum(
        plan["apps"][a["name"]]["processes"]
        * (a["process_rss_mb"] + plan["apps"][a["name"]]["threads"] * 2.0)
        for a in app_list
    )
    cores = sum(a["target_rpm"] / 60.0 * (a["cpu_ms"] + 1.0) / 1000.0 for a in app_list)
    assert plan["memory_mb"] == pytest.approx(daemons_mb, abs=0.1 * len(app_list))
    assert plan["cpu_cores_needed"] == pytest.approx(cores, rel=1e-6, abs=1e-4)
    # Each app's CPU bursts wait for the CPU of all the apps (the oracle's W_eff).
    for a in app_list:
        app = plan["apps"][a["name"]]
        rps, cpu_s = a["target_rpm"] / 60.0, a["cpu_ms"] / 1000.0
        held = held_s(a["latency_ms"] / 1000.0, cpu_s, rps * cpu_s / app["processes"], cores, vcpus)
        if held is None:
            assert app["effective_latency_ms"] is None
        else:
            assert app["effective_latency_ms"] == pytest.approx(1000.0 * held, rel=1e-9)
    if plan["feasible"]:
        assert cores <= 0.7 * vcpus + 1e-6
        if memory is not None:
            assert daemons_mb <= memory * 0.8 - 256 + 1e-6
        for app in plan["apps"].values():
            assert app["threads"] <= app["thread_cap"]
            assert app["predicted_slo_violation_probability"] <= 0.05 + 1e-6
            assert app["gil_utilization"] < 1.0
    else:
        assert plan["reasons"]


@pytest.mark.parametrize(
    ("latency_ms", "expected"),
    [(1, 5), (100, 5), (500, 5), (501, 6), (2000, 20), (12345, 124)],
)
def test_drain_timeouts_cover_ten_times_the_latency(latency_ms, expected):
    plan = size_plan(8, target_rpm=60, latency_ms=latency_ms, cpu_ms=min(1, latency_ms))
    assert plan["shutdown_timeout"] == plan["graceful_timeout"] == expected
    assert plan["options"]["shutdown-timeout"] == plan["options"]["graceful-timeout"] == expected


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"latency_ms": 100}, 65),  # request-timeout fires after ~60 s: 5 s later
        ({"latency_ms": 100, "hang_timeout_s": 0}, 60),  # no request-timeout: the floor
        ({"latency_ms": 9000, "hang_timeout_s": 0}, 90),  # 10 x latency
        ({"latency_ms": 100, "hang_timeout_s": 200}, 205),
    ],
)
def test_socket_timeout_outlasts_the_hang_restart(kwargs, expected):
    plan = size_plan(8, target_rpm=60, cpu_ms=1, **kwargs)
    assert plan["socket_timeout"] == plan["options"]["socket-timeout"] == expected
    if plan["effective_request_timeout_s"]:
        assert plan["socket_timeout"] >= plan["effective_request_timeout_s"] + 5
