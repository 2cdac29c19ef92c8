# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Streaming parser for Apache error logs written by mod_wsgi daemon mode.

Turns the lines of one or more error logs into a report of daemon process restarts
(why, when, which pid, the stack of every thread dumped on request-timeout), the
code locations that were running when request-timeout fired (culprits), and the
failures clients saw (by kind, per daemon process group), with the failures that a
restart caused attributed to it (victims).

Formats understood: mod_wsgi 4.x/5.x (``mod_wsgi (pid=N): `` prefix) and 6.x
(``WSGI####:`` codes, no prefix), in Apache 2.4's default ErrorLogFormat
(``[time] [module:level] [pid P:tid T] ...``). Lines of several processes may be
interleaved: state is kept per daemon pid. Unknown or damaged lines are counted and
skipped. Memory is bounded whatever the size of the log: files are read in blocks of
``BLOCK_SIZE`` bytes cut at a line end, and every list or map kept between lines has a
cap (see the ``MAX_*`` constants); what goes over a cap is still counted. Within a
block, one C-speed regex pass checks every line's header (for the line counts) and only
the lines that can matter, ``[wsgi:*]`` lines and Apache's AH00489/AH00491-AH00494
notices, are parsed in Python.

No Ansible imports: the module ``wsgiscale.mod_wsgi.restart_info`` is a thin wrapper.
"""

from __future__ import annotations

import calendar
import datetime
import glob
import gzip
import os
import re
from collections import OrderedDict, deque
from typing import Any, Deque, Dict, Iterable, Iterator, List, Optional, Tuple

NAME = "wsgiscale.mod_wsgi.restart_info"

# Caps on what is kept between lines (everything is still counted).
MAX_OPEN_RECORDS = 1024  # restarts in progress (per daemon pid)
MAX_KNOWN_PIDS = 8192  # daemon pid -> group map
MAX_THREADS = 64  # threads kept per stack dump
MAX_FRAMES = 128  # frames kept per thread
MAX_CALLERS = 16  # caller frames kept per culprit
MAX_CALLER_CHAINS = 10  # distinct caller chains kept per culprit
MAX_CULPRITS = 500  # distinct culprit locations kept per group
MAX_GROUPS = 1000  # distinct group names kept (then "(other)")
MAX_SAMPLES = 20  # failure samples kept per group and victims per restart
MAX_RECENT = 64  # unattributed failures remembered per group for late attribution
MAX_PENDING_EXC = 256  # (pid, tid) awaiting the last line of a traceback

# A daemon killed outright (no trigger line) is noticed by the Apache parent up to
# a second later: failures this many seconds before the death line are its victims.
DEATH_LOOKBACK = 2.0
# An Apache stop/restart notice applies to deregistrations this close to it.
APACHE_EVENT_WINDOW = 5.0
# A restart whose end was never logged (log cut, process killed while stopping) stops
# collecting victims this long after its first line; shutdown-timeout and
# graceful-timeout are seconds, not minutes.
STALE_AFTER = 300.0

UNKNOWN_GROUP = "(unknown)"
OTHER_GROUP = "(other)"

# Reasons whose own log line starts a restart (its trigger).
TRIGGER_REASONS = (
    "request-timeout",
    "deadlock-timeout",
    "inactivity-timeout",
    "startup-timeout",
    "restart-interval",
    "maximum-requests",
)

REASONS = (
    *TRIGGER_REASONS,
    "graceful-timeout",
    "signal",
    "exit",
    "shutdown-requested",
    "apache-shutdown",
    "apache-restart",
    "apache-graceful",
    "apache-stop",
    "unknown",
)

# kind -> HTTP status the client got, per format ("4" = 4.x/5.x, "6" = 6.x)
FAILURE_KINDS = {
    "truncated-response": {"4": 500, "6": 502},
    "socket-timeout": {"4": 504, "6": 504},
    "queue-timeout": {"4": 504, "6": 504},
    "connect-failed": {"4": 503, "6": 503},
    "app-exception": {"4": 500, "6": 500},
    "script-load-failed": {"4": 500, "6": 500},
    "request-interrupted": {"4": 504, "6": 504},
    "no-such-group": {"4": 500, "6": 500},
}
# Failures that a restart causes; the others are never attributed to one.
VICTIM_KINDS = frozenset(
    ("truncated-response", "socket-timeout", "queue-timeout", "connect-failed")
)

_APACHE_NOTICES = {
    b"AH00491": "apache-shutdown",  # caught SIGTERM, shutting down
    b"AH00492": "apache-shutdown",  # caught SIGWINCH, shutting down gracefully
    b"AH00493": "apache-graceful",  # SIGUSR1 received.  Doing graceful restart
    b"AH00494": "apache-restart",  # SIGHUP received.  Attempting to restart
}
_GENERATION_START = b"AH00489"  # Apache/... configured -- resuming normal operations

_MONTHS = {
    b"Jan": 1,
    b"Feb": 2,
    b"Mar": 3,
    b"Apr": 4,
    b"May": 5,
    b"Jun": 6,
    b"Jul": 7,
    b"Aug": 8,
    b"Sep": 9,
    b"Oct": 10,
    b"Nov": 11,
    b"Dec": 12,
}

# Optional parts are written (?:X|) rather than (?:X)?: the same alternatives in the same
# order, and a third faster in the re engine.
_HEADER = re.compile(
    rb"\[(?:[A-Z][a-z]{2}) ([A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d)(?:\.(\d{1,6}) | )(\d{4})\] "
    rb"\[([\w.-]*):(\w+)\] \[pid (\d+)(?::tid (\d+)\] |\] )"
    rb"(?:\[(?:client|remote) ([^\]]*)\] |)"
    rb"(?:\[script [^\]]*\] |)"
    rb"(?:(WSGI\d{4}|AH\d{5}): |)"
    rb"(?:\[script [^\]]*\] |)"
    rb"(?:mod_wsgi \(pid=(\d+)(?:, process='([^']*)'[^)]*\): |\): )|)"
    rb"([^\r\n]*)"
)

# Bytes read at a time; a block is cut after its last newline.
BLOCK_SIZE = 1 << 20

# What makes a line parsed (``_HEADER`` matches and the month is known), as a lookahead
# after a newline: ``findall`` over a block checks every line at C speed.
_VALID = (
    rb"\[[A-Z][a-z]{2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d "
    rb"\d\d:\d\d:\d\d(?:\.\d{1,6})? \d{4}\] \[[\w.-]*:\w+\] \[pid \d+(?::tid \d+)?\] "
)
# One entry per newline: "[" when the line after it is parsed, b"" when not.
_LINE_STARTS = re.compile(rb"\n(?:(?=" + _VALID + rb")(\[))?")
# The same with the time of each parsed line, for ``since``.
_LINE_STAMPS = re.compile(
    rb"\n(?=\[[A-Z][a-z]{2} ((?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d "
    rb"\d\d:\d\d:\d\d)(?:\.(\d{1,6}))? (\d{4})\] \[[\w.-]*:\w+\] \[pid \d+(?::tid \d+)?\] )"
)
# Only lines holding one of these can change the report (see RestartReport._feed_marked).
_WSGI_MARK = b"] [wsgi:"
_APACHE_MARK = b"AH004"

_G = rb"'([^']*)'"
_PROC = rb"(?:daemon )?process " + _G
_D = (b"Daem",)
_P = (b"Proc",)
# (event, first 4 bytes of the messages it can match or () for any, pattern); every
# pattern's own groups are unnamed, see _compile_events.
_EVENT_PATTERNS = (
    ("called", (b"call",), rb'called from file "(.*)", line (\d+), in (.*?)([.,]?)$'),
    ("thread", (b"Thre",), rb'Thread (\d+) executing file "(.*)", line (\d+), in (.*?)\.?$'),
    ("start", (b"Star",), rb"Starting " + _PROC),
    (
        "request-timeout",
        _D,
        rb"Daemon process request time limit exceeded(?:, stopping |; waiting for in-flight "
        rb"requests to complete in )" + _PROC,
    ),
    ("deadlock-timeout", _D, rb"Daemon process deadlock timer expired, stopping " + _PROC),
    (
        "inactivity-timeout",
        _D,
        rb"Daemon process idle inactivity timer expired, stopping " + _PROC,
    ),
    ("startup-timeout", (b"Appl",), rb"Application startup timer expired, stopping " + _PROC),
    ("restart-interval", (b"Appl",), rb"Application restart timer expired, stopping " + _PROC),
    ("maximum-requests", (b"Maxi",), rb"Maximum requests reached[^']*" + _G),
    (
        "graceful-timeout",
        _D,
        rb"Daemon process (?:graceful timer expired |restart timer expired in daemon process )"
        + _G,
    ),
    ("shutdown", (b"Shut",), rb"Shutdown requested (?:for daemon process )?" + _G),
    ("dump", (b"Dump",), rb"Dumping stack trace for active Python threads"),
    (
        "interrupt",
        (b"Dump",),
        rb"Dumping stack trace for thread (\d+) of daemon process " + _G + rb" which has exceeded",
    ),
    (
        "abort",
        (b"Abor", b"Shut"),
        rb"(?:Aborting process |Shutdown timeout expired; aborting daemon process )" + _G,
    ),
    ("exiting", (b"Exit",), rb"Exiting " + _PROC),
    ("died", _P, rb"Process " + _G + rb" (?:\(pid=(\d+)\) )?has died"),
    ("signal", _P, rb"Process " + _G + rb" (?:\(pid=(\d+)\) )?terminated by signal (\d+)"),
    (
        "exit",
        _P,
        rb"Process " + _G + rb" (?:\(pid=(\d+)\) )?terminated normally, exit code (-?\d+)",
    ),
    (
        "dereg-pending",
        (b"Proc", b"Dere"),
        rb"(?:Process " + _G + rb" to be deregistered, as server is restarting|"
        rb"Deregistering daemon process " + _G + rb" \(pid=(\d+)\); server is restarting)",
    ),
    ("deregistered", _P, rb"Process " + _G + rb" (?:\(pid=(\d+)\) )?has been deregistered"),
    (
        "truncated-response",
        (b"Trun",),
        rb"Truncated or oversized response headers received from " + _PROC,
    ),
    (
        "truncated-response",
        _D,
        rb"Daemon process " + _G + rb" closed connection before sending complete response",
    ),
    ("truncated-response", (b"Erro",), rb"Error reading response headers from " + _PROC),
    ("socket-timeout", (b"Time",), rb"Timeout when reading response headers from " + _PROC),
    ("queue-timeout", (b"Queu",), rb"Queue timeout expired for WSGI " + _PROC),
    ("connect-failed", (b"Unab",), rb"Unable to connect to WSGI " + _PROC),
    ("no-such-group", (b"No W",), rb"No WSGI daemon process called " + _G),
    ("app-exception", (b"Exce",), rb"Exception occurred processing WSGI script " + _G),
    ("app-exception", (), rb"(\S+) exception raised processing WSGI script " + _G),
    (
        "script-load-failed",
        (b"Fail", b"Unab"),
        rb"(?:Failed to exec|Unable to execute) Python script file " + _G,
    ),
    ("request-interrupted", (b"Requ",), rb"Request interrupted by RequestTimeout"),
)

_TRIGGERS = frozenset(TRIGGER_REASONS)


_EventTable = Dict[int, Tuple[str, Tuple[int, ...]]]


def _compile_events(key: Optional[bytes]) -> Tuple[re.Pattern[bytes], _EventTable]:
    """One alternation of the patterns that can match a message starting with ``key``
    (None: one starting with no known key), in table order; each alternative is an
    outer group, so ``lastindex`` says which event matched; the table gives the event
    name and the indexes of its own groups."""
    parts = []
    table = {}
    index = 1
    for event, starts, pattern in _EVENT_PATTERNS:
        if starts and key not in starts:
            continue
        inner = re.compile(pattern).groups
        parts.append(b"(" + pattern + b")")
        table[index] = (event, tuple(range(index + 1, index + 1 + inner)))
        index += 1 + inner
    return re.compile(b"|".join(parts)), table


# Message start (4 bytes) -> the alternation to try; the first matching pattern wins,
# as in one alternation of all of them.
_EVENTS_BY_START = {
    key: _compile_events(key) for _e, starts, _p in _EVENT_PATTERNS for key in starts
}
_EVENTS_OTHER = _compile_events(None)


def _classify(msg: bytes) -> Optional[Tuple[str, Tuple[Optional[bytes], ...]]]:
    """The event a mod_wsgi message reports and its pattern's groups, or None."""
    pattern, table = _EVENTS_BY_START.get(msg[:4], _EVENTS_OTHER)
    event = pattern.match(msg)
    if event is None:
        return None
    name, indexes = table[event.lastindex]
    return name, (event.group(*indexes) if len(indexes) > 1 else (event.group(*indexes),))


# Frames whose file is in Python's own library or an installed package.
_LIBRARY = re.compile(r"^<|/lib(?:64)?/python\d[\d.]*t?/|/(?:site|dist)-packages/|/lib/pypy")

_EPOCH = datetime.datetime(1970, 1, 1)


class ErrorLogError(ValueError):
    """Invalid input to the error log parser; the message names the option and value."""


def _text(raw: Optional[bytes]) -> str:
    return raw.decode("utf-8", "replace") if raw is not None else ""


def to_iso(seconds: Optional[float]) -> Optional[str]:
    """Log time (seconds since the epoch, log-local wall clock) to ISO 8601 text."""
    if seconds is None:
        return None
    return (_EPOCH + datetime.timedelta(seconds=round(seconds, 6))).isoformat()


def _wall_seconds(moment: datetime.datetime) -> float:
    """A naive wall-clock datetime as seconds on the same scale as the log times."""
    return (moment - _EPOCH).total_seconds()


_APACHE_TIME = re.compile(
    r"^(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) )?([A-Z][a-z]{2}) +(\d{1,2}) "
    r"(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))? (\d{4})$"
)
_RELATIVE = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhdw])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_since(value: Any, now: Optional[datetime.datetime] = None) -> Optional[float]:
    """Parse the ``since`` option into log-scale seconds (None when unset).

    Accepts ISO 8601 (``2026-11-26T17:27:57``, a date, an offset or ``Z``: aware times
    are converted to this host's local time, the clock Apache writes its log in),
    Apache's own format (``Thu Nov 26 17:27:57 2026``, the weekday optional) and a
    relative age: a number and a unit of s, m, h, d or w (``90m``, ``1.5h``, ``7d``).
    """
    if value is None or value == "":
        return None
    text = str(value).strip()
    local_now = now if now is not None else datetime.datetime.now()
    relative = _RELATIVE.match(text)
    if relative:
        delta = float(relative.group(1)) * _UNITS[relative.group(2)]
        return _wall_seconds(local_now) - delta
    apache = _APACHE_TIME.match(text)
    if apache:
        month = _MONTHS.get(apache.group(1).encode())
        if month is None:
            raise ErrorLogError(_since_error(value))
        try:
            moment = datetime.datetime(
                int(apache.group(7)),
                month,
                int(apache.group(2)),
                int(apache.group(3)),
                int(apache.group(4)),
                int(apache.group(5)),
                int((apache.group(6) or "0").ljust(6, "0")),
            )
        except ValueError:
            raise ErrorLogError(_since_error(value)) from None
        return _wall_seconds(moment)
    iso = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    try:
        moment = datetime.datetime.fromisoformat(iso)
    except ValueError:
        raise ErrorLogError(_since_error(value)) from None
    if moment.tzinfo is not None:
        moment = moment.astimezone().replace(tzinfo=None)
    return _wall_seconds(moment)


def _since_error(value: Any) -> str:
    return (
        f"{NAME}: option since={value!r} is not a time; expected ISO 8601 (2026-11-26T17:27:57), "
        "Apache's format (Thu Nov 26 17:27:57 2026) or an age such as 30m, 2h, 7d"
    )


class _Record:
    """One daemon process restart being assembled from its lines."""

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


class _Group:
    """Everything counted for one daemon process group."""

    def __init__(self, max_restarts: int) -> None:
        self.restarts: Deque[Dict[str, Any]] = deque(maxlen=max_restarts or None)
        self.restarts_total = 0
        self.by_reason: Dict[str, int] = {}
        self.interrupts: Deque[Dict[str, Any]] = deque(maxlen=max_restarts or None)
        self.interrupts_total = 0
        self.culprits: Dict[Tuple[str, int, str], Dict[str, Any]] = {}
        self.culprits_omitted = 0
        self.failures: Deque[Dict[str, Any]] = deque(maxlen=MAX_SAMPLES)
        self.failures_total = 0
        self.failures_by_kind: Dict[str, int] = {}
        self.failures_by_status: Dict[str, int] = {}
        self.victims_total = 0
        self.recent: Deque[Dict[str, Any]] = deque(maxlen=MAX_RECENT)
        self.open: List[_Record] = []


class RestartReport:
    """Feed error log lines (bytes) in time order; ``result()`` gives the report."""

    def __init__(
        self,
        since: Optional[float] = None,
        process_group: Optional[str] = None,
        max_restarts: int = 50,
        app_paths: Optional[Iterable[str]] = None,
    ) -> None:
        if max_restarts < 0:
            raise ErrorLogError(
                f"{NAME}: option max_restarts={max_restarts!r} must be 0 (no detail) or more"
            )
        self.since = since
        self.process_group = process_group
        self.max_restarts = max_restarts
        self.app_paths = tuple(app_paths or ())
        self.lines = 0
        self.lines_unparsed = 0
        self.lines_before_since = 0
        self.first_time: Optional[float] = None
        self.last_time: Optional[float] = None
        self.versions: Dict[str, int] = {}
        self.groups: Dict[str, _Group] = {}
        self.open: Dict[int, _Record] = OrderedDict()
        self.pid_group: Dict[int, str] = OrderedDict()
        self.closed_pids: Dict[int, bool] = OrderedDict()
        self.interrupts: Dict[int, _Record] = {}
        self.pending_exc: Dict[Tuple[int, int], Dict[str, Any]] = OrderedDict()
        self.apache_event: Optional[Tuple[str, float]] = None
        self._stamp_hms = b""
        self._stamp_year = b""
        self._stamp_value = 0.0
        self._source = ""
        self._lineno = 0

    # ----------------------------------------------------------------- input
    def feed_file(self, source: str, stream: Iterable[bytes]) -> None:
        """Feed every line of one file (an iterable of bytes lines)."""
        self._source = source
        lineno = 0
        feed = self.feed
        for lineno, raw in enumerate(stream, 1):
            self._lineno = lineno
            feed(raw)
        self._lineno = lineno

    def _stamp(self, hms: bytes, micro: Optional[bytes], year: bytes) -> Optional[float]:
        """Log time of a header's fields; None for an unknown month."""
        if hms != self._stamp_hms or year != self._stamp_year:
            month = _MONTHS.get(hms[:3])
            if month is None:
                return None
            day = int(hms[4:6])
            self._stamp_value = float(
                calendar.timegm(
                    (int(year), month, day, int(hms[7:9]), int(hms[10:12]), int(hms[13:15]))
                )
            )
            self._stamp_hms = hms
            self._stamp_year = year
        if micro:
            return self._stamp_value + int(micro) / (10.0 ** len(micro))
        return self._stamp_value

    def feed(self, raw: bytes) -> None:
        """Process one line (bytes, with or without its newline)."""
        self.lines += 1
        header = _HEADER.match(raw)
        if header is None:
            self.lines_unparsed += 1
            return
        fields = header.groups()
        when = self._stamp(fields[0], fields[1], fields[2])
        if when is None:
            self.lines_unparsed += 1
            return
        if self.since is not None and when < self.since:
            self.lines_before_since += 1
            return
        if self.first_time is None:
            self.first_time = when
        self.last_time = when
        if fields[3] == b"wsgi":
            self._wsgi_line(fields, when, _classify(fields[11]))
        elif fields[8] is not None:
            self._apache_line(fields[8], fields[11], when)

    def feed_blocks(self, source: str, blocks: Iterable[bytes]) -> None:
        """Feed one file as blocks of whole lines: each block starts with a newline (the
        end of the previous line, or one put in front of the first line) and ends with
        one. Gives the same report as ``feed_file`` on the lines of the blocks."""
        self._source = source
        lineno = 0
        for block in blocks:
            lineno = self._feed_block(block, lineno)
        self._lineno = lineno

    def _feed_block(self, block: bytes, lineno: int) -> int:
        last = len(block) - 1  # the final newline starts no line
        if self.since is None:
            starts = _LINE_STARTS.findall(block, 0, last)
            count = len(starts)
            parsed = count - starts.count(b"")
            if parsed:
                if self.first_time is None:
                    self.first_time = self._edge_time(block, starts, first=True)
                self.last_time = self._edge_time(block, starts, first=False)
        else:
            count = block.count(b"\n") - 1
            parsed = self._count_since(_LINE_STAMPS.findall(block, 0, last))
        self.lines += count
        self.lines_unparsed += count - parsed
        self._feed_marked(block, lineno)
        return lineno + count

    def _edge_time(self, block: bytes, starts: List[bytes], first: bool) -> Optional[float]:
        """Time of the first (or last) parsed line of a block."""
        if first:
            index = starts.index(b"[")
            pos = 0
            for _skip in range(index + 1):
                pos = block.find(b"\n", pos) + 1
        else:
            index = len(starts) - 1
            while not starts[index]:
                index -= 1
            pos = len(block) - 1
            for _skip in range(len(starts) - index):
                pos = block.rfind(b"\n", 0, pos)
            pos += 1
        header = _HEADER.match(block, pos, block.find(b"\n", pos))
        return self._stamp(*header.group(1, 2, 3)) if header is not None else None

    def _count_since(self, stamps: List[Tuple[bytes, bytes, bytes]]) -> int:
        """Count the lines before ``since`` and move first/last time; return how many
        lines were parsed."""
        since = self.since
        before = 0
        first = None
        last = None
        for stamp in stamps:
            when = self._stamp(*stamp)
            if when < since:
                before += 1
            else:
                if first is None:
                    first = when
                last = when
        self.lines_before_since += before
        if first is not None:
            if self.first_time is None:
                self.first_time = first
            self.last_time = last
        return len(stamps)

    def _feed_marked(self, block: bytes, lineno: int) -> None:
        """Parse the lines holding a ``[wsgi:`` module or an AH004xx code, in order."""
        find = block.find
        since = self.since
        wsgi = find(_WSGI_MARK)
        apache = find(_APACHE_MARK)
        counted = 0  # lineno is the number of the line starting before ``counted``
        while wsgi >= 0 or apache >= 0:
            hit = wsgi if apache < 0 or 0 <= wsgi < apache else apache
            end = find(b"\n", hit)
            if 0 <= wsgi < end:
                wsgi = find(_WSGI_MARK, end)
            if 0 <= apache < end:
                apache = find(_APACHE_MARK, end)
            start = block.rfind(b"\n", 0, hit) + 1
            header = _HEADER.match(block, start, end)
            if header is None:
                continue
            fields = header.groups()
            event = None
            if fields[3] == b"wsgi":
                event = _classify(fields[11])
                if event is None and not self.pending_exc:
                    continue
            elif fields[8] is None:
                continue
            when = self._stamp(fields[0], fields[1], fields[2])
            if when is None or (since is not None and when < since):
                continue
            lineno += block.count(b"\n", counted, start)
            counted = start
            self._lineno = lineno
            if fields[3] == b"wsgi":
                self._wsgi_line(fields, when, event)
            else:
                self._apache_line(fields[8], fields[11], when)

    def _wsgi_line(self, fields: Tuple[Any, ...], when: float, event) -> None:
        """Act on a mod_wsgi line at or after ``since``; ``event`` from ``_classify``."""
        pid, tid, client, code, wpid, wgroup, msg = fields[5:]
        if event is None:
            if self.pending_exc:
                self._exception_detail(int(pid), tid, msg)
            return
        name, args = event
        line_pid = int(pid)
        daemon_pid = int(wpid) if wpid is not None else line_pid
        fmt = "6" if code is not None and code.startswith(b"WSGI") else "4"
        if wgroup is not None:
            self._know(daemon_pid, _text(wgroup))
        handler = _HANDLERS.get(name)
        if handler is not None:
            handler(self, args, daemon_pid, when, msg)
        else:
            self._failure(
                name, args, line_pid=line_pid, tid=tid, client=client, fmt=fmt, when=when, msg=msg
            )

    # ------------------------------------------------------------- helpers
    def _know(self, pid: int, group: str) -> None:
        known = self.pid_group
        if known.get(pid) != group:
            known[pid] = group
            if len(known) > MAX_KNOWN_PIDS:
                del known[next(iter(known))]

    def _group_of(self, pid: int) -> str:
        return self.pid_group.get(pid, UNKNOWN_GROUP)

    def _group(self, name: str) -> Optional[_Group]:
        if self.process_group is not None and name != self.process_group:
            return None
        group = self.groups.get(name)
        if group is None:
            if len(self.groups) >= MAX_GROUPS:
                name = OTHER_GROUP
                group = self.groups.get(name)
            if group is None:
                group = _Group(self.max_restarts)
                self.groups[name] = group
        return group

    def _record(self, pid: int, group: str, when: float) -> _Record:
        """The restart in progress for ``pid``, opened if there is none."""
        record = self.open.get(pid)
        if record is None:
            record = _Record(pid, group, when, self._source, self._lineno)
            self.open[pid] = record
            self.closed_pids.pop(pid, None)
            state = self._group(group)
            if state is not None:
                state.open.append(record)
            if len(self.open) > MAX_OPEN_RECORDS:
                self._close(self.open[next(iter(self.open))])
        return record

    def _apache_line(self, code: bytes, msg: bytes, when: float) -> None:
        if code == _GENERATION_START:
            version = re.search(rb"mod_wsgi/([\d.]+)", msg)
            if version:
                key = _text(version.group(1))
                self.versions[key] = self.versions.get(key, 0) + 1
            for record in [r for r in self.open.values() if r.apache is not None]:
                self._close(record)
            self.apache_event = None
            return
        kind = _APACHE_NOTICES.get(code)
        if kind is None:
            return
        self.apache_event = (kind, when)
        for record in self.open.values():
            if record.apache == "pending" and abs(record.time - when) <= APACHE_EVENT_WINDOW:
                record.apache = kind

    def _apache_open(self, pid: int, group: str, when: float, msg: bytes) -> None:
        if pid in self.closed_pids:
            return
        record = self._record(pid, group, when)
        if record.apache is None and record.reason is None:
            event = self.apache_event
            recent = event is not None and when - event[1] <= APACHE_EVENT_WINDOW
            record.apache = event[0] if recent and event is not None else "pending"
            record.message = _text(msg)

    # ------------------------------------------------------------ handlers
    def _on_start(self, args, daemon_pid, when, msg):
        self._know(daemon_pid, _text(args[0]))
        # A pid starting again is a new process (pids are reused, logs are concatenated).
        self.closed_pids.pop(daemon_pid, None)
        stale = self.open.get(daemon_pid)
        if stale is not None:
            self._close(stale)

    def _on_trigger(self, name, args, daemon_pid, when, msg):
        group = _text(args[0])
        self._know(daemon_pid, group)
        record = self._record(daemon_pid, group, when)
        if record.reason is None:
            record.reason = name
            record.time = when
            record.message = _text(msg)
            record.source = self._source
            record.line = self._lineno
        elif name == "graceful-timeout":
            record.graceful_expired = True

    def _on_shutdown(self, args, daemon_pid, when, msg):
        group = _text(args[0])
        self._know(daemon_pid, group)
        record = self.open.get(daemon_pid)
        if record is None:
            record = self._record(daemon_pid, group, when)
            record.message = _text(msg)
        record.shutdown = True

    def _on_dump(self, args, daemon_pid, when, msg):
        record = self.open.get(daemon_pid)
        if record is None:
            # Only request-timeout dumps the stacks of all threads.
            record = self._record(daemon_pid, self._group_of(daemon_pid), when)
            record.reason = "request-timeout"
            record.message = _text(msg)
        record.thread = None

    def _on_interrupt(self, args, daemon_pid, when, msg):
        group = _text(args[1])
        self._know(daemon_pid, group)
        self._end_interrupt(daemon_pid)
        record = _Record(daemon_pid, group, when, self._source, self._lineno)
        record.reason = "request-timeout"
        record.message = _text(msg)
        self.interrupts[daemon_pid] = record

    def _frame_target(self, pid: int) -> Optional[_Record]:
        record = self.interrupts.get(pid)
        return record if record is not None else self.open.get(pid)

    def _on_thread(self, args, daemon_pid, when, msg):
        record = self._frame_target(daemon_pid)
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

    def _on_called(self, args, daemon_pid, when, msg):
        record = self._frame_target(daemon_pid)
        if record is None or record.thread is None:
            return
        thread = record.thread
        if len(thread["frames"]) < MAX_FRAMES:
            thread["frames"].append(_frame(args[0], args[1], args[2]))
        else:
            thread["frames_omitted"] += 1
        if args[3] != b",":
            record.thread = None
            if record is self.interrupts.get(daemon_pid):
                self._end_interrupt(daemon_pid)

    def _on_abort(self, args, daemon_pid, when, msg):
        record = self._record(daemon_pid, _text(args[0]), when)
        record.aborted = True

    def _on_exiting(self, args, daemon_pid, when, msg):
        record = self.open.get(daemon_pid)
        if record is not None and record.apache is not None and record.reason is None:
            record.ended = when
            self._close(record)

    def _on_died(self, args, daemon_pid, when, msg):
        pid = int(args[1]) if args[1] is not None else daemon_pid
        group = _text(args[0])
        self._know(pid, group)
        fresh = pid not in self.open
        record = self._record(pid, group, when)
        record.dying = True
        record.ended = when
        if fresh:
            self._claim_recent(record, when - DEATH_LOOKBACK)

    def _on_signal(self, args, daemon_pid, when, msg):
        pid = int(args[1]) if args[1] is not None else daemon_pid
        record = self.open.get(pid)
        if record is not None:
            record.signal = int(args[2])

    def _on_exit(self, args, daemon_pid, when, msg):
        pid = int(args[1]) if args[1] is not None else daemon_pid
        record = self.open.get(pid)
        if record is not None:
            record.exit_code = int(args[2])

    def _on_dereg_pending(self, args, daemon_pid, when, msg):
        pid = int(args[2]) if args[2] is not None else daemon_pid
        group = _text(args[0] if args[0] is not None else args[1])
        self._know(pid, group)
        self.closed_pids.pop(pid, None)
        self._apache_open(pid, group, when, msg)

    def _on_deregistered(self, args, daemon_pid, when, msg):
        pid = int(args[1]) if args[1] is not None else daemon_pid
        record = self.open.get(pid)
        if record is not None and record.dying:
            self._close(record)
        elif record is None:
            # A graceful restart deregisters without announcing it first.
            self._apache_open(pid, _text(args[0]), when, msg)

    def _end_interrupt(self, pid: int) -> None:
        record = self.interrupts.pop(pid, None)
        if record is None:
            return
        state = self._group(record.group)
        if state is None:
            return
        state.interrupts_total += 1
        entry = self._finish_threads(record, state)
        if self.max_restarts:
            del entry["victims"], entry["ended"], entry["signal"], entry["exit_code"]
            state.interrupts.append(entry)

    # ------------------------------------------------------------ failures
    def _failure(self, kind, args, *, line_pid, tid, client, fmt, when, msg):
        if kind in ("app-exception", "script-load-failed", "request-interrupted"):
            group_name = self._group_of(line_pid)
        else:
            group_name = _text(args[-1])
        key = (line_pid, int(tid) if tid is not None else 0)
        pending = self.pending_exc.get(key)
        if (
            kind == "app-exception"
            and pending is not None
            and pending["kind"] == "script-load-failed"
        ):
            return  # the same failure, logged twice by 4.x
        state = self._group(group_name)
        if state is None:
            return
        status = FAILURE_KINDS[kind][fmt]
        failure = {
            "time": to_iso(when),
            "kind": kind,
            "status": status,
            "client": _text(client) or None,
            "message": _text(msg),
            "source": self._source,
            "line": self._lineno,
        }
        if kind in ("app-exception", "script-load-failed"):
            failure["exception"] = (
                _text(args[0]) if fmt == "6" and kind == "app-exception" else None
            )
            self.pending_exc[key] = failure
            if len(self.pending_exc) > MAX_PENDING_EXC:
                del self.pending_exc[next(iter(self.pending_exc))]
        state.failures_total += 1
        state.failures_by_kind[kind] = state.failures_by_kind.get(kind, 0) + 1
        skey = str(status)
        state.failures_by_status[skey] = state.failures_by_status.get(skey, 0) + 1
        state.failures.append(failure)
        if kind not in VICTIM_KINDS:
            return
        while state.open and when - state.open[0].time > STALE_AFTER:
            self._close(state.open[0])
        if state.open:
            self._attribute(state.open[0], state, failure)
        else:
            state.recent.append(dict(failure, _when=when))

    def _exception_detail(self, pid: int, tid: Optional[bytes], msg: bytes) -> None:
        key = (pid, int(tid) if tid is not None else 0)
        failure = self.pending_exc.get(key)
        if failure is None or msg.startswith((b" ", b"Traceback", b"\t")):
            return
        failure["exception"] = _text(msg.strip())
        del self.pending_exc[key]

    def _attribute(self, record: _Record, state: _Group, failure: Dict[str, Any]) -> None:
        record.victims_total += 1
        kind = failure["kind"]
        record.victims_by_kind[kind] = record.victims_by_kind.get(kind, 0) + 1
        if len(record.victims) < MAX_SAMPLES:
            record.victims.append(
                {k: failure[k] for k in ("time", "kind", "status", "client", "source", "line")}
            )
        state.victims_total += 1

    def _claim_recent(self, record: _Record, earliest: float) -> None:
        state = self._group(record.group)
        if state is None or not state.recent:
            return
        keep = deque(maxlen=MAX_RECENT)
        for failure in state.recent:
            if failure["_when"] >= earliest:
                self._attribute(record, state, failure)
            else:
                keep.append(failure)
        state.recent = keep

    # ------------------------------------------------------------- closing
    def _close(self, record: _Record) -> None:  # noqa: C901 - split in the structure work
        self.open.pop(record.pid, None)
        self.closed_pids[record.pid] = True
        if len(self.closed_pids) > MAX_KNOWN_PIDS:
            del self.closed_pids[next(iter(self.closed_pids))]
        state = self._group(record.group)
        if state is None:
            return
        if record in state.open:
            state.open.remove(record)
        reason = record.reason
        if reason is None:
            if record.apache is not None:
                reason = "apache-stop" if record.apache == "pending" else record.apache
            elif record.signal is not None:
                reason = "signal"
            elif record.shutdown:
                reason = "shutdown-requested"
            elif record.exit_code is not None:
                reason = "exit"
            elif record.graceful_expired:
                reason = "graceful-timeout"
            else:
                reason = "unknown"
        record.reason = reason
        state.restarts_total += 1
        state.by_reason[reason] = state.by_reason.get(reason, 0) + 1
        entry = self._finish_threads(record, state)
        if self.max_restarts:
            state.restarts.append(entry)

    def _finish_threads(self, record: _Record, state: _Group) -> Dict[str, Any]:
        threads = []
        for thread in record.threads:
            index = self._culprit_index(thread["frames"])
            culprit = thread["frames"][index]
            callers = thread["frames"][index + 1 : index + 1 + MAX_CALLERS]
            self._count_culprit(state, culprit, callers)
            threads.append(dict(thread, culprit=culprit))
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
            "threads": threads,
            "threads_omitted": record.threads_omitted,
            "victims": {
                "total": record.victims_total,
                "by_kind": dict(record.victims_by_kind),
                "samples": record.victims,
            },
        }

    def _culprit_index(self, frames: List[Dict[str, Any]]) -> int:
        for index, frame in enumerate(frames):
            if self.is_app_file(frame["file"]):
                return index
        return 0

    def is_app_file(self, path: str) -> bool:
        """Whether a frame's file is application code (not Python's library or a package)."""
        if self.app_paths:
            return path.startswith(self.app_paths)
        return _LIBRARY.search(path) is None

    def _count_culprit(self, state: _Group, culprit, callers) -> None:
        key = (culprit["file"], culprit["line"], culprit["function"])
        entry = state.culprits.get(key)
        if entry is None:
            if len(state.culprits) >= MAX_CULPRITS:
                state.culprits_omitted += 1
                return
            entry = dict(culprit, count=0, callers={}, callers_omitted=0)
            state.culprits[key] = entry
        entry["count"] += 1
        chain = tuple((f["file"], f["line"], f["function"]) for f in callers)
        chains = entry["callers"]
        if chain in chains:
            chains[chain] += 1
        elif len(chains) < MAX_CALLER_CHAINS:
            chains[chain] = 1
        else:
            entry["callers_omitted"] += 1

    # -------------------------------------------------------------- output
    def result(self) -> Dict[str, Any]:
        """Close what is still open (end of input) and return the report."""
        for pid in list(self.interrupts):
            self._end_interrupt(pid)
        for record in list(self.open.values()):
            self._close(record)
        groups = {}
        totals: Dict[str, Any] = {
            "restarts": 0,
            "restarts_by_reason": {},
            "failures": 0,
            "failures_by_kind": {},
            "victims": 0,
            "interrupts": 0,
        }
        for name in sorted(self.groups):
            state = self.groups[name]
            culprits = [_culprit_out(entry) for entry in state.culprits.values()]
            culprits.sort(key=lambda c: (-c["count"], c["file"], c["line"], c["function"]))
            groups[name] = {
                "restarts_total": state.restarts_total,
                "restarts_by_reason": dict(state.by_reason),
                "restarts": list(state.restarts),
                "restarts_omitted": state.restarts_total - len(state.restarts),
                "interrupts_total": state.interrupts_total,
                "interrupts": list(state.interrupts),
                "culprits": culprits,
                "culprits_omitted": state.culprits_omitted,
                "failures_total": state.failures_total,
                "failures_by_kind": dict(state.failures_by_kind),
                "failures_by_status": dict(state.failures_by_status),
                "failures": [_public(f) for f in state.failures],
                "victims_total": state.victims_total,
            }
            totals["restarts"] += state.restarts_total
            totals["failures"] += state.failures_total
            totals["victims"] += state.victims_total
            totals["interrupts"] += state.interrupts_total
            _add(totals["restarts_by_reason"], state.by_reason)
            _add(totals["failures_by_kind"], state.failures_by_kind)
        return {
            "groups": groups,
            "totals": totals,
            "lines": self.lines,
            "lines_unparsed": self.lines_unparsed,
            "lines_before_since": self.lines_before_since,
            "first_time": to_iso(self.first_time),
            "last_time": to_iso(self.last_time),
            "since": to_iso(self.since),
            "mod_wsgi_versions": sorted(self.versions),
        }


def _frame(path: bytes, line: bytes, function: bytes) -> Dict[str, Any]:
    return {"file": _text(path), "line": int(line), "function": _text(function)}


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


def _public(failure: Dict[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in failure.items() if not k.startswith("_")}


def _add(total: Dict[str, int], part: Dict[str, int]) -> None:
    for key, value in part.items():
        total[key] = total.get(key, 0) + value


def _trigger(name: str):
    def handler(self, args, daemon_pid, when, msg):
        self._on_trigger(name, args, daemon_pid, when, msg)

    return handler


_HANDLERS = {
    "start": RestartReport._on_start,
    "shutdown": RestartReport._on_shutdown,
    "dump": RestartReport._on_dump,
    "interrupt": RestartReport._on_interrupt,
    "thread": RestartReport._on_thread,
    "called": RestartReport._on_called,
    "abort": RestartReport._on_abort,
    "exiting": RestartReport._on_exiting,
    "died": RestartReport._on_died,
    "signal": RestartReport._on_signal,
    "exit": RestartReport._on_exit,
    "dereg-pending": RestartReport._on_dereg_pending,
    "deregistered": RestartReport._on_deregistered,
}
for _name in _TRIGGERS | {"graceful-timeout"}:
    _HANDLERS[_name] = _trigger(_name)


# ------------------------------------------------------------------ files
_ROTATED = re.compile(r"^(.*?)(?:[.-](\d+))?(?:\.(?:gz|Z|bz2|xz))?$")


def rotation_key(path: str) -> Tuple[str, int, int, str]:
    """Sort key putting rotated logs oldest first: ``error.log.2.gz``, ``error.log.1``,
    ``error.log``; date-stamped (``error_log-20261126``) ascending, then the live file."""
    match = _ROTATED.match(path)
    base, number = (match.group(1), match.group(2)) if match else (path, None)
    if number is None:
        return (path if match is None else base, 1, 0, path)
    value = int(number)
    # logrotate numbers count back from the live file; dateext stamps count forward.
    return (base, 0, value if len(number) >= 8 else -value, path)


def expand_paths(patterns: Iterable[str]) -> Tuple[List[str], List[str]]:
    """Expand files and globs; return (files oldest first, patterns matching nothing)."""
    found = set()
    missing = []
    for pattern in patterns:
        if glob.has_magic(pattern):
            matches = [p for p in glob.glob(pattern) if not os.path.isdir(p)]
        else:
            matches = [pattern] if os.path.lexists(pattern) else []
        if not matches:
            missing.append(pattern)
        found.update(matches)
    return sorted(found, key=rotation_key), missing


def open_log(path: str):
    """Open a log for reading bytes; gzip when the file says so (magic bytes)."""
    if os.path.isdir(path):
        raise ErrorLogError(f"{NAME}: path {path} is a directory, expected a log file")
    try:
        handle = open(path, "rb")  # noqa: SIM115 - returned to the caller
    except OSError as exc:
        raise ErrorLogError(
            f"{NAME}: cannot read error log {path}: {exc.strerror or exc}"
        ) from None
    magic = handle.read(2)
    handle.seek(0)
    if magic == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=handle, mode="rb")
    return handle


def _blocks(handle, warnings: List[str], path: str) -> Iterator[bytes]:
    """Blocks of whole lines for ``RestartReport.feed_blocks``. A last line without a
    newline gets one; a read error ends the file with a warning, the partial line
    before it dropped (as line-by-line reading would)."""
    read = getattr(handle, "read1", handle.read)
    carry = [b"\n"]  # the newline before the next block's first line, and its start
    try:
        while True:
            data = read(BLOCK_SIZE)
            if not data:
                break
            end = data.rfind(b"\n")
            if end < 0:
                carry.append(data)
                continue
            carry.append(memoryview(data)[: end + 1])
            yield b"".join(carry)
            carry = [data[end:]]
    except (OSError, EOFError) as exc:
        warnings.append(f"{NAME}: stopped reading {path} early: {exc}")
        return
    if len(carry) > 1 or len(carry[0]) > 1:
        carry.append(b"\n")
        yield b"".join(carry)


def analyse(
    paths: Iterable[str],
    *,
    since: Optional[float] = None,
    process_group: Optional[str] = None,
    max_restarts: int = 50,
    app_paths: Optional[Iterable[str]] = None,
    allow_missing: bool = False,
) -> Dict[str, Any]:
    """Read the error logs named by ``paths`` (files or globs) and return the report.

    A pattern matching nothing is an error, unless ``allow_missing`` (then a warning).
    The report has the keys of ``RestartReport.result()`` plus ``files`` and
    ``warnings``.
    """
    files, missing = expand_paths(paths)
    warnings: List[str] = []
    if missing:
        text = f"{NAME}: no error log matches {', '.join(missing)}"
        if not allow_missing:
            raise ErrorLogError(text)
        warnings.append(text)
    report = RestartReport(
        since=since, process_group=process_group, max_restarts=max_restarts, app_paths=app_paths
    )
    for path in files:
        handle = open_log(path)
        with handle:
            report.feed_blocks(path, _blocks(handle, warnings, path))
    result = report.result()
    result["files"] = files
    result["warnings"] = warnings
    return result


DEFAULT_LOGS = {
    "Debian": "/var/log/apache2/error.log*",
    "RedHat": "/var/log/httpd/error_log*",
}


def default_log_glob(root: str = "/") -> str:
    """The error log glob of this host's OS family: Debian's when ``/etc/debian_version``
    exists, RedHat's when ``/etc/redhat-release`` does, else the one whose directory
    exists (Debian's when neither does)."""
    if os.path.exists(os.path.join(root, "etc/debian_version")):
        return DEFAULT_LOGS["Debian"]
    if os.path.exists(os.path.join(root, "etc/redhat-release")):
        return DEFAULT_LOGS["RedHat"]
    if os.path.isdir(os.path.join(root, "var/log/httpd")):
        return DEFAULT_LOGS["RedHat"]
    return DEFAULT_LOGS["Debian"]
