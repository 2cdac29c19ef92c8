# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""docs/reliability.md's "Bad input" section must be what the case file generates."""

from __future__ import annotations

from ansible_collections.wsgiscale.mod_wsgi.tests.unit.scripts import ROOT, load_script

GENERATOR = load_script("tests/docs/reliability_tables.py")


def test_bad_input_section_matches_the_case_file():
    text = (ROOT / "docs" / "reliability.md").read_text(encoding="utf-8")
    assert text.count(GENERATOR.START) == 1 and text.count(GENERATOR.END) == 1, (
        "docs/reliability.md needs one bad-input:start and one bad-input:end marker"
    )
    documented = text.split(GENERATOR.START, 1)[1].split(GENERATOR.END, 1)[0].strip("\n")
    assert documented == GENERATOR.bad_input_section(GENERATOR.load_cases()), (
        "docs/reliability.md is stale: run tests/docs/reliability_tables.py --write"
    )


def test_every_row_has_a_known_kind_of_bad_input():
    unknown = {
        case["id"]: case["bad"]
        for case in GENERATOR.load_cases()
        if case["bad"] not in GENERATOR.BAD_KINDS
    }
    assert not unknown, f"add these kinds to BAD_KINDS or use a listed one: {unknown}"


def test_every_kind_of_bad_input_has_a_row():
    used = {case["bad"] for case in GENERATOR.load_cases()}
    assert set(GENERATOR.BAD_KINDS) <= used


def test_a_table_cell_cannot_break_the_table():
    cell = GENERATOR.rows_table(
        [{"id": "x", "kind": "role", "bad": "quote", "vars": {"v": "a|b"}, "error": "a|b"}]
    )
    assert cell.splitlines()[-1] == '| x | role | quote | `v: "a\\|b"` | `a\\|b` |'
