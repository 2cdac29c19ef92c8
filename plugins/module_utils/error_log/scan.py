# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The block scan: finds the lines that matter in a block of a log, literal first, and
turns them into compact records, without the restart state machine.

A block is given as ``(buffer, lo, hi)``: ``buffer[lo]`` is the newline before its
first line and ``buffer[hi - 1]`` the newline of its last. Only lines holding
mod_wsgi's module tag ``[wsgi:`` or one of Apache's ``AH004`` codes can change the
report. Per block:

* one regex whose pattern starts with the literal ``[wsgi:`` runs over the block: the
  regex engine skips to each occurrence of the literal at the speed of a byte scan,
  then checks in C that the line starts with Apache's default stamp and header and
  whether its message can be an event (see ``events.MAY_BE_EVENT``); Python only sees
  the occurrences, and does work only for events;
* a scan for the literal ``AH004`` finds Apache's notices (rare), parsed in Python;
* the newlines are counted once, in pieces between the records (their line numbers).

The result (``Scan``) holds plain tuples of bytes, numbers and strings, so a block can
be scanned in another process and its result sent back (see ``parallel``); the
reader applies the records to the tracker in log order.
"""

from __future__ import annotations

import re
from typing import Dict, List, NamedTuple, Optional, Set, Tuple

from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.base import (
    MAX_MESSAGES,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.events import (
    MAY_BE_EVENT,
    TRACEBACK_KINDS,
    Args,
    classify,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.failures import (
    TRACEBACK_BODY,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.times import (
    LogClock,
)

_MONTH = rb"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
# After "[pid": the rest of the header, up to the message. Optional parts are written
# (?:X|) rather than (?:X)?: the same alternatives in the same order, and faster.
_PID_TO_MESSAGE = (
    rb"\[pid (\d+)(?::tid (\d+)\] |\] )"
    rb"(?:\[(?:client|remote) ([^\]\n]*)\] |)"
    rb"(?:\[script [^\]\n]*\] |)"
    rb"(?:(WSGI\d{4}|AH\d{5}): |)"
    rb"(?:\[script [^\]\n]*\] |)"
    rb"(?:mod_wsgi \(pid=(\d+)(?:, process='([^'\n]*)'[^)\n]*\): |\): )|)"
)
# A line in Apache 2.4's default ErrorLogFormat; groups: "Nov 26 17:27:57", fraction,
# year, module, level, pid, tid, client, code, daemon pid, daemon group, message.
HEADER = re.compile(
    rb"\[[A-Z][a-z]{2} ([A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d)(?:\.(\d{1,6}) | )(\d{4})\] "
    rb"\[([\w.-]*):(\w+)\] " + _PID_TO_MESSAGE + rb"([^\r\n]*)"
)
# The start of a line HEADER matches with a known month (a well-formed line), from the
# newline before it; groups: the stamp's "Nov 26 17:27:57", fraction and year.
_WELL_FORMED = re.compile(
    rb"\n\[[A-Z][a-z]{2} (" + _MONTH + rb" [ \d]\d \d\d:\d\d:\d\d)(?:\.(\d{1,6}) | )(\d{4})\] "
    rb"\[[\w.-]*:\w+\] \[pid \d+(?::tid \d+\] |\] )"
)


def _stamp_before(digits: int) -> bytes:
    """Lookbehind from just after ``[wsgi:``: a line starts with a stamp whose second
    has ``digits`` fraction digits (0: none), then the module tag."""
    fraction = rb"\.\d{%d}" % digits if digits else b""
    return (
        rb"(?<=\n\[[A-Z][a-z]{2} " + _MONTH + rb" [ \d]\d \d\d:\d\d:\d\d" + fraction
        + rb" \d{4}\] \[wsgi:)"
    )  # fmt: skip


# Every occurrence of "[wsgi:" matches. When it starts a well-formed mod_wsgi line
# (lookbehind: the stamp, at a line start), groups 1-6 are the header's pid, tid,
# client, code, daemon pid and group, and group 7 is the message if it may be an event,
# else group 8 is set (empty, just before the message); otherwise no group is set.
_WSGI = re.compile(
    rb"\[wsgi:(?:(?:" + b"|".join(_stamp_before(n) for n in (6, 0, 3, 1, 2, 4, 5)) + rb")"
    rb"\w+\] " + _PID_TO_MESSAGE + rb"(?:(?=" + MAY_BE_EVENT + rb")([^\r\n]*)|())|)"
)
_EVENT = 7
_QUIET = 8
_UNSEEN = object()  # a message not classified yet
_APACHE = re.compile(rb"AH004")
# How far from the end of a block the last well-formed line is looked for first.
_TAIL = 1024
_NEVER = float("-inf")  # ``since`` when none is given

# (pid, tid) of a mod_wsgi line, as the tracker keys the tracebacks it awaits.
Key = Tuple[int, int]
# A record: (line number in the block, time, fields, event). A mod_wsgi line has the
# 7 header fields of ``restarts.Fields`` and its event (None: no event, a line that may
# end an awaited traceback); an Apache line has (code, message) and None.
Record = Tuple[int, float, Tuple[Optional[bytes], ...], Optional[Tuple[str, Args]]]


class Scan(NamedTuple):
    """What a block holds for the report: its line count, the parsed lines' counts,
    the time of its first and last well-formed line, and its records in log order."""

    lines: int
    unparsed: int
    before_since: int
    first_time: Optional[float]
    last_time: Optional[float]
    records: List[Record]


class Scanner:
    """Scan blocks (see the module's docstring); keeps what blocks share: ``since``,
    the last stamp's second and the messages already classified."""

    def __init__(self, since: Optional[float] = None) -> None:
        self.since = since
        self.clock = LogClock()
        # Messages seen -> their event: messages repeat (the same group starts, stops...).
        self.events: Dict[bytes, Optional[Tuple[str, Args]]] = {}

    def scan(self, block: bytes, lo: int, hi: int, watch: Optional[Set[Key]]) -> Scan:
        """Scan ``block[lo:hi]``. ``watch``: the (pid, tid) whose traceback the tracker
        awaits when the block starts (None: not known, any may be)."""
        return _BlockScan(self, block, lo, hi, watch).run()

    def classify(self, msg: bytes) -> Optional[Tuple[str, Args]]:
        """``classify(msg)``, remembered (up to MAX_MESSAGES messages)."""
        event = self.events.get(msg, _UNSEEN)
        if event is _UNSEEN:
            if len(self.events) >= MAX_MESSAGES:
                self.events.clear()
            event = self.events[msg] = classify(msg)
        return event

    def edge_times(self, block: bytes, lo: int, hi: int) -> Tuple[Optional[float], ...]:
        """Times of the first and last well-formed line of ``block[lo:hi]``."""
        first = _WELL_FORMED.search(block, lo, hi)
        if first is None:
            return None, None
        last = None
        tail = _TAIL
        while last is None:
            cut = max(lo, block.rfind(b"\n", lo, max(lo, hi - tail)))
            for match in _WELL_FORMED.finditer(block, cut, hi):
                last = match
            tail *= 8
        clock = self.clock
        return clock.seconds(*first.group(1, 2, 3)), clock.seconds(*last.group(1, 2, 3))


class _BlockScan:
    """The scan of one block: where the newlines are counted up to, the Apache notices
    and how many are done, the records and counts so far."""

    def __init__(
        self, scanner: Scanner, block: bytes, lo: int, hi: int, watch: Optional[Set[Key]]
    ) -> None:
        self.scanner = scanner
        self.since = scanner.since if scanner.since is not None else _NEVER
        self.seconds = scanner.clock.seconds
        self.events = scanner.events
        self.block = block
        self.lo = lo
        self.hi = hi
        # Known (``watch`` given): the keys whose traceback may be awaited. Not known:
        # the (pid, tid) of the header, as written, of the lines that no traceback
        # started in the block awaits: the first such line of each may end one
        # awaited from before the block, the later ones cannot.
        self.watched: Optional[Set[Key]] = set(watch) if watch is not None else None
        self.settled: Set[Tuple[bytes, Optional[bytes]]] = set()
        self.records: List[Record] = []
        self.unparsed = 0
        self.before_since = 0
        self.newlines = 0  # newlines counted, from lo to ``counted``
        self.counted = lo
        self.notices = [match.start() for match in _APACHE.finditer(block, lo, hi)]
        self.notices_done = 0
        self.next_notice = self.notices[0] if self.notices else hi
        self.odd_start = -1

    def run(self) -> Scan:
        """Scan the block; the result."""
        block, lo, hi = self.block, self.lo, self.hi
        # Without since, a mod_wsgi line that is no event matters only when it may end
        # a traceback; skip it, here, when it cannot.
        timeless = self.since is _NEVER
        watched = self.watched if timeless else None
        settled = self.settled if timeless and self.watched is None else None
        event_line = self._event_line
        for match in _WSGI.finditer(block, lo, hi):
            kind = match.lastindex
            if kind == _EVENT:
                event_line(match)
            elif kind is None:
                self._odd_line(match.start())
            elif (watched is None or watched) and (
                settled is None or match.group(1, 2) not in settled
            ):
                self._quiet_line(match)
        self._flush_notices(hi)
        first, last = self.scanner.edge_times(block, lo, hi)
        lines = self.newlines + block.count(b"\n", self.counted, hi) - 1
        return Scan(lines, self.unparsed, self.before_since, first, last, self.records)

    def _event_line(self, match: re.Match) -> None:
        """A well-formed mod_wsgi line whose message may be an event (see _WSGI): a
        record if it is one, or if it may end an awaited traceback."""
        block = self.block
        hit = match.start()
        start = block.rfind(b"\n", 0, hit) + 1
        if start > self.next_notice:
            self._flush_notices(start)
        # The fraction is empty when the stamp has none; _WSGI checked the month.
        when = self.seconds(
            block[start + 5 : start + 20], block[start + 21 : hit - 7], block[hit - 6 : hit - 2]
        )
        if when < self.since:
            self.before_since += 1
            return
        fields = match.group(1, 2, 3, 4, 5, 6, 7)
        event = self.events.get(fields[6], _UNSEEN)
        if event is _UNSEEN:
            event = self.scanner.classify(fields[6])
        if event is None:
            if self._may_end_traceback(fields):
                self._record(start, when, fields, None)
            return
        if event[0] in TRACEBACK_KINDS:
            self._await(fields)
        # _record, written out: this is the way of every event.
        self.newlines += block.count(b"\n", self.counted, start)
        self.counted = start
        self.records.append((self.newlines, when, fields, event))

    def _quiet_line(self, match: re.Match) -> None:
        """A well-formed mod_wsgi line whose message is no event (see _WSGI): counted
        before since, a record if it may end an awaited traceback."""
        block = self.block
        hit = match.start()
        start = block.rfind(b"\n", 0, hit) + 1
        when = self.seconds(
            block[start + 5 : start + 20], block[start + 21 : hit - 7], block[hit - 6 : hit - 2]
        )
        if when < self.since:
            self.before_since += 1
            return
        fields = (*match.group(1, 2, 3, 4, 5, 6), _message(block, match.end()))
        if self._may_end_traceback(fields):
            if start > self.next_notice:
                self._flush_notices(start)
            self._record(start, when, fields, None)

    def _await(self, fields: Tuple[Optional[bytes], ...]) -> None:
        """A failure whose traceback the tracker may await from the line's (pid, tid)."""
        if self.watched is not None:
            self.watched.add(_key(fields))
        else:
            self.settled.clear()

    def _may_end_traceback(self, fields: Tuple[Optional[bytes], ...]) -> bool:
        """Whether a mod_wsgi line that is no event may be the last line of a traceback
        the tracker awaits (the tracker decides); at most one line per awaited key."""
        if fields[6].startswith(TRACEBACK_BODY):
            return False
        if self.watched is not None:
            key = _key(fields)
            if key not in self.watched:
                return False
            self.watched.discard(key)
            return True
        raw = (fields[0], fields[1])
        if raw in self.settled:
            return False
        self.settled.add(raw)
        return True

    def _record(self, start: int, when: float, fields, event) -> None:
        """Keep the record of the line starting at ``start``, with its line number."""
        self.newlines += self.block.count(b"\n", self.counted, start)
        self.counted = start
        self.records.append((self.newlines, when, fields, event))

    def _flush_notices(self, before: int) -> None:
        """Read the lines of the Apache notices found before ``before``."""
        notices = self.notices
        while self.notices_done < len(notices) and notices[self.notices_done] < before:
            self._odd_line(notices[self.notices_done])
            self.notices_done += 1
        self.next_notice = (
            notices[self.notices_done] if self.notices_done < len(notices) else self.hi
        )

    def _odd_line(self, pos: int) -> None:
        """Read, in Python, a line holding ``[wsgi:`` or ``AH004`` at ``pos`` that the
        scan did not read at its header: an Apache line, or a damaged one."""
        block = self.block
        start = block.rfind(b"\n", 0, pos) + 1
        if start == self.odd_start:
            return
        self._flush_notices(start)
        self.odd_start = start
        header = HEADER.match(block, start, block.find(b"\n", pos))
        when = self.seconds(*header.group(1, 2, 3)) if header is not None else None
        if when is None:
            self.unparsed += 1
        elif header.group(4) == b"wsgi":
            return
        elif when < self.since:
            self.before_since += 1
        elif header.group(9) is not None:
            self._record(start, when, header.group(9, 12), None)


def _key(fields: Tuple[Optional[bytes], ...]) -> Key:
    """The (pid, tid) of a mod_wsgi line's header fields, as the tracker keys them."""
    return int(fields[0]), int(fields[1]) if fields[1] is not None else 0


def _message(block: bytes, start: int) -> bytes:
    """The message starting at ``start``: up to the end of the line or a CR."""
    return block[start : block.find(b"\n", start)].partition(b"\r")[0]
