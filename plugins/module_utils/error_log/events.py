# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The mod_wsgi messages the parser knows (events), how a message is classified, and the
registry that maps each event to its handler.

A handler is registered where it is defined, with ``@handles("event", ...)``; it is
called as ``handler(tracker, name, args, daemon_pid, when, fields)`` (see
``restarts.Tracker.wsgi_line``).
"""

from __future__ import annotations

import re
from typing import Callable, Dict, Optional, Tuple

# Reasons whose own log line starts a restart (its trigger).
TRIGGER_REASONS = (
    "request-timeout",
    "deadlock-timeout",
    "inactivity-timeout",
    "startup-timeout",
    "restart-interval",
    "maximum-requests",
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
# Failures followed by a traceback whose last line says what was raised.
TRACEBACK_KINDS = frozenset(("app-exception", "script-load-failed"))
# Failures that a restart causes; the others are never attributed to one.
VICTIM_KINDS = frozenset(
    ("truncated-response", "socket-timeout", "queue-timeout", "connect-failed")
)

# Apache's own notices (the AH code right after the header) that stop daemon processes.
APACHE_NOTICES = {
    b"AH00491": "apache-shutdown",  # caught SIGTERM, shutting down
    b"AH00492": "apache-shutdown",  # caught SIGWINCH, shutting down gracefully
    b"AH00493": "apache-graceful",  # SIGUSR1 received.  Doing graceful restart
    b"AH00494": "apache-restart",  # SIGHUP received.  Attempting to restart
}
GENERATION_START = b"AH00489"  # Apache/... configured -- resuming normal operations

_G = rb"'([^']*)'"
_PROC = rb"(?:daemon )?process " + _G
_D = (b"Daem",)
_P = (b"Proc",)
# (event, first 4 bytes of the messages it can match or () for any, pattern); every
# pattern's own groups are unnamed, see _compile_events.
EVENT_PATTERNS = (
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

Args = Tuple[Optional[bytes], ...]
_EventTable = Dict[int, Tuple[str, Tuple[int, ...]]]


def _compile_events(key: Optional[bytes]) -> Tuple[re.Pattern, _EventTable]:
    """One alternation of the patterns that can match a message starting with ``key``
    (None: one starting with no known key), in table order; each alternative is an
    outer group, so ``lastindex`` says which event matched; the table gives the event
    name and the indexes of its own groups."""
    parts = []
    table = {}
    index = 1
    for event, starts, pattern in EVENT_PATTERNS:
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
    key: _compile_events(key) for _e, starts, _p in EVENT_PATTERNS for key in starts
}
_EVENTS_OTHER = _compile_events(None)


def classify(msg: bytes) -> Optional[Tuple[str, Args]]:
    """The event a mod_wsgi message reports and its pattern's groups, or None."""
    pattern, table = _EVENTS_BY_START.get(msg[:4], _EVENTS_OTHER)
    event = pattern.match(msg)
    if event is None:
        return None
    name, indexes = table[event.lastindex]
    return name, (event.group(*indexes) if len(indexes) > 1 else (event.group(*indexes),))


def _without_groups(pattern: bytes) -> bytes:
    """A pattern's capturing groups made non-capturing (no escaped parenthesis precedes
    a group in EVENT_PATTERNS)."""
    return re.sub(rb"(?<!\\)\((?!\?)", b"(?:", pattern)


# What a message must start with to be an event: a known first-4-bytes key, or one of
# the patterns that may start with anything. A cheap test for the reader, true for at
# least every message ``classify`` accepts.
MAY_BE_EVENT = (
    b"(?:"
    + b"|".join(
        sorted({re.escape(key) for _e, starts, _p in EVENT_PATTERNS for key in starts})
        + [_without_groups(pattern) for _e, starts, pattern in EVENT_PATTERNS if not starts]
    )
    + b")"
)

Handler = Callable[..., None]
HANDLERS: Dict[str, Handler] = {}


def handles(*events: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of ``events`` (names from
    EVENT_PATTERNS); each event has one handler."""

    def register(function: Handler) -> Handler:
        for event in events:
            if event in HANDLERS:
                raise ValueError(f"event {event!r} already handled by {HANDLERS[event]!r}")
            HANDLERS[event] = function
        return function

    return register
