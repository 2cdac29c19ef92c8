# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tests of tests/load/loadgen.py: schedule, percentiles, loopback rule, real runs.

The end-to-end tests run the generator against small servers on 127.0.0.1 in this
process (a threaded wsgiref server, raw sockets that reset or close). Timing
assertions are structural with wide margins: a server far slower than the arrival
rate must make latency grow while the requests still start on time.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import signal
import socket
import statistics
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from hypothesis import given
from hypothesis import strategies as st

LOAD_DIR = Path(__file__).resolve().parents[2] / "load"
sys.path.insert(0, str(LOAD_DIR))
import loadgen  # noqa: E402

# ---------------------------------------------------------------- schedule


def gaps(offsets: list) -> list:
    """Inter-arrival gaps of a schedule (the first one from 0)."""
    return [b - a for a, b in zip([0.0, *offsets], offsets)]


@pytest.mark.parametrize("seed", [1, 2, 42])
@pytest.mark.parametrize("rate", [5.0, 30.0, 300.0])
def test_poisson_gaps_have_the_rate_mean_and_unit_cv(seed, rate):
    """Exponential gaps: mean 1/rate and coefficient of variation 1 (within 5%)."""
    offsets = loadgen.bounded_schedule(rate, "poisson", seed, math.inf, 20000)
    values = gaps(offsets)
    mean = statistics.fmean(values)
    assert mean == pytest.approx(1.0 / rate, rel=0.05)
    assert statistics.pstdev(values) / mean == pytest.approx(1.0, abs=0.05)


def test_poisson_counts_per_second_are_overdispersed_like_poisson():
    """Counts per 1 s bin: variance about equal to the mean (constant rate: zero)."""
    rate = 30.0
    for arrivals, low, high in (("poisson", 0.8, 1.2), ("constant", 0.0, 0.05)):
        offsets = loadgen.bounded_schedule(rate, arrivals, 3, 2000.0, None)
        counts = [0] * 2000
        for offset in offsets:
            counts[int(offset)] += 1
        dispersion = statistics.pvariance(counts) / statistics.fmean(counts)
        assert low <= dispersion <= high, (arrivals, dispersion)


def test_a_seed_fixes_the_schedule_and_another_seed_changes_it():
    """Same seed, same schedule: a rerun offers exactly the same load."""
    first = loadgen.bounded_schedule(30.0, "poisson", 7, 10.0, None)
    assert first == loadgen.bounded_schedule(30.0, "poisson", 7, 10.0, None)
    assert first != loadgen.bounded_schedule(30.0, "poisson", 8, 10.0, None)


def test_constant_schedule_is_evenly_spaced():
    """Constant arrivals: i / rate exactly, bounded by duration."""
    offsets = loadgen.bounded_schedule(4.0, "constant", 1, 2.0, None)
    assert offsets == [0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75]


@pytest.mark.parametrize(("duration", "count", "expected"), [(10.0, 3, 3), (1.0, 100, 4)])
def test_schedule_stops_at_the_first_bound(duration, count, expected):
    """Count and duration both bound a run; whichever comes first wins."""
    assert len(loadgen.bounded_schedule(4.0, "constant", 1, duration, count)) == expected


@pytest.mark.parametrize(
    ("rate", "arrivals"), [(0, "poisson"), (-1.0, "poisson"), (math.nan, "constant"), (1.0, "x")]
)
def test_bad_schedule_parameters_are_refused(rate, arrivals):
    """A rate that is not > 0, or an unknown arrival process, is an error."""
    with pytest.raises(loadgen.LoadgenError):
        next(loadgen.schedule(rate, arrivals, 1))


# ---------------------------------------------------------------- percentiles


@pytest.mark.parametrize(
    ("values", "pct", "expected"),
    [
        (list(range(1, 101)), 50, 50),
        (list(range(1, 101)), 95, 95),
        (list(range(1, 101)), 99, 99),
        (list(range(1, 101)), 100, 100),
        (list(range(1, 101)), 0, 1),
        ([10, 1, 5, 7, 3, 9, 2, 8, 4, 6], 95, 10),
        ([10, 1, 5, 7, 3, 9, 2, 8, 4, 6], 50, 5),
        ([3.5], 99, 3.5),
        ([], 50, None),
    ],
)
def test_percentile_is_nearest_rank(values, pct, expected):
    """Known nearest-rank results, including unsorted input and no input."""
    assert loadgen.percentile(values, pct) == expected


@given(
    st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=200),
    st.floats(min_value=0, max_value=100),
)
def test_percentile_is_the_smallest_value_covering_pct(values, pct):
    """The result is a data value covering pct% of the data; no smaller value does."""
    result = loadgen.percentile(values, pct)
    assert result in values
    n = len(values)
    assert sum(v <= result for v in values) >= pct / 100 * n
    smaller = [v for v in values if v < result]
    if smaller:
        below = max(smaller)
        assert sum(v <= below for v in values) < max(1, math.ceil(pct / 100 * n))


def test_percentile_outside_0_100_is_refused():
    """A percentile of 101 is a caller error, not a silent clamp."""
    with pytest.raises(loadgen.LoadgenError):
        loadgen.percentile([1, 2], 101)


# ---------------------------------------------------------------- loopback rule


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1/",
        "http://192.168.1.10:8080/probe",
        "http://example.com/",
        "http://127.0.0.2/",
        "http://0.0.0.0/",
        "http://[::2]/",
        "http://localhost.example.com/",
        "http://127.0.0.1.nip.io/",
        "https://127.0.0.1/",
        "ftp://127.0.0.1/",
        "127.0.0.1/",
        "http:///nohost",
    ],
)
def test_non_loopback_targets_are_refused(url):
    """Only 127.0.0.1, localhost and ::1 over plain http are accepted."""
    with pytest.raises(loadgen.LoadgenError, match="loadgen: url"):
        loadgen.parse_target(url)


@pytest.mark.parametrize(
    ("url", "address", "port", "path", "host"),
    [
        ("http://127.0.0.1/", "127.0.0.1", 80, "/", "127.0.0.1"),
        ("http://LOCALHOST:8080/a?b=1", "127.0.0.1", 8080, "/a?b=1", "localhost:8080"),
        ("http://[::1]:81/x", "::1", 81, "/x", "[::1]:81"),
        ("http://127.0.0.1", "127.0.0.1", 80, "/", "127.0.0.1"),
    ],
)
def test_loopback_targets_are_parsed(url, address, port, path, host):
    """Accepted URLs give the address to connect to, port, request target and Host."""
    assert loadgen.parse_target(url) == loadgen.Target(address, port, path, host)


def test_the_command_line_refuses_a_remote_target_before_sending(capsys):
    """Exit status 2 and a message; no summary is written."""
    status = loadgen.main(["run", "http://203.0.113.5/", "--duration", "1"])
    captured = capsys.readouterr()
    assert status == 2
    assert "loopback" in captured.err
    assert captured.out == ""


@pytest.mark.parametrize(
    ("path", "param", "expected"),
    [("/a", "rid", "/a?rid=7"), ("/a?x=1", "rid", "/a?x=1&rid=7"), ("/a?x=1", "", "/a?x=1")],
)
def test_request_id_is_added_to_the_query(path, param, expected):
    """The request index travels as a query parameter so the app can seed its draw."""
    target = loadgen.Target("127.0.0.1", 80, path, "127.0.0.1")
    assert loadgen.request_path(target, 7, param) == expected


# ---------------------------------------------------------------- windows


def record(index, sched, end, error=None, **extra):
    """A per-request record as run --jsonl writes it."""
    row = {"i": index, "sched": sched, "end": end, "latency_ms": (end - sched) * 1000, **extra}
    if error:
        row["error"] = error
    return row


ROWS = [
    record(0, 100.0, 100.1, pid="1"),
    record(1, 101.0, 104.0, error="http_500"),
    record(2, 102.5, 102.6, error="refused"),
    record(3, 103.0, 103.2, pid="2", queue_ms=3.0),
    record(4, 106.0, 106.1, pid="2", queue_ms=1.0),
]


def test_overlap_window_counts_requests_in_flight_when_it_starts():
    """A request scheduled before the window but still open in it is counted."""
    summary = loadgen.summarise(ROWS, 102.0, 105.0)
    assert summary["requests"] == 3
    assert summary["failed_by_kind"] == {"http_500": 1, "refused": 1}
    assert summary["pids"] == {"2": 1}
    assert summary["offered_rps"] == pytest.approx(2 / 3.0, abs=0.001)
    assert summary["achieved_rps"] == pytest.approx(1 / 3.0, abs=0.001)


def test_scheduled_window_counts_only_requests_scheduled_in_it():
    """select=scheduled leaves out the request that started before the window."""
    summary = loadgen.summarise(ROWS, 102.0, 105.0, "scheduled")
    assert summary["requests"] == 2
    assert summary["failed_by_kind"] == {"refused": 1}


def test_started_window_places_requests_by_when_the_app_started():
    """select=started counts a request queued from before the window whose app ran in
    it, not one scheduled in it whose app started after it, nor one that never ran."""
    rows = [
        record(0, 99.0, 102.1, pid="1", app_ms=100.0, queue_ms=3000.0),
        record(1, 104.0, 106.5, pid="1", app_ms=100.0, queue_ms=2400.0),
        record(2, 103.0, 103.2, error="http_504"),
        record(3, 103.0, 103.2, pid="1", app_ms=150.0, queue_ms=50.0),
    ]
    summary = loadgen.summarise(rows, 101.0, 105.0, "started")
    assert summary["requests"] == 2
    assert summary["queue_wait_ms"]["max"] == 3000.0
    assert summary["offered_rps"] == pytest.approx(3 / 4.0, abs=0.001)


def test_summary_without_window_covers_all_and_reads_queue_wait():
    """All requests; queue wait and latency come from the successful ones only."""
    summary = loadgen.summarise(ROWS)
    assert (summary["requests"], summary["ok"], summary["failed"]) == (5, 3, 2)
    assert summary["queue_wait_ms"]["count"] == 2
    assert summary["queue_wait_ms"]["max"] == 3.0
    assert summary["latency_ms"]["max"] == pytest.approx(200.0, abs=0.01)
    assert summary["latency_all_ms"]["max"] == pytest.approx(3000.0, abs=0.01)


def test_summarise_command_reads_a_jsonl_file(tmp_path):
    """The summarise subcommand gives the same figures from the file."""
    path = tmp_path / "requests.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in ROWS))
    out = tmp_path / "window.json"
    args = ["summarise", str(path), "--start", "102", "--end", "105", "--json", str(out)]
    assert loadgen.main(args) == 0
    assert json.loads(out.read_text()) == loadgen.summarise(ROWS, 102.0, 105.0)


# ---------------------------------------------------------------- servers


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        """Keep the access log out of the test output."""


@contextlib.contextmanager
def wsgi_server(app):
    """Serve app on 127.0.0.1 (threaded wsgiref) and yield its base URL."""
    server = make_server("127.0.0.1", 0, app, _ThreadingServer, _QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def slow_serial_app(seconds):
    """A WSGI app that serves one request at a time, each taking `seconds`."""
    lock = threading.Lock()

    def app(environ, start_response):
        with lock:
            time.sleep(seconds)
        start_response("200 OK", [("Content-Type", "text/plain"), ("X-Calib-Pid", "42")])
        return [b"ok"]

    return app


def status_app(environ, start_response):
    """Answer 503 at once."""
    start_response("503 Service Unavailable", [("Content-Length", "0")])
    return [b""]


@contextlib.contextmanager
def raw_server(behaviour):
    """A TCP server on 127.0.0.1 that resets or closes every connection."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    stop = threading.Event()

    def serve():
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _peer = listener.accept()
            except OSError:
                continue
            conn.recv(4096)
            if behaviour == "reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/"
    finally:
        stop.set()
        thread.join()
        listener.close()


def run(url, **options):
    """Run the generator in this process and return the summary and records."""
    runner = loadgen.Runner(loadgen.RunOptions(url=url, **options))
    summary = asyncio.run(runner.run())
    return summary, sorted(runner.state.records, key=lambda r: r["i"])


# ---------------------------------------------------------------- end to end


def test_open_loop_keeps_the_schedule_while_a_slow_server_falls_behind():
    """40 rps against a server doing one request at a time in 0.15 s (6.7 rps).

    The last of the 20 requests is answered about 2.5 s after its scheduled time. A
    closed-loop client would only have sent it then (lateness about 2.5 s); here every
    request starts on time (lateness bound generous for a busy machine) while latency,
    measured from the scheduled time, grows through the run.
    """
    with wsgi_server(slow_serial_app(0.15)) as base:
        summary, rows = run(base + "/", rate=40.0, duration=0.5, arrivals="constant")
    assert summary["sent"] == len(loadgen.bounded_schedule(40.0, "constant", 1, 0.5, None))
    assert summary["sent"] == 20
    assert summary["ok"] == 20
    assert max(r["lateness_ms"] for r in rows) < 1000
    first = statistics.fmean(r["latency_ms"] for r in rows[:5])
    last = statistics.fmean(r["latency_ms"] for r in rows[-5:])
    assert last > first + 1000
    assert summary["latency_ms"]["max"] > 2000
    assert summary["pids"] == {"42": 20}
    # Latency counts from the scheduled time: lateness + time from send to answer.
    for r in rows:
        assert r["latency_ms"] == pytest.approx(r["lateness_ms"] + r["service_ms"], abs=0.01)


def test_poisson_run_sends_exactly_the_seeded_schedule():
    """The number sent equals the seed's schedule within the duration."""
    with wsgi_server(slow_serial_app(0.0)) as base:
        summary, rows = run(base + "/", rate=50.0, duration=0.6, seed=11)
    expected = loadgen.bounded_schedule(50.0, "poisson", 11, 0.6, None)
    assert summary["sent"] == len(expected) == len(rows)
    assert summary["failed"] == 0
    assert summary["generator"]["cpu_s"] >= 0


def test_count_bounds_the_run():
    """--count stops the schedule even with time left."""
    with wsgi_server(slow_serial_app(0.0)) as base:
        summary, _rows = run(base + "/", rate=100.0, duration=30.0, count=5)
    assert summary["sent"] == 5


def test_non_2xx_answers_count_as_failed_by_status():
    """A 503 is a failure of kind http_503, with its status recorded."""
    with wsgi_server(status_app) as base:
        summary, rows = run(base + "/", rate=20.0, duration=0.2, arrivals="constant")
    assert summary["failed_by_kind"] == {"http_503": 4}
    assert {r["status"] for r in rows} == {503}


def test_refused_connections_are_classified():
    """Nothing listening: every request fails as refused."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    summary, _rows = run(f"http://127.0.0.1:{port}/", rate=20.0, duration=0.2, arrivals="constant")
    assert summary["failed_by_kind"] == {"refused": 4}


@pytest.mark.parametrize(("behaviour", "kind"), [("reset", "reset"), ("close", "closed")])
def test_reset_and_closed_connections_are_classified(behaviour, kind):
    """A RST gives reset; a clean close before any answer gives closed."""
    with raw_server(behaviour) as url:
        summary, _rows = run(url, rate=20.0, duration=0.2, arrivals="constant")
    assert summary["failed_by_kind"] == {kind: 4}


def test_slow_answers_time_out():
    """A request open longer than --timeout fails as timeout (not connect_timeout)."""
    with wsgi_server(slow_serial_app(1.0)) as base:
        summary, _rows = run(base + "/", rate=10.0, duration=0.1, timeout=0.3, arrivals="constant")
    assert summary["failed_by_kind"] == {"timeout": 1}


def test_stop_file_ends_the_schedule_early(tmp_path):
    """A stop file ends a 30 s schedule within a second and results are written."""
    stop = tmp_path / "stop"
    jsonl = tmp_path / "requests.jsonl"
    threading.Timer(0.5, stop.touch).start()
    with wsgi_server(slow_serial_app(0.0)) as base:
        started = time.monotonic()
        summary, rows = run(
            base + "/", rate=20.0, duration=30.0, stop_file=str(stop), jsonl=str(jsonl)
        )
    assert time.monotonic() - started < 10
    assert summary["stopped_by"] == "stop file"
    assert 0 < summary["sent"] < 100
    assert len(jsonl.read_text().splitlines()) == len(rows) == summary["sent"]


def test_background_run_marks_windows_and_stops_on_sigterm(tmp_path):
    """As a background process: SIGUSR1 twice marks a window, SIGTERM writes results."""
    out = tmp_path / "summary.json"
    with wsgi_server(slow_serial_app(0.0)) as base:
        command = [sys.executable, str(LOAD_DIR / "loadgen.py"), "run", base + "/"]
        command += ["--rate", "20", "--duration", "60", "--json", str(out)]
        process = subprocess.Popen(command)
        try:
            for signum in (signal.SIGUSR1, signal.SIGUSR1, signal.SIGTERM):
                time.sleep(0.7)
                process.send_signal(signum)
            assert process.wait(timeout=20) == 0
        finally:
            process.kill()
    summary = json.loads(out.read_text())
    assert summary["stopped_by"] == "SIGTERM"
    assert len(summary["marks"]) == 2
    assert summary["marks"][0] < summary["marks"][1]
    assert len(summary["windows"]) == 1
    assert summary["windows"][0]["window"]["start"] == summary["marks"][0]
    assert summary["sent"] < 60 * 20 / 2
