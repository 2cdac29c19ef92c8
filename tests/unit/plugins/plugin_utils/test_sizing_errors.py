# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Sizing errors name the variable that held the bad value, and show the whole range."""

from __future__ import annotations

import pytest
from ansible_collections.wsgiscale.mod_wsgi.plugins.plugin_utils.sizing import (
    SizingError,
    host_plan,
    size_plan,
)


@pytest.mark.parametrize(
    ("apps", "defaults", "named"),
    [
        (
            [{"name": "shop", "threads": 0}],
            {"target_rpm": 60, "latency_ms": 100},
            "role_apps[0] (shop).threads got 0 (int); expected an integer >= 1 and <= 65533",
        ),
        (
            [{"name": "shop"}, {"name": "api", "target_rpm": "many"}],
            {"target_rpm": 60, "latency_ms": 100},
            "role_apps[1] (api).target_rpm got 'many' (str)",
        ),
        (
            [{"name": "shop"}, {"name": "api", "target_rpm": 60}],
            {"target_rpm": -1, "latency_ms": 100},
            "role_target_rpm got -1 (int); expected a finite number > 0 (the target_rpm of "
            "role_apps[0] (shop), which does not set its own)",
        ),
        (
            [{"name": "shop", "latency_ms": 10}],
            {"target_rpm": 60, "latency_ms": 100, "cpu_ms": 20},
            "role_cpu_ms got 20 (int); expected a finite number > 0 and <= 10 (the cpu_ms of",
        ),
        (
            [{"name": "shop", "latency_ms": 100}],
            {},
            "role_apps[0] (shop).target_rpm is required; set it in the app or in role_",
        ),
        (
            [{"name": "shop", "target_rpm": 1e15}],
            {"latency_ms": 100},
            "role_apps[0] (shop).target_rpm got 1000000000000000.0 (float); expected a load "
            "below 200,000 busy threads per host",
        ),
        (
            [{"name": "shop"}, {"name": "shop\n"}, {"name": "shop\n"}],
            {"target_rpm": 60, "latency_ms": 100},
            "role_apps[2] (shop\\n).name got 'shop\\n' (str); expected a name not used by "
            "role_apps[1] (shop\\n)",
        ),
    ],
)
def test_host_plan_names_the_variable_that_held_the_value(apps, defaults, named):
    with pytest.raises(SizingError) as err:
        host_plan(apps, vcpus=2, defaults=defaults, variable="role_apps", defaults_prefix="role_")
    assert str(err.value).startswith(f"wsgi_host_plan: {named}")


@pytest.mark.parametrize(("name", "high"), [("processes", 100000), ("vcpus", 1000000)])
def test_integer_errors_show_the_upper_bound(name, high):
    with pytest.raises(SizingError, match=rf"expected an integer >= 1 and <= {high}\b"):
        size_plan(
            high + 1 if name == "vcpus" else 2,
            target_rpm=60,
            latency_ms=100,
            **({name: high + 1} if name == "processes" else {}),
        )
