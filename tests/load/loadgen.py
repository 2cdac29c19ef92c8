# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Open-loop HTTP/1.1 load generator for loopback tests (standard library only).

    python3 loadgen.py run URL [--rate 30] [--duration 60] [--count N] [--arrivals poisson]
                               [--seed 1] [--timeout 30] [--json FILE] [--jsonl FILE]
                               [--stop-file FILE]
    python3 loadgen.py summarise JSONL [--start EPOCH] [--end EPOCH]
                                       [--select overlap|scheduled|started]

``run`` starts each request at its scheduled time whatever happened to the earlier
ones (open loop): arrivals are a seeded Poisson process (exponential gaps, the
default) or a constant rate. Latency is measured from each request's *scheduled*
time, so a stall shows up in full instead of slowing the generator down (no
coordinated omission); the generator's own lateness (actual start minus scheduled
start) and CPU use are reported so that a run that measured the generator can be
recognised. Each request uses its own connection (``Connection: close``), like a
fresh client; it never waits for a free connection.

The schedule ends at ``--count`` requests or ``--duration`` seconds, whichever comes
first, or earlier on SIGTERM/SIGINT or when ``--stop-file`` appears; requests in
flight then get up to ``--timeout`` to finish and the results are written: a JSON
summary (``--json``, default stdout) and, with ``--jsonl``, one JSON line per request
(written as requests finish), which ``summarise`` turns into the same figures for a
time window, e.g. the seconds during which a deployment ran. SIGUSR1 records a mark
(epoch seconds) in the summary; consecutive pairs of marks become windows.

Per request: index, scheduled epoch time, lateness, status, error kind (``refused``,
``connect_timeout``, ``reset``, ``closed`` before a full response, ``timeout``,
``http_<status>`` for a non-2xx answer, ``overload`` when more than
``--max-inflight`` requests were open so it was not sent, ``error`` otherwise),
latency, and the ``X-Calib-*`` headers of calibrated_app.wsgi (queue wait, app time,
CPU, pid, thread, process group).

Only loopback targets are accepted: the host must be 127.0.0.1, localhost or ::1.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import resource
import signal
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

LOOPBACK = {"127.0.0.1": "127.0.0.1", "localhost": "127.0.0.1", "::1": "::1"}
ARRIVALS = ("poisson", "constant")
SELECTIONS = ("overlap", "scheduled", "started")
HEADER_PREFIX = "x-calib-"
# Numeric X-Calib-* headers and the record keys they are stored under.
NUMERIC_HEADERS = {
    "queue-ms": "queue_ms",
    "server-wait-ms": "server_wait_ms",
    "app-ms": "app_ms",
    "cpu-ms": "cpu_ms",
    "io-ms": "io_ms",
}
TEXT_HEADERS = {"pid": "pid", "tid": "tid", "group": "group"}


class LoadgenError(Exception):
    """A usage error: bad target, bad numbers (exit status 2)."""


# ---------------------------------------------------------------- schedule and stats


def schedule(rate: float, arrivals: str = "poisson", seed: int = 1) -> Iterator[float]:
    """Yield request start offsets in seconds from 0, forever.

    ``poisson``: exponential gaps of mean 1/rate from a ``random.Random(seed)``, so a
    seed always gives the same schedule. ``constant``: i / rate.
    """
    if not (isinstance(rate, (int, float)) and math.isfinite(rate) and rate > 0):
        raise LoadgenError(f"loadgen: rate must be a number > 0, got {rate!r}")
    if arrivals not in ARRIVALS:
        raise LoadgenError(f"loadgen: arrivals must be one of {ARRIVALS}, got {arrivals!r}")
    if arrivals == "constant":
        index = 0
        while True:
            yield index / rate
            index += 1
    rng = random.Random(seed)
    offset = 0.0
    while True:
        offset += rng.expovariate(rate)
        yield offset


def bounded_schedule(
    rate: float, arrivals: str, seed: int, duration: float, count: int | None
) -> list[float]:
    """Return the offsets of a run bounded by duration (seconds) and count."""
    offsets = []
    for offset in schedule(rate, arrivals, seed):
        if offset >= duration or (count is not None and len(offsets) >= count):
            break
        offsets.append(offset)
    return offsets


def percentile(values: Iterable[float], pct: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least pct% of values <= it.

    None for no values; pct 0 gives the minimum and 100 the maximum.
    """
    ordered = sorted(values)
    if not ordered:
        return None
    if not 0 <= pct <= 100:
        raise LoadgenError(f"loadgen: percentile must be within 0..100, got {pct!r}")
    rank = max(1, math.ceil(pct / 100.0 * len(ordered)))
    return ordered[rank - 1]


def distribution(values: Iterable[float], points: tuple = (50, 95, 99)) -> dict:
    """Return count, mean, the given percentiles and max of values (ms, 3 decimals)."""
    data = [value for value in values if value is not None]
    result: dict = {"count": len(data)}
    for point in points:
        result[f"p{point}"] = _round(percentile(data, point))
    result["max"] = _round(max(data) if data else None)
    result["mean"] = _round(sum(data) / len(data) if data else None)
    return result


def _round(value: float | None) -> float | None:
    """Round to 3 decimals, keeping None."""
    return None if value is None else round(value, 3)


# ---------------------------------------------------------------- target


@dataclass(frozen=True)
class Target:
    """Where requests go: a loopback address, port, request target and Host header."""

    address: str
    port: int
    path: str
    host_header: str


def parse_target(url: str) -> Target:
    """Parse an http:// URL and refuse anything but a loopback host."""
    parts = urlsplit(url)
    if parts.scheme != "http":
        raise LoadgenError(f"loadgen: url must start with http://, got {url!r}")
    host = (parts.hostname or "").lower()
    if host not in LOOPBACK:
        raise LoadgenError(
            f"loadgen: url host must be loopback (127.0.0.1, localhost or ::1), got {host!r}"
        )
    try:
        port = parts.port or 80
    except ValueError as error:
        raise LoadgenError(f"loadgen: bad port in url {url!r}: {error}") from None
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    host_header = f"[{host}]" if ":" in host else host
    if parts.port:
        host_header = f"{host_header}:{port}"
    return Target(LOOPBACK[host], port, path, host_header)


def request_path(target: Target, index: int, id_param: str) -> str:
    """Return the request target for request `index` (adds id_param=index if set)."""
    if not id_param:
        return target.path
    joiner = "&" if "?" in target.path else "?"
    return f"{target.path}{joiner}{id_param}={index}"


# ---------------------------------------------------------------- one request


async def _read_body(reader: asyncio.StreamReader, headers: dict) -> None:
    """Read (and discard) the body framed by Content-Length, chunks or EOF."""
    if headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                return
    elif "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    else:
        await reader.read()


async def http_get(
    target: Target, path: str, connect_timeout: float, progress: dict
) -> tuple[int, dict]:
    """GET path on a fresh connection; return the status and lower-cased headers.

    Sets progress["connected"] once the connection is established.
    """
    reader, writer = await asyncio.wait_for(
        asyncio.open_connection(target.address, target.port), connect_timeout
    )
    progress["connected"] = True
    try:
        writer.write(
            (
                f"GET {path} HTTP/1.1\r\nHost: {target.host_header}\r\n"
                "User-Agent: wsgiscale-loadgen\r\nConnection: close\r\n\r\n"
            ).encode("latin-1")
        )
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        await _read_body(reader, headers)
        return status, headers
    finally:
        writer.close()
        with contextlib.suppress(OSError, asyncio.TimeoutError):
            await asyncio.wait_for(writer.wait_closed(), 1.0)


def error_kind(error: BaseException, connected: bool) -> str:
    """Classify a failed request (see the module doc for the kinds)."""
    if isinstance(error, ConnectionRefusedError):
        return "refused"
    if isinstance(error, asyncio.TimeoutError):
        return "timeout" if connected else "connect_timeout"
    if isinstance(error, (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)):
        return "reset"
    if isinstance(error, (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError)):
        return "closed"
    return "error"


def header_fields(headers: dict) -> dict:
    """Return the calibrated app's X-Calib-* headers as record fields."""
    fields: dict = {}
    for name, value in headers.items():
        if not name.startswith(HEADER_PREFIX) or value == "":
            continue
        key = name[len(HEADER_PREFIX) :]
        if key in NUMERIC_HEADERS:
            with contextlib.suppress(ValueError):
                fields[NUMERIC_HEADERS[key]] = float(value)
        elif key in TEXT_HEADERS:
            fields[TEXT_HEADERS[key]] = value
    return fields


# ---------------------------------------------------------------- the run


@dataclass
class RunOptions:
    """What `run` does; see build_parser() for each option."""

    url: str
    rate: float = 30.0
    duration: float = 60.0
    count: int | None = None
    arrivals: str = "poisson"
    seed: int = 1
    timeout: float = 30.0
    connect_timeout: float | None = None
    max_inflight: int = 1000
    id_param: str = "rid"
    stop_file: str | None = None
    jsonl: str | None = None


@dataclass
class RunState:
    """Mutable state of a run: results, marks, the stop flag."""

    records: list = field(default_factory=list)
    marks: list = field(default_factory=list)
    inflight: int = 0
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    stop_reason: str = "schedule done"


class Runner:
    """Drive one open-loop run (use `await Runner(options).run()`)."""

    def __init__(self, options: RunOptions) -> None:
        """Validate options; nothing is sent until run()."""
        self.options = options
        self.target = parse_target(options.url)
        for name in ("duration", "timeout"):
            value = getattr(options, name)
            if not (math.isfinite(value) and value > 0):
                raise LoadgenError(f"loadgen: {name} must be > 0 seconds, got {value!r}")
        if options.count is not None and options.count < 0:
            raise LoadgenError(f"loadgen: count must be >= 0, got {options.count!r}")
        if options.max_inflight < 1:
            raise LoadgenError(f"loadgen: max-inflight must be >= 1, got {options.max_inflight}")
        self.offsets = schedule(options.rate, options.arrivals, options.seed)
        self.state = RunState()
        self.jsonl = None
        self.mono0 = 0.0
        self.wall0 = 0.0

    def epoch(self, mono: float) -> float:
        """Convert a loop.time() value to epoch seconds."""
        return self.wall0 + (mono - self.mono0)

    def _record(self, record: dict) -> None:
        """Keep a finished request and append it to the JSONL file."""
        self.state.records.append(record)
        if self.jsonl is not None:
            self.jsonl.write(json.dumps(record, separators=(",", ":")) + "\n")

    async def _one(self, index: int, scheduled: float) -> None:
        """Send request `index` now; record it against its scheduled time."""
        loop = asyncio.get_running_loop()
        sent = loop.time()
        record: dict = {
            "i": index,
            "sched": round(self.epoch(scheduled), 6),
            "lateness_ms": round((sent - scheduled) * 1000.0, 3),
        }
        if self.state.inflight >= self.options.max_inflight:
            record["error"] = "overload"
        else:
            self.state.inflight += 1
            try:
                record.update(await self._exchange(index))
            finally:
                self.state.inflight -= 1
        done = loop.time()
        record["end"] = round(self.epoch(done), 6)
        record["latency_ms"] = round((done - scheduled) * 1000.0, 3)
        record["service_ms"] = round((done - sent) * 1000.0, 3)
        self._record(record)

    async def _exchange(self, index: int) -> dict:
        """Do request `index`; return status, error kind and header fields."""
        path = request_path(self.target, index, self.options.id_param)
        connect_timeout = self.options.connect_timeout or self.options.timeout
        progress = {"connected": False}
        try:
            status, headers = await asyncio.wait_for(
                http_get(self.target, path, connect_timeout, progress), self.options.timeout
            )
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError) as error:
            return {
                "error": error_kind(error, progress["connected"]),
                "detail": f"{type(error).__name__}: {error}"[:200],
            }
        fields = {"status": status, **header_fields(headers)}
        if not 200 <= status < 300:
            fields["error"] = f"http_{status}"
        return fields

    async def _watch_stop_file(self) -> None:
        """Set the stop flag when the stop file appears (polled every 0.1 s)."""
        while not self.state.stop.is_set():
            if self.options.stop_file and os.path.exists(self.options.stop_file):
                self.stop("stop file")
                return
            await asyncio.sleep(0.1)

    def stop(self, reason: str) -> None:
        """End the schedule (requests in flight still finish)."""
        if not self.state.stop.is_set():
            self.state.stop_reason = reason
            self.state.stop.set()

    def mark(self) -> None:
        """Record the current epoch time as a mark."""
        self.state.marks.append(round(time.time(), 6))

    async def _schedule_requests(self) -> tuple[int, float]:
        """Start requests on schedule until a bound or stop; return (sent, span)."""
        loop = asyncio.get_running_loop()
        tasks = set()
        sent = 0
        for offset in self.offsets:
            if offset >= self.options.duration:
                break
            if self.options.count is not None and sent >= self.options.count:
                break
            at = self.mono0 + offset
            # Short sleeps: cheap, and a stop is seen within 0.1 s at any rate.
            while not self.state.stop.is_set() and at - loop.time() > 0:
                await asyncio.sleep(min(at - loop.time(), 0.1))
            if self.state.stop.is_set():
                break
            task = asyncio.ensure_future(self._one(sent, at))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            sent += 1
        span = min(loop.time() - self.mono0, self.options.duration)
        if tasks:
            await asyncio.wait(set(tasks), timeout=self.options.timeout + 5.0)
        return sent, span

    async def run(self) -> dict:
        """Run the schedule, wait for requests in flight, return the summary."""
        loop = asyncio.get_running_loop()
        for signum, reason in ((signal.SIGTERM, "SIGTERM"), (signal.SIGINT, "SIGINT")):
            loop.add_signal_handler(signum, self.stop, reason)
        loop.add_signal_handler(signal.SIGUSR1, self.mark)
        usage0 = resource.getrusage(resource.RUSAGE_SELF)
        self.mono0 = loop.time() + 0.05
        self.wall0 = time.time() + 0.05
        watcher = asyncio.ensure_future(self._watch_stop_file())
        try:
            if self.options.jsonl:
                self.jsonl = open(self.options.jsonl, "w", encoding="utf-8")  # noqa: SIM115
            sent, span = await self._schedule_requests()
        finally:
            self.stop(self.state.stop_reason)
            watcher.cancel()
            if self.jsonl is not None:
                self.jsonl.close()
        usage1 = resource.getrusage(resource.RUSAGE_SELF)
        elapsed = loop.time() - self.mono0
        cpu_s = (usage1.ru_utime - usage0.ru_utime) + (usage1.ru_stime - usage0.ru_stime)
        summary = summarise(self.state.records, span_s=span)
        summary.update(
            {
                "url": self.options.url,
                "arrivals": self.options.arrivals,
                "rate": self.options.rate,
                "seed": self.options.seed,
                "started": round(self.wall0, 6),
                "stopped_by": self.state.stop_reason,
                "sent": sent,
                "generator": {
                    "cpu_s": round(cpu_s, 3),
                    "cpu_pct_of_one_core": round(100.0 * cpu_s / elapsed, 1) if elapsed else None,
                    "lateness_ms": distribution(
                        (r["lateness_ms"] for r in self.state.records), (50, 99)
                    ),
                },
                "marks": self.state.marks,
                "windows": [
                    summarise(self.state.records, start, end)
                    for start, end in zip(self.state.marks[::2], self.state.marks[1::2])
                ],
            }
        )
        return summary


# ---------------------------------------------------------------- summaries


def select(records: Iterable[dict], start: float | None, end: float | None, how: str) -> list:
    """Return the records in the window [start, end] (epoch seconds).

    ``overlap``: the request was open at some moment of the window (scheduled before
    its end and finished after its start), so requests in flight when an event began
    count. ``scheduled``: scheduled within the window. ``started``: the app started
    within the window (``end`` minus the app's time), as a server-side recorder that
    counts a request when the app starts places it; only requests that reached the app.
    """
    if how not in SELECTIONS:
        raise LoadgenError(f"loadgen: select must be one of {SELECTIONS}, got {how!r}")
    low = -math.inf if start is None else start
    high = math.inf if end is None else end
    if how == "scheduled":
        return [r for r in records if low <= r["sched"] <= high]
    if how == "started":
        return [
            r
            for r in records
            if r.get("app_ms") is not None and low <= r["end"] - r["app_ms"] / 1000.0 <= high
        ]
    return [r for r in records if r["sched"] <= high and r["end"] >= low]


def summarise(
    records: Iterable[dict],
    start: float | None = None,
    end: float | None = None,
    how: str = "overlap",
    span_s: float | None = None,
) -> dict:
    """Figures for the requests in a window (all of them without start/end).

    Offered and achieved rps count the requests *scheduled* in the window over its
    length (span_s, else end - start, else first to last scheduled time).
    """
    records = list(records)
    chosen = select(records, start, end, how)
    in_window = select(records, start, end, "scheduled")
    if span_s is None:
        if start is not None and end is not None:
            span_s = end - start
        elif in_window:
            span_s = max(r["sched"] for r in in_window) - min(r["sched"] for r in in_window)
    ok = [r for r in chosen if "error" not in r]
    failed = Counter(r["error"] for r in chosen if "error" in r)
    ok_in_window = sum(1 for r in in_window if "error" not in r)
    rate = (lambda n: round(n / span_s, 3)) if span_s else (lambda n: None)
    return {
        "window": {"start": start, "end": end, "select": how, "span_s": _round(span_s)},
        "requests": len(chosen),
        "ok": len(ok),
        "failed": sum(failed.values()),
        "failed_by_kind": dict(sorted(failed.items())),
        "offered_rps": rate(len(in_window)),
        "achieved_rps": rate(ok_in_window),
        "latency_ms": distribution(r["latency_ms"] for r in ok),
        "latency_all_ms": distribution(r["latency_ms"] for r in chosen),
        "queue_wait_ms": distribution(r.get("queue_ms") for r in ok),
        "server_wait_ms": distribution(r.get("server_wait_ms") for r in ok),
        "app_ms": distribution(r.get("app_ms") for r in ok),
        "pids": dict(sorted(Counter(r["pid"] for r in ok if "pid" in r).items())),
    }


def read_jsonl(path: str) -> list[dict]:
    """Read the per-request records written by `run --jsonl`."""
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


# ---------------------------------------------------------------- command line


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the command line."""
    parser = argparse.ArgumentParser(
        prog="loadgen.py",
        description=__doc__.split("\n\n")[2],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="send open-loop load and summarise it")
    run.add_argument("url", help="http://127.0.0.1[:port]/path?query (loopback only)")
    run.add_argument("--rate", type=float, default=30.0, help="mean requests/s (30)")
    run.add_argument("--duration", type=float, default=60.0, help="schedule length, s (60)")
    run.add_argument("--count", type=int, help="stop after this many requests")
    run.add_argument("--arrivals", choices=ARRIVALS, default="poisson", help="(poisson)")
    run.add_argument("--seed", type=int, default=1, help="Poisson schedule seed (1)")
    run.add_argument("--timeout", type=float, default=30.0, help="per-request timeout, s (30)")
    run.add_argument("--connect-timeout", type=float, help="connect timeout, s (--timeout)")
    run.add_argument(
        "--max-inflight",
        type=int,
        default=1000,
        help="open requests above which a request is not sent but counted as overload (1000)",
    )
    run.add_argument(
        "--id-param",
        default="rid",
        help="query parameter carrying the request index ('' for none; rid)",
    )
    run.add_argument("--stop-file", help="stop the schedule when this file exists")
    run.add_argument("--json", default="-", help="summary file ('-' = stdout)")
    run.add_argument("--jsonl", help="write one JSON line per request here")
    summ = sub.add_parser("summarise", help="figures for a time window of a --jsonl file")
    summ.add_argument("jsonl", help="file written by run --jsonl")
    summ.add_argument("--start", type=float, help="window start, epoch seconds")
    summ.add_argument("--end", type=float, help="window end, epoch seconds")
    summ.add_argument("--select", choices=SELECTIONS, default="overlap", help="(overlap)")
    summ.add_argument("--json", default="-", help="output file ('-' = stdout)")
    return parser


def _write(path: str, document: dict) -> None:
    """Write a JSON document to path or stdout ('-'), atomically for files."""
    text = json.dumps(document, indent=2) + "\n"
    if path == "-":
        sys.stdout.write(text)
        return
    temporary = f"{path}.tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(temporary, path)


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "summarise":
            records = read_jsonl(args.jsonl)
            _write(args.json, summarise(records, args.start, args.end, args.select))
            return 0
        options = RunOptions(
            url=args.url,
            rate=args.rate,
            duration=args.duration,
            count=args.count,
            arrivals=args.arrivals,
            seed=args.seed,
            timeout=args.timeout,
            connect_timeout=args.connect_timeout,
            max_inflight=args.max_inflight,
            id_param=args.id_param,
            stop_file=args.stop_file,
            jsonl=args.jsonl,
        )
        runner = Runner(options)
        _write(args.json, asyncio.run(runner.run()))
    except LoadgenError as error:
        sys.stderr.write(f"{error}\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
