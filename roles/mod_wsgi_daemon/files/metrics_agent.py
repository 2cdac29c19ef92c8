# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Per-request metrics from inside mod_wsgi daemon processes (wsgiscale.mod_wsgi).

The role ``wsgiscale.mod_wsgi.mod_wsgi_daemon`` loads this file into every daemon
process of a group with ``WSGIImportScript <this file> process-group=G
application-group=A`` (A = the app's application group, since mod_wsgi delivers
events per interpreter), so the app needs no change. Standard library only, Python
>= 3.8. See docs/metrics.md.

Sources (the best each mod_wsgi version offers, checked on 4.9.4 and 5.0.2):

* ``mod_wsgi.subscribe_events``: ``request_started`` carries ``request_start``,
  ``queue_start``, ``daemon_start`` and ``application_start`` (float seconds), so the
  queue wait for a daemon thread (daemon_start - queue_start) and the server-side
  wait (application_start - request_start) are known before the app runs;
  ``response_started`` the status; ``request_finished`` ``application_time`` (kept
  as the application's own time, minus ``output_time``, the writes of the response
  to the Apache child, which are summed apart) and the thread's CPU
  (``cpu_user_time`` + ``cpu_system_time``; 6.x also ``gil_wait_time``).
* ``mod_wsgi.process_metrics()``: cumulative and not drained, so it can be read
  beside any other consumer: ``request_busy_time`` (thread-seconds spent in
  requests, requests in progress included), ``memory_rss``. In 6.x it answers only
  after ``mod_wsgi.start_recording_metrics()``, which is called when it exists; when
  it still answers None (``WSGITelemetryService``) busy time falls back to the sum
  of application times.
* Not ``mod_wsgi.request_metrics()``: each call drains one process-wide interval
  (two consumers steal each other's samples) and its histograms have 16 buckets
  doubling from 5 ms, too coarse for a 10 ms queue-wait target.

Every ``interval_s`` seconds (aligned on the wall clock, so the processes of a group
close their intervals together) a background thread closes the current interval and
writes ``<run_dir>/<group>/<pid>.json`` atomically (temporary file + rename): the
process's identity, cumulative totals and the last ``history`` intervals, each with
counts, sums and fixed-bucket histograms. With ``textfile_dir`` it also writes
``<textfile_dir>/mod_wsgi_<group>_<pid>.prom`` for node_exporter's textfile collector.
Settings come from ``metrics_agent.json`` beside this file (written by the role).
An error never reaches a request: it is written once to the Apache error log
(stderr) and the agent carries on or stops measuring.
"""

from __future__ import annotations

import bisect
import contextlib
import json
import os
import sys
import threading
import time
from collections import deque

FORMAT = 1
NAME = "wsgiscale metrics agent"
CONFIG_NAME = "metrics_agent.json"
DEFAULTS = {
    "run_dir": "/run/wsgiscale-mod_wsgi/metrics",
    "interval_s": 5.0,
    "history": 60,
    "textfile_dir": None,
}
# Preferred numbers (Renard R20): 20 bucket edges per decade, each about 12 % above
# the last, from 0.01 ms to 100 s. Bucket i counts values v with
# EDGES_MS[i-1] < v <= EDGES_MS[i]; the last bucket counts values above 100 s.
R20 = (1.0, 1.12, 1.25, 1.4, 1.6, 1.8, 2.0, 2.24, 2.5, 2.8)
R20 += (3.15, 3.55, 4.0, 4.5, 5.0, 5.6, 6.3, 7.1, 8.0, 9.0)
EDGES_MS = (*(round(m * 10.0**exp, 6) for exp in range(-2, 5) for m in R20), 100000.0)
EDGES_S = tuple(edge / 1000.0 for edge in EDGES_MS)
BUCKETS = len(EDGES_MS) + 1
# Bucket edges written as Prometheus histogram buckets (seconds; all are R20 edges).
PROM_EDGES_MS = (0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000)
STATUS_CLASSES = ("1xx", "2xx", "3xx", "4xx", "5xx")
HISTOGRAMS = ("queue", "server", "app")
SUMS = ("queue_s", "server_s", "app_s", "output_s", "cpu_s", "gil_wait_s")
COUNTS = ("started", "requests", "cpu_n")
# Seconds after which a dead process's snapshot is removed by its group's survivors.
KEEP_DEAD_FACTOR = 2


def _complain(message):
    """Write one line to the Apache error log (the daemon's stderr)."""
    try:
        sys.stderr.write(f"{NAME} (pid {os.getpid()}): {message}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def encode_histogram(counts):
    """Compact form of a histogram: ``[offset, count, count, ...]`` from the first to
    the last non-empty bucket; ``[]`` when empty."""
    first = next((i for i, n in enumerate(counts) if n), None)
    if first is None:
        return []
    last = max(i for i, n in enumerate(counts) if n)
    return [first, *counts[first : last + 1]]


def read_config(path, defaults=None):
    """Settings from the JSON file at ``path`` over ``defaults`` (unknown keys and bad
    values are reported and ignored; a missing file gives the defaults)."""
    config = dict(DEFAULTS if defaults is None else defaults)
    try:
        with open(path, encoding="utf-8") as handle:
            given = json.load(handle)
    except FileNotFoundError:
        return config
    except (OSError, ValueError) as exc:
        _complain(f"cannot read {path} ({exc}); using the defaults")
        return config
    if not isinstance(given, dict):
        _complain(f"{path} does not hold a JSON object; using the defaults")
        return config
    checks = {
        "run_dir": lambda v: isinstance(v, str) and v.startswith("/"),
        "interval_s": lambda v: isinstance(v, (int, float)) and 0.5 <= v <= 3600,
        "history": lambda v: isinstance(v, int) and 1 <= v <= 10000,
        "textfile_dir": lambda v: v is None or (isinstance(v, str) and v.startswith("/")),
    }
    for key, value in given.items():
        if key in checks and checks[key](value) and not isinstance(value, bool):
            config[key] = value
        else:
            _complain(f"{path}: ignoring {key}={value!r}")
    return config


class Interval:
    """What happened in one interval of one process (filled under the recorder's lock)."""

    __slots__ = ("start", "status", *COUNTS, *SUMS, *HISTOGRAMS)

    def __init__(self, start):
        self.start = start
        for name in COUNTS:
            setattr(self, name, 0)
        for name in SUMS:
            setattr(self, name, 0.0)
        for name in HISTOGRAMS:
            setattr(self, name, [0] * BUCKETS)
        self.status = [0] * len(STATUS_CLASSES)

    def add_to(self, totals):
        """Add this interval's counts, sums and histograms to ``totals`` (a dict)."""
        for name in COUNTS + SUMS:
            totals[name] = totals.get(name, 0) + getattr(self, name)
        for name in HISTOGRAMS:
            merged = totals.setdefault(name, [0] * BUCKETS)
            for index, count in enumerate(getattr(self, name)):
                if count:
                    merged[index] += count
        merged = totals.setdefault("status", [0] * len(STATUS_CLASSES))
        for index, count in enumerate(self.status):
            merged[index] += count

    def as_dict(self, end):
        """The interval as written in a snapshot."""
        entry = {"start": round(self.start, 3), "end": round(end, 3)}
        for name in COUNTS:
            entry[name] = getattr(self, name)
        for name in SUMS:
            entry[name] = round(getattr(self, name), 6)
        entry["status"] = dict(zip(STATUS_CLASSES, self.status))
        for name in HISTOGRAMS:
            entry[name] = encode_histogram(getattr(self, name))
        return entry


class Recorder:
    """Counts requests from mod_wsgi's events into the current Interval.

    ``on_event`` is the subscriber: it must be cheap, so it does one bisect per
    histogram outside the lock and a few additions inside it.
    """

    def __init__(self, clock=time.time):
        self.clock = clock
        self.lock = threading.Lock()
        self.current = Interval(clock())

    def on_event(self, name, **event):
        """mod_wsgi event subscriber (``handler(name, **event)``)."""
        if name == "request_started":
            self._started(event)
        elif name == "request_finished":
            self._finished(event)
        elif name == "response_started":
            self._responded(event.get("response_status"))

    def _started(self, event):
        queue_start = event.get("queue_start") or 0.0
        daemon_start = event.get("daemon_start") or 0.0
        request_start = event.get("request_start") or 0.0
        app_start = event.get("application_start") or 0.0
        queue = daemon_start - queue_start if queue_start and daemon_start else None
        server = app_start - request_start if request_start and app_start else None
        if queue is not None:
            queue = max(queue, 0.0)
            queue_index = bisect.bisect_left(EDGES_S, queue)
        if server is not None:
            server = max(server, 0.0)
            server_index = bisect.bisect_left(EDGES_S, server)
        with self.lock:
            interval = self.current
            interval.started += 1
            if queue is not None:
                interval.queue_s += queue
                interval.queue[queue_index] += 1
            if server is not None:
                interval.server_s += server
                interval.server[server_index] += 1

    def _finished(self, event):
        # application_time runs until the response is written to the Apache child;
        # the write (output_time) is kept apart: under load it can take tens of ms
        # that the application itself never sees.
        output = max(event.get("output_time") or 0.0, 0.0)
        app = max((event.get("application_time") or 0.0) - output, 0.0)
        index = bisect.bisect_left(EDGES_S, app)
        cpu = event.get("cpu_time")
        if cpu is None and "cpu_user_time" in event:
            cpu = event["cpu_user_time"] + event.get("cpu_system_time", 0.0)
        gil_wait = event.get("gil_wait_time") or 0.0
        with self.lock:
            interval = self.current
            interval.requests += 1
            interval.app_s += app
            interval.output_s += output
            interval.app[index] += 1
            if cpu is not None:
                interval.cpu_s += cpu
                interval.cpu_n += 1
            interval.gil_wait_s += gil_wait

    def _responded(self, status):
        try:
            index = int(str(status)[:1]) - 1
        except ValueError:
            return
        if 0 <= index < len(STATUS_CLASSES):
            with self.lock:
                self.current.status[index] += 1

    def roll(self, now):
        """Close the current interval at ``now`` and start the next one; returns it."""
        fresh = Interval(now)
        with self.lock:
            done = self.current
            self.current = fresh
        return done


def _proc_start_ticks(pid):
    """Start time of a process in clock ticks since boot (field 22 of /proc/PID/stat),
    None when it is gone or unreadable."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            text = handle.read()
    except OSError:
        return None
    fields = text[text.rfind(")") + 2 :].split()
    return int(fields[19]) if len(fields) > 19 and fields[19].isdigit() else None


def _own_memory_kb():
    """(RSS, PSS) of this process in KiB from /proc/self/smaps_rollup (a process may
    always read its own), None for what cannot be read."""
    found = {}
    try:
        with open("/proc/self/smaps_rollup", encoding="ascii", errors="replace") as handle:
            for line in handle:
                key, _sep, value = line.partition(":")
                if key in ("Rss", "Pss"):
                    found[key] = int(value.split()[0])
    except (OSError, ValueError, IndexError):
        pass
    return found.get("Rss"), found.get("Pss")


def _pid_files(folder, prefix, suffix):
    """(pid, path) of the files ``<prefix><pid><suffix>`` in ``folder`` (none when the
    folder is unset or unreadable)."""
    try:
        names = os.listdir(folder) if folder else []
    except OSError:
        names = []
    for name in names:
        pid = name[len(prefix) : len(name) - len(suffix)]
        if name.startswith(prefix) and name.endswith(suffix) and pid.isdigit():
            yield int(pid), os.path.join(folder, name)


def write_atomically(path, text):
    """Write ``text`` to ``path`` through a temporary file in the same folder and a
    rename, so a reader sees the old or the new file, never a part."""
    folder, name = os.path.split(path)
    temporary = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(temporary, 0o644)
    os.replace(temporary, path)


def _label(value):
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _prom_histogram(lines, name, help_text, labels, counts, total_s):
    """Append a Prometheus histogram built from a fine histogram's cumulative counts at
    PROM_EDGES_MS (exact: every one of them is a bucket edge)."""
    lines.append(f"# HELP {name} {help_text}")
    lines.append(f"# TYPE {name} histogram")
    cumulative = 0
    index = 0
    for edge in PROM_EDGES_MS:
        stop = EDGES_MS.index(float(edge)) + 1
        while index < stop:
            cumulative += counts[index]
            index += 1
        lines.append(f'{name}_bucket{{{labels},le="{edge / 1000.0:g}"}} {cumulative}')
    lines.append(f'{name}_bucket{{{labels},le="+Inf"}} {sum(counts)}')
    lines.append(f"{name}_sum{{{labels}}} {total_s:.6f}")
    lines.append(f"{name}_count{{{labels}}} {sum(counts)}")


def prometheus_text(snapshot, totals):
    """node_exporter textfile text of one process: counters since the process started,
    histograms in seconds, gauges for threads and memory."""
    labels = f'group="{_label(snapshot["group"])}",pid="{snapshot["pid"]}"'
    lines = []

    def metric(name, kind, help_text, value, extra=""):
        lines.append(f"# HELP {name} {help_text}")
        lines.append(f"# TYPE {name} {kind}")
        lines.append(f"{name}{{{labels}{extra}}} {value}")

    metric("mod_wsgi_requests_total", "counter", "Requests finished.", totals.get("requests", 0))
    lines.append("# HELP mod_wsgi_responses_total Responses started, by status class.")
    lines.append("# TYPE mod_wsgi_responses_total counter")
    for code, count in zip(STATUS_CLASSES, totals.get("status", [0] * 5)):
        lines.append(f'mod_wsgi_responses_total{{{labels},code="{code}"}} {count}')
    for key, name, text in (
        ("queue", "mod_wsgi_queue_wait_seconds", "Wait for a free daemon thread."),
        (
            "server",
            "mod_wsgi_server_wait_seconds",
            "Time from Apache reading the request to the application starting.",
        ),
        ("app", "mod_wsgi_application_duration_seconds", "Application time per request."),
    ):
        counts = totals.get(key, [0] * BUCKETS)
        _prom_histogram(lines, name, text, labels, counts, totals.get(key + "_s", 0.0))
    metric(
        "mod_wsgi_response_write_seconds_total",
        "counter",
        "Time spent writing responses to Apache.",
        f"{totals.get('output_s', 0.0):.6f}",
    )
    metric(
        "mod_wsgi_request_cpu_seconds_total",
        "counter",
        "CPU time of request threads.",
        f"{totals.get('cpu_s', 0.0):.6f}",
    )
    metric(
        "mod_wsgi_thread_busy_seconds_total",
        "counter",
        "Thread-seconds spent in requests.",
        f"{totals.get('busy_s', 0.0):.6f}",
    )
    metric(
        "mod_wsgi_request_threads", "gauge", "Request threads of the process.", snapshot["threads"]
    )
    last = snapshot["history"][-1] if snapshot["history"] else {}
    if last.get("rss_kb") is not None:
        metric(
            "mod_wsgi_process_resident_memory_bytes",
            "gauge",
            "Resident memory.",
            last["rss_kb"] * 1024,
        )
    if last.get("pss_kb") is not None:
        metric(
            "mod_wsgi_process_proportional_memory_bytes",
            "gauge",
            "Proportional set size (shared pages divided among their users).",
            last["pss_kb"] * 1024,
        )
    metric(
        "mod_wsgi_process_cpu_seconds_total",
        "counter",
        "CPU time of the process.",
        f"{snapshot['process_cpu_s']:.3f}",
    )
    metric(
        "mod_wsgi_process_start_time_seconds",
        "gauge",
        "Start of the process (epoch).",
        f"{snapshot['started']:.3f}",
    )
    return "\n".join(lines) + "\n"


class Agent:
    """The recorder of one daemon process, its background writer and its snapshot."""

    def __init__(self, module, config, clock=time.time):
        self.module = module
        self.config = config
        self.clock = clock
        self.recorder = Recorder(clock)
        self.pid = os.getpid()
        self.group = getattr(module, "process_group", "") or ""
        self.history = deque(maxlen=int(config["history"]))
        self.totals = {}
        self.stop = threading.Event()
        # The writer thread and the shutdown callback (main thread) may both tick.
        self.tick_lock = threading.Lock()
        self.failed = set()
        self.metrics_source = "subscribe_events"
        self.process_source = "process_metrics"
        self.started = clock()
        self.start_ticks = _proc_start_ticks("self")
        self.last_busy = None
        self.folder = os.path.join(config["run_dir"], self.group)
        self.path = os.path.join(self.folder, f"{self.pid}.json")
        self.ticks = 0

    def _process_metrics(self):
        reader = getattr(self.module, "process_metrics", None)
        try:
            result = reader() if reader is not None else None
        except Exception:  # a C API of a version not seen yet must not stop the agent
            result = None
        return result if isinstance(result, dict) else None

    def start(self):
        """Subscribe to the events and start the writer thread."""
        if hasattr(self.module, "start_recording_metrics"):
            self.module.start_recording_metrics()
        process = self._process_metrics()
        if process is None:
            self.process_source = "application_time"
        else:
            self.started = float(process.get("restart_time") or self.started)
            self.last_busy = float(process.get("request_busy_time") or 0.0)
        self.module.subscribe_events(self.recorder.on_event)
        if hasattr(self.module, "subscribe_shutdown"):
            self.module.subscribe_shutdown(self.on_shutdown)
        thread = threading.Thread(target=self.run, name="wsgiscale-metrics", daemon=True)
        thread.start()

    def run(self):
        """Close an interval on every multiple of interval_s until shutdown."""
        interval = float(self.config["interval_s"])
        while not self.stop.wait(interval - self.clock() % interval):
            self.tick()

    def on_shutdown(self, *_args, **_event):
        """Write the last interval, marked as the process's end, and stop."""
        self.stop.set()
        self.tick(stopping=True)

    def _busy(self, process, interval):
        if process is None or process.get("request_busy_time") is None:
            return interval.app_s
        busy = float(process["request_busy_time"])
        delta = busy - (self.last_busy if self.last_busy is not None else busy)
        self.last_busy = busy
        return max(delta, 0.0)

    def tick(self, stopping=False):
        """Close the interval, then write the snapshot (and the textfile)."""
        with self.tick_lock:
            self._tick(stopping)

    def _tick(self, stopping):
        try:
            now = self.clock()
            interval = self.recorder.roll(now)
            process = self._process_metrics()
            rss_kb, pss_kb = _own_memory_kb()
            if rss_kb is None and process is not None and process.get("memory_rss"):
                rss_kb = int(process["memory_rss"]) // 1024
            entry = interval.as_dict(now)
            entry["busy_s"] = round(self._busy(process, interval), 6)
            entry["rss_kb"] = rss_kb
            entry["pss_kb"] = pss_kb
            self.history.append(entry)
            interval.add_to(self.totals)
            self.totals["busy_s"] = self.totals.get("busy_s", 0.0) + entry["busy_s"]
            snapshot = self.snapshot(now, stopping)
            self.write(snapshot)
            self.ticks += 1
            if self.ticks % 12 == 1:
                self.remove_dead()
        except Exception as exc:  # never let a failure reach a request
            self._fail_once("tick", f"cannot write metrics: {exc!r}")

    def snapshot(self, now, stopping):
        """The snapshot of this process as a dict (what is written as JSON)."""
        times = os.times()
        totals = {name: self.totals.get(name, 0) for name in COUNTS}
        for name in (*SUMS, "busy_s"):
            totals[name] = round(self.totals.get(name, 0.0), 6)
        totals["status"] = dict(zip(STATUS_CLASSES, self.totals.get("status", [0] * 5)))
        for name in HISTOGRAMS:
            totals[name] = encode_histogram(self.totals.get(name, [0] * BUCKETS))
        return {
            "format": FORMAT,
            "agent": NAME,
            "pid": self.pid,
            "group": self.group,
            "application_group": getattr(self.module, "application_group", "") or "",
            "mod_wsgi": ".".join(str(p) for p in getattr(self.module, "version", ())),
            "python": ".".join(str(p) for p in sys.version_info[:3]),
            "sources": {"requests": self.metrics_source, "busy": self.process_source},
            "threads": int(getattr(self.module, "threads_per_process", 0) or 0),
            "processes": int(getattr(self.module, "maximum_processes", 0) or 0),
            "started": round(self.started, 3),
            "start_ticks": self.start_ticks,
            "written": round(now, 3),
            "interval_s": float(self.config["interval_s"]),
            "stopping": stopping,
            "process_cpu_s": round(times[0] + times[1], 3),
            "edges_ms": list(EDGES_MS),
            "totals": totals,
            "history": list(self.history),
        }

    def write(self, snapshot):
        """Write the JSON snapshot, and the Prometheus text when configured."""
        write_atomically(self.path, json.dumps(snapshot, separators=(",", ":")))
        folder = self.config.get("textfile_dir")
        if folder:
            path = os.path.join(folder, f"mod_wsgi_{self.group}_{self.pid}.prom")
            try:
                if snapshot["stopping"]:
                    os.unlink(path)
                else:
                    write_atomically(path, prometheus_text(snapshot, self.totals))
            except FileNotFoundError:
                pass
            except OSError as exc:
                self._fail_once("textfile", f"cannot write {path}: {exc}")

    def remove_dead(self):
        """Remove files of this group's processes that are gone: snapshots once they
        are older than KEEP_DEAD_FACTOR histories, Prometheus files at once."""
        keep_s = KEEP_DEAD_FACTOR * self.config["history"] * float(self.config["interval_s"])
        now = self.clock()
        for pid, path in _pid_files(self.folder, "", ".json"):
            if pid != self.pid and _proc_start_ticks(pid) is None:
                with contextlib.suppress(OSError):
                    if now - os.stat(path).st_mtime > keep_s:
                        os.unlink(path)
        folder = self.config.get("textfile_dir")
        for pid, path in _pid_files(folder, f"mod_wsgi_{self.group}_", ".prom"):
            if _proc_start_ticks(pid) is None:
                with contextlib.suppress(OSError):
                    os.unlink(path)

    def _fail_once(self, what, message):
        if what not in self.failed:
            self.failed.add(what)
            _complain(message)


def install(module):
    """Start an agent in this interpreter unless one runs already; returns it or None."""
    if getattr(module, "wsgiscale_metrics_agent", None) is not None:
        return module.wsgiscale_metrics_agent
    if not hasattr(module, "subscribe_events") or not getattr(module, "process_group", ""):
        _complain("mod_wsgi has no subscribe_events or this is not a daemon process: not measuring")
        return None
    config = read_config(os.path.join(os.path.dirname(os.path.abspath(__file__)), CONFIG_NAME))
    agent = Agent(module, config)
    if not os.access(agent.folder, os.W_OK):
        _complain(f"cannot write to {agent.folder}: not measuring")
        return None
    module.wsgiscale_metrics_agent = agent
    agent.start()
    return agent


try:
    import mod_wsgi
except ImportError:  # imported outside mod_wsgi (tests, tools): define, do not start
    mod_wsgi = None

if mod_wsgi is not None:
    install(mod_wsgi)
