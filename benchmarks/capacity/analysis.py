# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The pure part of the capacity benchmark: figures, pass criteria, the model's
predictions against the measurements, and the sweep for the smallest P x T.

Nothing here starts a container; bench.py measures, this module judges, report.py
renders. Every function takes plain dicts (a run as stored in the results JSON) so
that a saved run can be judged again, e.g. after the model changed.
"""

from __future__ import annotations

import heapq
import importlib.machinery
import importlib.util
import math
import random
import sys
from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType

from ansible_collections.wsgiscale.mod_wsgi.plugins.plugin_utils import sizing

LOAD_DIR = Path(__file__).resolve().parents[2] / "tests" / "load"

#: Pass criteria at 100 % of the target (issue 9).
MIN_ACHIEVED = 0.99
MAX_ERRORS = 0.001
MAX_QUEUE_P95_MS = 10.0
MAX_CLIENT_OVER_APP_MS = 20.0
#: The plan's total threads may be at most this times the swept minimum.
MAX_PLAN_OVER_SWEPT = 1.25
#: Predicted queue-wait p95 within this factor of the measured one ...
MAX_QUEUE_FACTOR = 2.0
#: ... wherever the measured one is above this (ms).
QUEUE_COMPARED_ABOVE_MS = 5.0
#: Predicted capacity within this share of the measured one counts as agreeing.
CAPACITY_TOLERANCE = 0.10


def _load(name: str, path: Path) -> ModuleType:
    """Import a standalone script of tests/load as a module (once)."""
    if name in sys.modules:
        return sys.modules[name]
    loader = importlib.machinery.SourceFileLoader(name, str(path))
    spec = importlib.util.spec_from_loader(name, loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


loadgen = _load("loadgen", LOAD_DIR / "loadgen.py")
calibrated_app = _load("calibrated_app", LOAD_DIR / "calibrated_app.wsgi")


# ---------------------------------------------------------------- figures of a run


def service_figures(records: Iterable[dict], excess_ms: float) -> dict:
    """The app's own time of the successful requests: what they cost alone.

    Each request's own time is the CPU it burnt plus the I/O wait it drew (headers
    X-Calib-Cpu-Ms and X-Calib-Io-Ms) plus ``excess_ms``, the app time above cpu + io
    measured at concurrency 1. Returns the mean, p95 and coefficient of variation.
    """
    own = [
        r["cpu_ms"] + r["io_ms"] + excess_ms
        for r in records
        if "error" not in r and r.get("cpu_ms") is not None and r.get("io_ms") is not None
    ]
    if not own:
        return {"count": 0, "mean_ms": None, "p95_ms": None, "cv": None}
    mean = sum(own) / len(own)
    spread = math.sqrt(sum((x - mean) ** 2 for x in own) / len(own))
    return {
        "count": len(own),
        "mean_ms": round(mean, 3),
        "p95_ms": round(loadgen.percentile(own, 95), 3),
        "cv": round(spread / mean, 4) if mean > 0 else None,
    }


def throughput_rps(records: Iterable[dict], start: float, span_s: float) -> float:
    """Successful answers that *finished* within [start, start + span_s], per second.

    Under overload this is the rate the server sustains (its capacity); the
    achieved rate of loadgen counts answers by their scheduled time instead.
    """
    end = start + span_s
    done = sum(1 for r in records if "error" not in r and start <= r["end"] <= end)
    return round(done / span_s, 3)


def run_figures(records: list, start: float, span_s: float, excess_ms: float) -> dict:
    """Offered and achieved rates, errors and latencies of one measured run."""
    summary = loadgen.summarise(records, span_s=span_s)
    requests = summary["requests"]
    return {
        "requests": requests,
        "ok": summary["ok"],
        "failed": summary["failed"],
        "failed_by_kind": summary["failed_by_kind"],
        "error_ratio": round(summary["failed"] / requests, 6) if requests else None,
        "offered_rps": summary["offered_rps"],
        "achieved_rps": summary["achieved_rps"],
        "throughput_rps": throughput_rps(records, start, span_s),
        "latency_ms": summary["latency_ms"],
        "queue_ms": summary["queue_wait_ms"],
        "server_wait_ms": summary["server_wait_ms"],
        "app_ms": summary["app_ms"],
        "own": service_figures(records, excess_ms),
        "pids": len(summary["pids"]),
    }


# ---------------------------------------------------------------- pass criteria


def saturated(run: dict) -> bool:
    """The server did not keep up: achieved below 99 % of offered."""
    offered, achieved = run["offered_rps"], run["achieved_rps"]
    return bool(offered) and (achieved or 0.0) < MIN_ACHIEVED * offered


def checks(run: dict) -> dict:
    """The pass criteria of one run (each True or False) and ``pass``: all of them.

    ``latency`` compares the client's p95 with the app's own p95 in the same run
    (X-Calib-App-Ms, the app's time at that load, GIL and CPU waits included), so it
    bounds what Apache, mod_wsgi and the queue for a thread add.
    """
    queue_p95 = run["queue_ms"]["p95"]
    client_p95 = run["latency_ms"]["p95"]
    app_p95 = run["app_ms"]["p95"]
    result = {
        "achieved": not saturated(run),
        "errors": run["error_ratio"] is not None and run["error_ratio"] < MAX_ERRORS,
        "queue": queue_p95 is not None and queue_p95 < MAX_QUEUE_P95_MS,
        "latency": (
            client_p95 is not None
            and app_p95 is not None
            and client_p95 <= app_p95 + MAX_CLIENT_OVER_APP_MS
        ),
    }
    result["pass"] = all(result.values())
    return result


def failed_checks(run: dict) -> str:
    """The names of the failed criteria, or 'pass'."""
    result = checks(run)
    if result["pass"]:
        return "pass"
    return ", ".join(name for name, ok in result.items() if name != "pass" and not ok)


# ---------------------------------------------------------------- the model


def model_inputs(calibration: dict, app: str) -> dict:
    """The sizing keywords measured by the calibration for an app (cpu_ms, io_ms pair)."""
    measured = calibration["apps"][app]
    return {
        "latency_ms": measured["latency_ms"],
        "cpu_ms": measured["cpu_ms"],
        "overhead_ms": calibration["overhead_ms"],
        "mod_wsgi_version": calibration["mod_wsgi"],
    }


def plan_for(vcpus: int, target_rpm: float, inputs: dict) -> dict:
    """The auto-sized plan of wsgi_sizing for the measured inputs."""
    return sizing.size_plan(vcpus, target_rpm=target_rpm, **inputs)


def run_inputs(run: dict, inputs: dict) -> dict:
    """The model's inputs for one run: the calibrated ones, with ``latency_ms`` the mean
    of the service times the run drew (each request's CPU and I/O alone, without any
    wait: the ``own`` figure) when it has them.

    A 20-s run draws about a thousand service times, whose mean is a few percent off
    the distribution's; near the knee of the queue that alone doubles the wait, so the
    model is judged on the requests the run really offered.
    """
    own = run.get("own", {}).get("mean_ms")
    return dict(inputs, latency_ms=own) if own else dict(inputs)


def predict(run: dict, vcpus: int, inputs: dict) -> dict:
    """What the model says about a run: its P x T evaluated at the offered rate and the
    mean service time the run drew (run_inputs)."""
    plan = sizing.size_plan(
        vcpus,
        target_rpm=60.0 * run["offered_rps"],
        processes=run["processes"],
        threads=run["threads"],
        **run_inputs(run, inputs),
    )
    return {
        "queue_p95_ms": plan["predicted_queue_wait_ms"],
        "effective_latency_ms": plan["effective_latency_ms"],
        "capacity_rps": round(plan["capacity_rpm"] / 60.0, 3),
        "capacity_limit": plan["capacity_limit"],
        "feasible": plan["feasible"],
        "thread_utilization": plan["thread_utilization"],
        "gil_utilization": plan["gil_utilization"],
        "cpu_utilization": plan["cpu_utilization"],
    }


def compare_queue(measured_ms: float | None, is_saturated: bool, predicted_ms) -> dict:
    """Predicted against measured queue-wait p95.

    ``verdict``: ``saturated`` (both unbounded), ``within 2x``, ``optimistic`` (the
    model predicts less queueing, or a stable queue where the run saturated),
    ``pessimistic`` (more, or unbounded where the run held), ``below 5 ms`` (the
    measured value is too small to compare and the prediction agrees that the SLO
    holds). ``ratio`` is predicted / measured where both are finite and measured > 0.
    """
    ratio = None
    if predicted_ms is not None and measured_ms:
        ratio = round(predicted_ms / measured_ms, 3)
    if is_saturated:
        verdict = "saturated" if predicted_ms is None else "optimistic"
    elif predicted_ms is None:
        verdict = "pessimistic"
    elif measured_ms is None or measured_ms <= QUEUE_COMPARED_ABOVE_MS:
        verdict = "pessimistic" if predicted_ms >= MAX_QUEUE_P95_MS else "below 5 ms"
    elif ratio < 1.0 / MAX_QUEUE_FACTOR:
        verdict = "optimistic"
    elif ratio > MAX_QUEUE_FACTOR:
        verdict = "pessimistic"
    else:
        verdict = "within 2x"
    return {"ratio": ratio, "verdict": verdict}


def compare_capacity(run: dict, predicted_rps: float) -> dict:
    """Predicted capacity against the measured one.

    A saturated run measured its capacity (the rate it finished requests at):
    ``error`` = predicted / measured - 1, ``optimistic`` above +10 %, ``pessimistic``
    below -10 %. A run that held measured only a lower bound, the offered rate: the
    model is ``pessimistic`` when it predicted saturation below it, else the
    verdict is ``holds``.
    """
    if saturated(run):
        measured = run["throughput_rps"]
        if not measured:
            return {"measured_rps": measured, "bound": "=", "error": None, "verdict": "optimistic"}
        error = round(predicted_rps / measured - 1.0, 4)
        verdict = "within 10%"
        if error > CAPACITY_TOLERANCE:
            verdict = "optimistic"
        elif error < -CAPACITY_TOLERANCE:
            verdict = "pessimistic"
        return {"measured_rps": measured, "bound": "=", "error": error, "verdict": verdict}
    offered = run["offered_rps"]
    error = round(predicted_rps / offered - 1.0, 4)
    verdict = "pessimistic" if predicted_rps < offered else "holds"
    return {"measured_rps": offered, "bound": ">=", "error": error, "verdict": verdict}


def judge(run: dict, vcpus: int, inputs: dict) -> dict:
    """Checks, prediction and comparisons of one run."""
    prediction = predict(run, vcpus, inputs)
    return {
        "checks": checks(run),
        "prediction": prediction,
        "queue": compare_queue(run["queue_ms"]["p95"], saturated(run), prediction["queue_p95_ms"]),
        "capacity": compare_capacity(run, prediction["capacity_rps"]),
    }


# ---------------------------------------------------------------- the pool, simulated


class _Pool:
    """The state of a simulated daemon group (network_waits)."""

    def __init__(self, processes: int, threads: int, cpus: int) -> None:
        self.cpus = cpus
        self.now = 0.0
        self.idle = [threads] * processes
        self.idle_total = processes * threads
        self.served = [0.0] * processes  # the service each burst of a process has had
        self.bursts: list = [[] for _process in range(processes)]  # (served at its end, request)
        self.active: set = set()  # processes with a burst in progress
        self.io_ends: list = []  # (time the I/O ends, request, process)
        self.turn = 0  # the process the next request tries first

    def rates(self) -> dict:
        """CPU-s/s each burst of each active process gets: the active processes share
        the CPUs, at most one each (the GIL), and a process's bursts share its CPU."""
        each = min(1.0, self.cpus / len(self.active)) if self.active else 0.0
        return {p: each / len(self.bursts[p]) for p in self.active}

    def take(self, cpu: float, io: float, request: int) -> None:
        """Give ``request`` a thread of the next process (in turn) with one idle."""
        count = len(self.idle)
        process = next(
            (self.turn + k) % count for k in range(count) if self.idle[(self.turn + k) % count]
        )
        self.turn = process + 1
        self.idle[process] -= 1
        self.idle_total -= 1
        if cpu > 0:
            heapq.heappush(self.bursts[process], (self.served[process] + cpu, request))
            self.active.add(process)
        else:
            heapq.heappush(self.io_ends, (self.now + io, request, process))

    def next_burst_end(self, rates: dict) -> tuple:
        """(time, process) of the next burst to end at ``rates``; (inf, None) if none."""
        ending = (math.inf, None)
        for process, rate in rates.items():
            end = self.now + (self.bursts[process][0][0] - self.served[process]) / rate
            if end < ending[0]:
                ending = (end, process)
        return ending

    def advance(self, until: float, rates: dict) -> None:
        """Run the bursts at ``rates`` until ``until``."""
        for process, rate in rates.items():
            self.served[process] += (until - self.now) * rate
        self.now = until

    def end_burst(self, process: int, io_s: list) -> None:
        """The first burst of ``process`` is done: its request waits its I/O."""
        _served, request = heapq.heappop(self.bursts[process])
        if not self.bursts[process]:
            self.active.discard(process)
        heapq.heappush(self.io_ends, (self.now + io_s[request], request, process))

    def end_io(self) -> None:
        """The first I/O is done: its thread is idle."""
        _end, _request, process = heapq.heappop(self.io_ends)
        self.idle[process] += 1
        self.idle_total += 1


def network_waits(
    arrivals_s: list, cpu_s: list, io_s: list, processes: int, threads: int, cpus: int = 1
) -> list:
    """Queue wait (s) of each request in a daemon group of ``processes`` x ``threads``
    on ``cpus`` CPUs.

    A request takes an idle thread, first come first served (waiting when none is
    idle), of the next process in turn that has one; it burns its CPU burst, then waits
    its I/O and frees the thread. A burst needs its process's GIL, so a process with
    bursts in progress is one runnable thread to the kernel: the active processes share
    the CPUs equally, at most one CPU each, and a process's bursts share its CPU equally
    (the GIL's 5-ms switches). On one CPU that is processor sharing; with no CPU an
    ideal pool. ``arrivals_s`` must be in order. Within a process every burst gets the
    same service, so one clock per process (``served``) orders its bursts.
    """
    waits = [0.0] * len(arrivals_s)
    queue: deque = deque()
    pool = _Pool(processes, threads, cpus)

    def start(request: int) -> None:
        waits[request] = pool.now - arrivals_s[request]
        pool.take(cpu_s[request], io_s[request], request)

    following = 0
    while following < len(arrivals_s) or pool.active or pool.io_ends:
        rates = pool.rates()
        burst_end, ending = pool.next_burst_end(rates)
        arrival = arrivals_s[following] if following < len(arrivals_s) else math.inf
        io_end = pool.io_ends[0][0] if pool.io_ends else math.inf
        now = min(arrival, burst_end, io_end)
        pool.advance(now, rates)
        if now == burst_end:
            pool.end_burst(ending, io_s)
        elif now == io_end:
            pool.end_io()
            if queue:
                start(queue.popleft())
        else:
            following += 1
            if pool.idle_total > 0:
                start(following - 1)
            else:
                queue.append(following - 1)
    return waits


def run_requests(run: dict, dist: str, sigma: float) -> tuple:
    """The arrival offsets (s) and I/O draws (ms) of the requests a run sent.

    Both are seeded, so they are computed again, not stored: the generator's Poisson
    schedule for the run's rate, seed and duration (loadgen.bounded_schedule, with the
    rate and duration as bench.py passed them), and for request ``i`` the draw of the
    calibrated app seeded with its ``rid`` (the same whatever process served it).
    """
    rate = float(f"{run['rate']:.4f}")
    duration = float(f"{run['duration_s']:g}")
    offsets = loadgen.bounded_schedule(rate, run["arrivals"], run.get("seed", 1), duration, None)
    draws = [
        calibrated_app.draw_io_ms(
            run["io_ms"], dist, sigma, random.Random(f"{calibrated_app.SEED}:{index}")
        )
        for index in range(len(offsets))
    ]
    return offsets, draws


def _pool(run: dict, inputs: dict, vcpus: int, drawn_ms: float, dist: str, sigma: float) -> dict:
    """The simulated pool of a run: its threads and CPUs; each request's CPU burst is
    the calibrated CPU plus Apache's overhead (the model's C + o), its I/O its draw
    plus the app's own time above CPU and draw (the run's own mean: the calibration's
    excess), ``drawn_ms`` being the run's mean draw."""
    own = (run.get("own") or {}).get("mean_ms") or (inputs["cpu_ms"] + drawn_ms)
    return {
        "processes": run["processes"],
        "threads": run["threads"],
        "cpus": vcpus,
        "cpu_ms": inputs["cpu_ms"] + inputs["overhead_ms"],
        "io_ms": drawn_ms,
        "extra_ms": max(0.0, own - inputs["cpu_ms"] - drawn_ms),
        "dist": dist,
        "sigma": sigma,
    }


def replay(run: dict, inputs: dict, vcpus: int, dist: str, sigma: float) -> dict | None:
    """The run's own requests (run_requests) through the simulated pool of its P x T
    threads and vCPUs (network_waits, _pool): what is left between this and the
    measurement is what mod_wsgi does that a pool of threads on shared CPUs does not;
    what is left between this and the model's steady state is the run's luck of the
    draw. None when the run sent nothing."""
    offsets, draws = run_requests(run, dist, sigma)
    if not draws:
        return None
    pool = _pool(run, inputs, vcpus, sum(draws) / len(draws), dist, sigma)
    cpu = [pool["cpu_ms"] / 1000.0] * len(draws)
    io = [(draw + pool["extra_ms"]) / 1000.0 for draw in draws]
    waits = network_waits(offsets, cpu, io, pool["processes"], pool["threads"], vcpus)
    return {
        "requests": len(waits),
        "queue_p95_ms": round(1000.0 * loadgen.percentile(waits, 95), 3),
    }


def pool_p95_ms(pool: dict, arrivals_s: list, io_s: list) -> float:
    """The queue-wait p95 (ms) of requests (arrival and I/O, s) in a simulated pool
    (``processes``, ``threads``, ``cpus``, and ``cpu_ms`` per request)."""
    cpu = [pool["cpu_ms"] / 1000.0] * len(arrivals_s)
    waits = network_waits(arrivals_s, cpu, io_s, pool["processes"], pool["threads"], pool["cpus"])
    return 1000.0 * loadgen.percentile(waits, 95)


def _window_requests(rng: random.Random, rate: float, pool: dict, duration_s: float) -> tuple:
    """Poisson arrivals (s) at ``rate`` for ``duration_s`` and their I/O (s): a draw of
    mean ``io_ms`` from ``dist`` (shape ``sigma``, as the app draws it) + ``extra_ms``."""
    arrivals, io, clock = [], [], rng.expovariate(rate)
    while clock < duration_s:
        arrivals.append(clock)
        draw = calibrated_app.draw_io_ms(pool["io_ms"], pool["dist"], pool["sigma"], rng)
        io.append((draw + pool["extra_ms"]) / 1000.0)
        clock += rng.expovariate(rate)
    return arrivals, io


def window_spread(
    rate: float,
    pool: dict,
    duration_s: float,
    windows: int = 200,
    seed: int = 0,
    long_run: bool = True,
) -> dict:
    """The queue-wait p95 (ms) of ``windows`` runs of ``duration_s`` each through a
    simulated pool (pool_p95_ms), each window with other requests (_window_requests,
    seeded from ``seed``, so reproducible).

    Returns the 10th, 50th and 90th percentile of the windows' p95, and with
    ``long_run`` the p95 of all windows end to end (near the steady state; None
    without): how far one run can land from the steady state, however right a model
    of that steady state is. (An unstable queue has no steady state: its long run only
    grows with its length.)
    """
    rng = random.Random(f"window-spread:{seed}")
    p95s: list = []
    arrivals: list = []
    io: list = []
    for window in range(windows):
        alone, alone_io = _window_requests(rng, rate, pool, duration_s)
        if alone:
            p95s.append(pool_p95_ms(pool, alone, alone_io))
        arrivals += [window * duration_s + a for a in alone]
        io += alone_io
    steady = round(pool_p95_ms(pool, arrivals, io), 3) if long_run else None
    return {
        "windows": len(p95s),
        "p10_ms": round(loadgen.percentile(p95s, 10), 3),
        "p50_ms": round(loadgen.percentile(p95s, 50), 3),
        "p90_ms": round(loadgen.percentile(p95s, 90), 3),
        "long_run_ms": steady,
    }


def model_window(
    run: dict, inputs: dict, vcpus: int, dist: str, sigma: float, windows: int = 200
) -> dict:
    """The spread of windows of the run's length through the run's simulated pool
    (_pool, with the mean draw the run drew: the mean the model is fed, run_inputs)
    at the run's offered rate: where one run lands, and (the long run) the steady
    state that the model computes in closed form; no long run where the model says
    the queue is unstable (``run["prediction"]`` has no queue_p95_ms)."""
    _offsets, draws = run_requests(run, dist, sigma)
    drawn = sum(draws) / len(draws) if draws else run["io_ms"]
    pool = _pool(run, inputs, vcpus, drawn, dist, sigma)
    stable = run.get("prediction", {}).get("queue_p95_ms") is not None
    return window_spread(run["offered_rps"], pool, run["duration_s"], windows, long_run=stable)


# ---------------------------------------------------------------- the sweep


def sweep(
    passes: Callable[[int, int], bool],
    min_total: int,
    max_processes: int,
    max_threads: int,
) -> dict:
    """Smallest total threads P x T for which ``passes(P, T)`` holds.

    For each P from 1 to ``max_processes``, the smallest passing T is bisected
    between ceil(min_total / P) (below it the pool cannot hold the load: Little's
    law) and the largest T that would still beat the best total found so far
    (``max_threads`` at first); the top of that range is tried first and, when it
    fails, that P is given up. Assumes that within one P more threads never turn a
    pass into a failure. Each (P, T) is measured at most once. Returns the best size
    (None when nothing passed) and every trial in order.
    """
    trials: list = []
    seen: dict = {}

    def trial(processes: int, threads: int) -> bool:
        if (processes, threads) not in seen:
            seen[processes, threads] = bool(passes(processes, threads))
            trials.append(
                {"processes": processes, "threads": threads, "pass": seen[processes, threads]}
            )
        return seen[processes, threads]

    best: tuple | None = None
    for processes in range(1, max_processes + 1):
        low = max(1, math.ceil(min_total / processes))
        high = max_threads if best is None else min(max_threads, (best[0] - 1) // processes)
        if low > high or not trial(processes, high):
            continue
        failing = low - 1
        while high - failing > 1:
            middle = (failing + high) // 2
            if trial(processes, middle):
                high = middle
            else:
                failing = middle
        if best is None or processes * high < best[0]:
            best = (processes * high, processes, high)
    found = None
    if best is not None:
        found = {"processes": best[1], "threads": best[2], "total": best[0]}
    return {"best": found, "trials": trials}


def plan_against_sweep(plan_total: int, best: dict | None) -> dict:
    """The plan's total threads against the swept minimum (ratio and pass)."""
    if best is None:
        return {"ratio": None, "pass": None}
    ratio = round(plan_total / best["total"], 3)
    return {"ratio": ratio, "pass": ratio <= MAX_PLAN_OVER_SWEPT}


# ---------------------------------------------------------------- disturbance


def disturbed(run: dict, max_load: float, max_foreign_pct: float) -> bool:
    """The run was measured while other jobs used the machine.

    The 1-minute load average was at or above ``max_load`` when it started (the wait
    for a quiet host timed out), or other processes used more than
    ``max_foreign_pct`` % of the CPU that Apache was pinned to.
    """
    host = run["host"]
    foreign = host.get("foreign_cpu_pct", {}).get("server")
    return host["loadavg_start"] >= max_load or (foreign is not None and foreign > max_foreign_pct)
