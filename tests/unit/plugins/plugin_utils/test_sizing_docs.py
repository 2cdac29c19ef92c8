# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""docs/sizing.md's tables must be what docs/examples/compare_rules.py generates."""

from __future__ import annotations

import re

import pytest
from ansible_collections.wsgiscale.mod_wsgi.tests.unit.scripts import ROOT, load_script

GENERATOR = load_script("docs/examples/compare_rules.py")


@pytest.mark.parametrize("section", sorted(GENERATOR.SECTIONS))
def test_doc_table_matches_code(section):
    text = (ROOT / "docs" / "sizing.md").read_text(encoding="utf-8")
    found = re.search(
        rf"<!-- BEGIN {section} -->\n(.*?)\n<!-- END {section} -->", text, flags=re.DOTALL
    )
    assert found, f"markers for {section} missing in docs/sizing.md"
    assert found.group(1) == GENERATOR.SECTIONS[section](), (
        "docs/sizing.md is stale: run docs/examples/compare_rules.py and paste its output"
    )


def test_reference_rows_in_doc():
    table = GENERATOR.worked_examples()
    # 9,000 rpm of 200 ms (5 ms CPU) on 2 vCPUs: 1.2 x 30.9 busy threads need 48.
    assert "| 204.0 ms | 30.6 | 48 | **2x24** | yes | queue_slo |" in table
    # 50 ms of CPU at 9,000 rpm needs 7.65 cores of 2: no steady state, 11 vCPUs; the
    # plan that would carry it with the CPU needs 117 threads for its crowded bursts.
    assert "| unbounded | unbounded | 117 | **30x4** | **no** | cpu |" in table
