# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The restart state machine: mod_wsgi and Apache lines, in log order, open, fill and
close a record per daemon process restart.

State is kept per daemon pid, so interleaved lines of several processes are fine. A
restart opens at its trigger (or at the first line that shows the process stopping),
collects the stacks dumped and the failures it caused, and closes when the Apache
parent sees the process gone, a new generation of Apache starts, the pid starts
again, or the input ends. Its reason is the trigger's, else what the other lines say
(see ``_untriggered_reason``).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from typing import Any, Dict, Iterable, Optional, Tuple

from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.base import (
    APACHE_EVENT_WINDOW,
    DEATH_LOOKBACK,
    MAX_KNOWN_PIDS,
    MAX_OPEN_RECORDS,
    UNKNOWN_GROUP,
    text,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.events import (
    APACHE_NOTICES,
    GENERATION_START,
    HANDLERS,
    TRIGGER_REASONS,
    Args,
    handles,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.failures import (
    claim_recent,
    exception_detail,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.groups import (
    GroupTable,
    Record,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.stacks import (
    count_culprits,
)

# The header fields of a mod_wsgi line, as the reader passes them: pid and tid of the
# line, client, message code (WSGI#### or AH#####), daemon pid and group named by the
# 4.x/5.x "mod_wsgi (pid=N, process='G')" prefix, and the message.
Fields = Tuple[Optional[bytes], ...]

# Reasons of a restart without a trigger, in order of precedence, after Apache's
# (see _untriggered_reason).
UNTRIGGERED_REASONS = (
    ("signal", lambda record: record.signal is not None),
    ("shutdown-requested", lambda record: record.shutdown),
    ("exit", lambda record: record.exit_code is not None),
)
_VERSION = re.compile(rb"mod_wsgi/([\d.]+)")


class Tracker:
    """Feed mod_wsgi lines (``wsgi_line``) and Apache notices (``apache_line``) in log
    order; ``finish()`` closes what is still open at the end of the input."""

    def __init__(self, groups: GroupTable, app_paths: Optional[Iterable[str]] = None) -> None:
        self.groups = groups
        self.app_paths = tuple(app_paths or ())
        self.versions: Dict[str, int] = {}
        self.open: Dict[int, Record] = OrderedDict()
        self.pid_group: Dict[int, str] = OrderedDict()
        self.closed_pids: Dict[int, bool] = OrderedDict()
        self.interrupts: Dict[int, Record] = {}
        self.pending_exc: Dict[Tuple[int, int], Dict[str, Any]] = OrderedDict()
        self.apache_event: Optional[Tuple[str, float]] = None
        # Where the line being handled is (set by the reader).
        self.source = ""
        self.lineno = 0

    # ----------------------------------------------------------------- input
    def wsgi_line(self, fields: Fields, when: float, event: Optional[Tuple[str, Args]]) -> None:
        """Act on a mod_wsgi line; ``event`` as ``events.classify`` gives it (None: a
        line that is no event, which can end a traceback)."""
        pid, tid, _client, _code, wpid, wgroup, msg = fields
        if event is None:
            if self.pending_exc:
                exception_detail(self, int(pid), tid, msg)
            return
        name, args = event
        daemon_pid = int(wpid) if wpid is not None else int(pid)
        if wgroup is not None:
            self.know(daemon_pid, text(wgroup))
        HANDLERS[name](self, name, args, daemon_pid, when, fields)

    def apache_line(self, code: bytes, msg: bytes, when: float) -> None:
        """Act on an Apache line with message code ``code`` (AH#####)."""
        if code == GENERATION_START:
            version = _VERSION.search(msg)
            if version:
                key = text(version.group(1))
                self.versions[key] = self.versions.get(key, 0) + 1
            for record in [r for r in self.open.values() if r.apache is not None]:
                self.close(record)
            self.apache_event = None
            return
        kind = APACHE_NOTICES.get(code)
        if kind is None:
            return
        self.apache_event = (kind, when)
        for record in self.open.values():
            if record.apache == "pending" and abs(record.time - when) <= APACHE_EVENT_WINDOW:
                record.apache = kind

    def finish(self) -> None:
        """End of input: close the interrupts and restarts still open."""
        for pid in list(self.interrupts):
            self.end_interrupt(pid)
        for record in list(self.open.values()):
            self.close(record)

    # --------------------------------------------------------------- helpers
    def know(self, pid: int, group: str) -> None:
        """Remember the group of a daemon pid."""
        known = self.pid_group
        if known.get(pid) != group:
            known[pid] = group
            if len(known) > MAX_KNOWN_PIDS:
                del known[next(iter(known))]

    def group_of(self, pid: int) -> str:
        """The group of a daemon pid, UNKNOWN_GROUP if never named."""
        return self.pid_group.get(pid, UNKNOWN_GROUP)

    def record(self, pid: int, group: str, when: float) -> Record:
        """The restart in progress for ``pid``, opened if there is none."""
        record = self.open.get(pid)
        if record is None:
            record = Record(pid, group, when, self.source, self.lineno)
            self.open[pid] = record
            self.closed_pids.pop(pid, None)
            stats = self.groups.get(group)
            if stats is not None:
                stats.open.append(record)
            if len(self.open) > MAX_OPEN_RECORDS:
                self.close(self.open[next(iter(self.open))])
        return record

    def close(self, record: Record) -> None:
        """Close a restart: settle its reason, count it and its culprits."""
        self.open.pop(record.pid, None)
        self.closed_pids[record.pid] = True
        if len(self.closed_pids) > MAX_KNOWN_PIDS:
            del self.closed_pids[next(iter(self.closed_pids))]
        stats = self.groups.get(record.group)
        if stats is None:
            return
        if record in stats.open:
            stats.open.remove(record)
        stats.last_closed = record
        if record.reason is None:
            record.reason = _untriggered_reason(record)
        stats.restarts_total += 1
        stats.by_reason[record.reason] = stats.by_reason.get(record.reason, 0) + 1
        count_culprits(record, stats, self.app_paths)
        if self.groups.max_restarts:
            stats.restarts.append(record)

    def end_interrupt(self, pid: int) -> None:
        """Count the 6.x interrupt of ``pid`` in progress, if any."""
        record = self.interrupts.pop(pid, None)
        if record is None:
            return
        stats = self.groups.get(record.group)
        if stats is None:
            return
        stats.interrupts_total += 1
        count_culprits(record, stats, self.app_paths)
        if self.groups.max_restarts:
            stats.interrupts.append(record)

    def apache_open(self, pid: int, group: str, when: float, msg: bytes) -> None:
        """A process deregistered by the Apache parent: a restart whose reason is an
        Apache stop or restart, the notice of which may come just before or after."""
        if pid in self.closed_pids:
            return
        record = self.record(pid, group, when)
        if record.apache is None and record.reason is None:
            event = self.apache_event
            recent = event is not None and when - event[1] <= APACHE_EVENT_WINDOW
            record.apache = event[0] if recent and event is not None else "pending"
            record.message = text(msg)


def _untriggered_reason(record: Record) -> str:
    if record.apache is not None:
        return "apache-stop" if record.apache == "pending" else record.apache
    for reason, applies in UNTRIGGERED_REASONS:
        if applies(record):
            return reason
    return "unknown"


def _pid(args: Args, index: int, daemon_pid: int) -> int:
    """The pid a parent's line names (``Process 'g' (pid=N)``), else the line's."""
    return int(args[index]) if args[index] is not None else daemon_pid


# ------------------------------------------------------------------ handlers
@handles("start")
def _on_start(tracker: Tracker, name, args, daemon_pid, when, fields) -> None:
    tracker.know(daemon_pid, text(args[0]))
    # A pid starting again is a new process (pids are reused, logs are concatenated).
    tracker.closed_pids.pop(daemon_pid, None)
    stale = tracker.open.get(daemon_pid)
    if stale is not None:
        tracker.close(stale)


@handles(*TRIGGER_REASONS, "graceful-timeout")
def _on_trigger(tracker: Tracker, name, args, daemon_pid, when, fields) -> None:
    group = text(args[0])
    tracker.know(daemon_pid, group)
    record = tracker.record(daemon_pid, group, when)
    if record.reason is None:
        record.reason = name
        record.time = when
        record.message = text(fields[-1])
        record.source = tracker.source
        record.line = tracker.lineno
    elif name == "graceful-timeout":
        record.graceful_expired = True


@handles("shutdown")
def _on_shutdown(tracker: Tracker, name, args, daemon_pid, when, fields) -> None:
    group = text(args[0])
    tracker.know(daemon_pid, group)
    record = tracker.open.get(daemon_pid)
    if record is None:
        record = tracker.record(daemon_pid, group, when)
        record.message = text(fields[-1])
    record.shutdown = True


@handles("abort")
def _on_abort(tracker: Tracker, name, args, daemon_pid, when, fields) -> None:
    tracker.record(daemon_pid, text(args[0]), when).aborted = True


@handles("exiting")
def _on_exiting(tracker: Tracker, name, args, daemon_pid, when, fields) -> None:
    record = tracker.open.get(daemon_pid)
    if record is not None and record.apache is not None and record.reason is None:
        record.ended = when
        tracker.close(record)


@handles("died")
def _on_died(tracker: Tracker, name, args, daemon_pid, when, fields) -> None:
    pid = _pid(args, 1, daemon_pid)
    group = text(args[0])
    tracker.know(pid, group)
    fresh = pid not in tracker.open
    record = tracker.record(pid, group, when)
    record.dying = True
    record.ended = when
    stats = tracker.groups.get(record.group)
    if fresh and stats is not None:
        claim_recent(stats, record, when - DEATH_LOOKBACK)


@handles("signal")
def _on_signal(tracker: Tracker, name, args, daemon_pid, when, fields) -> None:
    record = tracker.open.get(_pid(args, 1, daemon_pid))
    if record is not None:
        record.signal = int(args[2])


@handles("exit")
def _on_exit(tracker: Tracker, name, args, daemon_pid, when, fields) -> None:
    record = tracker.open.get(_pid(args, 1, daemon_pid))
    if record is not None:
        record.exit_code = int(args[2])


@handles("dereg-pending")
def _on_dereg_pending(tracker: Tracker, name, args, daemon_pid, when, fields) -> None:
    pid = _pid(args, 2, daemon_pid)
    group = text(args[0] if args[0] is not None else args[1])
    tracker.know(pid, group)
    tracker.closed_pids.pop(pid, None)
    tracker.apache_open(pid, group, when, fields[-1])


@handles("deregistered")
def _on_deregistered(tracker: Tracker, name, args, daemon_pid, when, fields) -> None:
    pid = _pid(args, 1, daemon_pid)
    record = tracker.open.get(pid)
    if record is not None and record.dying:
        tracker.close(record)
    elif record is None:
        # A graceful restart deregisters without announcing it first.
        tracker.apache_open(pid, text(args[0]), when, fields[-1])
