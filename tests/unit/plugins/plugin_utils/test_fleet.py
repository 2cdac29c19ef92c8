# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The fleet plan: shares in proportion to capacity, N-1, short fleets, errors."""

from __future__ import annotations

import math
import random

import pytest
from ansible_collections.wsgiscale.mod_wsgi.plugins.plugin_utils.fleet import (
    FRACTION_TOLERANCE,
    fleet_plan,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.plugin_utils.sizing import (
    SizingError,
    host_plan,
)

#: A CPU-bound app: 51 ms of CPU per request (50 ms Python + 1 ms overhead), so the
#: host's CPU check (cpu_target 0.7) decides what a host carries.
CALC = [{"name": "calc", "latency_ms": 100, "cpu_ms": 50}]
CALC_CORE_S = 0.051
#: An I/O-bound app and a small admin app, for plans of several apps.
SHOP = {"name": "shop", "latency_ms": 150, "cpu_ms": 10}
ADMIN = {"name": "admin", "latency_ms": 80, "cpu_ms": 20, "process_rss_mb": 100}


def host(name, vcpus, memory_mb=None):
    return {"name": name, "vcpus": vcpus, "memory_mb": memory_mb}


def cpu_fraction(vcpus, fleet_rpm):
    """What a host carries of a CALC fleet target when CPU decides: written out."""
    return 0.7 * vcpus / (fleet_rpm / 60.0 * CALC_CORE_S)


def feasible_on(entry, apps=None, **params):
    """Whether the host's planned targets fit it, by an independent host_plan call."""
    apps = [dict(app, target_rpm=entry["apps"][app["name"]]) for app in apps or CALC]
    plan = host_plan(apps, vcpus=entry["vcpus"], memory_mb=entry["memory_mb"], **params)
    return plan["feasible"]


def test_identical_hosts_get_equal_shares():
    plan = fleet_plan([host(f"web{i}", 4, 8192) for i in (1, 2, 3)], [SHOP], 12000)
    assert plan["feasible"] is True
    shares = {name: h["share"] for name, h in plan["hosts"].items()}
    assert shares == dict.fromkeys(("web1", "web2", "web3"), shares["web1"])
    assert math.isclose(shares["web1"], 1 / 3, rel_tol=1e-12)
    for entry in plan["hosts"].values():
        assert math.isclose(entry["apps"]["shop"], 4000.0, rel_tol=1e-12)
    assert plan["more_hosts"] == 0
    assert plan["problems"] == []


def test_a_host_with_twice_the_vcpus_carries_twice_a_cpu_bound_app():
    plan = fleet_plan([host("big", 8), host("small", 4)], CALC, 9000)
    big, small = plan["hosts"]["big"], plan["hosts"]["small"]
    # CPU decides: k = cpu_target x vcpus / fleet cores, to the search's precision.
    assert math.isclose(big["carry_fraction"], cpu_fraction(8, 9000), rel_tol=1e-6)
    assert math.isclose(small["carry_fraction"], cpu_fraction(4, 9000), rel_tol=1e-6)
    assert big["share"] > small["share"]
    assert math.isclose(big["share"], 2 / 3, rel_tol=1e-6)
    assert plan["feasible"] is True
    for entry in (big, small):
        assert feasible_on(entry)


@pytest.mark.parametrize(("vcpus", "memory_mb"), [(2, None), (4, 8192), (16, 2048)])
def test_the_carry_fraction_is_the_edge_of_feasibility(vcpus, memory_mb):
    apps = [dict(SHOP, target_rpm=1), dict(ADMIN, target_rpm=1)]
    plan = fleet_plan([host("h", vcpus, memory_mb)], apps, {"shop": 9000, "admin": 1200})
    k = plan["hosts"]["h"]["carry_fraction"]
    assert k > 0

    def fits(scale):
        scaled = [dict(SHOP, target_rpm=9000 * scale), dict(ADMIN, target_rpm=1200 * scale)]
        return host_plan(scaled, vcpus=vcpus, memory_mb=memory_mb)["feasible"]

    assert fits(k)
    assert not fits(k * (1 + 2 * FRACTION_TOLERANCE))


def test_shares_sum_to_the_fleet_target_for_every_app():
    hosts = [host("a", 2, 4096), host("b", 4, 8192), host("c", 8, 16384), host("d", 3, None)]
    targets = {"shop": 20000, "admin": 900}
    plan = fleet_plan(hosts, [SHOP, ADMIN], targets)
    assert plan["feasible"] is True
    assert math.isclose(sum(h["share"] for h in plan["hosts"].values()), 1.0, rel_tol=1e-12)
    for app, rpm in targets.items():
        total = sum(h["apps"][app] for h in plan["hosts"].values())
        assert math.isclose(total, rpm, rel_tol=1e-12)
    for entry in plan["hosts"].values():
        assert feasible_on(entry, [SHOP, ADMIN])
        # host_apps is ready for host_plan: the apps with this host's targets.
        assert [a["target_rpm"] for a in entry["host_apps"]] == [
            entry["apps"]["shop"],
            entry["apps"]["admin"],
        ]
        assert entry["host_apps"][0]["latency_ms"] == SHOP["latency_ms"]


def test_a_number_is_every_apps_fleet_target_and_app_targets_are_ignored():
    apps = [dict(SHOP, target_rpm=5), dict(ADMIN, target_rpm=7)]
    plan = fleet_plan([host("a", 4)], apps, 600)
    assert plan["fleet_target_rpm"] == {"shop": 600.0, "admin": 600.0}
    assert plan["hosts"]["a"]["apps"] == {"shop": 600.0, "admin": 600.0}


@pytest.mark.parametrize("survive", [False, True])
@pytest.mark.parametrize(
    ("hosts", "fleet_rpm"),
    [
        ([host("a", 8), host("b", 4), host("c", 4)], 60000),
        ([host("a", 2), host("b", 2)], 40000),
        ([host("a", 1)], 5000),
        ([host("a", 16), host("b", 2, 4096)], 90000),
    ],
)
def test_a_short_fleet_needs_exactly_the_hosts_it_reports(hosts, fleet_rpm, survive):
    plan = fleet_plan(hosts, CALC, fleet_rpm, survive_host_loss=survive)
    assert plan["feasible"] is False
    more = plan["more_hosts"]
    assert more >= 1
    shape = plan["more_hosts_shape"]
    like = plan["hosts"][shape["like"]]
    assert like["carry_fraction"] == max(h["carry_fraction"] for h in plan["hosts"].values())
    assert (shape["vcpus"], shape["memory_mb"]) == (like["vcpus"], like["memory_mb"])
    [short] = plan["problems"]
    assert short["code"] == "fleet_short"
    assert (short["needed"], short["available"]) == (len(hosts) + more, len(hosts))
    assert f"{more} more host" in short["message"]
    assert f"like {shape['like']}" in plan["summary"]

    def replan(extra):
        added = [host(f"new{i}", shape["vcpus"], shape["memory_mb"]) for i in range(extra)]
        return fleet_plan(hosts + added, CALC, fleet_rpm, survive_host_loss=survive)

    assert replan(more)["feasible"] is True
    assert replan(more)["more_hosts"] == 0
    assert replan(more - 1)["feasible"] is False
    # A short fleet still loads each host up to what it carries, not beyond.
    for entry in plan["hosts"].values():
        assert entry["apps"]["calc"] <= fleet_rpm * entry["carry_fraction"]
        assert feasible_on(entry)


def test_short_fleet_sentence_names_the_shape():
    hosts = [host("web1", 8, 16384), host("web2", 4, 8192), host("web3", 4, 8192)]
    one = fleet_plan([hosts[0]], CALC, 12000)["hosts"]["web1"]["carry_fraction"]
    # Two hosts of web1's size short of the target: the others carry one of them.
    fleet_rpm = 12000 * one / 0.25 * 0.999
    plan = fleet_plan(hosts, CALC, fleet_rpm)
    assert plan["more_hosts"] == 2
    assert "it needs 2 more hosts like web1 (8 vCPUs, 16,384 MB)" in plan["summary"]
    assert plan["summary"].startswith(f"fleet: 3 hosts carry 50% of {fleet_rpm:,.0f} rpm (calc);")


def halves(count):
    """``count`` equal hosts, each carrying just over half of the fleet target."""
    one = fleet_plan([host("x", 4)], CALC, 6000)["hosts"]["x"]["carry_fraction"]
    return [host(f"web{i}", 4) for i in range(1, count + 1)], 6000 * one * 2 * 0.99


def test_n_minus_one_three_hosts_each_sized_for_half():
    hosts, fleet_rpm = halves(3)
    plan = fleet_plan(hosts, CALC, fleet_rpm, survive_host_loss=True)
    assert plan["feasible"] is True
    assert plan["survives_host_loss"] is True
    for entry in plan["hosts"].values():
        # With any one host gone the other two carry half each.
        assert math.isclose(entry["apps"]["calc"], fleet_rpm / 2, rel_tol=1e-12)
        assert math.isclose(entry["share"], 1 / 3, rel_tol=1e-12)
        assert feasible_on(entry)
    assert "survives losing one host: yes" in plan["summary"]
    # Without N-1 the same hosts are sized for a third each.
    plain = fleet_plan(hosts, CALC, fleet_rpm)
    for entry in plain["hosts"].values():
        assert math.isclose(entry["apps"]["calc"], fleet_rpm / 3, rel_tol=1e-12)


def test_n_minus_one_two_hosts_of_half_need_a_third():
    hosts, fleet_rpm = halves(2)
    plain = fleet_plan(hosts, CALC, fleet_rpm)
    assert plain["feasible"] is True
    assert "survives losing one host: no" in plain["summary"]
    plan = fleet_plan(hosts, CALC, fleet_rpm, survive_host_loss=True)
    assert plan["feasible"] is False
    assert plan["more_hosts"] == 1
    assert "to survive losing one host" in plan["problems"][0]["message"]


def test_n_minus_one_sizes_each_host_for_the_loss_that_hurts_it_most():
    hosts = [host("big", 8), host("mid", 4), host("small", 2)]
    k = [cpu_fraction(v, 3000) for v in (8, 4, 2)]
    plan = fleet_plan(hosts, CALC, 3000, survive_host_loss=True)
    assert plan["feasible"] is True
    total = sum(k)
    # big loses mid at worst; the others lose big.
    expected = {"big": k[0] / (total - k[1]), "mid": k[1] / (total - k[0])}
    expected["small"] = k[2] / (total - k[0])
    for name, part in expected.items():
        assert math.isclose(plan["hosts"][name]["apps"]["calc"], 3000 * part, rel_tol=1e-6)
    # Any one host down, the other two still carry the whole target.
    for lost in plan["hosts"]:
        rest = sum(h["apps"]["calc"] for n, h in plan["hosts"].items() if n != lost)
        assert rest >= 3000 * (1 - 1e-12)


def test_host_order_does_not_change_the_plan():
    hosts = [host("a", 2, 4096), host("b", 4, 8192), host("c", 8, None), host("d", 4, 2048)]
    first = fleet_plan(hosts, [SHOP, ADMIN], {"shop": 30000, "admin": 600})
    shuffled = list(hosts)
    random.Random(7).shuffle(shuffled)
    assert shuffled != hosts
    again = fleet_plan(shuffled[::-1], [SHOP, ADMIN], {"admin": 600, "shop": 30000})
    assert again == first
    assert list(first["hosts"]) == ["a", "b", "c", "d"]


def test_a_host_that_carries_nothing_gets_no_share_and_is_named():
    hosts = [host("web1", 4, 8192), host("tiny", 1, 300)]
    plan = fleet_plan(hosts, [SHOP], 6000)
    tiny = plan["hosts"]["tiny"]
    assert (tiny["share"], tiny["carry_fraction"], tiny["apps"]) == (0.0, 0.0, {"shop": 0.0})
    assert tiny["host_apps"] == []
    assert plan["hosts"]["web1"]["share"] == 1.0
    assert plan["feasible"] is True
    [idle] = plan["problems"]
    assert (idle["code"], idle["host"], idle["unit"]) == ("host_no_capacity", "tiny", "MB")
    assert idle["message"].startswith("Host tiny (1 vCPU, 300 MB) carries no share")
    assert "tiny 0% (1 vCPU, carries none)" in plan["summary"]


def test_no_host_carries_anything():
    plan = fleet_plan([host("tiny", 1, 300)], [SHOP], 6000)
    assert plan["feasible"] is False
    assert plan["more_hosts"] is None
    assert plan["more_hosts_shape"] is None
    assert [p["code"] for p in plan["problems"]] == ["fleet_short", "host_no_capacity"]
    assert plan["problems"][0]["needed"] is None


def test_summary_of_a_feasible_fleet():
    hosts = [host("web1", 8, 16384), host("web2", 4, 8192), host("web3", 4, 8192)]
    plan = fleet_plan(hosts, CALC, 10000)
    headroom = cpu_fraction(16, 10000) - 1  # 31.8%
    assert plan["summary"] == (
        f"fleet: 3 hosts carry 10,000 rpm (calc) with {100 * headroom:.0f}% headroom: "
        "web1 50% (8 vCPUs), web2 25% (4 vCPUs), web3 25% (4 vCPUs); "
        "survives losing one host: no"
    )
    assert "\n" not in plan["summary"]


def test_host_options_reach_every_host_plan():
    hosts = [host("a", 4)]
    loose = fleet_plan(hosts, CALC, 6000)["hosts"]["a"]["carry_fraction"]
    tight = fleet_plan(hosts, CALC, 6000, cpu_target=0.35)["hosts"]["a"]["carry_fraction"]
    assert math.isclose(tight, loose / 2, rel_tol=1e-6)


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"fleet_target_rpm": -1}, "fleet_target_rpm got -1 (int); expected a finite number > 0"),
        ({"fleet_target_rpm": "lots"}, "fleet_target_rpm got 'lots' (str)"),
        ({"fleet_target_rpm": {"calc": 0}}, "fleet_target_rpm['calc'] got 0 (int)"),
        (
            {"fleet_target_rpm": {"calc": 10, "shop": 5}},
            "fleet_target_rpm has key(s) 'shop', which name no app of apps",
        ),
        (
            {"apps": [*CALC, SHOP], "fleet_target_rpm": {"calc": 10}},
            "fleet_target_rpm has no fleet-wide rpm for app(s) 'shop' of apps",
        ),
        (
            {"hosts": [host("web1", 2), host("web2", 2), host("web1", 4)]},
            "hosts[2] (web1).name got 'web1' (str); expected a name not used by hosts[0] (web1)",
        ),
        (
            {"hosts": [host("web1", 2), host("web2", 2), host("web3", 0)]},
            "hosts[2] (web3).vcpus got 0 (int); expected an integer >= 1",
        ),
        ({"hosts": [host("web1", 2, -5)]}, "hosts[0] (web1).memory_mb got -5 (int)"),
        ({"hosts": [{"name": "", "vcpus": 2}]}, "hosts[0].name got '' (str)"),
        ({"hosts": ["web1"]}, "hosts[0] got 'web1' (str); expected a dict"),
        ({"hosts": []}, "hosts got [] (list); expected a non-empty list"),
        ({"apps": []}, "apps got [] (list); expected at least one app"),
        ({"apps": [{"name": "calc"}]}, "apps[0] (calc).latency_ms is required"),
        ({"apps": [dict(CALC[0], cpu_ms=500)]}, "apps[0] (calc).cpu_ms got 500 (int)"),
        ({"survive_host_loss": "maybe"}, "'survive_host_loss' got 'maybe' (str)"),
        ({"memory_mb": 4096}, "'memory_mb' is not accepted by a fleet plan"),
        ({"hosts_count": 3}, "unknown parameter(s) 'hosts_count'"),
        ({"cpu_target": 2}, "'cpu_target' got 2 (int)"),
    ],
)
def test_bad_input_names_the_variable(change, needle):
    base = {"hosts": [host("web1", 2), host("web2", 2)], "apps": CALC, "fleet_target_rpm": 600}
    args = {**base, **change}
    options = {key: value for key, value in change.items() if key not in base}
    with pytest.raises(SizingError) as err:
        fleet_plan(args["hosts"], args["apps"], args["fleet_target_rpm"], **options)
    assert str(err.value).startswith("wsgi_fleet_plan: ")
    assert needle in str(err.value)


def test_errors_use_the_callers_names():
    names = {
        "hosts": "play_hosts",
        "apps": "mod_wsgi_daemon_apps",
        "fleet_target_rpm": "mod_wsgi_daemon_fleet_target_rpm",
        "defaults_prefix": "mod_wsgi_daemon_",
    }
    cases = [
        ([host("w", 0)], CALC, 600, {}, "play_hosts[0] (w).vcpus got 0"),
        ([host("w", 2)], CALC, -3, {}, "mod_wsgi_daemon_fleet_target_rpm got -3"),
        ([host("w", 2)], [{"name": "x", "cpu_ms": "?"}], 600, {}, "mod_wsgi_daemon_apps[0] (x)"),
        (
            [host("w", 2)],
            [{"name": "x"}],
            600,
            {"latency_ms": 0},
            "mod_wsgi_daemon_latency_ms got 0",
        ),
    ]
    for hosts, apps, rpm, defaults, needle in cases:
        with pytest.raises(SizingError) as err:
            fleet_plan(hosts, apps, rpm, defaults=defaults, names=names, caller="role")
        assert needle in str(err.value)
