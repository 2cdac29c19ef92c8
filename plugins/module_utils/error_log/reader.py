# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The block reader: reads a log in large blocks of whole lines, has each block
scanned (``scan``) and applies the records found to the restart tracker in log order.

Files are read BLOCK_SIZE bytes at a time and each read is used in place, as a chunk
of whole lines (only a line cut by the end of a read is joined into a buffer of its
own). Lines without ``[wsgi:`` or ``AH004`` are counted in ``lines`` and not otherwise
read; ``lines_unparsed`` and ``lines_before_since`` are about the lines holding them,
``first_time`` and ``last_time`` about the first and last well-formed line.
"""

from __future__ import annotations

from typing import Iterable, Iterator, List, Optional, Tuple

from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.base import NAME
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.restarts import (
    Tracker,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.scan import (
    Scan,
    Scanner,
)

# Bytes read at a time.
BLOCK_SIZE = 1 << 20

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
    """What the report says about the lines: all of them, of those parsed (holding
    ``[wsgi:`` or ``AH004``) the damaged ones and those before ``since``, and the
    time of the first and last well-formed line."""

    def __init__(self, since: Optional[float] = None) -> None:
        self.since = since
        self.lines = 0
        self.lines_unparsed = 0
        self.lines_before_since = 0
        self.first_time: Optional[float] = None
        self.last_time: Optional[float] = None

    def add(self, scan: Scan) -> None:
        """Count the lines of a block, which follows those counted."""
        self.lines += scan.lines
        self.lines_unparsed += scan.unparsed
        self.lines_before_since += scan.before_since
        if self.first_time is None:
            self.first_time = scan.first_time
        if scan.last_time is not None:
            self.last_time = scan.last_time


class Reader:
    """Read files (as chunks of whole lines) into a Tracker, counting the lines."""

    def __init__(self, tracker: Tracker, since: Optional[float] = None) -> None:
        self.tracker = tracker
        self.counts = LineCounts(since)
        self.scanner = Scanner(since)
        self._base = 0  # lines of the file before the block

    def read(self, source: str, lines: Iterable[Chunk]) -> None:
        """Read one file given as chunks of whole lines (see ``chunks``)."""
        self.start(source)
        for block, lo, hi in lines:
            self.apply(self.scanner.scan(block, lo, hi, set(self.tracker.pending_exc)))

    def start(self, source: str) -> None:
        """Start reading a file: its first block comes next."""
        self.tracker.source = source
        self._base = 0

    def apply(self, scan: Scan) -> None:
        """Apply the records of the next block of the file to the tracker."""
        tracker = self.tracker
        base = self._base
        for line, when, fields, event in scan.records:
            tracker.lineno = base + line
            if len(fields) == 2:
                tracker.apache_line(fields[0], fields[1], when)
            else:
                tracker.wsgi_line(fields, when, event)
        self.counts.add(scan)
        self._base += scan.lines
