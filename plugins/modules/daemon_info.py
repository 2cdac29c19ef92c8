#!/usr/bin/python
# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: daemon_info
short_description: Report live mod_wsgi daemon processes, their threads, memory and CPU
version_added: 0.1.0
description:
  - Reads C(/proc) on the target (read-only, never changes anything) and lists the running
    mod_wsgi daemon processes of Apache by daemon process group.
  - A daemon process is recognised by its C((wsgi:NAME)) display name when the group sets
    C(display-name=%{GROUP}). mod_wsgi cuts the display name to the length of Apache's
    original argv[0] (17 characters for C(/usr/sbin/apache2)), so longer names are
    truncated; a truncated name is attributed to the one group in O(expected) or
    O(process_group) that it is a prefix of. When several of those groups start with it,
    it stays under the truncated name, with a note.
  - Without a display name a daemon process is found among the children of the Apache
    parent by its signal handler for SIGXCPU, which mod_wsgi installs in every daemon
    process and Apache's MPM children do not. Such processes are reported under the group
    C(unnamed), since nothing in C(/proc) tells which group they belong to.
  - Per process it reports threads, RSS, PSS (from C(smaps_rollup), which needs root and
    CAP_SYS_PTRACE for other users' processes; null otherwise), CPU seconds, start time
    and user. Per group it reports counts, memory statistics and
    RV(groups.recommended_process_rss_mb) to feed C(wsgiscale.mod_wsgi.wsgi_sizing).
  - See C(docs/recalibration.md) for the measure, re-plan, apply loop.
author:
  - wsgiscale maintainers (@wsgiscale)
attributes:
  platform:
    description: Linux only (reads C(/proc)).
extends_documentation_fragment:
  - wsgiscale.mod_wsgi.attributes.read_only
options:
  process_group:
    description:
      - Report only this daemon process group.
      - When set, O(expected) may only name this group.
      - Group names here and in O(expected) are one word, as in C(WSGIDaemonProcess NAME);
        an empty name or one with whitespace or control characters fails the module.
    type: str
  expected:
    description:
      - What should be running, as a dict of group name to a dict with C(processes)
        (integer >= 1) and/or C(threads) (request threads per process, integer >= 0), the
        values of C(WSGIDaemonProcess processes=P threads=T).
      - Threads are compared with C(threads - thread_overhead) of each process.
      - When given, each expected group gets RV(expected.matches) and RV(expected.mismatches)
        and the result has RV(all_match).
    type: dict
  apache_pid:
    description:
      - Process id of the Apache parent. By default every C(apache2)/C(httpd) process whose
        parent is not itself Apache is taken as a parent.
      - Mutually exclusive with O(pidfile).
    type: int
  pidfile:
    description:
      - Apache's C(PidFile) (Debian C(/run/apache2/apache2.pid), RHEL
        C(/run/httpd/httpd.pid)) to read the parent's pid from.
      - Mutually exclusive with O(apache_pid).
    type: path
  thread_overhead:
    description:
      - Threads of a daemon process that do not serve requests (main, monitor and deadlock
        threads). Measured as 3 for mod_wsgi 4.9.4 (Debian 12) and 5.0.2 (Debian 13), and
        4 for 6.1.1, with any C(threads) value and timeouts.
      - Null means 4 when the mod_wsgi is 6.x, else 3; the version is O(mod_wsgi_version),
        else that of the module Apache loaded (RV(mod_wsgi)); one whose version cannot be
        read counts as 4.x/5.x.
      - Threads the application starts itself (APM agents, schedulers) make the request
        thread estimate too high; raise this value by their number.
    type: int
  app_threads:
    description:
      - Threads the application starts itself in each daemon process (APM agents,
        schedulers, the role's metrics agent, which starts 1), added to the worked-out
        O(thread_overhead) when that is null.
    type: int
    default: 0
  mod_wsgi_version:
    description:
      - The mod_wsgi version Apache runs, such as C(6.1.1), for O(thread_overhead).
      - Null reads it from the module Apache's parent process loaded, beside which a module
        pip built keeps its package metadata; the OS packages' modules carry no readable
        version, and count as 4.x/5.x.
    type: str
  headroom_percent:
    description:
      - Headroom added to the largest PSS (or RSS when PSS is unreadable) of a group for
        RV(groups.recommended_process_rss_mb).
    type: float
    default: 20
notes:
  - Measure under representative load and after warm-up; a freshly started process is
    smaller than one that has served traffic for hours.
  - A C(hidepid) mount of C(/proc) hides other users' processes; run with become then.
seealso:
  - name: mod_wsgi WSGIDaemonProcess
    description: Options of the daemon process groups.
    link: https://modwsgi.readthedocs.io/en/master/configuration-directives/WSGIDaemonProcess.html
"""

EXAMPLES = r"""
- name: Measure the mod_wsgi daemon processes
  wsgiscale.mod_wsgi.daemon_info:
  register: __daemons

- name: Check that the running pools are what was planned
  wsgiscale.mod_wsgi.daemon_info:
    expected:
      shop:
        processes: 4
        threads: 5
      api:
        processes: 2
        threads: 15
  register: __check
  failed_when: not __check.all_match

- name: Use the measured memory in the next sizing run
  ansible.builtin.set_fact:
    shop_process_rss_mb: "{{ __daemons.groups.shop.recommended_process_rss_mb }}"
"""

RETURN = r"""
apache:
  description: Apache parent processes whose children were examined.
  returned: always
  type: dict
  contains:
    pids:
      description: Their process ids.
      type: list
      elements: int
      sample: [43]
mod_wsgi:
  description: The mod_wsgi module Apache's parent process loaded (from its memory map).
  returned: always
  type: dict
  contains:
    path:
      description: The module's file; null when no parent's map could be read.
      type: str
      sample: /opt/mw/lib/python3.11/site-packages/mod_wsgi/server/mod_wsgi-py311.cpython-311.so
    version:
      description: Its version, read for a module pip built; null for the OS packages' modules.
      type: str
      sample: 6.1.1
groups:
  description:
    - Daemon process groups found, keyed by group name (C(unnamed) for daemon processes
      without a display name; a truncated name when it could not be attributed).
  returned: always
  type: dict
  sample:
    demo:
      group: demo
      count: 2
      pids: [44, 47]
      threads_per_process: [6, 6]
      request_threads_estimate: 3
      display_name_truncated: false
      rss_kb: {total: 22660, avg: 11330, max: 11332}
      pss_kb: {total: 9745, avg: 4872, max: 4873}
      memory_basis: pss
      recommended_process_rss_mb: 6
      cpu_seconds: 0.02
      processes:
        - pid: 44
          ppid: 43
          group: demo
          display_name: (wsgi:demo)
          display_name_truncated: false
          identified_by: display-name
          uid: 33
          user: www-data
          threads: 6
          thread_overhead: 3
          request_threads_estimate: 3
          rss_kb: 11328
          pss_kb: 4872
          cpu_seconds: 0.01
          cpu_percent: 0.0
          start_time: "2026-11-26T18:09:22+00:00"
          age_seconds: 5.0
  contains:
    count:
      description: Number of running processes of the group.
      type: int
    pids:
      description: Their process ids.
      type: list
      elements: int
    threads_per_process:
      description: Thread count of each process (C(Threads) of C(/proc/PID/status)).
      type: list
      elements: int
    request_threads_estimate:
      description:
        - Threads per process minus O(thread_overhead), when all processes agree; null
          otherwise.
      type: int
    rss_kb:
      description: Total, average and largest VmRSS in KiB.
      type: dict
    pss_kb:
      description: Total, average and largest PSS in KiB; null values when any PSS was
        unreadable.
      type: dict
    memory_basis:
      description: C(pss) or C(rss), what RV(groups.recommended_process_rss_mb) is based on.
      type: str
    recommended_process_rss_mb:
      description:
        - Largest PSS (or RSS) plus O(headroom_percent), in MiB rounded up; the value for
          C(process_rss_mb) of C(wsgiscale.mod_wsgi.wsgi_sizing).
      type: int
    cpu_seconds:
      description: CPU time (user + system) of all processes of the group.
      type: float
    processes:
      description:
        - One entry per process with C(pid), C(ppid), C(group), C(display_name),
          C(display_name_truncated), C(identified_by) (C(display-name) or
          C(sigxcpu-handler)), C(uid), C(user), C(threads), C(thread_overhead),
          C(request_threads_estimate), C(rss_kb), C(pss_kb) (null when unreadable),
          C(cpu_seconds), C(cpu_percent) (average over the process lifetime),
          C(start_time) (ISO 8601, UTC) and C(age_seconds).
      type: list
      elements: dict
    matches:
      description: Only with O(expected), for expected groups that are running.
      type: bool
    mismatches:
      description: Only with O(expected), for expected groups that are running.
      type: list
      elements: str
expected:
  description: Comparison with O(expected), keyed by expected group.
  returned: when O(expected) is given
  type: dict
  sample:
    shop:
      matches: false
      mismatches: ["group shop: 1 process running, 2 expected"]
  contains:
    matches:
      description: Whether the group runs as expected.
      type: bool
    mismatches:
      description: One sentence per difference.
      type: list
      elements: str
unexpected_groups:
  description: Running groups not named in O(expected) (they do not affect RV(all_match)).
  returned: when O(expected) is given
  type: list
  elements: str
  sample: [unnamed]
all_match:
  description: True when every group in O(expected) matches.
  returned: when O(expected) is given
  type: bool
  sample: false
thread_overhead:
  description: The O(thread_overhead) used (the one worked out when O(thread_overhead) is null).
  returned: always
  type: int
  sample: 3
headroom_percent:
  description: The O(headroom_percent) used.
  returned: always
  type: float
  sample: 20
notes:
  description: Things worth knowing about this scan (unreadable PSS, skipped processes,
    attributed or ambiguous truncated names).
  returned: always
  type: list
  elements: str
  sample: ["PSS of pid 44 is null: smaps_rollup unreadable (Permission denied); ..."]
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.daemon_procs import (
    DEFAULT_HEADROOM_PERCENT,
    PROC_ROOT,
    DaemonInfoError,
    chosen_overhead,
    read_pidfile,
    scan,
)

# The defaults are the library's; DOCUMENTATION repeats them (tests check it does).
ARGUMENT_SPEC = {
    "process_group": {"type": "str"},
    "expected": {"type": "dict"},
    "apache_pid": {"type": "int"},
    "pidfile": {"type": "path"},
    "thread_overhead": {"type": "int"},
    "mod_wsgi_version": {"type": "str"},
    "app_threads": {"type": "int", "default": 0},
    "headroom_percent": {"type": "float", "default": DEFAULT_HEADROOM_PERCENT},
}


def main() -> None:
    """Run the module."""
    module = AnsibleModule(
        argument_spec=ARGUMENT_SPEC,
        mutually_exclusive=[("apache_pid", "pidfile")],
        supports_check_mode=True,
    )
    params = module.params
    try:
        apache_pid = params["apache_pid"]
        if params["pidfile"]:
            apache_pid = read_pidfile(params["pidfile"])
        result = scan(
            proc_root=PROC_ROOT,
            apache_pid=apache_pid,
            process_group=params["process_group"],
            expected=params["expected"],
            thread_overhead=chosen_overhead(
                params["thread_overhead"], params["mod_wsgi_version"], params["app_threads"]
            ),
            app_threads=params["app_threads"],
            headroom_percent=params["headroom_percent"],
        )
    except DaemonInfoError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
