# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The bad-input table (molecule/hostile_input/cases.yml), in-process.

The molecule scenario hostile_input runs every row on real hosts; here the filter
rows go through the filters and the module rows through the modules' main(), so a
regression shows in seconds. The table itself is checked too: unique ids, a kind
and an error regex per row, role rows that only set variables the scenario passes
to the role.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
import yaml
from ansible.errors import AnsibleFilterError
from ansible_collections.wsgiscale.mod_wsgi.plugins import filter as filter_plugins
from ansible_collections.wsgiscale.mod_wsgi.plugins.modules import (
    daemon_info,
    restart_info,
    tls_check,
)
from ansible_collections.wsgiscale.mod_wsgi.tests.unit.plugins.modules.module_harness import (
    FailJson,
    run_module,
)

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "molecule" / "hostile_input"
TABLE = yaml.safe_load((SCENARIO / "cases.yml").read_text(encoding="utf-8"))
CASES = TABLE["cases"]
FILTER_PLUGINS = (
    "wsgi_app_config",
    "wsgi_daemon_options",
    "wsgi_fleet_plan",
    "wsgi_host_plan",
    "wsgi_processes",
    "wsgi_site_config",
    "wsgi_sizing",
    "wsgi_threads",
)
FILTERS = {}
for _name in FILTER_PLUGINS:
    _plugin = importlib.import_module(f"{filter_plugins.__name__}.{_name}")
    FILTERS.update(_plugin.FilterModule().filters())
MODULES = {"daemon_info": daemon_info, "restart_info": restart_info, "tls_check": tls_check}
PROC = ROOT / "tests" / "fixtures" / "proc" / "trixie"

#: Keys a row of each kind may have.
KEYS = {
    "role": {"id", "kind", "bad", "error", "app", "vars"},
    "filter": {"id", "kind", "bad", "error", "filter", "input", "args"},
    "module": {"id", "kind", "bad", "error", "module", "args"},
}


def _rows(kind):
    return [pytest.param(case, id=case["id"]) for case in CASES if case["kind"] == kind]


def _role_variables():
    """The role variables the scenario passes from a row to the role."""
    tasks = yaml.safe_load((SCENARIO / "tasks" / "role_case.yml").read_text(encoding="utf-8"))
    run = tasks[0]["block"][0]
    assert run["ansible.builtin.include_role"]["name"] == "wsgiscale.mod_wsgi.mod_wsgi_daemon"
    return {name for name in run["vars"] if name.startswith("mod_wsgi_daemon_")}


def test_table_has_enough_rows_of_every_kind():
    kinds = [case["kind"] for case in CASES]
    assert len(kinds) >= 60
    assert {kind: kinds.count(kind) > 0 for kind in KEYS} == dict.fromkeys(KEYS, True)


def test_rows_are_well_formed():
    ids = [case["id"] for case in CASES]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    for case in CASES:
        assert case.get("kind") in KEYS, case
        assert {"id", "kind", "bad", "error"} <= set(case) <= KEYS[case["kind"]], case
        re.compile(case["error"])


@pytest.mark.parametrize("case", _rows("role"))
def test_role_rows_only_set_variables_the_scenario_passes(case):
    assert set(case.get("vars", {})) <= _role_variables()
    # app keys are merged into good_app; a row that sets the whole list cannot also patch it.
    assert not ("app" in case and "mod_wsgi_daemon_apps" in case.get("vars", {}))


@pytest.mark.parametrize("case", _rows("filter"))
def test_filter_row_is_refused(case):
    with pytest.raises(AnsibleFilterError) as info:
        FILTERS[case["filter"]](case["input"], **case.get("args", {}))
    assert re.search(case["error"], str(info.value)), str(info.value)


@pytest.mark.parametrize("case", _rows("module"))
def test_module_row_is_refused(case, monkeypatch):
    monkeypatch.setattr(daemon_info, "PROC_ROOT", str(PROC))
    kind, result = run_module(MODULES[case["module"]], case["args"])
    assert kind is FailJson, result
    assert re.search(case["error"], result["msg"]), result["msg"]
