# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Stack dumps: the threads and frames mod_wsgi logs on request-timeout (and 6.x
interrupt-timeout), and the culprits, the innermost frame of each thread that is
application code, counted per group with the chains of callers that led there."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Tuple

from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.base import (
    MAX_CALLER_CHAINS,
    MAX_CALLERS,
    MAX_CULPRITS,
    MAX_FRAMES,
    MAX_THREADS,
    text,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.events import (
    handles,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.groups import (
    GroupStats,
    Record,
)

# Frames whose file is in Python's own library or an installed package.
_LIBRARY = re.compile(r"^<|/lib(?:64)?/python\d[\d.]*t?/|/(?:site|dist)-packages/|/lib/pypy")


def is_app_file(path: str, app_paths: Tuple[str, ...] = ()) -> bool:
    """Whether a frame's file is application code: under one of ``app_paths`` when
    given, else not in Python's library or an installed package."""
    if app_paths:
        return path.startswith(app_paths)
    return _LIBRARY.search(path) is None


def _frame(path: bytes, line: bytes, function: bytes) -> Dict[str, Any]:
    return {"file": text(path), "line": int(line), "function": text(function)}


# ------------------------------------------------------------------ handlers
@handles("dump")
def _on_dump(tracker, name, args, daemon_pid, when, fields) -> None:
    record = tracker.open.get(daemon_pid)
    if record is None:
        # Only request-timeout dumps the stacks of all threads.
        record = tracker.record(daemon_pid, tracker.group_of(daemon_pid), when)
        record.reason = "request-timeout"
        record.message = text(fields[-1])
    record.thread = None


@handles("interrupt")
def _on_interrupt(tracker, name, args, daemon_pid, when, fields) -> None:
    group = text(args[1])
    tracker.know(daemon_pid, group)
    tracker.end_interrupt(daemon_pid)
    record = Record(daemon_pid, group, when, tracker.source, tracker.lineno)
    record.reason = "request-timeout"
    record.message = text(fields[-1])
    tracker.interrupts[daemon_pid] = record


def _frame_target(tracker, pid: int) -> Optional[Record]:
    record = tracker.interrupts.get(pid)
    return record if record is not None else tracker.open.get(pid)


@handles("thread")
def _on_thread(tracker, name, args, daemon_pid, when, fields) -> None:
    record = _frame_target(tracker, daemon_pid)
    if record is None:
        return
    thread = {"thread_id": int(args[0]), "frames": [], "frames_omitted": 0}
    thread["frames"].append(_frame(args[1], args[2], args[3]))
    if len(record.threads) < MAX_THREADS:
        record.threads.append(thread)
        record.thread = thread
    else:
        record.threads_omitted += 1
        record.thread = None


@handles("called")
def _on_called(tracker, name, args, daemon_pid, when, fields) -> None:
    record = _frame_target(tracker, daemon_pid)
    if record is None or record.thread is None:
        return
    thread = record.thread
    if len(thread["frames"]) < MAX_FRAMES:
        thread["frames"].append(_frame(args[0], args[1], args[2]))
    else:
        thread["frames_omitted"] += 1
    if args[3] != b",":
        record.thread = None
        if record is tracker.interrupts.get(daemon_pid):
            tracker.end_interrupt(daemon_pid)


# ------------------------------------------------------------------ culprits
def count_culprits(record: Record, stats: GroupStats, app_paths: Tuple[str, ...]) -> None:
    """Pick the culprit of each thread of a finished dump (stored in the thread as
    ``culprit``) and count it, with its callers, in the group's culprits."""
    for thread in record.threads:
        frames = thread["frames"]
        index = next((i for i, f in enumerate(frames) if is_app_file(f["file"], app_paths)), 0)
        thread["culprit"] = frames[index]
        _count(stats, frames[index], frames[index + 1 : index + 1 + MAX_CALLERS])


def _count(stats: GroupStats, culprit: Dict[str, Any], callers: List[Dict[str, Any]]) -> None:
    key = (culprit["file"], culprit["line"], culprit["function"])
    entry = stats.culprits.get(key)
    if entry is None:
        if len(stats.culprits) >= MAX_CULPRITS:
            stats.culprits_omitted += 1
            return
        entry = dict(culprit, count=0, callers={}, callers_omitted=0)
        stats.culprits[key] = entry
    entry["count"] += 1
    chain = tuple((f["file"], f["line"], f["function"]) for f in callers)
    chains = entry["callers"]
    if chain in chains:
        chains[chain] += 1
    elif len(chains) < MAX_CALLER_CHAINS:
        chains[chain] = 1
    else:
        entry["callers_omitted"] += 1


def culprits_out(stats: GroupStats) -> List[Dict[str, Any]]:
    """The group's culprits for the report, most frequent first."""
    culprits = [_culprit_out(entry) for entry in stats.culprits.values()]
    culprits.sort(key=lambda c: (-c["count"], c["file"], c["line"], c["function"]))
    return culprits


def _culprit_out(entry: Dict[str, Any]) -> Dict[str, Any]:
    chains = sorted(entry["callers"].items(), key=lambda item: -item[1])
    return {
        "file": entry["file"],
        "line": entry["line"],
        "function": entry["function"],
        "count": entry["count"],
        "callers": [
            {
                "count": count,
                "frames": [{"file": f, "line": n, "function": fn} for f, n, fn in chain],
            }
            for chain, count in chains
        ],
        "callers_omitted": entry["callers_omitted"],
    }
