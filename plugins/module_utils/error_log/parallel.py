# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Reading a large plain log with two processes: a forked child scans most blocks
while this process scans the others and applies every block's records in order.

The file is cut into blocks of ``reader.BLOCK_SIZE`` bytes; a block holds the lines
that start in it (the last one read to its end). This process scans and applies the
first block, timing both, and forks the child; from those times it takes the share of
the blocks (in twentieths, spread out) that lets both processes finish together, and
the child scans the others, each with its own ``pread`` calls. The child sends each
scan, as ``marshal`` data, through a pipe, in block order; it blocks when the pipe is
full, so memory stays bounded whatever the size of the file. The tracker runs here
only, on the blocks in order, so the report is the one a single process makes. If the
child fails or cannot be started, this process scans its blocks itself. Gzip files,
other files that cannot be read at an offset, small files, systems without ``fork``
and processes running other threads read with one process.
"""

from __future__ import annotations

import contextlib
import io
import marshal
import os
import signal
import stat
import struct
import threading
import time
from typing import IO, Iterator, List, Optional, Tuple

from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log import reader
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.base import NAME
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.scan import Scan

# Files smaller than this are read by one process.
MIN_SIZE = 32 << 20
_SHARES = 20  # this process scans a number of blocks of every _SHARES (see _share)
# Bytes read past a block's end for its last line; a longer line is read on.
_OVERLAP = 4096
_PIPE_SIZE = 1 << 20
_FRAME = struct.Struct("<Q")  # length of the marshal data of one scan


def read(log: reader.Reader, path: str, handle: IO[bytes], warnings: List[str]) -> bool:
    """Read the file ``handle`` of ``path`` into ``log`` with two processes; False
    (nothing read) when it is not a large plain file or two processes cannot be had."""
    fd = _plain_fd(handle)
    # Forking a process that runs other threads could leave the child a held lock.
    if fd is None or not hasattr(os, "fork") or threading.active_count() > 1:
        return False
    size = os.fstat(fd).st_size
    if size < MIN_SIZE:
        return False
    log.start(path)
    try:
        share = _first_block(log, fd, size)
    except OSError:
        return False  # read by one process, which reports the error
    child = None
    if _blocks(size) > 1:
        with contextlib.suppress(OSError):  # else this process scans every block
            child = _Child.start(log, fd, size, share)
    finished = False
    try:
        for index in range(1, _blocks(size)):
            scan = child.receive() if child is not None and child.scans(index) else None
            if scan is None:
                scan = _scan(log, fd, size, index)
            log.apply(scan)
        finished = True
    except OSError as exc:
        warnings.append(f"{NAME}: stopped reading {path} early: {exc}")
    finally:
        if child is not None:
            child.stop(finished)
    return True


def _first_block(log: reader.Reader, fd: int, size: int) -> Tuple[int, int]:
    """Scan and apply the first block here; the share of the blocks this process
    should scan, from what that took (CPU time)."""
    clock = time.process_time
    start = clock()
    first = _scan(log, fd, size, 0)
    scanned = clock()
    log.apply(first)
    applied = clock()
    data = marshal.dumps(tuple(first))
    dumped = clock()
    marshal.loads(data)
    return _share(scanned - start, applied - scanned, dumped - applied, clock() - dumped)


def _share(scan: float, apply: float, dump: float, load: float) -> Tuple[int, int]:
    """How many blocks of every _SHARES this process scans, for both processes to take
    as long, from what a block takes to ``scan``, ``apply`` to the tracker (here, for
    every block), ``dump`` (in the child) and ``load`` (here) as marshal data: with a
    share ``f``, ``f * scan + apply + (1 - f) * load = (1 - f) * (scan + dump)``."""
    whole = 2 * scan + dump - load
    mine = (scan + dump - apply - load) / whole if whole > 0 else 0.5
    return max(1, min(_SHARES // 2, round(mine * _SHARES))), _SHARES


def _plain_fd(handle: IO[bytes]) -> Optional[int]:
    """The descriptor of a file that can be read at any offset, else None."""
    if not isinstance(handle, (io.BufferedReader, io.FileIO)):
        return None
    try:
        fd = handle.fileno()
        return fd if stat.S_ISREG(os.fstat(fd).st_mode) else None
    except (OSError, ValueError):
        return None


def _blocks(size: int) -> int:
    """How many blocks a file of ``size`` bytes has."""
    return -(-size // reader.BLOCK_SIZE)


def _scan(log: reader.Reader, fd: int, size: int, index: int) -> Scan:
    """Scan block ``index`` here, knowing the tracebacks the tracker awaits."""
    block, lo, hi = _block(fd, size, index)
    return log.scanner.scan(block, lo, hi, set(log.tracker.pending_exc))


def _block(fd: int, size: int, index: int) -> Tuple[bytes, int, int]:
    """Block ``index`` of the first ``size`` bytes of ``fd`` as ``(buffer, lo, hi)``
    (see ``scan``): the lines starting in it, the last one read to its end (a newline
    put after the file's last line when it has none); a lone newline when no line
    starts in it."""
    begin = index * reader.BLOCK_SIZE
    end = min(size, begin + reader.BLOCK_SIZE)
    first = max(begin - 1, 0)  # a line starts after the newline before it
    data = os.pread(fd, min(size, end + _OVERLAP) - first, first)
    if index == 0:
        data = b"\n" + data  # the file's first line has none before it
    cut = end - begin  # data[cut] is the byte before ``end``
    lo = data.find(b"\n", 0, cut)
    if lo < 0:
        return b"\n", 0, 1
    newline = data.find(b"\n", cut)
    read_to = first + len(data) - (index == 0)
    while newline < 0 and read_to < size:
        more = os.pread(fd, min(size - read_to, reader.BLOCK_SIZE), read_to)
        if not more:
            break
        newline = more.find(b"\n")
        if newline >= 0:
            newline += len(data)
        data += more
        read_to += len(more)
    if newline < 0:
        data += b"\n"
        newline = len(data) - 1
    return data, lo, newline + 1


class _Child:
    """The forked process that scans the child's blocks, and the pipe it writes to."""

    def __init__(self, pid: int, pipe: IO[bytes], share: Tuple[int, int]) -> None:
        self.pid = pid
        self.pipe = pipe
        self.share = share
        self.failed = False

    def scans(self, index: int) -> bool:
        """Whether the child scans block ``index``."""
        return _childs(index, self.share)

    @classmethod
    def start(cls, log: reader.Reader, fd: int, size: int, share: Tuple[int, int]) -> _Child:
        """Fork the child; it scans its blocks (see _childs) and exits."""
        read_end, write_end = os.pipe()
        try:
            _grow_pipe(write_end)
            pid = os.fork()
        except OSError:
            os.close(read_end)
            os.close(write_end)
            raise
        if pid == 0:  # the child never returns
            os.close(read_end)
            _child_main(log, fd, size, share, write_end)
        os.close(write_end)
        return cls(pid, os.fdopen(read_end, "rb", buffering=_PIPE_SIZE), share)

    def receive(self) -> Optional[Scan]:
        """The child's scan of its next block, None once it has failed."""
        if self.failed:
            return None
        header = self.pipe.read(_FRAME.size)
        data = self.pipe.read(_FRAME.unpack(header)[0]) if len(header) == _FRAME.size else b""
        try:
            return Scan(*marshal.loads(data))
        except (EOFError, ValueError, TypeError):
            self.failed = True
            return None

    def stop(self, finished: bool) -> None:
        """Close the pipe and reap the child: it has sent everything (or failed) when
        the file is ``finished``, else it is stopped."""
        self.pipe.close()
        try:
            if not finished:
                os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except OSError:
            pass


def _grow_pipe(fd: int) -> None:
    """Let the child run up to a block or so ahead (where the system allows it)."""
    try:
        import fcntl  # noqa: PLC0415 - POSIX only, like fork

        fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), _PIPE_SIZE)
    except (ImportError, OSError):
        pass


def _childs(index: int, share: Tuple[int, int]) -> bool:
    """Whether the child scans block ``index``: this process scans ``share[0]`` of
    every ``share[1]`` blocks, spread out, block 0 among them."""
    mine, every = share
    return index * mine % every >= mine


def _child_main(
    log: reader.Reader, fd: int, size: int, share: Tuple[int, int], write_end: int
) -> None:
    """The child: scan its blocks in order into the pipe, then exit (never return
    into the caller: no cleanup of the parent's runs here)."""
    code = 1
    try:
        with os.fdopen(write_end, "wb") as pipe:
            for data in _child_scans(log, fd, size, share):
                pipe.write(_FRAME.pack(len(data)))
                pipe.write(data)
                pipe.flush()
        code = 0
    finally:
        os._exit(code)


def _child_scans(log: reader.Reader, fd: int, size: int, share: Tuple[int, int]) -> Iterator[bytes]:
    """The child's scans, as marshal data; the tracebacks awaited are not known."""
    for index in range(_blocks(size)):
        if _childs(index, share):
            block, lo, hi = _block(fd, size, index)
            yield marshal.dumps(tuple(log.scanner.scan(block, lo, hi, None)))
