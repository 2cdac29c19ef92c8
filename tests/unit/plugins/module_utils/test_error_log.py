# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The mod_wsgi error log parser on real logs (tests/fixtures/logs, made by
tests/fixtures/make_logs.sh), single lines of every format, and damaged input."""

from __future__ import annotations

import datetime
import gzip
import os
import random
from pathlib import Path

import pytest
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils import error_log
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log import (
    ErrorLogError,
    RestartReport,
    analyse,
    expand_paths,
    parse_since,
    rotation_key,
)
from hypothesis import given, settings
from hypothesis import strategies as st

LOGS = Path(__file__).resolve().parents[3] / "fixtures" / "logs"
VERSIONS = ("4.9", "5.0", "6.1")


def log(version, scenario):
    return str(LOGS / f"mod_wsgi-{version}-{scenario}.log")


def report_of(lines, **kwargs):
    report = RestartReport(**kwargs)
    report.feed_file("test", [line if isinstance(line, bytes) else line.encode() for line in lines])
    return report.result()


def summary(result):
    """Group -> (restarts by reason, failures by kind, victims), for compact tables."""
    return {
        name: (g["restarts_by_reason"], g["failures_by_kind"], g["victims_total"])
        for name, g in result["groups"].items()
    }


# --------------------------------------------------------------- real logs
SHUTDOWN = {"apache-shutdown": 1}
FIXTURES = {
    "request-timeout": {
        "demo": ({"request-timeout": 2, "apache-shutdown": 1}, {"truncated-response": 3}, 3),
        "sockto": (SHUTDOWN, {}, 0),
    },
    "maximum-requests": {
        "maxreq": ({"maximum-requests": 2, "apache-shutdown": 1}, {}, 0),
    },
    "signal": {
        "demo": ({"signal": 1, "apache-shutdown": 1}, {"truncated-response": 1}, 1),
        "maxreq": ({"shutdown-requested": 1, "apache-shutdown": 1}, {}, 0),
    },
    "queue-timeout": {"queue": (SHUTDOWN, {"queue-timeout": 3}, 0)},
    "socket-timeout": {"sockto": (SHUTDOWN, {"socket-timeout": 1}, 0)},
    "app-exception": {"demo": (SHUTDOWN, {"app-exception": 2}, 0)},
    "graceful": {
        "demo": ({"apache-graceful": 1, "apache-shutdown": 1}, {}, 0),
        "maxreq": ({"apache-graceful": 1, "apache-shutdown": 1}, {}, 0),
    },
    "inactivity-timeout": {"idle": ({"inactivity-timeout": 1, "apache-shutdown": 1}, {}, 0)},
    "deadlock-timeout": {
        "gil": ({"deadlock-timeout": 1, "apache-shutdown": 1}, {"truncated-response": 1}, 1),
    },
    "startup-timeout": {
        "boot": ({"startup-timeout": 2, "apache-shutdown": 1}, {"script-load-failed": 2}, 0),
    },
    "restart-interval": {
        "interval": ({"restart-interval": 1, "apache-shutdown": 1}, {}, 0),
    },
}


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("scenario", sorted(FIXTURES))
def test_real_log_counts(version, scenario):
    result = analyse([log(version, scenario)])
    assert summary(result) == FIXTURES[scenario]
    assert result["lines_unparsed"] == 0 or scenario == "graceful"
    assert result["mod_wsgi_versions"][0].startswith(version)
    assert result["warnings"] == []


@pytest.mark.parametrize("version", VERSIONS)
def test_request_timeout_stacks_and_culprits(version):
    result = analyse([log(version, "request-timeout")])
    demo = result["groups"]["demo"]
    first, second, stop = demo["restarts"]
    assert [first["reason"], second["reason"], stop["reason"]] == [
        "request-timeout",
        "request-timeout",
        "apache-shutdown",
    ]
    assert first["shutdown_timeout_expired"] and second["shutdown_timeout_expired"]
    assert not stop["shutdown_timeout_expired"]
    assert "request time limit exceeded" in first["message"]
    # Both threads were stuck in the first restart; frames innermost first.
    slow, wait = first["threads"]
    assert [(f["function"], f["line"]) for f in slow["frames"]] == [
        ("slow_handler", 14),
        ("dispatch", 43),
        ("application", 13),
    ]
    assert slow["frames"][0]["file"] == "/srv/demo/demo/views.py"
    assert slow["frames"][-1]["file"] == "/srv/demo/app.wsgi"
    assert wait["frames"][0]["file"].endswith("/threading.py")
    assert wait["culprit"] == {
        "file": "/srv/demo/demo/views.py",
        "line": 19,
        "function": "wait_for_event",
    }
    assert len(second["threads"]) == 1
    assert stop["threads"] == []
    assert [(c["function"], c["line"], c["count"]) for c in demo["culprits"]] == [
        ("slow_handler", 14, 2),
        ("wait_for_event", 19, 1),
    ]
    callers = demo["culprits"][1]["callers"]
    assert callers[0]["count"] == 1
    assert [f["function"] for f in callers[0]["frames"]] == ["report", "dispatch", "application"]
    # The request-timeout restarts took the requests in flight with them.
    assert [r["victims"]["total"] for r in demo["restarts"]] == [2, 1, 0]
    assert first["victims"]["by_kind"] == {"truncated-response": 2}
    status = 502 if version == "6.1" else 500
    assert {v["status"] for v in first["victims"]["samples"]} == {status}
    assert first["time"] < first["ended"]
    assert first["source"].endswith("request-timeout.log")
    with open(first["source"]) as handle:
        line = handle.readlines()[first["line"] - 1]
    assert "request time limit exceeded" in line


@pytest.mark.parametrize("version", VERSIONS)
def test_signal_and_exit_details(version):
    groups = analyse([log(version, "signal")])["groups"]
    killed = groups["demo"]["restarts"][0]
    assert (killed["reason"], killed["signal"], killed["exit_code"]) == ("signal", 9, None)
    assert killed["victims"]["total"] == 1
    # The SIGKILL victim was logged before the parent noticed the death.
    assert killed["victims"]["samples"][0]["time"] < killed["ended"]
    terminated = groups["maxreq"]["restarts"][0]
    assert (terminated["reason"], terminated["exit_code"]) == ("shutdown-requested", 0)


@pytest.mark.parametrize("version", VERSIONS)
def test_app_exception_detail(version):
    failures = analyse([log(version, "app-exception")])["groups"]["demo"]["failures"]
    assert [f["exception"] for f in failures] == [
        "RuntimeError: fixture app failure on purpose"
    ] * 2
    assert all(f["status"] == 500 and f["client"].startswith("127.0.0.1:") for f in failures)


def test_interrupt_timeout_6x():
    intr = analyse([log("6.1", "interrupt-timeout")])["groups"]["intr"]
    # The spinning request unwound (504, process kept); the sleeping one did not.
    assert intr["interrupts_total"] == 2
    assert [i["threads"][0]["culprit"]["function"] for i in intr["interrupts"]] == [
        "poll_until",
        "slow_handler",
    ]
    assert intr["failures_by_kind"] == {"request-interrupted": 1, "truncated-response": 1}
    assert intr["restarts_by_reason"] == {"request-timeout": 1, "apache-shutdown": 1}
    assert intr["restarts"][0]["victims"]["total"] == 1
    assert [(c["function"], c["count"]) for c in intr["culprits"]] == [
        ("slow_handler", 2),
        ("poll_until", 1),
    ]


def test_all_fixtures_at_once_add_up():
    files = sorted(str(p) for p in LOGS.glob("*.log"))
    result = analyse(files)
    parts = [analyse([f])["totals"] for f in files]
    assert result["totals"]["restarts"] == sum(p["restarts"] for p in parts)
    assert result["totals"]["failures"] == sum(p["failures"] for p in parts)
    assert result["totals"]["victims"] == sum(p["victims"] for p in parts)
    assert result["mod_wsgi_versions"] == ["4.9.4", "5.0.2", "6.1.1"]


# ----------------------------------------------------- single lines, every format
T = "[Thu Nov 26 17:27:57.215402 2026]"
FAILURE_LINES = [
    (
        "4.x truncated",
        "[wsgi:error] [pid 24136:tid 24140] [client 127.0.0.1:60964] Truncated or oversized"
        " response headers received from daemon process 'demo': /srv/demo/app.wsgi",
        "demo",
        "truncated-response",
        500,
    ),
    (
        "6.x closed",
        "[wsgi:error] [pid 2674:tid 2678] [client 127.0.0.1:56342] [script /srv/demo/app.wsgi]"
        " WSGI0146: Daemon process 'demo' closed connection before sending complete response"
        " headers.",
        "demo",
        "truncated-response",
        502,
    ),
    (
        "6.x reset",
        "[wsgi:error] [pid 2674:tid 2678] [client 127.0.0.1:56342] [script /srv/demo/app.wsgi]"
        " WSGI0147: Error reading response headers from daemon process 'demo' (Connection reset"
        " by peer).",
        "demo",
        "truncated-response",
        502,
    ),
    (
        "4.x socket-timeout",
        "[wsgi:error] [pid 427:tid 439] [client 127.0.0.1:45776] Timeout when reading response"
        " headers from daemon process 'sockto': /srv/demo/app.wsgi",
        "sockto",
        "socket-timeout",
        504,
    ),
    (
        "6.x socket-timeout",
        "[wsgi:error] [pid 427:tid 439] [client 127.0.0.1:45776] WSGI0145: Timeout when reading"
        " response headers from daemon process 'sockto'.",
        "sockto",
        "socket-timeout",
        504,
    ),
    (
        "4.x queue-timeout",
        "[wsgi:error] [pid 305:tid 364] [remote 127.0.0.1:48116] mod_wsgi (pid=305): Queue"
        " timeout expired for WSGI daemon process 'queue'.",
        "queue",
        "queue-timeout",
        504,
    ),
    (
        "6.x queue-timeout",
        "[wsgi:error] [pid 3514:tid 3603] [remote 127.0.0.1:59112] [script /srv/demo/app.wsgi]"
        " WSGI0084: Queue timeout expired for WSGI daemon process 'demo'.",
        "demo",
        "queue-timeout",
        504,
    ),
    (
        "4.x connect",
        "[wsgi:error] [pid 70:tid 71] (13)Permission denied: [client 10.0.0.1:1] Unable to"
        " connect to WSGI daemon process 'shop' on '/etc/httpd/logs/wsgi.1.0.1.sock' as user"
        " with uid=48.",
        None,
        None,
        None,
    ),
    (
        "4.x connect plain",
        "[wsgi:error] [pid 70:tid 71] [client 10.0.0.1:1] Unable to connect to WSGI daemon"
        " process 'shop' on '/run/wsgi.1.0.1.sock' after multiple attempts as listener backlog"
        " limit was exceeded or the socket does not exist.",
        "shop",
        "connect-failed",
        503,
    ),
    (
        "6.x connect",
        "[wsgi:error] [pid 70:tid 71] [client 10.0.0.1:1] WSGI0116: Unable to connect to WSGI"
        " daemon process 'shop' on '/run/wsgi.1.0.1.sock' after multiple attempts.",
        "shop",
        "connect-failed",
        503,
    ),
    (
        "no such group",
        "[wsgi:error] [pid 70:tid 71] [client 10.0.0.1:1] WSGI0150: No WSGI daemon process"
        " called 'shop' has been configured: /srv/app.wsgi",
        "shop",
        "no-such-group",
        500,
    ),
]


@pytest.mark.parametrize(
    ("line", "group", "kind", "status"),
    [case[1:] for case in FAILURE_LINES],
    ids=[case[0] for case in FAILURE_LINES],
)
def test_failure_line(line, group, kind, status):
    result = report_of([f"{T} {line}"])
    if group is None:  # Apache puts the errno text first: not the default layout
        assert result["totals"]["failures"] == 0
        return
    failures = result["groups"][group]["failures"]
    assert [(f["kind"], f["status"]) for f in failures] == [(kind, status)]
    assert failures[0]["time"] == "2026-11-26T17:27:57.215402"
    assert failures[0]["line"] == 1


TRIGGERS = [
    ("Daemon process request time limit exceeded, stopping process 'g'.", "request-timeout"),
    (
        "Daemon process request time limit exceeded; waiting for in-flight requests to complete"
        " in daemon process 'g'.",
        "request-timeout",
    ),
    ("Daemon process deadlock timer expired, stopping process 'g'.", "deadlock-timeout"),
    ("Daemon process idle inactivity timer expired, stopping process 'g'.", "inactivity-timeout"),
    ("Application startup timer expired, stopping daemon process 'g'.", "startup-timeout"),
    ("Application restart timer expired, stopping process 'g'.", "restart-interval"),
    ("Maximum requests reached, triggering immediate shutdown 'g'.", "maximum-requests"),
    ("Maximum requests reached, attempt a graceful shutdown 'g'.", "maximum-requests"),
    (
        "Maximum requests reached; triggering immediate shutdown of daemon process 'g'.",
        "maximum-requests",
    ),
    ("Daemon process graceful timer expired 'g'.", "graceful-timeout"),
    (
        "Daemon process restart timer expired in daemon process 'g'; forcing shutdown.",
        "graceful-timeout",
    ),
    ("Shutdown requested 'g'.", "shutdown-requested"),
    ("Shutdown requested for daemon process 'g'.", "shutdown-requested"),
]


@pytest.mark.parametrize("prefix", ["mod_wsgi (pid=7): ", ""], ids=["4.x", "6.x"])
@pytest.mark.parametrize(("message", "reason"), TRIGGERS)
def test_trigger_line(prefix, message, reason):
    died = (
        "[wsgi:info] [pid 1:tid 1] mod_wsgi (pid=7): Process 'g' has died, deregister and"
        " restart it."
        if prefix
        else "[wsgi:info] [pid 1:tid 1] Process 'g' (pid=7) has died; deregistering and"
        " restarting it."
    )
    result = report_of([f"{T} [wsgi:info] [pid 7:tid 9] {prefix}{message}", f"{T} {died}"])
    (restart,) = result["groups"]["g"]["restarts"]
    assert (restart["reason"], restart["pid"]) == (reason, 7)
    assert restart["ended"] == "2026-11-26T17:27:57.215402"


@pytest.mark.parametrize(
    ("lines", "reason", "signal", "exit_code"),
    [
        (["Process 'g' has died, deregister and restart it.",
          "Process 'g' terminated by signal 11"], "signal", 11, None),
        (["Process 'g' has died, deregister and restart it.",
          "Process 'g' terminated normally, exit code 1"], "exit", None, 1),
        (["Process 'g' has died, deregister and restart it."], "unknown", None, None),
    ],
)  # fmt: skip
def test_death_without_trigger(lines, reason, signal, exit_code):
    result = report_of([f"{T} [wsgi:info] [pid 1:tid 1] mod_wsgi (pid=7): {m}" for m in lines])
    (restart,) = result["groups"]["g"]["restarts"]
    assert (restart["reason"], restart["signal"], restart["exit_code"]) == (
        reason,
        signal,
        exit_code,
    )


@pytest.mark.parametrize(
    ("notice", "reason"),
    [
        ("AH00491: caught SIGTERM, shutting down", "apache-shutdown"),
        ("AH00492: caught SIGWINCH, shutting down gracefully", "apache-shutdown"),
        ("AH00493: SIGUSR1 received.  Doing graceful restart", "apache-graceful"),
        ("AH00494: SIGHUP received.  Attempting to restart", "apache-restart"),
        (None, "apache-stop"),
    ],
)
def test_apache_stop_reasons(notice, reason):
    lines = [
        f"{T} [wsgi:info] [pid 1:tid 1] Deregistering daemon process 'g' (pid=7); server is"
        " restarting or shutting down."
    ]
    if notice:
        lines.append(f"{T} [mpm_event:notice] [pid 1:tid 1] {notice}")
    lines.append(f"{T} [wsgi:info] [pid 7:tid 7] Exiting daemon process 'g'.")
    (restart,) = report_of(lines)["groups"]["g"]["restarts"]
    assert restart["reason"] == reason


def test_6x_interrupt_lines():
    lines = [
        "[wsgi:info] [pid 5:tid 6] Dumping stack trace for thread 140 of daemon process 'g' which"
        " has exceeded request-timeout of 2 seconds, before injecting RequestTimeout to unwind"
        " it.",
        '[wsgi:info] [pid 5:tid 6] Thread 140 executing file "/srv/a.py", line 3, in f',
        '[wsgi:info] [pid 5:tid 6] called from file "/srv/a.py", line 9, in g.',
        "[wsgi:info] [pid 5:tid 6] Injected RequestTimeout into thread 140 of daemon process 'g'.",
        "[wsgi:error] [pid 5:tid 140] [remote 127.0.0.1:1] Request interrupted by"
        " RequestTimeout; thread recovered.",
    ]
    group = report_of([f"{T} {line}" for line in lines])["groups"]["g"]
    assert group["restarts_total"] == 0
    assert group["interrupts_total"] == 1
    assert group["interrupts"][0]["threads"][0]["culprit"]["function"] == "f"
    assert group["failures_by_kind"] == {"request-interrupted": 1}
    assert group["culprits"][0]["callers"][0]["frames"] == [
        {"file": "/srv/a.py", "line": 9, "function": "g"}
    ]


@pytest.mark.parametrize(
    ("path", "app"),
    [
        ("/srv/app/views.py", True),
        ("/usr/lib/python3.11/threading.py", False),
        ("/usr/lib64/python3.9/socket.py", False),
        ("/srv/venv/lib/python3.13t/site-packages/django/db/utils.py", False),
        ("/usr/lib/python3/dist-packages/requests/api.py", False),
        ("<frozen importlib._bootstrap>", False),
    ],
)
def test_app_frames(path, app):
    assert RestartReport().is_app_file(path) is app


def test_app_paths_override():
    report = RestartReport(app_paths=["/srv/venv/lib/python3.11/site-packages/shop/"])
    assert report.is_app_file("/srv/venv/lib/python3.11/site-packages/shop/views.py")
    assert not report.is_app_file("/srv/app/views.py")


def test_culprit_falls_back_to_innermost_frame():
    lines = [
        "mod_wsgi (pid=5): Daemon process request time limit exceeded, stopping process 'g'.",
        "mod_wsgi (pid=5): Dumping stack trace for active Python threads.",
        'mod_wsgi (pid=5): Thread 1 executing file "/usr/lib/python3.11/ssl.py", line 1, in read',
        'mod_wsgi (pid=5): called from file "/usr/lib/python3.11/http/client.py", line 2, in get.',
    ]
    result = report_of([f"{T} [wsgi:info] [pid 5:tid 5] {line}" for line in lines])
    assert result["groups"]["g"]["culprits"][0]["function"] == "read"


# ------------------------------------------------------------------ garbage
def test_interleaved_pids_keep_their_own_stacks():
    def dump(pid, function):
        return [
            f"{T} [wsgi:info] [pid {pid}:tid 9] mod_wsgi (pid={pid}): Daemon process request"
            f" time limit exceeded, stopping process 'g{pid}'.",
            f"{T} [wsgi:info] [pid {pid}:tid {pid}] mod_wsgi (pid={pid}): Dumping stack trace for"
            " active Python threads.",
            f"{T} [wsgi:info] [pid {pid}:tid {pid}] mod_wsgi (pid={pid}): Thread 1 executing file"
            f' "/srv/{function}.py", line 1, in {function}',
            f"{T} [wsgi:info] [pid {pid}:tid {pid}] mod_wsgi (pid={pid}): called from file"
            f' "/srv/app.wsgi", line 2, in application.',
            f"{T} [wsgi:info] [pid 1:tid 1] mod_wsgi (pid={pid}): Process 'g{pid}' has died,"
            " deregister and restart it.",
        ]

    one, two = dump(10, "alpha"), dump(20, "beta")
    mixed = [line for pair in zip(one, two) for line in pair]
    groups = report_of(mixed)["groups"]
    for pid, function in ((10, "alpha"), (20, "beta")):
        (restart,) = groups[f"g{pid}"]["restarts"]
        assert [f["function"] for f in restart["threads"][0]["frames"]] == [function, "application"]


def test_binary_junk_and_truncated_lines(tmp_path):
    real = Path(log("4.9", "request-timeout")).read_bytes().splitlines(keepends=True)
    rng = random.Random(7)
    junk = []
    for line in real:
        junk.append(line)
        noise = bytes(rng.randrange(256) for _byte in range(rng.randrange(1, 300)))
        junk.append(noise.replace(b"\n", b"\0") + b"\n")
        junk.append(line[: rng.randrange(1, len(line))] + b"\n")  # a truncated copy
    path = tmp_path / "junk.log"
    path.write_bytes(b"".join(junk))
    result = analyse([str(path)])
    assert result["lines"] == len(junk)
    assert result["lines_unparsed"] > 0
    assert result["groups"]["demo"]["restarts_by_reason"]["request-timeout"] == 2


def test_invalid_utf8_is_replaced():
    line = (
        T.encode() + b" [wsgi:info] [pid 5:tid 5] mod_wsgi (pid=5): Thread 1 executing file"
        b' "/srv/caf\xe9.py", line 1, in f\xff'
    )
    start = (
        f"{T} [wsgi:info] [pid 5:tid 5] mod_wsgi (pid=5): Dumping stack trace for active Python"
        " threads."
    )
    restart = report_of([start, line])["groups"]["(unknown)"]["restarts"][0]
    assert restart["reason"] == "request-timeout"
    assert restart["threads"][0]["frames"][0]["file"] == "/srv/caf\ufffd.py"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=200) | st.sampled_from(
    Path(log("6.1", "request-timeout")).read_bytes().splitlines()), max_size=60))  # fmt: skip
def test_any_input_gives_a_consistent_report(lines):
    result = report_of(lines)
    assert result["lines"] == len(lines)
    for group in result["groups"].values():
        assert group["restarts_total"] == sum(group["restarts_by_reason"].values())
        assert group["failures_total"] == sum(group["failures_by_kind"].values())
        assert group["victims_total"] <= group["failures_total"]


def test_state_stays_bounded():
    report = RestartReport(max_restarts=5)
    for pid in range(2, 3 * error_log.MAX_OPEN_RECORDS):
        line = f"{T} [wsgi:info] [pid {pid}:tid 1] mod_wsgi (pid={pid}): Shutdown requested 'g'."
        report.feed(line.encode())
        assert len(report.open) <= error_log.MAX_OPEN_RECORDS
    assert len(report.pid_group) <= error_log.MAX_KNOWN_PIDS
    group = report.result()["groups"]["g"]
    assert group["restarts_total"] == 3 * error_log.MAX_OPEN_RECORDS - 2
    assert len(group["restarts"]) == 5
    assert group["restarts_omitted"] == group["restarts_total"] - 5


def test_thread_and_frame_caps():
    lines = [
        f"{T} [wsgi:info] [pid 5:tid 5] mod_wsgi (pid=5): Dumping stack trace for active Python"
        " threads."
    ]
    for thread in range(error_log.MAX_THREADS + 3):
        lines.append(
            f"{T} [wsgi:info] [pid 5:tid 5] mod_wsgi (pid=5): Thread {thread} executing file"
            ' "/a.py", line 1, in f'
        )
        lines += [
            f'{T} [wsgi:info] [pid 5:tid 5] mod_wsgi (pid=5): called from file "/b.py", line'
            f" {n}, in g,"
            for n in range(error_log.MAX_FRAMES + 2)
        ]
    restart = report_of(lines)["groups"]["(unknown)"]["restarts"][0]
    assert len(restart["threads"]) == error_log.MAX_THREADS
    assert restart["threads_omitted"] == 3
    assert len(restart["threads"][0]["frames"]) == error_log.MAX_FRAMES
    assert restart["threads"][0]["frames_omitted"] == 3


# ------------------------------------------------------- since, group filter
NOW = datetime.datetime(2026, 11, 26, 18, 0, 0)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-26T17:27:57", "2026-11-26T17:27:57"),
        ("2026-11-26", "2026-11-26T00:00:00"),
        ("2026-11-26 17:27:57.5", "2026-11-26T17:27:57.500000"),
        ("Thu Nov 26 17:27:57 2026", "2026-11-26T17:27:57"),
        ("Nov 26 17:27:57.215402 2026", "2026-11-26T17:27:57.215402"),
        ("30m", "2026-11-26T17:30:00"),
        ("1.5h", "2026-11-26T16:30:00"),
        ("2d", "2026-11-24T18:00:00"),
        ("1w", "2026-11-19T18:00:00"),
        ("45s", "2026-11-26T17:59:15"),
        (None, None),
        ("", None),
    ],
)
def test_parse_since(value, expected):
    assert error_log.to_iso(parse_since(value, now=NOW)) == expected


def test_parse_since_with_offset_is_local_time():
    aware = datetime.datetime(2026, 11, 26, 17, 0, tzinfo=datetime.timezone.utc)
    local = aware.astimezone().replace(tzinfo=None)
    assert error_log.to_iso(parse_since("2026-11-26T17:00:00Z")) == local.isoformat()


@pytest.mark.parametrize("value", ["yesterday", "10x", "Foo Nov 26 17:27:57 2026",
                                   "Thu Nox 26 17:27:57 2026", "Thu Nov 31 17:27:57 2026",
                                   "2026-13-01"])  # fmt: skip
def test_parse_since_errors(value):
    with pytest.raises(ErrorLogError, match=f"restart_info: option since='{value[:3]}"):
        parse_since(value)


def test_since_keeps_only_later_restarts():
    path = log("4.9", "request-timeout")
    everything = analyse([path])["groups"]["demo"]["restarts"]
    second = everything[1]["time"]
    result = analyse([path], since=parse_since(second))
    assert [r["reason"] for r in result["groups"]["demo"]["restarts"]] == [
        "request-timeout",
        "apache-shutdown",
    ]
    assert result["groups"]["demo"]["restarts"][0]["time"] == second
    assert result["lines_before_since"] > 0
    assert result["since"] == second
    assert result["first_time"] == second


def test_process_group_filter():
    result = analyse([log("5.0", "signal")], process_group="maxreq")
    assert list(result["groups"]) == ["maxreq"]
    assert result["totals"]["restarts"] == 2


def test_max_restarts_zero_and_negative():
    group = analyse([log("4.9", "request-timeout")], max_restarts=0)["groups"]["demo"]
    assert group["restarts"] == [] and group["restarts_total"] == 3
    assert group["culprits"][0]["count"] == 2
    with pytest.raises(ErrorLogError, match="max_restarts=-1"):
        analyse([log("4.9", "request-timeout")], max_restarts=-1)


# ------------------------------------------------------- files and rotation
@pytest.mark.parametrize(
    ("names", "ordered"),
    [
        (["error.log", "error.log.1", "error.log.2.gz", "error.log.10.gz"],
         ["error.log.10.gz", "error.log.2.gz", "error.log.1", "error.log"]),
        (["error_log", "error_log-20261126", "error_log-20261119.gz"],
         ["error_log-20261119.gz", "error_log-20261126", "error_log"]),
    ],
)  # fmt: skip
def test_rotation_order(names, ordered):
    assert sorted(names, key=rotation_key) == ordered


def test_rotated_and_gzipped_logs_read_oldest_first(tmp_path):
    whole = Path(log("6.1", "request-timeout")).read_bytes().splitlines(keepends=True)
    parts = [whole[:20], whole[20:40], whole[40:]]
    with gzip.open(tmp_path / "error.log.2.gz", "wb") as handle:
        handle.write(b"".join(parts[0]))
    (tmp_path / "error.log.1").write_bytes(b"".join(parts[1]))
    (tmp_path / "error.log").write_bytes(b"".join(parts[2]))
    result = analyse([str(tmp_path / "error.log*")])
    assert [os.path.basename(f) for f in result["files"]] == [
        "error.log.2.gz",
        "error.log.1",
        "error.log",
    ]
    reference = analyse([log("6.1", "request-timeout")])
    assert summary(result) == summary(reference)
    restart = result["groups"]["demo"]["restarts"][0]
    assert restart["source"].endswith("error.log.2.gz")
    assert b"request time limit" in parts[0][restart["line"] - 1]


def test_truncated_gzip_is_a_warning(tmp_path):
    data = gzip.compress(Path(log("4.9", "request-timeout")).read_bytes())
    path = tmp_path / "error.log.1.gz"
    path.write_bytes(data[: len(data) // 2])
    result = analyse([str(path)])
    assert result["warnings"] and str(path) in result["warnings"][0]
    assert result["lines"] > 0


def test_missing_path_is_an_error_naming_it(tmp_path):
    missing = str(tmp_path / "nope" / "error.log*")
    with pytest.raises(ErrorLogError, match=r"no error log matches .*nope/error\.log"):
        analyse([missing])
    result = analyse([missing], allow_missing=True)
    assert result["files"] == [] and result["groups"] == {}
    assert "nope/error.log" in result["warnings"][0]


def test_unreadable_file_is_an_error_naming_it(tmp_path, monkeypatch):
    path = tmp_path / "error.log"
    path.write_bytes(b"")

    def denied(name, mode="r"):
        raise PermissionError(13, "Permission denied", name)

    monkeypatch.setattr(error_log, "open", denied, raising=False)
    with pytest.raises(ErrorLogError, match=f"cannot read error log {path}: Permission denied"):
        analyse([str(path)])


def test_directory_is_an_error(tmp_path):
    with pytest.raises(ErrorLogError, match="is a directory"):
        analyse([str(tmp_path)])


def test_expand_paths_deduplicates(tmp_path):
    (tmp_path / "error.log").write_bytes(b"")
    files, missing = expand_paths([str(tmp_path / "error.log"), str(tmp_path / "*.log")])
    assert files == [str(tmp_path / "error.log")] and missing == []


@pytest.mark.parametrize(
    ("marker", "expected"),
    [
        ("etc/debian_version", "/var/log/apache2/error.log*"),
        ("etc/redhat-release", "/var/log/httpd/error_log*"),
        ("var/log/httpd/", "/var/log/httpd/error_log*"),
        (None, "/var/log/apache2/error.log*"),
    ],
)
def test_default_log_glob(tmp_path, marker, expected):
    if marker:
        target = tmp_path / marker
        target.parent.mkdir(parents=True, exist_ok=True)
        if marker.endswith("/"):
            target.mkdir(exist_ok=True)
        else:
            target.write_text("x")
    assert error_log.default_log_glob(str(tmp_path)) == expected
