# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The error log parser on the real logs of tests/fixtures/logs (made by
tests/fixtures/make_logs.sh from Apache with mod_wsgi 4.9, 5.0 and 6.1)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log import analyse

LOGS = Path(__file__).resolve().parents[4] / "fixtures" / "logs"
VERSIONS = ("4.9", "5.0", "6.1")


def log(version, scenario):
    return str(LOGS / f"mod_wsgi-{version}-{scenario}.log")


def summary(result):
    """Group -> (restarts by reason, failures by kind, victims), for compact tables."""
    return {
        name: (g["restarts_by_reason"], g["failures_by_kind"], g["victims_total"])
        for name, g in result["groups"].items()
    }


SHUTDOWN = {"apache-shutdown": 1}
# What each scenario's log holds, per group, read from the logs by hand.
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
# The 6.1 interrupt-timeout log (see test_interrupt_timeout_6x).
INTERRUPT = {"intr": ({"request-timeout": 1, "apache-shutdown": 1},
                      {"request-interrupted": 1, "truncated-response": 1}, 1)}  # fmt: skip


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("scenario", sorted(FIXTURES))
def test_real_log_counts(version, scenario):
    result = analyse([log(version, scenario)])
    assert summary(result) == FIXTURES[scenario]
    assert result["lines_unparsed"] == 0
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
    result = analyse([log("6.1", "interrupt-timeout")])
    assert summary(result) == INTERRUPT
    intr = result["groups"]["intr"]
    # The spinning request unwound (504, process kept); the sleeping one did not.
    assert intr["interrupts_total"] == 2
    assert [i["threads"][0]["culprit"]["function"] for i in intr["interrupts"]] == [
        "poll_until",
        "slow_handler",
    ]
    assert intr["restarts"][0]["victims"]["total"] == 1
    assert [(c["function"], c["count"]) for c in intr["culprits"]] == [
        ("slow_handler", 2),
        ("poll_until", 1),
    ]


def test_all_fixtures_at_once():
    """Read together, oldest first, the logs give what each holds: no state leaks from
    one file into the next, and the totals are the sums of the table above."""
    files = sorted(str(p) for p in LOGS.glob("*.log"))
    result = analyse(files, max_restarts=100)
    reasons, kinds, victims = Counter(), Counter(), 0
    for per_group in [*FIXTURES.values()] * len(VERSIONS) + [INTERRUPT]:
        for by_reason, by_kind, group_victims in per_group.values():
            reasons.update(by_reason)
            kinds.update(by_kind)
            victims += group_victims
    totals = result["totals"]
    assert totals["restarts_by_reason"] == dict(reasons)
    assert totals["restarts"] == sum(reasons.values())
    assert totals["failures_by_kind"] == dict(kinds)
    assert totals["failures"] == sum(kinds.values())
    assert totals["victims"] == victims
    assert totals["interrupts"] == 2
    listed = [r for g in result["groups"].values() for r in g["restarts"]]
    assert Counter(r["reason"] for r in listed) == reasons
    assert sum(r["victims"]["total"] for r in listed) == victims
    assert result["mod_wsgi_versions"] == ["4.9.4", "5.0.2", "6.1.1"]
    assert result["lines"] == sum(Path(f).read_bytes().count(b"\n") for f in files)
