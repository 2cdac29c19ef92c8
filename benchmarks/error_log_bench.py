# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark the restart_info error log parser against grep on a large generated log.

    python benchmarks/error_log_bench.py [--size 1G] [--output FILE] [--keep]

Builds a log of about --size bytes (default 1 GiB; suffixes K, M, G) by repeating the
real fixture logs in tests/fixtures/logs/ (captured from Apache by make_logs.sh) block
after block, each block's timestamps moved after the previous block and its pids and
tids shifted, so the parser sees a long, plausible history of distinct processes. Then:

* the parser (``error_log.analyse``) streams over it in a child process: wall time,
  lines/s, MB/s and the child's peak RSS (VmHWM, else ``resource.getrusage``); the
  same run on the first 1/16 of the file shows whether memory grows with the input;
* ``grep -c 'Shutdown requested'`` on the same file (page cache warm), and the ratio.

Prints figures only; the target is the parser within 10x of grep. The log goes to
$TMPDIR (or --output) and is deleted unless --keep. Run with the collection importable,
e.g. ``make bench`` or PYTHONPATH=build/collections.
"""

from __future__ import annotations

import argparse
import calendar
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parent / "tests" / "fixtures" / "logs"

_STAMP = re.compile(rb"^\[([A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d)\.(\d{6}) (\d{4})\]")
_PIDS = re.compile(rb"(pid[ =])(\d+)|(tid )(\d+)")
_FORMAT = "%a %b %d %H:%M:%S"

CHILD = """
import resource, sys, time
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log import analyse
start = time.perf_counter()
result = analyse([sys.argv[1]], max_restarts=int(sys.argv[2]))
elapsed = time.perf_counter() - start
# VmHWM is this process's own peak; ru_maxrss would include the parent's at fork.
peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                peak_kib = int(line.split()[1])
except OSError:
    pass
totals = result["totals"]
print(elapsed, result["lines"], peak_kib, totals["restarts"], totals["failures"],
      totals["victims"], sum(len(g["culprits"]) for g in result["groups"].values()))
"""


def parse_size(text: str) -> int:
    """'1G', '64M', '500K' or a byte count to bytes."""
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    text = text.strip().upper().rstrip("IB")
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


def templates():
    """Fixture lines as (seconds from the block start, micro, rest split around pids)."""
    lines = []
    for path in sorted(FIXTURES.glob("*.log")):
        for raw in path.read_bytes().splitlines(keepends=True):
            stamp = _STAMP.match(raw)
            if stamp is None:
                continue
            seconds = calendar.timegm(
                time.strptime(
                    stamp.group(1).decode() + " " + stamp.group(3).decode(), _FORMAT + " %Y"
                )
            )
            lines.append((seconds, stamp.group(2), raw[stamp.end() :]))
    first = min(line[0] for line in lines)
    # Each file becomes a slice of one long timeline: keep their order, not their dates.
    out = []
    offset = 0
    last = None
    for seconds, micro, rest in lines:
        if last is not None and seconds < last:
            offset += last - seconds + 1
        last = seconds
        parts = []
        pos = 0
        for match in _PIDS.finditer(rest):
            if match.group(1) is not None:
                prefix, number = match.group(1), match.group(2)
            else:
                prefix, number = match.group(3), match.group(4)
            parts.append(rest[pos : match.start()] + prefix)
            parts.append(int(number))
            pos = match.end()
        parts.append(rest[pos:])
        out.append((seconds - first + offset, micro, parts))
    span = max(line[0] for line in out) + 2
    return out, span


def generate(path: Path, size: int) -> int:
    """Write about ``size`` bytes of log to ``path``; return the number of lines."""
    lines, span = templates()
    base = calendar.timegm((2026, 1, 1, 0, 0, 0))
    stamps = {}
    count = 0
    written = 0
    block = 0
    with path.open("wb", buffering=1 << 20) as out:
        while written < size:
            shift = block * 7919  # pids and tids of each block differ
            chunk = []
            for seconds, micro, parts in lines:
                when = base + block * span + seconds
                stamp = stamps.get(when)
                if stamp is None:
                    if len(stamps) > 100000:
                        stamps.clear()
                    stamp = time.strftime(_FORMAT, time.gmtime(when)).encode()
                    year = time.strftime(" %Y]", time.gmtime(when)).encode()
                    stamp = stamps[when] = (b"[" + stamp + b".", year)
                pieces = [stamp[0], micro, stamp[1]]
                for part in parts:
                    if isinstance(part, int):
                        pieces.append(b"%d" % ((part + shift) % 4000000 + 2))
                    else:
                        pieces.append(part)
                chunk.append(b"".join(pieces))
            data = b"".join(chunk)
            out.write(data)
            written += len(data)
            count += len(chunk)
            block += 1
    return count


def collections_root() -> Path:
    """Where ``ansible_collections.wsgiscale.mod_wsgi`` is importable from."""
    top = HERE.parent
    if top.parent.parent.name == "ansible_collections":
        return top.parents[2]
    return top / "build" / "collections"  # made by `make link`


def run_parser(path: Path, max_restarts: int) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(collections_root()), env.get("PYTHONPATH", "")) if p
    )
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), str(max_restarts)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    ).stdout.split()
    return {
        "seconds": float(out[0]),
        "lines": int(out[1]),
        "peak_rss_mib": int(out[2]) / 1024,
        "restarts": int(out[3]),
        "failures": int(out[4]),
        "victims": int(out[5]),
        "culprits": int(out[6]),
    }


def run_grep(path: Path) -> tuple:
    start = time.perf_counter()
    out = subprocess.run(
        ["grep", "-c", "Shutdown requested", str(path)], check=True, capture_output=True
    )
    return time.perf_counter() - start, int(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--size", default="1G", help="log size, e.g. 1G (default), 64M")
    parser.add_argument("--output", help="where to write the log (default: a temp file)")
    parser.add_argument("--keep", action="store_true", help="keep the generated log")
    parser.add_argument("--max-restarts", type=int, default=20)
    args = parser.parse_args()
    size = parse_size(args.size)
    if args.output:
        path = Path(args.output)
    else:
        handle, name = tempfile.mkstemp(prefix="wsgiscale-bench-", suffix=".log")
        os.close(handle)
        path = Path(name)
    try:
        start = time.perf_counter()
        lines = generate(path, size)
        actual = path.stat().st_size
        mib = actual / (1 << 20)
        print(
            f"generated {path}: {mib:.0f} MiB, {lines} lines in {time.perf_counter() - start:.1f} s"
        )
        grep_seconds, grep_count = run_grep(path)  # also warms the page cache
        grep_seconds, grep_count = run_grep(path)
        small = path.with_name(path.name + ".head")
        with path.open("rb") as src, small.open("wb") as dst:
            left = actual // 16
            while left > 0:
                block = src.read(min(left, 1 << 20))
                dst.write(block)
                left -= len(block)
            dst.write(src.readline())
        try:
            head = run_parser(small, args.max_restarts)
        finally:
            small.unlink()
        full = run_parser(path, args.max_restarts)
        ratio = full["seconds"] / grep_seconds
        print(
            f"parser: {full['seconds']:.1f} s, {full['lines'] / full['seconds']:,.0f} lines/s, "
            f"{mib / full['seconds']:.0f} MiB/s, peak RSS {full['peak_rss_mib']:.0f} MiB "
            f"(1/16 of the file: {head['peak_rss_mib']:.0f} MiB)"
        )
        print(
            f"parser found: {full['restarts']} restarts, {full['failures']} failures, "
            f"{full['victims']} victims, {full['culprits']} culprit locations"
        )
        print(
            f"grep -c 'Shutdown requested': {grep_seconds:.2f} s, {mib / grep_seconds:.0f} MiB/s, "
            f"{grep_count} matches"
        )
        print(f"ratio parser/grep: {ratio:.1f}x (target: within 10x)")
    finally:
        if not args.keep:
            path.unlink()


if __name__ == "__main__":
    main()
