# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The sizing model restated from docs/sizing.md, for the oracles of the unit tests.

Nothing here imports plugins/plugin_utils/sizing.py or shares its arithmetic: Erlang C
is the textbook sum in log space (sizing.py: the Erlang B recursion), and the CPU
stretch is the mean number in an M/M/V system over its stationary distribution, by
Little's law (sizing.py: the closed form 1 + C(V, A) / (V - A)). A plan that is wrong in
a new way then disagrees with these instead of agreeing with itself.

The model restated: a request holds a thread for (W - C) + C s / (1 - u s), where u is
its process's GIL load (0 with free-threading) and s the mean stretch of a CPU burst on
V CPUs that the host's other work keeps L - u cores busy (L: the host's CPU load). A
plan is sized, and its queue SLO judged, with (1 + headroom) x the busy threads; its
predicted figures are at the target itself.
"""

from __future__ import annotations

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


def log_erlang_c(c: int, a: float) -> float:
    """log P(wait) of M/M/c (0 < a < c) from the textbook sum, in log space."""
    log_terms = [k * math.log(a) - math.lgamma(k + 1) for k in range(c)]
    log_top = c * math.log(a) - math.lgamma(c + 1) + math.log(c / (c - a))
    return log_top - _log_sum_exp([*log_terms, log_top])


def cpu_stretch(load: float, vcpus: int) -> float:
    """Mean time a CPU burst takes per second of CPU it needs, with ``load`` cores of other
    work on ``vcpus`` CPUs: the M/M/V mean time in system over the mean service time.

    By Little's law that is E[jobs in system] / load, summed over the stationary
    distribution p_k ~ A^k / k! (k < V), p_V rho^(k - V) (k >= V), rho = A / V.
    Infinite when load >= vcpus.
    """
    if load <= 0.0:
        return 1.0
    if load >= vcpus:
        return math.inf
    rho = load / vcpus
    log_p = [k * math.log(load) - math.lgamma(k + 1) for k in range(vcpus + 1)]
    # Terms k >= V, summed in closed form: sum rho^j = 1/(1-rho), sum (V+j) rho^j.
    log_mass = [*log_p[:vcpus], log_p[vcpus] - math.log(1.0 - rho)]
    tail_mean = vcpus / (1.0 - rho) + rho / (1.0 - rho) ** 2
    log_jobs = [math.log(k) + log_p[k] for k in range(1, vcpus)]
    log_jobs.append(log_p[vcpus] + math.log(tail_mean))
    mean_jobs = math.exp(_log_sum_exp(log_jobs) - _log_sum_exp(log_mass))
    return mean_jobs / load


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


def slo_tail(busy: float, servers: int, held: float, wait_s: float = SLO_WAIT_S) -> float:
    """P(queue wait > wait_s) of M/M/c with ``busy`` Erlangs on ``servers`` threads."""
    if servers <= busy:
        return 1.0
    return math.exp(log_erlang_c(servers, busy) - (servers - busy) * wait_s / held)


def headroom_tail(
    rps: float,
    held: Optional[float],
    servers: int,
    headroom: float = HEADROOM,
    wait_s: float = SLO_WAIT_S,
) -> float:
    """What the queue SLO check compares with alpha: P(wait > wait_s) with (1 + headroom)
    x the busy threads (1.0 when the GIL or the CPUs are saturated)."""
    if held is None:
        return 1.0
    return slo_tail((1.0 + headroom) * rps * held, servers, held, wait_s)


def meets_slo(rps: float, held: Optional[float], servers: int, headroom: float = HEADROOM) -> bool:
    """The queue SLO check at the defaults: P(wait > 10 ms) <= 5 % with the headroom."""
    return headroom_tail(rps, held, servers, headroom) <= SLO_ALPHA + 1e-9


def min_threads(
    busy: float, held: float, alpha: float = SLO_ALPHA, wait_s: float = SLO_WAIT_S
) -> int:
    """Fewest threads with P(wait > wait_s) <= alpha at ``busy`` Erlangs (bisection: the
    tail falls as threads are added)."""
    low = math.floor(busy)  # unstable: the tail is 1
    high = max(low + 1, 2 * low)
    while slo_tail(busy, high, held, wait_s) > alpha:
        low, high = high, 2 * high
    while high - low > 1:
        mid = (low + high) // 2
        if slo_tail(busy, mid, held, wait_s) > alpha:
            low = mid
        else:
            high = mid
    return high


def judged_cores(cores: float, vcpus: int) -> float:
    """The host CPU load a plan's queue SLO is judged at: at most cpu_target of the CPUs."""
    return min(cores, CPU_TARGET * vcpus)
