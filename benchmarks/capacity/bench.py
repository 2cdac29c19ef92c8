# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Capacity benchmark: the sizing plan and rules of thumb on real Apache + mod_wsgi.

    python benchmarks/capacity/bench.py [--suite bookworm] [--suite trixie]
        [--out DIR] [--duration 30] [--sweep-suite bookworm] [--profile NAME ...]
        [--continue | --resume FILE]
    python benchmarks/capacity/bench.py --report DIR/capacity.json [--out DIR]
    python benchmarks/capacity/bench.py --smoke [--out DIR]

Runs on the host with podman, one container ``capacity-<suite>`` at a time, from
``localhost/wsgiscale-apache:<suite>`` with ``--network none``. Inside it Apache
(parent, children and daemons) is pinned to CPU 0 with taskset and
tests/load/loadgen.py to CPU 1, so the host under test has one vCPU; every request
goes to 127.0.0.1. The app is tests/load/calibrated_app.wsgi.

1. **Calibration** (per suite): a trivial request (no CPU, no I/O) at 50 requests/s,
   one at a time, gives the CPU that Apache and mod_wsgi cost per request (the
   sizing model's ``overhead_ms``); each app of the matrix served one request at a
   time gives its app time and CPU (``latency_ms``, ``cpu_ms``).
2. **Matrix**: each profile of matrix.py, each configuration (the plan of
   wsgi_sizing for the measured inputs and the rules of thumb), Poisson arrivals,
   exponential and lognormal I/O times, at 100 % of the target and, unless that
   saturated, 120 %. Apache is restarted before every run, warmed up for a few
   seconds at half the rate, then measured.
3. **Sweep** (``--sweep-suite``): per profile whose plan is feasible, the smallest
   P x T that passes, by bisection (analysis.sweep).

Before each run it waits until the host's 1-minute load average is below
``--max-load`` (at most ``--load-wait`` s) and records the load, the generator's
lateness and CPU, and the CPU other processes took from each of the two CPUs; runs
that were disturbed are measured again (``--reruns``). Results go to
``DIR/capacity.json`` (written after every run, so an interrupted benchmark keeps
what it measured and ``--continue`` goes on from there) and ``DIR/capacity.md``
with PNG plots (report.py). The container is removed at the end, also on SIGTERM.
Needs the collection importable (``make bench-capacity``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1] / "tests" / "load"))

import analysis  # noqa: E402
import matrix  # noqa: E402
import reload_probe  # noqa: E402
import report  # noqa: E402

IN = reload_probe.IN
WORK = reload_probe.WORK
SERVER_CPU = "0"
CLIENT_CPU = "1"
GROUP = "bench"
URL = "http://127.0.0.1/bench"
#: Daemon options every configuration shares (only processes/threads differ).
DAEMON_OPTIONS = {"display-name": "%{GROUP}", "socket-timeout": 60, "connect-timeout": 15}
#: Client timeout (s): longer than queue-timeout, so a shed request is a 504.
CLIENT_TIMEOUT_S = 15.0
WARMUP_S = 3.0
#: Seconds between load-average polls.
POLL_S = 5.0

SNAPSHOT = r"""
date +%s.%N
grep '^cpu[0-9]' /proc/stat
cat /proc/loadavg
for p in $(pidof apache2); do
  s=$(cat /proc/$p/stat 2>/dev/null) || continue
  a=$(tr '\0' ' ' < /proc/$p/cmdline 2>/dev/null | cut -c1-40)
  r=$(awk '/^VmRSS/ {print $2}' /proc/$p/status 2>/dev/null)
  echo "P|$p|$a|${r:-0}|$s"
done
"""


@dataclass
class Settings:
    """Knobs of a benchmark invocation (see build_parser)."""

    duration: float = 30.0
    min_requests: int = 1000
    max_duration: float = 90.0
    calibration_s: float = 30.0
    max_load: float = 1.5
    load_wait: float = 1800.0
    max_foreign_pct: float = 5.0
    reruns: int = 1
    warmup: float = WARMUP_S
    seed: int = 1


#: Settings that change what a run measures: continued results must share them.
MEASURING = ("duration", "min_requests", "max_duration", "calibration_s", "warmup")


# ---------------------------------------------------------------- /proc snapshots


def parse_snapshot(text: str) -> dict:
    """Parse the SNAPSHOT script's output: time, per-CPU busy ticks, load, processes."""
    lines = text.strip().splitlines()
    snap: dict = {"time": float(lines[0]), "cpus": {}, "procs": {}}
    for line in lines[1:]:
        if line.startswith("cpu"):
            name, *ticks = line.split()
            values = [int(v) for v in ticks]
            # user nice system idle iowait irq softirq steal: busy excludes idle, iowait
            snap["cpus"][name[3:]] = sum(values[:8]) - values[3] - values[4]
        elif line.startswith("P|"):
            _tag, pid, args, rss, stat = line.split("|", 4)
            fields = stat[stat.rindex(")") + 2 :].split()
            snap["procs"][int(pid)] = {
                "daemon": args.startswith("(wsgi:"),
                "ticks": int(fields[11]) + int(fields[12]),
                "start": int(fields[19]),
                "rss_kb": int(rss),
            }
        elif "loadavg" not in snap:
            snap["loadavg"] = float(line.split()[0])
    return snap


def cpu_between(before: dict, after: dict, ticks_per_s: float = 100.0) -> dict:
    """CPU seconds of Apache's daemons and other processes between two snapshots,
    the busy seconds of every CPU, and the daemons' memory at the end."""
    used = {"daemons": 0, "apache": 0}
    for pid, proc in after["procs"].items():
        old = before["procs"].get(pid)
        start = old["ticks"] if old and old["start"] == proc["start"] else 0
        used["daemons" if proc["daemon"] else "apache"] += proc["ticks"] - start
    daemons = [p for p in after["procs"].values() if p["daemon"]]
    busy = {
        cpu: (ticks - before["cpus"].get(cpu, 0)) / ticks_per_s
        for cpu, ticks in after["cpus"].items()
    }
    return {
        "seconds": round(after["time"] - before["time"], 3),
        "daemons_cpu_s": used["daemons"] / ticks_per_s,
        "apache_cpu_s": used["apache"] / ticks_per_s,
        "cpu_busy_s": busy,
        "daemons": len(daemons),
        "daemons_rss_mb": round(sum(p["rss_kb"] for p in daemons) / 1024.0, 1),
    }


def host_loadavg() -> float:
    """The host's 1-minute load average."""
    return float(Path("/proc/loadavg").read_text().split()[0])


def wait_for_quiet(max_load: float, limit_s: float) -> tuple[float, float]:
    """Poll until the 1-minute load average is below max_load (at most limit_s).

    Returns (load average when it stopped waiting, seconds waited).
    """
    began = time.monotonic()
    load = host_loadavg()
    while load >= max_load and time.monotonic() - began < limit_s:
        time.sleep(POLL_S)
        load = host_loadavg()
    return load, round(time.monotonic() - began, 1)


# ---------------------------------------------------------------- the server


class Server:
    """Apache + mod_wsgi in a capacity-<suite> container, pinned to one CPU."""

    def __init__(self, suite: str, name: str) -> None:
        """Name the container; nothing runs until create()."""
        self.box = reload_probe.Container(suite, name=name)
        self.suite = suite
        self.size: tuple | None = None

    def create(self) -> None:
        """Start the container and copy the app and the generator in."""
        self.box.create()
        self.box.write(f"{WORK}/snapshot.sh", SNAPSHOT)

    def remove(self) -> None:
        """Remove the container."""
        self.box.remove()

    def configure(self, processes: int, threads: int) -> None:
        """Write the daemon group and MPM limits of a P x T configuration.

        queue-timeout and listen-backlog are what wsgi_sizing gives any plan of this
        size; MaxRequestWorkers is max(150, the plan's), so Apache's workers never
        limit a configuration before its daemons do.
        """
        plan = analysis.sizing.size_plan(
            1, target_rpm=60, latency_ms=200, processes=processes, threads=threads
        )
        workers = max(150, plan["max_request_workers"])
        children = math.ceil(workers / 25)
        options = {
            "processes": processes,
            "threads": threads,
            **DAEMON_OPTIONS,
            "queue-timeout": plan["queue_timeout"],
            "listen-backlog": max(plan["listen_backlog"], workers),
        }
        site = "\n".join(
            [
                "ServerName localhost",
                "LogLevel warn",
                "WSGIRestrictEmbedded On",
                "WSGISocketPrefix /var/run/apache2/wsgi",
                reload_probe.daemon_line(GROUP, options),
                f"WSGIScriptAlias /bench {IN}/calibrated_app.wsgi process-group={GROUP} "
                "application-group=%{GLOBAL}",
                f"<Directory {IN}>",
                "    Require all granted",
                "</Directory>",
                "",
            ]
        )
        mpm = {
            "StartServers": children,
            "ServerLimit": children,
            "ThreadLimit": 64,
            "ThreadsPerChild": 25,
            "MinSpareThreads": 25,
            "MaxSpareThreads": children * 25,
            "MaxRequestWorkers": children * 25,
            "MaxConnectionsPerChild": 0,
        }
        self.box.write("/etc/apache2/conf-enabled/capacity.conf", site)
        self.box.write("/etc/apache2/conf-enabled/capacity-mpm.conf", reload_probe.mpm_conf(mpm))
        self.size = (processes, threads)

    def restart(self) -> None:
        """Start Apache afresh on the server CPU and wait until the app answers."""
        reload_probe.stop_apache(self.box)
        self.box.sh(f": > /var/log/apache2/error.log; taskset -c {SERVER_CPU} apache2ctl start")
        probe = (
            "import urllib.request, time\n"
            "for _attempt in range(300):\n"
            "    try:\n"
            f"        urllib.request.urlopen('{URL}', timeout=5).read()\n"
            "        break\n"
            "    except OSError:\n"
            "        time.sleep(0.1)\n"
            "else:\n"
            "    raise SystemExit('Apache did not answer within 30 s')\n"
        )
        self.box.podman(
            "exec", "-i", self.box.name, "taskset", "-c", CLIENT_CPU, "python3", "-", stdin=probe
        )
        pinned = self.box.sh(
            "for p in $(pidof apache2); do taskset -pc $p | awk '{print $NF}'; done | sort -u"
        ).split()
        if pinned != [SERVER_CPU]:
            raise RuntimeError(f"Apache is not pinned to CPU {SERVER_CPU}: {pinned}")

    def version(self) -> str:
        """mod_wsgi's version as the app reports it."""
        return self.box.sh(
            'python3 -c "import urllib.request as u; '
            f"print(u.urlopen('{URL}').headers['X-Calib-Mod-Wsgi'])\""
        ).strip()

    def snapshot(self) -> dict:
        """CPU ticks of each CPU and Apache process, the load average, memory."""
        return parse_snapshot(self.box.sh(f"sh {WORK}/snapshot.sh"))

    def load(self, query: str, rate: float, duration: float, arrivals: str, seed: int) -> tuple:
        """Run loadgen on the client CPU; return (summary, per-request records)."""
        self.box.sh(f"rm -f {WORK}/run.json {WORK}/run.jsonl")
        self.box.podman(
            "exec",
            self.box.name,
            "taskset",
            "-c",
            CLIENT_CPU,
            "python3",
            f"{IN}/loadgen.py",
            "run",
            f"{URL}?{query}",
            "--rate",
            f"{rate:.4f}",
            "--duration",
            f"{duration:g}",
            "--arrivals",
            arrivals,
            "--seed",
            str(seed),
            "--timeout",
            f"{CLIENT_TIMEOUT_S:g}",
            "--max-inflight",
            "2000",
            "--json",
            f"{WORK}/run.json",
            "--jsonl",
            f"{WORK}/run.jsonl",
        )
        summary = json.loads(self.box.sh(f"cat {WORK}/run.json"))
        text = self.box.sh(f"cat {WORK}/run.jsonl")
        return summary, [json.loads(line) for line in text.splitlines() if line.strip()]


def app_query(cpu_ms: float, io_ms: float, service: tuple = ("const", "const", 1.0)) -> str:
    """The calibrated app's query string for a profile and a service distribution."""
    _name, dist, sigma = service
    return f"cpu_ms={cpu_ms:g}&io_ms={io_ms:g}&io_dist={dist}&io_sigma={sigma:g}"


# ---------------------------------------------------------------- one run


def measure(
    server: Server,
    settings: Settings,
    spec: dict,
    excess_ms: float,
    arrivals: str = "poisson",
) -> dict:
    """Measure one run: ``spec`` has processes, threads, cpu_ms, io_ms, service, rate.

    Restarts Apache with the size, waits for a quiet host, warms up at half the
    rate, then measures for max(duration, min_requests / rate) seconds (at most
    max_duration) and returns the run's figures (analysis.run_figures) with the
    daemons' CPU and memory, the generator's CPU and lateness, and the host's load.
    """
    server.configure(spec["processes"], spec["threads"])
    server.restart()
    rate = spec["rate"]
    duration = min(settings.max_duration, max(settings.duration, settings.min_requests / rate))
    query = app_query(spec["cpu_ms"], spec["io_ms"], spec["service"])
    load_start, waited = wait_for_quiet(settings.max_load, settings.load_wait)
    server.load(query, rate / 2.0, settings.warmup, arrivals, 99)
    before = server.snapshot()
    summary, records = server.load(query, rate, duration, arrivals, settings.seed)
    after = server.snapshot()
    usage = cpu_between(before, after)
    figures = analysis.run_figures(records, summary["started"], duration, excess_ms)
    generator = summary["generator"]
    run = {
        **{k: spec[k] for k in ("processes", "threads", "cpu_ms", "io_ms", "rate")},
        "service": spec["service"][0],
        "arrivals": arrivals,
        "seed": settings.seed,
        "duration_s": duration,
        **figures,
        "server": _server_usage(usage, figures["ok"]),
        "generator": {
            "cpu_pct": generator["cpu_pct_of_one_core"],
            "lateness_ms": generator["lateness_ms"],
        },
        "host": {
            "loadavg_start": load_start,
            "loadavg_end": after["loadavg"],
            "waited_s": waited,
            "foreign_cpu_pct": _foreign(usage, generator),
        },
    }
    return run


def _server_usage(usage: dict, ok: int) -> dict:
    """Apache's and the daemons' CPU (share of one CPU and ms per answered request)."""
    seconds = usage["seconds"] or 1.0
    per = (lambda s: round(1000.0 * s / ok, 3)) if ok else (lambda s: None)
    return {
        "daemons": usage["daemons"],
        "daemons_rss_mb": usage["daemons_rss_mb"],
        "daemons_cpu_pct": round(100.0 * usage["daemons_cpu_s"] / seconds, 1),
        "apache_cpu_pct": round(100.0 * usage["apache_cpu_s"] / seconds, 1),
        "daemons_cpu_ms_per_request": per(usage["daemons_cpu_s"]),
        "apache_cpu_ms_per_request": per(usage["apache_cpu_s"]),
    }


def _foreign(usage: dict, generator: dict) -> dict:
    """Share (%) of each pinned CPU used by processes other than ours."""
    seconds = usage["seconds"] or 1.0
    ours = usage["daemons_cpu_s"] + usage["apache_cpu_s"]
    server = usage["cpu_busy_s"].get(SERVER_CPU, 0.0) - ours
    client = usage["cpu_busy_s"].get(CLIENT_CPU, 0.0) - generator["cpu_s"]
    return {
        "server": round(max(0.0, 100.0 * server / seconds), 1),
        "client": round(max(0.0, 100.0 * client / seconds), 1),
    }


# ---------------------------------------------------------------- calibration


def calibrate(server: Server, settings: Settings, apps: dict) -> dict:
    """Overhead per request (trivial app) and each app's time and CPU, one at a time.

    ``apps`` maps an app key (matrix.Profile.app) to (cpu_ms, io_ms). Requests come
    at a constant rate slow enough that two are never in flight together.
    """
    server.configure(2, 5)
    server.restart()
    result: dict = {"suite": server.suite, "mod_wsgi": server.version(), "apps": {}}
    trivial = _quiet_calibration_run(server, settings, 0.0, 0.0, 50.0)
    result["trivial"] = trivial
    result["overhead_ms"] = trivial["cpu_ms_per_request"]
    for key, (cpu_ms, io_ms) in apps.items():
        rate = 1000.0 / (2.0 * (cpu_ms + io_ms) + 50.0)
        item = _quiet_calibration_run(server, settings, cpu_ms, io_ms, rate)
        item["latency_ms"] = round(io_ms + item["app_minus_io_ms"], 3)
        item["cpu_ms"] = item["app_cpu_ms"]
        result["apps"][key] = item
    return result


def _quiet_calibration_run(
    server: Server, settings: Settings, cpu_ms: float, io_ms: float, rate: float
) -> dict:
    """A calibration run, measured again (up to ``reruns`` times) while disturbed."""
    item = _calibration_run(server, settings, cpu_ms, io_ms, rate)
    for _attempt in range(settings.reruns):
        if not analysis.disturbed(item, settings.max_load, settings.max_foreign_pct):
            break
        again = _calibration_run(server, settings, cpu_ms, io_ms, rate)
        item = min(item, again, key=lambda r: r["host"]["foreign_cpu_pct"]["server"])
    item["disturbed"] = analysis.disturbed(item, settings.max_load, settings.max_foreign_pct)
    return item


def _calibration_run(
    server: Server, settings: Settings, cpu_ms: float, io_ms: float, rate: float
) -> dict:
    """One calibration profile at a constant, non-overlapping rate."""
    load_start, waited = wait_for_quiet(settings.max_load, settings.load_wait)
    query = app_query(cpu_ms, io_ms)
    server.load(query, rate, settings.warmup, "constant", 99)
    before = server.snapshot()
    summary, records = server.load(query, rate, settings.calibration_s, "constant", 1)
    after = server.snapshot()
    usage = cpu_between(before, after)
    ok = [r for r in records if "error" not in r]
    n = len(ok) or 1
    app_cpu = sum(r.get("cpu_ms", 0.0) for r in ok) / n
    app_minus_io = sum(r.get("app_ms", 0.0) - r.get("io_ms", 0.0) for r in ok) / n
    excess = sorted(r.get("app_ms", 0.0) - r.get("io_ms", 0.0) - r.get("cpu_ms", 0.0) for r in ok)
    total_cpu = usage["daemons_cpu_s"] + usage["apache_cpu_s"]
    return {
        "cpu_ms_nominal": cpu_ms,
        "io_ms_nominal": io_ms,
        "rate": round(rate, 3),
        "requests": summary["requests"],
        "failed": summary["failed"],
        "app_ms": summary["app_ms"],
        "latency_ms": summary["latency_ms"],
        "queue_ms": summary["queue_wait_ms"],
        "app_cpu_ms": round(app_cpu, 4),
        "app_minus_io_ms": round(app_minus_io, 4),
        "excess_ms": round(excess[len(excess) // 2], 4) if excess else 0.0,
        "daemons_cpu_ms_per_request": round(1000.0 * usage["daemons_cpu_s"] / n, 4),
        "apache_cpu_ms_per_request": round(1000.0 * usage["apache_cpu_s"] / n, 4),
        "cpu_ms_per_request": round(1000.0 * total_cpu / n, 4),
        "generator": summary["generator"],
        "host": {
            "loadavg_start": load_start,
            "waited_s": waited,
            "foreign_cpu_pct": _foreign(usage, summary["generator"]),
        },
    }


# ---------------------------------------------------------------- matrix and sweep


class Bench:
    """One suite's measurements, saved to the results file after every run."""

    def __init__(self, server: Server, settings: Settings, results: dict, path: Path) -> None:
        """Start this suite's part of ``results`` (saved to ``path``)."""
        self.server = server
        self.settings = settings
        self.results = results
        self.path = path
        self.suite = results["suites"].setdefault(
            server.suite, {"calibration": None, "plans": {}, "runs": [], "sweeps": {}}
        )

    def save(self) -> None:
        """Write the results so far."""
        save_results(self.results, self.path)

    def calibrate(self, apps: dict) -> dict:
        """Calibrate (see calibrate()) and keep it; a resumed suite keeps its own."""
        known = self.suite["calibration"]
        if known and set(apps) <= set(known["apps"]):
            return known
        self.suite["calibration"] = calibrate(self.server, self.settings, apps)
        self.save()
        return self.suite["calibration"]

    def run(
        self,
        profile: matrix.Profile,
        config: matrix.Config,
        service: tuple,
        load: float,
        kind: str = "matrix",
        arrivals: str = "poisson",
    ) -> dict:
        """Measure one run (again when it was disturbed, up to ``reruns`` times).

        A run the results already hold (same kind, profile, size, service, load,
        arrivals and seed: a resumed benchmark) is not measured again.
        """
        for known in self.suite["runs"]:
            if (known["kind"], known["profile"], known["processes"], known["threads"]) == (
                kind,
                profile.name,
                config.processes,
                config.threads,
            ) and (known["service"], known["load"], known["arrivals"], known.get("seed", 1)) == (
                service[0],
                load,
                arrivals,
                self.settings.seed,
            ):
                return known
        calibration = self.suite["calibration"]
        spec = {
            "processes": config.processes,
            "threads": config.threads,
            "cpu_ms": profile.cpu_ms,
            "io_ms": profile.io_ms,
            "service": service,
            "rate": profile.target_rpm * load / 60.0,
        }
        excess = calibration["apps"][profile.app]["excess_ms"]
        run = measure(self.server, self.settings, spec, excess, arrivals)
        for _attempt in range(self.settings.reruns):
            if not self._disturbed(run):
                break
            again = measure(self.server, self.settings, spec, excess, arrivals)
            run = min(run, again, key=lambda r: r["host"]["foreign_cpu_pct"]["server"])
        run.update(
            {
                "kind": kind,
                "profile": profile.name,
                "app": profile.app,
                "target_rpm": profile.target_rpm,
                "config": config.name,
                "label": config.label,
                "load": load,
                "disturbed": self._disturbed(run),
            }
        )
        self.suite["runs"].append(run)
        self.save()
        sys.stdout.write(report.progress_line(self.server.suite, run) + "\n")
        sys.stdout.flush()
        return run

    def _disturbed(self, run: dict) -> bool:
        return analysis.disturbed(run, self.settings.max_load, self.settings.max_foreign_pct)

    def plan(self, profile: matrix.Profile) -> matrix.Config:
        """The plan of wsgi_sizing for the profile and the measured inputs."""
        inputs = analysis.model_inputs(self.suite["calibration"], profile.app)
        plan = analysis.plan_for(matrix.VCPUS, profile.target_rpm, inputs)
        self.suite["plans"][profile.name] = report.plan_summary(plan)
        return matrix.Config("plan", "plan (wsgi_sizing)", plan["processes"], plan["threads"])

    def matrix(
        self,
        profiles: list,
        names: list | None = None,
        services: list | None = None,
        sizes: list | None = None,
        loads: list | None = None,
    ) -> None:
        """Every profile x service x configuration at 100 % and (unless saturated) 120 %.

        ``names`` limits the configurations (plan, 2-2-30, express, ...), ``services``
        the service-time distributions (exp, lognormal); ``sizes`` (matrix.Config) are
        measured too, as configurations named after their size; ``loads`` limits the
        loads (1.0, 1.2).
        """
        for profile in profiles:
            configs = [self.plan(profile), *matrix.rule_configs(matrix.VCPUS)]
            configs = [c for c in configs if not names or c.name in names] + list(sizes or [])
            for service in [s for s in matrix.SERVICES if not services or s[0] in services]:
                for config in configs:
                    for load in [x for x in matrix.LOADS if not loads or x in loads]:
                        run = self.run(profile, config, service, load)
                        if analysis.saturated(run):
                            break

    def sweep(self, profile: matrix.Profile, max_processes: int = 6) -> dict:
        """The smallest P x T that passes at 100 % of the target, exponential service."""
        if profile.name in self.suite["sweeps"]:
            return self.suite["sweeps"][profile.name]
        app = self.suite["calibration"]["apps"][profile.app]
        min_total = math.ceil(profile.target_rpm / 60.0 * app["latency_ms"] / 1000.0)

        def passes(processes: int, threads: int) -> bool:
            config = matrix.Config("sweep", "sweep", processes, threads)
            run = self.run(profile, config, matrix.SERVICES[0], 1.0, kind="sweep")
            return analysis.checks(run)["pass"]

        found = analysis.sweep(passes, min_total, max_processes, 2 * min_total + 4)
        found["min_total"] = min_total
        self.suite["sweeps"][profile.name] = found
        self.save()
        return found


def save_results(results: dict, path: Path) -> None:
    """Write the results document (atomically), with the time spent so far."""
    results["elapsed_s"] = round(time.monotonic() - results["_t0"], 1)
    document = {k: v for k, v in results.items() if not k.startswith("_")}
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    os.replace(temporary, path)


def machine() -> dict:
    """The machine the benchmark ran on."""
    cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in cpuinfo.splitlines()
            if line.startswith("model name")
        ),
        "unknown",
    )
    return {
        "cpu_model": model,
        "cpus": os.cpu_count(),
        "kernel": os.uname().release,
        "memory_mb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20),
        "server_cpu": SERVER_CPU,
        "client_cpu": CLIENT_CPU,
    }


def apps_of(profiles: list) -> dict:
    """The distinct apps (cpu_ms, io_ms) of some profiles, by key."""
    return {p.app: (p.cpu_ms, p.io_ms) for p in profiles}


def run_suite(suite: str, args: argparse.Namespace, settings: Settings, results: dict) -> None:
    """Calibrate, run the matrix and (if asked) the sweep on one suite."""
    profiles = (
        [matrix.profile(name) for name in args.profile] if args.profile else list(matrix.PROFILES)
    )
    server = Server(suite, f"capacity-{suite}")
    server.create()
    try:
        bench = Bench(server, settings, results, Path(args.out) / "capacity.json")
        bench.calibrate(apps_of(profiles))
        bench.matrix(profiles, args.config, args.service, args.size, args.load)
        if suite in (args.sweep_suite or []):
            for profile in profiles:
                if bench.suite["plans"][profile.name]["feasible"]:
                    bench.sweep(profile)
    finally:
        server.remove()


# ---------------------------------------------------------------- smoke


SMOKE_PROFILE = matrix.Profile("smoke", "smoke 21 ms (1 ms CPU)", 1.0, 20.0, 1200.0)


def smoke(args: argparse.Namespace) -> int:
    """A few seconds of the harness and its report: one configuration, one suite.

    Fails (status 1) when the harness or the report breaks, or when no request of
    the run was answered; never on timing.
    """
    settings = Settings(
        duration=3.0,
        min_requests=0,
        calibration_s=2.0,
        max_load=math.inf,
        load_wait=0.0,
        reruns=0,
        warmup=1.0,
    )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results = new_results(settings)
    suite = (args.suite or ["bookworm"])[0]
    server = Server(suite, f"capacity-smoke-{suite}")
    server.create()
    try:
        bench = Bench(server, settings, results, out / "capacity.json")
        bench.calibrate(apps_of([SMOKE_PROFILE]))
        run = bench.run(SMOKE_PROFILE, bench.plan(SMOKE_PROFILE), matrix.SERVICES[0], 1.0)
    finally:
        server.remove()
    written = report.write(results, out)
    problems = []
    if not run["ok"]:
        problems.append("no request of the run was answered")
    if results["suites"][suite]["calibration"]["trivial"]["requests"] == 0:
        problems.append("the calibration sent no request")
    problems += [f"{path} was not written" for path in written if not Path(path).is_file()]
    for problem in problems:
        sys.stderr.write(f"bench-capacity smoke: {problem}\n")
    sys.stdout.write(
        f"bench-capacity smoke: {'FAILED' if problems else 'ok'}; wrote "
        f"{', '.join(str(p) for p in written)}\n"
    )
    return 1 if problems else 0


def capture_fixtures(out: Path, suite: str) -> int:
    """Write the real captures the unit tests read: /proc snapshots around a short
    run (2 x 3 threads, 5 ms CPU + 10 ms I/O at 40 rps Poisson for 5 s) and the
    run's per-request records and summary."""
    out.mkdir(parents=True, exist_ok=True)
    server = Server(suite, f"capacity-fixture-{suite}")
    server.create()
    try:
        server.configure(2, 3)
        server.restart()
        before = server.box.sh(f"sh {WORK}/snapshot.sh")
        server.load(app_query(5.0, 10.0), 40.0, 5.0, "poisson", 1)
        after = server.box.sh(f"sh {WORK}/snapshot.sh")
        (out / "snapshot-before.txt").write_text(before, encoding="utf-8")
        (out / "snapshot-after.txt").write_text(after, encoding="utf-8")
        for name in ("run.json", "run.jsonl"):
            text = server.box.sh(f"cat {WORK}/{name}")
            (out / name).write_text(text, encoding="utf-8")
    finally:
        server.remove()
    return 0


# ---------------------------------------------------------------- command line


def new_results(settings: Settings) -> dict:
    """An empty results document."""
    return {
        "version": 1,
        "started": round(time.time(), 3),
        "_t0": time.monotonic(),
        "machine": machine(),
        "vcpus": matrix.VCPUS,
        "settings": settings.__dict__,
        "suites": {},
    }


def initial_results(args: argparse.Namespace, settings: Settings) -> tuple[dict, Path | None]:
    """The results to start from, and the file they were read from (None: new ones).

    ``--resume FILE`` continues FILE; ``--continue`` continues ``OUT/capacity.json``
    when it exists. Saved results keep their calibration and runs (Bench.run does not
    measure a run they hold) and the time spent on them.
    """
    path = Path(args.resume) if args.resume else Path(args.out) / "capacity.json"
    if not args.resume and not (args.resume_out and path.is_file()):
        return new_results(settings), None
    results = json.loads(path.read_text(encoding="utf-8"))
    saved = results.get("settings", {})
    differ = [k for k in MEASURING if saved.get(k) != getattr(settings, k)]
    if differ:
        raise SystemExit(
            f"{path} was measured with other settings ("
            + ", ".join(f"{k} {saved.get(k)} here {getattr(settings, k)}" for k in differ)
            + f"); pass the same options, or remove {path} to start afresh"
        )
    results["_t0"] = time.monotonic() - results.get("elapsed_s", 0.0)
    return results, path


def _terminate(signum: int, _frame: object) -> None:
    """SIGTERM ends the benchmark like Ctrl-C: the container is removed, results kept."""
    raise SystemExit(128 + signum)


def _size(text: str) -> matrix.Config:
    """--size PxT as a configuration (argparse's type)."""
    try:
        return matrix.size_config(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _add_selection(parser: argparse.ArgumentParser) -> None:
    """The options that choose what is measured: suites, profiles, sizes, loads, seed."""
    parser.add_argument("--suite", action="append", choices=reload_probe.SUITES, help="(both)")
    parser.add_argument(
        "--sweep-suite",
        action="append",
        choices=reload_probe.SUITES,
        help="suites on which to sweep for the smallest passing size (none)",
    )
    parser.add_argument("--profile", action="append", help="profiles of matrix.py (all)")
    parser.add_argument(
        "--config", action="append", help="configurations: plan, 2-2-30, express, ... (all)"
    )
    parser.add_argument(
        "--service",
        action="append",
        choices=[name for name, _dist, _sigma in matrix.SERVICES],
        help="service-time distributions of the app's I/O (both)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=1,
        help="seed of the measured runs' Poisson arrivals (1): the same seed gives every "
        "configuration the same arrival times, another seed other ones; request i draws "
        "the same service time whatever the seed",
    )
    parser.add_argument(
        "--load",
        action="append",
        type=float,
        choices=matrix.LOADS,
        help="loads, as shares of the target (both: 1.0 and 1.2)",
    )
    parser.add_argument(
        "--size",
        action="append",
        type=_size,
        help="also measure this size, PxT (for example 2x11), in every profile run",
    )


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(prog="bench.py", description=__doc__.split("\n\n")[1])
    _add_selection(parser)
    parser.add_argument(
        "--resume", help="continue these results: keep their calibration and runs, add the rest"
    )
    parser.add_argument("--out", default="build/capacity", help="output directory")
    parser.add_argument(
        "--continue",
        dest="resume_out",
        action="store_true",
        help="continue OUT/capacity.json when it exists (what make bench-capacity does)",
    )
    parser.add_argument(
        "--no-report",
        dest="render",
        action="store_false",
        help="save the measurements only (the report simulates every compared run and "
        "takes minutes: skip it between the parts of a benchmark, render with --report)",
    )
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per run (30)")
    parser.add_argument(
        "--min-requests",
        type=int,
        default=1000,
        help="longer runs for slow rates, up to --max-duration (1000)",
    )
    parser.add_argument("--max-duration", type=float, default=90.0, help="(90)")
    parser.add_argument("--calibration-seconds", type=float, default=30.0, help="(30)")
    parser.add_argument(
        "--max-load",
        type=float,
        default=1.5,
        help="wait for a 1-minute load average below this (1.5)",
    )
    parser.add_argument(
        "--load-wait", type=float, default=1800.0, help="longest wait for it, s (1800)"
    )
    parser.add_argument(
        "--max-foreign",
        type=float,
        default=5.0,
        help="%% of Apache's CPU other processes may take before a rerun (5)",
    )
    parser.add_argument("--reruns", type=int, default=1, help="reruns of a disturbed run (1)")
    parser.add_argument("--report", help="render DIR/capacity.md and plots from this JSON")
    parser.add_argument("--smoke", action="store_true", help="a few seconds, one configuration")
    parser.add_argument("--fixtures", help="capture the unit tests' fixtures into this directory")
    return parser


def main(argv: list | None = None) -> int:
    """Run the benchmark (or the smoke, or a report of saved results)."""
    args = build_parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    os.environ.setdefault("CONTAINERS_CONF", str(HERE.parents[1] / "tests" / "containers.conf"))
    if args.report:
        results = json.loads(Path(args.report).read_text(encoding="utf-8"))
        for path in report.write(results, Path(args.out)):
            sys.stdout.write(f"wrote {path}\n")
        return 0
    if args.smoke:
        return smoke(args)
    if args.fixtures:
        return capture_fixtures(Path(args.fixtures), (args.suite or ["bookworm"])[0])
    settings = Settings(
        duration=args.duration,
        min_requests=args.min_requests,
        max_duration=args.max_duration,
        calibration_s=args.calibration_seconds,
        max_load=args.max_load,
        load_wait=args.load_wait,
        max_foreign_pct=args.max_foreign,
        reruns=args.reruns,
        seed=args.seed,
    )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results, resumed = initial_results(args, settings)
    if resumed is not None:
        kept = sum(len(data["runs"]) for data in results["suites"].values())
        sys.stdout.write(f"continuing {resumed}: {kept} measured runs kept\n")
    for suite in args.suite or reload_probe.SUITES:
        run_suite(suite, args, settings, results)
    results["finished"] = round(time.time(), 3)
    save_results(results, out / "capacity.json")
    if args.render:
        for path in report.write(results, out):
            sys.stdout.write(f"wrote {path}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
