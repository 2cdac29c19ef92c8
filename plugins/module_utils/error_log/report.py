# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The report: what the reader counted and the tracker assembled, as plain data (the
module's return values, documented in its RETURN)."""

from __future__ import annotations

from typing import Any, Dict

from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.groups import (
    GroupStats,
    Record,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.reader import (
    LineCounts,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.restarts import (
    Tracker,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.stacks import (
    culprits_out,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.times import to_iso


def build(tracker: Tracker, counts: LineCounts) -> Dict[str, Any]:
    """The report of everything read; closes what is still open in ``tracker`` (call
    it once, at the end of the input)."""
    tracker.finish()
    groups = {}
    totals: Dict[str, Any] = {
        "restarts": 0,
        "restarts_by_reason": {},
        "failures": 0,
        "failures_by_kind": {},
        "victims": 0,
        "interrupts": 0,
    }
    for name in sorted(tracker.groups.groups):
        stats = tracker.groups.groups[name]
        groups[name] = _group_out(stats)
        totals["restarts"] += stats.restarts_total
        totals["failures"] += stats.failures_total
        totals["victims"] += stats.victims_total
        totals["interrupts"] += stats.interrupts_total
        _add(totals["restarts_by_reason"], stats.by_reason)
        _add(totals["failures_by_kind"], stats.failures_by_kind)
    return {
        "groups": groups,
        "totals": totals,
        "lines": counts.lines,
        "lines_unparsed": counts.lines_unparsed,
        "lines_before_since": counts.lines_before_since,
        "first_time": to_iso(counts.first_time),
        "last_time": to_iso(counts.last_time),
        "since": to_iso(counts.since),
        "mod_wsgi_versions": sorted(tracker.versions),
    }


def _group_out(stats: GroupStats) -> Dict[str, Any]:
    return {
        "restarts_total": stats.restarts_total,
        "restarts_by_reason": dict(stats.by_reason),
        "restarts": [restart_out(record) for record in stats.restarts],
        "restarts_omitted": stats.restarts_total - len(stats.restarts),
        "interrupts_total": stats.interrupts_total,
        "interrupts": [interrupt_out(record) for record in stats.interrupts],
        "culprits": culprits_out(stats),
        "culprits_omitted": stats.culprits_omitted,
        "failures_total": stats.failures_total,
        "failures_by_kind": dict(stats.failures_by_kind),
        "failures_by_status": dict(stats.failures_by_status),
        "failures": [_timed(failure) for failure in stats.failures],
        "victims_total": stats.victims_total,
    }


def restart_out(record: Record) -> Dict[str, Any]:
    """A closed restart as reported."""
    return {
        "group": record.group,
        "pid": record.pid,
        "reason": record.reason,
        "time": to_iso(record.time),
        "ended": to_iso(record.ended),
        "signal": record.signal,
        "exit_code": record.exit_code,
        "shutdown_timeout_expired": record.aborted,
        "graceful_timeout_expired": record.graceful_expired,
        "message": record.message,
        "source": record.source,
        "line": record.line,
        "threads": record.threads,
        "threads_omitted": record.threads_omitted,
        "victims": {
            "total": record.victims_total,
            "by_kind": dict(record.victims_by_kind),
            "samples": [_timed(victim) for victim in record.victims],
        },
    }


def interrupt_out(record: Record) -> Dict[str, Any]:
    """A 6.x interrupt as reported: a restart's keys without its end and victims."""
    entry = restart_out(record)
    del entry["ended"], entry["signal"], entry["exit_code"], entry["victims"]
    return entry


def _timed(item: Dict[str, Any]) -> Dict[str, Any]:
    """A failure or victim sample with its time as ISO 8601 text."""
    return dict(item, time=to_iso(item["time"]))


def _add(total: Dict[str, int], part: Dict[str, int]) -> None:
    for key, value in part.items():
        total[key] = total.get(key, 0) + value
