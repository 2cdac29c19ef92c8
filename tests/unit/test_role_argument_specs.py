# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Keep the mod_wsgi_daemon role's defaults, argument specs and README in step.

Fails when a public variable is added to one of defaults/main.yml and
meta/argument_specs.yml but not the other, when their defaults differ, when the
README does not mention a variable or an app key, when a task or template uses
an undeclared public variable, or when the typed option schema drifts from the
wsgi_daemon_options plugin's.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict

import pytest
import yaml

ROLE = Path(__file__).resolve().parents[2] / "roles" / "mod_wsgi_daemon"
PREFIX = "mod_wsgi_daemon_"


def _load(relative: str) -> Any:
    with (ROLE / relative).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


DEFAULTS: Dict[str, Any] = _load("defaults/main.yml")
SPEC: Dict[str, Any] = _load("meta/argument_specs.yml")["argument_specs"]["main"]
OPTIONS: Dict[str, Dict[str, Any]] = SPEC["options"]
README = (ROLE / "README.md").read_text(encoding="utf-8")
APP_OPTIONS: Dict[str, Dict[str, Any]] = OPTIONS[PREFIX + "apps"]["options"]
TYPES = {"str", "int", "float", "bool", "list", "dict", "path", "raw"}


def test_defaults_and_specs_declare_the_same_variables() -> None:
    assert sorted(DEFAULTS) == sorted(OPTIONS)


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_variable_is_public_typed_described_and_defaulted(name: str) -> None:
    spec = OPTIONS[name]
    assert name.startswith(PREFIX), f"{name}: public variables start with {PREFIX}"
    assert spec.get("type") in TYPES, f"{name}: type {spec.get('type')!r}"
    assert spec.get("description"), f"{name}: no description"
    assert "default" in spec, f"{name}: no default in meta/argument_specs.yml"
    assert not spec.get("required"), f"{name}: has a default, so must not be required"
    assert spec["default"] == DEFAULTS[name], (
        f"{name}: default {spec['default']!r} in argument_specs but {DEFAULTS[name]!r} in defaults"
    )
    if "choices" in spec:
        assert DEFAULTS[name] in spec["choices"], f"{name}: default not among the choices"


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_readme_documents_every_variable(name: str) -> None:
    assert f"`{name}`" in README, f"{name} is not documented in roles/mod_wsgi_daemon/README.md"


@pytest.mark.parametrize("key", sorted(APP_OPTIONS))
def test_readme_documents_every_app_key(key: str) -> None:
    assert f"`{key}`" in README, f"mod_wsgi_daemon_apps key {key} is not in the README"


@pytest.mark.parametrize("key", sorted(APP_OPTIONS))
def test_app_keys_are_typed_and_described(key: str) -> None:
    spec = APP_OPTIONS[key]
    assert spec.get("type") in TYPES and spec.get("description"), key


def test_app_option_schema_is_shared_with_default_options() -> None:
    assert APP_OPTIONS["options"]["options"] == OPTIONS[PREFIX + "default_options"]["options"]


def test_default_options_fit_their_own_schema() -> None:
    schema = OPTIONS[PREFIX + "default_options"]["options"]
    assert set(DEFAULTS[PREFIX + "default_options"]) <= set(schema)


def test_option_schema_matches_the_filter_plugin() -> None:
    daemon_options = pytest.importorskip(
        "ansible_collections.wsgiscale.mod_wsgi.plugins.plugin_utils.daemon_options"
    )
    schema = APP_OPTIONS["options"]["options"]
    # processes and threads belong to the app keys, so the plan and the stanza agree.
    expected = set(daemon_options.option_names()) - {"processes", "threads"}
    assert set(schema) == expected


def test_sizing_keys_are_app_keys() -> None:
    sizing = pytest.importorskip(
        "ansible_collections.wsgiscale.mod_wsgi.plugins.plugin_utils.sizing"
    )
    assert set(sizing.APP_KEYS) <= set(APP_OPTIONS)


def test_tasks_and_templates_use_only_declared_variables() -> None:
    used = set()
    for path in (
        list((ROLE / "tasks").glob("*.yml"))
        + list((ROLE / "templates").glob("*.j2"))
        + [
            ROLE / "handlers" / "main.yml",
            ROLE / "vars" / "main.yml",
        ]
    ):
        text = path.read_text(encoding="utf-8")
        # Not followed by '.': template file names such as mod_wsgi_daemon_mpm.conf.j2.
        used |= set(re.findall(r"(?<![\w])(mod_wsgi_daemon_[a-z0-9_]+)(?![\w.])", text))
    # Tags and handler topics share the prefix but are not variables.
    tags = {"mod_wsgi_daemon_set_vars", "mod_wsgi_daemon_preflight", "mod_wsgi_daemon_install"}
    tags |= {"mod_wsgi_daemon_configure", "mod_wsgi_daemon_service"}
    assert used - tags <= set(DEFAULTS), sorted(used - tags - set(DEFAULTS))
