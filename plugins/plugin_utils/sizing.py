# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Capacity sizing of mod_wsgi daemon process groups.

The model (documented in docs/sizing.md) treats the daemon threads of one
process group as one pool (mod_wsgi hands a request to whichever daemon thread
is idle), inflates the time a request holds a thread for the waits on the
per-process GIL and a CPU, counts the busy threads as the requests on I/O plus
those sharing the CPUs (BusyThreads: Erlang C when the CPU share is small, a
heavier tail when bursts crowd a CPU), sizes the pool so that the queue wait
meets a percentile SLO, caps threads per process where the GIL saturates, and
checks host CPU and memory.  Controller-side code: the
sizing filters are its only users.  Nothing here imports Ansible, so it can be
unit tested directly.
"""

from __future__ import annotations

import functools
import math
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.errors import (
    WsgiscaleError,
    describe,
    item_label,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.plugin_utils.versions import (
    VersionError,
    parse_version,
)

# ---------------------------------------------------------------------------
# Defaults (all documented in docs/sizing.md and the filter DOCUMENTATION).
# ---------------------------------------------------------------------------

#: cpu_ms defaults to this fraction of latency_ms when not given.  25 % is
#: deliberately pessimistic: it caps threads per process at ceil(W/C) = 4,
#: which is the "3-5 threads per process" the mod_wsgi author recommends for
#: code whose CPU share is unknown.  Measure cpu_ms and pass it.
DEFAULT_CPU_FRACTION = 0.25

PLAN_DEFAULTS: Dict[str, Any] = {
    "cpu_ms": None,
    "memory_mb": None,
    "memory_fraction": 0.8,
    "apache_reserve_mb": 256.0,
    "process_rss_mb": 150.0,
    "thread_rss_mb": 2.0,
    "hosts": 1,
    "cpu_target": 0.7,
    "gil_target": 0.5,
    "overhead_ms": 1.0,
    "headroom": 0.2,
    "slo_wait_ms": 10.0,
    "slo_percentile": 95.0,
    "max_threads": 25,
    "min_processes": 2,
    "processes": None,
    "threads": None,
    "mod_wsgi_version": "4.9",
    "hang_timeout_s": 60.0,
    "free_threading": False,
}

#: Parameters without a default.
PLAN_REQUIRED = ("target_rpm", "latency_ms")

#: Every keyword a single plan accepts (besides vcpus).
PLAN_PARAMETERS = PLAN_REQUIRED + tuple(PLAN_DEFAULTS)

#: Keys of an app dict (or the ``defaults`` dict) that wsgi_host_plan uses.
APP_KEYS = (
    "target_rpm",
    "latency_ms",
    "cpu_ms",
    "process_rss_mb",
    "thread_rss_mb",
    "processes",
    "threads",
)

#: Host-wide keywords of wsgi_host_plan (apply to every app).
HOST_PARAMETERS = tuple(p for p in PLAN_PARAMETERS if p not in APP_KEYS)

#: Floor of the time after which a single hung request is killed: never less
#: than this many seconds ...
REQUEST_TIMEOUT_FLOOR_S = 5.0
#: ... and never less than this many mean latencies.
REQUEST_TIMEOUT_LATENCY_FACTOR = 10.0
#: queue-timeout floor (seconds); mod_wsgi docs: real-time services 5-10 s.
QUEUE_TIMEOUT_FLOOR_S = 5
#: shutdown-timeout / graceful-timeout floor (seconds): mod_wsgi's shutdown default.
DRAIN_TIMEOUT_FLOOR_S = 5
#: socket-timeout floor (seconds): mod_wsgi-express's default.
SOCKET_TIMEOUT_FLOOR_S = 60
#: mod_wsgi's daemon listen-backlog default.
LISTEN_BACKLOG_DEFAULT = 100
#: mod_wsgi accepts up to 65533 threads per daemon process.
THREADS_LIMIT = 65533
#: Largest offered load (busy threads) the thread search handles.
MAX_OFFERED_LOAD = 200000.0

_EPS = 1e-9
_BOOL_STRINGS = {
    "true": True,
    "yes": True,
    "on": True,
    "1": True,
    "false": False,
    "no": False,
    "off": False,
    "0": False,
}


class SizingError(WsgiscaleError):
    """Invalid sizing input.

    The message names the filter, the parameter, the value received and what
    was expected. ``parameter``, ``value`` and ``expected`` are kept for callers
    that name the parameter after where its value came from (see host_plan).
    """

    def __init__(
        self, message: str, parameter: Optional[str] = None, value: Any = None, expected: str = ""
    ) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.value = value
        self.expected = expected


# ---------------------------------------------------------------------------
# Queueing primitives
# ---------------------------------------------------------------------------


MEMORY_UNCHECKED = "memory_mb was not given, so memory was not checked."
MEMORY_SHARED = "memory is checked for all apps together against the host budget (host plan)."


def erlang_b(servers: int, load: float) -> float:
    """Erlang B blocking probability B(c, a), by the stable recursion.

    B(0, a) = 1 and B(k, a) = a B(k-1, a) / (k + a B(k-1, a)).  Every step
    stays in [0, 1], so it never overflows for thousands of servers.
    """
    blocking = 1.0
    for k in range(1, servers + 1):
        blocking = load * blocking / (k + load * blocking)
    return blocking


def erlang_c(servers: int, load: float) -> float:
    """Erlang C: probability that an arrival waits, for an M/M/c queue.

    ``servers`` is c (threads), ``load`` is a = lambda * W in Erlangs (busy
    threads).  Returns 1.0 when the queue is unstable (c <= a).
    """
    if load <= 0.0:
        return 0.0
    if servers <= load:
        return 1.0
    blocking = erlang_b(servers, load)
    return min(1.0, servers * blocking / (servers - load * (1.0 - blocking)))


@functools.lru_cache(maxsize=4096)
def burst_rate(rate: float, burst_s: float, cpus: int) -> float:
    """Service rate per CPU of the M/M/``cpus`` station whose mean time in system is
    ``burst_s`` at ``rate`` arrivals per second.

    The time of a CPU burst (its waits included) comes from the mean-value model; this
    is the station with that same mean, so that the busy threads can be counted with
    the spread a shared CPU gives them (BusyThreads). On one CPU it is exact:
    1 / (mu - rate) = burst_s. Otherwise the mean falls as the rate rises, and the
    root is bisected.
    """
    if rate <= 0.0 or math.isinf(1.0 / burst_s):
        return 1.0 / burst_s
    if cpus == 1:
        return rate + 1.0 / burst_s

    def sojourn(mu: float) -> float:
        return 1.0 / mu + erlang_c(cpus, rate / mu) / (cpus * mu - rate)

    if rate * burst_s < cpus and sojourn(1.0 / burst_s) <= burst_s * (1.0 + 1e-12):
        return 1.0 / burst_s  # the bursts (almost) never wait for a CPU
    low = max(rate / cpus, 1.0 / burst_s)
    high = 2.0 * low
    while sojourn(high) > burst_s:
        high *= 2.0
    while high - low > 1e-13 * high:
        mid = (low + high) / 2.0
        if cpus * mid <= rate or sojourn(mid) > burst_s:
            low = mid
        else:
            high = mid
    return high


def _log_add(a: float, b: float) -> float:
    """log(e^a + e^b) without overflow."""
    if a < b:
        a, b = b, a
    if b == -math.inf:
        return a
    return a + math.log1p(math.exp(b - a))


class BusyThreads:
    """How many daemon threads a request stream keeps busy, and the queue for a thread.

    A request holds a thread for its I/O (``io_s``; any number of requests can wait on
    I/O at once: an infinite-server station) and for a CPU burst of mean ``burst_s``
    (its waits for the GIL and a CPU included) on ``cpus`` shared CPUs (an M/M/cpus
    station with that mean). The two stations form a product-form network, so the
    number of busy threads N without a thread limit is the convolution of a Poisson
    (the I/O) and the CPU station's number in system: when the CPU is congested every
    burst slows at once, and N has the geometric tail of the CPU station, not the
    Poisson one of an M/M/c queue.

    With ``servers`` threads the extra requests wait for a thread. Norton's theorem
    replaces the threads by one station whose completion rate with k busy is
    X(k) = rate P(N = k - 1) / P(N = k); once all c are busy it completes X(c), so
    P(wait) = P(N >= c) of that capped chain and P(wait > t) = P(wait) e^(-(X(c) - rate) t).
    With no CPU burst this is Erlang C exactly. With one, it is exact without a thread
    limit and a cautious approximation of the queue: against the whole Markov chain
    (tests/unit) it never says fewer wait, and over-states P(wait) by at most 4 %.

    ``factor`` evaluates the stream at factor x ``rate`` with the same times: each
    request's I/O, and a CPU station fitted to the same mean burst at that rate (the
    headroom: more busy threads, not a hotter CPU, which cpu_target and gil_target
    already budget).
    """

    def __init__(
        self, rate: float, io_s: float, burst_s: float, cpus: int, factor: float = 1.0
    ) -> None:
        self.rate = factor * rate
        # Busy CPUs of the station, fitted at the rate it is fed: always below cpus.
        busy_cpus = self.rate / burst_rate(self.rate, burst_s, cpus) if burst_s > 0.0 else 0.0
        # log P(j in the station), unnormalised: a^j / j! up to j = cpus, then geometric
        # with ratio a / cpus (kept as a running sum, so no term is ever dropped).
        self._log_head = [0.0]
        self._log_ratio: Optional[float] = None
        if busy_cpus > 0.0:
            log_a = math.log(busy_cpus)
            high = 0.0
            for j in range(1, cpus + 1):
                self._log_head.append(self._log_head[-1] + log_a - math.log(j))
                high = max(high, self._log_head[-1])
                if j > busy_cpus and self._log_head[-1] < high - 50.0:
                    break  # the rest is below e^-50 of the largest: many idle CPUs
            else:
                self._log_ratio = log_a - math.log(cpus)
        load = self.rate * io_s
        self._log_load = math.log(load) if load > 0.0 else None
        # N is at least the Poisson count on I/O, so P(N < load - 10 sqrt(load)) is below
        # e^-50: the distribution starts there (large pools, short scans).
        self._first = max(0, math.floor(load - 10.0 * math.sqrt(load)))
        self._log_io: Dict[int, float] = {}
        self._log_geometric = -math.inf  # log sum_{j >= cpus} (a/cpus)^(j-cpus) P(io = n - j)
        self._log_n: List[float] = []  # log P(N = first + i), unnormalised
        self._log_below: List[float] = [-math.inf]  # log P(first <= N < first + i)

    def _log_io_p(self, i: int) -> float:
        """log of the Poisson count on I/O (unnormalised; -inf below 0)."""
        if i < 0:
            return -math.inf
        if self._log_load is None:
            return 0.0 if i == 0 else -math.inf
        value = self._log_io.get(i)
        if value is None:
            value = self._log_io[i] = i * self._log_load - math.lgamma(i + 1)
        return value

    def _extend(self, k: int) -> None:
        """Compute log P(N = n) for every n up to k: the convolution of the station's
        first terms with the Poisson, plus its geometric tail, summed recursively."""
        # Station terms below ``cpus`` are summed directly, the geometric ones beyond
        # recursively; without a geometric part (no burst, or many idle CPUs) every
        # term is direct.
        cpus = len(self._log_head) - (1 if self._log_ratio is not None else 0)
        while self._first + len(self._log_n) <= k:
            n = self._first + len(self._log_n)
            terms = [self._log_head[j] + self._log_io_p(n - j) for j in range(min(n + 1, cpus))]
            if self._log_ratio is not None:
                self._log_geometric = _log_add(
                    self._log_ratio + self._log_geometric, self._log_io_p(n - cpus)
                )
                terms.append(self._log_head[cpus] + self._log_geometric)
            high = max(terms)
            if high == -math.inf:
                value = -math.inf
            else:
                value = high + math.log(sum(math.exp(x - high) for x in terms))
            self._log_n.append(value)
            self._log_below.append(_log_add(self._log_below[-1], value))

    def queue(self, servers: int) -> Optional[Tuple[float, float]]:
        """(P(wait), X(c) - rate per second) with ``servers`` threads; None when the
        queue has no steady state (the rate is at or above what they complete)."""
        if self.rate <= 0.0:
            return 0.0, math.inf
        if servers <= self._first:
            return None  # fewer threads than the requests surely on I/O
        self._extend(servers)
        index = servers - self._first
        at, before = self._log_n[index], self._log_n[index - 1]
        if at == -math.inf:
            return 0.0, math.inf
        ratio = math.exp(at - before)  # rate / X(c)
        if ratio >= 1.0 - _EPS:
            return None
        spread = self._log_below[index] - at
        p_wait = 0.0 if spread > 700.0 else 1.0 / (1.0 + (1.0 - ratio) * math.exp(spread))
        return p_wait, self.rate * (1.0 - ratio) / ratio

    def tail(self, servers: int, wait_s: float) -> float:
        """P(queue wait > wait_s) with ``servers`` threads (1.0 when unstable)."""
        state = self.queue(servers)
        if state is None:
            return 1.0
        p_wait, drain = state
        if p_wait <= 0.0:
            return 0.0
        return p_wait * math.exp(-drain * wait_s)

    def quantile_s(self, servers: int, alpha: float) -> float:
        """The queue wait exceeded with probability ``alpha`` (0 when fewer than alpha
        of the requests wait at all, infinity when unstable)."""
        state = self.queue(servers)
        if state is None:
            return math.inf
        p_wait, drain = state
        if p_wait <= alpha:
            return 0.0
        return math.log(p_wait / alpha) / drain

    def mean_wait_s(self, servers: int) -> float:
        """Mean queue wait with ``servers`` threads (infinity when unstable)."""
        state = self.queue(servers)
        if state is None:
            return math.inf
        p_wait, drain = state
        return 0.0 if p_wait <= 0.0 else p_wait / drain

    def min_servers(self, wait_s: float, alpha: float) -> int:
        """Fewest threads with P(queue wait > wait_s) <= alpha, in one pass (each step
        adds one term to the distribution)."""
        servers = self._first + 1
        while self.tail(servers, wait_s) > alpha:
            servers += 1
        return servers


# ---------------------------------------------------------------------------
# Input validation
# ---------------------------------------------------------------------------


def _fail(caller: str, name: str, value: Any, expected: str) -> SizingError:
    label = name
    if name == "vcpus":
        label = "vcpus (ansible_processor_vcpus)"
    return SizingError(
        f"{caller}: parameter '{label}' got {describe(value)}; expected {expected}",
        name,
        value,
        expected,
    )


def _to_float(caller: str, name: str, value: Any, expected: str) -> float:
    if isinstance(value, bool) or value is None:
        raise _fail(caller, name, value, expected)
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise _fail(caller, name, value, expected) from None
    elif isinstance(value, (int, float)):
        number = float(value)
    else:
        raise _fail(caller, name, value, expected)
    if not math.isfinite(number):
        raise _fail(caller, name, value, expected)
    return number


def check_number(
    caller: str,
    name: str,
    value: Any,
    low: float,
    high: float = math.inf,
    *,
    low_open: bool = True,
    high_open: bool = False,
) -> float:
    """Validate a finite number in a range; numeric strings are accepted."""
    lo = f"> {low:g}" if low_open else f">= {low:g}"
    expected = f"a finite number {lo}"
    if high != math.inf:
        expected += f" and {'<' if high_open else '<='} {high:g}"
    number = _to_float(caller, name, value, expected)
    below = number <= low if low_open else number < low
    above = number >= high if high_open else number > high
    if below or above:
        raise _fail(caller, name, value, expected)
    return number


def check_integer(caller: str, name: str, value: Any, low: int, high: int = THREADS_LIMIT) -> int:
    """Validate an integer in [low, high]; integral floats/strings are accepted."""
    expected = f"an integer >= {low} and <= {high}"
    if name == "vcpus":
        expected += " (some platforms, e.g. ppc64le, report 0 vCPUs: pass vcpus explicitly)"
    number = _to_float(caller, name, value, expected)
    if number != int(number) or number < low or number > high:
        raise _fail(caller, name, value, expected)
    return int(number)


def check_vcpus(caller: str, value: Any) -> int:
    """Validate the vCPU count (ansible_processor_vcpus)."""
    return check_integer(caller, "vcpus", value, 1, 1000000)


def check_boolean(caller: str, name: str, value: Any) -> bool:
    """Validate a boolean (Ansible boolean strings are accepted)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _BOOL_STRINGS:
        return _BOOL_STRINGS[value.strip().lower()]
    raise _fail(caller, name, value, "a boolean")


def check_version(caller: str, value: Any) -> Tuple[int, int]:
    """Validate mod_wsgi_version (see plugin_utils.versions) and return (major, minor)."""
    try:
        major, minor, _patch = parse_version(value, caller)
    except VersionError as exc:
        raise SizingError(str(exc)) from None
    return major, minor


#: Range of each number parameter: (low, high, low_open, high_open).
_NUMBER_RANGES: Dict[str, Tuple[float, float, bool, bool]] = {
    "target_rpm": (0.0, math.inf, True, False),
    "latency_ms": (0.0, math.inf, True, False),
    "memory_mb": (0.0, math.inf, True, False),
    "memory_fraction": (0.0, 1.0, True, False),
    "apache_reserve_mb": (0.0, math.inf, False, False),
    "process_rss_mb": (0.0, math.inf, True, False),
    "thread_rss_mb": (0.0, math.inf, False, False),
    "cpu_target": (0.0, 1.0, True, False),
    "gil_target": (0.0, 1.0, True, True),
    "overhead_ms": (0.0, math.inf, False, False),
    "headroom": (0.0, 10.0, False, False),
    "slo_wait_ms": (0.0, math.inf, False, False),
    "slo_percentile": (0.0, 100.0, True, True),
    "hang_timeout_s": (0.0, math.inf, False, False),
}

#: Range of each integer parameter: (low, high).
_INTEGER_RANGES: Dict[str, Tuple[int, int]] = {
    "hosts": (1, 1000000),
    "max_threads": (1, THREADS_LIMIT),
    "min_processes": (1, 100000),
    "processes": (1, 100000),
    "threads": (1, THREADS_LIMIT),
}

#: Parameters whose default, None, means "not given" rather than a value.
_OPTIONAL = ("memory_mb", "processes", "threads")


def _check_keywords(caller: str, params: Mapping[str, Any]) -> None:
    """Refuse unknown keywords and missing required ones."""
    unknown = sorted(set(params) - set(PLAN_PARAMETERS))
    if unknown:
        raise SizingError(
            f"{caller}: unknown parameter(s) {', '.join(repr(u) for u in unknown)}; "
            f"accepted: {', '.join(sorted(PLAN_PARAMETERS))}"
        )
    for name in PLAN_REQUIRED:
        if params.get(name) is None:
            raise SizingError(f"{caller}: parameter '{name}' is required", name, None, "a value")


def _check_ranged(caller: str, name: str, value: Any) -> Any:
    """Check a number or integer parameter against its range in the tables above."""
    if name in _INTEGER_RANGES:
        return check_integer(caller, name, value, *_INTEGER_RANGES[name])
    low, high, low_open, high_open = _NUMBER_RANGES[name]
    return check_number(caller, name, value, low, high, low_open=low_open, high_open=high_open)


def _check_cpu_ms(caller: str, value: Any, latency_ms: float) -> Dict[str, Any]:
    """cpu_ms (at most latency_ms), or DEFAULT_CPU_FRACTION of latency_ms when not given."""
    if value is None:
        return {"cpu_ms": latency_ms * DEFAULT_CPU_FRACTION, "cpu_ms_defaulted": True}
    return {
        "cpu_ms": check_number(caller, "cpu_ms", value, 0.0, latency_ms),
        "cpu_ms_defaulted": False,
    }


def _check_combination(caller: str, raw: Mapping[str, Any], out: Mapping[str, Any]) -> None:
    """Checks that involve several parameters: free-threading's version, the load.

    ``raw`` holds the values as given (defaults filled in), ``out`` the checked ones.
    """
    if out["free_threading"] and int(out["mod_wsgi_version"].split(".")[0]) < 6:
        raise SizingError(
            f"{caller}: parameter 'free_threading' got True with mod_wsgi_version "
            f"{raw['mod_wsgi_version']!r}; expected mod_wsgi_version >= 6.0 "
            "(WSGIFreeThreading was added in mod_wsgi 6.0)"
        )
    load = out["target_rpm"] / 60.0 / out["hosts"] * out["latency_ms"] / 1000.0
    if load / (1.0 - out["gil_target"]) > MAX_OFFERED_LOAD:
        raise _fail(
            caller,
            "target_rpm",
            raw["target_rpm"],
            f"a load below {MAX_OFFERED_LOAD:,.0f} busy threads per host "
            "(split it over more hosts)",
        )


def normalize_inputs(caller: str, vcpus: Any, params: Mapping[str, Any]) -> Dict[str, Any]:
    """Validate the keywords of a plan and return them with defaults filled in."""
    _check_keywords(caller, params)
    raw = dict(PLAN_DEFAULTS)
    raw.update({k: v for k, v in params.items() if v is not None})
    out: Dict[str, Any] = {"vcpus": check_vcpus(caller, vcpus)}
    for name in PLAN_PARAMETERS:
        value = raw[name]
        if name == "cpu_ms":
            out.update(_check_cpu_ms(caller, value, out["latency_ms"]))
        elif name == "mod_wsgi_version":
            out[name] = "{}.{}".format(*check_version(caller, value))
        elif name == "free_threading":
            out[name] = check_boolean(caller, name, value)
        elif value is None and name in _OPTIONAL:
            out[name] = None
        else:
            out[name] = _check_ranged(caller, name, value)
    _check_combination(caller, raw, out)
    return out


# ---------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------


def _ceil(x: float) -> int:
    """Ceiling that ignores floating-point noise (1.4 / 0.7 is 2, not 3)."""
    return math.ceil(x - _EPS)


def cpu_stretch(load: float, vcpus: int) -> float:
    """Mean time a CPU burst takes per second of CPU it needs, on ``vcpus`` CPUs that
    other work keeps ``load`` cores busy on average.

    The M/M/V factor 1 + C(V, A) / (V - A) (processor sharing, which is how Linux
    shares CPUs, has the same mean); 1 / (1 - A) on one CPU; infinity when A >= V.
    """
    if load <= 0.0:
        return 1.0
    if load >= vcpus:
        return math.inf
    return 1.0 + erlang_c(vcpus, load) / (vcpus - load)


def _inflated(inp: Mapping[str, Any], gil_load: float, cpu_load: float) -> float:
    """Seconds a request holds a thread: its I/O, and its Python CPU stretched by the
    wait for the GIL and for a CPU (infinity when either is saturated).

    ``gil_load`` is the Python CPU-s/s of the request's process (its GIL), ``cpu_load``
    the cores of CPU the host's requests need, lam (C + o). The other work, cpu_load -
    gil_load, stretches every second of CPU by s (cpu_stretch); a GIL holder then
    holds it s times longer, so the GIL is gil_load x s busy and a burst takes
    C s / (1 - gil_load s). On one CPU that is C / (1 - cpu_load) whatever the number
    of processes: one CPU shared by every burst. Free-threading has no GIL term.
    With cpu_load >= vcpus the CPUs are saturated: then gil_load x s >= 1 too (as
    C(V, V - u) >= 1 - u), but on one CPU rounding can miss that equality and give a
    finite 1e17 ms, so saturation is returned outright.
    """
    if cpu_load >= inp["vcpus"]:
        return math.inf
    w = inp["latency_ms"] / 1000.0
    c = inp["cpu_ms"] / 1000.0
    own = 0.0 if inp["free_threading"] else gil_load
    stretch = cpu_stretch(max(0.0, cpu_load - own), inp["vcpus"])
    if math.isinf(stretch) or own * stretch >= 1.0:
        return math.inf
    return (w - c) + c * stretch / (1.0 - own * stretch)


def _gil_processes(python_cores: float, gil_target: float) -> int:
    """Processes whose GILs run ``python_cores`` CPU-s/s of Python at ``gil_target``."""
    return max(1, _ceil(python_cores / gil_target))


class _Demand:
    """Size-independent quantities of a plan."""

    def __init__(self, inp: Mapping[str, Any]) -> None:
        self.lam = inp["target_rpm"] / 60.0 / inp["hosts"]
        self.w = inp["latency_ms"] / 1000.0
        self.c = inp["cpu_ms"] / 1000.0
        self.o = inp["overhead_ms"] / 1000.0
        self.t = inp["slo_wait_ms"] / 1000.0
        self.alpha = 1.0 - inp["slo_percentile"] / 100.0
        self.gil = not inp["free_threading"]
        # The pool is sized for this many times the busy threads the target keeps
        # busy: off the knee of the queue, where a few percent more load or latency
        # than measured would multiply the wait.
        self.margin = 1.0 + inp["headroom"]
        self.python_cores = self.lam * self.c
        self.cpu_cores = self.lam * (self.c + self.o)
        # The host's CPU load: this app's and, in a host plan, the other apps'.
        self.background_cores = inp.get("background_cores", 0.0)
        self.host_cores = self.cpu_cores + self.background_cores
        # Sized at gil_target and at most cpu_target of the CPUs busy: a plan over
        # cpu_target is infeasible, and its size is the one that would carry the
        # target with the CPU it needs.
        self.cpu_design = min(self.host_cores, inp["cpu_target"] * inp["vcpus"])
        self.w_design = _inflated(inp, inp["gil_target"], self.cpu_design)
        self.load_design = self.lam * self.w_design
        self.gil_thread_cap = _ceil(self.w / self.c) if self.gil else None
        self.thread_cap = (
            min(inp["max_threads"], self.gil_thread_cap) if self.gil else inp["max_threads"]
        )
        self.p_gil = _gil_processes(self.python_cores, inp["gil_target"]) if self.gil else 1
        self.threads_needed = self.min_threads(self.w_design, inp["vcpus"])
        self.p_slo = _ceil(self.threads_needed / self.thread_cap)

    def busy_threads(self, w_eff: float, cpus: int, factor: float = 1.0) -> BusyThreads:
        """The busy threads of this demand when a request holds one for ``w_eff``
        seconds, its Python sharing ``cpus`` CPUs, at factor x the target rate."""
        io = self.w - self.c
        return BusyThreads(self.lam, io, w_eff - io, cpus, factor)

    def min_threads(self, w_eff: float, cpus: int) -> int:
        """Threads the queue SLO needs with the headroom (w_eff finite)."""
        return self.busy_threads(w_eff, cpus, self.margin).min_servers(self.t, self.alpha)

    def threads_for(self, inp: Mapping[str, Any], processes: int) -> Optional[int]:
        """Threads needed per process at the GIL load ``processes`` really see (and
        at most cpu_target of the CPUs busy, as in the design)."""
        w_eff = _inflated(inp, self.python_cores / processes, self.cpu_design)
        if math.isinf(w_eff):
            return None
        return _ceil(self.min_threads(w_eff, inp["vcpus"]) / processes)


def memory_budget_mb(inp: Mapping[str, Any]) -> Optional[float]:
    """memory_mb * memory_fraction - apache_reserve_mb, or None without memory_mb."""
    if inp["memory_mb"] is None:
        return None
    return inp["memory_mb"] * inp["memory_fraction"] - inp["apache_reserve_mb"]


def plan_memory_mb(inp: Mapping[str, Any], processes: int, threads: int) -> float:
    """Daemon memory of a P x T plan: P * (process_rss_mb + T * thread_rss_mb)."""
    return processes * (inp["process_rss_mb"] + threads * inp["thread_rss_mb"])


def request_timeout(inp: Mapping[str, Any], threads: int) -> Tuple[int, Optional[float], str]:
    """Choose request-timeout so one hung request is killed after ~hang_timeout_s.

    Returns (request_timeout, effective seconds for one hung request, rule).
    mod_wsgi <= 5.x averages elapsed time over all thread slots, so one stuck
    request fires after about threads * request-timeout; 6.x checks each
    thread against request-timeout * (1 + ln threads).
    """
    major = int(inp["mod_wsgi_version"].split(".")[0])
    if major >= 6:
        factor = 1.0 + math.log(threads)
        rule = "6.x: request-timeout x (1 + ln threads)"
    else:
        factor = float(threads)
        rule = "<= 5.x: threads x request-timeout (average over thread slots)"
    if inp["hang_timeout_s"] == 0:
        return 0, None, rule
    floor = max(REQUEST_TIMEOUT_FLOOR_S, REQUEST_TIMEOUT_LATENCY_FACTOR * inp["latency_ms"] / 1000)
    wanted = max(inp["hang_timeout_s"], floor)
    value = max(1, round(wanted / factor))
    while value * factor < floor - _EPS:
        value += 1
    return value, round(value * factor, 1), rule


def queue_timeout(inp: Mapping[str, Any]) -> int:
    """queue-timeout: shed requests that waited seconds for a thread (overload)."""
    return max(
        QUEUE_TIMEOUT_FLOOR_S,
        _ceil(REQUEST_TIMEOUT_LATENCY_FACTOR * inp["latency_ms"] / 1000.0),
        _ceil(2.0 * inp["slo_wait_ms"] / 1000.0),
    )


def drain_timeout(inp: Mapping[str, Any]) -> int:
    """shutdown-timeout and graceful-timeout: time a stopping daemon gives its requests.

    max(5 s, 10 x latency): a request that is not hung finishes before its daemon
    exits (maximum-requests, restart-interval, SIGUSR1, Apache stop). On an Apache
    graceful reload APR kills the old daemons 3 s after SIGTERM whatever this is.
    """
    return max(
        DRAIN_TIMEOUT_FLOOR_S,
        _ceil(REQUEST_TIMEOUT_LATENCY_FACTOR * inp["latency_ms"] / 1000.0),
    )


def socket_timeout(inp: Mapping[str, Any], effective_request_timeout: Optional[float]) -> int:
    """socket-timeout: how long an Apache child waits on its daemon before a 504.

    Explicit, so a stuck daemon frees Apache workers instead of holding them for
    Apache's Timeout (300 s on Debian): at least 60 s (mod_wsgi-express's value),
    10 x latency, and 5 s past the moment request-timeout restarts a hung daemon,
    so that restart, not the 504, ends a hung request.
    """
    after_restart = 0 if effective_request_timeout is None else effective_request_timeout + 5
    return max(
        SOCKET_TIMEOUT_FLOOR_S,
        _ceil(REQUEST_TIMEOUT_LATENCY_FACTOR * inp["latency_ms"] / 1000.0),
        _ceil(after_restart),
    )


def max_request_workers(total_threads: int) -> int:
    """Apache MaxRequestWorkers needed in front of the daemons: ceil(1.5 P T) + 10."""
    return _ceil(1.5 * total_threads) + 10


def _thread_capacity_rps(inp: Mapping[str, Any], d: _Demand, processes: int, threads: int) -> float:
    """Arrival rate at which every thread is busy, GIL and CPU waits included."""
    servers = processes * threads
    background = d.background_cores
    hi = max(0.0, inp["vcpus"] - background) / (d.c + d.o)
    if d.gil:
        hi = min(hi, processes / d.c)
    if d.w > d.c:
        hi = min(hi, servers / (d.w - d.c))
    lo = 0.0
    for _step in range(200):
        mid = (lo + hi) / 2.0
        busy = mid * _inflated(inp, mid * d.c / processes, mid * (d.c + d.o) + background)
        if busy > servers:
            hi = mid
        else:
            lo = mid
    return lo


def _pct(x: float) -> str:
    return f"{100.0 * x:.1f}%"


def _ms(x: float) -> str:
    return f"{x:g} ms"


class _Queue:
    """The queue for a thread of a P x T plan (BusyThreads), at the GIL load its P
    processes really see and with ``cpu_load`` cores of the host busy (the target's, or
    at most cpu_target's); the bursts share the host's vCPUs.

    The predicted figures are those of the target; ``meets_slo`` judges the queue at
    the headroom's load (d.margin times the busy threads), as the plan was sized.
    """

    def __init__(
        self, inp: Mapping[str, Any], d: _Demand, processes: int, threads: int, cpu_load: float
    ) -> None:
        self.servers = processes * threads
        self.gil_util = d.python_cores / processes if d.gil else None
        self.w_eff = _inflated(inp, self.gil_util or 0.0, cpu_load)
        self.stable = not math.isinf(self.w_eff)
        self.load = d.lam * self.w_eff if self.stable else math.inf
        self.rho = self.load / self.servers
        self.p_wait, self.tail = 1.0, 1.0
        self.q_wait_ms: Optional[float] = None
        self.mean_wait_ms: Optional[float] = None
        self.meets_slo = False
        self._design: Optional[BusyThreads] = None
        if not self.stable:
            return
        cpus = inp["vcpus"]
        busy = d.busy_threads(self.w_eff, cpus)
        state = busy.queue(self.servers)
        if state is not None:
            self.p_wait = state[0]
            self.tail = busy.tail(self.servers, d.t)
            self.q_wait_ms = 1000.0 * busy.quantile_s(self.servers, d.alpha)
            self.mean_wait_ms = 1000.0 * busy.mean_wait_s(self.servers)
        self._design = d.busy_threads(self.w_eff, cpus, d.margin)
        self.meets_slo = self._design.tail(self.servers, d.t) <= d.alpha + _EPS

    def threads_needed(self, d: _Demand) -> Optional[int]:
        """Threads the queue SLO needs with the headroom at this GIL and CPU load (None:
        the GIL or the CPU is saturated)."""
        if self._design is None:
            return None
        return self._design.min_servers(d.t, d.alpha)


def _capacity(
    inp: Mapping[str, Any], d: _Demand, processes: int, threads: int
) -> Tuple[float, str]:
    """(rpm per host at which the plan saturates, the resource busiest at that rate).

    The plan saturates when every thread is busy, the waits for the GIL and a CPU
    included (they grow without bound as either fills up). The limit is the busiest
    of the CPUs (lam (C + o) / V), a GIL (lam C / P) and the threads without those
    waits (lam W / (P T)) at that rate; a tie goes to the threads.
    """
    rate = _thread_capacity_rps(inp, d, processes, threads)
    busy = {
        "threads": rate * d.w / (processes * threads),
        "gil": rate * d.c / processes if d.gil else 0.0,
        "cpu": (rate * (d.c + d.o) + d.background_cores) / inp["vcpus"],
    }
    limit = max(busy, key=lambda name: (busy[name], name == "threads"))
    return round(60.0 * rate, 1), limit


def _checks(
    inp: Mapping[str, Any], d: _Demand, q: _Queue, binding: str, memory: float
) -> Dict[str, bool]:
    """Which targets the plan meets, by check code (see CHECKS).

    ``q`` is the queue at the CPU load the plan is judged at (see _evaluate).
    """
    if q.gil_util is None:
        gil_ok = True
    elif binding == "memory":
        gil_ok = q.gil_util < 1.0
    else:
        gil_ok = q.gil_util <= inp["gil_target"] + _EPS
    budget = memory_budget_mb(inp)
    return {
        "queue_slo": q.meets_slo,
        "gil": gil_ok,
        "cpu": d.cpu_cores <= inp["cpu_target"] * inp["vcpus"] + _EPS,
        "memory": budget is None or memory <= budget + _EPS,
    }


def _apache_settings(
    inp: Mapping[str, Any], processes: int, threads: int
) -> Tuple[Dict[str, Any], str]:
    """Timeouts, listen backlog and MaxRequestWorkers of a P x T plan, and the timeout rule."""
    mrw = max_request_workers(processes * threads)
    rt, rt_eff, rt_rule = request_timeout(inp, threads)
    qt = queue_timeout(inp)
    drain = drain_timeout(inp)
    st = socket_timeout(inp, rt_eff)
    backlog = max(LISTEN_BACKLOG_DEFAULT, mrw)
    settings = {
        "max_request_workers": mrw,
        "request_timeout": rt,
        "effective_request_timeout_s": rt_eff,
        "queue_timeout": qt,
        "shutdown_timeout": drain,
        "graceful_timeout": drain,
        "socket_timeout": st,
        "listen_backlog": backlog,
        "options": {
            "processes": processes,
            "threads": threads,
            "request-timeout": rt,
            "queue-timeout": qt,
            "graceful-timeout": drain,
            "shutdown-timeout": drain,
            "socket-timeout": st,
            "listen-backlog": backlog,
        },
    }
    return settings, rt_rule


def _queue_fields(q: _Queue) -> Dict[str, Any]:
    """The plan's view of its queue (None where the GIL makes it unstable)."""
    return {
        "effective_latency_ms": 1000.0 * q.w_eff if q.stable else None,
        "busy_threads": q.load if q.stable else None,
        "thread_utilization": round(q.rho, 6) if q.stable else None,
        "gil_utilization": None if q.gil_util is None else round(q.gil_util, 6),
        "predicted_wait_probability": round(q.p_wait, 6),
        "predicted_slo_violation_probability": round(q.tail, 6),
        "predicted_queue_wait_ms": None if q.q_wait_ms is None else round(q.q_wait_ms, 3),
        "mean_queue_wait_ms": None if q.mean_wait_ms is None else round(q.mean_wait_ms, 4),
    }


def _evaluate(
    inp: Mapping[str, Any],
    d: _Demand,
    processes: int,
    threads: int,
    binding: str,
    *,
    floor: Optional[Dict[str, Any]] = None,
    memory_note: str = MEMORY_UNCHECKED,
) -> Dict[str, Any]:
    """Metrics, checks and reasons of a P x T plan for the demand ``d``.

    ``floor`` is the plan of a lower rpm that made threads go up (see
    _capacity_floor); it is reported, not checked.  ``memory_note`` is the
    sentence said when this plan has no memory budget of its own.
    """
    # The figures are those of the target on this host. The queue is judged with at
    # most cpu_target of the CPUs busy, so that a host short of CPU fails the cpu
    # check (add vCPUs) and not also the queue's (whose threads would then be right).
    q = _Queue(inp, d, processes, threads, d.host_cores)
    judged = q if d.host_cores <= d.cpu_design else _Queue(inp, d, processes, threads, d.cpu_design)
    budget = memory_budget_mb(inp)
    memory = plan_memory_mb(inp, processes, threads)
    checks = _checks(inp, d, judged, binding, memory)
    capacity_rpm, limit = _capacity(inp, d, processes, threads)
    apache, rt_rule = _apache_settings(inp, processes, threads)
    plan: Dict[str, Any] = {
        "processes": processes,
        "threads": threads,
        "total_threads": q.servers,
        "feasible": all(checks.values()),
        "binding": binding,
        "vcpus_needed": None if checks["cpu"] else _ceil(d.cpu_cores / inp["cpu_target"]),
        "capacity_rpm": capacity_rpm,
        "capacity_limit": limit,
        "arrival_rate_rps": d.lam,
        "threads_required": d.threads_needed,
        "capacity_floor": floor,
        "thread_cap": d.thread_cap,
        "cpu_cores_needed": round(d.cpu_cores, 6),
        "cpu_utilization": round(d.cpu_cores / inp["vcpus"], 6),
        **_queue_fields(q),
        "memory_mb": round(memory, 1),
        "memory_budget_mb": None if budget is None else round(budget, 1),
        **apache,
        "limits": {
            "min_processes": inp["min_processes"],
            "gil": d.p_gil if d.gil else None,
            "queue_slo": d.p_slo,
        },
        "checks": checks,
    }
    slo_threads = None if checks["queue_slo"] else judged.threads_needed(d)
    sentences = _check_sentences(inp, d, plan, slo_threads, memory_note)
    plan["problems"] = _problems(inp, d, plan, sentences, slo_threads)
    plan["reasons"] = _plan_reasons(inp, d, plan, sentences, rt_rule)
    return plan


# ---------------------------------------------------------------------------
# Checks and reasons: sentences for people, problems for code
# ---------------------------------------------------------------------------

#: Codes of the checks of a single plan, in the order their sentences appear.
CHECKS = ("queue_slo", "gil", "cpu", "memory")


def _problem(code: str, message: str, needed: Any, available: Any, unit: str) -> Dict[str, Any]:
    """One failed check: a stable ``code``, the sentence, and the numbers behind it
    (``needed`` vs ``available``, in ``unit``); ``app`` is set by host_plan for app problems."""
    return {
        "code": code,
        "app": None,
        "message": message,
        "needed": needed,
        "available": available,
        "unit": unit,
    }


def _problems(
    inp: Mapping[str, Any],
    d: _Demand,
    plan: Mapping[str, Any],
    sentences: Mapping[str, Optional[str]],
    slo_threads: Optional[int],
) -> List[Dict[str, Any]]:
    """A problem per failed check, with the sentence the reasons say for it."""
    numbers = {
        "queue_slo": (slo_threads, plan["total_threads"], "threads"),
        "gil": (d.p_gil, plan["processes"], "processes"),
        "cpu": (plan["cpu_cores_needed"], round(inp["cpu_target"] * inp["vcpus"], 6), "cores"),
        "memory": (plan["memory_mb"], plan["memory_budget_mb"], "MB"),
    }
    checks = plan["checks"]
    return [_problem(code, sentences[code], *numbers[code]) for code in CHECKS if not checks[code]]


def _check_sentences(
    inp: Mapping[str, Any],
    d: _Demand,
    plan: Mapping[str, Any],
    slo_threads: Optional[int],
    memory_note: str,
) -> Dict[str, Optional[str]]:
    """The sentence of each check (code -> sentence; None: nothing to say)."""
    checks = plan["checks"]
    gil = None if plan["gil_utilization"] is None else _gil_sentence(inp, d, plan, checks["gil"])
    return {
        "queue_slo": None if checks["queue_slo"] else _slo_sentence(inp, d, slo_threads),
        "gil": gil,
        "cpu": _cpu_sentence(inp, d, plan, checks["cpu"]),
        "memory": _memory_sentence(inp, d, plan, checks["memory"], memory_note),
    }


def _slo_sentence(inp: Mapping[str, Any], d: _Demand, slo_threads: Optional[int]) -> str:
    """Why the queue SLO fails (it is only said when it does)."""
    head = (
        f"Infeasible: the queue SLO is not met (P(wait > {_ms(inp['slo_wait_ms'])}) must "
        f"be at most {_pct(d.alpha)}); "
    )
    if slo_threads is None:
        return head + "no number of threads meets it while the GIL is saturated."
    return head + f"{slo_threads} threads are needed."


def _gil_sentence(inp: Mapping[str, Any], d: _Demand, plan: Mapping[str, Any], ok: bool) -> str:
    """The GIL load of each process, and why it is too much when it is."""
    text = (
        f"Each process runs {plan['gil_utilization']:.3f} CPU-seconds of Python per "
        f"second under its GIL (gil_target {inp['gil_target']:g})."
    )
    if ok:
        return text
    return (
        f"Infeasible: {text[0].lower()}{text[1:-1]}, too much: CPU bursts "
        f"would queue for the GIL; at least {d.p_gil} processes are needed."
    )


def _cpu_sentence(inp: Mapping[str, Any], d: _Demand, plan: Mapping[str, Any], ok: bool) -> str:
    """The CPU the target needs, and what would carry it when the host is short."""
    text = (
        f"CPU: {d.lam:.2f} req/s x ({inp['cpu_ms']:g} + {inp['overhead_ms']:g}) ms = "
        f"{d.cpu_cores:.3g} cores, {_pct(plan['cpu_utilization'])} of {inp['vcpus']} vCPUs "
        f"(cpu_target {_pct(inp['cpu_target'])})."
    )
    if ok:
        return text
    all_in = 1000.0 * inp["cpu_target"] * inp["vcpus"] / d.lam
    text = (
        f"Infeasible: {text} That is over the target: it needs "
        f"{plan['vcpus_needed']} vCPUs, or at most {all_in:.2f} ms of CPU per request "
        "all-in"
    )
    if plan["binding"] == "override":
        return text + "."
    return text + (
        f"; with the CPU, {plan['processes']} processes x {plan['threads']} threads would carry it."
    )


def _memory_sentence(
    inp: Mapping[str, Any], d: _Demand, plan: Mapping[str, Any], ok: bool, memory_note: str
) -> str:
    """The daemons' memory against the budget (or ``memory_note`` without one)."""
    mem = (
        f"Memory: {plan['processes']} x ({inp['process_rss_mb']:g} + {plan['threads']} x "
        f"{inp['thread_rss_mb']:g}) MB = {plan['memory_mb']:,.0f} MB for the daemons"
    )
    budget = plan["memory_budget_mb"]
    if budget is None:
        return f"{mem}; {memory_note}"
    budget_text = (
        f"the budget is {inp['memory_mb']:g} MB x {inp['memory_fraction']:g} - "
        f"{inp['apache_reserve_mb']:g} MB for Apache = {budget:,.0f} MB"
    )
    if ok:
        return f"{mem}; {budget_text}."
    per = inp["process_rss_mb"] + d.thread_cap * inp["thread_rss_mb"]
    fit = max(0, math.floor(max(budget, 0.0) / per + _EPS))
    return (
        f"Infeasible: {mem[0].lower()}{mem[1:]}, but {budget_text}, room for "
        f"{fit} process(es) of up to {d.thread_cap} threads "
        f"(min_processes {inp['min_processes']}, {d.p_gil} for the GIL)."
    )


def _demand_reasons(inp: Mapping[str, Any], d: _Demand) -> List[str]:
    """How the load turns into busy threads and the thread pool the SLO needs."""
    r: List[str] = []
    if inp["cpu_ms_defaulted"]:
        r.append(
            f"cpu_ms was not given, so {inp['cpu_ms']:g} ms "
            f"({DEFAULT_CPU_FRACTION:.0%} of latency_ms) was assumed; measure it and pass it."
        )
    r.append(
        f"Each host must carry {60.0 * d.lam:,.0f} rpm = {d.lam:.2f} req/s "
        f"({inp['target_rpm']:,.0f} rpm over {inp['hosts']} host(s))."
    )
    if d.gil:
        r.append(
            f"A request holds a daemon thread for {_ms(inp['latency_ms'])}, of which "
            f"{_ms(inp['cpu_ms'])} runs Python under the GIL; sized for a per-process GIL "
            f"utilisation of {inp['gil_target']:g} with {d.cpu_design:.3g} of the "
            f"{inp['vcpus']} vCPUs busy (the waits for the GIL and a CPU) that becomes "
            f"{1000.0 * d.w_design:.2f} ms, so by Little's law {d.lam:.2f} req/s keep "
            f"{d.load_design:.2f} threads busy."
        )
    else:
        r.append(
            f"With free-threading there is no per-process GIL: a request holds a thread "
            f"for {_ms(inp['latency_ms'])}, {1000.0 * d.w_design:.2f} ms with the wait for a "
            f"CPU ({d.cpu_design:.3g} of the {inp['vcpus']} vCPUs busy), so by Little's law "
            f"{d.lam:.2f} req/s keep {d.load_design:.2f} threads busy."
        )
    r.append(
        f"Counting the busy threads as the requests on I/O plus those whose bursts share "
        f"{inp['vcpus']} vCPU(s), with a headroom of {inp['headroom']:.0%}: "
        f"{d.threads_needed} threads is the smallest pool keeping P(queue wait > "
        f"{_ms(inp['slo_wait_ms'])}) at or below {_pct(d.alpha)} (the "
        f"p{inp['slo_percentile']:g} SLO) with {d.margin * d.load_design:.2f} threads busy "
        "on average."
    )
    if d.gil:
        r.append(
            f"Threads per process are capped at {d.thread_cap}: max_threads is "
            f"{inp['max_threads']} and ceil({inp['latency_ms']:g} / {inp['cpu_ms']:g}) = "
            f"{d.gil_thread_cap} threads already saturate one GIL."
        )
    return r


def _size_reasons(inp: Mapping[str, Any], d: _Demand, plan: Mapping[str, Any]) -> List[str]:
    """Where processes and threads come from."""
    p, t, binding = plan["processes"], plan["threads"], plan["binding"]
    if binding == "override":
        return [
            f"processes={p} and threads={t} come from the processes/threads override(s); "
            "the plan evaluates that size."
        ]
    if binding == "memory" and plan["checks"]["memory"]:
        return [
            f"The memory budget allows only {p} processes (the design asked for "
            f"{max(d.p_gil, d.p_slo, inp['min_processes'])}), so {p} processes x {t} threads "
            "are used and each GIL runs hotter than gil_target."
        ]
    r = [
        f"processes = max(min_processes {inp['min_processes']}, GIL ceil("
        f"{d.python_cores:.3g} Python CPU-s/s / {inp['gil_target']:g}) = {d.p_gil}, "
        f"threads ceil({d.threads_needed} / {d.thread_cap}) = {d.p_slo}) = {p} "
        f"(binding: {binding}); threads = ceil({d.threads_needed} / {p}) = "
        f"{_ceil(d.threads_needed / p)}."
    ]
    floor = plan["capacity_floor"]
    if floor is not None:
        r.append(
            f"Threads are raised to {t} so that more rpm never gets fewer threads: "
            f"{floor['target_rpm']:,.0f} rpm gets {floor['processes']} x "
            f"{floor['threads']} = {floor['total_threads']}."
        )
    return r


def _load_reason(inp: Mapping[str, Any], d: _Demand, plan: Mapping[str, Any]) -> str:
    """How busy the threads are at the target, and where the plan saturates."""
    p, t = plan["processes"], plan["threads"]
    if plan["thread_utilization"] is None:
        return (
            f"{p} processes cannot run {d.python_cores:.3g} CPU-seconds of Python per second "
            "under their GILs: the plan is unstable."
        )
    q = plan["predicted_queue_wait_ms"]
    q_text = "unbounded" if q is None else f"{q:.1f} ms"
    return (
        f"{p} x {t} = {plan['total_threads']} threads are {_pct(plan['thread_utilization'])} "
        f"busy at the target ({plan['busy_threads']:.2f} busy threads, "
        f"{plan['effective_latency_ms']:.2f} ms per request incl. GIL wait); P(wait) = "
        f"{_pct(plan['predicted_wait_probability'])}, P(wait > "
        f"{_ms(inp['slo_wait_ms'])}) = {_pct(plan['predicted_slo_violation_probability'])}"
        f", p{inp['slo_percentile']:g} queue wait {q_text}; the plan saturates at "
        f"{plan['capacity_rpm']:,.0f} rpm per host (limited by {plan['capacity_limit']})."
    )


def _timeout_reasons(inp: Mapping[str, Any], plan: Mapping[str, Any], rt_rule: str) -> List[str]:
    """The timeouts, the listen backlog and MaxRequestWorkers."""
    if plan["request_timeout"]:
        request = (
            f"request-timeout={plan['request_timeout']} kills a single hung request after "
            f"about {plan['effective_request_timeout_s']:g} s with mod_wsgi "
            f"{inp['mod_wsgi_version']} ({rt_rule}; hang_timeout_s {inp['hang_timeout_s']:g}, "
            f"floor max({REQUEST_TIMEOUT_FLOOR_S:g} s, "
            f"{REQUEST_TIMEOUT_LATENCY_FACTOR:g} x latency))."
        )
    else:
        request = "request-timeout is 0 (off) because hang_timeout_s is 0."
    return [
        request,
        f"queue-timeout={plan['queue_timeout']} s sheds requests that waited that long for a "
        f"thread (overload) instead of queueing them; shutdown-timeout and graceful-timeout="
        f"{plan['shutdown_timeout']} s let a stopping daemon finish requests up to "
        f"{REQUEST_TIMEOUT_LATENCY_FACTOR:g} x latency; socket-timeout={plan['socket_timeout']} s "
        f"frees an Apache worker from a daemon that stopped answering; "
        f"listen-backlog={plan['listen_backlog']}"
        f" and Apache MaxRequestWorkers >= ceil(1.5 x {plan['total_threads']}) + 10 = "
        f"{plan['max_request_workers']}.",
    ]


def _plan_reasons(
    inp: Mapping[str, Any],
    d: _Demand,
    plan: Mapping[str, Any],
    sentences: Mapping[str, Optional[str]],
    rt_rule: str,
) -> List[str]:
    """Full sentences explaining the plan, with its numbers."""
    r = _demand_reasons(inp, d) + _size_reasons(inp, d, plan)
    r.append(_load_reason(inp, d, plan))
    r.extend(sentences[code] for code in CHECKS if sentences[code] is not None)
    return r + _timeout_reasons(inp, plan, rt_rule)


def _memory_fit(inp: Mapping[str, Any], d: _Demand, processes: int) -> Optional[Tuple[int, int]]:
    """Largest P' < processes whose plan fits the memory budget, or None.

    Threads stay within the GIL thread cap and processes within
    min_processes; the GIL may run hotter than gil_target (the queue SLO is
    still checked at the real GIL load).
    """
    budget = memory_budget_mb(inp)
    if budget is None:
        return None
    for fewer in range(processes - 1, inp["min_processes"] - 1, -1):
        threads = d.threads_for(inp, fewer)
        if threads is None or threads > d.thread_cap:
            return None
        if plan_memory_mb(inp, fewer, threads) <= budget + _EPS:
            return fewer, threads
    return None


def _design_processes(inp: Mapping[str, Any], rpm: float) -> Tuple[int, int]:
    """(P, N) of the auto-sized design at ``rpm``, every other input unchanged."""
    d = _Demand(dict(inp, target_rpm=rpm))
    return max(inp["min_processes"], d.p_gil, d.p_slo), d.threads_needed


def _largest_rpm(fits: Callable[[float], bool], high: float) -> float:
    """Largest float rpm in (0, high) with ``fits`` (monotone: true below, false above)."""
    low = 0.0
    while True:
        mid = low + (high - low) / 2.0
        if not low < mid < high:
            return low
        if fits(mid):
            low = mid
        else:
            high = mid


def _level_end(inp: Mapping[str, Any], processes: int, high: float) -> Tuple[float, int, int]:
    """Largest rpm below ``high`` sized with at most ``processes`` processes: (rpm, P, N).

    The GIL term alone is bisected first (no Erlang C per step); the full
    design is bisected only when the queue SLO term ends the range earlier.
    """
    cpu_s = inp["cpu_ms"] / 1000.0

    def gil_fits(rpm: float) -> bool:
        # Same arithmetic as _Demand: lam * c.
        return _gil_processes(rpm / 60.0 / inp["hosts"] * cpu_s, inp["gil_target"]) <= processes

    rpm = _largest_rpm(gil_fits, high)
    found, needed = _design_processes(inp, rpm)
    if found > processes:
        rpm = _largest_rpm(lambda r: _design_processes(inp, r)[0] <= processes, rpm)
        found, needed = _design_processes(inp, rpm)
    return rpm, found, needed


def _floor(rpm: float, processes: int, threads: int) -> Dict[str, Any]:
    return {
        "target_rpm": rpm,
        "processes": processes,
        "threads": threads,
        "total_threads": processes * threads,
    }


def _capacity_floor(
    inp: Mapping[str, Any], d: _Demand, processes: int
) -> Tuple[int, Optional[Dict[str, Any]]]:
    """Fewest threads per process that keep total threads monotone in rpm.

    Returns (threads, floor): floor is the final plan at the highest rpm
    sized with fewer processes, when its total forces more than ceil(N / P)
    threads (else None).  Along the rpm path (other inputs fixed) P is
    nondecreasing and, within one P, so is P x ceil(N / P); so a plan must
    carry the final total of the last rpm of each lower process count (the
    "level ends"), whose own threads were raised the same way (raising only
    above the raw design is not enough: a raised 4 x 11 = 44 would be
    followed by 6 x 7 = 42).  Above the thread cap T_max a process count q
    never lowers threads per process (ceil((q - 1) t / q) = t when t < q),
    so there the floor is the largest ceil(N_j / j) of the level ends,
    scanned from the top, skipping levels j >= N_j' / t that cannot beat t.
    Up to T_max the chain is walked exactly, from min_processes up.
    """
    cap = d.thread_cap
    raw = threads = _ceil(d.threads_needed / processes)
    high = inp["target_rpm"]
    below = processes - 1
    previous = top = None
    while below > cap and threads < cap:
        rpm, found, needed = _level_end(inp, below, high)
        previous = previous or (rpm, found)
        threads = max(threads, _ceil(needed / found))
        high = rpm
        below = min(found - 1, _ceil(needed / threads) - 1)
    below = min(cap, processes - 1)
    if threads < cap and below >= inp["min_processes"]:
        levels = []
        while below >= inp["min_processes"]:
            rpm, found, needed = _level_end(inp, below, high)
            levels.append((rpm, found, needed))
            high, below = rpm, found - 1
        total = 0
        for rpm, found, needed in reversed(levels):
            top = _floor(rpm, found, max(_ceil(needed / found), _ceil(total / found)))
            total = top["total_threads"]
        if processes - 1 <= cap:
            # The exact chain reaches the level just below this one.
            previous = None
            threads = max(threads, _ceil(total / processes))
        else:
            # The first process count above the exact zone carries it on.
            threads = max(threads, _ceil(total / (top["processes"] + 1)))
    if threads == raw:
        return raw, None
    if previous is None:
        return threads, top
    return threads, _floor(previous[0], previous[1], threads)


def _override_size(inp: Mapping[str, Any], d: _Demand) -> Tuple[int, int]:
    """P x T from the processes/threads overrides; the missing one is derived."""
    p_over, t_over = inp["processes"], inp["threads"]
    if p_over is not None and t_over is not None:
        return p_over, t_over
    if p_over is not None:
        return p_over, min(inp["max_threads"], d.threads_for(inp, p_over) or inp["max_threads"])
    return max(inp["min_processes"], d.p_gil, _ceil(d.threads_needed / t_over)), t_over


def _auto_size(
    inp: Mapping[str, Any], d: _Demand, monotone: bool
) -> Tuple[int, int, str, Optional[Dict[str, Any]]]:
    """(P, T, binding, capacity floor) of the auto-sized plan."""
    p = max(inp["min_processes"], d.p_gil, d.p_slo)
    binding = "queue_slo"
    if p > d.p_slo:
        binding = "gil" if d.p_gil >= inp["min_processes"] else "min_processes"
    t = _ceil(d.threads_needed / p)
    floor = None
    if binding == "gil" and monotone:
        t, floor = _capacity_floor(inp, d, p)
    if not d.cpu_cores <= inp["cpu_target"] * inp["vcpus"] + _EPS:
        return p, t, "cpu", floor
    budget = memory_budget_mb(inp)
    if budget is not None and plan_memory_mb(inp, p, t) > budget + _EPS:
        fit = _memory_fit(inp, d, p)
        if fit is not None:
            p, t = fit
        return p, t, "memory", None
    return p, t, binding, floor


def _size(
    inp: Mapping[str, Any], monotone: bool = True, memory_note: str = MEMORY_UNCHECKED
) -> Dict[str, Any]:
    """Size (or evaluate the override of) one plan, without hosts_needed.

    ``monotone=False`` skips the capacity floor: only for feasibility checks
    without a memory budget, which extra threads per process cannot change.
    """
    d = _Demand(inp)
    if inp["processes"] is not None or inp["threads"] is not None:
        p, t = _override_size(inp, d)
        return _evaluate(inp, d, p, t, "override", memory_note=memory_note)
    p, t, binding, floor = _auto_size(inp, d, monotone)
    return _evaluate(inp, d, p, t, binding, floor=floor, memory_note=memory_note)


def _hosts_needed(inp: Mapping[str, Any], plan: Mapping[str, Any]) -> Optional[int]:
    """Fewest hosts of this shape that carry the fleet-wide target (None: none do)."""

    def feasible(hosts: int) -> bool:
        trial = dict(inp)
        trial["hosts"] = hosts
        return bool(_size(trial, monotone=inp["memory_mb"] is not None)["feasible"])

    if inp["hosts"] == 1 and plan["feasible"]:
        return 1
    fleet_cores = inp["target_rpm"] / 60.0 * (inp["cpu_ms"] + inp["overhead_ms"]) / 1000.0
    low = max(1, _ceil(fleet_cores / (inp["cpu_target"] * inp["vcpus"])))
    if plan["feasible"]:
        high = inp["hosts"]
        low = min(low, high)
    else:
        high = max(low, inp["hosts"] + 1)
        while not feasible(high):
            if high > 1000000:
                return None
            low = high + 1
            high *= 2
    if low >= high:
        return high
    if feasible(low):
        return low
    while high - low > 1:
        mid = (low + high) // 2
        if feasible(mid):
            high = mid
        else:
            low = mid
    return high


def _plan(inp: Mapping[str, Any], memory_note: str = MEMORY_UNCHECKED) -> Dict[str, Any]:
    """The full plan of validated inputs: the size, hosts_needed and the inputs."""
    plan = _size(inp, memory_note=memory_note)
    hosts_needed = _hosts_needed(inp, plan)
    plan["hosts_needed"] = hosts_needed
    if not plan["feasible"] and hosts_needed is not None:
        plan["reasons"].append(
            f"{hosts_needed} host(s) of {inp['vcpus']} vCPUs would carry "
            f"{inp['target_rpm']:,.0f} rpm with these settings."
        )
    elif not plan["feasible"]:
        plan["reasons"].append("No number of hosts of this shape carries it with these settings.")
    plan["inputs"] = inp
    return plan


def size_plan(vcpus: Any, caller: str = "wsgi_sizing", **params: Any) -> Dict[str, Any]:
    """Size a mod_wsgi daemon process group; see docs/sizing.md.

    ``vcpus`` is the host's vCPU count, ``params`` the keywords in
    PLAN_PARAMETERS.  Raises SizingError (naming ``caller``) on bad input.
    Returns the plan dict (processes, threads, feasible, checks, problems,
    reasons, ...).
    """
    return _plan(normalize_inputs(caller, vcpus, params))


# ---------------------------------------------------------------------------
# Several apps sharing one host
# ---------------------------------------------------------------------------


def _check_apps(
    caller: str, apps: Any, defaults: Any, variable: str
) -> Tuple[List[Dict[str, Any]], Dict]:
    """Validate the apps list and the defaults dict."""
    if not isinstance(apps, (list, tuple)):
        raise SizingError(
            f"{caller}: {variable} got {describe(apps)}; "
            "expected a list of dicts with a unique 'name'"
        )
    if defaults is None:
        defaults = {}
    if not isinstance(defaults, Mapping):
        raise _fail(caller, "defaults", defaults, f"a dict of {', '.join(APP_KEYS)}")
    unknown = sorted(set(defaults) - set(APP_KEYS))
    if unknown:
        raise SizingError(
            f"{caller}: parameter 'defaults' has unknown key(s) "
            f"{', '.join(repr(u) for u in unknown)}; accepted: {', '.join(APP_KEYS)}"
        )
    seen: Dict[str, int] = {}
    out = []
    for index, app in enumerate(apps):
        if not isinstance(app, Mapping):
            raise SizingError(f"{caller}: {variable}[{index}] got {describe(app)}; expected a dict")
        name = app.get("name")
        if not isinstance(name, str) or not name.strip():
            raise SizingError(
                f"{caller}: {item_label(variable, index, name)}.name got {describe(name)}; "
                "expected a non-empty string"
            )
        if name in seen:
            raise SizingError(
                f"{caller}: {item_label(variable, index, name)}.name got {describe(name)}; "
                f"expected a name not used by {item_label(variable, seen[name], name)} "
                "(WSGIDaemonProcess names must be unique)"
            )
        seen[name] = index
        out.append(dict(app))
    return out, dict(defaults)


def plan_field(
    vcpus: Any, field: str, caller: str, allow_infeasible: Any = False, **params: Any
) -> int:
    """One integer of size_plan(vcpus, **params): ``processes`` or ``threads``.

    An integer cannot say "infeasible", so an infeasible plan raises SizingError
    with the plan's reasons unless ``allow_infeasible`` is true.
    """
    allow = check_boolean(caller, "allow_infeasible", allow_infeasible)
    plan = size_plan(vcpus, caller=caller, **params)
    if not plan["feasible"] and not allow:
        raise SizingError(
            f"{caller}: the target is infeasible (pass allow_infeasible=true to get "
            f"{plan[field]} anyway): {' '.join(plan['reasons'])}"
        )
    return plan[field]


#: Checks of each app that a host plan reports for all apps together (apps are
#: sized alone on the host with memory unchecked; host_memory checks them together).
APP_CHECKS = ("queue_slo", "gil", "cpu")


def _host_inputs(
    caller: str, vcpus: Any, host_params: Mapping[str, Any]
) -> Tuple[int, Dict[str, Any], Optional[float]]:
    """(vcpus, validated host-wide inputs, memory budget or None) of a host plan."""
    unknown = sorted(set(host_params) - set(HOST_PARAMETERS))
    if unknown:
        raise SizingError(
            f"{caller}: unknown parameter(s) {', '.join(repr(u) for u in unknown)}; "
            f"accepted: vcpus, defaults, {', '.join(HOST_PARAMETERS)} "
            f"(per-app keys {', '.join(APP_KEYS)} go in the apps or in defaults)"
        )
    v = check_vcpus(caller, vcpus)
    host_inp = normalize_inputs(
        caller, v, dict(host_params, target_rpm=1, latency_ms=1, cpu_ms=1, memory_mb=None)
    )
    if host_params.get("memory_mb") is None:
        return v, host_inp, None
    memory_mb = check_number(caller, "memory_mb", host_params["memory_mb"], 0.0)
    return v, host_inp, memory_budget_mb(dict(host_inp, memory_mb=memory_mb))


def _app_inputs(
    caller: str,
    vcpus: int,
    app: Mapping[str, Any],
    defaults: Mapping[str, Any],
    host_params: Mapping[str, Any],
    labels: Tuple[str, str],
) -> Dict[str, Any]:
    """The validated inputs of one app of a host plan, memory unchecked.

    ``labels`` is (the app as errors name it, the prefix that names a key of
    ``defaults``): a bad value is reported under the name the user gave it.
    """
    where, defaults_prefix = labels
    params = dict(host_params)
    params["memory_mb"] = None
    params.update(defaults)
    params.update({k: app[k] for k in APP_KEYS if k in app})
    try:
        inputs = normalize_inputs(f"{caller}: {where}", vcpus, params)
    except SizingError as exc:
        key = exc.parameter
        if key in app and key in APP_KEYS:
            label = f"{where}.{key}"
        elif key in defaults:
            label = f"{defaults_prefix}{key}"
            exc.expected += f" (the {key} of {where}, which does not set its own)"
        elif key in PLAN_REQUIRED:
            raise SizingError(
                f"{caller}: {where}.{key} is required; set it in the app or in "
                f"{defaults_prefix.rstrip('.')}"
            ) from None
        else:
            raise
        raise SizingError(
            f"{caller}: {label} got {describe(exc.value)}; expected {exc.expected}",
            key,
            exc.value,
            exc.expected,
        ) from None
    return inputs


def _app_plans(
    caller: str,
    vcpus: int,
    apps: List[Dict[str, Any]],
    shared: Tuple[Mapping[str, Any], Mapping[str, Any], str],
    names: Tuple[str, str],
) -> Dict[str, Dict[str, Any]]:
    """Each app's own plan by name; ``shared`` is (defaults, host parameters, memory
    note), ``names`` (the apps' variable, the defaults' prefix) for error messages."""
    defaults, host_params, note = shared
    variable, defaults_prefix = names
    inputs = {
        app["name"]: _app_inputs(
            caller,
            vcpus,
            app,
            defaults,
            host_params,
            (item_label(variable, index, app["name"]), defaults_prefix),
        )
        for index, app in enumerate(apps)
    }
    # Each app is sized alone on the host, but its CPU bursts wait for the CPU the
    # other apps keep busy too.
    cores = {name: _Demand(inp).cpu_cores for name, inp in inputs.items()}
    total = sum(cores.values())
    return {
        name: _plan(dict(inp, background_cores=total - cores[name]), note)
        for name, inp in inputs.items()
    }


def _host_cpu(
    plans: Mapping[str, Mapping[str, Any]], cpu_target: float, vcpus: int
) -> Tuple[float, Optional[int], Optional[Dict[str, Any]]]:
    """(cores of all apps, vCPUs needed or None, the host_cpu problem or None)."""
    cores = sum(p["cpu_cores_needed"] for p in plans.values())
    limit = cpu_target * vcpus
    if cores <= limit + _EPS:
        return cores, None, None
    vcpus_needed = _ceil(cores / cpu_target)
    share = ", ".join(f"{n!r} {p['cpu_cores_needed']:.3g}" for n, p in plans.items())
    message = (
        f"Infeasible: the apps need {cores:.3g} cores together ({share}), over "
        f"cpu_target {cpu_target:g} x {vcpus} vCPUs = {limit:.3g}; "
        f"{vcpus_needed} vCPUs would carry them."
    )
    return (
        cores,
        vcpus_needed,
        _problem("host_cpu", message, round(cores, 4), round(limit, 4), "cores"),
    )


def _host_memory(
    plans: Mapping[str, Mapping[str, Any]], budget: Optional[float]
) -> Optional[Dict[str, Any]]:
    """The host_memory problem when the apps together are over the budget, else None."""
    memory = sum(p["memory_mb"] for p in plans.values())
    if budget is None or memory <= budget + _EPS:
        return None
    share = ", ".join(f"{n!r} {p['memory_mb']:,.0f} MB" for n, p in plans.items())
    message = (
        f"Infeasible: the apps need {memory:,.0f} MB of daemon memory ({share}) "
        f"but the budget is {budget:,.0f} MB, even with the fewest processes the "
        "GIL thread cap and the queue SLO allow."
    )
    return _problem("host_memory", message, round(memory, 1), round(budget, 1), "MB")


def _host_findings(
    plans: Mapping[str, Dict[str, Any]],
    host_problems: Mapping[str, Optional[Dict[str, Any]]],
    cuts: List[str],
) -> Tuple[List[Dict[str, Any]], List[str]]:
    """(problems, reasons) of a host plan: the apps' own problems, named, then the
    host-wide ones; the reasons also say which apps were cut for memory."""
    problems: List[Dict[str, Any]] = []
    reasons: List[str] = []
    for name, plan in plans.items():
        for item in plan["problems"]:
            item["app"] = name
            problems.append(dict(item))
        if plan["problems"]:
            why = " ".join(item["message"] for item in plan["problems"])
            reasons.append(f"App {name!r} is infeasible on its own: {why}")
    cpu, memory = host_problems["host_cpu"], host_problems["host_memory"]
    reasons += ([] if cpu is None else [cpu["message"]]) + cuts
    reasons += [] if memory is None else [memory["message"]]
    problems += [item for item in (cpu, memory) if item is not None]
    return problems, reasons


def _share_backlog(plans: Mapping[str, Dict[str, Any]]) -> Tuple[int, int, int]:
    """(total threads, MaxRequestWorkers, listen-backlog) of the host; every app gets
    that backlog, since all Apache workers may wait on one app's daemon socket."""
    total_threads = sum(p["total_threads"] for p in plans.values())
    mrw = max_request_workers(total_threads) if plans else 0
    backlog = max(LISTEN_BACKLOG_DEFAULT, mrw)
    for plan in plans.values():
        plan["listen_backlog"] = backlog
        plan["options"]["listen-backlog"] = backlog
    return total_threads, mrw, backlog


def host_plan(
    apps: Any,
    vcpus: Any = None,
    defaults: Any = None,
    caller: str = "wsgi_host_plan",
    *,
    variable: str = "apps",
    defaults_prefix: str = "defaults.",
    **host_params: Any,
) -> Dict[str, Any]:
    """Size several apps that share one host's CPU and memory.

    Each app is sized alone (memory unchecked), then the host checks the sum
    of CPU against cpu_target * vcpus and the sum of memory against the
    budget; when memory is short it takes processes away from the app whose
    GIL stays coolest, one at a time, keeping threads within the GIL cap and
    the queue SLO; if that is not enough the host plan is infeasible.

    Errors name an app's keys ``variable[index] (name).key``, a default ``defaults_prefix + key``.
    """
    apps_list, defaults_d = _check_apps(caller, apps, defaults, variable)
    v, host_inp, budget = _host_inputs(caller, vcpus, host_params)
    note = MEMORY_UNCHECKED if budget is None else MEMORY_SHARED
    plans = _app_plans(
        caller, v, apps_list, (defaults_d, host_params, note), (variable, defaults_prefix)
    )
    cores, vcpus_needed, cpu_problem = _host_cpu(plans, host_inp["cpu_target"], v)
    cuts = [] if budget is None else _shrink_for_memory(plans, budget)
    host_problems = {"host_cpu": cpu_problem, "host_memory": _host_memory(plans, budget)}
    problems, reasons = _host_findings(plans, host_problems, cuts)
    total_threads, mrw, backlog = _share_backlog(plans)
    memory = sum(p["memory_mb"] for p in plans.values())
    if not problems:
        reasons.append(
            f"{len(plans)} app(s) share {v} vCPUs: {cores:.3g} cores "
            f"({_pct(cores / v)}, cpu_target {_pct(host_inp['cpu_target'])}), "
            f"{memory:,.0f} MB of daemon memory"
            + ("" if budget is None else f" of a {budget:,.0f} MB budget")
            + f", {total_threads} daemon threads; Apache MaxRequestWorkers >= {mrw}."
        )
    checks = {code: all(p["checks"][code] for p in plans.values()) for code in APP_CHECKS}
    checks.update({code: item is None for code, item in host_problems.items()})
    return {
        "feasible": not problems,
        "checks": checks,
        "problems": problems,
        "reasons": reasons,
        "apps": plans,
        "total_threads": total_threads,
        "total_processes": sum(p["processes"] for p in plans.values()),
        "max_request_workers": mrw,
        "listen_backlog": backlog,
        "cpu_utilization": round(cores / v, 4),
        "cpu_cores_needed": round(cores, 4),
        "vcpus_needed": vcpus_needed,
        "memory_mb": round(memory, 1),
        "memory_budget_mb": None if budget is None else round(budget, 1),
        "vcpus": v,
    }


def _memory_cut(plans: Mapping[str, Mapping[str, Any]]) -> Optional[Tuple[str, Dict[str, Any]]]:
    """(app, its plan with one process less) for the app whose GIL stays coolest, or None.

    The cut keeps threads within the app's GIL thread cap, processes at or above
    min_processes and the queue SLO at the hotter GIL; explicit sizes are never cut.
    """
    best = None
    for name, plan in plans.items():
        inp = plan["inputs"]
        if plan["binding"] == "override" or plan["processes"] <= inp["min_processes"]:
            continue
        d = _Demand(inp)
        fewer = plan["processes"] - 1
        threads = d.threads_for(inp, fewer)
        if threads is None or threads > d.thread_cap:
            continue
        candidate = _evaluate(inp, d, fewer, threads, "memory", memory_note=MEMORY_SHARED)
        if not candidate["feasible"]:
            continue
        key = (candidate["gil_utilization"] or 0.0, -plan["memory_mb"])
        if best is None or key < best[0]:
            best = (key, name, candidate)
    return None if best is None else (best[1], best[2])


def _shrink_for_memory(plans: Dict[str, Dict[str, Any]], budget: float) -> List[str]:
    """Take processes from apps, coolest GIL first, until the apps fit ``budget``.

    Replaces the cut apps' plans in ``plans``; returns a sentence per cut app.
    """
    shrunk: Dict[str, int] = {}
    while sum(p["memory_mb"] for p in plans.values()) > budget + _EPS:
        cut = _memory_cut(plans)
        if cut is None:
            break
        name, candidate = cut
        shrunk.setdefault(name, plans[name]["processes"])
        candidate["hosts_needed"] = plans[name]["hosts_needed"]
        candidate["inputs"] = plans[name]["inputs"]
        plans[name] = candidate
    return [
        f"App {name!r} was cut from {before} to {plans[name]['processes']} processes "
        f"(x {plans[name]['threads']} threads) to fit the memory budget; its GIL utilisation "
        f"is now {plans[name]['gil_utilization']}."
        for name, before in shrunk.items()
    ]
