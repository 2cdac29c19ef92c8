# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""docs/fleets.md's worked example must be what fleet_plan returns for it."""

from __future__ import annotations

import re

import pytest
from ansible_collections.wsgiscale.mod_wsgi.plugins.plugin_utils.fleet import fleet_plan
from ansible_collections.wsgiscale.mod_wsgi.tests.unit.scripts import ROOT

TEXT = (ROOT / "docs" / "fleets.md").read_text(encoding="utf-8")
APPS = [
    {"name": "shop", "latency_ms": 150, "cpu_ms": 10},
    {"name": "admin", "latency_ms": 80, "cpu_ms": 20, "process_rss_mb": 100},
]
HOSTS = [
    {"name": "web1", "vcpus": 8, "memory_mb": 16384},
    {"name": "web2", "vcpus": 4, "memory_mb": 8192},
    {"name": "web3", "vcpus": 4, "memory_mb": 1536},
]
BASE = {"shop": 24000, "admin": 1200}
SHORT = {"shop": 60000, "admin": 3000}


def documented(marker):
    """The code block after ``<!-- fleet-example: marker -->``."""
    match = re.search(rf"<!-- fleet-example: {re.escape(marker)} -->\n```\n(.*?)\n```", TEXT, re.S)
    assert match, f"docs/fleets.md has no fleet-example: {marker}"
    return match.group(1)


@pytest.mark.parametrize(
    ("marker", "targets", "survive"),
    [
        ("plain", BASE, False),
        ("n-1", BASE, True),
        ("short", SHORT, False),
        ("short n-1", SHORT, True),
    ],
)
def test_summaries(marker, targets, survive):
    plan = fleet_plan(HOSTS, APPS, targets, survive_host_loss=survive)
    assert documented(marker) == plan["summary"]


def table_rows(header):
    """The rows of the table whose header line starts with ``header``."""
    lines = TEXT.split(header, 1)[1].splitlines()[2:]
    rows = []
    for line in lines:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def test_worked_example_table():
    plan = fleet_plan(HOSTS, APPS, BASE)
    expected = [
        [
            name,
            f"{h['carry_fraction']:.4f}",
            f"{100 * h['share']:.2f}%",
            f"{h['apps']['shop']:,.0f}",
            f"{h['apps']['admin']:,.0f}",
        ]
        for name, h in plan["hosts"].items()
    ]
    assert table_rows("| host | carry fraction k |") == expected
    assert f"Σk = {plan['capacity_fraction']:.3f}" in TEXT
    assert f"{plan['capacity_after_host_loss']:.2f} times without web1" in TEXT


def test_n_minus_one_table():
    plan = fleet_plan(HOSTS, APPS, BASE, survive_host_loss=True)
    rows = table_rows("| host | sized for shop rpm |")
    assert [row[:3] for row in rows] == [
        [name, f"{h['apps']['shop']:,.0f}", f"{h['apps']['admin']:,.0f}"]
        for name, h in plan["hosts"].items()
    ]
