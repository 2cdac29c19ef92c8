#!/usr/bin/python
# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: restart_info
short_description: Explain mod_wsgi daemon process restarts and the failures clients saw
version_added: 0.1.0
description:
  - Reads Apache error logs on the target (read-only, never changes anything) and reports,
    per mod_wsgi daemon process group, every daemon process restart with its reason, time
    and pid; for C(request-timeout) the stack of every thread mod_wsgi dumped; the code
    locations that were running when request-timeout fired (culprits) counted across
    restarts; and the failures clients got (502/500 truncated responses, 504 socket and
    queue timeouts, 503 connect failures, application exceptions), with those that a
    restart caused attributed to it as its victims.
  - Understands the log formats of mod_wsgi 4.x/5.x (Debian 12 ships 4.9.4, Debian 13 ships
    5.0.2) and 6.x, in Apache 2.4's default C(ErrorLogFormat). Lifecycle lines are logged at
    level info, so Apache needs C(LogLevel warn wsgi:info) (or C(info)) for restarts to be
    seen; failures are logged at C(error) and are always seen.
  - Reads rotated logs too (C(error.log.2.gz), C(error.log.1), C(error.log)), oldest first;
    gzip files are recognised by their content. Logs are read in blocks, so memory stays
    flat however large they are; a large plain file is scanned by two processes (the
    module forks once). Only lines holding mod_wsgi's C([wsgi:) module tag or one of
    Apache's C(AH004) codes are parsed (a literal scan finds them first); those not in
    Apache's default error log format are skipped and counted in RV(lines_unparsed).
  - See C(docs/forensics.md) for the workflow from a 502 to the API call that exceeded
    C(request-timeout).
author:
  - wsgiscale maintainers (@wsgiscale)
attributes:
  platform:
    description: Any host with Apache error logs.
extends_documentation_fragment:
  - wsgiscale.mod_wsgi.attributes.read_only
options:
  path:
    description:
      - Error log files or shell globs, read oldest first (rotated files before the live
        one, C(error.log.2.gz) before C(error.log.1) before C(error.log); date-stamped
        rotations in date order).
      - Default is the OS family's Apache error log and its rotations,
        C(/var/log/apache2/error.log*) on Debian and C(/var/log/httpd/error_log*) on RedHat.
        With the default, no matching file gives an empty result and a warning; a given path
        or glob that matches nothing, and a file that cannot be read, fail the module with
        the path in the message. An empty list fails too (leave O(path) out for the default).
      - Daemon process groups defined inside a C(VirtualHost) log to that virtual host's
        C(ErrorLog); list those files too.
    type: list
    elements: path
  since:
    description:
      - Only consider log lines at or after this time. Log times are the host's local time.
      - An ISO 8601 time (C(2026-11-26T17:27:57), C(2026-11-26), with an offset or C(Z) it
        is converted to the host's local time), Apache's own format
        (C(Thu Nov 26 17:27:57 2026), the weekday optional), or an age before now, a number
        and a unit C(s), C(m), C(h), C(d) or C(w) (C(30m), C(1.5h), C(7d)).
      - A restart whose first lines are before O(since) is reported from its later lines
        (for example as C(signal) or C(unknown) instead of its trigger).
    type: str
  process_group:
    description:
      - Report only this daemon process group (the name in C(WSGIDaemonProcess NAME)).
      - An empty name, or one with whitespace or control characters, fails the module.
    type: str
  max_restarts:
    description:
      - Detailed restarts (and 6.x interrupts) kept per group, the most recent ones.
        Totals, counts by reason and culprits always count all of them. C(0) keeps none.
    type: int
    default: 20
  app_paths:
    description:
      - Path prefixes of application code, used to pick the culprit of each dumped thread
        (its innermost frame in application code).
      - By default a frame is application code unless its file is in Python's library
        (C(.../lib/pythonX.Y/)), in C(site-packages) or C(dist-packages), or is C(<frozen ...>).
        Set this when the application is itself installed as a package.
      - When no frame of a thread is application code, its innermost frame is the culprit.
      - Each prefix must be absolute (frames carry absolute file names).
    type: list
    elements: path
notes:
  - A daemon process group restarts as a whole process; requests in flight on it fail.
    mod_wsgi up to 5.x fires C(request-timeout) when the average time of all thread slots
    exceeds it, so one stuck request fires after about C(threads) times C(request-timeout);
    6.x checks each request against C(request-timeout) times (1 + ln threads).
  - Failures are attributed to a restart (victims) when they are of a kind a restart causes
    (C(truncated-response), C(socket-timeout), C(queue-timeout), C(connect-failed)), hit
    the same group, and were logged between the restart's first line and the Apache
    parent noticing the death; for a process that died without a trigger line (a signal),
    from 2 seconds before that. Up to 1 second after the death they still count when no
    other restart of the group is in progress (an Apache child logs the truncated response
    when it next reads the dead daemon's socket). A restart whose end is never logged stops
    collecting victims 300 seconds after its first line.
seealso:
  - module: wsgiscale.mod_wsgi.daemon_info
  - name: mod_wsgi WSGIDaemonProcess directive
    description: The timeouts that restart a daemon process.
    link: https://modwsgi.readthedocs.io/en/master/configuration-directives/WSGIDaemonProcess.html
"""

EXAMPLES = r"""
- name: Which API call exceeded request-timeout in the last day?
  wsgiscale.mod_wsgi.restart_info:
    since: 1d
  register: restarts

- name: Show the culprits of request-timeout restarts, most frequent first
  ansible.builtin.debug:
    msg: >-
      {{ item.key }}: {{ item.value.culprits | map(attribute='function') | list }}
      after {{ item.value.restarts_by_reason['request-timeout'] | default(0) }} restarts
  loop: "{{ restarts.groups | dict2items }}"

- name: One group, rotated and compressed logs of a virtual host included
  wsgiscale.mod_wsgi.restart_info:
    path:
      - /var/log/apache2/shop_error.log*
    process_group: shop
    since: "2026-11-26T09:00:00"
    app_paths:
      - /srv/shop/
  register: shop

- name: Fail the pipeline when clients got errors because of restarts
  ansible.builtin.assert:
    that: shop.totals.victims == 0
    fail_msg: >-
      {{ shop.totals.victims }} requests failed because the shop daemon restarted:
      {{ shop.totals.restarts_by_reason }}
"""

RETURN = r"""
files:
  description: The log files read, in the order read (oldest first).
  returned: always
  type: list
  elements: str
  sample:
    - /var/log/apache2/error.log.2.gz
    - /var/log/apache2/error.log.1
    - /var/log/apache2/error.log
groups:
  description:
    - Per daemon process group name (C((unknown)) when a line names no group and its pid was
      never seen starting).
  returned: always
  type: dict
  contains:
    restarts_total:
      description: Restarts of this group's daemon processes.
      type: int
      sample: 3
    restarts_by_reason:
      description:
        - Restart counts by reason. Reasons are C(request-timeout), C(deadlock-timeout),
          C(inactivity-timeout), C(startup-timeout), C(restart-interval),
          C(maximum-requests), C(graceful-timeout) (only when no other trigger came first),
          C(signal) (died on a signal, for example killed by the OOM killer),
          C(exit) (exited with no cause logged), C(shutdown-requested) (SIGTERM from
          outside Apache), C(apache-shutdown), C(apache-restart), C(apache-graceful),
          C(apache-stop) (Apache stopped or restarted, which one not logged), C(unknown).
      type: dict
      sample: {"request-timeout": 2, "apache-shutdown": 1}
    restarts:
      description: The most recent O(max_restarts) restarts, oldest first.
      type: list
      elements: dict
      contains:
        group:
          description: Daemon process group.
          type: str
        pid:
          description: Pid of the daemon process that restarted.
          type: int
        reason:
          description: Why, see RV(groups.restarts_by_reason).
          type: str
        time:
          description: Time of the restart's first line (its trigger), ISO 8601, log-local.
          type: str
          sample: "2026-11-26T17:27:57.215402"
        ended:
          description: When the process was seen gone (null if not logged).
          type: str
        signal:
          description: Signal that killed the process, else null.
          type: int
        exit_code:
          description: Exit code the Apache parent logged, else null.
          type: int
        shutdown_timeout_expired:
          description: The process did not stop within C(shutdown-timeout) and was aborted.
          type: bool
        graceful_timeout_expired:
          description: A graceful restart did not find the process idle within
            C(graceful-timeout).
          type: bool
        message:
          description: The log message that started the restart.
          type: str
        source:
          description: File holding that line.
          type: str
        line:
          description: Line number of that line in RV(groups.restarts.source).
          type: int
        threads:
          description: For C(request-timeout), every thread mod_wsgi dumped (4.x/5.x dump all
            active threads, not only the one that exceeded the timeout).
          type: list
          elements: dict
          contains:
            thread_id:
              description: Python thread id.
              type: int
            frames:
              description: Stack frames, innermost first, outermost last, each with
                C(file), C(line) and C(function).
              type: list
              elements: dict
            frames_omitted:
              description: Frames over the cap of 128, not listed.
              type: int
            culprit:
              description: The innermost frame in application code (see O(app_paths)).
              type: dict
        threads_omitted:
          description: Threads over the cap of 64, not listed.
          type: int
        victims:
          description: Client failures caused by this restart, with C(total), C(by_kind) and
            up to 20 C(samples) (C(time), C(kind), C(status), C(client), C(source), C(line)).
          type: dict
          sample: {"total": 2, "by_kind": {"truncated-response": 2}, "samples": []}
    restarts_omitted:
      description: Restarts counted but not listed (over O(max_restarts)).
      type: int
    interrupts_total:
      description: mod_wsgi 6.x C(interrupt-timeout) injections (a stack dump, then
        C(RequestTimeout) raised in the thread) in this group.
      type: int
    interrupts:
      description: The most recent interrupts, like RV(groups.restarts) without C(ended),
        C(signal), C(exit_code) and C(victims).
      type: list
      elements: dict
    culprits:
      description:
        - Code locations running when request-timeout fired, counted over every dumped
          thread of every restart and interrupt, most frequent first.
        - Each has C(file), C(line), C(function), C(count), and C(callers), the distinct
          chains of calling frames (outermost last) with their C(count); up to 10 chains
          and 16 frames a chain, the rest counted in C(callers_omitted).
      type: list
      elements: dict
      sample:
        - file: /srv/app/shop/views.py
          line: 88
          function: export_orders
          count: 2
          callers:
            - count: 2
              frames:
                - {file: /srv/app/shop/urls.py, line: 12, function: dispatch}
          callers_omitted: 0
    culprits_omitted:
      description: Culprits over the cap of 500 locations per group, not listed.
      type: int
    failures_total:
      description: Client-visible failures logged for this group.
      type: int
    failures_by_kind:
      description:
        - Failure counts by kind, C(truncated-response) (4.x/5.x C(Truncated or oversized
          response headers), 500; 6.x WSGI0146/WSGI0147, 502), C(socket-timeout) (504),
          C(queue-timeout) (504), C(connect-failed) (503), C(app-exception) (500),
          C(script-load-failed) (500), C(request-interrupted) (6.x, 504),
          C(no-such-group) (500).
      type: dict
      sample: {"truncated-response": 3, "queue-timeout": 1}
    failures_by_status:
      description: Failure counts by the HTTP status the client got.
      type: dict
      sample: {"500": 3, "504": 1}
    failures:
      description: The 20 most recent failures, each with C(time), C(kind), C(status),
        C(client), C(message), C(source), C(line), and C(exception) (the exception line) for
        application errors.
      type: list
      elements: dict
    victims_total:
      description: Failures of this group attributed to a restart.
      type: int
totals:
  description: Sums over all reported groups.
  returned: always
  type: dict
  contains:
    restarts:
      description: All restarts.
      type: int
    restarts_by_reason:
      description: All restarts by reason.
      type: dict
    failures:
      description: All failures.
      type: int
    failures_by_kind:
      description: All failures by kind.
      type: dict
    victims:
      description: All failures attributed to restarts.
      type: int
    interrupts:
      description: All 6.x interrupts.
      type: int
  sample: {"restarts": 3, "restarts_by_reason": {"request-timeout": 2, "apache-shutdown": 1},
           "failures": 3, "failures_by_kind": {"truncated-response": 3}, "victims": 3,
           "interrupts": 0}
lines:
  description: Lines in the files read, whatever they hold.
  returned: always
  type: int
lines_unparsed:
  description:
    - Lines holding C([wsgi:) or C(AH004) that are not in Apache's default error log
      format (damaged, cut short, or another C(ErrorLogFormat)). Other lines are not parsed.
  returned: always
  type: int
lines_before_since:
  description: Lines holding C([wsgi:) or C(AH004) skipped because they are older than
    O(since).
  returned: always
  type: int
first_time:
  description: Time of the first line in Apache's default error log format in the files
    read (whatever O(since)), ISO 8601, log-local; null if none.
  returned: always
  type: str
last_time:
  description: Time of the last line in Apache's default error log format in the files
    read, null if none.
  returned: always
  type: str
since:
  description: O(since) resolved to an ISO 8601 time, null if not given.
  returned: always
  type: str
mod_wsgi_versions:
  description: mod_wsgi versions named by Apache's start-up lines in the logs.
  returned: always
  type: list
  elements: str
  sample: ["4.9.4"]
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log import (
    DEFAULT_MAX_RESTARTS,
    ErrorLogError,
    analyse,
    default_log_glob,
    parse_since,
)

ARGUMENT_SPEC = {
    "path": {"type": "list", "elements": "path"},
    "since": {"type": "str"},
    "process_group": {"type": "str"},
    "max_restarts": {"type": "int", "default": DEFAULT_MAX_RESTARTS},
    "app_paths": {"type": "list", "elements": "path"},
}


def main() -> None:
    """Run the module."""
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    paths = params["path"]
    try:
        since = parse_since(params["since"])
        result = analyse(
            [default_log_glob()] if paths is None else paths,
            since=since,
            process_group=params["process_group"],
            max_restarts=params["max_restarts"],
            app_paths=params["app_paths"],
            allow_missing=paths is None,
        )
    except ErrorLogError as exc:
        module.fail_json(msg=str(exc))
    for warning in result.pop("warnings"):
        module.warn(warning)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
