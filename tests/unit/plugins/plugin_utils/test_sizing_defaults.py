# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Sizing defaults have one owner, PLAN_DEFAULTS; whatever restates them must agree.

Checked: the filters' doc fragment (what ansible-doc shows), the parameter table of
docs/sizing.md, and the mod_wsgi_daemon role's defaults, argument specs and README
where they restate a plan default. Plan defaults that are null (cpu_ms, memory_mb,
processes, threads) mean "not given" in the plan but something else in the role
(memory_mb: the facts; cpu_ms: the role's own guess), so only the documentation must
call them unset.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict

import pytest
import yaml
from ansible_collections.wsgiscale.mod_wsgi.plugins.doc_fragments.sizing import (
    ModuleDocFragment,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.plugin_utils.sizing import (
    DEFAULT_CPU_FRACTION,
    PLAN_DEFAULTS,
    PLAN_PARAMETERS,
    PLAN_REQUIRED,
)
from ansible_collections.wsgiscale.mod_wsgi.tests.unit.plugins.plugin_utils import sizing_oracle

ROOT = Path(__file__).resolve().parents[4]
ROLE = ROOT / "roles" / "mod_wsgi_daemon"
ROLE_PREFIX = "mod_wsgi_daemon_"

FRAGMENT: Dict[str, Dict[str, Any]] = {
    **yaml.safe_load(ModuleDocFragment.HOST)["options"],
    **yaml.safe_load(ModuleDocFragment.APP)["options"],
}


def _docs_table() -> Dict[str, str]:
    """parameter -> default cell of the Parameters table of docs/sizing.md."""
    text = (ROOT / "docs" / "sizing.md").read_text(encoding="utf-8")
    section = text.split("## Parameters", 1)[1].split("\n## ", 1)[0]
    cells = {}
    for line in section.splitlines():
        row = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(row) < 3 or not row[0].startswith("`"):
            continue
        for name in re.findall(r"`([a-z_]+)`", row[0]):
            cells[name] = row[1]
    return cells


DOCS = _docs_table()


def test_fragments_document_every_plan_parameter():
    assert set(FRAGMENT) == set(PLAN_PARAMETERS)


@pytest.mark.parametrize("name", PLAN_REQUIRED)
def test_required_parameters_are_required_everywhere(name):
    assert FRAGMENT[name].get("required") is True
    assert "default" not in FRAGMENT[name]
    assert DOCS[name] == "required"


@pytest.mark.parametrize("name", sorted(PLAN_DEFAULTS))
def test_doc_fragment_states_the_plan_default(name):
    default = PLAN_DEFAULTS[name]
    if default is None:
        assert "default" not in FRAGMENT[name], f"{name}: the plan has no default"
    else:
        assert FRAGMENT[name].get("default") == default, (
            f"{name}: doc fragment says {FRAGMENT[name].get('default')!r}, "
            f"PLAN_DEFAULTS says {default!r}"
        )
        assert type(FRAGMENT[name]["default"]) in (type(default), int), name


@pytest.mark.parametrize("name", sorted(PLAN_DEFAULTS))
def test_docs_table_states_the_plan_default(name):
    cell = DOCS[name]
    if name == "cpu_ms":
        assert cell == f"{DEFAULT_CPU_FRACTION:.0%}".replace("%", " %") + " of `latency_ms`"
        return
    assert yaml.safe_load(cell.strip("`")) == PLAN_DEFAULTS[name], (
        f"{name}: docs/sizing.md says {cell}, PLAN_DEFAULTS says {PLAN_DEFAULTS[name]!r}"
    )


def test_the_oracle_assumes_the_plan_defaults():
    # sizing_oracle restates the model at these defaults; a new default must reach it.
    assumed = {
        "gil_target": sizing_oracle.GIL_TARGET,
        "cpu_target": sizing_oracle.CPU_TARGET,
        "overhead_ms": 1000.0 * sizing_oracle.OVERHEAD_S,
        "headroom": sizing_oracle.HEADROOM,
        "slo_percentile": 100.0 * (1.0 - sizing_oracle.SLO_ALPHA),
        "slo_wait_ms": 1000.0 * sizing_oracle.SLO_WAIT_S,
        "process_rss_mb": sizing_oracle.PROCESS_MB,
        "thread_rss_mb": sizing_oracle.THREAD_MB,
        "memory_fraction": sizing_oracle.MEMORY_FRACTION,
        "apache_reserve_mb": sizing_oracle.APACHE_MB,
    }
    assert assumed == pytest.approx({name: PLAN_DEFAULTS[name] for name in assumed})


def _load(relative: str) -> Any:
    with (ROLE / relative).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


ROLE_DEFAULTS: Dict[str, Any] = _load("defaults/main.yml")
ROLE_SPECS: Dict[str, Any] = _load("meta/argument_specs.yml")["argument_specs"]["main"]["options"]
ROLE_README = (ROLE / "README.md").read_text(encoding="utf-8")
#: Role variables named like a plan parameter but meaning something of their own:
#: mod_wsgi_version 'auto' is resolved to the installed package before planning.
ROLE_OWN = {"mod_wsgi_version"}
RESTATED = sorted(
    name
    for name, default in PLAN_DEFAULTS.items()
    if default is not None and ROLE_PREFIX + name in ROLE_DEFAULTS and name not in ROLE_OWN
)


def test_the_role_restates_some_plan_defaults():
    # A rename on either side would make the tests below check nothing.
    assert "process_rss_mb" in RESTATED


@pytest.mark.parametrize("name", RESTATED)
def test_role_restates_plan_defaults_equal(name):
    variable = ROLE_PREFIX + name
    assert ROLE_DEFAULTS[variable] == PLAN_DEFAULTS[name], f"defaults/main.yml {variable}"
    assert ROLE_SPECS[variable]["default"] == PLAN_DEFAULTS[name], f"argument_specs {variable}"
    row = re.search(rf"^\| `{variable}` \| `([^`]*)` \|", ROLE_README, flags=re.MULTILINE)
    assert row and yaml.safe_load(row.group(1)) == PLAN_DEFAULTS[name], f"README {variable}"


@pytest.mark.parametrize(
    "key",
    sorted(
        set(PLAN_DEFAULTS)
        & set(ROLE_SPECS[ROLE_PREFIX + "apps"]["options"]) - {"processes", "threads", "cpu_ms"}
    ),
)
def test_role_app_keys_leave_plan_defaults_to_the_plan(key):
    # An app key without a role variable takes the plan default; a default in the
    # argument specs would restate it.
    spec = ROLE_SPECS[ROLE_PREFIX + "apps"]["options"][key]
    assert "default" not in spec, f"mod_wsgi_daemon_apps[].{key} restates a plan default"
