# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Render the capacity benchmark's results: markdown tables and PNG plots.

Every judgement (pass criteria, the model's predictions and their errors) is made
again from the stored measurements with the model as it is now (analysis.judge),
so a saved results file can be re-rendered after the model changed.
"""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import analysis
import matrix
from matplotlib.figure import Figure

MD_NAME = "capacity.md"


def _num(value, digits: int = 1) -> str:
    """A number for a table cell; '-' for None, 'inf' for an unbounded value."""
    if value is None:
        return "-"
    if isinstance(value, float) and math.isinf(value):
        return "inf"
    return f"{value:,.{digits}f}"


def _pct(value, digits: int = 1) -> str:
    return "-" if value is None else f"{100.0 * value:.{digits}f}%"


def plan_summary(plan: dict) -> dict:
    """The fields of a wsgi_sizing plan the report shows."""
    return {
        "processes": plan["processes"],
        "threads": plan["threads"],
        "total_threads": plan["total_threads"],
        "feasible": plan["feasible"],
        "binding": plan["binding"],
        "capacity_rpm": plan["capacity_rpm"],
        "capacity_limit": plan["capacity_limit"],
        "cpu_utilization": plan["cpu_utilization"],
        "predicted_queue_wait_ms": plan["predicted_queue_wait_ms"],
        "problems": [p["code"] for p in plan["problems"]],
    }


def progress_line(suite: str, run: dict) -> str:
    """One line per measured run, printed while the benchmark runs."""
    lateness = run["generator"]["lateness_ms"].get("p99")
    return (
        f"{suite} {run['profile']:<10} {run['service']:<9} {run['config']:<14} "
        f"{run['processes']}x{run['threads']:<3} {run['load']:.0%}: offered "
        f"{_num(run['offered_rps'])} achieved {_num(run['achieved_rps'])} rps, errors "
        f"{run['failed']}, p95 {_num(run['latency_ms']['p95'])} ms (app "
        f"{_num(run['app_ms']['p95'])}, alone {_num(run['own']['p95_ms'])}), queue p95 "
        f"{_num(run['queue_ms']['p95'])} ms, "
        f"lateness p99 {_num(lateness)} ms, load {run['host']['loadavg_start']:.2f}, "
        f"foreign {run['host']['foreign_cpu_pct']['server']}% -> "
        f"{analysis.failed_checks(run)}"
    )


def judged(results: dict) -> list:
    """Every run of every suite with its judgement (analysis.judge) attached."""
    rows = []
    for suite, data in results["suites"].items():
        calibration = data.get("calibration")
        if not calibration:
            continue
        for run in data["runs"]:
            inputs = analysis.model_inputs(calibration, run["app"])
            row = {**run, "suite": suite, **analysis.judge(run, results["vcpus"], inputs)}
            row["inputs"] = inputs
            row["vcpus"] = results["vcpus"]
            plan = data["plans"].get(run["profile"])
            if (
                run["config"] == "plan"
                and plan
                and ((plan["processes"], plan["threads"]) != (run["processes"], run["threads"]))
            ):
                # Planned by an earlier model than the one that planned this profile last.
                row["config"] = "plan-before"
            rows.append(row)
    return rows


# ---------------------------------------------------------------- tables


def calibration_table(results: dict) -> str:
    """Per suite: the trivial request's CPU (overhead_ms) and each app's inputs."""
    lines = [
        "| suite | mod_wsgi | request | requests | app ms (mean) | app CPU ms | Apache CPU "
        "ms/req | daemons CPU ms/req | all CPU ms/req | latency_ms fed | cpu_ms fed | "
        "load avg | lateness p99 ms | foreign CPU % |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for suite, data in results["suites"].items():
        cal = data.get("calibration")
        if not cal:
            continue
        items = [("trivial (overhead_ms)", cal["trivial"], None)]
        items += [(key, item, item) for key, item in cal["apps"].items()]
        for name, item, fed in items:
            cells = [
                suite,
                cal["mod_wsgi"],
                name,
                str(item["requests"]),
                _num(item["app_ms"]["mean"], 2),
                _num(item["app_cpu_ms"], 2),
                _num(item["apache_cpu_ms_per_request"], 2),
                _num(item["daemons_cpu_ms_per_request"], 2),
                _num(item["cpu_ms_per_request"], 2),
                "-" if fed is None else _num(fed["latency_ms"], 2),
                "-" if fed is None else _num(fed["cpu_ms"], 2),
                _num(item["host"]["loadavg_start"], 2),
                _num(item["generator"]["lateness_ms"]["p99"], 2),
                _num(item["host"]["foreign_cpu_pct"]["server"]),
            ]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plans_table(results: dict) -> str:
    """Per suite and profile: the plan, whether it passed, and the swept minimum."""
    lines = [
        "| suite | profile | target rpm | plan | model: feasible | binding | model capacity "
        "rpm | plan passed (exp / lognormal) | swept minimum | plan / swept |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    rows = judged(results)
    for suite, data in results["suites"].items():
        for name, plan in data["plans"].items():
            verdicts = []
            for service, _dist, _sigma in matrix.SERVICES:
                found = [
                    r
                    for r in rows
                    if r["suite"] == suite
                    and r["profile"] == name
                    and r["config"] == "plan"
                    and r["service"] == service
                    and r["load"] == 1.0
                ]
                verdicts.append(
                    "-" if not found else ("yes" if found[-1]["checks"]["pass"] else "**no**")
                )
            sweep = data["sweeps"].get(name)
            best = sweep and sweep["best"]
            against = analysis.plan_against_sweep(plan["total_threads"], best)
            target = next(r["target_rpm"] for r in data["runs"] if r["profile"] == name)
            cells = [
                suite,
                name,
                f"{target:,.0f}",
                f"{plan['processes']}x{plan['threads']}",
                "yes" if plan["feasible"] else f"**no** ({', '.join(plan['problems'])})",
                plan["binding"],
                f"{plan['capacity_rpm']:,.0f} ({plan['capacity_limit']})",
                " / ".join(verdicts),
                "-"
                if not sweep
                else (
                    "none passed"
                    if not best
                    else f"{best['processes']}x{best['threads']} = {best['total']}"
                ),
                "-"
                if against["ratio"] is None
                else f"{against['ratio']:.2f}" + ("" if against["pass"] else " **over 1.25**"),
            ]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _run_key(r: dict) -> list:
    """The cells that name a run: suite, profile, service times, configuration, size."""
    return [r["suite"], r["profile"], r["service"], r["config"], f"{r['processes']}x{r['threads']}"]


def runs_table(rows: list, kind: str = "matrix") -> str:
    """The measurements of every run of a kind, with the pass criteria."""
    lines = [
        "| suite | profile | service | config | PxT | load | offered rps | achieved rps | "
        "errors | client p50 / p95 / p99 ms | app p95 ms (run / alone) | queue p50 / p95 ms | "
        "daemons RSS "
        "MB | daemons / Apache CPU % | generator CPU % / lateness p99 ms | load avg | "
        "foreign CPU % | result |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if r["kind"] != kind:
            continue
        lat = r["latency_ms"]
        srv = r["server"]
        cells = [
            *_run_key(r),
            f"{r['load']:.0%}",
            _num(r["offered_rps"]),
            _num(r["achieved_rps"]),
            _pct(r["error_ratio"], 2),
            f"{_num(lat['p50'])} / {_num(lat['p95'])} / {_num(lat['p99'])}",
            f"{_num(r['app_ms']['p95'])} / {_num(r['own']['p95_ms'])}",
            f"{_num(r['queue_ms']['p50'], 2)} / {_num(r['queue_ms']['p95'], 2)}",
            _num(srv["daemons_rss_mb"], 0),
            f"{_num(srv['daemons_cpu_pct'])} / {_num(srv['apache_cpu_pct'])}",
            f"{_num(r['generator']['cpu_pct'])} / "
            f"{_num(r['generator']['lateness_ms'].get('p99'), 2)}",
            _num(r["host"]["loadavg_start"], 2),
            _num(r["host"]["foreign_cpu_pct"]["server"]),
            "pass" if r["checks"]["pass"] else f"**{analysis.failed_checks(r)}**",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def model_table(rows: list) -> str:
    """Predicted against measured queue-wait p95 and capacity, per run."""
    lines = [
        "| suite | profile | service | config | PxT | offered rps | app mean ms measured / "
        "predicted | queue p95 measured ms | predicted ms | ratio | verdict | capacity rps "
        "measured | predicted | error | verdict |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        pred = r["prediction"]
        cap = r["capacity"]
        measured_q = "unbounded" if analysis.saturated(r) else _num(r["queue_ms"]["p95"], 2)
        cells = [
            *_run_key(r),
            _num(r["offered_rps"]),
            f"{_num(r['app_ms']['mean'])} / {_num(pred['effective_latency_ms'])}",
            measured_q,
            "unbounded" if pred["queue_p95_ms"] is None else _num(pred["queue_p95_ms"], 2),
            _num(r["queue"]["ratio"], 2),
            r["queue"]["verdict"],
            f"{cap['bound']} {_num(cap['measured_rps'])}",
            _num(pred["capacity_rps"]),
            _pct(cap["error"], 0),
            cap["verdict"],
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def model_summary(rows: list) -> dict:
    """Counts of the queue and capacity verdicts, and the errors where they are numbers."""
    queue = Counter(r["queue"]["verdict"] for r in rows)
    capacity = Counter(r["capacity"]["verdict"] for r in rows)
    ratios = [r["queue"]["ratio"] for r in compared(rows) if r["queue"]["ratio"] is not None]
    errors = [abs(r["capacity"]["error"]) for r in rows if r["capacity"]["bound"] == "="]
    return {
        "runs": len(rows),
        "queue": dict(sorted(queue.items())),
        "capacity": dict(sorted(capacity.items())),
        "queue_compared": len(ratios),
        "queue_within_2x": sum(1 for x in ratios if 0.5 <= x <= 2.0),
        "capacity_measured": len(errors),
        "capacity_median_abs_error": sorted(errors)[len(errors) // 2] if errors else None,
    }


def summary_text(rows: list) -> str:
    """The model summary as markdown bullets."""
    s = model_summary(rows)
    return "\n".join(
        [
            f"- Runs judged: {s['runs']}.",
            f"- Queue-wait p95 verdicts: {', '.join(f'{k} {v}' for k, v in s['queue'].items())}.",
            f"- Where the measured p95 was above 5 ms and the queue held: "
            f"{s['queue_within_2x']} of {s['queue_compared']} predictions within 2x.",
            f"- Capacity verdicts: {', '.join(f'{k} {v}' for k, v in s['capacity'].items())}; "
            f"median |error| where the run saturated ({s['capacity_measured']} runs): "
            f"{_pct(s['capacity_median_abs_error'], 0)}.",
        ]
    )


def compared(rows: list) -> list:
    """The runs whose queue-wait p95 is compared with the model: the queue held and
    measured above 5 ms."""
    return [
        r
        for r in rows
        if not analysis.saturated(r)
        and (r["queue_ms"]["p95"] or 0) > analysis.QUEUE_COMPARED_ABOVE_MS
    ]


def _service(run: dict) -> tuple:
    """The (io_dist, io_sigma) of a run's service-time distribution."""
    return {name: (dist, sigma) for name, dist, sigma in matrix.SERVICES}[run["service"]]


def window_rows(rows: list, windows: int = 200) -> list:
    """For each compared run: its own requests through its simulated pool
    (analysis.replay) and the spread of windows of the run's length through that pool
    (analysis.model_window)."""
    out = []
    for r in compared(rows):
        dist, sigma = _service(r)
        band = analysis.model_window(r, r["inputs"], r["vcpus"], dist, sigma, windows)
        measured = r["queue_ms"]["p95"]
        out.append(
            {
                "run": r,
                "replay": analysis.replay(r, r["inputs"], r["vcpus"], dist, sigma),
                "band": band,
                "inside": band["p10_ms"] <= measured <= band["p90_ms"],
            }
        )
    return out


def window_table(items: list) -> str:
    """The measured queue-wait p95 against the same requests simulated, the model and
    the simulated windows."""
    lines = [
        "| suite | profile | service | PxT | offered rps | measured p95 ms | same requests, "
        "simulated | model | simulated long run | simulated windows p10 / p50 / p90 "
        "| measured inside | model verdict |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for item in items:
        r, band, replayed = item["run"], item["band"], item["replay"]
        predicted = r["prediction"]["queue_p95_ms"]
        cells = [
            r["suite"],
            r["profile"],
            r["service"],
            f"{r['processes']}x{r['threads']}",
            _num(r["offered_rps"]),
            _num(r["queue_ms"]["p95"]),
            "-" if replayed is None else _num(replayed["queue_p95_ms"]),
            "unbounded" if predicted is None else _num(predicted),
            "-" if band["long_run_ms"] is None else _num(band["long_run_ms"]),
            " / ".join(_num(band[k]) for k in ("p10_ms", "p50_ms", "p90_ms")),
            "yes" if item["inside"] else "no",
            r["queue"]["verdict"],
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _within_2x(value, measured) -> bool:
    """value within a factor of 2 of measured (both finite, measured > 0)."""
    return value is not None and bool(measured) and 0.5 <= value / measured <= 2.0


def window_summary(items: list) -> dict:
    """Among the compared runs with a finite prediction (those of the model summary):
    how many the simulation of their own requests reproduces (within 2x), how many
    fall inside the simulated band, overall and among the model's misses, and how many
    predictions are within 2x of the simulated long run (the closed form against the
    steady state it stands for); and the band's count among the runs whose prediction
    is unbounded (a queue unstable in the steady state, measured for one window)."""
    finite = [i for i in items if i["run"]["prediction"]["queue_p95_ms"] is not None]
    unbounded = [i for i in items if i["run"]["prediction"]["queue_p95_ms"] is None]
    misses = [i for i in finite if i["run"]["queue"]["verdict"] != "within 2x"]

    def replayed(group: list) -> int:
        return sum(
            1
            for i in group
            if i["replay"] and _within_2x(i["replay"]["queue_p95_ms"], i["run"]["queue_ms"]["p95"])
        )

    closed = [
        (i["run"]["prediction"]["queue_p95_ms"], i["band"]["long_run_ms"])
        for i in finite
        if i["band"]["long_run_ms"] is not None
        and max(i["band"]["long_run_ms"], i["run"]["prediction"]["queue_p95_ms"])
        > analysis.QUEUE_COMPARED_ABOVE_MS
    ]
    return {
        "compared": len(finite),
        "closed_form": len(closed),
        "closed_form_within_2x": sum(1 for model, long in closed if _within_2x(model, long)),
        "replayed": replayed(finite),
        "inside": sum(1 for i in finite if i["inside"]),
        "misses": len(misses),
        "misses_replayed": replayed(misses),
        "misses_inside": sum(1 for i in misses if i["inside"]),
        "unbounded": len(unbounded),
        "unbounded_inside": sum(1 for i in unbounded if i["inside"]),
    }


def window_text(items: list) -> str:
    """The window section's summary bullets."""
    s = window_summary(items)
    return "\n".join(
        [
            f"- Compared runs with a finite prediction (the model summary's): {s['compared']}.",
            f"- Their own requests, simulated, give the measured p95 within 2x in "
            f"{s['replayed']} of them.",
            f"- The measured p95 lies between the 10th and 90th percentile of the simulated "
            f"windows in {s['inside']} of them.",
            f"- Of the {s['misses']} predictions not within 2x, the simulation of the same "
            f"requests reproduces {s['misses_replayed']}, and {s['misses_inside']} lie inside "
            f"the band.",
            f"- Where the model predicts an unbounded queue ({s['unbounded']} runs), the "
            f"band holds the measured p95 in {s['unbounded_inside']}.",
            f"- The model's closed form against the simulated long run (the steady state it "
            f"stands for), where either is above 5 ms: {s['closed_form_within_2x']} of "
            f"{s['closed_form']} within 2x.",
        ]
    )


def _queue_cell(figures: dict, unbounded: bool) -> str:
    """A queue-wait p95 cell: a run's measured one or a prediction's, or 'unbounded'."""
    if unbounded:
        return "unbounded"
    value = figures["queue_ms"]["p95"] if "queue_ms" in figures else figures["queue_p95_ms"]
    return _num(value)


def seed_groups(rows: list) -> list:
    """The runs of one suite, profile, service, size and load measured with several
    seeds: [(key, [rows sorted by seed])], in the order the groups were first run."""
    groups: dict = {}
    for r in rows:
        key = (r["suite"], r["profile"], r["service"], r["processes"], r["threads"], r["load"])
        groups.setdefault(key, {})[r.get("seed", 1)] = r
    return [
        (key, [by_seed[s] for s in sorted(by_seed)])
        for key, by_seed in groups.items()
        if len(by_seed) > 1
    ]


def seeds_table(rows: list) -> str:
    """How much one size's queue-wait p95 moves from one set of requests to another."""
    lines = [
        "| suite | profile | service | PxT | load | queue p95 ms by seed (measured / predicted) "
        "| measured min / median / max | runs passed |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for (suite, profile, service, processes, threads, load), runs in seed_groups(rows):
        measured = sorted(
            math.inf if analysis.saturated(r) else (r["queue_ms"]["p95"] or 0.0) for r in runs
        )
        per_seed = ", ".join(
            f"{r.get('seed', 1)}: {_queue_cell(r, analysis.saturated(r))} / "
            f"{_queue_cell(r['prediction'], r['prediction']['queue_p95_ms'] is None)}"
            for r in runs
        )
        spread = " / ".join(
            "unbounded" if math.isinf(x) else _num(x)
            for x in (measured[0], measured[len(measured) // 2], measured[-1])
        )
        passed = sum(1 for r in runs if r["checks"]["pass"])
        lines.append(
            f"| {suite} | {profile} | {service} | {processes}x{threads} | {load:.0%} | "
            f"{per_seed} | {spread} | {passed} of {len(runs)} |"
        )
    return "\n".join(lines)


def sweep_table(results: dict) -> str:
    """Every trial of every sweep."""
    lines = [
        "| suite | profile | trials (PxT: pass/fail, in order) | smallest passing |",
        "|---|---|---|---|",
    ]
    for suite, data in results["suites"].items():
        for name, sweep in data["sweeps"].items():
            trials = ", ".join(
                f"{t['processes']}x{t['threads']}: {'pass' if t['pass'] else 'fail'}"
                for t in sweep["trials"]
            )
            best = sweep["best"]
            found = "none" if not best else f"{best['processes']}x{best['threads']}"
            lines.append(f"| {suite} | {name} | {trials} | {found} |")
    return "\n".join(lines)


# ---------------------------------------------------------------- plots


def _series(rows: list, suite: str, profile: str) -> dict:
    """(config, service) -> sorted [(offered rps, client p95, queue p95)] of the matrix."""
    series: dict = {}
    for r in rows:
        if r["suite"] != suite or r["profile"] != profile or r["kind"] != "matrix":
            continue
        series.setdefault((r["label"], r["service"]), []).append(
            (r["offered_rps"], r["latency_ms"]["p95"], r["queue_ms"]["p95"])
        )
    return {key: sorted(points) for key, points in sorted(series.items())}


def plot_load(rows: list, suite: str, path: Path) -> None:
    """Client p95 and queue-wait p95 against offered load, per profile and configuration."""
    profiles = list(dict.fromkeys(r["profile"] for r in rows if r["suite"] == suite))
    fig = Figure(figsize=(2.6 * max(2, len(profiles)), 5.2))
    axes = fig.subplots(2, max(1, len(profiles)), squeeze=False)
    colours: dict = {}
    for column, name in enumerate(profiles):
        for (label, service), points in _series(rows, suite, name).items():
            colour = colours.setdefault(label, f"C{len(colours)}")
            style = "-" if service == "exp" else "--"
            xs = [p[0] for p in points]
            for row, index in ((0, 1), (1, 2)):
                ys = [max(p[index] or 0.0, 0.01) for p in points]
                axes[row][column].plot(
                    xs,
                    ys,
                    style,
                    marker="o",
                    markersize=3,
                    color=colour,
                    label=label if service == "exp" else None,
                )
        axes[0][column].set_title(name, fontsize=9)
        axes[1][column].set_xlabel("offered rps", fontsize=8)
        for row in (0, 1):
            axes[row][column].set_yscale("log")
            axes[row][column].tick_params(labelsize=7)
        axes[1][column].axhline(analysis.MAX_QUEUE_P95_MS, color="grey", linewidth=0.6)
    axes[0][0].set_ylabel("client p95 ms", fontsize=8)
    axes[1][0].set_ylabel("queue-wait p95 ms", fontsize=8)
    handles, labels = axes[0][0].get_legend_handles_labels()
    for column in range(1, len(profiles)):
        for handle, label in zip(*axes[0][column].get_legend_handles_labels()):
            if label not in labels:
                handles.append(handle)
                labels.append(label)
    fig.legend(handles, labels, loc="lower center", ncol=6, fontsize=7, frameon=False)
    fig.suptitle(f"{suite}: solid exponential, dashed lognormal I/O times", fontsize=9)
    fig.tight_layout(rect=(0, 0.06, 1, 0.97))
    fig.savefig(path, dpi=72)


def plot_model(rows: list, path: Path) -> None:
    """Predicted against measured queue-wait p95, log-log, with the 2x band."""
    floor, ceiling = 0.05, 20000.0
    fig = Figure(figsize=(5.2, 4.6))
    ax = fig.subplots()
    markers = {"exp": "o", "lognormal": "^"}
    colours: dict = {}
    for r in rows:
        measured = ceiling if analysis.saturated(r) else max(r["queue_ms"]["p95"] or 0, floor)
        predicted = r["prediction"]["queue_p95_ms"]
        predicted = ceiling if predicted is None else max(predicted, floor)
        colour = colours.setdefault(r["profile"], f"C{len(colours)}")
        ax.scatter(
            measured,
            predicted,
            s=14,
            marker=markers.get(r["service"], "o"),
            color=colour,
            alpha=0.7,
        )
    line = [floor, ceiling]
    ax.plot(line, line, color="black", linewidth=0.7)
    ax.plot(line, [2 * x for x in line], ":", color="grey", linewidth=0.7)
    ax.plot(line, [x / 2 for x in line], ":", color="grey", linewidth=0.7)
    ax.axvline(analysis.QUEUE_COMPARED_ABOVE_MS, color="grey", linewidth=0.5)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(floor / 1.5, ceiling * 1.5)
    ax.set_ylim(floor / 1.5, ceiling * 1.5)
    ax.set_xlabel("measured queue-wait p95 ms (saturated: top)", fontsize=8)
    ax.set_ylabel("predicted queue-wait p95 ms (unbounded: top)", fontsize=8)
    for name, colour in colours.items():
        ax.scatter([], [], color=colour, label=name, s=14)
    ax.legend(fontsize=7, loc="upper left", title="o exp, ^ lognormal", title_fontsize=7)
    ax.tick_params(labelsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=72)


# ---------------------------------------------------------------- the report


WINDOW_INTRO = (
    "Each compared run's own requests (its seeded arrivals and I/O draws) through a "
    "simulated pool of its P x T threads: first come first served, each request burning "
    "the calibrated CPU (plus the overhead) on the host's vCPUs shared equally with the "
    "other bursts in progress, then waiting its I/O. And 200 windows as long as the run "
    "of the same pool with other Poisson arrivals and draws: the 10th, 50th and 90th "
    "percentile of their p95 (where one run lands eight times in ten) and the p95 of "
    "all of them end to end (the steady state that the model computes in closed form)."
)


def window_section(rows: list) -> list:
    """The lines of the window section (none when no run is compared)."""
    items = window_rows(rows)
    if not items:
        return []
    return ["## The window", "", WINDOW_INTRO, "", window_text(items), "", window_table(items), ""]


def markdown(results: dict) -> str:
    """The whole report: calibration, plans, the model's errors, every run."""
    rows = judged(results)
    machine = results["machine"]
    parts = [
        "# Capacity benchmark results",
        "",
        f"Machine: {machine['cpu_model']}, {machine['cpus']} CPUs, kernel "
        f"{machine['kernel']}; Apache on CPU {machine['server_cpu']}, the generator on CPU "
        f"{machine['client_cpu']}: the host under test has {results['vcpus']} vCPU. Run took "
        f"{results.get('elapsed_s', 0) / 60:.0f} min.",
        "",
        "## Calibration",
        "",
        calibration_table(results),
        "",
        "## Plans",
        "",
        plans_table(results),
        "",
        "## The model against the measurements",
        "",
        summary_text(rows),
        "",
        model_table(rows),
        "",
        "## Runs",
        "",
        runs_table(rows, "matrix"),
        "",
    ]
    if any(data["sweeps"] for data in results["suites"].values()):
        parts += ["## Sweeps", "", sweep_table(results), "", runs_table(rows, "sweep"), ""]
    parts += window_section(rows)
    if seed_groups(rows):
        parts += [
            "## Seeds",
            "",
            "The same size measured with other requests (`--seed`): other arrival times; "
            "request i draws the same service time with every seed.",
            "",
            seeds_table(rows),
            "",
        ]
    return "\n".join(parts)


def write(results: dict, out: Path) -> list:
    """Write capacity.md and the plots to ``out``; return the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    rows = judged(results)
    written = [out / MD_NAME]
    written[0].write_text(markdown(results), encoding="utf-8")
    for suite in results["suites"]:
        path = out / f"capacity-{suite}-load.png"
        plot_load(rows, suite, path)
        written.append(path)
    path = out / "capacity-model.png"
    plot_model(rows, path)
    written.append(path)
    return written
