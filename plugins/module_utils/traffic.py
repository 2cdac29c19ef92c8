# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Read the snapshots of the metrics agent and aggregate them per daemon group.

Pure logic for the ``wsgiscale.mod_wsgi.traffic_info`` module (no Ansible imports, so
the unit tests run it on snapshots captured from real Apache, ``tests/fixtures/metrics``).

The agent (``roles/mod_wsgi_daemon/files/metrics_agent.py``, see docs/metrics.md) writes
``<run_dir>/<group>/<pid>.json`` every few seconds: cumulative totals and the last
intervals of one daemon process, each with counts, sums and histograms of the queue
wait, the server-side wait and the application time on shared bucket edges. A window
is the intervals that ended in its last ``window`` seconds, over every live process of
the group; a snapshot whose process is gone (its pid has no process, or one that started
at another time) is left out of the figures and reported as a restart seen.
"""

from __future__ import annotations

import calendar
import json
import math
import os
import re
import time
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple

from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.errors import (
    WsgiscaleError,
    describe,
)

MODULE = "traffic_info"
FORMAT = 1
RUN_DIR = "/run/wsgiscale-mod_wsgi/metrics"
DEFAULT_WINDOW_S = 60.0
MAX_WINDOW_S = 86400.0
DEFAULT_HEADROOM_PERCENT = 20.0
DEFAULT_MIN_REQUESTS = 1
#: The sizing plan's queue-wait target: 10 ms at the 95th percentile (sizing.PLAN_DEFAULTS).
DEFAULT_SLO_WAIT_MS = 10.0
DEFAULT_SLO_PERCENTILE = 95.0
#: Error logs looked for when ``error_log`` is not given (Debian, RedHat).
ERROR_LOGS = ("/var/log/apache2/error.log", "/var/log/httpd/error_log")
#: A live process that has not written for this many intervals gets a note.
STALE_INTERVALS = 3
#: Bytes of the error log read backwards at most when counting shed requests.
MAX_LOG_BYTES = 32 * 1024 * 1024
LOG_BLOCK = 64 * 1024
#: Lines this much older than the window still let the backwards scan go on
#: (processes write their lines slightly out of order).
LOG_SLACK_S = 10.0
QUANTILES = (("p50", 0.50), ("p95", 0.95), ("p99", 0.99))
HISTOGRAMS = ("queue", "server", "app")
STATUS_CLASSES = ("1xx", "2xx", "3xx", "4xx", "5xx")
KB_PER_MB = 1024.0
_SNAPSHOT_KEYS = ("pid", "group", "threads", "started", "written", "interval_s", "edges_ms")
_SHED = re.compile(
    rb"(Queue timeout expired for WSGI daemon process|Unable to connect to WSGI daemon "
    rb"process) '([^']*)'"
)
_SHED_KINDS = {b"Q": "queue_timeout", b"U": "connect_failed"}
_STAMP = re.compile(
    rb"^\[(?:[A-Z][a-z]{2} )?([A-Z][a-z]{2}) +(\d{1,2}) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))? "
    rb"(\d{4})\]"
)
_MONTHS = {
    name.encode(): number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}


class TrafficInfoError(WsgiscaleError):
    """Invalid input to wsgiscale.mod_wsgi.traffic_info, or no data to report."""


def input_error(name: str, value: Any, expected: str) -> TrafficInfoError:
    """The module's message for a bad parameter."""
    return TrafficInfoError(
        f"{MODULE}: parameter '{name}' got {describe(value)}; expected {expected}"
    )


def check_options(params: Mapping[str, Any]) -> None:
    """Validate the numeric options (types are already checked by the module)."""
    window = params["window"]
    headroom_percent = params["headroom_percent"]
    min_requests = params["min_requests"]
    if not isinstance(window, (int, float)) or not 0 < window <= MAX_WINDOW_S:
        raise input_error("window", window, f"seconds > 0 and <= {MAX_WINDOW_S:g}")
    if not isinstance(headroom_percent, (int, float)) or not 0 <= headroom_percent <= 1000:
        raise input_error("headroom_percent", headroom_percent, "a number from 0 to 1000")
    if not isinstance(min_requests, int) or min_requests < 0:
        raise input_error("min_requests", min_requests, "an integer >= 0")
    slo_wait_ms = params.get("slo_wait_ms", DEFAULT_SLO_WAIT_MS)
    if not isinstance(slo_wait_ms, (int, float)) or not 0 <= slo_wait_ms < math.inf:
        raise input_error("slo_wait_ms", slo_wait_ms, "a finite number of milliseconds >= 0")
    slo_percentile = params.get("slo_percentile", DEFAULT_SLO_PERCENTILE)
    if not isinstance(slo_percentile, (int, float)) or not 0 < slo_percentile < 100:
        raise input_error("slo_percentile", slo_percentile, "a number > 0 and < 100")


# ---------------------------------------------------------------- histograms


def decode_histogram(encoded: List[int], buckets: int) -> List[int]:
    """The agent's ``[offset, count, ...]`` form back to a list of ``buckets`` counts.

    Raises ValueError when the form does not fit in ``buckets``.
    """
    counts = [0] * buckets
    if not encoded:
        return counts
    offset, values = encoded[0], encoded[1:]
    if offset < 0 or offset + len(values) > buckets or any(v < 0 for v in values):
        raise ValueError(f"histogram {encoded[:4]}... does not fit {buckets} buckets")
    counts[offset : offset + len(values)] = values
    return counts


def add_into(total: List[int], counts: Iterable[int]) -> None:
    """Add ``counts`` bucket by bucket into ``total``."""
    for index, count in enumerate(counts):
        if count:
            total[index] += count


def quantile_ms(counts: List[int], edges_ms: List[float], q: float) -> Optional[float]:
    """The q-quantile (0 < q < 1) of a histogram, interpolated linearly inside its bucket
    as Prometheus' histogram_quantile does; None for an empty histogram. A quantile in
    the overflow bucket (above the last edge) is reported as the last edge."""
    total = sum(counts)
    if total == 0:
        return None
    rank = q * total
    seen = 0
    for index, count in enumerate(counts):
        if count and seen + count >= rank:
            if index >= len(edges_ms):
                return edges_ms[-1]
            low = edges_ms[index - 1] if index else 0.0
            return low + (edges_ms[index] - low) * (rank - seen) / count
        seen += count
    return edges_ms[-1]


def distribution(counts: List[int], edges_ms: List[float], total_s: float) -> Dict[str, Any]:
    """count, mean and p50/p95/p99 in milliseconds of a histogram and its sum."""
    count = sum(counts)
    out: Dict[str, Any] = {
        "count": count,
        "mean": round(1000.0 * total_s / count, 3) if count else None,
    }
    for name, q in QUANTILES:
        value = quantile_ms(counts, edges_ms, q)
        out[name] = None if value is None else round(value, 3)
    return out


# ---------------------------------------------------------------- snapshots


def load_snapshot(path: str) -> Dict[str, Any]:
    """Read and check one snapshot file (ValueError or OSError when unusable)."""
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"not a format {FORMAT} snapshot")
    missing = [key for key in _SNAPSHOT_KEYS if key not in data]
    if missing:
        raise ValueError(f"no {', '.join(missing)}")
    if not isinstance(data.get("history"), list):
        raise ValueError("no history list")
    return data


def read_groups(
    run_dir: str, process_group: Optional[str]
) -> Tuple[Dict[str, List[Dict[str, Any]]], List[str]]:
    """Snapshots per group folder under ``run_dir`` (only ``process_group`` when given),
    and notes on files that could not be used."""
    if not os.path.isdir(run_dir):
        raise TrafficInfoError(
            f"{MODULE}: no metrics folder {run_dir}: the metrics agent is off. Set "
            "mod_wsgi_daemon_metrics: true for the role wsgiscale.mod_wsgi.mod_wsgi_daemon "
            "and apply it (Apache reloads and loads the agent into every daemon group)."
        )
    names = sorted(n for n in os.listdir(run_dir) if os.path.isdir(os.path.join(run_dir, n)))
    if process_group is not None:
        if process_group not in names:
            raise TrafficInfoError(
                f"{MODULE}: parameter 'process_group' got {describe(process_group)}; "
                f"expected a group with metrics under {run_dir}: "
                f"{', '.join(names) if names else 'there are none'}"
            )
        names = [process_group]
    groups: Dict[str, List[Dict[str, Any]]] = {}
    notes: List[str] = []
    for name in names:
        folder = os.path.join(run_dir, name)
        snapshots = []
        for file_name in sorted(os.listdir(folder)):
            if not file_name.endswith(".json") or file_name.startswith("."):
                continue
            try:
                snapshots.append(load_snapshot(os.path.join(folder, file_name)))
            except (OSError, ValueError) as exc:
                notes.append(f"{os.path.join(folder, file_name)} skipped: {exc}")
        groups[name] = snapshots
    return groups, notes


def start_ticks(proc_root: str, pid: int) -> Optional[int]:
    """Start time (clock ticks since boot) of a live process, None when there is none."""
    try:
        with open(os.path.join(proc_root, str(pid), "stat"), encoding="ascii") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError):
        return None
    fields = text[text.rfind(")") + 2 :].split()
    return int(fields[19]) if len(fields) > 19 and fields[19].isdigit() else None


def is_live(proc_root: str, snapshot: Mapping[str, Any]) -> bool:
    """Whether the snapshot's process still runs: its pid exists and, when the snapshot
    recorded it, started at the same clock tick (a reused pid is another process)."""
    ticks = start_ticks(proc_root, snapshot["pid"])
    if ticks is None:
        return False
    recorded = snapshot.get("start_ticks")
    return recorded is None or recorded == ticks


# ---------------------------------------------------------------- shed requests


def _log_seconds(match: Any) -> float:
    """Log time of a stamp (the host's wall clock, as if it were UTC)."""
    month, day, hour, minute, second, fraction, year = match.groups()
    whole = calendar.timegm(
        (int(year), _MONTHS.get(month, 1), int(day), int(hour), int(minute), int(second))
    )
    return whole + (int(fraction) / 10 ** len(fraction) if fraction else 0.0)


def wall_seconds(epoch: float) -> float:
    """An epoch time on the error log's clock (local wall time, as if it were UTC)."""
    return calendar.timegm(time.localtime(epoch)) + (epoch % 1.0)


def _lines_backwards(handle: Any, limit: int) -> Iterable[bytes]:
    """Lines of a binary file from the last to the first, at most ``limit`` bytes."""
    handle.seek(0, os.SEEK_END)
    position = handle.tell()
    carry = b""
    read = 0
    while position > 0 and read < limit:
        size = min(LOG_BLOCK, position)
        position -= size
        handle.seek(position)
        block = handle.read(size) + carry
        read += size
        lines = block.split(b"\n")
        carry = lines[0]
        yield from reversed(lines[1:])
    if position == 0:
        yield carry


def count_shed(
    path: str, groups: Iterable[str], start: float, end: float
) -> Tuple[Dict[str, Dict[str, int]], Optional[str]]:
    """Requests each group shed between epoch times ``start`` and ``end``, from the
    error log: queue-timeout (504) and connect failures (503) name their group.

    Returns ({group: {"queue_timeout": n, "connect_failed": n}}, note or None).
    """
    wanted = {g.encode(): {"queue_timeout": 0, "connect_failed": 0} for g in groups}
    low, high = wall_seconds(start), wall_seconds(end)
    note = None
    with open(path, "rb") as handle:
        for line in _lines_backwards(handle, MAX_LOG_BYTES):
            stamp = _STAMP.match(line)
            if stamp is None:
                continue
            when = _log_seconds(stamp)
            if when < low - LOG_SLACK_S:
                break
            shed = _SHED.search(line)
            if shed and low <= when <= high and shed.group(2) in wanted:
                wanted[shed.group(2)][_SHED_KINDS[shed.group(1)[:1]]] += 1
        else:
            if os.fstat(handle.fileno()).st_size > MAX_LOG_BYTES:
                note = (
                    f"{path}: only its last {MAX_LOG_BYTES} bytes were read; shed counts may be low"
                )
    return {g.decode(): counts for g, counts in wanted.items()}, note


def find_error_log(error_log: Optional[str]) -> Optional[str]:
    """The error log to count shed requests in: ``error_log``, else the first of
    ERROR_LOGS that exists, else None."""
    if error_log:
        return error_log
    return next((p for p in ERROR_LOGS if os.path.isfile(p)), None)


# ---------------------------------------------------------------- aggregation


def _iso(epoch: Optional[float]) -> Optional[str]:
    if epoch is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + f".{int(epoch % 1 * 1000):03d}Z"


def _round(value: Optional[float], digits: int = 3) -> Optional[float]:
    return None if value is None else round(value, digits)


class GroupWindow:
    """Counts, sums and histograms of one group's live processes over a window."""

    def __init__(self, edges_ms: List[float]) -> None:
        self.edges_ms = edges_ms
        self.buckets = len(edges_ms) + 1
        self.hist = {name: [0] * self.buckets for name in HISTOGRAMS}
        self.sums = dict.fromkeys(
            ("started", "requests", "cpu_n", "app_s", "output_s", "cpu_s", "queue_s", "server_s"),
            0.0,
        )
        self.sums.update(busy_s=0.0, gil_wait_s=0.0, thread_s=0.0)
        self.status = dict.fromkeys(STATUS_CLASSES, 0)
        self.first: Optional[float] = None
        self.last: Optional[float] = None

    def add(self, snapshot: Mapping[str, Any], entries: List[Mapping[str, Any]]) -> int:
        """Add one process's intervals; returns its requests in the window."""
        requests = 0
        for entry in entries:
            for name in self.sums:
                self.sums[name] += entry.get(name, 0) or 0
            for name in HISTOGRAMS:
                add_into(self.hist[name], decode_histogram(entry.get(name, []), self.buckets))
            for code, count in (entry.get("status") or {}).items():
                if code in self.status:
                    self.status[code] += count
            span = entry["end"] - entry["start"]
            self.sums["thread_s"] += span * snapshot["threads"]
            self.first = entry["start"] if self.first is None else min(self.first, entry["start"])
            self.last = entry["end"] if self.last is None else max(self.last, entry["end"])
            requests += entry.get("requests", 0)
        return requests

    def slo_check(self, wait_ms: float, percentile: float) -> Dict[str, Any]:
        """The queue wait at ``percentile`` and whether it is at most ``wait_ms``."""
        value = quantile_ms(self.hist["queue"], self.edges_ms, percentile / 100.0)
        return {
            "slo_wait_ms": wait_ms,
            "slo_percentile": percentile,
            "at_slo_percentile": _round(value),
            "meets_slo": None if value is None else value <= wait_ms,
        }

    @property
    def seconds(self) -> float:
        """Length of the window the intervals cover (0 without intervals)."""
        return 0.0 if self.first is None else self.last - self.first

    def figures(self, shed: Optional[Mapping[str, int]]) -> Dict[str, Any]:
        """Rates, distributions and utilisation of the window."""
        s = self.sums
        seconds = self.seconds
        shed_total = sum(shed.values()) if shed else 0
        per_minute = 60.0 / seconds if seconds else None
        return {
            "requests": int(s["requests"]),
            "served_rpm": _round(s["requests"] * per_minute, 1) if per_minute else None,
            "arrival_rpm": (
                _round((s["requests"] + shed_total) * per_minute, 1) if per_minute else None
            ),
            "application_time_ms": distribution(self.hist["app"], self.edges_ms, s["app_s"]),
            "queue_wait_ms": distribution(self.hist["queue"], self.edges_ms, s["queue_s"]),
            "server_wait_ms": distribution(self.hist["server"], self.edges_ms, s["server_s"]),
            "response_write_ms_per_request": (
                round(1000.0 * s["output_s"] / s["requests"], 3) if s["requests"] else None
            ),
            "cpu_ms_per_request": (
                round(1000.0 * s["cpu_s"] / s["cpu_n"], 3) if s["cpu_n"] else None
            ),
            "gil_wait_ms_per_request": (
                round(1000.0 * s["gil_wait_s"] / s["requests"], 3)
                if s["requests"] and s["gil_wait_s"]
                else None
            ),
            "thread_utilization": (
                round(s["busy_s"] / s["thread_s"], 4) if s["thread_s"] else None
            ),
            "busy_threads": round(s["busy_s"] / seconds, 3) if seconds else None,
            "status": dict(self.status),
        }


def _memory(snapshot: Mapping[str, Any]) -> Tuple[Optional[float], Optional[float]]:
    """(RSS, PSS) in MiB of a process's last interval (None where unknown)."""
    last = snapshot["history"][-1] if snapshot["history"] else {}
    rss, pss = last.get("rss_kb"), last.get("pss_kb")
    return (
        None if rss is None else round(rss / KB_PER_MB, 1),
        None if pss is None else round(pss / KB_PER_MB, 1),
    )


def _process_out(
    snapshot: Mapping[str, Any], requests: int, now: float, window_start: float
) -> Dict[str, Any]:
    rss, pss = _memory(snapshot)
    return {
        "pid": snapshot["pid"],
        "threads": snapshot["threads"],
        "started": _iso(snapshot["started"]),
        "started_epoch": snapshot["started"],
        "started_in_window": snapshot["started"] >= window_start,
        "seconds_since_written": round(max(now - snapshot["written"], 0.0), 1),
        "requests": requests,
        "rss_mb": rss,
        "pss_mb": pss,
    }


def _ended_out(snapshot: Mapping[str, Any]) -> Dict[str, Any]:
    return {
        "pid": snapshot["pid"],
        "started": _iso(snapshot["started"]),
        "last_written": _iso(snapshot["written"]),
        "stopped_cleanly": bool(snapshot.get("stopping")),
    }


def sizing_inputs(
    figures: Mapping[str, Any], memory_mb: Optional[float], headroom_percent: float
) -> Optional[Dict[str, Any]]:
    """target_rpm, latency_ms, cpu_ms and process_rss_mb for wsgi_sizing, or None when
    the window saw no request.

    latency_ms is the time a request holds its daemon thread: the application time
    plus the writes of the response to Apache (what Little's law counts as busy)."""
    latency = figures["application_time_ms"]["mean"]
    if not figures["requests"] or latency is None or not figures["arrival_rpm"]:
        return None
    latency = max(latency + (figures["response_write_ms_per_request"] or 0.0), 0.001)
    cpu = figures["cpu_ms_per_request"]
    return {
        "target_rpm": figures["arrival_rpm"],
        "latency_ms": round(latency, 3),
        # wsgi_sizing needs 0 < cpu_ms <= latency_ms.
        "cpu_ms": None if cpu is None else round(min(max(cpu, 0.001), latency), 3),
        "process_rss_mb": (
            None if memory_mb is None else math.ceil(memory_mb * (1.0 + headroom_percent / 100.0))
        ),
    }


def _agreeing(values: Iterable[Any]) -> Any:
    """The value all items share, None when they differ or there are none."""
    found = set(values)
    return found.pop() if len(found) == 1 else None


def _split(
    snapshots: List[Dict[str, Any]], proc_root: str, notes: List[str]
) -> Tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
    """(live, ended) snapshots; a live one on other bucket edges is left out with a note."""
    live = [s for s in snapshots if is_live(proc_root, s)]
    ended = [s for s in snapshots if s not in live]
    edges = live[0]["edges_ms"] if live else None
    odd = [s for s in live if s["edges_ms"] != edges]
    for snapshot in odd:
        notes.append(
            f"group {snapshot['group']}: pid {snapshot['pid']} uses other histogram edges "
            "(another agent version); left out"
        )
    return [s for s in live if s not in odd], ended


def _accumulate(
    name: str, live: List[Dict[str, Any]], window: Tuple[float, float], notes: List[str]
) -> Tuple[GroupWindow, List[Dict[str, Any]]]:
    """The window of the live processes, and one entry per process."""
    window_start, now = window
    totals = GroupWindow(live[0]["edges_ms"])
    processes = []
    for snapshot in sorted(live, key=lambda s: s["pid"]):
        entries = [e for e in snapshot["history"] if e["end"] > window_start]
        processes.append(_process_out(snapshot, totals.add(snapshot, entries), now, window_start))
        if now - snapshot["written"] > STALE_INTERVALS * snapshot["interval_s"]:
            notes.append(
                f"group {name}: pid {snapshot['pid']} last wrote {now - snapshot['written']:.0f} s "
                "ago (its agent is blocked or failed: see the Apache error log)"
            )
    return totals, processes


def _memory_fields(processes: List[Mapping[str, Any]]) -> Dict[str, Any]:
    """memory_basis and process_memory_mb (largest PSS, RSS when any PSS is unknown)."""
    basis = "pss" if all(p["pss_mb"] is not None for p in processes) else "rss"
    known = [p[basis + "_mb"] for p in processes if p[basis + "_mb"] is not None]
    return {"memory_basis": basis, "process_memory_mb": max(known) if known else None}


def _identity(live: List[Mapping[str, Any]]) -> Dict[str, Any]:
    """What the live processes of a group share: threads, mod_wsgi version, sources."""
    sources = _agreeing(json.dumps(s.get("sources"), sort_keys=True) for s in live)
    return {
        "threads_per_process": _agreeing(s["threads"] for s in live),
        "mod_wsgi": _agreeing(s.get("mod_wsgi") for s in live),
        "sources": None if sources is None else json.loads(sources),
    }


def _restarts(
    ended: List[Mapping[str, Any]], processes: List[Mapping[str, Any]], window_start: float
) -> Dict[str, Any]:
    """Processes that ended in the window (their last snapshot is in it) and started."""
    ended_in_window = sorted(
        (s for s in ended if s["written"] >= window_start), key=lambda s: s["written"]
    )
    return {
        "count": len(ended_in_window),
        "ended": [_ended_out(s) for s in ended_in_window],
        "started": [p["pid"] for p in processes if p["started_in_window"]],
    }


def summarise_group(
    name: str,
    snapshots: List[Dict[str, Any]],
    proc_root: str,
    window: Tuple[float, float],
    shed_counter: Optional[Callable[[str, float, float], Dict[str, int]]],
    headroom_percent: float,
    slo: Tuple[float, float],
) -> Tuple[Dict[str, Any], List[str]]:
    """One group's report over the window (start, now) and its notes.

    ``shed_counter(group, start, end)`` counts the requests the group shed in the
    intervals' span (None: not counted); ``slo`` is (wait ms, percentile)."""
    notes: List[str] = []
    live, ended = _split(snapshots, proc_root, notes)
    if not live:
        return {"group": name, "processes": 0, "live": False}, notes
    totals, processes = _accumulate(name, live, window, notes)
    shed = None
    if shed_counter is not None and totals.first is not None:
        shed = shed_counter(name, totals.first, totals.last)
    figures = totals.figures(shed)
    figures["queue_wait_ms"].update(totals.slo_check(*slo))
    memory = _memory_fields(processes)
    report = {
        "group": name,
        "live": True,
        "window": {
            "start": _iso(totals.first),
            "end": _iso(totals.last),
            "seconds": round(totals.seconds, 3),
            "start_epoch": _round(totals.first),
            "end_epoch": _round(totals.last),
        },
        "processes": len(live),
        "pids": [p["pid"] for p in processes],
        **_identity(live),
        **figures,
        "shed": None if shed is None else dict(shed),
        **memory,
        "process_details": processes,
        "restarts_seen": _restarts(ended, processes, window[0]),
        "sizing_inputs": sizing_inputs(figures, memory["process_memory_mb"], headroom_percent),
    }
    return report, notes


# ---------------------------------------------------------------- the module's result

PROC_ROOT = "/proc"
#: The clock collect() reads when not given ``now`` (epoch seconds).
clock = time.time


def host_vcpus() -> int:
    """CPUs this process may run on (what the daemons can use), else the CPU count."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _shed_counter(
    params: Mapping[str, Any], notes: List[str]
) -> Tuple[Optional[Callable[[str, float, float], Dict[str, int]]], Optional[str]]:
    """The function that counts a group's shed requests, and the log it reads."""
    if not params.get("count_shed", True):
        return None, None
    path = find_error_log(params.get("error_log"))
    if path is None or not os.access(path, os.R_OK):
        notes.append(
            f"no readable error log ({path or ', '.join(ERROR_LOGS)}): requests shed by "
            "queue-timeout (504) or refused connections (503) are not counted, so arrival_rpm "
            "is the served rate and is low for a saturated group"
        )
        return None, None

    def counter(group: str, start: float, end: float) -> Dict[str, int]:
        counts, note = count_shed(path, [group], start, end)
        if note and note not in notes:
            notes.append(note)
        return counts[group]

    return counter, path


def _check_data(
    reports: Mapping[str, Mapping[str, Any]], params: Mapping[str, Any], run_dir: str
) -> List[str]:
    """Fail when there is nothing to report; notes for groups without enough data."""
    if not reports:
        raise TrafficInfoError(
            f"{MODULE}: {run_dir} holds no daemon group folder: the role creates one per app "
            "when mod_wsgi_daemon_metrics is true"
        )
    if not any(r["live"] for r in reports.values()):
        raise TrafficInfoError(
            f"{MODULE}: no running daemon process of {', '.join(sorted(reports))} has written "
            f"a snapshot under {run_dir}: reload Apache after enabling the metrics, or look "
            "for 'wsgiscale metrics agent' in the Apache error log"
        )
    notes = []
    minimum = params["min_requests"]
    for name, report in sorted(reports.items()):
        requests = report.get("requests", 0)
        if report["live"] and requests >= minimum:
            continue
        message = (
            f"group {name}: {requests} request(s) in the window, fewer than min_requests {minimum}"
            if report["live"]
            else f"group {name}: no running process has metrics"
        )
        if params.get("process_group") is not None:
            raise TrafficInfoError(f"{MODULE}: {message}; widen window or send traffic first")
        notes.append(message + "; its sizing_inputs are null")
    return notes


def collect(
    params: Mapping[str, Any], proc_root: str = PROC_ROOT, now: Optional[float] = None
) -> Dict[str, Any]:
    """The module's result for ``params`` (run_dir, process_group, window, error_log,
    count_shed, headroom_percent, min_requests, slo_wait_ms, slo_percentile)."""
    check_options(params)
    run_dir = params.get("run_dir") or RUN_DIR
    groups, notes = read_groups(run_dir, params.get("process_group"))
    now = clock() if now is None else now
    counter, log_path = _shed_counter(params, notes)
    reports = {}
    for name, snapshots in groups.items():
        report, group_notes = summarise_group(
            name,
            snapshots,
            proc_root,
            (now - float(params["window"]), now),
            counter,
            float(params["headroom_percent"]),
            (
                float(params.get("slo_wait_ms", DEFAULT_SLO_WAIT_MS)),
                float(params.get("slo_percentile", DEFAULT_SLO_PERCENTILE)),
            ),
        )
        reports[name] = report
        notes.extend(group_notes)
    notes.extend(_check_data(reports, params, run_dir))
    for report in reports.values():
        if report["live"] and report["requests"] < params["min_requests"]:
            report["sizing_inputs"] = None
    return {
        "run_dir": run_dir,
        "window_s": float(params["window"]),
        "now": _iso(now),
        "vcpus": host_vcpus(),
        "error_log": log_path,
        "groups": reports,
        "notes": notes,
    }
