# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What is kept per daemon process group (counters, the latest details, the restarts
still open and the failures not yet attributed) and per restart being assembled."""

from __future__ import annotations

from collections import deque
from typing import Any, Deque, Dict, List, Optional, Tuple

from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.base import (
    MAX_GROUPS,
    MAX_RECENT,
    MAX_SAMPLES,
    NAME,
    OTHER_GROUP,
    ErrorLogError,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.errors import describe


class GroupStats:
    """Everything counted for one daemon process group."""

    def __init__(self, max_restarts: int) -> None:
        # Closed restarts and interrupts (Record), the most recent max_restarts.
        self.restarts: Deque[Record] = deque(maxlen=max_restarts or None)
        self.restarts_total = 0
        self.by_reason: Dict[str, int] = {}
        self.interrupts: Deque[Record] = deque(maxlen=max_restarts or None)
        self.interrupts_total = 0
        self.culprits: Dict[Tuple[str, int, str], Dict[str, Any]] = {}
        self.culprits_omitted = 0
        self.failures: Deque[Dict[str, Any]] = deque(maxlen=MAX_SAMPLES)
        self.failures_total = 0
        self.failures_by_kind: Dict[str, int] = {}
        self.failures_by_status: Dict[str, int] = {}
        self.victims_total = 0
        # Victim-kind failures with no open restart, for a death noticed later.
        self.recent: Deque[Dict[str, Any]] = deque(maxlen=MAX_RECENT)
        # Restarts of this group in progress, oldest first.
        self.open: List[Record] = []
        # The restart of this group closed last, for failures logged just after it.
        self.last_closed: Optional[Record] = None


class GroupTable:
    """The groups reported: only ``process_group`` when given, at most MAX_GROUPS names
    (the rest counted under OTHER_GROUP)."""

    def __init__(self, process_group: Optional[str] = None, max_restarts: int = 0) -> None:
        if not isinstance(max_restarts, int) or max_restarts < 0:
            raise ErrorLogError(
                f"{NAME}: parameter 'max_restarts' got {describe(max_restarts)}; "
                "expected 0 (no detail) or more"
            )
        if process_group is not None and (
            not isinstance(process_group, str)
            or not process_group
            or any(ch.isspace() or not ch.isprintable() for ch in process_group)
        ):
            raise ErrorLogError(
                f"{NAME}: parameter 'process_group' got {describe(process_group)}; expected "
                "a daemon process group name (one word, as in WSGIDaemonProcess NAME)"
            )
        self.process_group = process_group
        self.max_restarts = max_restarts
        self.groups: Dict[str, GroupStats] = {}

    def get(self, name: str) -> Optional[GroupStats]:
        """The stats of group ``name`` (created on first use), None when filtered out."""
        if self.process_group is not None and name != self.process_group:
            return None
        group = self.groups.get(name)
        if group is None:
            if len(self.groups) >= MAX_GROUPS:
                name = OTHER_GROUP
                group = self.groups.get(name)
            if group is None:
                group = GroupStats(self.max_restarts)
                self.groups[name] = group
        return group


class Record:
    """One daemon process restart (or 6.x interrupt) being assembled from its lines."""

    __slots__ = (
        "aborted",
        "apache",
        "dying",
        "ended",
        "exit_code",
        "graceful_expired",
        "group",
        "line",
        "message",
        "pid",
        "reason",
        "shutdown",
        "signal",
        "source",
        "thread",
        "threads",
        "threads_omitted",
        "time",
        "victims",
        "victims_by_kind",
        "victims_total",
    )

    def __init__(self, pid: int, group: str, when: float, source: str, line: int) -> None:
        self.pid = pid
        self.group = group
        self.time = when
        self.source = source
        self.line = line
        self.reason: Optional[str] = None
        self.message = ""
        self.apache: Optional[str] = None  # "pending" or an apache-* reason
        self.shutdown = False
        self.aborted = False
        self.graceful_expired = False
        self.dying = False
        self.ended: Optional[float] = None
        self.signal: Optional[int] = None
        self.exit_code: Optional[int] = None
        self.threads: List[Dict[str, Any]] = []
        self.threads_omitted = 0
        self.thread: Optional[Dict[str, Any]] = None  # thread whose frames are arriving
        self.victims: List[Dict[str, Any]] = []
        self.victims_total = 0
        self.victims_by_kind: Dict[str, int] = {}
