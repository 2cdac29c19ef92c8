# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Measure what Apache reloads and restarts do to mod_wsgi requests under load.

    python3 tests/load/reload_probe.py [--suite bookworm] [--suite trixie]
                                       [--case NAME ...] [--json FILE] [--keep]
    python3 tests/load/reload_probe.py --list
    python3 tests/load/reload_probe.py --report FILE
    python3 tests/load/reload_probe.py --calibrate [--suite bookworm]

Runs on the host with podman (standard library only). Per suite it starts one
container ``loadgen-probe-<suite>`` from ``localhost/wsgiscale-apache:<suite>`` with
``--network none``, serves tests/load/calibrated_app.wsgi from two daemon groups
(``probe``: processes=2 threads=10; ``other``: processes=1 threads=2; explicit
timeouts) and, for each case: starts Apache afresh from the case's base
configuration, runs loadgen.py *inside* the container against
http://127.0.0.1/probe (30 rps Poisson, 100 ms I/O and 2 ms CPU per request), changes
the configuration and performs the case's event (a graceful reload, a restart, a
signal to the daemons...), keeps the load on for a while, then stops it.

Per case it prints and records: requests sent, failed by kind, the p99 latency of
the requests open during the event window (the event's start to 5 s after its
command returned), the daemon pids before and after, how long the event command
took, how long until a new daemon answered, Apache's own lines about the event, and,
for cases with long requests in flight, what happened to those. The container is
removed at the end unless --keep. Traffic never leaves the container.

``--calibrate`` instead serves the calibrated app one request at a time with a few
CPU/I/O profiles and prints the app's own time beside cpu_ms + io_ms, and the
client latency beside it (what Apache and mod_wsgi add).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
SUITES = ("bookworm", "trixie")
IN = "/srv/probe"
WORK = "/tmp/probe"
APP_URL = "http://127.0.0.1/probe?cpu_ms=2&io_ms=100"
SETTLE_S = 5.0
LOG_KEEP = re.compile(
    r"AH\d{5}|Shutdown requested|Aborting|Exiting process|Starting process|has died|"
    r"eviction|graceful|Truncated|Unable to connect|Timeout|WSGI0\d{3}|timer expired",
)

BASE_DAEMON = {
    "processes": 2,
    "threads": 10,
    "display-name": "%{GROUP}",
    "queue-timeout": 45,
    "socket-timeout": 60,
    "connect-timeout": 15,
    "request-timeout": 60,
    "graceful-timeout": 15,
    "shutdown-timeout": 5,
    "deadlock-timeout": 60,
    "startup-timeout": 15,
}
OTHER_DAEMON = {**BASE_DAEMON, "processes": 1, "threads": 2}
# Debian's mpm_event defaults, with a ServerLimit that leaves headroom.
BASE_MPM = {
    "StartServers": 2,
    "MinSpareThreads": 25,
    "MaxSpareThreads": 75,
    "ThreadLimit": 64,
    "ThreadsPerChild": 25,
    "ServerLimit": 4,
    "MaxRequestWorkers": 100,
}
# Idle-thread targets above MaxRequestWorkers: Apache then starts as many children as
# MaxRequestWorkers allows, so the child count shows which MaxRequestWorkers is live.
SPARE_MPM = {**BASE_MPM, "MinSpareThreads": 75, "MaxSpareThreads": 250, "StartServers": 4}


@dataclass
class Case:
    """One measurement: a base configuration, a change, an event, an optional long load."""

    name: str
    about: str
    event: str
    probe: dict = field(default_factory=dict)
    other: dict = field(default_factory=dict)
    mpm: dict = field(default_factory=dict)
    change_probe: dict = field(default_factory=dict)
    change_other: dict = field(default_factory=dict)
    change_mpm: dict = field(default_factory=dict)
    long_ms: int = 0
    long_rate: float = 1.0
    post_s: float = 12.0
    rate: float | None = None
    pid1: str = ""


# A restart as systemd does it on Debian (ExecStop=apachectl graceful-stop, then wait
# for the main process to exit, then ExecStart).
GRACEFUL_STOP_START = (
    "p=$(cat /var/run/apache2/apache2.pid); apache2ctl graceful-stop;"
    " while kill -0 $p 2>/dev/null; do sleep 0.1; done; apache2ctl start"
)
STOP_START = "service apache2 stop; service apache2 start"
SIGUSR1_PROBE = (
    "for p in $(ps -eo pid=,args= | awk '$2 == \"(wsgi:probe)\" {print $1}'); "
    "do kill -USR1 $p; done"
)
CASES = [
    Case("graceful-nochange", "apache2ctl graceful, nothing changed", "apache2ctl graceful"),
    Case(
        "graceful-threads",
        "graceful after probe threads 10 -> 12",
        "apache2ctl graceful",
        change_probe={"threads": 12},
    ),
    Case(
        "graceful-other-group",
        "graceful after only the other group's threads 2 -> 3",
        "apache2ctl graceful",
        change_other={"threads": 3},
    ),
    Case(
        "graceful-mrw",
        "graceful after MaxRequestWorkers 50 -> 100 within ServerLimit 4 x 25",
        "apache2ctl graceful",
        mpm={**SPARE_MPM, "MaxRequestWorkers": 50},
        change_mpm={"MaxRequestWorkers": 100},
    ),
    Case(
        "graceful-serverlimit",
        "graceful after ServerLimit 4 -> 8, ThreadLimit 64 -> 128, MaxRequestWorkers 100 -> 200",
        "apache2ctl graceful",
        mpm=SPARE_MPM,
        change_mpm={"ServerLimit": 8, "ThreadLimit": 128, "MaxRequestWorkers": 200},
    ),
    Case(
        "restart-apache2ctl",
        "apache2ctl restart (SIGHUP), probe threads 10 -> 12",
        "apache2ctl restart",
        change_probe={"threads": 12},
    ),
    Case(
        "restart-service",
        "service apache2 restart, probe threads 10 -> 12",
        "service apache2 restart",
        change_probe={"threads": 12},
    ),
    Case(
        "restart-stop-start",
        "service apache2 stop; service apache2 start (what Ansible's service module runs)",
        STOP_START,
        change_probe={"threads": 12},
    ),
    Case(
        "restart-graceful-stop",
        "apache2ctl graceful-stop, wait for the parent to exit, start (systemd's way)",
        GRACEFUL_STOP_START,
        change_probe={"threads": 12},
    ),
    Case(
        "restart-service-nonreaping",
        "service apache2 restart in a container whose PID 1 (sleep infinity) reaps no orphans",
        "service apache2 restart",
        pid1="sleep infinity",
        post_s=8.0,
    ),
    Case(
        "restart-stop-start-nonreaping",
        "service apache2 stop; service apache2 start, PID 1 reaps no orphans",
        STOP_START,
        pid1="sleep infinity",
        post_s=8.0,
    ),
    Case(
        "graceful-repeat",
        "20 graceful reloads 4 s apart, nothing changed (how often a reload loses a request)",
        "for i in $(seq 20); do apache2ctl graceful; sleep 4; done",
        post_s=6.0,
    ),
    Case(
        "graceful-queued",
        "graceful while requests queue for the daemon (1 process x 2 threads at 18 rps)",
        "apache2ctl graceful",
        probe={"processes": 1, "threads": 2},
        rate=18.0,
    ),
    Case(
        "inflight-2s-graceful",
        "graceful with 2 s requests in flight (1 rps beside the 30 rps)",
        "apache2ctl graceful",
        long_ms=2000,
    ),
    Case(
        "inflight-8s-graceful",
        "graceful with 8 s requests in flight, shutdown-timeout=5",
        "apache2ctl graceful",
        long_ms=8000,
    ),
    Case(
        "inflight-8s-graceful-st30",
        "graceful with 8 s requests in flight, shutdown-timeout=30",
        "apache2ctl graceful",
        probe={"shutdown-timeout": 30},
        long_ms=8000,
    ),
    Case(
        "inflight-8s-graceful-qt2",
        "graceful with 8 s requests in flight, queue-timeout=2",
        "apache2ctl graceful",
        probe={"queue-timeout": 2},
        long_ms=8000,
    ),
    Case(
        "inflight-8s-restart",
        "service apache2 restart with 8 s requests in flight",
        "service apache2 restart",
        long_ms=8000,
    ),
    Case(
        "inflight-8s-graceful-stop",
        "graceful-stop, wait, start (systemd's way) with 8 s requests in flight",
        GRACEFUL_STOP_START,
        long_ms=8000,
    ),
    Case(
        "inflight-8s-sigusr1",
        "SIGUSR1 to the probe daemons with 8 s requests in flight, graceful-timeout=15",
        SIGUSR1_PROBE,
        long_ms=8000,
        post_s=25.0,
    ),
    Case(
        "inflight-8s-sigusr1-evict30",
        "SIGUSR1 to the probe daemons, 8 s requests, eviction-timeout=30",
        SIGUSR1_PROBE,
        probe={"eviction-timeout": 30},
        long_ms=8000,
        post_s=25.0,
    ),
]


# ---------------------------------------------------------------- podman


class Container:
    """A probe container, driven with podman exec."""

    def __init__(self, suite: str, pid1: str = "", name: str = "") -> None:
        """Name the container for the suite; nothing runs until create().

        pid1: a command to run as the container's PID 1 instead of the image's
        entrypoint and command (tini, or in older images a shell loop, both of which
        reap orphaned processes). name: the container's name (default
        ``loadgen-probe-<suite>``), so that other tools can drive their own.
        """
        self.suite = suite
        self.pid1 = pid1
        self.name = name or f"loadgen-probe-{suite}" + ("-nonreaping" if pid1 else "")

    def podman(self, *args: str, stdin: str | None = None, check: bool = True) -> str:
        """Run a podman command and return its stdout."""
        result = subprocess.run(
            ["podman", *args], input=stdin, capture_output=True, text=True, check=False
        )
        if check and result.returncode != 0:
            raise RuntimeError(f"podman {' '.join(args)} failed: {result.stderr.strip()}")
        return result.stdout

    def sh(self, script: str, check: bool = True) -> str:
        """Run a shell script in the container and return its stdout."""
        return self.podman("exec", self.name, "sh", "-c", script, check=check)

    def write(self, path: str, text: str) -> None:
        """Write a file in the container."""
        self.podman("exec", "-i", self.name, "sh", "-c", f"cat > {path}", stdin=text)

    def create(self) -> None:
        """Start a fresh container and copy the app and the load generator in."""
        self.remove()
        image = f"localhost/wsgiscale-apache:{self.suite}"
        options = ["-d", "--name", self.name, "--network", "none"]
        command = []
        if self.pid1:
            entrypoint, *command = self.pid1.split()
            options += ["--entrypoint", entrypoint]
        self.podman("run", *options, image, *command)
        self.sh(f"mkdir -p {IN} {WORK}")
        for name in ("calibrated_app.wsgi", "loadgen.py"):
            self.podman("cp", str(HERE / name), f"{self.name}:{IN}/{name}")

    def remove(self) -> None:
        """Remove the container if it exists."""
        self.podman("rm", "-f", "-t", "0", self.name, check=False)


# ---------------------------------------------------------------- Apache


def daemon_line(name: str, options: dict) -> str:
    """Return a WSGIDaemonProcess line."""
    words = " ".join(f"{key}={value}" for key, value in options.items())
    return f"WSGIDaemonProcess {name} {words}"


def site_conf(probe: dict, other: dict) -> str:
    """Return the Apache configuration of the two daemon groups."""
    return "\n".join(
        [
            "ServerName localhost",
            "LogLevel warn wsgi:info mpm_event:info core:info",
            "WSGIRestrictEmbedded On",
            "WSGISocketPrefix /var/run/apache2/wsgi",
            daemon_line("probe", probe),
            daemon_line("other", other),
            f"WSGIScriptAlias /probe {IN}/calibrated_app.wsgi process-group=probe "
            "application-group=%{GLOBAL}",
            f"WSGIScriptAlias /other {IN}/calibrated_app.wsgi process-group=other "
            "application-group=%{GLOBAL}",
            f"<Directory {IN}>",
            "    Require all granted",
            "</Directory>",
            "",
        ]
    )


def mpm_conf(mpm: dict) -> str:
    """Return the mpm_event limits."""
    lines = [f"    {key} {value}" for key, value in mpm.items()]
    return "<IfModule mpm_event_module>\n" + "\n".join(lines) + "\n</IfModule>\n"


def configure(box: Container, probe: dict, other: dict, mpm: dict) -> None:
    """Write the site and MPM files (they take effect on the next start or reload)."""
    box.write("/etc/apache2/conf-enabled/loadgen-probe.conf", site_conf(probe, other))
    box.write("/etc/apache2/conf-enabled/loadgen-probe-mpm.conf", mpm_conf(mpm))


def stop_apache(box: Container) -> None:
    """Stop Apache and wait until no apache2 process is left (kill after 30 s)."""
    box.sh("apache2ctl stop >/dev/null 2>&1 || true", check=False)
    box.sh(
        "i=0; while pidof apache2 >/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done;"
        " pidof apache2 >/dev/null && kill -9 $(pidof apache2); rm -f /var/run/apache2/*; true",
        check=False,
    )


def start_apache(box: Container) -> None:
    """Start Apache and wait until both groups answer."""
    box.sh(": > /var/log/apache2/error.log; apache2ctl start")
    probe = (
        "import urllib.request, time\n"
        "for _attempt in range(300):\n"
        "    try:\n"
        "        for p in ('/probe', '/other'):\n"
        "            urllib.request.urlopen('http://127.0.0.1' + p, timeout=5).read()\n"
        "        break\n"
        "    except OSError:\n"
        "        time.sleep(0.1)\n"
        "else:\n"
        "    raise SystemExit('Apache did not answer within 30 s')\n"
    )
    box.podman("exec", "-i", box.name, "python3", "-", stdin=probe)


def daemon_pids(box: Container) -> dict:
    """Return {group: sorted pids} of the live mod_wsgi daemons."""
    pids: dict = {}
    for line in box.sh("ps -eo pid=,stat=,args=").splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[2].startswith("(wsgi:") and not parts[1].startswith("Z"):
            pids.setdefault(parts[2][6:-1], []).append(int(parts[0]))
    return {group: sorted(values) for group, values in sorted(pids.items())}


def server_status(box: Container) -> dict:
    """Return mod_status ?auto figures (Processes, scoreboard size)."""
    text = box.sh(
        'python3 -c "import urllib.request as u; print(u.urlopen('
        "'http://127.0.0.1/server-status?auto', timeout=5).read().decode())\"",
        check=False,
    )
    status: dict = {}
    for line in text.splitlines():
        key, _sep, value = line.partition(": ")
        if key in ("Processes", "BusyWorkers", "IdleWorkers"):
            status[key] = int(value)
        elif key == "Scoreboard":
            status["scoreboard_slots"] = len(value)
    return status


# ---------------------------------------------------------------- one case


def start_load(box: Container, tag: str, url: str, rate: float, arrivals: str) -> None:
    """Start loadgen.py in the background inside the container."""
    box.podman(
        "exec",
        "-d",
        box.name,
        "python3",
        f"{IN}/loadgen.py",
        "run",
        url,
        "--rate",
        str(rate),
        "--arrivals",
        arrivals,
        "--duration",
        "600",
        "--timeout",
        "30",
        "--stop-file",
        f"{WORK}/stop",
        "--jsonl",
        f"{WORK}/{tag}.jsonl",
        "--json",
        f"{WORK}/{tag}.json",
    )


def wait_results(box: Container, tags: list, timeout_s: float = 60.0) -> None:
    """Wait until every loadgen run has written its summary."""
    deadline = time.monotonic() + timeout_s
    paths = " ".join(f"{WORK}/{tag}.json" for tag in tags)
    while time.monotonic() < deadline:
        if box.sh(f"ls {paths} 2>/dev/null | wc -l").strip() == str(len(tags)):
            return
        time.sleep(0.5)
    raise RuntimeError(f"loadgen did not finish in {timeout_s} s: {tags}")


def run_event(box: Container, command: str) -> dict:
    """Run the event command in the container; return its start, end and output."""
    out = box.sh(
        f"date +%s.%N; ( {command} ) >{WORK}/event.out 2>&1; echo rc=$?; date +%s.%N;"
        f" cat {WORK}/event.out",
        check=False,
    ).splitlines()
    return {
        "start": float(out[0]),
        "end": float(out[2]),
        "rc": int(out[1].split("=")[1]),
        "output": [line for line in out[3:] if "AH00558" not in line][:10],
    }


def summarise(box: Container, tag: str, start: float, end: float) -> dict:
    """Summarise a loadgen JSONL for the window inside the container."""
    text = box.sh(
        f"python3 {IN}/loadgen.py summarise {WORK}/{tag}.jsonl --start {start} --end {end}"
    )
    return json.loads(text)


def records(box: Container, tag: str) -> list:
    """Return the per-request records of a loadgen run."""
    text = box.sh(f"cat {WORK}/{tag}.jsonl")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def first_new_answer(rows: list, old_pids: set, start: float) -> float | None:
    """Seconds from `start` to the first OK answer from a daemon not in old_pids."""
    ends = [r["end"] for r in rows if "error" not in r and r.get("pid") not in old_pids]
    ends = [end for end in ends if end >= start]
    return round(min(ends) - start, 3) if ends else None


def failure_span(rows: list, start: float) -> list | None:
    """[first, last] failure times (scheduled .. finished) relative to start, seconds."""
    failed = [r for r in rows if "error" in r]
    if not failed:
        return None
    return [
        round(min(r["sched"] for r in failed) - start, 3),
        round(max(r["end"] for r in failed) - start, 3),
    ]


def log_excerpt(box: Container) -> list:
    """Apache's error log lines about the event (lifecycle and failures)."""
    lines = box.sh("cat /var/log/apache2/error.log", check=False).splitlines()
    kept = [line for line in lines if LOG_KEEP.search(line) and "AH00558" not in line]
    return kept[:100]


def log_signals(lines: list) -> str:
    """Summarise what Apache complained about: AH codes and mod_wsgi request errors."""
    found: dict = {}
    patterns = {
        "503 no daemon socket": "Unable to connect to WSGI daemon",
        "500 truncated": "Truncated or oversized response headers",
        "502/500 daemon closed": "WSGI014",
        "eviction timer expired": "graceful timer expired",
    }
    for line in lines:
        level = re.search(r"\[\w+:(warn|error|crit|alert|emerg)\]", line)
        code = re.search(r"AH\d{5}", line)
        if level and code:
            found[code.group(0)] = found.get(code.group(0), 0) + 1
        for label, needle in patterns.items():
            if needle in line:
                found[label] = found.get(label, 0) + 1
    return ", ".join(f"{key} x{value}" for key, value in found.items()) or "-"


def prepare_case(box: Container, case: Case) -> None:
    """Start Apache from the case's base configuration."""
    stop_apache(box)
    box.sh(f"rm -f {WORK}/*")
    configure(
        box,
        {**BASE_DAEMON, **case.probe},
        {**OTHER_DAEMON, **case.other},
        {**BASE_MPM, **case.mpm},
    )
    start_apache(box)


def run_case(box: Container, case: Case, rate: float) -> dict:
    """Measure one case; return its figures."""
    prepare_case(box, case)
    tags = ["main"]
    start_load(box, "main", APP_URL, case.rate or rate, "poisson")
    if case.long_ms:
        long_url = f"http://127.0.0.1/probe?io_ms={case.long_ms}"
        start_load(box, "long", long_url, case.long_rate, "constant")
        tags.append("long")
    time.sleep(max(6.0, case.long_ms / 1000.0 + 2.0))
    before = {"pids": daemon_pids(box), "status": server_status(box)}
    configure(
        box,
        {**BASE_DAEMON, **case.probe, **case.change_probe},
        {**OTHER_DAEMON, **case.other, **case.change_other},
        {**BASE_MPM, **case.mpm, **case.change_mpm},
    )
    box.sh(": > /var/log/apache2/error.log")
    event = run_event(box, case.event)
    time.sleep(case.post_s)
    after = {"pids": daemon_pids(box), "status": server_status(box)}
    box.sh(f"touch {WORK}/stop")
    wait_results(box, tags)
    window = (event["start"], event["end"] + SETTLE_S)
    result = {
        "case": case.name,
        "about": case.about,
        "event": {**event, "seconds": round(event["end"] - event["start"], 3)},
        "before": before,
        "after": after,
        "log": log_excerpt(box),
    }
    for tag in tags:
        rows = records(box, tag)
        old = {str(pid) for pids in before["pids"].values() for pid in pids}
        result[tag] = {
            "generator": json.loads(box.sh(f"cat {WORK}/{tag}.json"))["generator"],
            "run": summarise(box, tag, 0, 1e12),
            "window": summarise(box, tag, *window),
            "first_new_answer_s": first_new_answer(rows, old, event["start"]),
            "failures_s": failure_span(rows, event["start"]),
        }
    return result


# ---------------------------------------------------------------- calibration

# (cpu_ms, io_ms, io_dist) served one at a time: the app's own time should be about
# cpu_ms + io_ms, and the client latency minus the app time is what Apache and
# mod_wsgi add per request.
CALIBRATION = [(0, 0, "const"), (2, 100, "const"), (20, 50, "const"), (50, 0, "const")]
CALIBRATION_HEADER = (
    "| suite | mod_wsgi | cpu_ms | io_ms | requests | app ms p50 | app ms mean | cpu ms p50 |"
    " queue ms p50 | latency ms p50 | latency - app ms | host load (1 min) |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def calibrate(box: Container, seconds: float = 10.0) -> list:
    """Serve each calibration profile at concurrency about 1 and compare the times."""
    prepare_case(box, Case("calibrate", "", ""))
    version = box.sh(
        "python3 -c \"import urllib.request as u; r = u.urlopen('http://127.0.0.1/probe');"
        " print(r.headers['X-Calib-Mod-Wsgi'])\""
    ).strip()
    rows = []
    for cpu_ms, io_ms, dist in CALIBRATION:
        tag = f"cal-{cpu_ms}-{io_ms}"
        url = f"http://127.0.0.1/probe?cpu_ms={cpu_ms}&io_ms={io_ms}&io_dist={dist}"
        # One request at a time: the next is due only after the slowest one ends.
        rate = 1000.0 / (2 * (cpu_ms + io_ms) + 50)
        box.sh(
            f"python3 {IN}/loadgen.py run '{url}' --arrivals constant --rate {rate:.3f}"
            f" --duration {seconds} --json {WORK}/{tag}.json --jsonl {WORK}/{tag}.jsonl"
        )
        summary = summarise(box, tag, 0, 1e12)
        load = box.sh("cut -d' ' -f1 /proc/loadavg").strip()
        cpu = [r.get("cpu_ms") for r in records(box, tag) if "error" not in r]
        rows.append(
            {
                "mod_wsgi": version,
                "cpu_ms": cpu_ms,
                "io_ms": io_ms,
                "requests": summary["requests"],
                "failed": summary["failed"],
                "app_ms_p50": summary["app_ms"]["p50"],
                "app_ms_mean": summary["app_ms"]["mean"],
                "cpu_ms_p50": sorted(cpu)[len(cpu) // 2] if cpu else None,
                "queue_ms_p50": summary["queue_wait_ms"]["p50"],
                "latency_ms_p50": summary["latency_ms"]["p50"],
                "host_loadavg_1m": float(load),
            }
        )
    return rows


def calibration_row(suite: str, item: dict) -> str:
    """One markdown row of the calibration table."""
    overhead = None
    if item["latency_ms_p50"] is not None and item["app_ms_p50"] is not None:
        overhead = round(item["latency_ms_p50"] - item["app_ms_p50"], 3)
    cells = [suite, item["mod_wsgi"], item["cpu_ms"], item["io_ms"], item["requests"]]
    cells += [item["app_ms_p50"], item["app_ms_mean"], item["cpu_ms_p50"]]
    cells += [item["queue_ms_p50"], item["latency_ms_p50"], overhead, item["host_loadavg_1m"]]
    return "| " + " | ".join(_cell(cell) for cell in cells) + " |"


# ---------------------------------------------------------------- report


def kinds(summary: dict) -> str:
    """Render failed_by_kind compactly."""
    return " ".join(f"{k}:{v}" for k, v in summary["failed_by_kind"].items()) or "-"


def _cell(value: object) -> str:
    """Render a table cell; '-' when there is no value."""
    return "-" if value is None else str(value)


def daemon_fate(before: dict, after: dict) -> dict:
    """Per group: 'kept' (same pids), 'new' (other pids) or 'none' (no daemon left)."""
    fate = {}
    for group in sorted(set(before) | set(after)):
        if not after.get(group):
            fate[group] = "none"
        elif before.get(group) == after[group]:
            fate[group] = "kept"
        else:
            fate[group] = "new"
    return fate


def row(suite: str, result: dict) -> str:
    """Return one markdown table row for a case."""
    main = result["main"]
    window = main["window"]
    changed = daemon_fate(result["before"]["pids"], result["after"]["pids"])
    long = result.get("long")
    long_text = "-"
    if long:
        long_text = f"{long['run']['requests']} sent, {long['run']['failed']} failed"
        if long["run"]["failed"]:
            long_text += f" ({kinds(long['run'])})"
    cells = [
        result["case"],
        suite,
        str(main["run"]["requests"]),
        f"{main['run']['failed']} ({kinds(main['run'])})",
        _cell(window["latency_ms"]["p99"]),
        _cell(window["latency_ms"]["max"]),
        ", ".join(f"{g}: {c}" for g, c in changed.items()),
        f"{result['event']['seconds']:.2f}",
        _cell(main["first_new_answer_s"]),
        long_text,
        log_signals(result["log"]),
        _cell(main.get("generator", {}).get("lateness_ms", {}).get("p99")),
    ]
    return "| " + " | ".join(cells) + " |"


HEADER = (
    "| case | suite | sent | failed (kind:n) | p99 ms (window) | max ms (window) | daemons |"
    " event s | first new answer s | long requests | Apache logged | loadgen lateness p99 ms |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def build_parser() -> argparse.ArgumentParser:
    """Return the command line parser."""
    parser = argparse.ArgumentParser(prog="reload_probe.py", description=__doc__.split("\n\n")[2])
    parser.add_argument("--suite", action="append", choices=SUITES, help="(both)")
    parser.add_argument("--case", action="append", help="case name (all); see --list")
    parser.add_argument("--rate", type=float, default=30.0, help="requests/s (30)")
    parser.add_argument("--json", help="write all results to this file")
    parser.add_argument("--keep", action="store_true", help="keep the container")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    parser.add_argument("--report", help="print the table of a saved --json file and exit")
    parser.add_argument(
        "--calibrate",
        action="store_true",
        help="instead of the cases, check app time against cpu_ms + io_ms at concurrency 1",
    )
    return parser


def run_calibration(args: argparse.Namespace) -> int:
    """Run the calibration on each suite and print its table."""
    results: dict = {}
    sys.stdout.write(CALIBRATION_HEADER + "\n")
    for suite in args.suite or SUITES:
        box = Container(suite)
        box.create()
        try:
            results[suite] = calibrate(box)
        finally:
            if not args.keep:
                box.remove()
        for item in results[suite]:
            sys.stdout.write(calibration_row(suite, item) + "\n")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1) + "\n")
    return 0


def run_cases(args: argparse.Namespace, chosen: list) -> int:
    """Run the chosen cases on each suite, printing a table row per case."""
    results: dict = {}
    sys.stdout.write(HEADER + "\n")
    for suite in args.suite or SUITES:
        results[suite] = []
        boxes: dict = {}
        try:
            for case in chosen:
                if case.pid1 not in boxes:
                    boxes[case.pid1] = Container(suite, case.pid1)
                    boxes[case.pid1].create()
                result = run_case(boxes[case.pid1], case, args.rate)
                results[suite].append(result)
                sys.stdout.write(row(suite, result) + "\n")
                sys.stdout.flush()
                if args.json:
                    Path(args.json).write_text(json.dumps(results, indent=1) + "\n")
        finally:
            for box in boxes.values():
                if not args.keep:
                    box.remove()
    return 0


def main(argv: list | None = None) -> int:
    """Run the chosen cases (or the calibration) on the chosen suites."""
    args = build_parser().parse_args(argv)
    if args.list:
        for case in CASES:
            sys.stdout.write(f"{case.name:30} {case.about}\n")
        return 0
    if args.report:
        saved = json.loads(Path(args.report).read_text())
        sys.stdout.write(HEADER + "\n")
        for suite, results in saved.items():
            sys.stdout.writelines(row(suite, result) + "\n" for result in results)
        return 0
    chosen = [case for case in CASES if not args.case or case.name in args.case]
    unknown = set(args.case or ()) - {case.name for case in CASES}
    if unknown:
        sys.stderr.write(f"reload_probe: unknown case(s) {sorted(unknown)}; see --list\n")
        return 2
    os.environ.setdefault("CONTAINERS_CONF", str(HERE.parent / "containers.conf"))
    if args.calibrate:
        return run_calibration(args)
    return run_cases(args, chosen)


if __name__ == "__main__":
    sys.exit(main())
