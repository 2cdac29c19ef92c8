# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tests of the capacity benchmark's pure parts: matrix, criteria, comparisons, sweep.

The figures of a run are computed from a real capture (tests/fixtures/capacity,
written by ``benchmarks/capacity/bench.py --fixtures``): 2 x 3 threads, 5 ms CPU and
10 ms constant I/O per request, 40 rps Poisson for 5 s, on a host busy with other
jobs (hence the long queue).
"""

from __future__ import annotations

import json
import math
import random
import sys
from pathlib import Path
from wsgiref.util import setup_testing_defaults

import pytest
from hypothesis import given
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "benchmarks" / "capacity"))
sys.path.insert(0, str(ROOT / "tests" / "load"))
import analysis  # noqa: E402
import matrix  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "capacity"


def fixture_records() -> list:
    text = (FIXTURES / "run.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def fixture_run(excess_ms: float = 0.5) -> dict:
    started = json.loads((FIXTURES / "run.json").read_text(encoding="utf-8"))["started"]
    return analysis.run_figures(fixture_records(), started, 5.0, excess_ms)


def run_with(**changes) -> dict:
    """A run that passes every criterion, with some figures changed."""
    run = {
        "offered_rps": 100.0,
        "achieved_rps": 100.0,
        "throughput_rps": 100.0,
        "error_ratio": 0.0,
        "queue_ms": {"p95": 1.0},
        "latency_ms": {"p95": 230.0},
        "app_ms": {"p95": 220.0},
        "own": {"p95_ms": 200.0},
    }
    for key, value in changes.items():
        if isinstance(value, dict):
            run[key] = {**run.get(key, {}), **value}
        else:
            run[key] = value
    return run


# ---------------------------------------------------------------- matrix


def test_targets_are_the_issue_targets_scaled_to_one_vcpu():
    """Half the 2-vCPU targets; the -over profiles keep them whole (an overload)."""
    targets = {p.name: p.target_rpm for p in matrix.PROFILES}
    assert targets == {
        "io": 4500.0,
        "io-high": 9000.0,
        "mixed": 3000.0,
        "cpu": 750.0,
        "mixed-over": 6000.0,
        "cpu-over": 1500.0,
    }


@pytest.mark.parametrize(
    ("vcpus", "sizes"),
    [
        (1, ["1x30", "1x5", "1x15", "3x1", "2x1"]),
        (2, ["2x30", "1x5", "1x15", "5x1", "4x1"]),
        (12, ["12x30", "1x5", "1x15", "25x1", "16x1"]),
    ],
)
def test_rules_of_thumb_for_n_vcpus(vcpus, sizes):
    """n x 30, 1 x 5, 1 x 15, (2n + 1) x 1, min(2n, 16) x 1."""
    assert [c.size for c in matrix.rule_configs(vcpus)] == sizes


def test_profiles_of_one_app_share_its_calibration_key():
    assert matrix.profile("io").app == matrix.profile("io-high").app == "cpu1-io199"
    assert matrix.profile("mixed").app != matrix.profile("cpu").app
    with pytest.raises(KeyError, match="no profile 'nope'"):
        matrix.profile("nope")


def test_extra_profiles_are_named_but_not_in_the_default_matrix():
    assert matrix.profile("cpu-light").target_rpm == 600.0
    assert matrix.profile("cpu-light").app == matrix.profile("cpu").app
    assert "cpu-light" not in {p.name for p in matrix.PROFILES}


# ---------------------------------------------------------------- figures of a real run


def test_run_figures_of_a_real_capture():
    """Counts, offered rate over the span, and the own time of cpu + io + excess."""
    run = fixture_run(excess_ms=0.5)
    assert run["requests"] == run["ok"] == 211
    assert run["offered_rps"] == pytest.approx(211 / 5.0)
    assert run["error_ratio"] == 0.0
    # 5 ms of thread CPU (within 0.02 ms) + 10 ms constant I/O + 0.5 ms excess.
    assert run["own"]["p95_ms"] == pytest.approx(15.5, abs=0.03)
    assert run["own"]["cv"] < 0.01


def test_throughput_counts_answers_by_when_they_finished():
    """Under this backlog many answers finished after the 5 s window: throughput is
    below the achieved rate, which counts requests by their scheduled time."""
    records = fixture_records()
    started = json.loads((FIXTURES / "run.json").read_text(encoding="utf-8"))["started"]
    late = sum(1 for r in records if r["end"] > started + 5.0)
    assert late > 0
    run = fixture_run()
    assert run["throughput_rps"] == pytest.approx((211 - late) / 5.0)
    assert run["throughput_rps"] < run["achieved_rps"]


def test_own_time_ignores_failed_requests():
    records = [
        {"cpu_ms": 1.0, "io_ms": 10.0},
        {"cpu_ms": 1.0, "io_ms": 1000.0, "error": "http_504"},
        {"error": "timeout"},
    ]
    own = analysis.service_figures(records, 0.0)
    assert own["count"] == 1
    assert own["p95_ms"] == 11.0
    assert analysis.service_figures([{"error": "refused"}], 0.0)["p95_ms"] is None


# ---------------------------------------------------------------- pass criteria


@pytest.mark.parametrize(
    ("changes", "failed"),
    [
        ({}, "pass"),
        ({"achieved_rps": 99.0}, "pass"),  # exactly 99 % of offered
        ({"achieved_rps": 98.9}, "achieved"),
        ({"error_ratio": 0.00099}, "pass"),
        ({"error_ratio": 0.001}, "errors"),  # 0.1 % is not below 0.1 %
        ({"queue_ms": {"p95": 9.99}}, "pass"),
        ({"queue_ms": {"p95": 10.0}}, "queue"),
        ({"latency_ms": {"p95": 240.0}}, "pass"),  # the app's p95 + 20 ms exactly
        ({"latency_ms": {"p95": 240.1}}, "latency"),
        ({"queue_ms": {"p95": None}}, "queue"),
        ({"app_ms": {"p95": None}}, "latency"),
        ({"own": {"p95_ms": 100.0}}, "pass"),  # time alone is shown, not judged
        ({"achieved_rps": 50.0, "queue_ms": {"p95": 50.0}}, "achieved, queue"),
    ],
)
def test_pass_criteria_boundaries(changes, failed):
    assert analysis.failed_checks(run_with(**changes)) == failed


# ---------------------------------------------------------------- model comparisons


@pytest.mark.parametrize(
    ("measured", "is_saturated", "predicted", "verdict"),
    [
        (20.0, False, 20.0, "within 2x"),
        (20.0, False, 10.0, "within 2x"),
        (20.0, False, 9.9, "optimistic"),
        (20.0, False, 40.0, "within 2x"),
        (20.0, False, 40.1, "pessimistic"),
        (20.0, False, 0.0, "optimistic"),
        (20.0, False, None, "pessimistic"),
        (3.0, False, 0.0, "below 5 ms"),
        (3.0, False, 9.0, "below 5 ms"),
        (3.0, False, 12.0, "pessimistic"),  # predicts an SLO miss that did not happen
        (5000.0, True, None, "saturated"),
        (5000.0, True, 300.0, "optimistic"),
    ],
)
def test_queue_verdicts(measured, is_saturated, predicted, verdict):
    assert analysis.compare_queue(measured, is_saturated, predicted)["verdict"] == verdict


def test_queue_ratio_is_predicted_over_measured():
    assert analysis.compare_queue(8.0, False, 12.0)["ratio"] == 1.5
    assert analysis.compare_queue(8.0, False, None)["ratio"] is None


@pytest.mark.parametrize(
    ("changes", "predicted", "expected"),
    [
        # Saturated: the measured capacity is the throughput (answers finished per s).
        ({"achieved_rps": 60.0, "throughput_rps": 50.0}, 50.0, ("=", 0.0, "within 10%")),
        ({"achieved_rps": 60.0, "throughput_rps": 50.0}, 60.0, ("=", 0.2, "optimistic")),
        ({"achieved_rps": 60.0, "throughput_rps": 50.0}, 40.0, ("=", -0.2, "pessimistic")),
        # Held: only a lower bound, the offered rate.
        ({}, 150.0, (">=", 0.5, "holds")),
        ({}, 80.0, (">=", -0.2, "pessimistic")),
    ],
)
def test_capacity_verdicts(changes, predicted, expected):
    result = analysis.compare_capacity(run_with(**changes), predicted)
    assert (result["bound"], result["error"], result["verdict"]) == expected


def test_the_model_sees_the_runs_size_at_the_offered_rate():
    """predict() evaluates the run's P x T: 1 x 5 cannot hold 150 rps of 200 ms."""
    inputs = {"latency_ms": 200.0, "cpu_ms": 1.0, "overhead_ms": 0.7, "mod_wsgi_version": "4.9"}
    small = analysis.predict({"offered_rps": 150.0, "processes": 1, "threads": 5}, 1, inputs)
    big = analysis.predict({"offered_rps": 150.0, "processes": 2, "threads": 25}, 1, inputs)
    assert small["queue_p95_ms"] is None
    assert small["capacity_rps"] == pytest.approx(5 / 0.2, rel=0.01)
    assert big["queue_p95_ms"] is not None
    assert big["capacity_rps"] > 150.0


# ---------------------------------------------------------------- the sweep


def brute_force(needs: dict, max_processes: int, max_threads: int):
    """Smallest total of the sizes that pass, by trying every one."""
    totals = [
        p * needs[p]
        for p in range(1, max_processes + 1)
        if needs.get(p) is not None and needs[p] <= max_threads
    ]
    return min(totals) if totals else None


@given(
    needs=st.dictionaries(
        st.integers(1, 6), st.one_of(st.none(), st.integers(1, 60)), min_size=1, max_size=6
    ),
    max_threads=st.integers(1, 64),
    slack=st.integers(0, 30),
)
def test_sweep_finds_the_smallest_passing_total(needs, max_threads, slack):
    """Against brute force, for any thresholds T >= needs[P] (None: P never passes),
    with any valid Little's-law bound (at most the true minimum total)."""
    totals = [p * t for p, t in needs.items() if t is not None]
    min_total = max(1, (min(totals) if totals else 1) - slack)
    calls = []

    def passes(processes, threads):
        calls.append((processes, threads))
        need = needs.get(processes)
        return need is not None and threads >= need

    found = analysis.sweep(passes, min_total, 6, max_threads)
    expected = brute_force(needs, 6, max_threads)
    if expected is None:
        assert found["best"] is None
    else:
        best = found["best"]
        assert best["total"] == expected == best["processes"] * best["threads"]
        assert best["threads"] >= needs[best["processes"]]
    assert len(calls) == len(set(calls)), "a size was measured twice"
    assert all(t >= math.ceil(min_total / p) for p, t in calls)
    assert [(t["processes"], t["threads"]) for t in found["trials"]] == calls


def test_sweep_stops_searching_sizes_that_cannot_beat_the_best():
    """Once 1 x 10 passed, 2 x 5 is the largest two-process size worth a trial."""
    tried = []

    def passes(processes, threads):
        tried.append((processes, threads))
        return processes * threads >= 10

    found = analysis.sweep(passes, 10, 3, 40)
    assert found["best"] == {"processes": 1, "threads": 10, "total": 10}
    assert all(p * t < 10 for p, t in tried if p > 1)


@pytest.mark.parametrize(
    ("plan_total", "best_total", "ratio", "passed"),
    [(40, 32, 1.25, True), (41, 32, 1.281, False), (20, 30, 0.667, True)],
)
def test_plan_against_the_swept_minimum(plan_total, best_total, ratio, passed):
    best = {"processes": 1, "threads": best_total, "total": best_total}
    assert analysis.plan_against_sweep(plan_total, best) == {"ratio": ratio, "pass": passed}
    assert analysis.plan_against_sweep(plan_total, None) == {"ratio": None, "pass": None}


# ---------------------------------------------------------------- disturbance


@pytest.mark.parametrize(
    ("load", "foreign", "expected"),
    [(0.4, 0.0, False), (1.5, 0.0, True), (0.4, 5.0, False), (0.4, 5.1, True)],
)
def test_disturbed_by_load_or_foreign_cpu(load, foreign, expected):
    run = {"host": {"loadavg_start": load, "foreign_cpu_pct": {"server": foreign}}}
    assert analysis.disturbed(run, 1.5, 5.0) is expected


def test_the_model_is_fed_the_service_times_the_run_drew():
    """A run whose draws averaged 208 ms is predicted with 208 ms, not the calibrated 200."""
    inputs = {"latency_ms": 200.0, "cpu_ms": 1.0, "overhead_ms": 1.0, "mod_wsgi_version": "4.9"}
    drawn = {"offered_rps": 73.2, "processes": 1, "threads": 22, "own": {"mean_ms": 208.1}}
    assert analysis.run_inputs(drawn, inputs)["latency_ms"] == 208.1
    assert inputs["latency_ms"] == 200.0  # the calibration is not changed
    as_drawn = analysis.predict(drawn, 1, inputs)["queue_p95_ms"]
    calibrated = analysis.predict(dict(drawn, own={"mean_ms": None}), 1, inputs)["queue_p95_ms"]
    # 4 % more time per request on the knee of 22 threads: several times the wait.
    assert as_drawn > 3 * calibrated
    assert analysis.run_inputs({"offered_rps": 1.0}, inputs) == inputs


# ---------------------------------------------------------------- the pool, simulated


def test_network_without_cpu_is_a_first_come_first_served_pool():
    """Three requests at once on two threads: the third waits for the first to end; a
    later one finds the other thread idle. Processes share one pool."""
    arrivals, cpu, io = [0.0, 0.0, 0.0, 1.5], [0.0] * 4, [1.0, 2.0, 1.0, 1.0]
    assert analysis.network_waits(arrivals, cpu, io, 1, 2) == [0.0, 0.0, 1.0, 0.5]
    assert analysis.network_waits(arrivals, cpu, io, 2, 1) == [0.0, 0.0, 1.0, 0.5]


def test_bursts_share_a_cpu_and_a_process_never_uses_two():
    """Two 0.1-s bursts at once on one CPU both end at 0.2 s (then 0.2 s of I/O): the
    third request gets a thread at 0.4 s. On two CPUs two processes end them at 0.1 s;
    two threads of one process still share its GIL."""
    arrivals, cpu, io = [0.0, 0.0, 0.0, 0.5], [0.1] * 4, [0.2] * 4
    assert analysis.network_waits(arrivals, cpu, io, 1, 2, 1) == pytest.approx([0, 0, 0.4, 0])
    assert analysis.network_waits(arrivals, cpu, io, 2, 1, 2) == pytest.approx([0, 0, 0.3, 0])
    assert analysis.network_waits(arrivals, cpu, io, 1, 2, 2) == pytest.approx([0, 0, 0.4, 0])


def test_requests_take_the_processes_in_turn():
    """Four bursts on 2 x 2 threads and two CPUs: in turn, each process gets two, so
    each pair shares a CPU and all end at 0.2 s; the fifth request waits until then
    plus the I/O."""
    arrivals, cpu, io = [0.0] * 5, [0.1] * 5, [0.1] * 5
    waits = analysis.network_waits(arrivals, cpu, io, 2, 2, 2)
    assert waits == pytest.approx([0, 0, 0, 0, 0.3])


@given(
    st.lists(
        st.tuples(st.floats(0.0, 5.0), st.floats(0.0, 2.0), st.floats(0.0, 5.0)),
        min_size=1,
        max_size=40,
    )
)
def test_one_thread_is_lindleys_recursion(triples):
    """With one thread nothing shares the CPU: wait(n+1) = max(0, wait(n) + cpu(n) +
    io(n) - gap(n+1))."""
    arrivals, clock = [], 0.0
    for gap, _cpu, _io in triples:
        clock += gap
        arrivals.append(clock)
    cpu = [c for _gap, c, _io in triples]
    io = [i for _gap, _c, i in triples]
    waits = analysis.network_waits(arrivals, cpu, io, 1, 1)
    expected = [0.0]
    for n in range(1, len(triples)):
        hold = cpu[n - 1] + io[n - 1]
        expected.append(max(0.0, expected[-1] + hold - (arrivals[n] - arrivals[n - 1])))
    assert waits == pytest.approx(expected, abs=1e-9)


def test_one_thread_without_io_is_m_d_1():
    """Poisson arrivals, one thread, a constant 10-ms burst and no I/O: M/D/1, whose
    mean wait is rho c / (2 (1 - rho)) (Pollaczek-Khinchine): 20 ms at rho = 0.8."""
    rng = random.Random(3)
    arrivals, clock = [], 0.0
    for _request in range(200_000):
        clock += rng.expovariate(80.0)
        arrivals.append(clock)
    waits = analysis.network_waits(arrivals, [0.01] * len(arrivals), [0.0] * len(arrivals), 1, 1)
    assert sum(waits) / len(waits) == pytest.approx(0.8 * 0.01 / (2 * 0.2), rel=0.1)


def test_run_requests_are_the_arrivals_the_generator_sent():
    """The seeded schedule, computed again, is the capture's: same count, same times."""
    records = fixture_records()
    started = json.loads((FIXTURES / "run.json").read_text(encoding="utf-8"))["started"]
    run = {"rate": 40.0, "duration_s": 5.0, "arrivals": "poisson", "seed": 1, "io_ms": 10.0}
    offsets, draws = analysis.run_requests(run, "const", 1.0)
    assert len(offsets) == len(records)
    for record in records:
        assert offsets[record["i"]] == pytest.approx(record["sched"] - started, abs=1e-5)
        assert draws[record["i"]] == record["io_ms"]
    other = analysis.run_requests(dict(run, seed=2), "const", 1.0)[0]
    assert other[:5] != offsets[:5]


def _drawn_by_app(app, dist: str, index: int) -> float:
    """The I/O time (ms) the calibrated app draws for request rid=index."""
    headers: dict = {}
    environ = {"QUERY_STRING": f"io_ms=0.2&io_dist={dist}&io_sigma=1&rid={index}"}
    setup_testing_defaults(environ)
    b"".join(app.application(environ, lambda _status, h: headers.update(h)))
    return float(headers["X-Calib-Io-Ms"])


@pytest.mark.parametrize("dist", ["exp", "lognormal"])
def test_run_requests_draw_what_the_app_draws_for_each_rid(dist):
    """Request i draws, in the benchmark's replay, the I/O time the calibrated app drew
    when it served rid=i (its X-Calib-Io-Ms header)."""
    app = analysis.calibrated_app
    run = {"rate": 50.0, "duration_s": 1.0, "arrivals": "poisson", "io_ms": 0.2}
    offsets, draws = analysis.run_requests(run, dist, 1.0)
    for index in (0, 3, len(offsets) - 1):
        assert _drawn_by_app(app, dist, index) == pytest.approx(draws[index], abs=1e-3)


def replayed_run(**changes) -> dict:
    """The fixture capture's requests (40 rps Poisson for 5 s, 10 ms of I/O) on 2 x 3."""
    replayed = {"rate": 40.0, "duration_s": 5.0, "arrivals": "poisson", "seed": 1,
                "io_ms": 10.0, "processes": 2, "threads": 3, "offered_rps": 42.2,
                "own": {"mean_ms": 15.5}, "prediction": {"queue_p95_ms": 1.0}}  # fmt: skip
    return run_with(**{**replayed, **changes})


INPUTS = {"cpu_ms": 5.0, "overhead_ms": 1.0, "latency_ms": 15.0}


def test_replay_runs_the_runs_requests_through_its_threads():
    """The run's 211 requests through its 6 threads queue little; through one thread a
    lot; with the CPU on one vCPU more than on six."""
    result = analysis.replay(replayed_run(), INPUTS, 1, "const", 1.0)
    assert result["requests"] == 211
    assert result["queue_p95_ms"] < 1.0
    one = analysis.replay(replayed_run(processes=1, threads=1), INPUTS, 1, "const", 1.0)
    assert one["queue_p95_ms"] > 10.0
    heavy = dict(INPUTS, cpu_ms=20.0)
    shared = analysis.replay(replayed_run(own={"mean_ms": 30.5}), heavy, 1, "const", 1.0)
    spread = analysis.replay(replayed_run(own={"mean_ms": 30.5}), heavy, 6, "const", 1.0)
    assert shared["queue_p95_ms"] > spread["queue_p95_ms"]
    assert analysis.replay(replayed_run(duration_s=0.001), INPUTS, 1, "const", 1.0) is None


def test_simulated_pool_holds_cpu_then_io_and_the_apps_excess():
    """CPU burst = cpu_ms + overhead_ms; I/O = the mean draw plus the own time above CPU
    and draw."""
    pool = analysis._pool(replayed_run(), INPUTS, 1, 10.0, "exp", 1.0)
    assert (pool["processes"], pool["threads"], pool["cpus"]) == (2, 3, 1)
    assert (pool["cpu_ms"], pool["io_ms"]) == (6.0, 10.0)
    assert pool["extra_ms"] == pytest.approx(0.5)


def test_window_spread_long_run_is_erlang_c():
    """Poisson arrivals and exponential holds on c threads are M/M/c: the long run's
    p95 is Erlang C's, ln(C / 0.05) / (c mu - lambda), and one window of 20 s lands
    anywhere from none to three times it (the knee of the io profile)."""
    rate, mean_ms, threads = 73.2, 208.3, 22
    pool = {"processes": 2, "threads": threads // 2, "cpus": 1, "cpu_ms": 0.0,
            "io_ms": mean_ms, "extra_ms": 0.0, "dist": "exp", "sigma": 1.0}  # fmt: skip
    spread = analysis.window_spread(rate, pool, 20.0, windows=200)
    load = rate * mean_ms / 1000.0
    exact = (
        1000.0
        * math.log(analysis.sizing.erlang_c(threads, load) / 0.05)
        / (threads * 1000.0 / mean_ms - rate)
    )
    assert spread["long_run_ms"] == pytest.approx(exact, rel=0.25)
    assert spread["p10_ms"] == 0.0
    assert spread["p90_ms"] > 2.0 * exact
    assert analysis.window_spread(rate, pool, 20.0, windows=200) == spread
    assert analysis.window_spread(rate, pool, 20.0, windows=200, seed=1) != spread
    assert analysis.window_spread(rate, pool, 20.0, 20, long_run=False)["long_run_ms"] is None


def test_model_window_is_the_runs_pool_at_the_offered_rate():
    """More CPU per request, more queue; no long run where the model says unstable."""
    light = analysis.model_window(replayed_run(), INPUTS, 1, "const", 1.0, 20)
    heavy = analysis.model_window(
        replayed_run(own={"mean_ms": 130.0}), dict(INPUTS, cpu_ms=20.0), 1, "const", 1.0, 20
    )
    assert light["p90_ms"] < heavy["p50_ms"]
    assert light["long_run_ms"] is not None
    unstable = replayed_run(prediction={"queue_p95_ms": None})
    assert analysis.model_window(unstable, INPUTS, 1, "const", 1.0, 20)["long_run_ms"] is None
