# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: wsgi_fleet_plan
short_description: Split a fleet-wide traffic target over hosts by what each can carry
version_added: 0.1.0
author: wsgiscale maintainers
description:
  - Splits the fleet-wide rpm of every app (O(fleet_target_rpm)) over the hosts of the input
    in proportion to what each host can carry. Hosts may differ in vCPUs and memory.
  - What a host carries is the largest fraction k of the whole fleet target (every app at
    k times its fleet-wide rpm) that P(wsgiscale.mod_wsgi.wsgi_host_plan#filter) finds
    feasible on that host, with the same apps, defaults and host options. A host's share of
    the traffic is its k over the sum of all hosts' k, and it is sized for that share of
    each app's fleet-wide rpm, so the hosts' targets add up to the fleet target.
  - With O(survive_host_loss) each host is sized for its part of the target while the host
    whose loss hurts it most is down (N-1). The fleet then needs the sum of k without the
    largest to be at least 1.
  - A fleet that carries less than its target is not shrunk to fit. The plan says
    RV(_value.feasible=false), how much of the target the hosts carry, and how many more
    hosts like the play's largest one (RV(_value.more_hosts_shape)) would carry it; each host
    is still given the part it can carry (best effort).
  - The plan depends only on its inputs, and hosts are ordered by name, so every host of a
    play that builds the input from C(hostvars) computes the same plan and can pick its own
    entry from RV(_value.hosts). RV(_value.summary) is one line for a C(run_once) debug task.
  - "The search is one P(wsgiscale.mod_wsgi.wsgi_host_plan#filter) bisection per host shape
    (vCPUs, memory), a fraction of a second each; hosts of the same shape share it."
options:
  _input:
    description:
      - The hosts, a list of dicts, each with a unique C(name) (the inventory name), C(vcpus)
        (usually C(ansible_facts.processor_vcpus), an integer >= 1) and C(memory_mb)
        (usually C(ansible_facts.memtotal_mb); null or missing skips the memory check for
        that host). Other keys are ignored.
    type: list
    elements: dict
    required: true
  apps:
    description:
      - The apps, as for P(wsgiscale.mod_wsgi.wsgi_host_plan#filter), a list of dicts with a
        unique C(name) and the per-app keys C(latency_ms), C(cpu_ms), C(process_rss_mb),
        C(thread_rss_mb), C(processes) and C(threads). At least one app.
      - An app's own C(target_rpm) (and the one in O(defaults)) is ignored; the fleet-wide
        rpm comes from O(fleet_target_rpm).
    type: list
    elements: dict
    required: true
  fleet_target_rpm:
    description:
      - The fleet-wide target in requests per minute, for all hosts together (> 0).
      - A number is the target of every app. A dict gives each app its own, by app name; it
        must name every app of O(apps) and no other.
    type: raw
    required: true
  defaults:
    description:
      - Values for the per-app keys that an app does not set, as for
        P(wsgiscale.mod_wsgi.wsgi_host_plan#filter).
    type: dict
    default: {}
  survive_host_loss:
    description:
      - Size each host so that the fleet still carries its target when any one host is down
        (N-1). Host h is sized for fleet x k_h / (sum of k - the largest k of the other
        hosts).
    type: bool
    default: false
  variable:
    description:
      - Name of the input in error messages, which name a host's keys
        C(VARIABLE[INDEX] (NAME).KEY), for example C(hosts[2] (web3).vcpus).
    type: str
    default: hosts
  apps_variable:
    description: Name of O(apps) in error messages (C(mod_wsgi_daemon_apps) in the role).
    type: str
    default: apps
  target_variable:
    description:
      - Name of O(fleet_target_rpm) in error messages
        (C(mod_wsgi_daemon_fleet_target_rpm) in the role).
    type: str
    default: fleet_target_rpm
  defaults_prefix:
    description:
      - What error messages put before a key of O(defaults) to name it, as for
        P(wsgiscale.mod_wsgi.wsgi_host_plan#filter).
    type: str
    default: defaults.
extends_documentation_fragment:
  - wsgiscale.mod_wsgi.sizing.fleet_host
seealso:
  - plugin: wsgiscale.mod_wsgi.wsgi_host_plan
    plugin_type: filter
  - plugin: wsgiscale.mod_wsgi.wsgi_sizing
    plugin_type: filter
"""

EXAMPLES = r"""
# Facts of every host of the play must exist before any host plans the fleet: with
# serial, gather them in an earlier play (docs/fleets.md).
- name: Describe the play's hosts from their facts
  ansible.builtin.set_fact:
    fleet_hosts: >-
      {% set fleet = namespace(hosts=[]) %}{% for host in ansible_play_hosts_all
      %}{% set fleet.hosts = fleet.hosts + [{'name': host,
      'vcpus': hostvars[host].ansible_facts.processor_vcpus,
      'memory_mb': hostvars[host].ansible_facts.memtotal_mb}] %}{% endfor %}{{ fleet.hosts }}

- name: Plan the fleet (every host computes the same plan)
  ansible.builtin.set_fact:
    fleet: >-
      {{ fleet_hosts | wsgiscale.mod_wsgi.wsgi_fleet_plan(
           apps=[{'name': 'shop', 'latency_ms': 150, 'cpu_ms': 10},
                 {'name': 'admin', 'latency_ms': 80, 'cpu_ms': 20}],
           fleet_target_rpm={'shop': 12000, 'admin': 600},
           defaults={'process_rss_mb': 150},
           survive_host_loss=true,
           mod_wsgi_version='4.9') }}

- name: Show the fleet in one line
  ansible.builtin.debug:
    msg: "{{ fleet.summary }}"
  run_once: true

- name: Stop when the fleet is short
  ansible.builtin.assert:
    that: fleet.feasible
    fail_msg: "{{ fleet.problems | map(attribute='message') | join(' ') }}"
  run_once: true

- name: Plan this host for its share of the fleet target
  ansible.builtin.set_fact:
    host_plan: >-
      {{ fleet.hosts[inventory_hostname].host_apps | wsgiscale.mod_wsgi.wsgi_host_plan(
           vcpus=ansible_facts.processor_vcpus, memory_mb=ansible_facts.memtotal_mb,
           defaults={'process_rss_mb': 150}, mod_wsgi_version='4.9') }}
"""

RETURN = r"""
_value:
  description: The fleet plan.
  type: dict
  contains:
    feasible:
      description:
        - The hosts carry the fleet target (the sum of RV(_value.hosts[].carry_fraction) is at
          least 1), and, with O(survive_host_loss), still carry it without their largest host.
        - A host that carries nothing does not make the plan infeasible by itself (its share is
          0); RV(_value.problems) names it.
      type: bool
    fleet_target_rpm:
      description: The validated fleet-wide rpm of each app, by app name.
      type: dict
      sample: {"shop": 12000.0, "admin": 600.0}
    survive_host_loss:
      description: The O(survive_host_loss) the plan was made for.
      type: bool
    capacity_fraction:
      description:
        - The fraction of the fleet target all hosts together carry (the sum of their carry
          fractions); 1.31 is 31% headroom.
      type: float
    capacity_after_host_loss:
      description: The same without the largest host, RV(_value.largest_host).
      type: float
    survives_host_loss:
      description:
        - RV(_value.capacity_after_host_loss) is at least 1 (whether or not the plan was made
          for it; the hosts' targets only leave room for it with O(survive_host_loss)).
      type: bool
    largest_host:
      description: The host that carries the most (the first by name on ties).
      type: str
    hosts:
      description: Each host's part, by name, in name order.
      type: dict
      contains:
        share:
          description:
            - Its share of the traffic with every host up, carry_fraction / the sum of all
              (0 to 1; the shares add up to 1). A weight for the load balancer.
          type: float
        carry_fraction:
          description:
            - The largest fraction of the whole fleet target (every app scaled together) its
              host plan carries; 0 when it carries none.
          type: float
        apps:
          description:
            - The rpm of each app the host is sized for, by app name. Without
              O(survive_host_loss), share x the app's fleet-wide rpm, so they add up to the
              fleet target; with it, the host's part while the host whose loss hurts it most
              is down. A short fleet gives each host at most what it carries.
          type: dict
          sample: {"shop": 6000.0, "admin": 300.0}
        host_apps:
          description:
            - The apps of O(apps), each with C(target_rpm) set to this host's rpm, ready for
              P(wsgiscale.mod_wsgi.wsgi_host_plan#filter). Empty for a host that carries none.
          type: list
          elements: dict
        vcpus:
          description: The host's validated vCPU count.
          type: int
        memory_mb:
          description: The host's memory in MB, or null when it is not checked.
          type: float
    more_hosts:
      description:
        - How many more hosts like RV(_value.more_hosts_shape) the fleet needs to carry its
          target (with O(survive_host_loss), to carry it without its largest host); 0 when
          it carries it, null when no host of the play carries any of it.
      type: int
    more_hosts_shape:
      description:
        - The shape of the hosts to add, that of RV(_value.largest_host); null when no host
          carries any of the target.
      type: dict
      sample: {"vcpus": 8, "memory_mb": 16384.0, "like": "web1"}
    problems:
      description:
        - V(fleet_short) when the plan is infeasible (C(needed) and C(available) in hosts;
          C(needed) null when more hosts would not help), and V(host_no_capacity) for each
          host that carries none of the target (C(needed) and C(available) those of the
          host plan's first problem at the smallest load, for example memory in MB).
        - Each entry has C(code), C(host) (null for the fleet), C(app), C(message), C(needed),
          C(available) and C(unit), as in wsgi_host_plan's C(problems).
      type: list
      elements: dict
    summary:
      description: The plan in one line, for a C(run_once) debug task.
      type: str
      sample: >-
        fleet: 3 hosts carry 10,000 rpm (calc) with 32% headroom: web1 50% (8 vCPUs),
        web2 25% (4 vCPUs), web3 25% (4 vCPUs); survives losing one host: no
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.wsgiscale.mod_wsgi.plugins.plugin_utils.fleet import fleet_plan
from ansible_collections.wsgiscale.mod_wsgi.plugins.plugin_utils.sizing import SizingError

FILTER = "wsgi_fleet_plan"

#: Filter options that name the inputs in error messages -> the fleet_plan names key.
NAME_OPTIONS = {
    "variable": ("hosts", "hosts"),
    "apps_variable": ("apps", "apps"),
    "target_variable": ("fleet_target_rpm", "fleet_target_rpm"),
    "defaults_prefix": ("defaults_prefix", "defaults."),
}


def wsgi_fleet_plan(
    fleet_hosts, apps=None, fleet_target_rpm=None, defaults=None, survive_host_loss=False, **params
):
    """Return the fleet plan for ``fleet_hosts`` (the input); see DOCUMENTATION.

    The input is not named ``hosts``, so that ``hosts=`` given as an option reaches the
    plan's own check (a fleet plan takes its hosts from the input).
    """
    names = {
        key: str(params.pop(option, default)) for option, (key, default) in NAME_OPTIONS.items()
    }
    try:
        return fleet_plan(
            fleet_hosts,
            apps,
            fleet_target_rpm,
            defaults=defaults,
            survive_host_loss=survive_host_loss,
            caller=FILTER,
            names=names,
            **params,
        )
    except SizingError as exc:
        raise AnsibleFilterError(str(exc)) from exc


class FilterModule:
    """The wsgi_fleet_plan filter."""

    def filters(self):
        return {FILTER: wsgi_fleet_plan}
