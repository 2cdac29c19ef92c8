# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The plans of wsgi_sizing on hosts of 1 to 8 vCPUs, in the simulated pool.

    python benchmarks/capacity/hosts.py [--results FILE] [--vcpus 1 2 4 8]
        [--requests 300000] [--out FILE.md]

The capacity benchmark measures one vCPU only (the generator needs the machine's
other CPU). Its report shows that a run's own requests, simulated through the pool
(analysis.network_waits: P x T threads, each process's bursts under its GIL, the
processes sharing the vCPUs), give the queue wait that real Apache measured. This
script uses that simulation where nothing was measured: for every feasible profile of
matrix.py, scaled to V vCPUs (the issue's 2-vCPU target times V / 2) and fed the
calibration of a results file (Debian 12 unless ``--suite``), it plans the size, and
finds the smallest thread count at the plan's process count that meets the queue SLO
in the simulated steady state (``--requests`` Poisson arrivals, exponential I/O), and
compares the model's predicted queue-wait p95 with the simulated one for the plan (at
100 % and 120 % of the target), that smallest size and the one below it. It prints a
markdown table (and writes it to ``--out``). Pure Python, no container: minutes.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1] / "tests" / "load"))

import analysis  # noqa: E402
import matrix  # noqa: E402
from report import _num  # noqa: E402

RESULTS = HERE / "results" / "2026-11-30-bookworm.json"
FEASIBLE = ("io", "io-high", "mixed", "cpu")


def simulated_p95_ms(inputs: dict, vcpus: int, size: tuple, rate: float, requests: int) -> float:
    """Steady-state queue-wait p95 (ms) of ``requests`` Poisson arrivals at ``rate`` in
    a P x T pool on ``vcpus``: each burns cpu_ms + overhead_ms, then waits an
    exponential I/O of mean latency_ms - cpu_ms."""
    rng = random.Random(f"hosts:{vcpus}:{size}:{rate}")
    io_mean = (inputs["latency_ms"] - inputs["cpu_ms"]) / 1000.0
    arrivals, io, clock = [], [], 0.0
    for _request in range(requests):
        clock += rng.expovariate(rate)
        arrivals.append(clock)
        io.append(rng.expovariate(1.0 / io_mean))
    pool = {
        "processes": size[0],
        "threads": size[1],
        "cpus": vcpus,
        "cpu_ms": inputs["cpu_ms"] + inputs["overhead_ms"],
    }
    return analysis.pool_p95_ms(pool, arrivals, io)


def predicted_p95_ms(inputs: dict, vcpus: int, size: tuple, rate: float):
    """The model's queue-wait p95 (ms) for the size at ``rate`` (None: unbounded)."""
    plan = analysis.sizing.size_plan(
        vcpus, target_rpm=60.0 * rate, processes=size[0], threads=size[1], **inputs
    )
    return plan["predicted_queue_wait_ms"]


def smallest_threads(inputs: dict, vcpus: int, processes: int, rate: float, requests: int):
    """The smallest T whose P x T meets the queue SLO (p95 < 10 ms) in the simulation
    at ``rate``, by bisection (more threads never queue more), with its p95; and the
    p95 of T - 1."""
    low, high = 0, 1
    while simulated_p95_ms(inputs, vcpus, (processes, high), rate, requests) >= 10.0:
        low, high = high, 2 * high
    while high - low > 1:
        middle = (low + high) // 2
        passes = simulated_p95_ms(inputs, vcpus, (processes, middle), rate, requests) < 10.0
        low, high = (low, middle) if passes else (middle, high)
    return high


def point(inputs: dict, vcpus: int, size: tuple, rate: float, requests: int) -> dict:
    """The model's and the simulation's queue-wait p95 for one size and rate."""
    return {
        "size": size,
        "predicted_ms": predicted_p95_ms(inputs, vcpus, size, rate),
        "simulated_ms": simulated_p95_ms(inputs, vcpus, size, rate, requests),
    }


def host_rows(results: dict, suite: str, vcpus_list: list, requests: int) -> list:
    """Per host size and feasible profile: the plan at 100 % and 120 % of the target,
    the smallest size at the plan's P that the simulation passes and the one below
    it, each with the model's and the simulation's p95."""
    calibration = results["suites"][suite]["calibration"]
    rows = []
    for vcpus in vcpus_list:
        for profile in (p for p in matrix.PROFILES if p.name in FEASIBLE):
            inputs = analysis.model_inputs(calibration, profile.app)
            target_rpm = profile.issue_rpm * vcpus / matrix.ISSUE_VCPUS
            plan = analysis.plan_for(vcpus, target_rpm, inputs)
            row = {"vcpus": vcpus, "profile": profile.name, "target_rpm": target_rpm}
            rows.append(row)
            if not plan["feasible"]:
                continue
            rate = target_rpm / 60.0
            size = (plan["processes"], plan["threads"])
            least = smallest_threads(inputs, vcpus, size[0], rate, requests)
            row["points"] = [
                ("plan", 1.0, point(inputs, vcpus, size, rate, requests)),
                ("plan", 1.2, point(inputs, vcpus, size, 1.2 * rate, requests)),
                ("smallest", 1.0, point(inputs, vcpus, (size[0], least), rate, requests)),
            ]
            if least > 1:
                below = point(inputs, vcpus, (size[0], least - 1), rate, requests)
                row["points"].append(("below it", 1.0, below))
            row["ratio"] = plan["threads"] / least
    return rows


def verdict(point_: dict) -> str:
    """The model against the simulation: within 2x where either is above 5 ms."""
    predicted, simulated = point_["predicted_ms"], point_["simulated_ms"]
    if predicted is None:
        return "unbounded" + (" (agrees)" if simulated > 1000.0 else "")
    if max(predicted, simulated) <= analysis.QUEUE_COMPARED_ABOVE_MS:
        return "both below 5 ms"
    if simulated > 0 and 0.5 <= predicted / simulated <= 2.0:
        return "within 2x"
    return "optimistic" if predicted < simulated else "pessimistic"


def table(rows: list) -> str:
    """The rows as markdown: one line per point."""
    lines = [
        "| vCPUs | profile | target rpm | size | load | model p95 ms | simulated p95 ms "
        "| simulated < 10 ms | model against simulation | plan / smallest |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        head = f"| {row['vcpus']} | {row['profile']} | {row['target_rpm']:,.0f} |"
        if "points" not in row:
            lines.append(f"{head} infeasible | - | - | - | - | - | - |")
            continue
        for name, load, item in row["points"]:
            predicted = item["predicted_ms"]
            cells = [
                f"{name} {item['size'][0]}x{item['size'][1]}",
                f"{load:.0%}",
                "unbounded" if predicted is None else _num(predicted),
                _num(item["simulated_ms"]),
                "yes" if item["simulated_ms"] < analysis.MAX_QUEUE_P95_MS else "no",
                verdict(item),
                f"{row['ratio']:.2f}" if (name, load) == ("plan", 1.0) else "",
            ]
            lines.append(f"{head} " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list | None = None) -> int:
    """Print (and write) the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", default=str(RESULTS), help="results with a calibration")
    parser.add_argument("--suite", default="bookworm", help="whose calibration (bookworm)")
    parser.add_argument("--vcpus", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--requests", type=int, default=300_000, help="per point (300000)")
    parser.add_argument("--out", help="also write the table to this file")
    args = parser.parse_args(argv)
    results = json.loads(Path(args.results).read_text(encoding="utf-8"))
    text = table(host_rows(results, args.suite, args.vcpus, args.requests))
    sys.stdout.write(text + "\n")
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
