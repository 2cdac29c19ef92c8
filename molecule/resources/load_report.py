# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Judge and tabulate the figures of the load scenarios.

    python3 molecule/resources/load_report.py under-load RESULTS --cases CASES [--update DOC]
    python3 molecule/resources/load_report.py rolling RESULTS [--update DOC]

``under-load``: RESULTS is the JSON molecule/apply_under_load writes
(build/molecule/apply_under_load.json: ``{suite: [one result per case]}``) and CASES
its cases.yml. Each case is judged against its fields (``role``, ``apache``,
``daemons``, ``failed``); the markdown table of every case and suite is printed with
each row's target and whether it was met, then the reasons of any row that missed.
Exit status 0 when every row met its target, 1 when one did not, 2 on bad input.
``--update DOC`` also writes the table between DOC's markers
(``<!-- under-load:start -->`` and ``<!-- under-load:end -->``).

``rolling``: RESULTS is the JSON molecule/rolling_drain writes
(build/molecule/rolling_drain.json: ``{"load": the load through the balancer,
"backends": [one result per backend, in the order they were re-sized]}``). The load
must have lost no request; each backend must have been drained to 0 sessions, sent no
request while out, reloaded gracefully, had every daemon replaced by one of the new
size and be back UP. Same output and exit status; ``--update DOC`` writes between
``<!-- rolling:start -->`` and ``<!-- rolling:end -->``.

What counts as a reload's race loss (docs/reliability.md, "What a graceful reload
does"): an HTTP 503 matched by a ``Unable to connect to WSGI daemon process ... No
such file or directory`` line (an old child connecting to a socket the parent had
unlinked) or an HTTP 500 matched by a ``Truncated or oversized response headers``
line (a request queued in a daemon that stopped), in either case answered within the
3 s APR gives the old daemons, so not a request killed in flight.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import yaml

# APR kills the old daemons 3 s after SIGTERM on a graceful reload: a failed request
# that took this long was killed in flight, not lost to a race.
KILLED_IN_FLIGHT_MS = 3000.0
# Failure kind -> the substrings of the Apache error log line that identifies it.
RACE_LINES = {
    "http_503": ("Unable to connect to WSGI daemon process", "No such file or directory"),
    "http_500": ("Truncated or oversized response headers received from daemon process",),
}
RELOAD_LINE = "AH00493"  # SIGUSR1 received.  Doing graceful restart
STOP_LINE = re.compile(r"AH0049[12]")  # caught SIGTERM / SIGWINCH, shutting down
MARKERS = {
    "under-load": ("<!-- under-load:start -->", "<!-- under-load:end -->"),
    "rolling": ("<!-- rolling:start -->", "<!-- rolling:end -->"),
}

APACHE_TARGETS = {"reload": "graceful reload, no restart", "none": "no reload"}
DAEMON_TARGETS = {"new": "new daemon pids", "same": "same daemon pids"}
UNDER_LOAD_HEADER = (
    "| case | suite | sent | failed (kind:n) | p99 ms | max ms | apply s | Apache |"
    " daemon pids before → after | loadgen lateness p99 ms | target | met |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|"
)

ROLLING_LOAD_HEADER = (
    "| through the balancer | sent | failed (kind:n) | p99 ms | max ms | rolling apply s |"
    " loadgen lateness p99 ms | target | met |\n"
    "|---|---|---|---|---|---|---|---|---|"
)
ROLLING_LOAD_TARGET = "0 failed"
ROLLING_BACKEND_HEADER = (
    "| backend | suite | sessions when drained | requests sent while out | out of service s |"
    " Apache | daemon pids before → after | size after | back in service | host load |"
    " target | met |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|"
)
ROLLING_BACKEND_TARGET = (
    "MAINT with 0 sessions; 0 sent while out; graceful reload; every daemon replaced, new size; UP"
)


class ReportError(Exception):
    """Bad input: a missing file, case or field (exit status 2)."""


# ---------------------------------------------------------------- reading a result


def daemons(state: dict) -> dict:
    """Return {group: sorted pids} of a state's daemons."""
    return {group: sorted(pids) for group, pids in sorted(state["daemons"].items())}


def apache_action(result: dict) -> tuple:
    """Return (what the apply did to Apache, graceful reloads logged).

    ``restart`` when the parent pid changed or Apache logged a shutdown, else
    ``reload`` when it logged a graceful restart (AH00493), else ``none``.
    """
    reloads = sum(1 for line in result["log"] if RELOAD_LINE in line)
    stopped = any(STOP_LINE.search(line) for line in result["log"])
    if stopped or result["before"]["parent"] != result["after"]["parent"]:
        return "restart", reloads
    return ("reload" if reloads else "none"), reloads


def logged(result: dict, kind: str) -> int:
    """Count the error log lines that identify a race loss of this kind."""
    needles = RACE_LINES[kind]
    return sum(1 for line in result["log"] if all(needle in line for needle in needles))


def kinds(counts: dict) -> str:
    """Render {kind: n} as 'kind:n kind:n' ('-' for none)."""
    return " ".join(f"{kind}:{n}" for kind, n in sorted(counts.items())) or "-"


# ---------------------------------------------------------------- judging


def check_role(case: dict, result: dict) -> list:
    """The role succeeded, or failed with the expected message."""
    outcome, message = result["role"]["outcome"], result["role"]["msg"]
    expected = "failed" if case["role"] == "fails" else "ok"
    if outcome != expected:
        return [f"the role {outcome}, expected {expected}: {message[:300]}"]
    if expected == "failed" and not re.search(case["expect"], message):
        return [f"the role's message does not match /{case['expect']}/: {message[:300]}"]
    return []


def check_apache(case: dict, result: dict) -> list:
    """Apache was reloaded (never restarted) or left alone, as the case says."""
    action, reloads = apache_action(result)
    if action != case["apache"]:
        before, after = result["before"]["parent"], result["after"]["parent"]
        return [
            f"Apache: {action} ({reloads} graceful reloads logged, parent pid {before} -> "
            f"{after}), expected {case['apache']}"
        ]
    return []


def check_daemons(case: dict, result: dict) -> list:
    """Daemon pids all kept, or all replaced with a group per app."""
    before, after = daemons(result["before"]), daemons(result["after"])
    if case["daemons"] == "same":
        return [] if before and after == before else [f"daemons {before} -> {after}, expected same"]
    kept = {pid for pids in before.values() for pid in pids} & {
        pid for pids in after.values() for pid in pids
    }
    groups = sorted(app["name"] for app in case["apps"])
    problems = []
    if kept:
        problems.append(f"daemon pids {sorted(kept)} were not replaced")
    if sorted(after) != groups:
        problems.append(f"daemon groups after the apply: {sorted(after)}, expected {groups}")
    return problems


def race_losses(result: dict) -> tuple:
    """Return (failures identified as reload races, problems with the others)."""
    failures = result["failures"]
    problems = []
    others = [
        f
        for f in failures
        if f["error"] not in RACE_LINES or f["latency_ms"] >= KILLED_IN_FLIGHT_MS
    ]
    if others:
        described = ", ".join(f"{f['error']} after {f['latency_ms']:.0f} ms" for f in others[:5])
        problems.append(f"{len(others)} failed requests are not reload races: {described}")
    for kind in RACE_LINES:
        count = sum(1 for f in failures if f["error"] == kind)
        lines = logged(result, kind)
        if count > lines:
            problems.append(f"{count} {kind} but only {lines} matching Apache log lines")
    return len(failures) - len(others), problems


def check_failures(case: dict, result: dict) -> tuple:
    """Return (identified race losses, problems) for the case's failure policy."""
    run, window = result["run"], result["window"]
    problems = []
    if run["failed"] != window["failed"]:
        problems.append(
            f"{run['failed'] - window['failed']} requests failed outside the apply window"
        )
    if run["stopped_by"] != "stop file":
        problems.append(f"the load ended ({run['stopped_by']}) before the apply's window did")
    if run["failed"] > len(result["failures"]):
        problems.append(f"{run['failed']} failed, more than the records kept")
    if case["failed"] == "zero":
        if run["failed"]:
            problems.append(f"{run['failed']} failed ({kinds(run['failed_by_kind'])}), expected 0")
        return 0, problems
    races, more = race_losses(result)
    return races, problems + more


def judge_suite(cases: list, results: list, per_reload: float) -> list:
    """Judge one suite's results; return one list of problems per case."""
    by_id = {result["id"]: result for result in results}
    verdicts, races, reloads = [], 0, 0
    for case in cases:
        result = by_id.get(case["id"])
        if result is None:
            verdicts.append(["no result for this case"])
            continue
        lost, problems = check_failures(case, result)
        problems = (
            check_role(case, result)
            + check_apache(case, result)
            + check_daemons(case, result)
            + problems
        )
        if case["failed"] == "race":
            races += lost
            reloads += apache_action(result)[1]
        verdicts.append(problems)
    if races > per_reload * reloads:
        message = f"{races} race losses over {reloads} reloads, more than {per_reload:g} per reload"
        for case, problems in zip(cases, verdicts):
            if case["failed"] == "race" and by_id.get(case["id"], {}).get("failures"):
                problems.append(message)
    return verdicts


# ---------------------------------------------------------------- rendering


def target(case: dict, per_reload: float) -> str:
    """The target of a case, in words, from the fields it is judged by."""
    parts = ["role fails with Apache's message"] if case["role"] == "fails" else []
    parts.append(APACHE_TARGETS[case["apache"]])
    parts.append(DAEMON_TARGETS[case["daemons"]])
    if case["failed"] == "zero":
        parts.append("0 failed")
    else:
        parts.append(
            f"0 killed in flight, only identified reload races, ≤ {per_reload:g} per reload"
        )
    return "; ".join(parts)


def _number(value: object) -> str:
    """A table cell for a number: whole ms from 10 on, else one decimal; '-' if missing."""
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.0f}" if value >= 10 else f"{value:.1f}"
    return str(value)


def pid_cell(result: dict) -> str:
    """'group: pids; ... → group: pids; ...' of the daemons before and after."""

    def text(groups: dict) -> str:
        return "; ".join(f"{g}: {' '.join(map(str, pids))}" for g, pids in groups.items()) or "-"

    return f"{text(daemons(result['before']))} → {text(daemons(result['after']))}"


def apache_cell(result: dict) -> str:
    """What the apply did to Apache, in words."""
    action, reloads = apache_action(result)
    if action == "restart":
        return f"full restart (parent {result['before']['parent']} → {result['after']['parent']})"
    if action == "reload":
        return "graceful reload" if reloads == 1 else f"{reloads} graceful reloads"
    return "none"


def under_load_row(case: dict, suite: str, result: dict, problems: list, per_reload: float) -> str:
    """One markdown row: the figures of a case on a suite, its target and verdict."""
    window = result["window"]
    cells = [
        f"({case['id']}) {case['title']}",
        suite,
        str(window["requests"]),
        f"{window['failed']} ({kinds(window['failed_by_kind'])})",
        _number(window["latency_ms"]["p99"]),
        _number(window["latency_ms"]["max"]),
        f"{result['applied'] - result['before']['t']:.1f}",
        apache_cell(result),
        pid_cell(result),
        _number(result["run"]["generator"]["lateness_ms"]["p99"]),
        target(case, per_reload),
        "no" if problems else "yes",
    ]
    return "| " + " | ".join(cells) + " |"


def under_load_report(cases_doc: dict, results: dict) -> tuple:
    """Return (markdown table, [problem lines]) for every case and suite."""
    cases = cases_doc["under_load_cases"]
    per_reload = float(cases_doc["under_load_races_per_reload"])
    verdicts = {
        suite: judge_suite(cases, suite_results, per_reload)
        for suite, suite_results in sorted(results.items())
    }
    lines = ["Cases, applied in this order:", ""]
    lines += [f"- ({case['id']}) {case['title']}: {case['change']}" for case in cases]
    rows, problems = [*lines, "", UNDER_LOAD_HEADER], []
    for index, case in enumerate(cases):
        for suite, suite_results in sorted(results.items()):
            found = [r for r in suite_results if r["id"] == case["id"]]
            verdict = verdicts[suite][index]
            problems += [f"({case['id']}) {suite}: {problem}" for problem in verdict]
            if found:
                rows.append(under_load_row(case, suite, found[0], verdict, per_reload))
    return "\n".join(rows), problems


# ---------------------------------------------------------------- rolling_drain


def server(backend: dict, snapshot: str) -> dict:
    """The balancer's counters of this backend's server in one snapshot."""
    return backend[snapshot]["servers"][backend["server"]]


def sent_while_out(backend: dict) -> int:
    """Requests the balancer sent to the server between its drain and the role's end."""
    return server(backend, "applied")["stot"] - server(backend, "drained")["stot"]


def check_backend(backend: dict) -> list:
    """Drained to 0, nothing sent while out, reloaded, re-sized, back UP."""
    problems = []
    drained = server(backend, "drained")
    if drained["status"] != "MAINT" or drained["scur"]:
        problems.append(
            f"drained: {drained['status']} with {drained['scur']} sessions, expected MAINT with 0"
        )
    sent = sent_while_out(backend)
    if sent:
        problems.append(f"the balancer sent it {sent} requests while out")
    action, reloads = apache_action(backend)
    if action != "reload":
        problems.append(
            f"Apache: {action} ({reloads} graceful reloads logged, parent pid "
            f"{backend['before']['parent']} -> {backend['after']['parent']}), expected reload"
        )
    before, after = daemons(backend["before"]), daemons(backend["after"])
    kept = sorted(
        {pid for pids in before.values() for pid in pids}.intersection(
            pid for pids in after.values() for pid in pids
        )
    )
    if kept or not after or sorted(after) != sorted(before):
        problems.append(f"daemons {before} -> {after}: not all replaced (kept {kept})")
    if not backend["size_matches"]:
        problems.append(f"daemons not of the new size: {backend['size']}")
    status = server(backend, "enabled")["status"]
    if status != "UP":
        problems.append(f"back in service: {status}, expected UP")
    return problems


def check_rolling_load(load: dict) -> list:
    """No request failed through the balancer, and the load outlasted the apply."""
    run, window = load["run"], load["window"]
    problems = []
    if run["failed"]:
        problems.append(
            f"{run['failed']} requests failed ({kinds(run['failed_by_kind'])}), expected 0"
        )
    if run["stopped_by"] != "stop file":
        problems.append(f"the load ended ({run['stopped_by']}) before the rolling apply did")
    if not window["requests"]:
        problems.append("no request in the rolling apply's window")
    return problems


def rolling_load_row(load: dict, problems: list, backends: int) -> str:
    """The markdown row of the load through the balancer."""
    window, run = load["window"], load["run"]
    cells = [
        f"whole rolling re-size ({backends} backends, serial: 1)",
        str(window["requests"]),
        f"{window['failed']} ({kinds(window['failed_by_kind'])})",
        _number(window["latency_ms"]["p99"]),
        _number(window["latency_ms"]["max"]),
        f"{window['window']['span_s']:.1f}",
        _number(run["generator"]["lateness_ms"]["p99"]),
        ROLLING_LOAD_TARGET,
        "no" if problems else "yes",
    ]
    return "| " + " | ".join(cells) + " |"


def rolling_backend_row(backend: dict, problems: list) -> str:
    """The markdown row of one backend's drain, apply and return."""
    drained, enabled = server(backend, "drained"), server(backend, "enabled")
    loads = f"{backend['before']['loadavg']:g} → {backend['after']['loadavg']:g}"
    cells = [
        backend["server"].split("/", 1)[1],
        backend["suite"],
        f"{drained['scur']} ({drained['status']})",
        str(sent_while_out(backend)),
        f"{backend['enabled']['t'] - backend['drained']['t']:.1f}",
        apache_cell(backend),
        pid_cell(backend),
        ", ".join(f"{group}: {size}" for group, size in sorted(backend["size"].items())),
        enabled["status"],
        loads,
        ROLLING_BACKEND_TARGET,
        "no" if problems else "yes",
    ]
    return "| " + " | ".join(cells) + " |"


def rolling_report(results: dict) -> tuple:
    """Return (markdown tables, [problem lines]) of a rolling_drain run."""
    load, backends = results["load"], results["backends"]
    load_problems = check_rolling_load(load)
    problems = [f"load: {problem}" for problem in load_problems]
    rows = [ROLLING_LOAD_HEADER, rolling_load_row(load, load_problems, len(backends)), ""]
    rows.append(ROLLING_BACKEND_HEADER)
    for backend in backends:
        verdict = check_backend(backend)
        problems += [f"{backend['server']}: {problem}" for problem in verdict]
        rows.append(rolling_backend_row(backend, verdict))
    return "\n".join(rows), problems


# ---------------------------------------------------------------- files


def replace_between(text: str, markers: tuple, table: str) -> str:
    """Return text with the part between the two marker lines replaced by table."""
    start, end = markers
    if text.count(start) != 1 or text.count(end) != 1 or text.index(start) > text.index(end):
        raise ReportError(f"load_report: expected one {start} before one {end}")
    head, rest = text.split(start)
    _old, tail = rest.split(end)
    return f"{head}{start}\n{table}\n{end}{tail}"


def between(text: str, markers: tuple) -> str:
    """Return what stands between the two marker lines (without the newlines)."""
    start, end = markers
    return text.split(start, 1)[1].split(end, 1)[0].strip("\n")


def load(path: str) -> dict:
    """Read a JSON or YAML file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise ReportError(f"load_report: cannot read {path}: {error}") from None
    return json.loads(text) if path.endswith(".json") else yaml.safe_load(text)


def build_parser() -> argparse.ArgumentParser:
    """Return the command line parser."""
    parser = argparse.ArgumentParser(prog="load_report.py", description=__doc__.split("\n\n")[1])
    sub = parser.add_subparsers(dest="command", required=True)
    under = sub.add_parser("under-load", help="judge and tabulate apply_under_load")
    under.add_argument("results", help="build/molecule/apply_under_load.json")
    under.add_argument("--cases", required=True, help="molecule/apply_under_load/vars/cases.yml")
    under.add_argument("--update", help="write the table between the markers of this file")
    rolling = sub.add_parser("rolling", help="judge and tabulate rolling_drain")
    rolling.add_argument("results", help="build/molecule/rolling_drain.json")
    rolling.add_argument("--update", help="write the tables between the markers of this file")
    return parser


def main(argv: list | None = None) -> int:
    """Print the table and the problems; return the exit status."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "rolling":
            table, problems = rolling_report(load(args.results))
        else:
            table, problems = under_load_report(load(args.cases), load(args.results))
        if args.update:
            doc = Path(args.update)
            text = replace_between(doc.read_text(encoding="utf-8"), MARKERS[args.command], table)
            doc.write_text(text, encoding="utf-8")
    except (ReportError, KeyError, TypeError, ValueError) as error:
        sys.stderr.write(f"{error}\n")
        return 2
    sys.stdout.write(table + "\n")
    if problems:
        sys.stdout.write("\nTargets missed:\n" + "".join(f"- {p}\n" for p in problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
