# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import math

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.wsgiscale.mod_wsgi.plugins.filter.wsgi_fleet_plan import FilterModule
from ansible_collections.wsgiscale.mod_wsgi.plugins.filter.wsgi_host_plan import (
    FilterModule as HostPlanFilters,
)

wsgi_fleet_plan = FilterModule().filters()["wsgi_fleet_plan"]
wsgi_host_plan = HostPlanFilters().filters()["wsgi_host_plan"]

APPS = [
    {"name": "shop", "script": "/srv/shop/app.wsgi", "mount": "/", "latency_ms": 150},
    {"name": "admin", "script": "/srv/admin/app.wsgi", "mount": "/admin", "cpu_ms": 20},
]
DEFAULTS = {"target_rpm": 3000, "latency_ms": 100, "cpu_ms": 10, "process_rss_mb": 150}
HOSTS = [
    {"name": "web3", "vcpus": 4, "memory_mb": 8192},
    {"name": "web1", "vcpus": 8, "memory_mb": 16384},
    {"name": "web2", "vcpus": 4, "memory_mb": 8192},
]
PLAN_KEYS = {
    "feasible",
    "fleet_target_rpm",
    "survive_host_loss",
    "capacity_fraction",
    "capacity_after_host_loss",
    "survives_host_loss",
    "largest_host",
    "hosts",
    "more_hosts",
    "more_hosts_shape",
    "problems",
    "summary",
}
HOST_KEYS = {"share", "carry_fraction", "apps", "host_apps", "vcpus", "memory_mb"}


def test_role_call_shape():
    """The role's call: every host plans the fleet, then its own host from host_apps."""
    fleet = wsgi_fleet_plan(
        HOSTS,
        apps=APPS,
        fleet_target_rpm={"shop": 12000, "admin": 600},
        defaults=DEFAULTS,
        survive_host_loss=True,
        mod_wsgi_version="4.9",
    )
    assert set(fleet) == PLAN_KEYS
    assert list(fleet["hosts"]) == ["web1", "web2", "web3"]
    assert fleet["feasible"] is True
    assert fleet["summary"].startswith("fleet: 3 hosts carry 12,000 rpm (shop), 600 rpm (admin)")
    for name, entry in fleet["hosts"].items():
        assert set(entry) == HOST_KEYS
        facts = next(h for h in HOSTS if h["name"] == name)
        plan = wsgi_host_plan(
            entry["host_apps"],
            vcpus=facts["vcpus"],
            memory_mb=facts["memory_mb"],
            defaults=DEFAULTS,
            mod_wsgi_version="4.9",
        )
        assert plan["feasible"] is True
        assert plan["apps"]["shop"]["inputs"]["target_rpm"] == entry["apps"]["shop"]
        # The app's other keys reach the host plan untouched.
        assert entry["host_apps"][0]["script"] == "/srv/shop/app.wsgi"
    web1, web2 = fleet["hosts"]["web1"], fleet["hosts"]["web2"]
    assert web1["share"] > web2["share"]
    assert math.isclose(sum(h["share"] for h in fleet["hosts"].values()), 1.0, rel_tol=1e-12)


def test_options_are_validated_like_the_role_variables():
    with pytest.raises(AnsibleFilterError) as err:
        wsgi_fleet_plan(
            [{"name": "web1", "vcpus": 2}, {"name": "web2", "vcpus": "two"}],
            apps=APPS,
            fleet_target_rpm=600,
            defaults=DEFAULTS,
            variable="ansible_play_hosts_all",
        )
    assert str(err.value).startswith("wsgi_fleet_plan: ansible_play_hosts_all[1] (web2).vcpus ")
    assert "got 'two' (str)" in str(err.value)


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"fleet_target_rpm": -5}, "mod_wsgi_daemon_fleet_target_rpm got -5 (int)"),
        ({"fleet_target_rpm": None}, "mod_wsgi_daemon_fleet_target_rpm got None"),
        (
            {"fleet_target_rpm": {"shop": 1, "admin": 1, "blog": 1}},
            "mod_wsgi_daemon_fleet_target_rpm has key(s) 'blog', which name no app of "
            "mod_wsgi_daemon_apps",
        ),
        ({"apps": None}, "mod_wsgi_daemon_apps got None"),
        ({"defaults": {"latency_ms": -1}}, "mod_wsgi_daemon_latency_ms got -1 (int)"),
        ({"memory_mb": 4096}, "'memory_mb' is not accepted by a fleet plan"),
        ({"survive_host_loss": "perhaps"}, "'survive_host_loss' got 'perhaps'"),
        ({"hosts": [{"name": "a", "vcpus": 1}] * 2}, "hosts[1] (a).name got 'a'"),
    ],
)
def test_errors(kwargs, needle):
    call = {
        "apps": [{"name": "shop"}, {"name": "admin"}],
        "fleet_target_rpm": 600,
        "defaults": DEFAULTS,
        "apps_variable": "mod_wsgi_daemon_apps",
        "target_variable": "mod_wsgi_daemon_fleet_target_rpm",
        "defaults_prefix": "mod_wsgi_daemon_",
    }
    call.update(kwargs)
    with pytest.raises(AnsibleFilterError) as err:
        wsgi_fleet_plan(call.pop("hosts", HOSTS), **call)
    assert str(err.value).startswith("wsgi_fleet_plan: ")
    assert needle in str(err.value)


def test_a_short_fleet_is_returned_not_raised():
    fleet = wsgi_fleet_plan(HOSTS, apps=APPS, fleet_target_rpm=400000, defaults=DEFAULTS)
    assert fleet["feasible"] is False
    assert fleet["more_hosts"] >= 1
    assert fleet["more_hosts_shape"] == {"vcpus": 8, "memory_mb": 16384.0, "like": "web1"}
    assert [p["code"] for p in fleet["problems"]] == ["fleet_short"]
    assert "like web1 (8 vCPUs, 16,384 MB)" in fleet["problems"][0]["message"]


def test_fleet_host_fragment_is_the_host_fragment_without_memory_and_hosts():
    """The fragment must be a literal (ansible-test), so it repeats HOST's text."""
    import yaml
    from ansible_collections.wsgiscale.mod_wsgi.plugins.doc_fragments.sizing import (
        ModuleDocFragment,
    )

    host = yaml.safe_load(ModuleDocFragment.HOST)["options"]
    fleet = yaml.safe_load(ModuleDocFragment.FLEET_HOST)["options"]
    del host["memory_mb"], host["hosts"]
    assert fleet == host
