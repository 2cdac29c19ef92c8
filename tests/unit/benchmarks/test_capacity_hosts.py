# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tests of benchmarks/capacity/hosts.py: the plans on 1 to 8 vCPUs, simulated."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "benchmarks" / "capacity"))
sys.path.insert(0, str(ROOT / "tests" / "load"))
import hosts  # noqa: E402

INPUTS = {"latency_ms": 200.0, "cpu_ms": 50.0, "overhead_ms": 1.0, "mod_wsgi_version": "4.9.4"}


@pytest.mark.parametrize("needed", [1, 2, 7, 8, 9, 33])
def test_smallest_threads_bisects_to_the_first_passing_size(monkeypatch, needed):
    tried = []

    def fake(_inputs, _vcpus, size, _rate, _requests):
        tried.append(size[1])
        return 0.0 if size[1] >= needed else 50.0

    monkeypatch.setattr(hosts, "simulated_p95_ms", fake)
    assert hosts.smallest_threads(INPUTS, 1, 3, 10.0, 100) == needed
    assert len(tried) <= 2 * needed.bit_length() + 2


def test_simulated_queue_falls_with_threads_and_vcpus():
    """The CPU-heavy app at 12.5 requests/s: one thread queues for seconds; on two
    vCPUs (two processes) less than on one; enough threads do not queue."""
    rate = 12.5
    one = hosts.simulated_p95_ms(INPUTS, 1, (1, 1), rate, 5000)
    assert one > 1000.0
    shared = hosts.simulated_p95_ms(INPUTS, 1, (2, 3), rate, 5000)
    spread = hosts.simulated_p95_ms(INPUTS, 2, (2, 3), rate, 5000)
    assert shared > spread
    assert hosts.simulated_p95_ms(INPUTS, 1, (3, 5), rate, 5000) < 10.0


def test_host_rows_and_table(monkeypatch):
    """Every feasible profile gets the plan at 100 % and 120 %, the smallest passing
    size and the one below; an infeasible one a row that says so."""
    calibration = {
        "overhead_ms": 1.0,
        "mod_wsgi": "4.9.4",
        "apps": {
            app: {"latency_ms": io + cpu, "cpu_ms": cpu}
            for app, (cpu, io) in {
                "cpu1-io199": (1.0, 199.0),
                "cpu10-io90": (10.0, 90.0),
                "cpu50-io150": (50.0, 150.0),
            }.items()
        },
    }
    results = {"suites": {"bookworm": {"calibration": calibration}}}
    rows = hosts.host_rows(results, "bookworm", [1], 3000)
    assert [r["profile"] for r in rows] == ["io", "io-high", "mixed", "cpu"]
    for row in rows:
        names = [(name, load) for name, load, _item in row["points"]]
        assert names[:3] == [("plan", 1.0), ("plan", 1.2), ("smallest", 1.0)]
        smallest = row["points"][2][2]
        assert smallest["simulated_ms"] < 10.0
        if len(names) == 4:
            assert row["points"][3][2]["simulated_ms"] >= 10.0
    text = hosts.table([*rows, {"vcpus": 1, "profile": "x", "target_rpm": 1.0}])
    assert "| 1 | x | 1 | infeasible |" in text
    assert text.count("\n") == 2 + sum(len(r["points"]) for r in rows)


@pytest.mark.parametrize(
    ("predicted", "simulated", "expected"),
    [
        (None, 5000.0, "unbounded (agrees)"),
        (None, 3.0, "unbounded"),
        (4.0, 1.0, "both below 5 ms"),
        (12.0, 20.0, "within 2x"),
        (5.0, 20.0, "optimistic"),
        (50.0, 20.0, "pessimistic"),
    ],
)
def test_verdict(predicted, simulated, expected):
    assert hosts.verdict({"predicted_ms": predicted, "simulated_ms": simulated}) == expected
