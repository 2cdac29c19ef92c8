# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.wsgiscale.mod_wsgi.plugins.filter.wsgi_sizing import FilterModule

wsgi_sizing = FilterModule().filters()["wsgi_sizing"]

GOOD = {"target_rpm": 9000, "latency_ms": 200, "cpu_ms": 5}

REQUIRED_KEYS = {
    "processes",
    "threads",
    "total_threads",
    "feasible",
    "reasons",
    "binding",
    "vcpus_needed",
    "hosts_needed",
    "capacity_rpm",
    "thread_utilization",
    "cpu_utilization",
    "gil_utilization",
    "predicted_queue_wait_ms",
    "predicted_wait_probability",
    "memory_mb",
    "max_request_workers",
    "request_timeout",
    "effective_request_timeout_s",
    "queue_timeout",
    "listen_backlog",
    "options",
    "inputs",
}


def test_registered_under_its_name():
    assert list(FilterModule().filters()) == ["wsgi_sizing"]


def test_plan_has_the_public_keys():
    plan = wsgi_sizing(2, memory_mb=7812, process_rss_mb=150, **GOOD)
    assert set(plan) >= REQUIRED_KEYS
    # The io_9k reference plan (test_sizing.REFERENCE).
    assert (plan["processes"], plan["threads"], plan["feasible"]) == (2, 24, True)
    assert set(plan["options"]) == {
        "processes",
        "threads",
        "request-timeout",
        "queue-timeout",
        "graceful-timeout",
        "shutdown-timeout",
        "socket-timeout",
        "listen-backlog",
    }
    assert plan["inputs"]["memory_mb"] == 7812


@pytest.mark.parametrize(
    ("vcpus", "kwargs", "param", "value"),
    [
        (0, GOOD, "vcpus", "0"),
        (None, GOOD, "vcpus", "None"),
        (True, GOOD, "vcpus", "True"),
        (2.5, GOOD, "vcpus", "2.5"),
        (2, dict(GOOD, target_rpm="lots"), "target_rpm", "'lots'"),
        (2, dict(GOOD, latency_ms=-1), "latency_ms", "-1"),
        (2, dict(GOOD, cpu_ms=300), "cpu_ms", "300"),
        (2, dict(GOOD, cpu_ms=float("nan")), "cpu_ms", "nan"),
        (2, dict(GOOD, free_threading="perhaps"), "free_threading", "'perhaps'"),
        (2, dict(GOOD, bogus=1), "bogus", "'bogus'"),
    ],
)
def test_errors_are_filter_errors(vcpus, kwargs, param, value):
    with pytest.raises(AnsibleFilterError) as err:
        wsgi_sizing(vcpus, **kwargs)
    message = str(err.value)
    assert message.startswith("wsgi_sizing")
    assert param in message
    assert value in message
    if param == "vcpus":
        assert "ansible_processor_vcpus" in message


def test_infeasible_is_returned_not_raised():
    plan = wsgi_sizing(2, target_rpm=9000, latency_ms=200, cpu_ms=50)
    assert plan["feasible"] is False
    assert plan["vcpus_needed"] == 11
