# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Line-by-line reading of an error log into the library's restart tracker: the plain
reference the block reader (literal scan, lookbehind regex, chunks) is tested against,
and a way to feed hand-made lines.

Every line's header is matched with the regex below (written here, not imported) for
``first_time`` and ``last_time`` (the first and last well-formed line); a line holding
``[wsgi:`` or ``AH004`` is parsed, the other lines are only counted. The report is built by the
library's ``report.build``.
"""

from __future__ import annotations

import re

from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log import report
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.base import (
    DEFAULT_MAX_RESTARTS,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.events import classify
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.groups import (
    GroupTable,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.reader import (
    LineCounts,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.restarts import (
    Tracker,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.times import LogClock

# Apache 2.4's default ErrorLogFormat: "[time] [module:level] [pid P:tid T] ...".
HEADER = re.compile(
    rb"\[(?:[A-Z][a-z]{2}) ([A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d)(?:\.(\d{1,6}) | )(\d{4})\] "
    rb"\[([\w.-]*):(\w+)\] \[pid (\d+)(?::tid (\d+)\] |\] )"
    rb"(?:\[(?:client|remote) ([^\]]*)\] |)"
    rb"(?:\[script [^\]]*\] |)"
    rb"(?:(WSGI\d{4}|AH\d{5}): |)"
    rb"(?:\[script [^\]]*\] |)"
    rb"(?:mod_wsgi \(pid=(\d+)(?:, process='([^']*)'[^)]*\): |\): )|)"
    rb"([^\r\n]*)"
)
MARKS = (b"[wsgi:", b"AH004")


class LineReader:
    """Feed lines (bytes, with or without their newline) one at a time."""

    def __init__(
        self,
        source="test",
        since=None,
        process_group=None,
        max_restarts=DEFAULT_MAX_RESTARTS,
        app_paths=None,
    ):
        self.tracker = Tracker(GroupTable(process_group, max_restarts), app_paths)
        self.tracker.source = source
        self.counts = LineCounts(since)
        self.clock = LogClock()

    def feed(self, raw):
        counts = self.counts
        counts.lines += 1
        header = HEADER.match(raw)
        when = self.clock.seconds(*header.group(1, 2, 3)) if header else None
        if when is not None:
            if counts.first_time is None:
                counts.first_time = when
            counts.last_time = when
        if not any(mark in raw for mark in MARKS):
            return
        if when is None:
            counts.lines_unparsed += 1
            return
        if counts.since is not None and when < counts.since:
            counts.lines_before_since += 1
            return
        self.tracker.lineno = counts.lines
        fields = header.groups()
        if fields[3] == b"wsgi":
            event = classify(fields[11])
            if event is not None or self.tracker.pending_exc:
                self.tracker.wsgi_line(fields[5:], when, event)
        elif fields[8] is not None:
            self.tracker.apache_line(fields[8], fields[11], when)

    def result(self):
        return report.build(self.tracker, self.counts)


def split_lines(data):
    """The lines of ``data`` as the reader sees them: split after each newline only."""
    lines = data.split(b"\n")
    last = lines.pop()
    return [line + b"\n" for line in lines] + ([last] if last else [])


def read_lines(lines, **options):
    """The report of ``lines`` (bytes or str) read one at a time."""
    reader = LineReader(**options)
    for line in lines:
        reader.feed(line if isinstance(line, bytes) else line.encode())
    return reader.result()
