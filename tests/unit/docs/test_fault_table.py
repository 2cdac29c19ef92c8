# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Keep docs/reliability.md's "Faults" table and the faults scenario's case file in step.

Fails when the table between the faults markers is not what tests/docs/fault_table.py
renders from molecule/faults/vars/cases.yml, when a documented message (`says`) does
not match the regexes the scenario asserts (`expect`), or when a case lacks what the
scenario needs to run it.
"""

from __future__ import annotations

import re

import pytest
from ansible_collections.wsgiscale.mod_wsgi.tests.unit.scripts import ROOT, load_script

SCENARIO = ROOT / "molecule" / "faults"
FLOWS = {"refused", "stopped", "pending", "killed"}


TABLE = load_script("tests/docs/fault_table.py")
DATA = TABLE.load_cases()
CASES = DATA["cases"]


def test_docs_table_is_generated_from_the_case_file():
    doc = (ROOT / "docs" / "reliability.md").read_text(encoding="utf-8")
    assert TABLE.current_section(doc) == TABLE.section(DATA), (
        "docs/reliability.md's Faults table differs from molecule/faults/vars/cases.yml: "
        "run tests/docs/fault_table.py --write"
    )


def test_every_case_is_a_row_of_the_table():
    rows = [line for line in TABLE.render_table(DATA).splitlines()[2:] if line.startswith("| ")]
    assert len(rows) == len(CASES)
    for row, case in zip(rows, CASES):
        assert row.startswith(f"| {TABLE._cell(case['fault'])} |")


def test_case_ids_are_unique():
    ids = [case["id"] for case in CASES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("case", CASES, ids=lambda case: case["id"])
def test_documented_message_matches_what_the_scenario_asserts(case):
    says = " ".join(case["says"].split())
    missing = [regex for regex in case["expect"] if not re.search(regex, says)]
    assert not missing, f"{case['id']}: `says` does not match {missing}"


@pytest.mark.parametrize("case", CASES, ids=lambda case: case["id"])
def test_case_has_what_the_scenario_needs(case):
    assert {"id", "fault", "injected", "role_does", "says", "flow", "expect"} <= set(case)
    assert case["flow"] in FLOWS
    assert case["expect"], "a case must assert at least one regex"
    if case["flow"] == "refused":
        assert "run" in case, "a refused case names the role run it belongs to"
    else:
        assert (SCENARIO / "tasks" / f"{case['flow']}.yml").is_file()
    if "setup" in case:
        for step in ("setup", "cleanup"):
            assert (SCENARIO / "tasks" / f"{step}_{case['setup']}.yml").is_file()


def test_each_shared_run_changes_the_shop_app_at_most_once():
    runs = {}
    for case in CASES:
        if case["flow"] == "refused" and "app" in case:
            runs.setdefault(case["run"], []).append(case["id"])
    assert all(len(ids) == 1 for ids in runs.values()), runs


def test_table_escapes_pipes_and_joins_lines():
    assert TABLE._cell("a |b\n  c") == "a \\|b c"
