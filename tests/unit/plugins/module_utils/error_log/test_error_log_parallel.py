# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Two processes (parallel.py) give the same report as reading the lines one at a time,
whatever the block size: lines across blocks, tracebacks whose last line is in a block
the child scans, since, a child that fails; the child is always reaped."""

from __future__ import annotations

import gzip
import operator as op
import os
import threading

import pytest
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log import (
    analyse,
    parallel,
    parse_since,
    reader,
)
from ansible_collections.wsgiscale.mod_wsgi.tests.unit.plugins.module_utils.error_log import (
    test_error_log_reader as blocks,
)

VARIANTS = blocks.variants()


@pytest.fixture(name="two_processes")
def fixture_two_processes(monkeypatch):
    """Every file read by two processes, and a record of how each was read."""
    monkeypatch.setattr(parallel, "MIN_SIZE", 0)
    used = []
    read = parallel.read

    def watched(*args):
        used.append(read(*args))
        return used[-1]

    monkeypatch.setattr(parallel, "read", watched)
    return used


def by_two(path, monkeypatch, block_size, **kwargs):
    monkeypatch.setattr(reader, "BLOCK_SIZE", block_size)
    result = analyse([str(path)], **kwargs)
    assert result.pop("files") == [str(path)]
    assert result.pop("warnings") == []
    return blocks.without_sources(result)


def no_child_left():
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


@pytest.mark.parametrize("block_size", [97, 4096, 1 << 20])
@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_two_processes_equal_lines(tmp_path, monkeypatch, two_processes, name, block_size):
    data = VARIANTS[name]
    path = tmp_path / "error.log"
    path.write_bytes(data)
    assert by_two(path, monkeypatch, block_size) == blocks.line_by_line(data)
    assert two_processes == [True]
    no_child_left()


@pytest.mark.parametrize("share", [(1, 2), (1, 3), (2, 5)])
@pytest.mark.parametrize("since", [None, "Thu Nov 26 18:11:10 2026"])
def test_tracebacks_across_blocks(tmp_path, monkeypatch, two_processes, share, since):
    """A traceback's last line in a block the child scanned, its failure in one scanned
    here (and the other way round) still completes the failure."""
    monkeypatch.setattr(parallel, "_share", lambda *costs: share)
    data = VARIANTS["junk"]
    path = tmp_path / "error.log"
    path.write_bytes(data)
    cutoff = parse_since(since) if since else None
    expected = blocks.line_by_line(data, since=cutoff)
    exceptions = [
        failure["exception"]
        for group in expected["groups"].values()
        for failure in group["failures"]
        if failure.get("exception")
    ]
    assert exceptions
    for block_size in (97, 301, 4096):
        assert by_two(path, monkeypatch, block_size, since=cutoff) == expected
    no_child_left()


def test_a_failing_child_is_replaced(tmp_path, monkeypatch, two_processes):
    data = VARIANTS["junk"]
    path = tmp_path / "error.log"
    path.write_bytes(data)
    scans = parallel._child_scans
    monkeypatch.setattr(parallel, "_share", lambda *costs: (1, 2))

    def failing(*args):
        for number, scan in enumerate(scans(*args)):
            if number == 5:
                raise RuntimeError("the child fails")
            yield scan

    monkeypatch.setattr(parallel, "_child_scans", failing)
    assert by_two(path, monkeypatch, 509) == blocks.line_by_line(data)
    assert two_processes == [True]
    no_child_left()


def test_small_and_compressed_files_are_read_by_one_process(tmp_path, monkeypatch):
    used = []
    read = parallel.read
    monkeypatch.setattr(parallel, "read", lambda *args: used.append(read(*args)) or used[-1])
    path = tmp_path / "error.log"
    path.write_bytes(VARIANTS["fixtures"])
    analyse([str(path)])
    monkeypatch.setattr(parallel, "MIN_SIZE", 0)
    gz = tmp_path / "error.log.1.gz"
    gz.write_bytes(gzip.compress(VARIANTS["fixtures"]))
    analyse([str(gz)])
    assert used == [False, False]


def test_no_fork_beside_other_threads(tmp_path, monkeypatch, two_processes):
    path = tmp_path / "error.log"
    path.write_bytes(VARIANTS["fixtures"])
    expected = blocks.line_by_line(VARIANTS["fixtures"])
    started = threading.Event()
    stop = threading.Event()
    other = threading.Thread(target=lambda: started.set() or stop.wait(10))
    other.start()
    try:
        started.wait(10)
        assert by_two(path, monkeypatch, 4096) == expected
    finally:
        stop.set()
        other.join()
    assert by_two(path, monkeypatch, 4096) == expected
    assert two_processes == [False, True]


@pytest.mark.parametrize(
    ("scan", "apply", "dump", "load"),
    [
        (2.07, 0.35, 0.05, 0.2),  # realistic: 3% events (ms per MiB)
        (30.0, 7.0, 0.6, 6.3),  # event-dense: 44% events
        (1.4, 0.0, 0.0, 0.0),  # no event
        (1.4, 0.01, 0.001, 0.005),
    ],
)
def test_share_balances_the_processes(scan, apply, dump, load):
    mine, every = parallel._share(scan, apply, dump, load)

    def times(share):
        here = share * scan + apply + (1 - share) * load
        child = (1 - share) * (scan + dump)
        return here, child

    here, child = times(mine / every)
    # No other share of twentieths (at most half the blocks here) is closer to even.
    for other in range(1, every // 2 + 1):
        assert abs(here - child) <= abs(op.sub(*times(other / every))) + 1e-12
    assert 1 <= mine <= every // 2


def test_share_when_applying_outweighs_scanning():
    # The tracker's work alone exceeds a block's scan: this process scans as little
    # as it can (block 0 of every 20).
    assert parallel._share(1.0, 5.0, 0.0, 1.0) == (1, 20)
