# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tests of the capacity benchmark's report: tables and plots from stored results.

The runs are the real capture of tests/fixtures/capacity (2 x 3 threads, 5 ms CPU +
10 ms I/O at 40 rps on a busy host: its queue-wait p95 of 237 ms fails the SLO) and
the same run marked as saturated.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "benchmarks" / "capacity"))
sys.path.insert(0, str(ROOT / "tests" / "load"))
import analysis  # noqa: E402
import report  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "capacity"
CALIBRATION = {
    "suite": "bookworm",
    "mod_wsgi": "4.9.4",
    "overhead_ms": 0.7,
    "trivial": {
        "requests": 1500,
        "app_ms": {"mean": 0.12},
        "app_cpu_ms": 0.003,
        "apache_cpu_ms_per_request": 0.3,
        "daemons_cpu_ms_per_request": 0.4,
        "cpu_ms_per_request": 0.7,
        "generator": {"lateness_ms": {"p99": 1.2}},
        "host": {"loadavg_start": 0.8, "foreign_cpu_pct": {"server": 0.5}},
    },
    "apps": {},
}


def fixture_run(**extra) -> dict:
    text = (FIXTURES / "run.jsonl").read_text(encoding="utf-8")
    records = [json.loads(line) for line in text.splitlines() if line.strip()]
    summary = json.loads((FIXTURES / "run.json").read_text(encoding="utf-8"))
    run = analysis.run_figures(records, summary["started"], 5.0, 0.5)
    run.update(
        {
            "processes": 2,
            "threads": 3,
            "cpu_ms": 5.0,
            "io_ms": 10.0,
            "rate": 40.0,
            "service": "exp",
            "arrivals": "poisson",
            "duration_s": 5.0,
            "server": {
                "daemons": 2,
                "daemons_rss_mb": 26.0,
                "daemons_cpu_pct": 9.9,
                "apache_cpu_pct": 0.3,
            },
            "generator": {
                "cpu_pct": summary["generator"]["cpu_pct_of_one_core"],
                "lateness_ms": summary["generator"]["lateness_ms"],
            },
            "host": {
                "loadavg_start": 18.71,
                "loadavg_end": 19.26,
                "waited_s": 0.0,
                "foreign_cpu_pct": {"server": 90.0, "client": 80.0},
            },
            "kind": "matrix",
            "profile": "fixture",
            "app": "cpu5-io10",
            "target_rpm": 2400.0,
            "config": "plan",
            "label": "plan (wsgi_sizing)",
            "load": 1.0,
            "disturbed": True,
        }
    )
    run.update(extra)
    return run


@pytest.fixture(name="results")
def results_fixture() -> dict:
    calibration = json.loads(json.dumps(CALIBRATION))
    calibration["apps"]["cpu5-io10"] = {
        **calibration["trivial"],
        "latency_ms": 15.6,
        "cpu_ms": 5.0,
        "excess_ms": 0.5,
    }
    saturated = fixture_run(
        config="express",
        label="express 1x5",
        processes=1,
        threads=5,
        achieved_rps=30.0,
        throughput_rps=29.0,
    )
    return {
        "machine": {
            "cpu_model": "test CPU",
            "cpus": 2,
            "kernel": "6.1",
            "server_cpu": "0",
            "client_cpu": "1",
        },
        "vcpus": 1,
        "elapsed_s": 120.0,
        "suites": {
            "bookworm": {
                "calibration": calibration,
                "plans": {
                    "fixture": {
                        "processes": 2,
                        "threads": 3,
                        "total_threads": 6,
                        "feasible": True,
                        "binding": "queue_slo",
                        "capacity_rpm": 9000.0,
                        "capacity_limit": "threads",
                        "problems": [],
                    }
                },
                "runs": [fixture_run(), saturated],
                "sweeps": {
                    "fixture": {
                        "best": {"processes": 1, "threads": 4, "total": 4},
                        "trials": [{"processes": 1, "threads": 4, "pass": True}],
                    }
                },
            }
        },
    }


def table_row(text: str, *cells: str) -> str:
    """The one line of a markdown table that holds all the cells."""
    rows = [line for line in text.splitlines() if all(f"| {c} |" in line for c in cells)]
    assert len(rows) == 1, (cells, rows)
    return rows[0]


def test_runs_table_shows_the_failed_criteria(results):
    text = report.runs_table(report.judged(results))
    row = table_row(text, "plan", "2x3")
    assert "| 236.61 |" not in row  # queue p50 / p95 share one cell
    assert "64.35 / 236.61" in row
    assert row.endswith("| **queue, latency** |")
    assert table_row(text, "express", "1x5").endswith("| **achieved, queue, latency** |")


def test_model_table_marks_saturation_and_measured_capacity(results):
    text = report.model_table(report.judged(results))
    held = table_row(text, "plan", "2x3")
    assert "| >= 42.2 |" in held
    saturated = table_row(text, "express", "1x5")
    assert "| unbounded |" in saturated
    assert "| = 29.0 |" in saturated


def test_plans_table_compares_the_plan_with_the_sweep(results):
    text = report.plans_table(results)
    row = table_row(text, "fixture", "2x3")
    # 6 threads against the swept 1 x 4: 1.5, over the 1.25 allowed.
    assert "| 1x4 = 4 | 1.50 **over 1.25** |" in row
    assert "| **no** / - |" in row  # failed with exponential, no lognormal run


def test_model_summary_counts_the_verdicts(results):
    summary = report.model_summary(report.judged(results))
    assert summary["runs"] == 2
    assert summary["capacity_measured"] == 1
    assert sum(summary["queue"].values()) == 2


def test_write_renders_markdown_and_png_plots(results, tmp_path):
    written = report.write(results, tmp_path)
    assert [p.name for p in written] == [
        "capacity.md", "capacity-bookworm-load.png", "capacity-model.png",
    ]  # fmt: skip
    for path in written[1:]:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = written[0].read_text(encoding="utf-8")
    assert "| bookworm | 4.9.4 | trivial (overhead_ms) | 1500 |" in text
    assert "## Sweeps" in text


def test_seeds_table_groups_one_size_over_its_seeds(results):
    """Runs of one size with several seeds form one row, the seeds in order."""
    first = results["suites"]["bookworm"]["runs"][0]
    other = json.loads(json.dumps(first))
    other["seed"] = 2
    other["queue_ms"]["p95"] = 3.0
    results["suites"]["bookworm"]["runs"].insert(0, other)
    rows = report.judged(results)
    groups = report.seed_groups(rows)
    assert [[r.get("seed", 1) for r in runs] for _key, runs in groups] == [[1, 2]]
    row = table_row(report.seeds_table(rows), "fixture", "2x3")
    assert "| 1: 236.6 / " in row and ", 2: 3.0 / " in row
    assert row.endswith("| 3.0 / 236.6 / 236.6 | 0 of 2 |")
    assert "## Seeds" in report.markdown(results)


def test_no_seeds_section_with_one_seed(results):
    assert report.seed_groups(report.judged(results)) == []
    assert "## Seeds" not in report.markdown(results)


def test_window_section_replays_each_compared_run(results):
    """Only runs whose queue held and measured above 5 ms are replayed; the replay uses
    the run's 211 requests, the band the model's pool at the offered rate."""
    items = report.window_rows(report.judged(results), windows=20)
    assert [(i["run"]["config"], i["replay"]["requests"]) for i in items] == [("plan", 211)]
    band = items[0]["band"]
    assert band["windows"] == 20 and band["p10_ms"] <= band["p50_ms"] <= band["p90_ms"]
    row = table_row(report.window_table(items), "fixture", "2x3")
    assert "| 236.6 |" in row
    assert row.endswith(
        f"| {'yes' if items[0]['inside'] else 'no'} | {items[0]['run']['queue']['verdict']} |"
    )
    assert "## The window" in report.markdown(results)


def _item(verdict, measured, replayed, inside, predicted=1.0, long_run=1.0) -> dict:
    run = {"queue": {"verdict": verdict}, "queue_ms": {"p95": measured},
           "prediction": {"queue_p95_ms": predicted}}  # fmt: skip
    band = {"long_run_ms": long_run}
    return {"run": run, "replay": {"queue_p95_ms": replayed}, "band": band, "inside": inside}


def test_window_summary_separates_the_misses_and_the_unbounded():
    items = [
        _item("within 2x", 20.0, 19.0, True, predicted=15.0, long_run=20.0),
        _item("optimistic", 30.0, 29.0, True, predicted=10.0, long_run=25.0),
        _item("optimistic", 130.0, 0.0, False),
        _item("pessimistic", 600.0, 650.0, True, predicted=None, long_run=None),
    ]
    assert report.window_summary(items) == {
        "compared": 3,
        "closed_form": 2,
        "closed_form_within_2x": 1,
        "replayed": 2,
        "inside": 2,
        "misses": 2,
        "misses_replayed": 1,
        "misses_inside": 1,
        "unbounded": 1,
        "unbounded_inside": 1,
    }
    text = report.window_text(items)
    assert (
        "Of the 2 predictions not within 2x, the simulation of the same requests reproduces 1"
        in text
    )
    assert "above 5 ms: 1 of 2 within 2x" in text
