# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The sizing model restated from docs/sizing.md, for the oracles of the unit tests.

Nothing here imports plugins/plugin_utils/sizing.py or shares its arithmetic: the CPU
stretch is the mean number in an M/M/V system over its stationary distribution, by
Little's law (sizing.py: the closed form 1 + C(V, A) / (V - A), from the Erlang B
recursion), the CPU station is fitted by bisection on that same mean, and the busy
threads are a normalised convolution in linear space (sizing.py: unnormalised, in log
space, with the geometric tail summed recursively).
A plan that is wrong in a new way then disagrees with these instead of agreeing with
itself.

The model restated: a request holds a thread for (W - C) + C s / (1 - u s), where u is
its process's GIL load (0 with free-threading) and s the mean stretch of a CPU burst on
V CPUs that the host's other work keeps L - u cores busy (L: the host's CPU load). The
busy threads are its I/O (a Poisson number) plus the requests in a CPU station with
the V CPUs whose mean time is that burst; the queue for a thread is the capped
chain of their sum. A plan is sized, and its queue SLO judged, at (1 + headroom) x the
rate with each request's times unchanged (the station refitted to the same mean burst);
its predicted figures are at the target itself.
"""

from __future__ import annotations

import functools
import math
from typing import Optional

# Plan defaults the oracles assume (test_sizing_defaults.py pins them).
GIL_TARGET = 0.5
CPU_TARGET = 0.7
OVERHEAD_S = 0.001
HEADROOM = 0.2
SLO_ALPHA = 0.05
SLO_WAIT_S = 0.010
PROCESS_MB = 150.0
THREAD_MB = 2.0
MEMORY_FRACTION = 0.8
APACHE_MB = 256.0


def _log_sum_exp(logs) -> float:
    high = max(logs)
    return high + math.log(sum(math.exp(x - high) for x in logs))


def _mmm_mean_in_system(arrivals: float, mu: float, cpus: int) -> float:
    """Mean number in an M/M/cpus system, summed over its stationary distribution
    p_k ~ a^k / k! (k < cpus), p_cpus rho^(k - cpus) (k >= cpus), a = arrivals / mu,
    rho = a / cpus."""
    a = arrivals / mu
    rho = a / cpus
    log_p = [k * math.log(a) - math.lgamma(k + 1) for k in range(cpus + 1)]
    # Terms k >= cpus, summed in closed form: sum rho^j = 1/(1-rho), sum (V+j) rho^j.
    log_mass = [*log_p[:cpus], log_p[cpus] - math.log(1.0 - rho)]
    tail_mean = cpus / (1.0 - rho) + rho / (1.0 - rho) ** 2
    log_jobs = [math.log(k) + log_p[k] for k in range(1, cpus)]
    log_jobs.append(log_p[cpus] + math.log(tail_mean))
    return math.exp(_log_sum_exp(log_jobs) - _log_sum_exp(log_mass))


def cpu_stretch(load: float, vcpus: int) -> float:
    """Mean time a CPU burst takes per second of CPU it needs, with ``load`` cores of other
    work on ``vcpus`` CPUs: the M/M/V mean time in system over the mean service time.

    By Little's law that is E[jobs in system] / load. Infinite when load >= vcpus.
    """
    if load <= 0.0:
        return 1.0
    if load >= vcpus:
        return math.inf
    # Unit service rate: ``load`` arrivals per second keep ``load`` CPUs busy.
    return _mmm_mean_in_system(load, 1.0, vcpus) / load


def held_s(
    latency_s: float, cpu_s: float, gil_load: float, host_cores: float, vcpus: int
) -> Optional[float]:
    """Seconds a request holds a daemon thread (None: its GIL or the CPUs are saturated).

    ``gil_load`` is the Python CPU-s/s of the request's process (0 with free-threading),
    ``host_cores`` the CPU the host's requests keep busy, its own process's included
    (documented: no steady state once that is all the vCPUs).
    """
    if host_cores >= vcpus:
        return None
    stretch = cpu_stretch(max(0.0, host_cores - gil_load), vcpus)
    if math.isinf(stretch) or gil_load * stretch >= 1.0:
        return None
    return (latency_s - cpu_s) + cpu_s * stretch / (1.0 - gil_load * stretch)


@functools.lru_cache(maxsize=4096)
def station_mu(rps: float, burst_s: float, cpus: int) -> float:
    """Per-CPU rate of the M/M/cpus station whose mean time in system is ``burst_s`` at
    ``rps`` (documented: the CPU burst's mean from held_s, its spread from the station).
    Little's law on the mean number in system, solved by bisection on log mu."""
    low, high = math.log(rps / cpus), math.log(rps / cpus + 4.0 / burst_s)
    while high - low > 1e-13:
        mid = (low + high) / 2.0
        mu = math.exp(mid)
        if mu * cpus <= rps or _mmm_mean_in_system(rps, mu, cpus) / rps > burst_s:
            low = mid
        else:
            high = mid
    return math.exp(high)


def busy_pmf(rps: float, io_s: float, burst_s: float, cpus: int, top: int, factor: float):
    """P(N = n), n = 0..top, of the threads busy without a thread limit at factor x rps:
    a Poisson with mean factor x rps x io_s convolved with the number in a CPU station
    whose mean time is ``burst_s`` at that rate (the headroom keeps each request's
    times), both normalised, in linear space (the station's terms scaled by the largest)."""
    rate = factor * rps
    y = rate * io_s
    poisson = [
        (math.exp(n * math.log(y) - y - math.lgamma(n + 1)) if y > 0 else float(n == 0))
        for n in range(top + 1)
    ]
    if burst_s <= 0.0:
        station = [1.0] + [0.0] * top
    else:
        a = rate / station_mu(rate, burst_s, cpus)
        last = max(top, cpus)
        logs = [
            j * math.log(a) - math.lgamma(min(j, cpus) + 1) - max(0, j - cpus) * math.log(cpus)
            for j in range(last + 1)
        ]
        # Scaled by the largest term: the terms alone overflow for large offered loads,
        # and the normalisation below does not depend on the scale.
        peak = max(logs)
        raw = [math.exp(x - peak) for x in logs]
        # Normalised with the closed-form mass of the geometric tail beyond ``last``.
        mass = sum(raw) + raw[last] * (a / cpus) / (1.0 - a / cpus)
        station = [x / mass for x in raw]
    return [sum(station[j] * poisson[n - j] for j in range(n + 1)) for n in range(top + 1)]


def network_queue(
    rps: float, io_s: float, burst_s: float, cpus: int, servers: int, factor: float = 1.0
):
    """(P(wait), completion rate of the full pool minus the arrival rate), or None when
    the pool cannot keep up. The capped chain: P(n) up to ``servers``, then a geometric
    tail of ratio P(c) / P(c - 1) (Norton: the full pool completes at a constant rate)."""
    pmf = busy_pmf(rps, io_s, burst_s, cpus, servers, factor)
    if pmf[servers] == 0.0 or pmf[servers - 1] == 0.0:
        # Underflow: far below the mean busy threads (no steady state), or far above it
        # (nobody waits).
        return None if servers < factor * rps * (io_s + burst_s) else (0.0, math.inf)
    ratio = pmf[servers] / pmf[servers - 1]
    if ratio >= 1.0 - 1e-9:  # c = a exactly is unstable; rounding must not decide it
        return None
    waiting = pmf[servers] / (1.0 - ratio)
    return waiting / (sum(pmf[:servers]) + waiting), factor * rps * (1.0 - ratio) / ratio


def slo_tail(
    rps: float,
    held: float,
    servers: int,
    latency_s: float,
    cpu_s: float,
    cpus: int,
    factor: float = 1.0,
    wait_s: float = SLO_WAIT_S,
) -> float:
    """P(queue wait > wait_s) with ``servers`` threads: the thread is held for the I/O
    (latency - cpu) and a CPU burst of held - (latency - cpu) on ``cpus`` CPUs."""
    io_s = latency_s - cpu_s
    state = network_queue(rps, io_s, held - io_s, cpus, servers, factor)
    if state is None:
        return 1.0
    p_wait, drain = state
    return p_wait * math.exp(-drain * wait_s) if p_wait > 0.0 else 0.0


def headroom_tail(
    rps: float,
    held: Optional[float],
    servers: int,
    latency_s: float,
    cpu_s: float,
    cpus: int,
    headroom: float = HEADROOM,
    wait_s: float = SLO_WAIT_S,
) -> float:
    """What the queue SLO check compares with alpha: P(wait > wait_s) at (1 + headroom)
    x the rate (1.0 when the GIL or the CPUs are saturated)."""
    if held is None:
        return 1.0
    return slo_tail(rps, held, servers, latency_s, cpu_s, cpus, 1.0 + headroom, wait_s)


def meets_slo(*args, **kwargs) -> bool:
    """The queue SLO check at the defaults, with headroom_tail's arguments:
    P(wait > 10 ms) <= 5 % with the headroom."""
    return headroom_tail(*args, **kwargs) <= SLO_ALPHA + 1e-9


def min_threads(
    rps: float, held: float, latency_s: float, cpu_s: float, cpus: int, factor: float
) -> int:
    """Fewest threads with P(wait > 10 ms) <= 5 % at factor x rps (bisection: the tail
    falls as threads are added)."""

    def tail(servers: int) -> float:
        return slo_tail(rps, held, servers, latency_s, cpu_s, cpus, factor)

    low, high = 0, 1
    while tail(high) > SLO_ALPHA:
        low, high = high, 2 * high
    while high - low > 1:
        mid = (low + high) // 2
        if tail(mid) > SLO_ALPHA:
            low = mid
        else:
            high = mid
    return high


def judged_cores(cores: float, vcpus: int) -> float:
    """The host CPU load a plan's queue SLO is judged at: at most cpu_target of the CPUs."""
    return min(cores, CPU_TARGET * vcpus)
