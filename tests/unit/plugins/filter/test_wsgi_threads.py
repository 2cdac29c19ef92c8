# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.wsgiscale.mod_wsgi.plugins.filter.wsgi_processes import (
    FilterModule as ProcessesModule,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.filter.wsgi_sizing import (
    FilterModule as SizingModule,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.filter.wsgi_threads import FilterModule

wsgi_threads = FilterModule().filters()["wsgi_threads"]
wsgi_processes = ProcessesModule().filters()["wsgi_processes"]
wsgi_sizing = SizingModule().filters()["wsgi_sizing"]


@pytest.mark.parametrize(
    ("vcpus", "kwargs", "expected"),
    # test_sizing.REFERENCE: 2 x 24, 4 x 22, 4 x 4, 15 x 4. On 4 vCPUs the 0.9 cores barely
    # stretch the CPU (205.00 ms in the design): 30.75 busy, x 1.2 = 36.9 -> N = 47, 2 x 24.
    [
        (2, {"target_rpm": 9000, "latency_ms": 200, "cpu_ms": 5}, 24),
        (2, {"target_rpm": 18000, "latency_ms": 200, "cpu_ms": 2}, 22),
        (2, {"target_rpm": 1500, "latency_ms": 200, "cpu_ms": 50}, 4),
        (12, {"target_rpm": 9000, "latency_ms": 200, "cpu_ms": 50}, 4),
        ("4", {"target_rpm": "9000", "latency_ms": "200", "cpu_ms": "5"}, 24),
    ],
)
def test_equals_wsgi_sizing(vcpus, kwargs, expected):
    threads = wsgi_threads(vcpus, **kwargs)
    assert threads == wsgi_sizing(vcpus, **kwargs)["threads"] == expected


def test_takes_the_same_arguments_as_wsgi_processes():
    kwargs = {"target_rpm": 9000, "latency_ms": 100, "cpu_ms": 25}
    # 150 req/s x 25 ms = 3.75 Python CPU-s/s: the GIL asks for 8 processes of
    # ceil(100 / 25) = 4 threads, and the bursts crowding 65 % of 6 vCPUs need a pool of
    # 39: ceil(39 / 4) = 10 processes.
    assert (wsgi_processes(6, **kwargs), wsgi_threads(6, **kwargs)) == (10, 4)


def test_infeasible_fails_unless_allowed():
    kwargs = {"target_rpm": 18000, "latency_ms": 200, "cpu_ms": 5}
    with pytest.raises(
        AnsibleFilterError, match=r"^wsgi_threads: the target is infeasible.*3 vCPUs"
    ):
        wsgi_threads(2, **kwargs)
    # test_sizing's io_18k_cpu_short: 4 x ceil(93 / 4) = 4 x 24.
    assert wsgi_threads(2, allow_infeasible=True, **kwargs) == 24


def test_the_old_call_shape_fails_with_a_hint():
    # 0.1.0: latency_ms | wsgi_threads(vcpus=...).
    with pytest.raises(AnsibleFilterError) as err:
        wsgi_threads(200, vcpus=2, target_rpm=9000, cpu_ms=5)
    message = str(err.value)
    assert message.startswith("wsgi_threads: parameter 'vcpus' got 2 as a keyword")
    assert "vcpus | wsgi_threads(latency_ms=" in message


@pytest.mark.parametrize(
    ("vcpus", "kwargs", "needle"),
    [
        (
            None,
            {"target_rpm": 9000, "latency_ms": 200},
            "'vcpus (ansible_processor_vcpus)' got None",
        ),
        (-1, {"target_rpm": 9000, "latency_ms": 200}, "got -1"),
        (2, {"target_rpm": 9000, "latency_ms": "slow"}, "'latency_ms' got 'slow'"),
        (2, {"target_rpm": 9000, "latency_ms": 0}, "'latency_ms' got 0"),
        (2, {"target_rpm": 9000}, "parameter 'latency_ms' is required"),
        (2, {"target_rpm": 9000, "latency_ms": 200, "cpu_ms": 201}, "'cpu_ms' got 201"),
        (2, {"target_rpm": 9000, "latency_ms": 200, "allow_infeasible": "x"}, "got 'x'"),
    ],
)
def test_errors(vcpus, kwargs, needle):
    with pytest.raises(AnsibleFilterError) as err:
        wsgi_threads(vcpus, **kwargs)
    assert str(err.value).startswith("wsgi_threads: ")
    assert needle in str(err.value)
