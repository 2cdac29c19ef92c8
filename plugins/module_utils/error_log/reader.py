# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The block reader: finds the lines that matter in large blocks of a log, literal first.

Files are read BLOCK_SIZE bytes at a time and each read is used in place, as a chunk
of whole lines (only a line cut by the end of a read is joined into a buffer of its
own). Only lines holding mod_wsgi's module tag ``[wsgi:`` or one of Apache's ``AH004``
codes can change the report (the restart state machine needs the mod_wsgi lines and
Apache's AH00489 and AH00491-AH00494 notices). Per chunk:

* the newlines are counted (``bytes.count``) for the line numbers and ``lines``;
* one regex whose pattern starts with the literal ``[wsgi:`` runs over the block: the
  regex engine skips to each occurrence of the literal at the speed of a byte scan,
  then checks in C that the line starts with Apache's default stamp and header and
  whether its message can be an event (see ``events.MAY_BE_EVENT``); Python only sees
  the occurrences, and does work only for events;
* a scan for the literal ``AH004`` finds Apache's notices (rare), parsed in Python.

Lines without either literal are counted in ``lines`` and not otherwise read; the
other counts (``lines_unparsed``, ``lines_before_since``, ``first_time``,
``last_time``) are about the lines read.
"""

from __future__ import annotations

import re
from typing import Dict, Iterable, Iterator, List, Optional, Tuple

from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.base import (
    MAX_MESSAGES,
    NAME,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.events import (
    MAY_BE_EVENT,
    Args,
    classify,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.restarts import (
    Tracker,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.times import (
    LogClock,
)

# Bytes read at a time.
BLOCK_SIZE = 1 << 20

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


Chunk = Tuple[bytes, int, int]


def chunks(handle, warnings: List[str], path: str) -> Iterator[Chunk]:
    """Whole lines of a file as ``(buffer, lo, hi)`` for ``Reader.read``: ``buffer[lo]``
    is the newline before the first line (one is put in front of the file's first
    line) and ``buffer[hi - 1]`` the newline of the last. The data read is used in
    place; only a line cut by the end of a read is joined into a buffer of its own.
    A last line without a newline gets one; a read error ends the file with a warning,
    the partial line before it dropped."""
    read = getattr(handle, "read1", handle.read)
    carry: List[bytes] = []  # the start of a line cut by the end of a read
    try:
        while True:
            data = read(BLOCK_SIZE)
            if not data:
                break
            first = data.find(b"\n")
            if first < 0:
                carry.append(data)
                continue
            line = b"".join([b"\n", *carry, data[: first + 1]])
            yield line, 0, len(line)
            last = data.rfind(b"\n")
            if last > first:
                yield data, first, last + 1
            carry = [data[last + 1 :]]
    except (OSError, EOFError) as exc:
        warnings.append(f"{NAME}: stopped reading {path} early: {exc}")
        return
    rest = b"".join(carry)
    if rest:
        line = b"\n" + rest + b"\n"
        yield line, 0, len(line)


class LineCounts:
    """What the report says about the lines: all of them, and of those parsed (holding
    ``[wsgi:`` or ``AH004``) the damaged ones, those before ``since``, the first and
    last time at or after it."""

    def __init__(self, since: Optional[float] = None) -> None:
        self.since = since
        self.lines = 0
        self.lines_unparsed = 0
        self.lines_before_since = 0
        self.first_time: Optional[float] = None
        self.last_time: Optional[float] = None

    def consider(self, when: float) -> bool:
        """Count a parsed line of time ``when``; whether it is at or after ``since``."""
        if self.since is not None and when < self.since:
            self.lines_before_since += 1
            return False
        if self.first_time is None:
            self.first_time = when
        self.last_time = when
        return True


class Reader:
    """Read files (as chunks of whole lines) into a Tracker, counting the lines."""

    def __init__(self, tracker: Tracker, since: Optional[float] = None) -> None:
        self.tracker = tracker
        self.counts = LineCounts(since)
        self.clock = LogClock()
        # Messages seen -> their event: messages repeat (the same group starts, stops...).
        self._events: Dict[bytes, Optional[Tuple[str, Args]]] = {}
        # Lines of the file before the chunk; per chunk: newlines counted up to
        # _counted, where the last line read starts, the Apache notices and how many are
        # done, the last line read off the scan.
        self._base = 0
        self._newlines = 0
        self._counted = 0
        self._last_read = -1
        self._notices: List[int] = []
        self._notices_done = 0
        self._odd_start = -1

    def read(self, source: str, lines: Iterable[Chunk]) -> None:
        """Read one file given as chunks of whole lines (see ``chunks``)."""
        self.tracker.source = source
        self._base = 0
        for block, lo, hi in lines:
            self._chunk(block, lo, hi)

    def _chunk(self, block: bytes, lo: int, hi: int) -> None:
        """Read the lines of ``block[lo:hi]`` (see ``chunks``)."""
        self._newlines = 0
        self._counted = lo
        self._last_read = -1
        self._odd_start = -1
        self._notices = [match.start() for match in _APACHE.finditer(block, lo, hi)]
        self._notices_done = 0
        last_quiet = self._scan(block, lo, hi)
        self._flush_notices(block, hi)
        if last_quiet > self._last_read:
            start = block.rfind(b"\n", lo, last_quiet) + 1
            self.counts.last_time = self._when(block, start, last_quiet)
        lines = self._newlines + block.count(b"\n", self._counted, hi) - 1
        self.counts.lines += lines
        self._base += lines

    def _scan(self, block: bytes, lo: int, hi: int) -> int:
        """Run the ``[wsgi:`` scan; return where the last quiet line skipped is."""
        last_quiet = -1
        fast = self._fast()
        for match in _WSGI.finditer(block, lo, hi):
            if fast and match.lastindex == _QUIET:
                last_quiet = match.start()
                continue
            self._wsgi_match(block, match)
            fast = self._fast()
        return last_quiet

    def _fast(self) -> bool:
        """Whether a mod_wsgi line that is no event can be skipped without reading its
        time: no ``since``, the first time known, no traceback awaited."""
        return (
            self.counts.since is None
            and self.counts.first_time is not None
            and not self.tracker.pending_exc
        )

    def _wsgi_match(self, block: bytes, match: re.Match) -> None:
        """Read the line of an occurrence of ``[wsgi:`` (see _WSGI)."""
        hit = match.start()
        kind = match.lastindex
        if kind is None:
            self._odd_line(block, hit)
            return
        start = block.rfind(b"\n", 0, hit) + 1
        if self._notices_done < len(self._notices):
            self._flush_notices(block, start)
        when = self._when(block, start, hit)
        if not self._consider(when, start):
            return
        if kind == _EVENT:
            msg = match.group(_EVENT)
            event = self._events.get(msg, _UNSEEN)
            if event is _UNSEEN:
                event = self._classify(msg)
        else:
            msg = _message(block, match.end())
            event = None
        if event is None and not self.tracker.pending_exc:
            return
        self._at_line(block, start)
        self.tracker.wsgi_line((*match.group(1, 2, 3, 4, 5, 6), msg), when, event)

    def _classify(self, msg: bytes) -> Optional[Tuple[str, Args]]:
        """``classify(msg)``, remembered (up to MAX_MESSAGES messages)."""
        if len(self._events) >= MAX_MESSAGES:
            self._events.clear()
        event = self._events[msg] = classify(msg)
        return event

    def _when(self, block: bytes, start: int, hit: int) -> float:
        """Time of the well-formed mod_wsgi line at ``start`` whose tag is at ``hit``
        (the fraction is empty when the stamp has none; the month is known, _WSGI's
        lookbehind checked it)."""
        return self.clock.seconds(
            block[start + 5 : start + 20], block[start + 21 : hit - 7], block[hit - 6 : hit - 2]
        )

    def _consider(self, when: float, start: int) -> bool:
        """Count a line parsed at ``start``; whether it is at or after ``since``."""
        if self.counts.consider(when):
            self._last_read = start
            return True
        return False

    def _at_line(self, block: bytes, start: int) -> None:
        """Tell the tracker the number of the line starting at ``start``."""
        self._newlines += block.count(b"\n", self._counted, start)
        self._counted = start
        self.tracker.lineno = self._base + self._newlines

    def _flush_notices(self, block: bytes, before: int) -> None:
        """Read the lines of the Apache notices found before ``before``."""
        notices = self._notices
        while self._notices_done < len(notices) and notices[self._notices_done] < before:
            self._odd_line(block, notices[self._notices_done])
            self._notices_done += 1

    def _odd_line(self, block: bytes, pos: int) -> None:
        """Read, in Python, a line holding ``[wsgi:`` or ``AH004`` at ``pos`` that the
        scan did not read at its header: an Apache line, or a damaged one."""
        start = block.rfind(b"\n", 0, pos) + 1
        if start == self._odd_start:
            return
        self._flush_notices(block, start)
        self._odd_start = start
        header = HEADER.match(block, start, block.find(b"\n", pos))
        when = self.clock.seconds(*header.group(1, 2, 3)) if header is not None else None
        if when is None:
            self.counts.lines_unparsed += 1
        elif header.group(4) != b"wsgi" and self._consider(when, start):
            code = header.group(9)
            if code is not None:
                self._at_line(block, start)
                self.tracker.apache_line(code, header.group(12), when)


def _message(block: bytes, start: int) -> bytes:
    """The message starting at ``start``: up to the end of the line or a CR."""
    return block[start : block.find(b"\n", start)].partition(b"\r")[0]
