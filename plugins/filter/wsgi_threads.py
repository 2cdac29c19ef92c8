# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: wsgi_threads
short_description: Threads per mod_wsgi daemon process for a traffic target
version_added: 0.1.0
author: wsgiscale maintainers
description:
  - Returns C(threads) of the plan that P(wsgiscale.mod_wsgi.wsgi_sizing#filter) computes
    for O(vcpus) with O(latency_ms) taken from the input; see that filter and
    docs/sizing.md for the model.
  - An infeasible plan fails with its reasons, unless O(allow_infeasible=true).
options:
  _input:
    description: Mean application time per request at low load in ms (the plan's O(latency_ms)).
    type: float
    required: true
  vcpus:
    description: The host's vCPU count, usually C(ansible_processor_vcpus) (an integer >= 1).
    type: int
    required: true
  latency_ms:
    description: Not accepted as a keyword here; it is the filter input.
    type: float
    required: false
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
  - plugin: wsgiscale.mod_wsgi.wsgi_processes
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Threads per process for 9,000 rpm at 200 ms on this host
  ansible.builtin.debug:
    msg: >-
      {{ 200 | wsgiscale.mod_wsgi.wsgi_threads(target_rpm=9000,
           vcpus=ansible_processor_vcpus, cpu_ms=5) }}
  # => 20 on 2 vCPUs
"""

RETURN = r"""
_value:
  description: Threads per process, equal to C(wsgi_sizing(vcpus, latency_ms=input, ...).threads).
  type: int
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.wsgiscale.mod_wsgi.plugins.plugin_utils.sizing import (
    SizingError,
    plan_field,
)

FILTER = "wsgi_threads"


def wsgi_threads(value, vcpus=None, allow_infeasible=False, **params):
    """Return the plan's threads per process for latency_ms ``value``; see DOCUMENTATION."""
    if "latency_ms" in params:
        raise AnsibleFilterError(
            f"{FILTER}: parameter 'latency_ms' got {params['latency_ms']!r} as a keyword; "
            "expected it only as the filter input (latency_ms | wsgi_threads(...))"
        )
    try:
        return plan_field(vcpus, "threads", FILTER, allow_infeasible, latency_ms=value, **params)
    except SizingError as exc:
        raise AnsibleFilterError(str(exc)) from exc


class FilterModule:
    """The wsgi_threads filter."""

    def filters(self):
        return {FILTER: wsgi_threads}
