# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The metrics agent (roles/mod_wsgi_daemon/files/metrics_agent.py) outside Apache.

mod_wsgi cannot be imported outside Apache, so the agent is fed the events and the
process_metrics() result that mod_wsgi 4.9.4 and 5.0.2 delivered in the captured runs
(tests/fixtures/metrics/<suite>/events.json), through a stand-in for the mod_wsgi
module that holds those captured values; the molecule scenario ``autotune`` runs the
agent inside real daemons.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import time
import types
from pathlib import Path

import pytest
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils import traffic
from hypothesis import given
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[3]
AGENT_PATH = ROOT / "roles" / "mod_wsgi_daemon" / "files" / "metrics_agent.py"
FIXTURES = ROOT / "tests" / "fixtures" / "metrics"
SUITES = ("bookworm", "trixie")
# Largest snapshot with the default 60 intervals (documented in docs/metrics.md).
SNAPSHOT_BOUND_BYTES = 256 * 1024


def load_agent():
    spec = importlib.util.spec_from_file_location("wsgiscale_metrics_agent", AGENT_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


agent = load_agent()


def events(suite):
    return json.loads((FIXTURES / suite / "events.json").read_text())


def stand_in(suite, process_group="shop"):
    """The attributes and functions of the mod_wsgi module the agent uses, with the
    values captured from that suite's real mod_wsgi."""
    captured = events(suite)
    attributes = captured["module"][0]
    module = types.SimpleNamespace(
        process_group=process_group,
        application_group=attributes["application_group"],
        version=tuple(attributes["version"]),
        threads_per_process=attributes["threads_per_process"],
        maximum_processes=attributes["maximum_processes"],
        subscribers=[],
        shutdown=[],
    )
    module.subscribe_events = module.subscribers.append
    module.subscribe_shutdown = module.shutdown.append
    module.process_metrics = lambda: dict(captured["process_metrics"][0])
    return module


def feed(recorder, suite):
    """Replay the captured events in the order mod_wsgi sends them."""
    captured = events(suite)
    for started, responded, finished in zip(
        captured["request_started"], captured["response_started"], captured["request_finished"]
    ):
        recorder.on_event("request_started", **started)
        recorder.on_event("response_started", **responded)
        recorder.on_event("request_finished", **finished)
    return captured


# ---------------------------------------------------------------- buckets


def test_edges_are_r20_from_10_us_to_100_s():
    edges = agent.EDGES_MS
    assert (edges[0], edges[-1], len(edges)) == (0.01, 100000.0, 141)
    ratios = [b / a for a, b in zip(edges, edges[1:])]
    assert min(ratios) > 1.05
    assert max(ratios) < 1.15
    for edge in agent.PROM_EDGES_MS:
        assert float(edge) in edges


@given(st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=142))
def test_histogram_encoding_round_trips_through_the_reader(counts):
    counts = counts + [0] * (agent.BUCKETS - len(counts))
    assert traffic.decode_histogram(agent.encode_histogram(counts), agent.BUCKETS) == counts


@given(st.floats(min_value=0.0, max_value=200.0, allow_nan=False))
def test_a_value_lands_in_the_bucket_whose_edges_hold_it(seconds):
    index = agent.bisect.bisect_left(agent.EDGES_S, seconds)
    if index < len(agent.EDGES_S):
        assert seconds <= agent.EDGES_S[index]
    if index:
        assert seconds > agent.EDGES_S[index - 1]


# ---------------------------------------------------------------- the recorder


@pytest.mark.parametrize("suite", SUITES)
def test_recorder_sums_what_mod_wsgi_reported(suite):
    recorder = agent.Recorder()
    captured = feed(recorder, suite)
    interval = recorder.roll(time.time())
    starts, finishes = captured["request_started"], captured["request_finished"]
    assert interval.started == interval.requests == len(finishes)
    assert interval.queue_s == pytest.approx(
        sum(e["daemon_start"] - e["queue_start"] for e in starts)
    )
    assert interval.server_s == pytest.approx(
        sum(e["application_start"] - e["request_start"] for e in starts)
    )
    assert interval.app_s + interval.output_s == pytest.approx(
        sum(e["application_time"] for e in finishes)
    )
    with_cpu = [e for e in finishes if "cpu_user_time" in e]
    assert interval.cpu_n == len(with_cpu)
    assert interval.cpu_s == pytest.approx(
        sum(e["cpu_user_time"] + e["cpu_system_time"] for e in with_cpu)
    )
    assert interval.status == [0, len(finishes), 0, 0, 0]
    assert sum(interval.queue) == sum(interval.app) == len(finishes)
    # The next interval starts empty.
    assert recorder.current.requests == 0


def test_events_of_embedded_mode_have_no_queue_wait():
    """queue_start and daemon_start are 0 outside daemon mode: no queue sample."""
    recorder = agent.Recorder()
    recorder.on_event(
        "request_started",
        request_start=100.0,
        queue_start=0.0,
        daemon_start=0.0,
        application_start=100.002,
    )
    interval = recorder.roll(101.0)
    assert sum(interval.queue) == 0
    assert sum(interval.server) == 1


@pytest.mark.parametrize(("status", "index"), [("200 OK", 1), ("504 Gateway", 4), ("x", None)])
def test_status_classes(status, index):
    recorder = agent.Recorder()
    recorder.on_event("response_started", response_status=status)
    expected = [0] * 5
    if index is not None:
        expected[index] = 1
    assert recorder.roll(1.0).status == expected


# ---------------------------------------------------------------- the agent


@pytest.fixture
def run_dir(tmp_path):
    (tmp_path / "run" / "shop").mkdir(parents=True)
    (tmp_path / "prom").mkdir()
    return tmp_path


def make_agent(suite, run_dir, **config):
    settings = dict(
        agent.DEFAULTS, run_dir=str(run_dir / "run"), textfile_dir=str(run_dir / "prom")
    )
    settings.update(config)
    return agent.Agent(stand_in(suite), settings)


@pytest.mark.parametrize("suite", SUITES)
def test_tick_writes_a_snapshot_the_reader_accepts(suite, run_dir):
    worker = make_agent(suite, run_dir)
    feed(worker.recorder, suite)
    worker.tick()
    path = run_dir / "run" / "shop" / f"{os.getpid()}.json"
    snapshot = traffic.load_snapshot(str(path))
    assert snapshot["group"] == "shop"
    assert snapshot["threads"] == 3
    assert snapshot["history"][-1]["requests"] == len(events(suite)["request_finished"])
    assert snapshot["history"][-1]["pss_kb"] > 0
    # This test's process is alive and started when the snapshot says.
    assert traffic.is_live("/proc", snapshot)
    result = traffic.collect(
        {
            "window": 60.0,
            "headroom_percent": 20.0,
            "min_requests": 1,
            "run_dir": str(run_dir / "run"),
            "count_shed": False,
        }
    )
    assert result["groups"]["shop"]["requests"] == len(events(suite)["request_finished"])
    # No temporary file is left behind.
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


def test_busy_time_is_the_process_metrics_delta(run_dir):
    worker = make_agent("trixie", run_dir)
    busy = [10.0, 12.5]
    worker.module.process_metrics = lambda: {"request_busy_time": busy[0], "restart_time": 1.0}
    worker.start()
    busy[0] = busy[1]
    worker.tick()
    worker.stop.set()
    assert worker.history[-1]["busy_s"] == pytest.approx(2.5)
    assert worker.module.subscribers == [worker.recorder.on_event]


def test_without_process_metrics_busy_time_is_the_application_time(run_dir):
    worker = make_agent("bookworm", run_dir)
    worker.module.process_metrics = lambda: None  # what 6.x answers with a telemetry service
    worker.start()
    worker.stop.set()
    feed(worker.recorder, "bookworm")
    worker.tick()
    entry = worker.history[-1]
    assert worker.process_source == "application_time"
    assert entry["busy_s"] == pytest.approx(entry["app_s"], abs=1e-6)


@pytest.mark.parametrize("suite", SUITES)
def test_worst_case_snapshot_stays_within_the_bound(suite, run_dir):
    worker = make_agent(suite, run_dir)
    for index in range(worker.config["history"]):
        interval = agent.Interval(float(index))
        for name in agent.HISTOGRAMS:
            setattr(interval, name, [10**6] * agent.BUCKETS)
        interval.status = [10**6] * 5
        worker.history.append(dict(interval.as_dict(index + 5.0), busy_s=1.0, rss_kb=1, pss_kb=1))
        interval.add_to(worker.totals)
    text = json.dumps(worker.snapshot(time.time(), False), separators=(",", ":"))
    assert len(worker.history) == 60
    assert len(text) <= SNAPSHOT_BOUND_BYTES


PROM_LINE = re.compile(
    r"^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)\{(?P<labels>[^}]*)\} (?P<value>[0-9.e+-]+)$"
)


def check_prometheus(text):
    """Checks of the text exposition format and the naming conventions; returns the
    samples by metric name."""
    samples, types_ = {}, {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _hash, _type, name, kind = line.split()
            types_[name] = kind
            continue
        if line.startswith("# HELP "):
            continue
        match = PROM_LINE.match(line)
        assert match, line
        samples.setdefault(match["name"], []).append((match["labels"], float(match["value"])))
    for name, kind in types_.items():
        assert name.startswith("mod_wsgi_")
        if kind == "counter":
            assert name.endswith("_total")
        if kind == "histogram":
            assert name.endswith("_seconds")
            buckets = [v for labels, v in samples[name + "_bucket"]]
            assert buckets == sorted(buckets)
            assert 'le="+Inf"' in samples[name + "_bucket"][-1][0]
            assert buckets[-1] == samples[name + "_count"][0][1]
    return samples


@pytest.mark.parametrize("suite", SUITES)
def test_captured_textfiles_follow_the_conventions(suite):
    for path in sorted((FIXTURES / suite / "prom").glob("*.prom")):
        samples = check_prometheus(path.read_text())
        assert samples["mod_wsgi_request_threads"][0][1] in (2, 3)


def test_textfile_is_written_and_removed_on_shutdown(run_dir):
    worker = make_agent("trixie", run_dir)
    feed(worker.recorder, "trixie")
    worker.tick()
    prom = run_dir / "prom" / f"mod_wsgi_shop_{os.getpid()}.prom"
    samples = check_prometheus(prom.read_text())
    finished = len(events("trixie")["request_finished"])
    assert samples["mod_wsgi_requests_total"][0][1] == finished
    assert samples["mod_wsgi_queue_wait_seconds_count"][0][1] == finished
    worker.on_shutdown("process_stopping", shutdown_reason="test")
    assert not prom.exists()
    snapshot = traffic.load_snapshot(str(run_dir / "run" / "shop" / f"{os.getpid()}.json"))
    assert snapshot["stopping"] is True


def dead_pid():
    """A pid no process has (checked in /proc)."""
    pid = 4194303
    while os.path.exists(f"/proc/{pid}"):
        pid -= 1
    return pid


def test_files_of_dead_processes_are_removed(run_dir):
    worker = make_agent("trixie", run_dir, history=2, interval_s=5)
    folder = run_dir / "run" / "shop"
    old, recent = folder / f"{dead_pid()}.json", folder / f"{dead_pid() - 1}.json"
    for path in (old, recent):
        path.write_text("{}")
    os.utime(old, (time.time() - 60, time.time() - 60))
    prom = run_dir / "prom" / f"mod_wsgi_shop_{dead_pid()}.prom"
    other_group = run_dir / "prom" / f"mod_wsgi_api_{dead_pid()}.prom"
    for path in (prom, other_group):
        path.write_text("")
    worker.remove_dead()
    # Snapshots of dead processes stay for two histories (restarts seen), then go.
    assert not old.exists()
    assert recent.exists()
    assert not prom.exists()
    assert other_group.exists()


# ---------------------------------------------------------------- settings and start


def test_config_values_out_of_range_are_ignored(tmp_path, capsys):
    path = tmp_path / "metrics_agent.json"
    path.write_text(json.dumps({"interval_s": 0, "history": 30, "run_dir": "relative", "x": 1}))
    config = agent.read_config(str(path))
    assert config["interval_s"] == agent.DEFAULTS["interval_s"]
    assert config["history"] == 30
    assert config["run_dir"] == agent.DEFAULTS["run_dir"]
    err = capsys.readouterr().err
    assert "ignoring interval_s=0" in err
    assert "ignoring x=1" in err
    assert agent.read_config(str(tmp_path / "missing.json")) == agent.DEFAULTS


def test_install_refuses_without_events_or_folder(tmp_path, capsys):
    embedded = types.SimpleNamespace(process_group="")
    assert agent.install(embedded) is None
    assert "not a daemon process" in capsys.readouterr().err
    module = stand_in("trixie", process_group="nofolder")
    assert agent.install(module) is None
    assert "cannot write to" in capsys.readouterr().err
    assert module.subscribers == []
