# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: wsgi_processes
short_description: Number of mod_wsgi daemon processes for a traffic target
version_added: 0.1.0
author: wsgiscale maintainers
description:
  - Returns C(processes) of the plan that P(wsgiscale.mod_wsgi.wsgi_sizing#filter) computes
    for the same arguments; see that filter and docs/sizing.md for the model.
  - An infeasible plan fails with its reasons (an integer cannot say "infeasible"), unless
    O(allow_infeasible=true), which returns the size the target would need.
options:
  _input:
    description: The host's vCPU count, usually C(ansible_processor_vcpus) (an integer >= 1).
    type: int
    required: true
  allow_infeasible:
    description: Return the number even when the plan is infeasible instead of failing.
    type: bool
    default: false
extends_documentation_fragment:
  - wsgiscale.mod_wsgi.sizing.app
  - wsgiscale.mod_wsgi.sizing.host
seealso:
  - plugin: wsgiscale.mod_wsgi.wsgi_sizing
    plugin_type: filter
  - plugin: wsgiscale.mod_wsgi.wsgi_threads
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Processes for 9,000 rpm at 200 ms, 5 ms of it Python CPU
  ansible.builtin.debug:
    msg: >-
      {{ ansible_processor_vcpus | wsgiscale.mod_wsgi.wsgi_processes(
           target_rpm=9000, latency_ms=200, cpu_ms=5) }}
  # => 2 on 2 vCPUs
"""

RETURN = r"""
_value:
  description: Daemon processes, equal to C(wsgi_sizing(...).processes).
  type: int
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.wsgiscale.mod_wsgi.plugins.plugin_utils.sizing import (
    SizingError,
    plan_field,
)

FILTER = "wsgi_processes"


def wsgi_processes(vcpus, allow_infeasible=False, **params):
    """Return the plan's processes; see DOCUMENTATION."""
    try:
        return plan_field(vcpus, "processes", FILTER, allow_infeasible, **params)
    except SizingError as exc:
        raise AnsibleFilterError(str(exc)) from exc


class FilterModule:
    """The wsgi_processes filter."""

    def filters(self):
        return {FILTER: wsgi_processes}
