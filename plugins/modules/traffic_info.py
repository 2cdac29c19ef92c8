#!/usr/bin/python
# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: traffic_info
short_description: Measure live traffic and queue wait of mod_wsgi daemon groups
version_added: 0.1.0
description:
  - Reads the snapshots that the metrics agent of C(wsgiscale.mod_wsgi.mod_wsgi_daemon)
    (C(mod_wsgi_daemon_metrics=true)) writes from inside every daemon process, and
    aggregates the live processes of each daemon process group over a window of the last
    O(window) seconds. Read-only; it never changes anything.
  - Per group it reports the arrival rate, application time (mean, p50, p95, p99), Python
    CPU per request, the wait for a free daemon thread (queue wait) and the wait from
    Apache reading the request to the app starting (server wait), thread utilisation,
    processes and their memory, responses by status class, and the restarts seen in the
    window (processes that ended, processes that started).
  - RV(groups.sizing_inputs) holds C(target_rpm), C(latency_ms), C(cpu_ms) and
    C(process_rss_mb) as measured, ready for C(wsgiscale.mod_wsgi.wsgi_sizing) or
    C(wsgiscale.mod_wsgi.wsgi_host_plan).
  - Its action plugin adds, on the controller, the sizing model's prediction for the
    size that runs (RV(groups.prediction)), that is the queue wait the plan expects at
    the measured load, beside the measured one.
  - A saturated group serves fewer requests than arrive; the requests it sheds are
    counted from the Apache error log (queue-timeout, 504, and refused connections,
    503, name their group) so that RV(groups.arrival_rpm) is what arrived.
  - See C(docs/metrics.md) for the agent, the sources it uses per mod_wsgi version and
    the snapshot format.
author:
  - wsgiscale maintainers (@wsgiscale)
attributes:
  platform:
    description: Linux only (reads C(/proc) to tell live processes from ended ones).
  action:
    support: full
    description: The action plugin runs the module and adds the model's prediction.
extends_documentation_fragment:
  - wsgiscale.mod_wsgi.attributes.read_only
options:
  process_group:
    description:
      - Report only this daemon process group; the module fails when it has no metrics
        or fewer than O(min_requests) requests in the window.
    type: str
  window:
    description:
      - Seconds of traffic to aggregate, counted back from now. The agent closes an
        interval every few seconds (5 by default), so the window covers whole intervals
        and may start up to one interval earlier.
      - At most the history the agent keeps (C(mod_wsgi_daemon_metrics_history_s)).
    type: float
    default: 60
  run_dir:
    description: Folder the agent writes its snapshots to, one subfolder per group.
    type: path
    default: /run/wsgiscale-mod_wsgi/metrics
  count_shed:
    description:
      - Count the requests each group shed in the window (queue-timeout, refused
        connections) from O(error_log) and include them in RV(groups.arrival_rpm).
    type: bool
    default: true
  error_log:
    description:
      - Apache error log the daemon groups log to. By default the first of
        C(/var/log/apache2/error.log) and C(/var/log/httpd/error_log) that exists.
      - Only its tail back to the start of the window is read.
    type: path
  headroom_percent:
    description:
      - Headroom added to the largest PSS (RSS when PSS is unknown) of a group's
        processes for C(process_rss_mb) in RV(groups.sizing_inputs).
    type: float
    default: 20
  min_requests:
    description:
      - Fewest requests in the window for a group's RV(groups.sizing_inputs); below it
        they are null, with a note (or the module fails, with O(process_group)).
    type: int
    default: 1
  slo_wait_ms:
    description:
      - Queue-wait target in milliseconds, at O(slo_percentile) (the sizing plan's
        C(slo_wait_ms)); C(meets_slo) in RV(groups.queue_wait_ms) compares the measured wait.
    type: float
    default: 10
  slo_percentile:
    description: Percentile of the queue wait that must meet O(slo_wait_ms).
    type: float
    default: 95
notes:
  - Run it with become, since the snapshot folders belong to the daemon accounts and the
    error log to root.
  - Apache's own wait for a free worker (connections in the listen backlog of port 80
    when every worker is busy) is invisible to mod_wsgi, hence to this module; the load
    balancer or the client sees it.
seealso:
  - module: wsgiscale.mod_wsgi.daemon_info
  - module: wsgiscale.mod_wsgi.restart_info
"""

EXAMPLES = r"""
- name: Measure the last minute of traffic of every daemon group
  wsgiscale.mod_wsgi.traffic_info:
  become: true
  register: traffic

- name: Re-plan the shop with what was measured
  ansible.builtin.set_fact:
    shop_plan: >-
      {{ ansible_processor_vcpus | wsgiscale.mod_wsgi.wsgi_sizing(
           **traffic.groups.shop.sizing_inputs) }}

- name: Check the measured queue wait meets the target
  wsgiscale.mod_wsgi.traffic_info:
    process_group: shop
    window: 30
  become: true
  register: shop_traffic
  failed_when: not shop_traffic.groups.shop.queue_wait_ms.meets_slo
"""

RETURN = r"""
groups:
  description: One report per daemon group that has a metrics folder, keyed by group.
  returned: always
  type: dict
  contains:
    live:
      description: Whether a running process of the group has written a snapshot.
      type: bool
    window:
      description:
        - C(start) and C(end) (ISO 8601, UTC), C(start_epoch) and C(end_epoch) (seconds since
          the epoch) and C(seconds) of the intervals aggregated.
      type: dict
    processes:
      description: Running processes of the group with a snapshot.
      type: int
    pids:
      description: Their process ids.
      type: list
      elements: int
    threads_per_process:
      description: Request threads per process (C(threads=)), null when processes differ.
      type: int
    mod_wsgi:
      description: mod_wsgi version the processes run.
      type: str
    sources:
      description: What the agent measured with (C(requests), C(busy)); see docs/metrics.md.
      type: dict
    requests:
      description: Requests finished in the window.
      type: int
    served_rpm:
      description: Requests finished per minute.
      type: float
    arrival_rpm:
      description: Requests per minute that reached the group, shed ones included.
      type: float
    shed:
      description:
        - C(queue_timeout) and C(connect_failed) requests of the group in the error log in
          the window; null when not counted.
      type: dict
    application_time_ms:
      description: C(count), C(mean), C(p50), C(p95), C(p99) of the application time.
      type: dict
    queue_wait_ms:
      description:
        - C(count), C(mean), C(p50), C(p95), C(p99) of the wait for a free daemon thread
          (mod_wsgi's daemon_start - queue_start), plus C(slo_percentile), C(slo_wait_ms),
          C(at_slo_percentile) and C(meets_slo).
      type: dict
    server_wait_ms:
      description: The same for the wait from Apache reading the request to the app starting.
      type: dict
    cpu_ms_per_request:
      description: Mean CPU of the request thread per request (user + system).
      type: float
    gil_wait_ms_per_request:
      description: Mean GIL wait per request (mod_wsgi 6.x only; null otherwise).
      type: float
    thread_utilization:
      description: Busy thread-seconds / (threads x seconds) of the window.
      type: float
    busy_threads:
      description: Mean number of busy request threads of the group.
      type: float
    status:
      description: Responses by status class (C(1xx) ... C(5xx)).
      type: dict
    memory_basis:
      description: C(pss) or C(rss), what RV(groups.process_memory_mb) is.
      type: str
    process_memory_mb:
      description: Largest PSS (else RSS) of the group's processes, in MiB.
      type: float
    process_details:
      description:
        - One entry per process with C(pid), C(threads), C(started) (ISO 8601, UTC),
          C(started_epoch), C(started_in_window),
          C(seconds_since_written), C(requests), C(rss_mb) and C(pss_mb).
      type: list
      elements: dict
    restarts_seen:
      description:
        - C(count) of processes that ended in the window, C(ended) (their C(pid),
          C(started), C(last_written), C(stopped_cleanly)) and C(started) (pids of the
          running processes that started in the window).
      type: dict
    sizing_inputs:
      description:
        - C(target_rpm), C(latency_ms), C(cpu_ms) and C(process_rss_mb) as measured, for
          C(wsgiscale.mod_wsgi.wsgi_sizing); null when the window has fewer than
          O(min_requests) requests.
      type: dict
    prediction:
      description:
        - Added by the action plugin when RV(groups.sizing_inputs) is known, the sizing
          model run for the running size (C(processes) x C(threads)) at the measured
          inputs. C(queue_wait_ms) holds C(predicted) and C(measured) at the SLO
          percentile and C(predicted_mean) and C(measured_mean); C(thread_utilization)
          holds C(predicted) and C(measured); also C(feasible) and the plan's C(reasons).
      type: dict
  sample:
    shop:
      live: true
      window: {start: "2026-11-30T11:57:15.000Z", end: "2026-11-30T11:57:35.002Z", seconds: 20.0}
      processes: 2
      threads_per_process: 3
      requests: 407
      arrival_rpm: 1220.9
      queue_wait_ms: {count: 407, mean: 1.9, p50: 0.12, p95: 7.9, p99: 27.9, meets_slo: true}
      sizing_inputs: {target_rpm: 1220.9, latency_ms: 59.08, cpu_ms: 2.414, process_rss_mb: 9}
run_dir:
  description: The folder read.
  returned: always
  type: str
window_s:
  description: The O(window) asked for.
  returned: always
  type: float
now:
  description: When the module read the snapshots (ISO 8601, UTC).
  returned: always
  type: str
vcpus:
  description: CPUs the module may run on (what the prediction is computed for).
  returned: always
  type: int
error_log:
  description: The error log shed requests were counted in, null when none.
  returned: always
  type: str
notes:
  description: Things worth knowing (skipped files, stale agents, groups without data).
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.traffic import (
    DEFAULT_HEADROOM_PERCENT,
    DEFAULT_MIN_REQUESTS,
    DEFAULT_SLO_PERCENTILE,
    DEFAULT_SLO_WAIT_MS,
    DEFAULT_WINDOW_S,
    PROC_ROOT,
    RUN_DIR,
    TrafficInfoError,
    collect,
)

# The defaults are the library's; DOCUMENTATION repeats them (tests check it does).
ARGUMENT_SPEC = {
    "process_group": {"type": "str"},
    "window": {"type": "float", "default": DEFAULT_WINDOW_S},
    "run_dir": {"type": "path", "default": RUN_DIR},
    "count_shed": {"type": "bool", "default": True},
    "error_log": {"type": "path"},
    "headroom_percent": {"type": "float", "default": DEFAULT_HEADROOM_PERCENT},
    "min_requests": {"type": "int", "default": DEFAULT_MIN_REQUESTS},
    "slo_wait_ms": {"type": "float", "default": DEFAULT_SLO_WAIT_MS},
    "slo_percentile": {"type": "float", "default": DEFAULT_SLO_PERCENTILE},
}


def main() -> None:
    """Run the module."""
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    try:
        result = collect(module.params, proc_root=PROC_ROOT)
    except TrafficInfoError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
