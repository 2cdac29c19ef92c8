# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.wsgiscale.mod_wsgi.plugins.filter.wsgi_host_plan import FilterModule
from ansible_collections.wsgiscale.mod_wsgi.plugins.plugin_utils.sizing import size_plan

wsgi_host_plan = FilterModule().filters()["wsgi_host_plan"]

DEFAULTS = {"target_rpm": 3000, "latency_ms": 100, "cpu_ms": 5, "process_rss_mb": 150}
HOST_KEYS = {
    "feasible",
    "reasons",
    "apps",
    "total_threads",
    "total_processes",
    "max_request_workers",
    "cpu_utilization",
    "memory_mb",
    "memory_budget_mb",
    "vcpus",
}


def test_role_call_shape():
    apps = [
        {"name": "shop", "script": "/srv/shop/app.wsgi", "mount": "/", "options": {"x": 1}},
        {"name": "api", "target_rpm": 600, "processes": 2, "threads": 5},
    ]
    plan = wsgi_host_plan(apps, vcpus=4, memory_mb=7812, defaults=DEFAULTS, mod_wsgi_version="4.9")
    assert set(plan) >= HOST_KEYS
    assert plan["feasible"] is True
    assert plan["apps"]["api"]["binding"] == "override"
    assert (plan["apps"]["api"]["processes"], plan["apps"]["api"]["threads"]) == (2, 5)
    # shop takes the defaults; sized alone it is what the host plan gives it.
    shop = size_plan(4, target_rpm=3000, latency_ms=100, cpu_ms=5)
    assert (plan["apps"]["shop"]["processes"], plan["apps"]["shop"]["threads"]) == (
        shop["processes"],
        shop["threads"],
    )
    assert plan["total_processes"] == 2 + shop["processes"]
    assert plan["total_threads"] == 2 * 5 + shop["processes"] * shop["threads"]
    assert plan["vcpus"] == 4


@pytest.mark.parametrize(
    ("apps", "kwargs", "needle"),
    [
        ({"shop": {}}, {}, "apps got {'shop': {}}"),
        ([{"name": "a"}, {"name": "a"}], {}, "apps[1] (a).name got 'a'"),
        ([{"target_rpm": 1}], {}, "apps[0].name got None"),
        ([{"name": "a"}], {"vcpus": 0}, "'vcpus (ansible_processor_vcpus)' got 0"),
        ([{"name": "a"}], {"vcpus": "x"}, "got 'x'"),
        ([{"name": "a", "target_rpm": "many"}], {}, "apps[0] (a).target_rpm got 'many'"),
        ([{"name": "a"}], {"defaults": {"nope": 1}}, "unknown key(s) 'nope'"),
        ([{"name": "a"}], {"cpu_target": 0}, "'cpu_target' got 0"),
        ([{"name": "a"}], {"colour": 0}, "unknown parameter(s) 'colour'"),
    ],
)
def test_errors(apps, kwargs, needle):
    kwargs = dict({"vcpus": 2, "defaults": DEFAULTS}, **kwargs)
    with pytest.raises(AnsibleFilterError) as err:
        wsgi_host_plan(apps, **kwargs)
    assert str(err.value).startswith("wsgi_host_plan")
    assert needle in str(err.value)


def test_infeasible_app_is_named():
    apps = [{"name": "cruncher", "target_rpm": 9000, "latency_ms": 200, "cpu_ms": 50}]
    plan = wsgi_host_plan(apps, vcpus=2, defaults=DEFAULTS)
    assert plan["feasible"] is False
    assert "'cruncher'" in " ".join(plan["reasons"])


def test_app_reasons_do_not_claim_memory_unchecked_when_the_host_checks_it():
    from ansible_collections.wsgiscale.mod_wsgi.plugins.plugin_utils.sizing import (
        MEMORY_SHARED,
        MEMORY_UNCHECKED,
        host_plan,
    )

    apps = [{"name": "a", "target_rpm": 600, "latency_ms": 100, "cpu_ms": 5}]
    with_memory = host_plan(apps, vcpus=2, memory_mb=4096)
    reasons = " ".join(with_memory["apps"]["a"]["reasons"])
    assert MEMORY_UNCHECKED not in reasons
    assert MEMORY_SHARED in reasons
    without_memory = host_plan(apps, vcpus=2)
    assert MEMORY_UNCHECKED in " ".join(without_memory["apps"]["a"]["reasons"])
