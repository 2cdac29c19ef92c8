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
    for the same arguments; see that filter and docs/sizing.md for the model.
  - Takes the vCPU count as its input and the sizing inputs (O(latency_ms), O(target_rpm),
    ...) as keywords, like P(wsgiscale.mod_wsgi.wsgi_processes#filter) and
    P(wsgiscale.mod_wsgi.wsgi_sizing#filter) do. In 0.1.0 the input was O(latency_ms) and
    the vCPU count a C(vcpus) keyword; a C(vcpus) keyword now fails with a hint.
  - An infeasible plan fails with its reasons, unless O(allow_infeasible=true).
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
  - plugin: wsgiscale.mod_wsgi.wsgi_processes
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Threads per process for 9,000 rpm at 200 ms on this host
  ansible.builtin.debug:
    msg: >-
      {{ ansible_processor_vcpus | wsgiscale.mod_wsgi.wsgi_threads(
           target_rpm=9000, latency_ms=200, cpu_ms=5) }}
  # => 20 on 2 vCPUs
"""

RETURN = r"""
_value:
  description: Threads per process, equal to C(wsgi_sizing(...).threads) for the same arguments.
  type: int
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.wsgiscale.mod_wsgi.plugins.plugin_utils.sizing import (
    SizingError,
    plan_field,
)

FILTER = "wsgi_threads"


def wsgi_threads(value, allow_infeasible=False, **params):
    """Return the plan's threads per process for ``value`` vCPUs; see DOCUMENTATION."""
    if "vcpus" in params:
        raise AnsibleFilterError(
            f"{FILTER}: parameter 'vcpus' got {params['vcpus']!r} as a keyword; expected the "
            "vCPU count as the filter input, like wsgi_processes and wsgi_sizing: "
            "vcpus | wsgi_threads(latency_ms=..., target_rpm=...) (in 0.1.0 the input was "
            "latency_ms)"
        )
    try:
        return plan_field(value, "threads", FILTER, allow_infeasible, **params)
    except SizingError as exc:
        raise AnsibleFilterError(str(exc)) from exc


class FilterModule:
    """The wsgi_threads filter."""

    def filters(self):
        return {FILTER: wsgi_threads}
