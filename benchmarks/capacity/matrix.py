# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the capacity benchmark measures: profiles, targets, configurations, loads.

The targets of the issue are for a 2-vCPU host. Here Apache (parent, children and
daemons) is pinned to one CPU and the load generator to the other, so the host under
test has V = 1 vCPU and every target is scaled by V / 2 (half the requests per minute
of the 2-vCPU target). Configurations from rules of thumb are computed for n = V.
"""

from __future__ import annotations

from dataclasses import dataclass

#: vCPUs of the host under test (Apache's CPU set).
VCPUS = 1
#: vCPUs the issue's targets are stated for.
ISSUE_VCPUS = 2
#: Offered load as a share of the target.
LOADS = (1.0, 1.2)
#: Service-time distributions of the app's I/O wait: (name, io_dist, io_sigma).
SERVICES = (("exp", "exp", 1.0), ("lognormal", "lognormal", 1.0))


@dataclass(frozen=True)
class Profile:
    """An app (CPU and I/O per request) and a target on the V-vCPU host."""

    name: str
    label: str
    cpu_ms: float
    io_ms: float
    issue_rpm: float
    #: Scale of the issue's target: V / ISSUE_VCPUS for the targets of the issue,
    #: 1.0 for a 2-vCPU target put on the 1-vCPU host unscaled (an overload).
    scale: float = VCPUS / ISSUE_VCPUS

    @property
    def target_rpm(self) -> float:
        """The target on the host under test."""
        return self.issue_rpm * self.scale

    @property
    def app(self) -> str:
        """The (cpu_ms, io_ms) pair: profiles of the same app share a calibration."""
        return f"cpu{self.cpu_ms:g}-io{self.io_ms:g}"


PROFILES = (
    Profile("io", "I/O-bound 200 ms (1 ms CPU)", 1.0, 199.0, 9000.0),
    Profile("io-high", "I/O-bound 200 ms (1 ms CPU)", 1.0, 199.0, 18000.0),
    Profile("mixed", "mixed 100 ms (10 ms CPU)", 10.0, 90.0, 6000.0),
    Profile("cpu", "CPU-heavy 200 ms (50 ms CPU)", 50.0, 150.0, 1500.0),
    # The 2-vCPU targets of the issue on the 1-vCPU host: more CPU than it has.
    Profile("mixed-over", "mixed 100 ms (10 ms CPU)", 10.0, 90.0, 6000.0, 1.0),
    Profile("cpu-over", "CPU-heavy 200 ms (50 ms CPU)", 50.0, 150.0, 1500.0, 1.0),
)

#: Profiles measured only when asked for (``--profile``): the CPU-heavy app at 80 % of
#: its target, 51 % of the vCPU instead of 64 % (does CPU headroom keep Apache's own
#: handling of a request from waiting for the CPU?).
EXTRA_PROFILES = (Profile("cpu-light", "CPU-heavy 200 ms (50 ms CPU)", 50.0, 150.0, 1200.0),)


@dataclass(frozen=True)
class Config:
    """A daemon size: processes x threads, named for where it comes from."""

    name: str
    label: str
    processes: int
    threads: int

    @property
    def size(self) -> str:
        """P x T."""
        return f"{self.processes}x{self.threads}"

    @property
    def total(self) -> int:
        """Total daemon threads."""
        return self.processes * self.threads


def rule_configs(vcpus: int = VCPUS) -> list[Config]:
    """The field's rules of thumb for a host of ``vcpus`` (n) vCPUs.

    2-2-30 is n processes x 30 threads (2 x 30 on 2 vCPUs); mod_wsgi-express's
    default 1 x 5; WSGIDaemonProcess's default 1 x 15; gunicorn's (2n + 1) x 1;
    openstack-ansible's min(2n, 16) x 1.
    """
    n = vcpus
    return [
        Config("2-2-30", "2-2-30 (n x 30)", n, 30),
        Config("express", "express 1x5", 1, 5),
        Config("daemon-default", "WSGIDaemonProcess 1x15", 1, 15),
        Config("gunicorn", "gunicorn (2n+1)x1", 2 * n + 1, 1),
        Config("openstack", "OpenStack min(2n,16)x1", min(2 * n, 16), 1),
    ]


def profile(name: str) -> Profile:
    """The profile called ``name`` (KeyError if there is none)."""
    for item in PROFILES + EXTRA_PROFILES:
        if item.name == name:
            return item
    known = ", ".join(p.name for p in PROFILES + EXTRA_PROFILES)
    raise KeyError(f"no profile {name!r}; known: {known}")


def size_config(text: str) -> Config:
    """The configuration of a size given as PxT (``--size 2x11``), named after it."""
    parts = text.lower().split("x")
    if len(parts) != 2 or not all(p.isdigit() and int(p) > 0 for p in parts):
        raise ValueError(f"a size is PxT with P and T positive integers, got {text!r}")
    processes, threads = int(parts[0]), int(parts[1])
    return Config(f"{processes}x{threads}", f"{processes} x {threads}", processes, threads)
