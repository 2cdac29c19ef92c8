# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    """Options shared by the capacity-sizing filters (wsgi_sizing and friends)."""

    # Options a host shares between all its apps (also accepted by wsgi_host_plan).
    HOST = r"""
options:
  memory_mb:
    description:
      - Total host memory in MB, usually C(ansible_memtotal_mb).
      - "The daemons' budget is O(memory_mb) x O(memory_fraction) - O(apache_reserve_mb).
        Omit it (or pass C(null)) to skip the memory check."
    type: float
  memory_fraction:
    description: Share of O(memory_mb) the daemons and Apache may use (0 < x <= 1).
    type: float
    default: 0.8
  apache_reserve_mb:
    description: Memory kept for the Apache parent and children, subtracted from the budget.
    type: float
    default: 256
  hosts:
    description: Number of hosts the target is split over (O(target_rpm) is fleet-wide).
    type: int
    default: 1
  cpu_target:
    description:
      - Highest share of the host's vCPUs the plan may use at the target (0 < x <= 1).
      - A plan over it is infeasible and reports RV(_value.vcpus_needed).
    type: float
    default: 0.7
  gil_target:
    description:
      - Highest per-process GIL utilisation (CPU-seconds of Python per second per process,
        0 < x < 1). Decides the minimum number of processes; a request's Python CPU time is
        inflated for the wait on the GIL and, when the host's CPUs are busy, for the wait on
        a CPU (docs/sizing.md).
    type: float
    default: 0.5
  overhead_ms:
    description:
      - CPU per request outside the daemon's Python (Apache child, proxying, kernel), ms.
      - Measured on Debian's Apache 2.4 with mod_wsgi 4.9.4 at 0.95 ms and 5.0.2 at 1.09 ms
        (docs/benchmarks.md).
    type: float
    default: 1
  headroom:
    description:
      - Share of extra load the thread pool is sized for (0 <= x <= 10). The pool must meet
        the queue SLO with (1 + O(headroom)) times the busy threads the target keeps busy;
        the predicted figures are those of the target itself.
      - The queue wait rises steeply near the smallest pool that meets the SLO, so a few
        percent more traffic or latency than measured would miss it there; 0.2 covers an
        error of 20% in O(target_rpm) or O(latency_ms). 0 sizes on the edge.
    type: float
    default: 0.2
  slo_wait_ms:
    description: Queue wait (for a free daemon thread) allowed at O(slo_percentile), in ms.
    type: float
    default: 10
  slo_percentile:
    description:
      - Percentile of the queue-wait SLO (0 < x < 100).
      - 95 means P(queue wait > O(slo_wait_ms)) <= 5%.
    type: float
    default: 95
  max_threads:
    description:
      - Hard cap on threads per process.
      - The GIL cap ceil(O(latency_ms) / O(cpu_ms)) may be lower.
    type: int
    default: 25
  min_processes:
    description: Fewest processes (2 keeps serving while one restarts).
    type: int
    default: 2
  mod_wsgi_version:
    description:
      - Installed mod_wsgi version (for example C('4.9.4'), C('1:4.9.4-1+b1'), C('6.1')); at
        least 4.1, as a string of at least major.minor (quote it in YAML, where an unquoted
        C(4.10) is the number 4.1).
      - Decides the C(request-timeout) detection rule (<= 5.x averages over thread slots,
        6.x scales by 1 + ln threads).
    type: str
    default: '4.9'
  hang_timeout_s:
    description:
      - Seconds after which a single hung request should be killed; C(request-timeout) is
        derived from it for O(mod_wsgi_version) and the thread count.
      - Never below max(5 s, 10 x O(latency_ms)). C(0) turns C(request-timeout) off.
    type: float
    default: 60
  free_threading:
    description:
      - mod_wsgi 6 C(WSGIFreeThreading) on a free-threaded Python, which removes the
        per-process GIL cap (needs O(mod_wsgi_version) >= 6.0).
    type: bool
    default: false
"""

    # Per-app options (in wsgi_host_plan they come from each app or from defaults).
    APP = r"""
options:
  target_rpm:
    description: Target load in requests per minute across O(hosts) hosts (> 0).
    type: float
    required: true
  latency_ms:
    description:
      - Mean application time per request at low load, in ms (> 0), queueing excluded.
    type: float
    required: true
  cpu_ms:
    description:
      - Python CPU time per request in ms (holds the GIL), 0 < O(cpu_ms) <= O(latency_ms).
      - When omitted, 25% of O(latency_ms) is assumed (a pessimistic guess that caps
        threads per process at 4) and a reason says so; measure it and pass it.
    type: float
  process_rss_mb:
    description: Memory per daemon process in MB (measure PSS, not RSS).
    type: float
    default: 150
  thread_rss_mb:
    description: Extra memory per daemon thread in MB.
    type: float
    default: 2
  processes:
    description:
      - Explicit number of processes. With it (or O(threads)) the plan evaluates that size;
        RV(_value.binding) is C(override). The missing one of the two is derived.
    type: int
  threads:
    description: Explicit threads per process; see O(processes).
    type: int
"""

    # HOST without memory_mb and hosts, for wsgi_fleet_plan: each host brings its
    # memory, and the hosts are the filter's input.
    # tests/unit/plugins/filter/test_wsgi_fleet_plan.py keeps it in step with HOST.
    FLEET_HOST = r"""
options:
  memory_fraction:
    description: Share of O(memory_mb) the daemons and Apache may use (0 < x <= 1).
    type: float
    default: 0.8
  apache_reserve_mb:
    description: Memory kept for the Apache parent and children, subtracted from the budget.
    type: float
    default: 256
  cpu_target:
    description:
      - Highest share of the host's vCPUs the plan may use at the target (0 < x <= 1).
      - A plan over it is infeasible and reports RV(_value.vcpus_needed).
    type: float
    default: 0.7
  gil_target:
    description:
      - Highest per-process GIL utilisation (CPU-seconds of Python per second per process,
        0 < x < 1). Decides the minimum number of processes; a request's Python CPU time is
        inflated for the wait on the GIL and, when the host's CPUs are busy, for the wait on
        a CPU (docs/sizing.md).
    type: float
    default: 0.5
  overhead_ms:
    description:
      - CPU per request outside the daemon's Python (Apache child, proxying, kernel), ms.
      - Measured on Debian's Apache 2.4 with mod_wsgi 4.9.4 at 0.95 ms and 5.0.2 at 1.09 ms
        (docs/benchmarks.md).
    type: float
    default: 1
  headroom:
    description:
      - Share of extra load the thread pool is sized for (0 <= x <= 10). The pool must meet
        the queue SLO with (1 + O(headroom)) times the busy threads the target keeps busy;
        the predicted figures are those of the target itself.
      - The queue wait rises steeply near the smallest pool that meets the SLO, so a few
        percent more traffic or latency than measured would miss it there; 0.2 covers an
        error of 20% in O(target_rpm) or O(latency_ms). 0 sizes on the edge.
    type: float
    default: 0.2
  slo_wait_ms:
    description: Queue wait (for a free daemon thread) allowed at O(slo_percentile), in ms.
    type: float
    default: 10
  slo_percentile:
    description:
      - Percentile of the queue-wait SLO (0 < x < 100).
      - 95 means P(queue wait > O(slo_wait_ms)) <= 5%.
    type: float
    default: 95
  max_threads:
    description:
      - Hard cap on threads per process.
      - The GIL cap ceil(O(latency_ms) / O(cpu_ms)) may be lower.
    type: int
    default: 25
  min_processes:
    description: Fewest processes (2 keeps serving while one restarts).
    type: int
    default: 2
  mod_wsgi_version:
    description:
      - Installed mod_wsgi version (for example C('4.9.4'), C('1:4.9.4-1+b1'), C('6.1')); at
        least 4.1, as a string of at least major.minor (quote it in YAML, where an unquoted
        C(4.10) is the number 4.1).
      - Decides the C(request-timeout) detection rule (<= 5.x averages over thread slots,
        6.x scales by 1 + ln threads).
    type: str
    default: '4.9'
  hang_timeout_s:
    description:
      - Seconds after which a single hung request should be killed; C(request-timeout) is
        derived from it for O(mod_wsgi_version) and the thread count.
      - Never below max(5 s, 10 x O(latency_ms)). C(0) turns C(request-timeout) off.
    type: float
    default: 60
  free_threading:
    description:
      - mod_wsgi 6 C(WSGIFreeThreading) on a free-threaded Python, which removes the
        per-process GIL cap (needs O(mod_wsgi_version) >= 6.0).
    type: bool
    default: false
"""
