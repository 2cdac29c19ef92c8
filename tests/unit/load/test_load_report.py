# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tests of molecule/resources/load_report.py on the reference runs of the load scenarios.

The reference runs are real: molecule/apply_under_load/reference.json and
molecule/rolling_drain/reference.json are what the scenarios wrote on Debian 12 and 13.
The docs tables must be exactly those runs rendered (apply_under_load's from its case
file), every row must meet its target, and each way a run can go wrong (a failure of
another kind, a restart, a kept daemon, a role that did not fail, a request sent to a
drained backend...) must turn a row to 'no'.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
_path = ROOT / "molecule" / "resources" / "load_report.py"
_loader = importlib.machinery.SourceFileLoader("load_report", str(_path))
_spec = importlib.util.spec_from_loader("load_report", _loader)
report = importlib.util.module_from_spec(_spec)
_loader.exec_module(report)

UNDER_LOAD = ROOT / "molecule" / "apply_under_load"
DOC = ROOT / "docs" / "reliability.md"
SUITES = {"bookworm", "trixie"}


@pytest.fixture(scope="module")
def cases() -> dict:
    """The case file of apply_under_load."""
    return report.load(str(UNDER_LOAD / "vars" / "cases.yml"))


@pytest.fixture
def reference() -> dict:
    """A fresh copy of the reference run of apply_under_load."""
    return report.load(str(UNDER_LOAD / "reference.json"))


# ---------------------------------------------------------------- docs and reference


def test_docs_table_is_the_reference_run_rendered_from_the_case_file(cases, reference):
    """docs/reliability.md holds exactly what the renderer makes of the reference run."""
    table, _problems = report.under_load_report(cases, reference)
    documented = report.between(DOC.read_text(encoding="utf-8"), report.MARKERS["under-load"])
    assert documented == table


def test_reference_run_meets_every_target(cases, reference):
    """Every row of the reference run is green."""
    table, problems = report.under_load_report(cases, reference)
    assert problems == []
    rows = [line for line in table.splitlines() if line.startswith("| (")]
    assert len(rows) == len(cases["under_load_cases"]) * len(SUITES)
    assert all(line.endswith("| yes |") for line in rows)


def test_reference_run_has_every_case_on_both_suites(cases, reference):
    """One result per case, in the case file's order, on Debian 12 and 13."""
    assert set(reference) == SUITES
    ids = [case["id"] for case in cases["under_load_cases"]]
    for results in reference.values():
        assert [result["id"] for result in results] == ids


def test_targets_follow_the_fields_they_are_judged_by(cases):
    """The target text comes from the case's fields, so it cannot drift from the check."""
    by_id = {case["id"]: case for case in cases["under_load_cases"]}
    assert report.target(by_id["a"], 1) == (
        "graceful reload, no restart; new daemon pids; "
        "0 killed in flight, only identified reload races, ≤ 1 per reload"
    )
    assert report.target(by_id["c"], 1) == (
        "role fails with Apache's message; no reload; same daemon pids; 0 failed"
    )
    assert report.target(by_id["d"], 1) == "no reload; same daemon pids; 0 failed"


# ---------------------------------------------------------------- what turns a row red


def result_of(run: dict, suite: str, case_id: str) -> dict:
    """The result of one case on one suite."""
    return next(r for r in run[suite] if r["id"] == case_id)


def add_failure(result: dict, kind: str, latency_ms: float = 120.0, log: str = "") -> None:
    """Add a failed request inside the apply's window (and its Apache log line, if any)."""
    start = result["window"]["window"]["start"]
    record = {"i": 99999, "sched": start + 1.0, "end": start + 1.0 + latency_ms / 1000.0}
    record.update({"error": kind, "latency_ms": latency_ms})
    result["failures"].append(record)
    for summary in (result["run"], result["window"]):
        summary["failed"] += 1
        summary["failed_by_kind"][kind] = summary["failed_by_kind"].get(kind, 0) + 1
    if log:
        result["log"].append(log)


def clear_failures(result: dict) -> None:
    """Drop the result's failed requests (the reference run may have identified races)."""
    result["failures"] = []
    for summary in (result["run"], result["window"]):
        summary["failed"] = 0
        summary["failed_by_kind"] = {}


NO_SOCKET = (
    "[wsgi:error] [pid 9:tid 9] (2)No such file or directory: mod_wsgi (pid=9): Unable to "
    "connect to WSGI daemon process 'shop' on '/var/run/apache2/wsgi.1.2.1.sock'"
)
TRUNCATED = (
    "[wsgi:error] [pid 9:tid 9] [client 127.0.0.1:1] Truncated or oversized response "
    "headers received from daemon process 'shop': /srv/shop/app.wsgi"
)
GRACEFUL = "[mpm_event:notice] [pid 1:tid 1] AH00493: SIGUSR1 received.  Doing graceful restart"


def set_parent(result: dict) -> None:
    """Apache's parent pid changed: a full restart."""
    result["after"]["parent"] += 1000


def keep_a_daemon(result: dict) -> None:
    """One of the old daemons survived the reload."""
    result["after"]["daemons"]["shop"][0] = result["before"]["daemons"]["shop"][0]


def replace_a_daemon(result: dict) -> None:
    """One daemon was restarted."""
    result["after"]["daemons"]["shop"][0] += 1000


def role_succeeded(result: dict) -> None:
    """The rejected change was applied after all."""
    result["role"] = {"outcome": "ok", "msg": ""}


def other_message(result: dict) -> None:
    """The role failed for another reason."""
    result["role"]["msg"] = "Writing the configuration failed: disk full"


def load_ended_early(result: dict) -> None:
    """The load's own bound ended it before the window did."""
    result["run"]["stopped_by"] = "schedule done"


def failure_outside_window(result: dict) -> None:
    """A request failed after the window (counted by the run, not the window)."""
    result["run"]["failed"] += 1
    result["failures"].append({"i": 1, "sched": 0.0, "end": 0.0, "error": "refused"})
    result["failures"][-1]["latency_ms"] = 1.0


@pytest.mark.parametrize(
    ("case_id", "change", "expected"),
    [
        ("d", lambda r: add_failure(r, "http_503", log=NO_SOCKET), "expected 0"),
        ("c", lambda r: add_failure(r, "http_500", log=TRUNCATED), "expected 0"),
        ("a", lambda r: add_failure(r, "refused"), "not reload races"),
        ("a", lambda r: add_failure(r, "http_504"), "not reload races"),
        ("a", lambda r: add_failure(r, "http_503"), "only 0 matching Apache log lines"),
        ("b", lambda r: add_failure(r, "http_500", log=NO_SOCKET), "only 0 matching"),
        ("a", lambda r: add_failure(r, "http_500", 3500.0, TRUNCATED), "not reload races"),
        ("a", set_parent, "Apache: restart"),
        ("b", lambda r: r["log"].append("[mpm_event:notice] AH00491: caught SIGTERM"), "restart"),
        ("d", lambda r: r["log"].append(GRACEFUL), "Apache: reload"),
        ("a", lambda r: r["log"].clear(), "Apache: none"),
        ("d", replace_a_daemon, "expected same"),
        ("a", keep_a_daemon, "were not replaced"),
        ("b", lambda r: r["after"]["daemons"].pop("extra"), "daemon groups after the apply"),
        ("c", role_succeeded, "the role ok, expected failed"),
        ("c", other_message, "does not match"),
        ("a", lambda r: r.update(role={"outcome": "failed", "msg": "x"}), "expected ok"),
        ("d", load_ended_early, "the load ended (schedule done)"),
        ("d", failure_outside_window, "outside the apply window"),
    ],
)
@pytest.mark.parametrize("suite", sorted(SUITES))
def test_each_departure_from_the_target_turns_the_row_red(
    cases, reference, suite, case_id, change, expected
):
    """A real result, changed in one way, misses its target and says why."""
    change(result_of(reference, suite, case_id))
    table, problems = report.under_load_report(cases, reference)
    assert any(p.startswith(f"({case_id}) {suite}:") and expected in p for p in problems), problems
    row = next(
        line for line in table.splitlines() if line.startswith(f"| ({case_id})") and suite in line
    )
    assert row.endswith("| no |")


@pytest.mark.parametrize("suite", sorted(SUITES))
def test_identified_races_within_the_bound_pass(cases, reference, suite):
    """One 503 and one 500 over the two reloads, each with its log line: still green."""
    for case_id in ("a", "b"):
        clear_failures(result_of(reference, suite, case_id))
    add_failure(result_of(reference, suite, "a"), "http_503", log=NO_SOCKET)
    add_failure(result_of(reference, suite, "b"), "http_500", 150.0, TRUNCATED)
    _table, problems = report.under_load_report(cases, reference)
    assert problems == []


@pytest.mark.parametrize("suite", sorted(SUITES))
def test_more_races_than_reloads_on_a_platform_fail(cases, reference, suite):
    """Three identified races over the platform's two reloads exceed one per reload."""
    for case_id in ("a", "b"):
        clear_failures(result_of(reference, suite, case_id))
    for case_id in ("a", "a", "b"):
        add_failure(result_of(reference, suite, case_id), "http_503", log=NO_SOCKET)
    _table, problems = report.under_load_report(cases, reference)
    assert problems
    assert all("3 race losses over 2 reloads, more than 1 per reload" in p for p in problems)
    assert sorted(p.split(":")[0] for p in problems) == [f"(a) {suite}", f"(b) {suite}"]


def test_a_missing_result_is_reported(cases, reference):
    """A case without a result on a suite misses its target."""
    reference["trixie"] = [r for r in reference["trixie"] if r["id"] != "c"]
    _table, problems = report.under_load_report(cases, reference)
    assert "(c) trixie: no result for this case" in problems


# ---------------------------------------------------------------- the docs markers


def test_replace_between_keeps_what_is_outside_the_markers():
    """Only the part between the markers changes, and between() reads it back."""
    markers = report.MARKERS["under-load"]
    text = f"intro\n{markers[0]}\nold\n{markers[1]}\noutro\n"
    updated = report.replace_between(text, markers, "new table")
    assert updated == f"intro\n{markers[0]}\nnew table\n{markers[1]}\noutro\n"
    assert report.between(updated, markers) == "new table"


@pytest.mark.parametrize(
    "text",
    [
        "no markers",
        "<!-- under-load:end --> <!-- under-load:start -->",
        "<!-- under-load:start -->",
    ],
)
def test_replace_between_refuses_missing_or_misordered_markers(text):
    """Without exactly one start before one end, nothing is written."""
    with pytest.raises(report.ReportError):
        report.replace_between(text, report.MARKERS["under-load"], "table")


# ---------------------------------------------------------------- rolling_drain

ROLLING = ROOT / "molecule" / "rolling_drain"


@pytest.fixture
def rolling() -> dict:
    """A fresh copy of the reference run of rolling_drain."""
    return report.load(str(ROLLING / "reference.json"))


def test_rolling_docs_tables_are_the_reference_run(rolling):
    """docs/reliability.md holds exactly what the renderer makes of the reference run."""
    tables, _problems = report.rolling_report(rolling)
    documented = report.between(DOC.read_text(encoding="utf-8"), report.MARKERS["rolling"])
    assert documented == tables


def test_rolling_reference_run_lost_nothing_on_both_suites(rolling):
    """0 failed through the balancer; a Debian 12 and a Debian 13 backend, all green."""
    tables, problems = report.rolling_report(rolling)
    assert problems == []
    assert rolling["load"]["run"]["failed"] == 0
    assert rolling["load"]["run"]["requests"] > 0
    assert sorted(backend["suite"] for backend in rolling["backends"]) == sorted(SUITES)
    verdicts = [
        line.rsplit("|", 2)[1].strip()
        for line in tables.splitlines()
        if line.endswith(("| yes |", "| no |"))
    ]
    assert verdicts == ["yes"] * (1 + len(rolling["backends"]))


def server_counters(backend: dict, snapshot: str) -> dict:
    """The balancer's counters of this backend's server in one snapshot."""
    return backend[snapshot]["servers"][backend["server"]]


def sent_while_out(backend: dict) -> None:
    """The balancer sent the drained backend 3 requests during the apply."""
    server_counters(backend, "applied")["stot"] += 3


def sessions_left(backend: dict) -> None:
    """The drain ended with a session still open."""
    server_counters(backend, "drained")["scur"] = 1


def not_back(backend: dict) -> None:
    """The backend did not come back UP."""
    server_counters(backend, "enabled")["status"] = "MAINT"


def restarted(backend: dict) -> None:
    """Apache was fully restarted."""
    backend["after"]["parent"] += 1000


def not_resized(backend: dict) -> None:
    """The daemons do not have the new size."""
    backend["size_matches"] = False


def daemon_kept(backend: dict) -> None:
    """An old daemon survived."""
    group = next(iter(backend["before"]["daemons"]))
    backend["after"]["daemons"][group][0] = backend["before"]["daemons"][group][0]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (sent_while_out, "sent it 3 requests while out"),
        (sessions_left, "with 1 sessions, expected MAINT with 0"),
        (not_back, "back in service: MAINT"),
        (restarted, "Apache: restart"),
        (lambda b: b.update(log=[]), "Apache: none"),
        (not_resized, "not of the new size"),
        (daemon_kept, "not all replaced"),
    ],
)
@pytest.mark.parametrize("index", [0, 1])
def test_each_backend_departure_turns_its_row_red(rolling, index, change, expected):
    """A real backend result, changed in one way, misses its target and says why."""
    backend = rolling["backends"][index]
    change(backend)
    tables, problems = report.rolling_report(rolling)
    assert any(p.startswith(backend["server"]) and expected in p for p in problems), problems
    name = backend["server"].split("/", 1)[1]
    row = next(line for line in tables.splitlines() if line.startswith(f"| {name} |"))
    assert row.endswith("| no |")


@pytest.mark.parametrize(
    ("kind", "stopped_by", "expected"),
    [("http_502", "stop file", "1 requests failed"), (None, "schedule done", "the load ended")],
)
def test_a_failed_request_or_a_short_load_turns_the_load_row_red(
    rolling, kind, stopped_by, expected
):
    """One request lost through the balancer, or a load that ended early, fails."""
    run = rolling["load"]["run"]
    if kind:
        run["failed"] += 1
        run["failed_by_kind"][kind] = 1
    run["stopped_by"] = stopped_by
    tables, problems = report.rolling_report(rolling)
    assert any(p.startswith("load:") and expected in p for p in problems), problems
    row = next(line for line in tables.splitlines() if line.startswith("| whole rolling"))
    assert row.endswith("| no |")


def test_rolling_scenario_drains_with_the_shipped_tasks():
    """The scenario proves the shipped drain/undrain tasks, around the role, one host at a time."""
    plays = report.load(str(ROLLING / "verify.yml"))
    rolling = next(play for play in plays if play.get("serial") == 1)
    steps = [
        task.get("ansible.builtin.include_tasks")
        or task.get("ansible.builtin.include_role", {}).get("name")
        for task in rolling["tasks"]
    ]
    steps = [step for step in steps if step]
    assert steps == [
        "../../examples/tasks/haproxy_drain.yml",
        "wsgiscale.mod_wsgi.mod_wsgi_daemon",
        "../../examples/tasks/haproxy_undrain.yml",
    ]
    for step in (steps[0], steps[2]):
        assert (ROLLING / step).resolve().is_file()
