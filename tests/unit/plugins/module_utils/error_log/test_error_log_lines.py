# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Single lines of every format, stacks and culprits, damaged input and the caps, fed
one line at a time (tests/unit/.../error_log/line_reader.py) and read as a file."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log import analyse, base
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.events import (
    EVENT_PATTERNS,
    FAILURE_KINDS,
    HANDLERS,
    classify,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.stacks import (
    is_app_file,
)
from ansible_collections.wsgiscale.mod_wsgi.tests.unit.plugins.module_utils.error_log import (
    line_reader,
)
from hypothesis import given, settings
from hypothesis import strategies as st

HEADER = line_reader.HEADER
LineReader = line_reader.LineReader
read_lines = line_reader.read_lines
LOGS = Path(__file__).resolve().parents[4] / "fixtures" / "logs"
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
def test_failure_line(tmp_path, line, group, kind, status):
    path = tmp_path / "error.log"
    path.write_text(f"{T} {line}\n")
    for result in (read_lines([f"{T} {line}"]), analyse([str(path)])):
        if group is None:  # Apache puts the errno text first: not the default layout
            assert result["totals"]["failures"] == 0
            continue
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
    result = read_lines([f"{T} [wsgi:info] [pid 7:tid 9] {prefix}{message}", f"{T} {died}"])
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
    result = read_lines([f"{T} [wsgi:info] [pid 1:tid 1] mod_wsgi (pid=7): {m}" for m in lines])
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
    (restart,) = read_lines(lines)["groups"]["g"]["restarts"]
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
    group = read_lines([f"{T} {line}" for line in lines])["groups"]["g"]
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
    assert is_app_file(path) is app


def test_app_paths_override():
    app_paths = ("/srv/venv/lib/python3.11/site-packages/shop/",)
    assert is_app_file("/srv/venv/lib/python3.11/site-packages/shop/views.py", app_paths)
    assert not is_app_file("/srv/app/views.py", app_paths)


def test_culprit_falls_back_to_innermost_frame():
    lines = [
        "mod_wsgi (pid=5): Daemon process request time limit exceeded, stopping process 'g'.",
        "mod_wsgi (pid=5): Dumping stack trace for active Python threads.",
        'mod_wsgi (pid=5): Thread 1 executing file "/usr/lib/python3.11/ssl.py", line 1, in read',
        'mod_wsgi (pid=5): called from file "/usr/lib/python3.11/http/client.py", line 2, in get.',
    ]
    result = read_lines([f"{T} [wsgi:info] [pid 5:tid 5] {line}" for line in lines])
    assert result["groups"]["g"]["culprits"][0]["function"] == "read"


def test_every_event_has_one_handler_where_it_is_defined():
    names = {event for event, _starts, _pattern in EVENT_PATTERNS}
    assert set(HANDLERS) == names
    modules = {name: HANDLERS[name].__module__.rsplit(".", 1)[1] for name in names}
    assert {name for name, module in modules.items() if module == "failures"} == set(FAILURE_KINDS)
    assert modules["thread"] == modules["dump"] == "stacks"
    assert modules["died"] == modules["start"] == "restarts"


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
    groups = read_lines(mixed)["groups"]
    for pid, function in ((10, "alpha"), (20, "beta")):
        (restart,) = groups[f"g{pid}"]["restarts"]
        assert [f["function"] for f in restart["threads"][0]["frames"]] == [function, "application"]


def test_binary_junk_and_truncated_lines(tmp_path):
    real = Path(LOGS / "mod_wsgi-4.9-request-timeout.log").read_bytes().splitlines(keepends=True)
    rng = random.Random(7)
    junk = []
    cut_in_header = 0
    for line in real:
        junk.append(line)
        noise = bytes(rng.randrange(256) for _byte in range(rng.randrange(1, 300)))
        junk.append(noise.replace(b"\n", b"\0") + b"\n")
        cut = line[: rng.randrange(1, len(line))]
        junk.append(cut + b"\n")  # a truncated copy
        # A copy cut after its module tag and before its message is damaged and read.
        cut_in_header += b"[wsgi:" in cut and HEADER.match(cut + b"\n") is None
    path = tmp_path / "junk.log"
    path.write_bytes(b"".join(junk))
    result = analyse([str(path)])
    assert result["lines"] == len(junk)
    assert result["lines_unparsed"] >= cut_in_header > 0
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
    restart = read_lines([start, line])["groups"]["(unknown)"]["restarts"][0]
    assert restart["reason"] == "request-timeout"
    assert restart["threads"][0]["frames"][0]["file"] == "/srv/caf\ufffd.py"


REAL_61 = Path(LOGS / "mod_wsgi-6.1-request-timeout.log").read_bytes().splitlines()
_LIFECYCLE = frozenset(event for event, _s, _p in EVENT_PATTERNS if event not in FAILURE_KINDS)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=200) | st.sampled_from(REAL_61), max_size=60))
def test_any_input_gives_a_consistent_report(lines):
    """Whatever the lines, every failure and restart counted comes from lines of the
    input, and each failure is a victim at most once."""
    result = read_lines(lines, max_restarts=100)
    assert result["lines"] == len(lines)
    events = [classify(h.group(12)) for h in map(HEADER.match, lines) if h is not None]
    failure_lines = sum(1 for e in events if e is not None and e[0] in FAILURE_KINDS)
    lifecycle_lines = sum(1 for e in events if e is not None and e[0] in _LIFECYCLE)
    totals = result["totals"]
    assert totals["failures"] <= failure_lines
    assert totals["restarts"] + totals["interrupts"] <= lifecycle_lines
    assert totals["victims"] <= totals["failures"]
    for group in result["groups"].values():
        victims = [v for r in group["restarts"] for v in r["victims"]["samples"]]
        assert len(victims) == len({(v["line"], v["client"]) for v in victims})


def test_state_stays_bounded():
    reader = LineReader(max_restarts=5)
    for pid in range(2, 3 * base.MAX_OPEN_RECORDS):
        line = f"{T} [wsgi:info] [pid {pid}:tid 1] mod_wsgi (pid={pid}): Shutdown requested 'g'."
        reader.feed(line.encode())
        assert len(reader.tracker.open) <= base.MAX_OPEN_RECORDS
    assert len(reader.tracker.pid_group) <= base.MAX_KNOWN_PIDS
    group = reader.result()["groups"]["g"]
    assert group["restarts_total"] == 3 * base.MAX_OPEN_RECORDS - 2
    assert [r["pid"] for r in group["restarts"]] == list(
        range(3 * base.MAX_OPEN_RECORDS - 5, 3 * base.MAX_OPEN_RECORDS)
    )
    assert group["restarts_omitted"] == 3 * base.MAX_OPEN_RECORDS - 2 - 5


def test_thread_and_frame_caps():
    lines = [
        f"{T} [wsgi:info] [pid 5:tid 5] mod_wsgi (pid=5): Dumping stack trace for active Python"
        " threads."
    ]
    for thread in range(base.MAX_THREADS + 3):
        lines.append(
            f"{T} [wsgi:info] [pid 5:tid 5] mod_wsgi (pid=5): Thread {thread} executing file"
            ' "/a.py", line 1, in f'
        )
        lines += [
            f'{T} [wsgi:info] [pid 5:tid 5] mod_wsgi (pid=5): called from file "/b.py", line'
            f" {n}, in g,"
            for n in range(base.MAX_FRAMES + 2)
        ]
    restart = read_lines(lines)["groups"]["(unknown)"]["restarts"][0]
    assert len(restart["threads"]) == base.MAX_THREADS
    assert restart["threads_omitted"] == 3
    assert len(restart["threads"][0]["frames"]) == base.MAX_FRAMES
    assert restart["threads"][0]["frames_omitted"] == 3
    assert [f["line"] for f in restart["threads"][0]["frames"][1:4]] == [0, 1, 2]
