# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: wsgi_sizing
short_description: Size a mod_wsgi daemon process group from host facts and a traffic target
version_added: 0.1.0
author: wsgiscale maintainers
description:
  - Computes C(WSGIDaemonProcess processes=P threads=T) for a target load, and explains it.
  - "Model (see docs/sizing.md): Little's law with the request's Python CPU time inflated
    for the waits on the GIL and a CPU; the busy threads are the requests on I/O plus those
    sharing the CPUs (Erlang C when the CPU share is small, a heavier tail when bursts
    crowd a CPU), and the smallest thread pool whose queue wait meets O(slo_wait_ms) at
    O(slo_percentile) is picked; threads per process
    are capped at min(O(max_threads), ceil(O(latency_ms) / O(cpu_ms))) because more threads
    than that only queue for the GIL; processes = max(O(min_processes),
    ceil(Python CPU / O(gil_target)), ceil(threads / cap)); then host CPU and memory are checked."
  - Infeasible targets are never silently under-sized; RV(_value.feasible) is false, the
    reasons say why with numbers, and RV(_value.vcpus_needed) / RV(_value.hosts_needed) say
    what would carry the target.
  - Numeric strings (for example from C(-e)) are accepted; booleans, NaN, infinity and
    other strings are refused with an error naming the filter, parameter and value.
options:
  _input:
    description:
      - The host's vCPU count, usually C(ansible_processor_vcpus). Must be an integer >= 1
        (some platforms, such as ppc64le, have reported 0).
    type: int
    required: true
extends_documentation_fragment:
  - wsgiscale.mod_wsgi.sizing.app
  - wsgiscale.mod_wsgi.sizing.host
seealso:
  - plugin: wsgiscale.mod_wsgi.wsgi_processes
    plugin_type: filter
  - plugin: wsgiscale.mod_wsgi.wsgi_threads
    plugin_type: filter
  - plugin: wsgiscale.mod_wsgi.wsgi_host_plan
    plugin_type: filter
"""

EXAMPLES = r"""
- name: Size the daemon group for 9,000 rpm at 200 ms (5 ms of it Python CPU)
  ansible.builtin.set_fact:
    app_plan: >-
      {{ ansible_processor_vcpus | wsgiscale.mod_wsgi.wsgi_sizing(
           target_rpm=9000, latency_ms=200, cpu_ms=5,
           memory_mb=ansible_memtotal_mb, process_rss_mb=150) }}
  # On 2 vCPUs: app_plan.processes == 2, app_plan.threads == 20, app_plan.feasible

- name: Refuse targets the host cannot carry
  ansible.builtin.assert:
    that: app_plan.feasible
    fail_msg: "{{ app_plan.reasons | join(' ') }}"

- name: Evaluate the folk 2-2-30 rule instead of sizing
  ansible.builtin.debug:
    msg: >-
      {{ (2 | wsgiscale.mod_wsgi.wsgi_sizing(target_rpm=18000, latency_ms=200, cpu_ms=2,
          processes=2, threads=30)).thread_utilization }}
"""

RETURN = r"""
_value:
  description: The plan.
  type: dict
  contains:
    processes:
      description: Daemon processes.
      type: int
    threads:
      description: Threads per process.
      type: int
    total_threads:
      description: processes x threads.
      type: int
    feasible:
      description: Whether the plan meets the queue SLO, cpu_target, gil_target and memory budget.
      type: bool
    reasons:
      description:
        - Full sentences explaining the decision and any infeasibility, with numbers, for people.
        - Code should read RV(_value.checks) and RV(_value.problems) instead.
      type: list
      elements: str
    checks:
      description:
        - Whether the plan meets each target, by check code. RV(_value.feasible) is true when
          all are.
        - V(queue_slo) (P(queue wait > slo_wait_ms) within the percentile), V(gil) (GIL load
          per process within gil_target, or below 1 when memory forced fewer processes),
          V(cpu) (within cpu_target x vcpus), V(memory) (within the budget; true when
          memory_mb is not given).
      type: dict
      sample: {"queue_slo": true, "gil": true, "cpu": false, "memory": true}
    problems:
      description:
        - One entry per failed check, in the order V(queue_slo), V(gil), V(cpu), V(memory)
          (the order of the reasons); empty when the plan is feasible.
      type: list
      elements: dict
      contains:
        code:
          description: The failed check (stable), V(queue_slo), V(gil), V(cpu) or V(memory).
          type: str
        app:
          description: The app's name in a wsgi_host_plan result, else null.
          type: str
        message:
          description: The sentence RV(_value.reasons) gives for it.
          type: str
        needed:
          description:
            - "What the target needs: V(queue_slo) threads at the plan's real GIL load (null
              when the GIL is saturated and no thread count helps), V(gil) processes,
              V(cpu) cores, V(memory) MB."
          type: raw
        available:
          description: What the plan or host has, in the same unit.
          type: raw
        unit:
          description: Unit of needed and available, V(threads), V(processes), V(cores) or V(MB).
          type: str
    binding:
      description:
        - "What decided the size: V(queue_slo) (threads needed / thread cap), V(gil)
          (Python CPU / gil_target), V(min_processes), V(memory) (memory forced fewer
          processes, or is short), V(cpu) (CPU is short), V(override) (explicit size)."
      type: str
    vcpus_needed:
      description: vCPUs needed at cpu_target when CPU makes the plan infeasible, else null.
      type: int
    hosts_needed:
      description: Fewest hosts of this shape that carry the fleet-wide target (null if none).
      type: int
    capacity_rpm:
      description: Highest rpm per host the plan sustains (all threads, GIL or CPU saturated).
      type: float
    capacity_limit:
      description: What saturates first at RV(_value.capacity_rpm), V(threads), V(gil) or V(cpu).
      type: str
    arrival_rate_rps:
      description: Requests per second per host.
      type: float
    effective_latency_ms:
      description: Time a request holds a thread, GIL wait included, at the plan's GIL utilisation.
      type: float
    busy_threads:
      description: "Mean busy threads (Little's law: arrival_rate_rps x effective_latency_ms)."
      type: float
    threads_required:
      description: Smallest thread pool meeting the queue SLO at gil_target, with the headroom.
      type: int
    capacity_floor:
      description:
        - Set when threads were raised above ceil(threads_required / processes) so that more
          rpm never gets fewer total threads; the final plan of the highest lower
          O(target_rpm) sized with fewer processes. Null otherwise and for explicit sizes.
      type: dict
      contains:
        target_rpm:
          description: That lower rpm.
          type: float
        processes:
          description: Its processes.
          type: int
        threads:
          description: Its threads.
          type: int
        total_threads:
          description: Its processes x threads, which this plan does not go below.
          type: int
    thread_cap:
      description: Highest useful threads per process, min(max_threads, ceil(latency_ms / cpu_ms)).
      type: int
    thread_utilization:
      description: busy_threads / total_threads.
      type: float
    cpu_cores_needed:
      description: arrival rate x (cpu_ms + overhead_ms).
      type: float
    cpu_utilization:
      description: cpu_cores_needed / vcpus.
      type: float
    gil_utilization:
      description: Python CPU-seconds per second per process (null with free_threading).
      type: float
    predicted_wait_probability:
      description: Probability that a request waits for a thread at all.
      type: float
    predicted_slo_violation_probability:
      description: P(queue wait > slo_wait_ms).
      type: float
    predicted_queue_wait_ms:
      description: Queue wait at slo_percentile (null when unstable).
      type: float
    mean_queue_wait_ms:
      description: Mean queue wait (null when unstable).
      type: float
    memory_mb:
      description: Daemon memory estimate, processes x (process_rss_mb + threads x thread_rss_mb).
      type: float
    memory_budget_mb:
      description: memory_mb x memory_fraction - apache_reserve_mb, or null.
      type: float
    max_request_workers:
      description: Apache MaxRequestWorkers needed, ceil(1.5 x total_threads) + 10.
      type: int
    request_timeout:
      description: C(request-timeout) value in seconds (0 when hang_timeout_s is 0).
      type: int
    effective_request_timeout_s:
      description: Seconds until one hung request is killed with that request-timeout.
      type: float
    queue_timeout:
      description: C(queue-timeout) seconds, max(5, 10 x latency, 2 x slo_wait).
      type: int
    listen_backlog:
      description: C(listen-backlog), max(100, max_request_workers).
      type: int
    options:
      description: "C(processes), C(threads), C(request-timeout), C(queue-timeout),
        C(listen-backlog) for the wsgi_daemon_options filter."
      type: dict
    limits:
      description: Process counts each rule asks for (min_processes, gil, queue_slo).
      type: dict
    inputs:
      description:
        - The validated inputs with defaults filled in.
        - C(cpu_ms_defaulted) says whether cpu_ms was assumed.
      type: dict
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.wsgiscale.mod_wsgi.plugins.plugin_utils.sizing import (
    SizingError,
    size_plan,
)


def wsgi_sizing(vcpus, **params):
    """Return the sizing plan for ``vcpus``; see DOCUMENTATION."""
    try:
        return size_plan(vcpus, caller="wsgi_sizing", **params)
    except SizingError as exc:
        raise AnsibleFilterError(str(exc)) from exc


class FilterModule:
    """The wsgi_sizing filter."""

    def filters(self):
        return {"wsgi_sizing": wsgi_sizing}
