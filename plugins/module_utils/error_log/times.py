# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Times of the error log: the stamps of its lines, the ``since`` option, ISO output.

Log times carry no time zone; they are the host's wall clock. They are kept as seconds
since 1970-01-01 on that wall clock (as if it were UTC), so no time zone database is
needed and ``since`` compares with them directly.
"""

from __future__ import annotations

import calendar
import datetime
import re
from typing import Any, Optional

from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.base import (
    NAME,
    ErrorLogError,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.errors import describe

MONTHS = {
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

_EPOCH = datetime.datetime(1970, 1, 1)
# 10 ** n: what an n-digit fraction of a second is divided by.
_SCALE = (1.0, 10.0, 100.0, 1000.0, 10000.0, 100000.0, 1000000.0)


def to_iso(seconds: Optional[float]) -> Optional[str]:
    """Log time (seconds since the epoch, log-local wall clock) to ISO 8601 text."""
    if seconds is None:
        return None
    return (_EPOCH + datetime.timedelta(seconds=round(seconds, 6))).isoformat()


def _wall_seconds(moment: datetime.datetime) -> float:
    """A naive wall-clock datetime as seconds on the same scale as the log times."""
    return (moment - _EPOCH).total_seconds()


class LogClock:
    """Seconds of the stamps of log lines; consecutive lines mostly share their second,
    so the last second computed is kept."""

    __slots__ = ("_hms", "_value", "_year")

    def __init__(self) -> None:
        self._hms = b""
        self._year = b""
        self._value = 0.0

    def seconds(self, hms: bytes, fraction: Optional[bytes], year: bytes) -> Optional[float]:
        """Log time of a stamp's parts: ``hms`` as ``Nov 26 17:27:57`` (the day may be
        space-padded), ``fraction`` the 1 to 6 digits after the point (or None/empty),
        ``year`` as ``2026``; None when the month is unknown."""
        if hms != self._hms or year != self._year:
            month = MONTHS.get(hms[:3])
            if month is None:
                return None
            self._value = float(
                calendar.timegm(
                    (
                        int(year),
                        month,
                        int(hms[4:6]),
                        int(hms[7:9]),
                        int(hms[10:12]),
                        int(hms[13:15]),
                    )
                )
            )
            self._hms = hms
            self._year = year
        if fraction:
            return self._value + int(fraction) / _SCALE[len(fraction)]
        return self._value


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
    relative = _RELATIVE.match(text)
    if relative:
        local_now = now if now is not None else datetime.datetime.now()
        delta = float(relative.group(1)) * _UNITS[relative.group(2)]
        return _wall_seconds(local_now) - delta
    apache = _APACHE_TIME.match(text)
    moment = _apache_moment(apache, value) if apache else _iso_moment(text, value)
    return _wall_seconds(moment)


def _apache_moment(apache: re.Match, value: Any) -> datetime.datetime:
    month = MONTHS.get(apache.group(1).encode())
    try:
        if month is None:
            raise ValueError(apache.group(1))
        return datetime.datetime(
            int(apache.group(7)),
            month,
            int(apache.group(2)),
            int(apache.group(3)),
            int(apache.group(4)),
            int(apache.group(5)),
            int((apache.group(6) or "0").ljust(6, "0")),
        )
    except ValueError:
        raise since_error(value) from None


def _iso_moment(text: str, value: Any) -> datetime.datetime:
    iso = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    try:
        moment = datetime.datetime.fromisoformat(iso)
    except ValueError:
        raise since_error(value) from None
    if moment.tzinfo is not None:
        moment = moment.astimezone().replace(tzinfo=None)
    return moment


def since_error(value: Any) -> ErrorLogError:
    """The error for a ``since`` value that is not a time."""
    return ErrorLogError(
        f"{NAME}: parameter 'since' got {describe(value)}; expected an ISO 8601 time "
        "(2026-11-26T17:27:57), Apache's format (Thu Nov 26 17:27:57 2026) or an age "
        "such as 30m, 2h, 7d"
    )
