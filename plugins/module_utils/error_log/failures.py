# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Failures clients saw (truncated responses, timeouts, exceptions...) and their
attribution to the restart that caused them (its victims).

A failure of a kind a restart causes (VICTIM_KINDS) goes to the oldest restart of its
group still open, unless that restart began more than STALE_AFTER seconds earlier
(then it is closed as stale and the next one is tried). With no open restart it goes to
the restart that ended at most AFTERMATH seconds before it (an Apache child logs the
truncated response when it next reads the dead daemon's socket); otherwise it is
remembered (MAX_RECENT per group) for a death noticed up to DEATH_LOOKBACK seconds
after it (a process killed without a trigger line).
"""

from __future__ import annotations

from collections import deque
from typing import Any, Dict, Optional

from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.base import (
    AFTERMATH,
    MAX_PENDING_EXC,
    MAX_RECENT,
    MAX_SAMPLES,
    STALE_AFTER,
    text,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.events import (
    FAILURE_KINDS,
    TRACEBACK_KINDS,
    VICTIM_KINDS,
    handles,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.groups import (
    GroupStats,
    Record,
)

# Failures logged by the Apache child that ran the request: their group is the one of
# the line's pid, not named in the message.
_OWN_GROUP = frozenset(("app-exception", "script-load-failed", "request-interrupted"))
# Lines of a traceback that cannot be its last line.
TRACEBACK_BODY = (b" ", b"Traceback", b"\t")
# Keys of a failure copied into a restart's victim samples.
_VICTIM_KEYS = ("time", "kind", "status", "client", "source", "line")


@handles(*FAILURE_KINDS)
def _on_failure(tracker, kind, args, daemon_pid, when, fields) -> None:
    pid, tid, client, code, _wpid, _wgroup, msg = fields
    line_pid = int(pid)
    group = tracker.group_of(line_pid) if kind in _OWN_GROUP else text(args[-1])
    key = (line_pid, int(tid) if tid is not None else 0)
    pending = tracker.pending_exc.get(key)
    if kind == "app-exception" and pending is not None and pending["kind"] == "script-load-failed":
        return  # the same failure, logged twice by 4.x
    stats = tracker.groups.get(group)
    if stats is None:
        return
    fmt = "6" if code is not None and code.startswith(b"WSGI") else "4"
    status = FAILURE_KINDS[kind][fmt]
    failure = {
        "time": when,
        "kind": kind,
        "status": status,
        "client": text(client) or None,
        "message": text(msg),
        "source": tracker.source,
        "line": tracker.lineno,
    }
    if kind in TRACEBACK_KINDS:
        failure["exception"] = text(args[0]) if fmt == "6" and kind == "app-exception" else None
        _await_traceback(tracker, key, failure)
    _count(stats, failure)
    if kind in VICTIM_KINDS:
        _attribute_or_remember(tracker, stats, failure, when)


def _await_traceback(tracker, key, failure: Dict[str, Any]) -> None:
    tracker.pending_exc[key] = failure
    if len(tracker.pending_exc) > MAX_PENDING_EXC:
        del tracker.pending_exc[next(iter(tracker.pending_exc))]


def _count(stats: GroupStats, failure: Dict[str, Any]) -> None:
    kind = failure["kind"]
    status = str(failure["status"])
    stats.failures_total += 1
    stats.failures_by_kind[kind] = stats.failures_by_kind.get(kind, 0) + 1
    stats.failures_by_status[status] = stats.failures_by_status.get(status, 0) + 1
    stats.failures.append(failure)


def _attribute_or_remember(tracker, stats: GroupStats, failure, when: float) -> None:
    while stats.open and when - stats.open[0].time > STALE_AFTER:
        tracker.close(stats.open[0])
    last = stats.last_closed
    if stats.open:
        _attribute(stats.open[0], stats, failure)
    elif last is not None and last.ended is not None and 0.0 <= when - last.ended <= AFTERMATH:
        _attribute(last, stats, failure)
    else:
        stats.recent.append(failure)


def exception_detail(tracker, pid: int, tid: Optional[bytes], msg: bytes) -> None:
    """A mod_wsgi line that is no event: the last line of a traceback awaited from the
    same pid and thread (the exception raised) is kept in its failure."""
    key = (pid, int(tid) if tid is not None else 0)
    failure = tracker.pending_exc.get(key)
    if failure is None or msg.startswith(TRACEBACK_BODY):
        return
    failure["exception"] = text(msg.strip())
    del tracker.pending_exc[key]


def _attribute(record: Record, stats: GroupStats, failure: Dict[str, Any]) -> None:
    record.victims_total += 1
    kind = failure["kind"]
    record.victims_by_kind[kind] = record.victims_by_kind.get(kind, 0) + 1
    if len(record.victims) < MAX_SAMPLES:
        record.victims.append({k: failure[k] for k in _VICTIM_KEYS})
    stats.victims_total += 1


def claim_recent(stats: GroupStats, record: Record, earliest: float) -> None:
    """Attribute to ``record`` the remembered failures of its group logged at or after
    ``earliest``; forget the older ones."""
    if not stats.recent:
        return
    keep = deque(maxlen=MAX_RECENT)
    for failure in stats.recent:
        if failure["time"] >= earliest:
            _attribute(record, stats, failure)
        else:
            keep.append(failure)
    stats.recent = keep
