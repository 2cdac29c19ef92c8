# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.wsgiscale.mod_wsgi.plugins.filter.wsgi_processes import FilterModule
from ansible_collections.wsgiscale.mod_wsgi.plugins.filter.wsgi_sizing import (
    FilterModule as SizingModule,
)

wsgi_processes = FilterModule().filters()["wsgi_processes"]
wsgi_sizing = SizingModule().filters()["wsgi_sizing"]


@pytest.mark.parametrize(
    ("vcpus", "kwargs"),
    [
        (2, {"target_rpm": 9000, "latency_ms": 200, "cpu_ms": 5}),
        (2, {"target_rpm": 18000, "latency_ms": 200, "cpu_ms": 2}),
        (2, {"target_rpm": 1500, "latency_ms": 200, "cpu_ms": 50}),
        (12, {"target_rpm": 9000, "latency_ms": 200, "cpu_ms": 50}),
        (4, {"target_rpm": 600, "latency_ms": 80, "threads": 3}),
    ],
)
def test_equals_wsgi_sizing(vcpus, kwargs):
    assert wsgi_processes(vcpus, **kwargs) == wsgi_sizing(vcpus, **kwargs)["processes"]


def test_infeasible_fails_with_reasons_unless_allowed():
    kwargs = {"target_rpm": 9000, "latency_ms": 200, "cpu_ms": 50}
    with pytest.raises(
        AnsibleFilterError, match=r"^wsgi_processes: the target is infeasible.*11 vCPUs"
    ):
        wsgi_processes(2, **kwargs)
    # The plan that would carry it with the CPU: ceil(117 / 4) = 30 processes of the GIL's
    # 4 threads (test_sizing's cpu_heavy_9k_2vcpu).
    assert wsgi_processes(2, allow_infeasible=True, **kwargs) == 30


@pytest.mark.parametrize(
    ("vcpus", "kwargs", "needle"),
    [
        (0, {"target_rpm": 9000, "latency_ms": 200}, "'vcpus (ansible_processor_vcpus)' got 0"),
        (2, {"target_rpm": "x", "latency_ms": 200}, "'target_rpm' got 'x'"),
        (
            2,
            {"target_rpm": 1, "latency_ms": 200, "allow_infeasible": "no way"},
            "'allow_infeasible'",
        ),
        (2, {"latency_ms": 200}, "'target_rpm' is required"),
    ],
)
def test_errors(vcpus, kwargs, needle):
    with pytest.raises(AnsibleFilterError) as err:
        wsgi_processes(vcpus, **kwargs)
    assert str(err.value).startswith("wsgi_processes: ")
    assert needle in str(err.value)
