# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.wsgiscale.mod_wsgi.plugins.filter.wsgi_sizing import (
    FilterModule as SizingModule,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.filter.wsgi_threads import FilterModule

wsgi_threads = FilterModule().filters()["wsgi_threads"]
wsgi_sizing = SizingModule().filters()["wsgi_sizing"]


@pytest.mark.parametrize(
    ("latency", "kwargs", "expected"),
    [
        (200, {"target_rpm": 9000, "vcpus": 2, "cpu_ms": 5}, 20),
        (200, {"target_rpm": 18000, "vcpus": 2, "cpu_ms": 2}, 25),
        (200, {"target_rpm": 1500, "vcpus": 2, "cpu_ms": 50}, 4),
        (200, {"target_rpm": 9000, "vcpus": 12, "cpu_ms": 50}, 4),
    ],
)
def test_equals_wsgi_sizing(latency, kwargs, expected):
    vcpus = kwargs.pop("vcpus")
    threads = wsgi_threads(latency, vcpus=vcpus, **kwargs)
    assert threads == wsgi_sizing(vcpus, latency_ms=latency, **kwargs)["threads"] == expected


def test_infeasible_fails_unless_allowed():
    kwargs = {"target_rpm": 18000, "vcpus": 2, "cpu_ms": 5}
    with pytest.raises(
        AnsibleFilterError, match=r"^wsgi_threads: the target is infeasible.*3 vCPUs"
    ):
        wsgi_threads(200, **kwargs)
    assert wsgi_threads(200, allow_infeasible=True, **kwargs) == 25


@pytest.mark.parametrize(
    ("latency", "kwargs", "needle"),
    [
        (200, {"target_rpm": 9000}, "'vcpus (ansible_processor_vcpus)' got None"),
        (200, {"target_rpm": 9000, "vcpus": -1}, "got -1"),
        ("slow", {"target_rpm": 9000, "vcpus": 2}, "'latency_ms' got 'slow'"),
        (0, {"target_rpm": 9000, "vcpus": 2}, "'latency_ms' got 0"),
        (200, {"target_rpm": 9000, "vcpus": 2, "latency_ms": 100}, "'latency_ms' got 100"),
        (200, {"target_rpm": 9000, "vcpus": 2, "cpu_ms": 201}, "'cpu_ms' got 201"),
    ],
)
def test_errors(latency, kwargs, needle):
    with pytest.raises(AnsibleFilterError) as err:
        wsgi_threads(latency, **kwargs)
    assert str(err.value).startswith("wsgi_threads: ")
    assert needle in str(err.value)
