# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What every part of the error log parser shares: its name in messages, the error
class, the caps that bound its memory and the time windows of its attribution rules."""

from __future__ import annotations

from typing import Optional

from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.errors import WsgiscaleError

NAME = "wsgiscale.mod_wsgi.restart_info"

# Detailed restarts (and 6.x interrupts) kept per group when the caller does not say;
# the module's max_restarts option uses this default.
DEFAULT_MAX_RESTARTS = 20

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
MAX_MESSAGES = 4096  # distinct messages whose event is remembered (then all forgotten)

# A daemon killed outright (no trigger line) is noticed by the Apache parent up to
# a second later: failures this many seconds before the death line are its victims.
DEATH_LOOKBACK = 2.0
# An Apache child notices a daemon's death when it next reads the daemon's socket, so
# its "Truncated or oversized response headers" can be logged just after the death and
# deregistration lines (measured: 0.14 ms after): failures this many seconds after a
# restart ended, with no restart of the group open, are still its victims.
AFTERMATH = 1.0
# An Apache stop/restart notice applies to deregistrations this close to it.
APACHE_EVENT_WINDOW = 5.0
# A restart whose end was never logged (log cut, process killed while stopping) stops
# collecting victims this long after its first line; shutdown-timeout and
# graceful-timeout are seconds, not minutes.
STALE_AFTER = 300.0

UNKNOWN_GROUP = "(unknown)"
OTHER_GROUP = "(other)"


class ErrorLogError(WsgiscaleError):
    """Invalid input to the error log parser; the message names the option and value."""


def text(raw: Optional[bytes]) -> str:
    """Log bytes as text, undecodable bytes replaced; None as ''."""
    return raw.decode("utf-8", "replace") if raw is not None else ""
