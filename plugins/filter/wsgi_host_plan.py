# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: wsgi_host_plan
short_description: Size several mod_wsgi daemon process groups that share one host
version_added: 0.1.0
author: wsgiscale maintainers
description:
  - Sizes each app with P(wsgiscale.mod_wsgi.wsgi_sizing#filter) (same model, memory
    unchecked), then makes the apps share the host. The sum of CPU must stay within
    O(cpu_target) x O(vcpus); otherwise the host plan is infeasible and reports
    RV(_value.vcpus_needed).
  - If the apps' memory together is over the budget (O(memory_mb) x O(memory_fraction) -
    O(apache_reserve_mb), Apache counted once), processes are taken away one at a time from
    the app whose GIL stays coolest after the cut. Threads per process stay within the
    app's GIL thread cap, processes stay at or above O(min_processes), and the queue SLO
    must still hold at the real GIL load. Apps with an explicit size are never cut. If
    that is not enough, the host plan is infeasible and the reasons name the apps.
  - An app that is infeasible on its own (for example CPU) makes the host plan infeasible;
    the reason names the app.
  - C(listen-backlog) of every app is raised to the host's MaxRequestWorkers, because all
    Apache workers may wait on one app's daemon socket.
options:
  _input:
    description:
      - The apps, a list of dicts. Each needs a unique C(name) and may set C(target_rpm),
        C(latency_ms), C(cpu_ms), C(process_rss_mb), C(thread_rss_mb), C(processes) and
        C(threads) (see P(wsgiscale.mod_wsgi.wsgi_sizing#filter)); other keys (script,
        mount, options, ...) are ignored.
    type: list
    elements: dict
    required: true
  vcpus:
    description: The host's vCPU count, usually C(ansible_processor_vcpus) (an integer >= 1).
    type: int
    required: true
  defaults:
    description:
      - "Values for the per-app keys that an app does not set, for example
        C({'target_rpm': 3000, 'latency_ms': 100, 'cpu_ms': 5, 'process_rss_mb': 150})."
      - Only the per-app keys listed for the input are accepted.
    type: dict
    default: {}
  variable:
    description:
      - Name of the input in error messages, which name an app's keys
        C(VARIABLE[INDEX] (NAME).KEY), for example C(mod_wsgi_daemon_apps[1] (api).threads).
    type: str
    default: apps
  defaults_prefix:
    description:
      - What error messages put before a key of O(defaults) to name it. The
        C(mod_wsgi_daemon) role passes C(mod_wsgi_daemon_), so a bad default is reported as
        the role variable that holds it (C(mod_wsgi_daemon_target_rpm)).
    type: str
    default: defaults.
extends_documentation_fragment:
  - wsgiscale.mod_wsgi.sizing.host
seealso:
  - plugin: wsgiscale.mod_wsgi.wsgi_sizing
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Plan two apps on one host
  ansible.builtin.set_fact:
    host_plan: >-
      {{ [{'name': 'shop', 'target_rpm': 6000, 'latency_ms': 150, 'cpu_ms': 10},
          {'name': 'admin', 'target_rpm': 300}]
         | wsgiscale.mod_wsgi.wsgi_host_plan(
             vcpus=ansible_processor_vcpus, memory_mb=ansible_memtotal_mb,
             defaults={'target_rpm': 3000, 'latency_ms': 100, 'cpu_ms': 5,
                       'process_rss_mb': 150},
             mod_wsgi_version='4.9') }}

- name: Stop when the host cannot carry the apps
  ansible.builtin.assert:
    that: host_plan.feasible
    fail_msg: "{{ host_plan.reasons | join(' ') }}"

- name: Options of one app, for the wsgi_daemon_options filter
  ansible.builtin.debug:
    msg: "{{ host_plan.apps.shop.options | wsgiscale.mod_wsgi.wsgi_daemon_options }}"
"""

RETURN = r"""
_value:
  description: The host plan.
  type: dict
  contains:
    feasible:
      description: Every app is feasible and together they fit the host's CPU and memory.
      type: bool
    reasons:
      description:
        - Sentences on the sharing decisions and any infeasibility, naming the apps, for
          people. Code should read RV(_value.checks) and RV(_value.problems) instead.
      type: list
      elements: str
    checks:
      description:
        - Whether the host meets each target, by check code; RV(_value.feasible) is true when
          all are.
        - V(queue_slo), V(gil), V(cpu) are true when every app meets that check on its own
          (see P(wsgiscale.mod_wsgi.wsgi_sizing#filter); each app's C(checks) are in
          RV(_value.apps)). V(host_cpu) is the sum of the apps' CPU within cpu_target x
          vcpus, V(host_memory) the sum of their memory within the budget (true when
          memory_mb is not given).
      type: dict
      sample: {"queue_slo": true, "gil": true, "cpu": true, "host_cpu": false, "host_memory": true}
    problems:
      description:
        - The apps' own problems (C(app) set to the app's name, codes V(queue_slo), V(gil),
          V(cpu)), then the host-wide ones (C(app) null, codes V(host_cpu) in cores and
          V(host_memory) in MB). Empty when the host plan is feasible.
        - Each entry has C(code), C(app), C(message) (the sentence of RV(_value.reasons)),
          C(needed), C(available) and C(unit), as in wsgi_sizing's C(problems).
      type: list
      elements: dict
    apps:
      description: The plan of each app by name, as returned by wsgi_sizing.
      type: dict
    total_threads:
      description: Daemon threads of all apps.
      type: int
    total_processes:
      description: Daemon processes of all apps.
      type: int
    max_request_workers:
      description: Apache MaxRequestWorkers needed, ceil(1.5 x total_threads) + 10 (0 without apps).
      type: int
    listen_backlog:
      description: listen-backlog given to every app, max(100, max_request_workers).
      type: int
    cpu_utilization:
      description: CPU cores of all apps at their targets / vcpus.
      type: float
    cpu_cores_needed:
      description: CPU cores of all apps at their targets.
      type: float
    vcpus_needed:
      description: vCPUs needed at cpu_target when CPU is short, else null.
      type: int
    memory_mb:
      description: Daemon memory of all apps, MB.
      type: float
    memory_budget_mb:
      description: Budget for that memory, or null without memory_mb.
      type: float
    vcpus:
      description: The validated vCPU count.
      type: int
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.wsgiscale.mod_wsgi.plugins.plugin_utils.sizing import (
    SizingError,
    host_plan,
)

FILTER = "wsgi_host_plan"


def wsgi_host_plan(
    apps, vcpus=None, defaults=None, variable="apps", defaults_prefix="defaults.", **params
):
    """Return the host plan for ``apps``; see DOCUMENTATION."""
    try:
        return host_plan(
            apps,
            vcpus=vcpus,
            defaults=defaults,
            caller=FILTER,
            variable=variable,
            defaults_prefix=defaults_prefix,
            **params,
        )
    except SizingError as exc:
        raise AnsibleFilterError(str(exc)) from exc


class FilterModule:
    """The wsgi_host_plan filter."""

    def filters(self):
        return {FILTER: wsgi_host_plan}
