# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Split a fleet-wide traffic target over hosts of different shapes.

Each host's capacity is the largest fraction k of the whole fleet target (every
app at k times its fleet rpm) that its host plan (sizing.host_plan) carries;
the host's share of the traffic is k / sum(k).  With ``survive_host_loss`` each
host is sized for its part while the host whose loss hurts it most is down.
When the hosts together carry less than the target, the plan says how many more
hosts of the largest shape in the play would carry it.  The plan depends only on
its inputs (hosts are ordered by name), so every host of a play computes the
same one.  Documented in docs/fleets.md; nothing here imports Ansible.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.errors import (
    describe,
    item_label,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.plugin_utils.sizing import (
    HOST_PARAMETERS,
    SizingError,
    _check_apps,
    check_boolean,
    check_number,
    check_vcpus,
    host_plan,
)

#: Host-wide keywords a fleet plan passes to every host plan. memory_mb comes from
#: each host, and the number of hosts is the length of the hosts list.
FLEET_HOST_PARAMETERS = tuple(p for p in HOST_PARAMETERS if p not in ("memory_mb", "hosts"))

#: Smallest fraction of the fleet target a host is asked to carry: a host that
#: cannot carry this much carries none (k = 0).
MIN_FRACTION = 1e-9
#: Relative precision of each host's carry fraction.
FRACTION_TOLERANCE = 1e-7
#: Largest carry fraction searched (a host carrying 2**40 fleet targets).
MAX_FRACTION = 2.0**40

#: How errors name the inputs; a role passes its own variable names.
DEFAULT_NAMES = {
    "hosts": "hosts",
    "apps": "apps",
    "fleet_target_rpm": "fleet_target_rpm",
    "defaults_prefix": "defaults.",
}


# ---------------------------------------------------------------------------
# Input validation
# ---------------------------------------------------------------------------


def _relabel(caller: str, label: str, check: Callable[[], Any]) -> Any:
    """Run a sizing check, naming the value ``label`` in its error."""
    try:
        return check()
    except SizingError as exc:
        raise SizingError(
            f"{caller}: {label} got {describe(exc.value)}; expected {exc.expected}",
            exc.parameter,
            exc.value,
            exc.expected,
        ) from None


def _check_host(caller: str, variable: str, index: int, host: Any) -> Dict[str, Any]:
    """One validated host: name, vcpus, memory_mb (None: memory unchecked)."""
    if not isinstance(host, Mapping):
        raise SizingError(
            f"{caller}: {variable}[{index}] got {describe(host)}; "
            "expected a dict with name, vcpus and memory_mb"
        )
    name = host.get("name")
    label = item_label(variable, index, name)
    if not isinstance(name, str) or not name.strip():
        raise SizingError(
            f"{caller}: {label}.name got {describe(name)}; expected a non-empty string"
        )
    vcpus = _relabel(caller, f"{label}.vcpus", lambda: check_vcpus(caller, host.get("vcpus")))
    memory = host.get("memory_mb")
    if memory is not None:
        memory = _relabel(
            caller, f"{label}.memory_mb", lambda: check_number(caller, "memory_mb", memory, 0.0)
        )
    return {"name": name, "vcpus": vcpus, "memory_mb": memory}


def check_hosts(caller: str, hosts: Any, variable: str = "hosts") -> List[Dict[str, Any]]:
    """The validated hosts, sorted by name; names must be unique."""
    if not isinstance(hosts, (list, tuple)) or not hosts:
        raise SizingError(
            f"{caller}: {variable} got {describe(hosts)}; expected a non-empty list of dicts "
            "with name, vcpus and memory_mb"
        )
    seen: Dict[str, int] = {}
    out = []
    for index, host in enumerate(hosts):
        checked = _check_host(caller, variable, index, host)
        name = checked["name"]
        if name in seen:
            raise SizingError(
                f"{caller}: {item_label(variable, index, name)}.name got {describe(name)}; "
                f"expected a name not used by {item_label(variable, seen[name], name)}"
            )
        seen[name] = index
        out.append(checked)
    return sorted(out, key=lambda h: h["name"])


def check_fleet_targets(
    caller: str, value: Any, app_names: List[str], names: Mapping[str, str]
) -> Dict[str, float]:
    """The fleet-wide rpm of each app: one number for every app, or a dict by app name
    that names every app and no other."""
    variable = names["fleet_target_rpm"]
    if not isinstance(value, Mapping):
        rpm = _relabel(caller, variable, lambda: check_number(caller, "target_rpm", value, 0.0))
        return dict.fromkeys(app_names, rpm)
    unknown = sorted(str(key) for key in value if key not in app_names)
    if unknown:
        raise SizingError(
            f"{caller}: {variable} has key(s) {', '.join(repr(u) for u in unknown)}, which "
            f"name no app of {names['apps']} (apps: {', '.join(repr(n) for n in app_names)})"
        )
    missing = [name for name in app_names if name not in value]
    if missing:
        raise SizingError(
            f"{caller}: {variable} has no fleet-wide rpm for app(s) "
            f"{', '.join(repr(m) for m in missing)} of {names['apps']}; give every app one, "
            "or pass one number for all apps"
        )
    return {
        name: _relabel(
            caller,
            f"{variable}[{name!r}]",
            lambda name=name: check_number(caller, "target_rpm", value[name], 0.0),
        )
        for name in app_names
    }


def _check_host_params(caller: str, host_params: Mapping[str, Any]) -> None:
    """Refuse keywords a fleet plan takes from elsewhere, and unknown ones."""
    for key, source in (("memory_mb", "each host's memory_mb"), ("hosts", "the hosts list")):
        if key in host_params:
            raise SizingError(
                f"{caller}: parameter '{key}' is not accepted by a fleet plan; it comes from "
                f"{source}"
            )
    unknown = sorted(set(host_params) - set(FLEET_HOST_PARAMETERS))
    if unknown:
        raise SizingError(
            f"{caller}: unknown parameter(s) {', '.join(repr(u) for u in unknown)}; accepted: "
            f"hosts (the input), apps, fleet_target_rpm, defaults, survive_host_loss, "
            f"{', '.join(FLEET_HOST_PARAMETERS)}"
        )


# ---------------------------------------------------------------------------
# What one host carries
# ---------------------------------------------------------------------------


def scaled_apps(
    apps: List[Mapping[str, Any]], targets: Mapping[str, float], fraction: float
) -> List[Dict[str, Any]]:
    """The apps, each with target_rpm = fraction x its fleet-wide rpm."""
    return [dict(app, target_rpm=targets[app["name"]] * fraction) for app in apps]


def _largest_fraction(fits: Callable[[float], bool]) -> float:
    """Largest fraction k with ``fits`` (monotone; true at MIN_FRACTION), to a relative
    FRACTION_TOLERANCE: doubling from 1 (or bisecting below it), then bisecting the
    logarithm."""
    low, high = MIN_FRACTION, 1.0
    while high < MAX_FRACTION and fits(high):
        low, high = high, 2.0 * high
    if high >= MAX_FRACTION:
        return low
    while high > low * (1.0 + FRACTION_TOLERANCE):
        mid = math.sqrt(low * high)
        if fits(mid):
            low = mid
        else:
            high = mid
    return low


class _Shape:
    """The host plans of one host shape (vcpus, memory_mb) at scaled fleet targets."""

    def __init__(self, context: Mapping[str, Any], vcpus: int, memory_mb: Optional[float]) -> None:
        self.context = context
        self.vcpus = vcpus
        self.memory_mb = memory_mb

    def plan(self, fraction: float) -> Dict[str, Any]:
        """The host plan with every app at ``fraction`` of its fleet-wide rpm."""
        ctx = self.context
        return host_plan(
            scaled_apps(ctx["apps"], ctx["targets"], fraction),
            vcpus=self.vcpus,
            defaults=ctx["defaults"],
            caller=ctx["caller"],
            variable=ctx["names"]["apps"],
            defaults_prefix=ctx["names"]["defaults_prefix"],
            memory_mb=self.memory_mb,
            **ctx["host_params"],
        )

    def fits(self, fraction: float) -> bool:
        """Whether the host carries ``fraction`` of the fleet target (a load beyond what
        the model handles does not fit)."""
        try:
            return bool(self.plan(fraction)["feasible"])
        except SizingError:
            return False

    def carry(self) -> Tuple[float, Optional[Dict[str, Any]]]:
        """(k, None), or (0, the plan at MIN_FRACTION) for a host that carries nothing.

        The plan at MIN_FRACTION is made first without catching errors, so bad app or
        host inputs are reported as such.
        """
        floor = self.plan(MIN_FRACTION)
        if not floor["feasible"]:
            return 0.0, floor
        return _largest_fraction(self.fits), None


def _carry_fractions(
    hosts: List[Dict[str, Any]], context: Mapping[str, Any]
) -> Dict[str, Tuple[float, Optional[Dict[str, Any]]]]:
    """(k, plan of a host that carries nothing) by host name; one search per shape."""
    by_shape: Dict[Tuple[int, Optional[float]], Tuple[float, Optional[Dict[str, Any]]]] = {}
    out = {}
    for host in hosts:
        key = (host["vcpus"], host["memory_mb"])
        if key not in by_shape:
            by_shape[key] = _Shape(context, *key).carry()
        out[host["name"]] = by_shape[key]
    return out


# ---------------------------------------------------------------------------
# The split
# ---------------------------------------------------------------------------


def _covered(fractions: List[float], survive_host_loss: bool) -> float:
    """Fraction of the fleet target the hosts carry (without the largest, for N-1)."""
    total = math.fsum(fractions)
    if survive_host_loss:
        return total - max(fractions)
    return total


def _more_hosts(fractions: List[float], survive_host_loss: bool) -> Optional[int]:
    """Fewest hosts of the largest shape to add so the fleet carries its target
    (0 when it does; None when no host carries any of it)."""
    largest = max(fractions)
    if _covered(fractions, survive_host_loss) >= 1.0:
        return 0
    if largest <= 0.0:
        return None
    more = max(1, math.ceil((1.0 - _covered(fractions, survive_host_loss)) / largest))
    while _covered(fractions + [largest] * more, survive_host_loss) < 1.0:
        more += 1
    while more > 1 and _covered(fractions + [largest] * (more - 1), survive_host_loss) >= 1.0:
        more -= 1
    return more


def _divisors(fractions: List[float], survive_host_loss: bool) -> List[float]:
    """Per host, the fractions that carry its part: all of them, or with N-1 all but
    the largest other host's; never below 1, so a short fleet loads each host to its
    capacity (best effort)."""
    total = math.fsum(fractions)
    if not survive_host_loss:
        return [max(1.0, total)] * len(fractions)
    out = []
    for index in range(len(fractions)):
        others = fractions[:index] + fractions[index + 1 :]
        out.append(max(1.0, total - max(others, default=0.0)))
    return out


def _host_entries(
    hosts: List[Dict[str, Any]],
    fractions: List[float],
    context: Mapping[str, Any],
    survive_host_loss: bool,
) -> Dict[str, Dict[str, Any]]:
    """Each host's share, carry fraction and per-app targets, by name."""
    total = math.fsum(fractions)
    targets = context["targets"]
    out = {}
    for host, fraction, divisor in zip(hosts, fractions, _divisors(fractions, survive_host_loss)):
        part = fraction / divisor
        out[host["name"]] = {
            "share": fraction / total if total > 0.0 else 0.0,
            "carry_fraction": fraction,
            "apps": {name: rpm * part for name, rpm in targets.items()},
            "host_apps": scaled_apps(context["apps"], targets, part) if part > 0.0 else [],
            "vcpus": host["vcpus"],
            "memory_mb": host["memory_mb"],
        }
    return out


# ---------------------------------------------------------------------------
# Sentences
# ---------------------------------------------------------------------------


def _percent(x: float) -> str:
    """A share as people read it: 50%, 33%, 4.2%, 0.4%."""
    value = 100.0 * x
    if value == 0.0 or abs(value) >= 10.0:
        return f"{value:.0f}%"
    return f"{value:.1f}%"


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}" + ("" if count == 1 else "s")


def shape_text(vcpus: int, memory_mb: Optional[float]) -> str:
    """'8 vCPUs, 16,384 MB' (or 'memory unchecked')."""
    memory = "memory unchecked" if memory_mb is None else f"{memory_mb:,.0f} MB"
    return f"{_plural(vcpus, 'vCPU')}, {memory}"


def targets_text(targets: Mapping[str, float]) -> str:
    """'12,000 rpm (shop), 600 rpm (admin)'."""
    return ", ".join(f"{rpm:,.0f} rpm ({name})" for name, rpm in targets.items())


def _shortfall(plan: Mapping[str, Any], subject: str, verb: str, their: str) -> str:
    """What a short fleet carries and what it needs: '<subject> <verb> 74% of ...'."""
    targets = targets_text(plan["fleet_target_rpm"])
    if plan["survive_host_loss"]:
        carried = (
            f"{subject} {verb} {_percent(plan['capacity_after_host_loss'])} of {targets} "
            f"without {their} largest host ({plan['largest_host']})"
        )
        purpose = " to survive losing one host"
    else:
        carried = f"{subject} {verb} {_percent(plan['capacity_fraction'])} of {targets}"
        purpose = ""
    more = plan["more_hosts"]
    if more is None:
        return f"{carried}; no host of this play carries any of it, so more of them would not help"
    shape = plan["more_hosts_shape"]
    return (
        f"{carried}; it needs {more} more {'host' if more == 1 else 'hosts'} like "
        f"{shape['like']} ({shape_text(shape['vcpus'], shape['memory_mb'])}){purpose}"
    )


def _host_list(plan: Mapping[str, Any]) -> str:
    """'web1 50% (8 vCPUs), web2 25% (4 vCPUs)'."""
    items = []
    for name, host in plan["hosts"].items():
        note = "" if host["carry_fraction"] > 0.0 else ", carries none"
        items.append(f"{name} {_percent(host['share'])} ({_plural(host['vcpus'], 'vCPU')}{note})")
    return ", ".join(items)


def summary_line(plan: Mapping[str, Any]) -> str:
    """The plan in one line, for a run_once debug task."""
    count = _plural(len(plan["hosts"]), "host")
    verb = "carries" if len(plan["hosts"]) == 1 else "carry"
    targets = targets_text(plan["fleet_target_rpm"])
    if plan["feasible"]:
        head = (
            f"fleet: {count} {verb} {targets} with "
            f"{_percent(plan['capacity_fraction'] - 1.0)} headroom"
        )
    else:
        head = "fleet: " + _shortfall(plan, count, verb, "their")
    loss = "no"
    if plan["survives_host_loss"]:
        spare = _percent(plan["capacity_after_host_loss"] - 1.0)
        loss = f"yes ({spare} headroom without {plan['largest_host']})"
    return f"{head}: {_host_list(plan)}; survives losing one host: {loss}"


def _problems(plan: Mapping[str, Any], idle: Mapping[str, Dict[str, Any]]) -> List[Dict[str, Any]]:
    """fleet_short when the fleet is short, host_no_capacity per host that carries none."""
    problems = []
    if not plan["feasible"]:
        count = len(plan["hosts"])
        more = plan["more_hosts"]
        problems.append(
            {
                "code": "fleet_short",
                "app": None,
                "host": None,
                "message": _shortfall(plan, "The fleet", "carries", "its") + ".",
                "needed": None if more is None else count + more,
                "available": count,
                "unit": "hosts",
            }
        )
    for name, floor in idle.items():
        host = plan["hosts"][name]
        first = floor["problems"][0]
        problems.append(
            {
                "code": "host_no_capacity",
                "app": first["app"],
                "host": name,
                "message": (
                    f"Host {name} ({shape_text(host['vcpus'], host['memory_mb'])}) carries no "
                    f"share of the fleet target: {' '.join(floor['reasons'])}"
                ),
                "needed": first["needed"],
                "available": first["available"],
                "unit": first["unit"],
            }
        )
    return problems


# ---------------------------------------------------------------------------
# The fleet plan
# ---------------------------------------------------------------------------


def _context(
    caller: str,
    apps: Any,
    fleet_target_rpm: Any,
    defaults: Any,
    names: Mapping[str, str],
    host_params: Mapping[str, Any],
) -> Dict[str, Any]:
    """The validated inputs every host plan of the fleet shares."""
    _check_host_params(caller, host_params)
    apps_list, defaults_d = _check_apps(caller, apps, defaults, names["apps"])
    if not apps_list:
        raise SizingError(
            f"{caller}: {names['apps']} got {describe(apps)}; expected at least one app"
        )
    app_names = [app["name"] for app in apps_list]
    return {
        "caller": caller,
        "apps": apps_list,
        "defaults": defaults_d,
        "targets": check_fleet_targets(caller, fleet_target_rpm, app_names, names),
        "names": names,
        "host_params": dict(host_params),
    }


def fleet_plan(
    hosts: Any,
    apps: Any,
    fleet_target_rpm: Any,
    *,
    defaults: Any = None,
    survive_host_loss: Any = False,
    caller: str = "wsgi_fleet_plan",
    names: Optional[Mapping[str, str]] = None,
    **host_params: Any,
) -> Dict[str, Any]:
    """Split ``fleet_target_rpm`` over ``hosts`` in proportion to what each carries.

    ``hosts`` is a list of dicts with name, vcpus and memory_mb (None: unchecked);
    ``apps`` and ``defaults`` are those of host_plan (each app's own target_rpm is
    replaced by its fleet-wide rpm); ``fleet_target_rpm`` one rpm for every app or a
    dict by app name; ``host_params`` the host-wide keywords of host_plan but
    memory_mb and hosts. ``names`` renames the inputs in error messages (keys of
    DEFAULT_NAMES). Raises SizingError on bad input; see docs/fleets.md for the plan.
    """
    names = dict(DEFAULT_NAMES, **(names or {}))
    survive = check_boolean(caller, "survive_host_loss", survive_host_loss)
    checked = check_hosts(caller, hosts, names["hosts"])
    context = _context(caller, apps, fleet_target_rpm, defaults, names, host_params)
    carried = _carry_fractions(checked, context)
    fractions = [carried[host["name"]][0] for host in checked]
    largest = max(range(len(checked)), key=lambda i: fractions[i])  # first by name on ties
    plan: Dict[str, Any] = {
        "feasible": _covered(fractions, survive) >= 1.0,
        "fleet_target_rpm": dict(context["targets"]),
        "survive_host_loss": survive,
        "capacity_fraction": math.fsum(fractions),
        "capacity_after_host_loss": _covered(fractions, True),
        "survives_host_loss": _covered(fractions, True) >= 1.0,
        "largest_host": checked[largest]["name"],
        "hosts": _host_entries(checked, fractions, context, survive),
        "more_hosts": _more_hosts(fractions, survive),
        "more_hosts_shape": None,
    }
    if fractions[largest] > 0.0:
        plan["more_hosts_shape"] = {
            "vcpus": checked[largest]["vcpus"],
            "memory_mb": checked[largest]["memory_mb"],
            "like": checked[largest]["name"],
        }
    idle = {name: found[1] for name, found in carried.items() if found[1] is not None}
    plan["problems"] = _problems(plan, idle)
    plan["summary"] = summary_line(plan)
    return plan
