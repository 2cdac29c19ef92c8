# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark the restart_info error log parser against grep on large generated logs.

    python benchmarks/error_log_bench.py [--size 1G] [--profile P] [--output F] [--keep]

For each profile (default both), builds a log of about --size bytes (default 1 GiB;
suffixes K, M, G) from the real fixture logs in tests/fixtures/logs/ (captured from
Apache by make_logs.sh), block after block, each block's timestamps moved after the
previous block and its pids and tids shifted, so the parser sees a long, plausible
history of distinct processes:

* ``event-dense``: the fixture lines only, 91% mod_wsgi lines and 44% events (worst
  case);
* ``realistic``: each fixture line followed by ordinary Apache lines (access control,
  TLS, PHP, proxies), so about 3% of the lines are mod_wsgi events.

Then:

* the parser (``error_log.analyse``) streams over it in a child process: wall and CPU
  time (its own and its forked scanner's), lines/s, MB/s and the peak RSS of both
  (VmHWM, else ``resource.getrusage``); the same run on the first 1/16 of the file shows
  whether memory grows with the input; then once more in one process (no fork);
* the literal floor, in the same child: reading the file and the three literal scans
  the reader makes (newlines, ``[wsgi:``, ``AH004``) with nothing parsed;
* greps on the same file with the page cache warm (best of 3, wall and CPU time; the
  parser's CPU ratio is that of the busier of its two processes, its wall time on a
  machine with a second core free):
  ``grep -c 'Shutdown requested'`` (one fixed string, the yardstick), ``grep -c -F
  '[wsgi:'`` (the literal the reader scans for) and ``grep -c -E`` with the header and
  the ``[wsgi:`` / AH004xx selection the parser makes (comparable work); the parser's
  ratio to each.

Prints figures only, never asserts; the target is the parser on the realistic profile
within 3x of ``grep -c`` on the literal it scans for. The logs go to $TMPDIR (or --output,
suffixed with the profile) and are deleted unless --keep. Run with the collection
importable, e.g. ``make bench`` or PYTHONPATH=build/collections.
"""

from __future__ import annotations

import argparse
import calendar
import os
import re
import resource
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
import re, resource, sys, time
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils import error_log
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log import parallel, reader
if sys.argv[3] == "one":
    parallel.MIN_SIZE = 1 << 62  # one process, whatever the size
start, cpu = time.perf_counter(), time.process_time()
result = error_log.analyse([sys.argv[1]], max_restarts=int(sys.argv[2]))
elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
# The forked scanner, if any: its CPU time and peak RSS.
scanner = resource.getrusage(resource.RUSAGE_CHILDREN)
# VmHWM is this process's own peak; ru_maxrss would include the parent's at fork.
peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                peak_kib = int(line.split()[1])
except OSError:
    pass
# The literal floor: what the reader does to every byte, and nothing else.
wsgi, notice = re.compile(rb"\\[wsgi:"), re.compile(rb"AH004")
floor = time.perf_counter()
with open(sys.argv[1], "rb") as handle:
    for block, lo, hi in reader.chunks(handle, [], sys.argv[1]):
        block.count(b"\\n", lo, hi)
        wsgi.findall(block, lo, hi)
        notice.findall(block, lo, hi)
floor = time.perf_counter() - floor
totals = result["totals"]
print(elapsed, result["lines"], peak_kib, totals["restarts"], totals["failures"],
      totals["victims"], sum(len(g["culprits"]) for g in result["groups"].values()), cpu, floor,
      scanner.ru_utime + scanner.ru_stime, scanner.ru_maxrss)
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


# Ordinary error log lines of a busy Apache (access control, TLS, PHP, proxies, bots):
# what a production error log mostly holds. ``{p}`` is a pid, ``{t}`` a tid, ``{c}`` a
# client port.
NOISE = (
    b"[authz_core:error] [pid {p}:tid {t}] [client 203.0.113.7:{c}] AH01630: client denied"
    b" by server configuration: /var/www/html/.env\n",
    b"[core:info] [pid {p}:tid {t}] [client 198.51.100.23:{c}] AH00128: File does not exist:"
    b" /var/www/html/wp-login.php\n",
    b"[ssl:info] [pid {p}:tid {t}] [client 192.0.2.44:{c}] AH01964: Connection to child 12"
    b" established (server www.example.com:443)\n",
    b"[ssl:info] [pid {p}:tid {t}] [client 192.0.2.44:{c}] AH02008: SSL library error 1 in"
    b" handshake (server www.example.com:443)\n",
    b"[php:error] [pid {p}:tid {t}] [client 198.51.100.9:{c}] PHP Warning:  Undefined array"
    b' key "user" in /var/www/legacy/index.php on line 42, referer: https://www.example.com/\n',
    b"[proxy_fcgi:error] [pid {p}:tid {t}] [client 203.0.113.50:{c}] AH01071: Got error"
    b" 'Primary script unknown'\n",
    b"[auth_basic:error] [pid {p}:tid {t}] [client 192.0.2.81:{c}] AH01618: user admin not"
    b" found: /admin/\n",
    b"[reqtimeout:info] [pid {p}:tid {t}] [client 198.51.100.77:{c}] AH01382: Request header"
    b" read timeout\n",
    b"[core:error] [pid {p}:tid {t}] [client 203.0.113.12:{c}] AH00126: Invalid URI in"
    b" request GET /cgi-bin/.%2e/.%2e/.%2e/bin/sh HTTP/1.1\n",
    b"[ssl:warn] [pid {p}:tid {t}] AH01909: www.example.com:443:0 server certificate does NOT"
    b" include an ID which matches the server name\n",
    b"[proxy:error] [pid {p}:tid {t}] (111)Connection refused: AH00957: http: attempt to"
    b" connect to 127.0.0.1:8080 (127.0.0.1:8080) failed\n",
    b"[headers:debug] [pid {p}:tid {t}] mod_headers.c(890): AH01503: headers: ap_headers_error"
    b"_filter()\n",
)
# Noise lines per fixture line in the realistic profile: the fixture lines are 44%
# mod_wsgi events, so 1 in 14 lines from them makes about 3% of all lines events.
NOISE_PER_LINE = 13
PROFILES = ("event-dense", "realistic")


def generate(path: Path, size: int, profile: str = "event-dense") -> int:
    """Write about ``size`` bytes of log to ``path``; return the number of lines.

    ``event-dense``: the fixture lines only (91% mod_wsgi lines, 44% events: the worst
    case for the parser). ``realistic``: each fixture line followed by NOISE_PER_LINE
    ordinary Apache lines of the same second (about 3% mod_wsgi events).
    """
    lines, span = templates()
    noisy = profile == "realistic"
    base = calendar.timegm((2026, 1, 1, 0, 0, 0))
    stamps = {}
    count = 0
    written = 0
    block = 0
    noise_index = 0
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
                if noisy:
                    for extra in range(NOISE_PER_LINE):
                        noise_index += 1
                        text = NOISE[noise_index % len(NOISE)]
                        pid = 1000 + noise_index % 150
                        chunk.append(
                            b"%s%06d%s " % (stamp[0], (int(micro) + extra + 1) % 1000000, stamp[1])
                            + text.replace(b"{p}", b"%d" % pid)
                            .replace(b"{t}", b"%d" % (pid * 7 + extra))
                            .replace(b"{c}", b"%d" % (32768 + noise_index % 28000))
                        )
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


def run_parser(path: Path, max_restarts: int, processes: str = "two") -> dict:
    """The parser on ``path`` in a child Python: with two processes (the reader's
    default on a large plain file) or ``one``."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(collections_root()), env.get("PYTHONPATH", "")) if p
    )
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), str(max_restarts), processes],
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
        "cpu": float(out[7]),
        "floor": float(out[8]),
        "scanner_cpu": float(out[9]),
        "scanner_rss_mib": int(out[10]) / 1024,
    }


# What the parser looks at: a well-formed header, then a mod_wsgi line or one of
# Apache's start/stop notices (AH00489, AH00491-AH00494).
GREP_COMPARABLE = (
    r"^\[[A-Z][a-z]{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ 0-9][0-9] "
    r"[0-9:]{8}(\.[0-9]{1,6})? [0-9]{4}\] \[(wsgi:|.*AH004(89|9[1-4]): )"
)
GREPS = (
    ("grep -c 'Shutdown requested'", ["-c", "Shutdown requested"], "one fixed string"),
    ("grep -c -F '[wsgi:'", ["-c", "-F", "[wsgi:"], "the reader's literal; target: within 3x"),
    ("grep -c -E '<header>(wsgi:|AH004xx)'", ["-c", "-E", GREP_COMPARABLE], "comparable work"),
)


def run_grep(path: Path, args: list) -> tuple:
    """Best of 3 runs of grep (the first one also warms the page cache): wall seconds,
    CPU seconds, count."""
    # Bytes, like the parser: a UTF-8 locale would slow grep's regex matcher down.
    env = dict(os.environ, LC_ALL="C")
    best = (float("inf"), float("inf"), 0)
    for _run in range(3):
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        out = subprocess.run(["grep", *args, str(path)], check=False, capture_output=True, env=env)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime + after.ru_stime - used.ru_utime - used.ru_stime
        best = min(best, (wall, cpu, int(out.stdout or 0)))
    return best


def head_of(path: Path, size: int) -> Path:
    """The first ``size`` bytes of ``path`` (to the end of a line), in a file beside it."""
    small = path.with_name(path.name + ".head")
    with path.open("rb") as src, small.open("wb") as dst:
        left = size
        while left > 0:
            block = src.read(min(left, 1 << 20))
            dst.write(block)
            left -= len(block)
        dst.write(src.readline())
    return small


def bench(path: Path, size: int, profile: str, max_restarts: int) -> None:
    start = time.perf_counter()
    lines = generate(path, size, profile)
    mib = path.stat().st_size / (1 << 20)
    print(
        f"[{profile}] generated {path}: {mib:.0f} MiB, {lines} lines in "
        f"{time.perf_counter() - start:.1f} s"
    )
    greps = [(label, note, *run_grep(path, args)) for label, args, note in GREPS]
    small = head_of(path, path.stat().st_size // 16)
    try:
        head = run_parser(small, max_restarts)
    finally:
        small.unlink()
    full = run_parser(path, max_restarts)
    single = run_parser(path, max_restarts, "one")
    seconds = full["seconds"]
    busiest = max(full["cpu"], full["scanner_cpu"])  # the wall time with a free second core
    print(
        f"[{profile}] parser: {seconds:.2f} s ({full['cpu']:.2f} + {full['scanner_cpu']:.2f} s "
        f"CPU in two processes), {full['lines'] / seconds:,.0f} lines/s, "
        f"{mib / seconds:.0f} MiB/s; one process: {single['seconds']:.2f} s"
    )
    print(
        f"[{profile}] peak RSS {full['peak_rss_mib']:.0f} MiB, forked scanner "
        f"{full['scanner_rss_mib']:.0f} MiB (1/16 of the file: {head['peak_rss_mib']:.0f} and "
        f"{head['scanner_rss_mib']:.0f} MiB; one process: {single['peak_rss_mib']:.0f} MiB); "
        f"literal floor {full['floor']:.2f} s (one process)"
    )
    keys = ("lines", "restarts", "failures", "victims", "culprits")
    same = all(full[key] == single[key] for key in keys)
    print(
        f"[{profile}] parser found: {full['restarts']} restarts, {full['failures']} failures, "
        f"{full['victims']} victims, {full['culprits']} culprit locations "
        f"({'the same' if same else 'NOT the same'} in one process)"
    )
    for label, note, wall, grep_cpu, count in greps:
        print(
            f"[{profile}] {label}: {wall:.2f} s ({grep_cpu:.2f} s CPU), {mib / wall:.0f} MiB/s, "
            f"{count} lines; parser/grep {seconds / wall:.1f}x wall, "
            f"{busiest / max(grep_cpu, 1e-3):.1f}x CPU of the busier process ({note})"
        )
    print(
        f"[{profile}] literal floor/grep: {full['floor'] / greps[1][2]:.1f}x "
        f"{GREPS[1][0]} (one process)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--size", default="1G", help="log size, e.g. 1G (default), 64M")
    parser.add_argument(
        "--profile", choices=PROFILES, action="append", help="profile (default: all)"
    )
    parser.add_argument("--output", help="where to write the log (default: a temp file)")
    parser.add_argument("--keep", action="store_true", help="keep the generated log")
    parser.add_argument("--max-restarts", type=int, default=20)
    args = parser.parse_args()
    size = parse_size(args.size)
    for profile in args.profile or PROFILES:
        if args.output:
            path = Path(f"{args.output}.{profile}")
        else:
            handle, name = tempfile.mkstemp(prefix=f"wsgiscale-bench-{profile}-", suffix=".log")
            os.close(handle)
            path = Path(name)
        try:
            bench(path, size, profile, args.max_restarts)
        finally:
            if not args.keep:
                path.unlink()


if __name__ == "__main__":
    main()
