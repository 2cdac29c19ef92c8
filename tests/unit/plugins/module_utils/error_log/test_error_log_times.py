# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Times: the stamps of log lines (fixed cases, exact seconds), the since option, and
since applied to a real log."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log import (
    ErrorLogError,
    analyse,
    parse_since,
    to_iso,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.times import LogClock

LOGS = Path(__file__).resolve().parents[4] / "fixtures" / "logs"
# Thu Nov 26 17:27:57 2026 on the log's wall clock, in seconds since 1970-01-01.
NOV_26 = 1795714077
# Mon Jan  5 03:04:05 2026 (a space-padded day).
JAN_5 = 1767582245


@pytest.mark.parametrize(
    ("hms", "fraction", "year", "seconds"),
    [
        (b"Nov 26 17:27:57", None, b"2026", NOV_26),
        (b"Nov 26 17:27:57", b"", b"2026", NOV_26),
        (b"Nov 26 17:27:57", b"5", b"2026", NOV_26 + 0.5),
        (b"Nov 26 17:27:57", b"05", b"2026", NOV_26 + 0.05),
        (b"Nov 26 17:27:57", b"250", b"2026", NOV_26 + 0.25),
        (b"Nov 26 17:27:57", b"0001", b"2026", NOV_26 + 0.0001),
        (b"Nov 26 17:27:57", b"12345", b"2026", NOV_26 + 0.12345),
        (b"Nov 26 17:27:57", b"215402", b"2026", NOV_26 + 0.215402),
        (b"Nov 26 17:27:57", b"000001", b"2026", NOV_26 + 0.000001),
        (b"Jan  5 03:04:05", b"5", b"2026", JAN_5 + 0.5),
        (b"Nox 26 17:27:57", b"5", b"2026", None),
    ],
)
def test_log_stamps(hms, fraction, year, seconds):
    clock = LogClock()
    assert clock.seconds(hms, fraction, year) == seconds
    # The second is cached: a second stamp of the same second reads its own fraction.
    assert clock.seconds(hms, b"75", year) == (None if seconds is None else int(seconds) + 0.75)


FIXTURE = (LOGS / "mod_wsgi-4.9-request-timeout.log").read_text().splitlines()
# A trigger, a failure it causes and a line that is no event, from a real log.
LINES = [
    next(line for line in FIXTURE if fragment in line)
    for fragment in ("request time limit exceeded", "Truncated or oversized", "Initializing")
]


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        ("Thu Nov 26 17:27:57 2026", "2026-11-26T17:27:57"),
        ("Thu Nov 26 17:27:57.5 2026", "2026-11-26T17:27:57.500000"),
        ("Thu Nov 26 17:27:57.05 2026", "2026-11-26T17:27:57.050000"),
        ("Thu Nov 26 17:27:57.12345 2026", "2026-11-26T17:27:57.123450"),
        ("Thu Nov 26 17:27:57.215402 2026", "2026-11-26T17:27:57.215402"),
        ("Mon Jan  5 03:04:05.9 2026", "2026-01-05T03:04:05.900000"),
    ],
)
def test_stamps_of_read_lines(tmp_path, stamp, expected):
    """Every fraction length goes through the block reader's own slicing."""
    path = tmp_path / "error.log"
    path.write_text("".join(f"[{stamp}]{line[line.index(']') + 1 :]}\n" for line in LINES))
    result = analyse([str(path)])
    (restart,) = result["groups"]["demo"]["restarts"]
    assert restart["time"] == expected
    assert restart["victims"]["samples"][0]["time"] == expected
    assert result["first_time"] == result["last_time"] == expected


NOW = datetime.datetime(2026, 11, 26, 18, 0, 0)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-26T17:27:57", "2026-11-26T17:27:57"),
        ("2026-11-26", "2026-11-26T00:00:00"),
        ("2026-11-26 17:27:57.5", "2026-11-26T17:27:57.500000"),
        ("Thu Nov 26 17:27:57 2026", "2026-11-26T17:27:57"),
        ("Nov 26 17:27:57.215402 2026", "2026-11-26T17:27:57.215402"),
        ("Nov 26 17:27:57.05 2026", "2026-11-26T17:27:57.050000"),
        ("30m", "2026-11-26T17:30:00"),
        ("1.5h", "2026-11-26T16:30:00"),
        ("2d", "2026-11-24T18:00:00"),
        ("1w", "2026-11-19T18:00:00"),
        ("45s", "2026-11-26T17:59:15"),
        (None, None),
        ("", None),
    ],
)
def test_parse_since(value, expected):
    assert to_iso(parse_since(value, now=NOW)) == expected


def test_parse_since_exact_seconds():
    assert parse_since("Thu Nov 26 17:27:57.12345 2026") == NOV_26 + 0.12345
    assert parse_since("2026-11-26T17:27:57.05") == NOV_26 + 0.05


def test_parse_since_with_offset_is_local_time():
    aware = datetime.datetime(2026, 11, 26, 17, 0, tzinfo=datetime.timezone.utc)
    local = aware.astimezone().replace(tzinfo=None)
    assert to_iso(parse_since("2026-11-26T17:00:00Z")) == local.isoformat()


@pytest.mark.parametrize("value", ["yesterday", "10x", "Foo Nov 26 17:27:57 2026",
                                   "Thu Nox 26 17:27:57 2026", "Thu Nov 31 17:27:57 2026",
                                   "2026-13-01", "-5m", "1e400h"])  # fmt: skip
def test_parse_since_errors(value):
    with pytest.raises(ErrorLogError) as info:
        parse_since(value)
    assert str(info.value).startswith(
        f"wsgiscale.mod_wsgi.restart_info: parameter 'since' got {value!r} (str); expected"
    )


def iso_of(line):
    """The ISO time of a fixture line's stamp (``[Thu Nov 26 18:11:05.579295 2026]``)."""
    stamp = line[1 : line.index(b"]")].decode()
    return datetime.datetime.strptime(stamp, "%a %b %d %H:%M:%S.%f %Y").isoformat()


def test_since_keeps_only_later_restarts():
    path = str(LOGS / "mod_wsgi-4.9-request-timeout.log")
    everything = analyse([path])["groups"]["demo"]["restarts"]
    second = everything[1]["time"]
    result = analyse([path], since=parse_since(second))
    assert [r["reason"] for r in result["groups"]["demo"]["restarts"]] == [
        "request-timeout",
        "apache-shutdown",
    ]
    assert result["groups"]["demo"]["restarts"][0]["time"] == second
    # The trigger is line 33; 31 of the lines before it hold "[wsgi:" or "AH004".
    assert result["lines_before_since"] == 31
    assert result["since"] == second
    # first_time and last_time span the whole log, since or not.
    lines = Path(path).read_bytes().splitlines()
    assert result["first_time"] == iso_of(lines[0]) < second
    assert result["last_time"] == iso_of(lines[-1])
