# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which restart a failure is attributed to (its victims), on logs made of real lines
of the 4.9 request-timeout fixture, moved in time and given other daemon pids."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log import analyse
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.base import (
    AFTERMATH,
    DEATH_LOOKBACK,
    STALE_AFTER,
)

LOGS = Path(__file__).resolve().parents[4] / "fixtures" / "logs"
FIXTURE = (LOGS / "mod_wsgi-4.9-request-timeout.log").read_text().splitlines()
BASE = datetime.datetime(2026, 11, 26, 18, 0, 0)


def real(fragment):
    """The first line of the fixture holding ``fragment``."""
    return next(line for line in FIXTURE if fragment in line)


# Daemon pid 42 of group 'demo' in the fixture; the failure is logged by Apache child 46.
START = real("Starting process 'demo'")
TRIGGER = real("request time limit exceeded")
DIED = real("Process 'demo' has died")
GONE = real("Process 'demo' has been deregistered")
FAILURE = real("Truncated or oversized response headers")


def at(line, seconds, pid=42):
    """``line`` logged ``seconds`` after BASE, about daemon pid ``pid``."""
    moment = BASE + datetime.timedelta(seconds=seconds)
    stamp = f"[{moment:%a %b %d %H:%M:%S}.{moment.microsecond:06d} {moment:%Y}]"
    line = re.sub(r"(?<=pid[ =])42\b", str(pid), line)
    return stamp + line[line.index("]") + 1 :]


def iso(seconds):
    return (BASE + datetime.timedelta(seconds=seconds)).isoformat()


def demo(tmp_path, lines):
    path = tmp_path / "error.log"
    path.write_text("".join(line + "\n" for line in lines))
    return analyse([str(path)], max_restarts=10)["groups"]["demo"]


def victims(restart):
    return [v["time"] for v in restart["victims"]["samples"]]


def test_a_failure_goes_to_the_oldest_open_restart(tmp_path):
    group = demo(
        tmp_path,
        [
            at(START, 0, pid=101),
            at(START, 0.5, pid=102),
            at(TRIGGER, 10.25, pid=101),
            at(TRIGGER, 11.25, pid=102),
            at(FAILURE, 12.25),  # both open: 101 is the oldest
            at(DIED, 15.25, pid=101),
            at(GONE, 15.5, pid=101),
            at(FAILURE, 16.25),  # only 102 open
            at(DIED, 17.25, pid=102),
            at(GONE, 17.5, pid=102),
        ],
    )
    first, second = group["restarts"]
    assert (first["pid"], first["reason"], victims(first)) == (101, "request-timeout", [iso(12.25)])
    assert (second["pid"], second["reason"], victims(second)) == (
        102,
        "request-timeout",
        [iso(16.25)],
    )
    assert group["victims_total"] == 2


def test_a_restart_that_never_ends_goes_stale(tmp_path):
    late = 10.25 + STALE_AFTER
    group = demo(
        tmp_path,
        [
            at(START, 0, pid=101),
            at(TRIGGER, 10.25, pid=101),  # 101 never seen gone
            at(FAILURE, late - 1),  # still within STALE_AFTER: 101's
            at(FAILURE, late + 1),  # after it: 101 is closed as stale, not its victim
        ],
    )
    (stale,) = group["restarts"]
    assert (stale["reason"], stale["ended"], victims(stale)) == (
        "request-timeout",
        None,
        [iso(late - 1)],
    )
    assert (group["failures_total"], group["victims_total"]) == (2, 1)


def test_a_stale_restart_gives_way_to_a_new_one(tmp_path):
    late = 10.25 + STALE_AFTER
    group = demo(
        tmp_path,
        [
            at(START, 0, pid=101),
            at(START, 0.5, pid=102),
            at(TRIGGER, 10.25, pid=101),  # 101 never seen gone
            at(TRIGGER, late + 50, pid=102),
            at(FAILURE, late + 51),  # 101 is stale: the failure is 102's
            at(DIED, late + 55, pid=102),
            at(GONE, late + 55.5, pid=102),
        ],
    )
    # 101 was closed when it went stale, before 102 ended.
    assert [(r["pid"], victims(r)) for r in group["restarts"]] == [
        (101, []),
        (102, [iso(late + 51)]),
    ]


@pytest.mark.parametrize("before", [DEATH_LOOKBACK - 0.5, DEATH_LOOKBACK])
def test_only_failures_just_before_a_death_are_its_victims(tmp_path, before):
    death = 200.25
    group = demo(
        tmp_path,
        [
            at(START, 0, pid=101),
            at(FAILURE, 100.25),  # long before the death: no restart's
            at(FAILURE, death - before),  # within DEATH_LOOKBACK: the death's
            at(DIED, death, pid=101),
            at(GONE, death + 0.25, pid=101),
        ],
    )
    (killed,) = group["restarts"]
    assert (killed["reason"], killed["ended"]) == ("unknown", iso(death))
    assert victims(killed) == [iso(death - before)]
    assert (group["failures_total"], group["victims_total"]) == (2, 1)


def _timed_out(failure, died, gone, pid=101):
    """Daemon ``pid`` started at 0, hit request-timeout at 10.25 s, one failure while it
    stopped, then its death and deregistration."""
    return [
        at(START, 0, pid=pid),
        at(TRIGGER, 10.25, pid=pid),
        at(FAILURE, failure),
        at(DIED, died, pid=pid),
        at(GONE, gone, pid=pid),
    ]


@pytest.mark.parametrize("after", [0.00014, AFTERMATH])
def test_a_failure_logged_just_after_the_restart_ended_is_its_victim(tmp_path, after):
    # Seen in the request_timeout scenario: the Apache child serving the second request
    # logged its truncated response 0.14 ms after the daemon's death and deregistration.
    group = demo(
        tmp_path,
        [
            *_timed_out(failure=12.25, died=12.5, gone=12.5),
            at(FAILURE, 12.5 + after),
            at(FAILURE, 12.5 + AFTERMATH + 0.25),  # too late: no restart's
        ],
    )
    (restart,) = group["restarts"]
    assert victims(restart) == [iso(12.25), iso(12.5 + after)]
    assert (group["failures_total"], group["victims_total"]) == (3, 2)


def test_a_failure_long_after_a_restart_is_no_victim(tmp_path):
    group = demo(
        tmp_path,
        [
            *_timed_out(failure=11.25, died=12.25, gone=12.5),
            at(FAILURE, 500.25),  # nothing open, no death after it
            at(START, 600.25, pid=102),
            at(DIED, 900.25, pid=102),  # long after the failure
            at(GONE, 900.5, pid=102),
        ],
    )
    assert [(r["pid"], victims(r)) for r in group["restarts"]] == [
        (101, [iso(11.25)]),
        (102, []),
    ]
    assert (group["failures_total"], group["victims_total"]) == (2, 1)
