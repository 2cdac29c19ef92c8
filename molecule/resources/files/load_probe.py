# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Read Apache's state and a load run's figures on a test host (standard library only).

    python3 load_probe.py state
    python3 load_probe.py wait TAG [--state]
    python3 load_probe.py finish TAG --start EPOCH --end EPOCH [--log-from BYTES]
    python3 load_probe.py log --from BYTES
    python3 load_probe.py haproxy [--socket PATH]

Installed beside tests/load/loadgen.py (in /usr/local/lib/wsgiscale-load) by the load
scenarios' prepare step; every command prints one JSON document.

``state``: the time, the Apache parent's pid (it changes on a full restart, not on a
graceful reload), the error log's size, the 1-minute load average and the live
mod_wsgi daemons as ``{group: [pids]}`` (from their ``(wsgi:GROUP)`` process names).

``wait TAG``: wait up to 15 s until the run TAG has 10 answers (exit status 1 if not);
with --state, print the state (as ``state``) once it has.

``finish TAG``: touch the stop file, wait up to 60 s for the run's summary, and print
the window's figures (``loadgen.summarise`` of the requests open between --start and
--end), the whole run's, its failed requests (the first 300), Apache's lifecycle and
failure lines logged from byte --log-from on, and the state (as ``state``).

``log --from BYTES``: Apache's lifecycle and failure lines logged from that byte on,
and the state.

``haproxy``: the time and, per ``backend/server`` of the HAProxy behind the runtime API
socket, its status, current and total sessions, 5xx answers and errors (``show stat``).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import socket
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import loadgen  # noqa: E402

RUNS = "/tmp/wsgiscale-load"
STOP = f"{RUNS}/stop"
PID_FILE = "/var/run/apache2/apache2.pid"
ERROR_LOG = "/var/log/apache2/error.log"
# Lifecycle (AH00489 started, AH00491/2 shutting down, AH00493 graceful restart,
# AH00169 SIGTERM) and the lines of failed or timed-out requests.
LOG_KEEP = re.compile(
    r"AH0049[0-9]|AH00489|AH00169|Unable to connect to WSGI daemon|Truncated or oversized"
    r"|[Tt]imeout|WSGI0[0-9]{3}"
)
HAPROXY_SOCKET = "/run/haproxy/admin.sock"
HAPROXY_FIELDS = ("status", "scur", "stot", "hrsp_5xx", "econ", "eresp", "wretr", "wredis")
KEEP = ("window", "requests", "ok", "failed", "failed_by_kind", "latency_ms", "latency_all_ms")


def daemons() -> dict:
    """Return {group: sorted pids} of the live mod_wsgi daemon processes."""
    groups: dict = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                name = handle.read().split(b"\0")[0].decode("utf-8", "replace")
            with open(f"/proc/{entry}/stat", encoding="utf-8") as handle:
                zombie = handle.read().rsplit(")", 1)[1].split()[0] == "Z"
        except OSError:
            continue
        match = re.fullmatch(r"\(wsgi:(.+)\)\s*", name)
        if match and not zombie:
            groups.setdefault(match.group(1), []).append(int(entry))
    return {group: sorted(pids) for group, pids in sorted(groups.items())}


def state() -> dict:
    """Return the time, Apache's parent pid, error log size, load and daemons."""
    with open(PID_FILE, encoding="utf-8") as handle:
        parent = int(handle.read().strip())
    with open("/proc/loadavg", encoding="utf-8") as handle:
        loadavg = float(handle.read().split()[0])
    return {
        "t": round(time.time(), 6),
        "parent": parent,
        "log_bytes": os.path.getsize(ERROR_LOG),
        "loadavg": loadavg,
        "daemons": daemons(),
    }


def wait(tag: str, answers: int = 10, timeout_s: float = 15.0) -> dict:
    """Wait until the run has `answers` answers; return how many it had."""
    deadline = time.monotonic() + timeout_s
    count = 0
    while time.monotonic() < deadline:
        try:
            with open(f"{RUNS}/{tag}.jsonl", encoding="utf-8") as handle:
                count = sum(1 for _line in handle)
        except OSError:
            count = 0
        if count >= answers:
            return {"answers": count}
        time.sleep(0.1)
    raise SystemExit(f"load_probe: run {tag} had {count} answers after {timeout_s} s")


def log_lines(start: int) -> list:
    """Apache's lifecycle and failure lines from byte `start` of the error log."""
    with open(ERROR_LOG, "rb") as handle:
        handle.seek(start)
        text = handle.read().decode("utf-8", "replace")
    return [line[:600] for line in text.splitlines() if LOG_KEEP.search(line)]


def haproxy(path: str) -> dict:
    """Return {"t", "servers": {"backend/server": {status, counters}}} from `show stat`."""
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.settimeout(10)
    client.connect(path)
    client.sendall(b"show stat\n")
    chunks = []
    while True:
        chunk = client.recv(65536)
        if not chunk:
            break
        chunks.append(chunk)
    client.close()
    text = b"".join(chunks).decode("utf-8", "replace").lstrip("# ")
    servers = {}
    for row in csv.DictReader(text.splitlines()):
        if row.get("svname") in ("FRONTEND", "BACKEND", None):
            continue
        counters = {key: row.get(key, "") for key in HAPROXY_FIELDS}
        for key in HAPROXY_FIELDS[1:]:
            counters[key] = int(counters[key] or 0)
        servers[f"{row['pxname']}/{row['svname']}"] = counters
    return {"t": round(time.time(), 6), "servers": servers}


def finish(tag: str, start: float, end: float, log_from: int | None) -> dict:
    """Stop the run, wait for its summary and return its figures."""
    with open(STOP, "w", encoding="utf-8"):
        pass
    summary_path = f"{RUNS}/{tag}.json"
    deadline = time.monotonic() + 60.0
    while not os.path.exists(summary_path):
        if time.monotonic() > deadline:
            raise SystemExit(f"load_probe: run {tag} wrote no summary within 60 s")
        time.sleep(0.2)
    with open(summary_path, encoding="utf-8") as handle:
        run = json.load(handle)
    rows = loadgen.read_jsonl(f"{RUNS}/{tag}.jsonl")
    window = loadgen.summarise(rows, start, end)
    failures = sorted((r for r in rows if "error" in r), key=lambda r: r["sched"])
    result = {
        "window": {key: window[key] for key in KEEP},
        "run": {
            **{key: run[key] for key in KEEP if key != "window"},
            "stopped_by": run["stopped_by"],
            "generator": run["generator"],
        },
        "failures": failures[:300],
    }
    if log_from is not None:
        result["log"] = log_lines(log_from)
        result["state"] = state()
    return result


def main(argv: list | None = None) -> int:
    """Run one command and print its JSON."""
    parser = argparse.ArgumentParser(prog="load_probe.py", description=__doc__.split("\n\n")[1])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("state")
    waiting = sub.add_parser("wait")
    waiting.add_argument("tag")
    waiting.add_argument("--state", action="store_true")
    done = sub.add_parser("finish")
    done.add_argument("tag")
    done.add_argument("--start", type=float, required=True)
    done.add_argument("--end", type=float, required=True)
    done.add_argument("--log-from", type=int)
    logged = sub.add_parser("log")
    logged.add_argument("--from", dest="start", type=int, required=True)
    balancer = sub.add_parser("haproxy")
    balancer.add_argument("--socket", default=HAPROXY_SOCKET)
    args = parser.parse_args(argv)
    if args.command == "state":
        document = state()
    elif args.command == "log":
        document = {"log": log_lines(args.start), "state": state()}
    elif args.command == "haproxy":
        document = haproxy(args.socket)
    elif args.command == "wait":
        document = wait(args.tag)
        if args.state:
            document["state"] = state()
    else:
        document = finish(args.tag, args.start, args.end, args.log_from)
    sys.stdout.write(json.dumps(document) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
