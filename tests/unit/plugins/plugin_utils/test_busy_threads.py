# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""BusyThreads, the queue for a daemon thread, against two independent computations.

1. The whole Markov chain, solved directly: requests in the CPU station, requests on
   I/O and requests waiting for a thread, state by state. BusyThreads replaces the
   threads by Norton's flow-equivalent station (completing X(k) with k threads busy),
   exact for the busy threads without a limit and a close, cautious approximation of
   the queue once they are all busy.
2. The oracle's normalised linear-space convolution (sizing_oracle.network_queue).
And the limits the docs state: no CPU burst is Erlang C; a shared CPU gives the busy
threads a heavier tail than Erlang C with the same mean.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from ansible_collections.wsgiscale.mod_wsgi.plugins.plugin_utils.sizing import (
    BusyThreads,
    burst_rate,
    erlang_c,
)
from ansible_collections.wsgiscale.mod_wsgi.tests.unit.plugins.plugin_utils.sizing_oracle import (
    network_queue,
    station_mu,
)
from hypothesis import given, settings
from hypothesis import strategies as st


def _chain(rate, io_s, mu, cpus, servers, longest=200):
    """Stationary (P(wait), mean number waiting) of the whole chain, solved directly.

    A request takes a thread when one is free (else waits, first come first served),
    runs its CPU burst (M/M/cpus station, rate mu per CPU), then its I/O (exponential,
    mean io_s), and frees the thread. At most ``longest`` wait (far beyond any
    probability that matters for the cases below).
    """
    states = [(cpu, io, 0) for cpu in range(servers + 1) for io in range(servers + 1 - cpu)] + [
        (cpu, servers - cpu, q) for q in range(1, longest + 1) for cpu in range(servers + 1)
    ]
    index = {s: i for i, s in enumerate(states)}
    generator = np.zeros((len(states), len(states)))
    for i, (cpu, io, q) in enumerate(states):
        moves = []
        if cpu + io < servers:
            moves.append(((cpu + 1, io, 0), rate))
        elif q < longest:
            moves.append(((cpu, io, q + 1), rate))
        if cpu:
            moves.append(((cpu - 1, io + 1, q), min(cpu, cpus) * mu))
        if io:
            after = (cpu + 1, io - 1, q - 1) if q else (cpu, io - 1, 0)
            moves.append((after, io / io_s))
        for target, r in moves:
            generator[i, index[target]] += r
            generator[i, i] -= r
    # pi Q = 0 with sum(pi) = 1.
    system = np.vstack([generator.T, np.ones(len(states))])
    rhs = np.zeros(len(states) + 1)
    rhs[-2] = 1.0
    # One balance equation is redundant: replace it with the normalisation.
    system[-2] = system[-1]
    pi = np.linalg.solve(system[:-1], rhs[:-1])
    waiting = sum(p for (cpu, io, _q), p in zip(states, pi) if cpu + io == servers)
    queued = sum(q * p for (_c, _i, q), p in zip(states, pi))
    return waiting, queued


CHAIN_CASES = [
    # rate, io_s, burst_s, cpus, servers
    *[(12.5, 0.150, 0.139, 1, c) for c in (5, 6, 8, 10, 12)],  # the CPU-heavy profile
    *[(50.0, 0.093, 0.020, 1, c) for c in (6, 8, 10, 12)],  # the mixed profile
    *[(30.0, 0.090, 0.050, 2, c) for c in (5, 8, 10)],
    *[(40.0, 0.150, 0.050, 4, c) for c in (9, 12)],
]


@pytest.mark.parametrize(("rate", "io_s", "burst_s", "cpus", "servers"), CHAIN_CASES)
def test_norton_against_the_whole_chain(rate, io_s, burst_s, cpus, servers):
    """Norton's flow-equivalent pool is exact for the busy threads without a limit and
    an approximation once requests wait: measured here, it never says fewer wait, it
    over-states P(wait) by at most 4 % and the mean wait by at most 30 % (at P(wait)
    over 50 %), and both agree within 4 % where the 5 % SLO is decided."""
    busy = BusyThreads(rate, io_s, burst_s, cpus)
    p_wait, drain = busy.queue(servers)
    chain_wait, chain_queued = _chain(rate, io_s, burst_rate(rate, burst_s, cpus), cpus, servers)
    chain_mean = chain_queued / rate  # Little's law on the waiting requests
    assert chain_wait <= p_wait <= 1.04 * chain_wait
    assert chain_mean * (1 - 1e-9) <= busy.mean_wait_s(servers) <= 1.30 * chain_mean
    if chain_wait < 0.1:
        assert p_wait == pytest.approx(chain_wait, rel=0.04)
    assert busy.mean_wait_s(servers) == pytest.approx(p_wait / drain, rel=1e-12)


@given(
    rate=st.floats(0.5, 200.0),
    latency_s=st.floats(0.01, 1.0),
    share=st.one_of(st.just(0.0), st.floats(0.001, 0.9)),
    stretch=st.floats(1.0, 4.0),
    cpus=st.integers(1, 4),
    extra=st.integers(0, 40),
    factor=st.sampled_from([1.0, 1.2]),
)
@settings(max_examples=200, deadline=None)
def test_property_matches_the_oracle(rate, latency_s, share, stretch, cpus, extra, factor):
    io_s = latency_s * (1.0 - share)
    burst_s = latency_s * share * stretch
    # Refitted at the rate it is fed, as the headroom does.
    busy = BusyThreads(rate / factor, io_s, burst_s, cpus, factor)
    servers = max(1, math.ceil(rate * (io_s + burst_s))) + extra
    mine = busy.queue(servers)
    theirs = network_queue(rate, io_s, burst_s, cpus, servers)
    if theirs is None or mine is None:
        assert theirs is None and mine is None
        return
    assert mine[0] == pytest.approx(theirs[0], rel=1e-6, abs=1e-12)
    if theirs[0] > 1e-9:
        assert mine[1] == pytest.approx(theirs[1], rel=1e-6)


@pytest.mark.parametrize(("servers", "load"), [(1, 0.5), (10, 7.3), (48, 40.0), (300, 270.0)])
def test_no_cpu_burst_is_erlang_c(servers, load):
    rate, held = 100.0, load / 100.0
    busy = BusyThreads(rate, held, 0.0, 2)
    p_wait, drain = busy.queue(servers)
    assert p_wait == pytest.approx(erlang_c(servers, load), rel=1e-9)
    assert drain == pytest.approx((servers - load) / held, rel=1e-9)
    assert busy.tail(servers, 0.01) == pytest.approx(
        erlang_c(servers, load) * math.exp(-(servers - load) * 0.01 / held), rel=1e-9
    )


def test_shared_cpu_waits_more_than_erlang_c_with_the_same_mean():
    # The benchmark's CPU-heavy profile on one vCPU: 12.5 req/s, 150 ms of I/O and a
    # 139 ms burst (50 ms of CPU at 64 % busy). Erlang C with the same 3.6 busy threads
    # on 10 threads says 0.44 % wait; the shared CPU bunches them: 3.1 %, and the pool
    # drains slower once full. Measured on Debian 12: 2 x 5 queued 72 ms at p95.
    busy = BusyThreads(12.5, 0.150, 0.139, 1)
    load = 12.5 * (0.150 + 0.139)
    assert erlang_c(10, load) == pytest.approx(0.0044, abs=1e-4)
    p_wait, drain = busy.queue(10)
    assert p_wait == pytest.approx(0.031, abs=1e-3)
    assert drain < (10 - load) / (0.150 + 0.139)
    # 20 % more traffic: 76 % CPU stretches the burst to 50.5 / (1 - 0.763) = 213 ms;
    # 209 ms at p95, where 207 ms was measured.
    hot = BusyThreads(15.0, 0.150, 0.213, 1)
    assert 1000 * hot.quantile_s(10, 0.05) == pytest.approx(209, abs=2)


def test_burst_rate_fits_the_mean():
    for cpus in (1, 2, 3, 8):
        mu = burst_rate(10.0, 0.05, cpus)
        assert mu == pytest.approx(station_mu(10.0, 0.05, cpus), rel=1e-9)
        a = 10.0 / mu
        mean = 1.0 / mu + erlang_c(cpus, a) / (cpus * mu - 10.0)
        assert mean == pytest.approx(0.05, rel=1e-9)
    assert burst_rate(0.0, 0.05, 2) == pytest.approx(20.0)


def test_min_servers_is_minimal():
    busy = BusyThreads(12.5, 0.150, 0.139, 1, factor=1.2)
    n = busy.min_servers(0.01, 0.05)
    assert busy.tail(n, 0.01) <= 0.05 < busy.tail(n - 1, 0.01)
