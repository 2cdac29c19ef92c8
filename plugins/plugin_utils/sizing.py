# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Capacity sizing of mod_wsgi daemon process groups.

The model (documented in docs/sizing.md) treats the daemon threads of one
process group as a single M/M/c queue (mod_wsgi hands a request to whichever
daemon thread is idle), inflates the time a request holds a thread for the
wait on the per-process GIL, sizes the pool with the exact Erlang C formula so
that the queue wait meets a percentile SLO, caps threads per process where the
GIL saturates, and checks host CPU and memory.  Controller-side code: the
sizing filters are its only users.  Nothing here imports Ansible, so it can be
unit tested directly.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.errors import (
    WsgiscaleError,
    describe,
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
#: mod_wsgi's daemon listen-backlog default.
LISTEN_BACKLOG_DEFAULT = 100
#: mod_wsgi accepts up to 65533 threads per daemon process.
THREADS_LIMIT = 65533
#: Largest offered load (busy threads) the exact Erlang C search handles.
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
    was expected.
    """


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


def wait_tail(servers: int, load: float, service_s: float, wait_s: float) -> float:
    """P(queue wait > wait_s) for M/M/c: C(c, a) * exp(-(c - a) * t / W)."""
    if servers <= load:
        return 1.0
    return erlang_c(servers, load) * math.exp(-(servers - load) * wait_s / service_s)


def wait_quantile_s(servers: int, load: float, service_s: float, alpha: float) -> float:
    """The queue wait exceeded with probability ``alpha`` (seconds).

    0 when fewer than ``alpha`` of the arrivals wait at all, infinity when
    the queue is unstable.
    """
    if servers <= load:
        return math.inf
    waiting = erlang_c(servers, load)
    if waiting <= alpha:
        return 0.0
    return service_s / (servers - load) * math.log(waiting / alpha)


def min_servers(load: float, service_s: float, wait_s: float, alpha: float) -> int:
    """Smallest c with P(queue wait > wait_s) <= alpha (exact Erlang C).

    One pass of the Erlang B recursion: O(c) for the whole search.
    """
    if load <= 0.0:
        return 1
    blocking = 1.0
    k = 0
    while True:
        k += 1
        blocking = load * blocking / (k + load * blocking)
        if k <= load:
            continue
        waiting = min(1.0, k * blocking / (k - load * (1.0 - blocking)))
        if waiting * math.exp(-(k - load) * wait_s / service_s) <= alpha:
            return k


# ---------------------------------------------------------------------------
# Input validation
# ---------------------------------------------------------------------------


def _fail(caller: str, name: str, value: Any, expected: str) -> SizingError:
    label = name
    if name == "vcpus":
        label = "vcpus (ansible_processor_vcpus)"
    return SizingError(f"{caller}: parameter '{label}' got {describe(value)}; expected {expected}")


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
    expected = f"an integer >= {low}"
    if high < THREADS_LIMIT or name in ("threads", "max_threads"):
        expected += f" and <= {high}"
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


# long: to be split at its seams (structure work in progress)
def normalize_inputs(caller: str, vcpus: Any, params: Mapping[str, Any]) -> Dict[str, Any]:
    """Validate the keywords of a plan and return them with defaults filled in."""
    unknown = sorted(set(params) - set(PLAN_PARAMETERS))
    if unknown:
        raise SizingError(
            f"{caller}: unknown parameter(s) {', '.join(repr(u) for u in unknown)}; "
            f"accepted: {', '.join(sorted(PLAN_PARAMETERS))}"
        )
    for name in PLAN_REQUIRED:
        if params.get(name) is None:
            raise SizingError(f"{caller}: parameter '{name}' is required")
    raw = dict(PLAN_DEFAULTS)
    raw.update({k: v for k, v in params.items() if v is not None})
    out: Dict[str, Any] = {"vcpus": check_vcpus(caller, vcpus)}
    out["target_rpm"] = check_number(caller, "target_rpm", raw["target_rpm"], 0.0)
    out["latency_ms"] = check_number(caller, "latency_ms", raw["latency_ms"], 0.0)
    if raw["cpu_ms"] is None:
        out["cpu_ms"] = out["latency_ms"] * DEFAULT_CPU_FRACTION
        out["cpu_ms_defaulted"] = True
    else:
        out["cpu_ms"] = check_number(caller, "cpu_ms", raw["cpu_ms"], 0.0, out["latency_ms"])
        out["cpu_ms_defaulted"] = False
    if raw["memory_mb"] is None:
        out["memory_mb"] = None
    else:
        out["memory_mb"] = check_number(caller, "memory_mb", raw["memory_mb"], 0.0)
    out["memory_fraction"] = check_number(
        caller, "memory_fraction", raw["memory_fraction"], 0.0, 1.0
    )
    out["apache_reserve_mb"] = check_number(
        caller, "apache_reserve_mb", raw["apache_reserve_mb"], 0.0, low_open=False
    )
    out["process_rss_mb"] = check_number(caller, "process_rss_mb", raw["process_rss_mb"], 0.0)
    out["thread_rss_mb"] = check_number(
        caller, "thread_rss_mb", raw["thread_rss_mb"], 0.0, low_open=False
    )
    out["hosts"] = check_integer(caller, "hosts", raw["hosts"], 1, 1000000)
    out["cpu_target"] = check_number(caller, "cpu_target", raw["cpu_target"], 0.0, 1.0)
    out["gil_target"] = check_number(
        caller, "gil_target", raw["gil_target"], 0.0, 1.0, high_open=True
    )
    out["overhead_ms"] = check_number(
        caller, "overhead_ms", raw["overhead_ms"], 0.0, low_open=False
    )
    out["slo_wait_ms"] = check_number(
        caller, "slo_wait_ms", raw["slo_wait_ms"], 0.0, low_open=False
    )
    out["slo_percentile"] = check_number(
        caller, "slo_percentile", raw["slo_percentile"], 0.0, 100.0, high_open=True
    )
    out["max_threads"] = check_integer(caller, "max_threads", raw["max_threads"], 1)
    out["min_processes"] = check_integer(caller, "min_processes", raw["min_processes"], 1, 100000)
    for name, high in (("processes", 100000), ("threads", THREADS_LIMIT)):
        value = raw[name]
        out[name] = None if value is None else check_integer(caller, name, value, 1, high)
    major, minor = check_version(caller, raw["mod_wsgi_version"])
    out["mod_wsgi_version"] = f"{major}.{minor}"
    hang = check_number(caller, "hang_timeout_s", raw["hang_timeout_s"], 0.0, low_open=False)
    out["hang_timeout_s"] = hang
    out["free_threading"] = check_boolean(caller, "free_threading", raw["free_threading"])
    if out["free_threading"] and major < 6:
        raise SizingError(
            f"{caller}: parameter 'free_threading' got True with mod_wsgi_version "
            f"{raw['mod_wsgi_version']!r}; expected mod_wsgi_version >= 6.0 "
            "(WSGIFreeThreading was added in mod_wsgi 6.0)"
        )
    load = out["target_rpm"] / 60.0 / out["hosts"] * out["latency_ms"] / 1000.0
    if load / (1.0 - out["gil_target"]) > MAX_OFFERED_LOAD:
        raise SizingError(
            f"{caller}: parameter 'target_rpm' got {describe(params['target_rpm'])}; "
            f"expected a load below {MAX_OFFERED_LOAD:,.0f} busy threads per host "
            "(split it over more hosts)"
        )
    return out


# ---------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------


def _ceil(x: float) -> int:
    """Ceiling that ignores floating-point noise (1.4 / 0.7 is 2, not 3)."""
    return math.ceil(x - _EPS)


def _gil_inflated(inp: Mapping[str, Any], utilisation: float) -> float:
    """Seconds a request holds a thread when its GIL is busy ``utilisation``."""
    w = inp["latency_ms"] / 1000.0
    c = inp["cpu_ms"] / 1000.0
    if inp["free_threading"]:
        return w
    if utilisation >= 1.0:
        return math.inf
    return (w - c) + c / (1.0 - utilisation)


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
        self.python_cores = self.lam * self.c
        self.cpu_cores = self.lam * (self.c + self.o)
        self.w_design = _gil_inflated(inp, inp["gil_target"])
        self.load_design = self.lam * self.w_design
        self.threads_needed = min_servers(self.load_design, self.w_design, self.t, self.alpha)
        self.gil_thread_cap = _ceil(self.w / self.c) if self.gil else None
        self.thread_cap = (
            min(inp["max_threads"], self.gil_thread_cap) if self.gil else inp["max_threads"]
        )
        self.p_gil = _gil_processes(self.python_cores, inp["gil_target"]) if self.gil else 1
        self.p_slo = _ceil(self.threads_needed / self.thread_cap)

    def threads_for(self, inp: Mapping[str, Any], processes: int) -> Optional[int]:
        """Threads needed per process at the GIL load ``processes`` really sees."""
        w_eff = _gil_inflated(inp, self.python_cores / processes)
        if math.isinf(w_eff):
            return None
        needed = min_servers(self.lam * w_eff, w_eff, self.t, self.alpha)
        return _ceil(needed / processes)


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


def max_request_workers(total_threads: int) -> int:
    """Apache MaxRequestWorkers needed in front of the daemons: ceil(1.5 P T) + 10."""
    return _ceil(1.5 * total_threads) + 10


def _thread_capacity_rps(d: _Demand, processes: int, threads: int) -> float:
    """Arrival rate at which every thread is busy, GIL inflation included."""
    servers = processes * threads
    if not d.gil:
        return servers / d.w
    hi = processes / d.c
    if d.w > d.c:
        hi = min(hi, servers / (d.w - d.c))
    lo = 0.0
    for _step in range(200):
        mid = (lo + hi) / 2.0
        busy = mid * ((d.w - d.c) + d.c / (1.0 - mid * d.c / processes))
        if busy > servers:
            hi = mid
        else:
            lo = mid
    return lo


def _pct(x: float) -> str:
    return f"{100.0 * x:.1f}%"


def _ms(x: float) -> str:
    return f"{x:g} ms"


# long: to be split at its seams (structure work in progress)
def _evaluate(
    inp: Mapping[str, Any],
    d: _Demand,
    processes: int,
    threads: int,
    binding: str,
    *,
    floor: Optional[Dict[str, Any]] = None,
) -> Dict[str, Any]:
    """Metrics and feasibility of a P x T plan for the demand ``d``.

    ``floor`` is the plan of a lower rpm that made threads go up (see
    _capacity_floor); it is reported, not checked.
    """
    servers = processes * threads
    vcpus = inp["vcpus"]
    gil_util = d.python_cores / processes if d.gil else None
    w_eff = _gil_inflated(inp, gil_util or 0.0)
    stable_gil = not math.isinf(w_eff)
    load = d.lam * w_eff if stable_gil else math.inf
    rho = load / servers
    if stable_gil and servers > load:
        p_wait = erlang_c(servers, load)
        tail = wait_tail(servers, load, w_eff, d.t)
        q_wait = 1000.0 * wait_quantile_s(servers, load, w_eff, d.alpha)
        mean_wait = 1000.0 * p_wait * w_eff / (servers - load)
    else:
        p_wait, tail, q_wait, mean_wait = 1.0, 1.0, None, None
    cpu_util = d.cpu_cores / vcpus
    cap_threads = _thread_capacity_rps(d, processes, threads)
    cap_cpu = vcpus / (d.c + d.o)
    if cap_cpu < cap_threads:
        limit = "cpu"
    elif d.gil and processes / d.c < servers / d.w:
        limit = "gil"
    else:
        limit = "threads"
    budget = memory_budget_mb(inp)
    memory = plan_memory_mb(inp, processes, threads)
    mrw = max_request_workers(servers)
    rt, rt_eff, rt_rule = request_timeout(inp, threads)
    qt = queue_timeout(inp)
    backlog = max(LISTEN_BACKLOG_DEFAULT, mrw)

    cpu_ok = d.cpu_cores <= inp["cpu_target"] * vcpus + _EPS
    if gil_util is None:
        gil_ok = True
    elif binding == "memory":
        gil_ok = gil_util < 1.0
    else:
        gil_ok = gil_util <= inp["gil_target"] + _EPS
    slo_ok = stable_gil and rho < 1.0 and tail <= d.alpha + _EPS
    mem_ok = budget is None or memory <= budget + _EPS
    feasible = cpu_ok and gil_ok and slo_ok and mem_ok
    vcpus_needed = None if cpu_ok else _ceil(d.cpu_cores / inp["cpu_target"])

    plan: Dict[str, Any] = {
        "processes": processes,
        "threads": threads,
        "total_threads": servers,
        "feasible": feasible,
        "binding": binding,
        "vcpus_needed": vcpus_needed,
        "capacity_rpm": round(60.0 * min(cap_threads, cap_cpu), 1),
        "capacity_limit": limit,
        "arrival_rate_rps": d.lam,
        "effective_latency_ms": 1000.0 * w_eff if stable_gil else None,
        "busy_threads": load if stable_gil else None,
        "threads_required": d.threads_needed,
        "capacity_floor": floor,
        "thread_cap": d.thread_cap,
        "thread_utilization": round(rho, 6) if stable_gil else None,
        "cpu_cores_needed": round(d.cpu_cores, 6),
        "cpu_utilization": round(cpu_util, 6),
        "gil_utilization": None if gil_util is None else round(gil_util, 6),
        "predicted_wait_probability": round(p_wait, 6),
        "predicted_slo_violation_probability": round(tail, 6),
        "predicted_queue_wait_ms": None if q_wait is None else round(q_wait, 3),
        "mean_queue_wait_ms": None if mean_wait is None else round(mean_wait, 4),
        "memory_mb": round(memory, 1),
        "memory_budget_mb": None if budget is None else round(budget, 1),
        "max_request_workers": mrw,
        "request_timeout": rt,
        "effective_request_timeout_s": rt_eff,
        "queue_timeout": qt,
        "listen_backlog": backlog,
        "options": {
            "processes": processes,
            "threads": threads,
            "request-timeout": rt,
            "queue-timeout": qt,
            "listen-backlog": backlog,
        },
        "limits": {
            "min_processes": inp["min_processes"],
            "gil": d.p_gil if d.gil else None,
            "queue_slo": d.p_slo,
        },
    }
    checks = {"cpu": cpu_ok, "gil": gil_ok, "queue_slo": slo_ok, "memory": mem_ok}
    plan["reasons"] = _plan_reasons(inp, d, plan, checks, rt_rule)
    return plan


# long: to be split at its seams (structure work in progress)
def _plan_reasons(  # noqa: C901, PLR0912, PLR0915 - split in the structure work
    inp: Mapping[str, Any],
    d: _Demand,
    plan: Mapping[str, Any],
    checks: Mapping[str, bool],
    rt_rule: str,
) -> List[str]:
    """Full sentences explaining the plan, with its numbers."""
    p, t, n = plan["processes"], plan["threads"], plan["total_threads"]
    alpha = _pct(d.alpha)
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
            f"utilisation of {inp['gil_target']:g} that becomes {1000.0 * d.w_design:.2f} ms, "
            f"so by Little's law {d.lam:.2f} req/s keep {d.load_design:.2f} threads busy."
        )
    else:
        r.append(
            f"With free-threading there is no per-process GIL: a request holds a thread "
            f"for {_ms(inp['latency_ms'])}, so by Little's law {d.lam:.2f} req/s keep "
            f"{d.load_design:.2f} threads busy."
        )
    r.append(
        f"Erlang C (M/M/c): {d.threads_needed} threads is the smallest pool keeping "
        f"P(queue wait > {_ms(inp['slo_wait_ms'])}) at or below {alpha} "
        f"(the p{inp['slo_percentile']:g} SLO)."
    )
    if d.gil:
        r.append(
            f"Threads per process are capped at {d.thread_cap}: max_threads is "
            f"{inp['max_threads']} and ceil({inp['latency_ms']:g} / {inp['cpu_ms']:g}) = "
            f"{d.gil_thread_cap} threads already saturate one GIL."
        )
    binding = plan["binding"]
    if binding == "override":
        r.append(
            f"processes={p} and threads={t} come from the processes/threads override(s); "
            "the plan evaluates that size."
        )
    elif binding == "memory" and checks["memory"]:
        r.append(
            f"The memory budget allows only {p} processes (the design asked for "
            f"{max(d.p_gil, d.p_slo, inp['min_processes'])}), so {p} processes x {t} threads "
            "are used and each GIL runs hotter than gil_target."
        )
    else:
        r.append(
            f"processes = max(min_processes {inp['min_processes']}, GIL ceil("
            f"{d.python_cores:.3g} Python CPU-s/s / {inp['gil_target']:g}) = {d.p_gil}, "
            f"threads ceil({d.threads_needed} / {d.thread_cap}) = {d.p_slo}) = {p} "
            f"(binding: {binding}); threads = ceil({d.threads_needed} / {p}) = "
            f"{_ceil(d.threads_needed / p)}."
        )
        floor = plan["capacity_floor"]
        if floor is not None:
            r.append(
                f"Threads are raised to {t} so that more rpm never gets fewer threads: "
                f"{floor['target_rpm']:,.0f} rpm gets {floor['processes']} x "
                f"{floor['threads']} = {floor['total_threads']}."
            )
    if plan["thread_utilization"] is None:
        r.append(
            f"{p} processes cannot run {d.python_cores:.3g} CPU-seconds of Python per second "
            "under their GILs: the plan is unstable."
        )
    else:
        q = plan["predicted_queue_wait_ms"]
        q_text = "unbounded" if q is None else f"{q:.1f} ms"
        r.append(
            f"{p} x {t} = {n} threads are {_pct(plan['thread_utilization'])} busy at the "
            f"target ({plan['busy_threads']:.2f} busy threads, {plan['effective_latency_ms']:.2f}"
            f" ms per request incl. GIL wait); P(wait) = "
            f"{_pct(plan['predicted_wait_probability'])}, P(wait > "
            f"{_ms(inp['slo_wait_ms'])}) = {_pct(plan['predicted_slo_violation_probability'])}"
            f", p{inp['slo_percentile']:g} queue wait {q_text}; the plan saturates at "
            f"{plan['capacity_rpm']:,.0f} rpm per host (limited by {plan['capacity_limit']})."
        )
    if not checks["queue_slo"]:
        r.append(
            f"Infeasible: the queue SLO is not met (P(wait > {_ms(inp['slo_wait_ms'])}) must "
            f"be at most {alpha}); {d.threads_needed} threads are needed."
        )
    if plan["gil_utilization"] is not None:
        gil_text = (
            f"Each process runs {plan['gil_utilization']:.3f} CPU-seconds of Python per "
            f"second under its GIL (gil_target {inp['gil_target']:g})."
        )
        if not checks["gil"]:
            gil_text = (
                f"Infeasible: {gil_text[0].lower()}{gil_text[1:-1]}, too much: CPU bursts "
                f"would queue for the GIL; at least {d.p_gil} processes are needed."
            )
        r.append(gil_text)
    cpu_text = (
        f"CPU: {d.lam:.2f} req/s x ({inp['cpu_ms']:g} + {inp['overhead_ms']:g}) ms = "
        f"{d.cpu_cores:.3g} cores, {_pct(plan['cpu_utilization'])} of {inp['vcpus']} vCPUs "
        f"(cpu_target {_pct(inp['cpu_target'])})."
    )
    if not checks["cpu"]:
        all_in = 1000.0 * inp["cpu_target"] * inp["vcpus"] / d.lam
        cpu_text = (
            f"Infeasible: {cpu_text} That is over the target: it needs "
            f"{plan['vcpus_needed']} vCPUs, or at most {all_in:.2f} ms of CPU per request "
            "all-in"
        )
        if binding == "override":
            cpu_text += "."
        else:
            cpu_text += f"; with the CPU, {p} processes x {t} threads would carry it."

    r.append(cpu_text)
    mem = (
        f"Memory: {p} x ({inp['process_rss_mb']:g} + {t} x {inp['thread_rss_mb']:g}) MB = "
        f"{plan['memory_mb']:,.0f} MB for the daemons"
    )
    if plan["memory_budget_mb"] is None:
        r.append(f"{mem}; {MEMORY_UNCHECKED}")
    else:
        budget_text = (
            f"the budget is {inp['memory_mb']:g} MB x {inp['memory_fraction']:g} - "
            f"{inp['apache_reserve_mb']:g} MB for Apache = {plan['memory_budget_mb']:,.0f} MB"
        )
        if checks["memory"]:
            r.append(f"{mem}; {budget_text}.")
        else:
            per = inp["process_rss_mb"] + d.thread_cap * inp["thread_rss_mb"]
            fit = max(0, math.floor(max(plan["memory_budget_mb"], 0.0) / per + _EPS))
            r.append(
                f"Infeasible: {mem[0].lower()}{mem[1:]}, but {budget_text}, room for "
                f"{fit} process(es) of up to {d.thread_cap} threads "
                f"(min_processes {inp['min_processes']}, {d.p_gil} for the GIL)."
            )
    if plan["request_timeout"]:
        r.append(
            f"request-timeout={plan['request_timeout']} kills a single hung request after "
            f"about {plan['effective_request_timeout_s']:g} s with mod_wsgi "
            f"{inp['mod_wsgi_version']} ({rt_rule}; hang_timeout_s {inp['hang_timeout_s']:g}, "
            f"floor max({REQUEST_TIMEOUT_FLOOR_S:g} s, "
            f"{REQUEST_TIMEOUT_LATENCY_FACTOR:g} x latency))."
        )
    else:
        r.append("request-timeout is 0 (off) because hang_timeout_s is 0.")
    r.append(
        f"queue-timeout={plan['queue_timeout']} s sheds requests that waited that long for a "
        f"thread (overload) instead of queueing them; listen-backlog={plan['listen_backlog']}"
        f" and Apache MaxRequestWorkers >= ceil(1.5 x {n}) + 10 = "
        f"{plan['max_request_workers']}."
    )
    return r


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


def _size(inp: Mapping[str, Any], monotone: bool = True) -> Dict[str, Any]:
    """Size (or evaluate the override of) one plan, without hosts_needed.

    ``monotone=False`` skips the capacity floor: only for feasibility checks
    without a memory budget, which extra threads per process cannot change.
    """
    d = _Demand(inp)
    p_over, t_over = inp["processes"], inp["threads"]
    if p_over is not None or t_over is not None:
        if p_over is not None and t_over is not None:
            p, t = p_over, t_over
        elif p_over is not None:
            p = p_over
            t = min(inp["max_threads"], d.threads_for(inp, p) or inp["max_threads"])
        else:
            t = t_over
            p = max(inp["min_processes"], d.p_gil, _ceil(d.threads_needed / t))
        return _evaluate(inp, d, p, t, "override")
    p = max(inp["min_processes"], d.p_gil, d.p_slo)
    binding = "queue_slo"
    if p > d.p_slo:
        binding = "gil" if d.p_gil >= inp["min_processes"] else "min_processes"
    t = _ceil(d.threads_needed / p)
    floor = None
    if binding == "gil" and monotone:
        t, floor = _capacity_floor(inp, d, p)
    if not d.cpu_cores <= inp["cpu_target"] * inp["vcpus"] + _EPS:
        return _evaluate(inp, d, p, t, "cpu", floor=floor)
    budget = memory_budget_mb(inp)
    if budget is not None and plan_memory_mb(inp, p, t) > budget + _EPS:
        fit = _memory_fit(inp, d, p)
        if fit is not None:
            p, t = fit
        return _evaluate(inp, d, p, t, "memory")
    return _evaluate(inp, d, p, t, binding, floor=floor)


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


def size_plan(vcpus: Any, caller: str = "wsgi_sizing", **params: Any) -> Dict[str, Any]:
    """Size a mod_wsgi daemon process group; see docs/sizing.md.

    ``vcpus`` is the host's vCPU count, ``params`` the keywords in
    PLAN_PARAMETERS.  Raises SizingError (naming ``caller``) on bad input.
    Returns the plan dict (processes, threads, feasible, reasons, ...).
    """
    inp = normalize_inputs(caller, vcpus, params)
    plan = _size(inp)
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


# ---------------------------------------------------------------------------
# Several apps sharing one host
# ---------------------------------------------------------------------------


def _check_apps(caller: str, apps: Any, defaults: Any) -> Tuple[List[Dict[str, Any]], Dict]:
    """Validate the apps list and the defaults dict."""
    if not isinstance(apps, (list, tuple)):
        raise SizingError(
            f"{caller}: parameter 'apps' (the filter input) got {describe(apps)}; "
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
    seen = set()
    out = []
    for index, app in enumerate(apps):
        if not isinstance(app, Mapping):
            raise SizingError(
                f"{caller}: parameter 'apps' item {index} got {describe(app)}; expected a dict"
            )
        name = app.get("name")
        if not isinstance(name, str) or not name.strip():
            raise SizingError(
                f"{caller}: parameter 'apps' item {index} has name {describe(name)}; "
                "expected a non-empty string"
            )
        if name in seen:
            raise SizingError(
                f"{caller}: parameter 'apps' has the duplicate name {name!r}; "
                "expected unique names (WSGIDaemonProcess names must be unique)"
            )
        seen.add(name)
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


# long: to be split at its seams (structure work in progress)
def host_plan(  # noqa: C901 - split in the structure work
    apps: Any,
    vcpus: Any = None,
    defaults: Any = None,
    caller: str = "wsgi_host_plan",
    **host_params: Any,
) -> Dict[str, Any]:
    """Size several apps that share one host's CPU and memory.

    Each app is sized alone (memory unchecked), then the host checks the sum
    of CPU against cpu_target * vcpus and the sum of memory against the
    budget; when memory is short it takes processes away from the app whose
    GIL stays coolest, one at a time, keeping threads within the GIL cap and
    the queue SLO; if that is not enough the host plan is infeasible.
    """
    apps_list, defaults_d = _check_apps(caller, apps, defaults)
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
    budget = (
        None
        if host_params.get("memory_mb") is None
        else memory_budget_mb(
            dict(
                host_inp,
                memory_mb=check_number(caller, "memory_mb", host_params["memory_mb"], 0.0),
            )
        )
    )
    plans: Dict[str, Dict[str, Any]] = {}
    inputs: Dict[str, Dict[str, Any]] = {}
    for app in apps_list:
        params = dict(host_params)
        params["memory_mb"] = None
        params.update(defaults_d)
        params.update({k: app[k] for k in APP_KEYS if k in app})
        app_caller = f"{caller} (app {app['name']!r})"
        plans[app["name"]] = size_plan(v, caller=app_caller, **params)
        inputs[app["name"]] = plans[app["name"]]["inputs"]

    reasons: List[str] = []
    feasible = True
    for name, plan in plans.items():
        if not plan["feasible"]:
            feasible = False
            why = [s for s in plan["reasons"] if s.startswith("Infeasible")]
            reasons.append(f"App {name!r} is infeasible on its own: {' '.join(why)}")

    cores = sum(p["cpu_cores_needed"] for p in plans.values())
    cpu_limit = host_inp["cpu_target"] * v
    vcpus_needed = None
    if cores > cpu_limit + _EPS:
        feasible = False
        vcpus_needed = _ceil(cores / host_inp["cpu_target"])
        share = ", ".join(f"{n!r} {p['cpu_cores_needed']:.3g}" for n, p in plans.items())
        reasons.append(
            f"Infeasible: the apps need {cores:.3g} cores together ({share}), over "
            f"cpu_target {host_inp['cpu_target']:g} x {v} vCPUs = {cpu_limit:.3g}; "
            f"{vcpus_needed} vCPUs would carry them."
        )

    if budget is not None:
        _shrink_for_memory(plans, inputs, budget, reasons)
        memory = sum(p["memory_mb"] for p in plans.values())
        if memory > budget + _EPS:
            feasible = False
            share = ", ".join(f"{n!r} {p['memory_mb']:,.0f} MB" for n, p in plans.items())
            reasons.append(
                f"Infeasible: the apps need {memory:,.0f} MB of daemon memory ({share}) "
                f"but the budget is {budget:,.0f} MB, even with the fewest processes the "
                "GIL thread cap and the queue SLO allow."
            )

    total_threads = sum(p["total_threads"] for p in plans.values())
    mrw = max_request_workers(total_threads) if plans else 0
    backlog = max(LISTEN_BACKLOG_DEFAULT, mrw)
    for plan in plans.values():
        plan["listen_backlog"] = backlog
        plan["options"]["listen-backlog"] = backlog
        if budget is not None:
            # Apps are sized without memory_mb; the host plan checks them together.
            plan["reasons"] = [
                text.replace(MEMORY_UNCHECKED, MEMORY_SHARED) for text in plan["reasons"]
            ]
    memory = sum(p["memory_mb"] for p in plans.values())
    if feasible:
        reasons.append(
            f"{len(plans)} app(s) share {v} vCPUs: {cores:.3g} cores "
            f"({_pct(cores / v)}, cpu_target {_pct(host_inp['cpu_target'])}), "
            f"{memory:,.0f} MB of daemon memory"
            + ("" if budget is None else f" of a {budget:,.0f} MB budget")
            + f", {total_threads} daemon threads; Apache MaxRequestWorkers >= {mrw}."
        )
    return {
        "feasible": feasible,
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


def _shrink_for_memory(
    plans: Dict[str, Dict[str, Any]],
    inputs: Dict[str, Dict[str, Any]],
    budget: float,
    reasons: List[str],
) -> None:
    """Take processes from apps, coolest GIL first, until the apps fit ``budget``."""
    shrunk: Dict[str, int] = {}
    while sum(p["memory_mb"] for p in plans.values()) > budget + _EPS:
        best = None
        for name, plan in plans.items():
            inp = inputs[name]
            if plan["binding"] == "override" or plan["processes"] <= inp["min_processes"]:
                continue
            d = _Demand(inp)
            fewer = plan["processes"] - 1
            threads = d.threads_for(inp, fewer)
            if threads is None or threads > d.thread_cap:
                continue
            candidate = _evaluate(inp, d, fewer, threads, "memory")
            if not candidate["feasible"]:
                continue
            key = (candidate["gil_utilization"] or 0.0, -plan["memory_mb"])
            if best is None or key < best[0]:
                best = (key, name, candidate)
        if best is None:
            break
        name, candidate = best[1], best[2]
        shrunk.setdefault(name, plans[name]["processes"])
        candidate["hosts_needed"] = plans[name]["hosts_needed"]
        candidate["inputs"] = inputs[name]
        plans[name] = candidate
    for name, before in shrunk.items():
        plan = plans[name]
        reasons.append(
            f"App {name!r} was cut from {before} to {plan['processes']} processes "
            f"(x {plan['threads']} threads) to fit the memory budget; its GIL utilisation is "
            f"now {plan['gil_utilization']}."
        )
