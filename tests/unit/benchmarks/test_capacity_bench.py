# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tests of the capacity benchmark's /proc accounting on real captures.

tests/fixtures/capacity/snapshot-{before,after}.txt are the output of bench.py's
SNAPSHOT script in a Debian 12 container around a 5 s run (written by
``benchmarks/capacity/bench.py --fixtures``). The expected figures below were read
off those files by hand.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "benchmarks" / "capacity"))
sys.path.insert(0, str(ROOT / "tests" / "load"))
import bench  # noqa: E402
import matrix  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "capacity"


def snapshot(name: str) -> dict:
    return bench.parse_snapshot((FIXTURES / f"snapshot-{name}.txt").read_text(encoding="utf-8"))


def test_snapshot_finds_the_parent_children_and_daemons():
    snap = snapshot("after")
    assert snap["time"] == pytest.approx(1796038034.019384)
    assert snap["loadavg"] == 19.26
    assert set(snap["cpus"]) == {"0", "1"}
    assert sorted(p for p, proc in snap["procs"].items() if proc["daemon"]) == [59, 60]
    assert sorted(p for p, proc in snap["procs"].items() if not proc["daemon"]) == [
        58, 61, 62, 114, 115, 116, 117,
    ]  # fmt: skip
    # utime 52 + stime 6 (fields 14 and 15 of /proc/60/stat).
    assert snap["procs"][60]["ticks"] == 58


def test_cpu_busy_counts_user_system_irq_softirq_steal_not_idle_or_iowait():
    # cpu0 after: 531685 + 0 + 185238 + 0 + 736 + 701 = 718360 busy ticks.
    assert snapshot("after")["cpus"]["0"] == 718360


def test_cpu_between_splits_daemons_from_apache():
    usage = bench.cpu_between(snapshot("before"), snapshot("after"))
    # Daemons: (52 + 6) + (51 + 8) - (1 + 0) - (1 + 0) = 115 ticks.
    assert usage["daemons_cpu_s"] == pytest.approx(1.15)
    # Apache parent and children: 1 (pid 114) + 1 (62) + 1 (61) = 3 ticks.
    assert usage["apache_cpu_s"] == pytest.approx(0.03)
    # cpu0: 718360 - (530790 + 184965 + 736 + 700) = 1169 ticks.
    assert usage["cpu_busy_s"]["0"] == pytest.approx(11.69)
    assert usage["daemons"] == 2
    # VmRSS 13296 + 13300 kB.
    assert usage["daemons_rss_mb"] == pytest.approx(26.0, abs=0.05)


def test_a_process_that_restarted_counts_from_zero():
    """A pid reused by a new process (another start time) has no 'before'."""
    before = snapshot("before")
    after = snapshot("after")
    after["procs"][60] = {**after["procs"][60], "start": after["procs"][60]["start"] + 1}
    usage = bench.cpu_between(before, after)
    # Daemon 60's 58 ticks all count: 115 + 1 (its 'before' no longer subtracted).
    assert usage["daemons_cpu_s"] == pytest.approx(1.16)


def test_foreign_cpu_is_what_our_processes_did_not_use():
    usage = {
        "seconds": 10.0,
        "daemons_cpu_s": 3.0,
        "apache_cpu_s": 1.0,
        "cpu_busy_s": {"0": 5.0, "1": 2.0},
    }
    assert bench._foreign(usage, {"cpu_s": 1.5}) == {"server": 10.0, "client": 5.0}


def test_app_query_names_the_distribution():
    assert bench.app_query(10.0, 90.0, ("lognormal", "lognormal", 1.0)) == (
        "cpu_ms=10&io_ms=90&io_dist=lognormal&io_sigma=1"
    )


# ---------------------------------------------------------------- continuing a cut run


def saved_results(tmp_path: Path, **settings) -> Path:
    """A results document as save_results writes it: one measured run, 10 minutes in."""
    results = bench.new_results(bench.Settings(**settings))
    results["suites"]["bookworm"] = {
        "calibration": {"apps": {"cpu1-io199": {"excess_ms": 0.5}}},
        "plans": {},
        "runs": [
            {
                "kind": "matrix",
                "profile": "io",
                "processes": 1,
                "threads": 5,
                "service": "exp",
                "load": 1.0,
                "arrivals": "poisson",
            }
        ],
        "sweeps": {},
    }
    results["_t0"] -= 600.0
    path = tmp_path / "capacity.json"
    bench.save_results(results, path)
    return path


def test_continue_without_saved_results_starts_afresh(tmp_path):
    args = bench.build_parser().parse_args(["--out", str(tmp_path), "--continue"])
    results, resumed = bench.initial_results(args, bench.Settings())
    assert resumed is None
    assert results["suites"] == {}


def test_continue_keeps_the_saved_runs_and_the_time_spent(tmp_path):
    path = saved_results(tmp_path)
    args = bench.build_parser().parse_args(["--out", str(tmp_path), "--continue"])
    results, resumed = bench.initial_results(args, bench.Settings())
    assert resumed == path
    assert len(results["suites"]["bookworm"]["runs"]) == 1
    bench.save_results(results, path)
    assert json.loads(path.read_text(encoding="utf-8"))["elapsed_s"] >= 600.0


def test_saved_results_are_replaced_unless_continued(tmp_path):
    saved_results(tmp_path)
    args = bench.build_parser().parse_args(["--out", str(tmp_path)])
    results, resumed = bench.initial_results(args, bench.Settings())
    assert resumed is None
    assert results["suites"] == {}


def test_resume_reads_the_named_file(tmp_path):
    path = saved_results(tmp_path)
    args = bench.build_parser().parse_args(
        ["--out", str(tmp_path / "other"), "--resume", str(path)]
    )
    results, resumed = bench.initial_results(args, bench.Settings())
    assert resumed == path
    assert results["suites"]["bookworm"]["runs"][0]["profile"] == "io"


def test_results_measured_with_other_settings_are_not_continued(tmp_path):
    saved_results(tmp_path, duration=5.0)
    args = bench.build_parser().parse_args(["--out", str(tmp_path), "--continue"])
    with pytest.raises(SystemExit, match=r"duration 5\.0 here 30\.0"):
        bench.initial_results(args, bench.Settings())


class _Suite:
    suite = "bookworm"


class Measured(Exception):
    """Raised by the stand-in for bench.measure: the run would have been measured."""


def _measure(*_args, **_kwargs):
    raise Measured


def test_a_run_the_results_hold_is_not_measured_again(tmp_path, monkeypatch):
    path = saved_results(tmp_path)
    args = bench.build_parser().parse_args(["--out", str(tmp_path), "--continue"])
    results, _resumed = bench.initial_results(args, bench.Settings())
    monkeypatch.setattr(bench, "measure", _measure)
    runner = bench.Bench(_Suite(), bench.Settings(), results, path)
    profile, exp = matrix.profile("io"), matrix.SERVICES[0]
    config = matrix.Config("express", "express 1x5", 1, 5)
    known = results["suites"]["bookworm"]["runs"][0]
    assert runner.run(profile, config, exp, 1.0) is known
    # Another load, size or service is a run still to measure.
    for other in (
        (config, exp, 1.2),
        (matrix.Config("x", "x", 1, 6), exp, 1.0),
        (config, matrix.SERVICES[1], 1.0),
    ):
        with pytest.raises(Measured):
            runner.run(profile, *other)


def test_matrix_measures_only_the_services_asked_for(tmp_path, monkeypatch):
    runner = bench.Bench(
        _Suite(), bench.Settings(), bench.new_results(bench.Settings()), tmp_path / "c.json"
    )
    seen = []
    monkeypatch.setattr(runner, "plan", lambda _profile: matrix.Config("plan", "plan", 1, 2))
    monkeypatch.setattr(
        runner,
        "run",
        lambda _p, config, service, load: seen.append((service[0], config.name, load)) or {},
    )
    monkeypatch.setattr(bench.analysis, "saturated", lambda _run: False)
    runner.matrix([matrix.profile("io")], services=["lognormal"])
    assert {service for service, _config, _load in seen} == {"lognormal"}
    assert len(seen) == len(set(seen)) == 6 * len(matrix.LOADS)
    args = bench.build_parser().parse_args(["--service", "exp"])
    assert args.service == ["exp"]


def test_sigterm_ends_the_benchmark_like_an_exception():
    """So that run_suite's finally removes the container and the results stay saved."""
    with pytest.raises(SystemExit) as ended:
        bench._terminate(15, None)
    assert ended.value.code == 143


@pytest.mark.parametrize("text", ["2x11", "2X11", "1x1"])
def test_size_option_names_the_configuration_after_the_size(text):
    config = bench.build_parser().parse_args(["--size", text]).size[0]
    assert (config.name, config.processes, config.threads) == (
        text.lower(),
        *map(int, text.lower().split("x")),
    )


@pytest.mark.parametrize("text", ["2", "2x", "x3", "0x4", "2x-1", "axb", "2x3x4"])
def test_size_option_refuses_what_is_not_a_size(text, capsys):
    with pytest.raises(SystemExit):
        bench.build_parser().parse_args(["--size", text])
    assert "a size is PxT with P and T positive integers" in capsys.readouterr().err


def test_seed_defaults_to_one_and_is_kept_in_the_settings():
    args = bench.build_parser().parse_args(["--seed", "3"])
    assert args.seed == 3
    assert bench.build_parser().parse_args([]).seed == 1
    assert bench.Settings(seed=3).seed == 3


def test_load_option_takes_the_matrix_loads_only():
    assert bench.build_parser().parse_args(["--load", "1.0"]).load == [1.0]
    with pytest.raises(SystemExit):
        bench.build_parser().parse_args(["--load", "1.1"])
