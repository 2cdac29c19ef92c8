# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The block reader (analyse) gives the same report as reading the lines one at a time
(line_reader.py), whatever the block size: lines split across reads, CRLF, no final
newline, junk, gzip (whole and truncated), since. Its literal-first filter lets every
event through, and the event dispatch by first bytes picks the same event as one
alternation of all the patterns."""

from __future__ import annotations

import gc
import gzip
import re
from pathlib import Path

import pytest
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log import (
    analyse,
    parse_since,
    reader,
    scan,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.events import (
    EVENT_PATTERNS,
    MAY_BE_EVENT,
    classify,
)
from ansible_collections.wsgiscale.mod_wsgi.tests.unit.plugins.module_utils.error_log import (
    line_reader,
)
from hypothesis import given, settings
from hypothesis import strategies as st

HEADER = line_reader.HEADER
read_lines = line_reader.read_lines
split_lines = line_reader.split_lines
LOGS = Path(__file__).resolve().parents[4] / "fixtures" / "logs"
ALL = b"".join(path.read_bytes() for path in sorted(LOGS.glob("*.log")))
REAL_LINES = ALL.splitlines(keepends=True)
BLOCK_SIZES = [1, 7, 97, 4096, reader.BLOCK_SIZE]


def without_sources(result):
    """The report with the file names left out (the line reader reads no file)."""
    for group in result["groups"].values():
        for item in group["restarts"] + group["failures"] + group["interrupts"]:
            item["source"] = None
        for restart in group["restarts"]:
            for victim in restart["victims"]["samples"]:
                victim["source"] = None
    return result


def line_by_line(data, **kwargs):
    """The report from feeding ``data``'s lines one at a time (the reference)."""
    return without_sources(read_lines(split_lines(data), **kwargs))


def by_blocks(path, monkeypatch, block_size, **kwargs):
    monkeypatch.setattr(reader, "BLOCK_SIZE", block_size)
    result = analyse([str(path)], max_restarts=kwargs.pop("max_restarts", 20), **kwargs)
    assert result.pop("files") == [str(path)]
    result.pop("warnings")
    return without_sources(result)


JUNK = [
    b"\n",
    b"no header at all\n",
    b"[Thu Nox 26 18:11:05.1 2026] [wsgi:info] [pid 1:tid 1] Shutdown requested 'x'.\n",
    b"[Thu Nov 26 18:11:05 2026] [wsgi:info] [pid 1] mod_wsgi (pid=1): Shutdown requested 'y'.\n",
    b"[Thu Nov 26 18:11:05.5 2026] [core:notice] [pid 1] AH00494: SIGHUP received.\n",
    b"\xff\xfe[wsgi: AH00491: \x00\n",
    b"[Thu Nov 26 18:11:05.25 2026] [core:error] [pid 1] see [wsgi:info] and AH00491 here\n",
    b"[Thu Nov 26 18:11:05.123 2026] [wsgi:info] [pid 3:tid 3] Exiting process 'z'.\r[wsgi:x\n",
    b"[Thu Nov 26 18:11:05 2026] [wsgi:info] [pid 2:tid 2]\n",
    b"x [Thu Nov 26 18:11:05.5 2026] [wsgi:info] [pid 9:tid 9] Shutdown requested 'x'.\n",
]


def variants():
    mixed = []
    for index, line in enumerate(REAL_LINES):
        mixed.append(line)
        mixed.append(JUNK[index % len(JUNK)])
    mixed = b"".join(mixed)
    return {
        "fixtures": ALL,
        "junk": mixed,
        "crlf": ALL.replace(b"\n", b"\r\n"),
        "no final newline": mixed.rstrip(b"\n"),
        "one line, no newline": REAL_LINES[10].rstrip(b"\n"),
        "empty": b"",
        "newlines only": b"\n\n\n",
    }


@pytest.mark.parametrize("block_size", BLOCK_SIZES)
@pytest.mark.parametrize("name", sorted(variants()))
def test_blocks_equal_lines(tmp_path, monkeypatch, name, block_size):
    data = variants()[name]
    path = tmp_path / "error.log"
    path.write_bytes(data)
    expected = line_by_line(data)
    assert by_blocks(path, monkeypatch, block_size) == expected
    assert expected["lines"] == len(split_lines(data))


@pytest.mark.parametrize("block_size", [97, reader.BLOCK_SIZE])
@pytest.mark.parametrize("since", ["Thu Nov 26 18:11:10 2026", "Thu Nov 26 18:11:08.761590 2026"])
def test_blocks_equal_lines_with_since(tmp_path, monkeypatch, since, block_size):
    data = variants()["junk"]
    path = tmp_path / "error.log"
    path.write_bytes(data)
    cutoff = parse_since(since)
    expected = line_by_line(data, since=cutoff)
    assert expected["lines_before_since"] > 0
    assert by_blocks(path, monkeypatch, block_size, since=cutoff) == expected


def test_line_split_across_blocks_keeps_its_number(tmp_path, monkeypatch):
    real = (LOGS / "mod_wsgi-4.9-request-timeout.log").read_bytes().splitlines(keepends=True)
    data = b"".join(line + JUNK[n % len(JUNK)] for n, line in enumerate(real))
    path = tmp_path / "error.log"
    path.write_bytes(data)
    result = by_blocks(path, monkeypatch, 13)  # every line spans several reads
    restart = result["groups"]["demo"]["restarts"][0]
    assert restart["reason"] == "request-timeout"
    assert b"request time limit exceeded" in split_lines(data)[restart["line"] - 1]
    assert result == line_by_line(data)


@pytest.mark.parametrize("block_size", [97, reader.BLOCK_SIZE])
def test_gzip_blocks(tmp_path, monkeypatch, block_size):
    data = variants()["junk"]
    path = tmp_path / "error.log.1.gz"
    path.write_bytes(gzip.compress(data))
    assert by_blocks(path, monkeypatch, block_size) == line_by_line(data)


def test_truncated_gzip_drops_the_partial_line(tmp_path):
    data = ALL * 4
    packed = gzip.compress(data)
    path = tmp_path / "error.log.1.gz"
    path.write_bytes(packed[: len(packed) // 2])
    result = analyse([str(path)])
    assert "stopped reading" in result["warnings"][0]
    # Every line counted was read whole: the part before the cut, up to a newline.
    with gzip.open(path) as handle:
        read = b""
        with pytest.raises(EOFError):
            while True:
                piece = handle.read1(4096)
                if not piece:
                    break
                read += piece
    assert 0 < result["lines"] == read.count(b"\n")


def test_what_the_counts_are_about(tmp_path):
    """``lines`` counts every line, ``lines_unparsed`` and ``lines_before_since`` only
    lines holding [wsgi: or AH004; ``first_time`` and ``last_time`` are the first and
    last well-formed line, whatever ``since``."""
    lines = [
        b"[Thu Nov 26 18:00:00.5 2026] [core:notice] [pid 1:tid 1] AH00094: Command line\n",
        b"\xff\xfe binary, no marker\n",
        b"[Thu Nov 26 18:00:01.5 2026] [wsgi:info] [pid 7:tid 7] mod_wsgi (pid=7): Initializing"
        b" Python.\n",
        b"[Thu Nov 26 18:00:02.5 2026] [wsgi:info] [pid 7:tid 7] mod_wsgi (pid=7): Shutdown"
        b" requested 'g'.\n",
        b"[Thu Nox 26 18:00:03.5 2026] [wsgi:info] [pid 7:tid 7] damaged month\n",
        b"[Thu Nov 26 18:00:04.5 2026] [wsgi:info] [pid 7:tid 7\n",
        b"garbage [wsgi: and AH004 in the same line\n",
        b"[Thu Nov 26 18:00:05.5 2026] [mpm_event:notice] [pid 1:tid 1] AH00491: caught SIGTERM\n",
        b"x [Thu Nov 26 18:00:05.6 2026] [wsgi:info] [pid 7:tid 7] Shutdown requested 'g'.\n",
        b"[Thu Nov 26 18:00:05.75 2026] [wsgi:info] [pid 7:tid 7] Python has shutdown.\n",
        b"[Thu Nov 26 18:00:06.5 2026] [core:notice] [pid 1:tid 1] AH00094: Command line\n",
    ]
    path = tmp_path / "error.log"
    path.write_bytes(b"".join(lines))
    result = analyse([str(path)])
    assert result["lines"] == 11
    assert result["lines_unparsed"] == 4
    assert (result["first_time"], result["last_time"]) == (
        "2026-11-26T18:00:00.500000",
        "2026-11-26T18:00:06.500000",
    )
    assert result["groups"]["g"]["restarts_total"] == 1
    since = parse_since("Nov 26 18:00:02 2026")
    late = analyse([str(path)], since=since)
    assert (late["lines_before_since"], late["lines_unparsed"]) == (1, 4)
    assert (late["first_time"], late["last_time"]) == (result["first_time"], result["last_time"])
    for report in (result, late):
        del report["files"], report["warnings"]
    assert without_sources(result) == line_by_line(b"".join(lines))
    assert without_sources(late) == line_by_line(b"".join(lines), since=since)


def _reference_alternation():
    parts = []
    table = {}
    index = 1
    for event, _starts, pattern in EVENT_PATTERNS:
        inner = re.compile(pattern).groups
        parts.append(b"(" + pattern + b")")
        table[index] = (event, tuple(range(index + 1, index + 1 + inner)))
        index += 1 + inner
    return re.compile(b"|".join(parts)), table


REFERENCE, REFERENCE_TABLE = _reference_alternation()
MAY_BE = re.compile(MAY_BE_EVENT)


def reference_classify(msg):
    event = REFERENCE.match(msg)
    if event is None:
        return None
    name, indexes = REFERENCE_TABLE[event.lastindex]
    # As the parser always did: a pattern without groups gives the whole match.
    return name, (event.group(*indexes) if len(indexes) > 1 else (event.group(*indexes),))


MESSAGES = sorted(
    {header.group(12) for header in map(HEADER.match, REAL_LINES) if header is not None}
)


def test_dispatch_matches_one_alternation_on_real_messages():
    events = 0
    for msg in MESSAGES:
        assert classify(msg) == reference_classify(msg), msg
        events += classify(msg) is not None
        assert MAY_BE.match(msg) or classify(msg) is None, msg
    assert events > 50


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(MESSAGES), st.integers(0, 40), st.binary(max_size=6))
def test_dispatch_matches_one_alternation_on_mangled_messages(msg, cut, noise):
    for candidate in (msg[cut:], noise + msg, msg[:cut] + noise + msg[cut:]):
        event = classify(candidate)
        assert event == reference_classify(candidate)
        # The reader's filter never drops an event.
        assert event is None or MAY_BE.match(candidate)


def test_filter_drops_most_lines_that_are_no_event():
    quiet = [m for m in MESSAGES if classify(m) is None]
    dropped = [m for m in quiet if not MAY_BE.match(m)]
    assert len(dropped) > 0.8 * len(quiet)


def test_remembered_messages_are_bounded(tmp_path, monkeypatch):
    path = tmp_path / "error.log"
    path.write_bytes(ALL)
    expected = without_sources(analyse([str(path)]))
    monkeypatch.setattr(scan, "MAX_MESSAGES", 3)
    seen = []
    classify_events = scan.Scanner.classify

    def watched(self, msg):
        seen.append(len(self.events))
        return classify_events(self, msg)

    monkeypatch.setattr(scan.Scanner, "classify", watched)
    assert without_sources(analyse([str(path)])) == expected
    assert max(seen) == 3 and len(seen) > 100


@pytest.mark.parametrize("enabled", [True, False])
def test_cycle_collector_paused_only_while_reading(tmp_path, monkeypatch, enabled):
    path = tmp_path / "error.log"
    path.write_bytes(ALL)
    seen = []
    scan_block = scan.Scanner.scan

    def watched(self, *args):
        seen.append(gc.isenabled())
        return scan_block(self, *args)

    monkeypatch.setattr(scan.Scanner, "scan", watched)
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        analyse([str(path)])
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
    assert seen and not any(seen)
