# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Generate the tables of docs/sizing.md from the sizing code.

Run from the repository root after ``make link``::

    PYTHONPATH=build/collections .venv/bin/python docs/examples/compare_rules.py

tests/unit/plugins/plugin_utils/test_sizing_docs.py fails when docs/sizing.md
and this output drift apart.
"""

from __future__ import annotations

import sys
from typing import Any, Callable, Dict, List, Tuple

from ansible_collections.wsgiscale.mod_wsgi.plugins.plugin_utils.sizing import size_plan

#: (label, vcpus, keywords) of the reference cases (docs/sizing.md, sizing notes).
CASES: List[Tuple[str, int, Dict[str, Any]]] = [
    ("2 vCPU, 200 ms, C=5 ms, 9,000 rpm", 2, {"target_rpm": 9000, "latency_ms": 200, "cpu_ms": 5}),
    ("same, 18,000 rpm", 2, {"target_rpm": 18000, "latency_ms": 200, "cpu_ms": 5}),
    ("same, C=2 ms, 18,000 rpm", 2, {"target_rpm": 18000, "latency_ms": 200, "cpu_ms": 2}),
    (
        "CPU-heavy C=50 ms, 2 vCPU, 9,000 rpm",
        2,
        {"target_rpm": 9000, "latency_ms": 200, "cpu_ms": 50},
    ),
    ("CPU-heavy, 2 vCPU, 1,500 rpm", 2, {"target_rpm": 1500, "latency_ms": 200, "cpu_ms": 50}),
    ("CPU-heavy, 12 vCPU, 9,000 rpm", 12, {"target_rpm": 9000, "latency_ms": 200, "cpu_ms": 50}),
]

#: Field rules: name -> vcpus -> (processes, threads).
RULES: List[Tuple[str, Callable[[int], Tuple[int, int]]]] = [
    ("2-2-30", lambda v: (v, 30)),
    ("express 1x5", lambda v: (1, 5)),
    ("WSGIDaemonProcess 1x15", lambda v: (1, 15)),
    ("gunicorn (2n+1)x1", lambda v: (2 * v + 1, 1)),
    ("OpenStack min(max(n/2,2),12)x1", lambda v: (min(max(v // 2, 2), 12), 1)),
]


def _pct(value: Any) -> str:
    return "unstable" if value is None else f"{100 * value:.0f}%"


def worked_examples() -> str:
    """Markdown table of the derived plans for the reference cases."""
    rows = [
        "| case | W_eff | busy threads | N | plan | feasible | binding | capacity rpm "
        "| threads busy | CPU | GIL/process | p95 wait | vCPUs needed | memory |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label, vcpus, kwargs in CASES:
        p = size_plan(vcpus, **kwargs)
        wait = p["predicted_queue_wait_ms"]
        w_eff, busy = p["effective_latency_ms"], p["busy_threads"]
        rows.append(
            f"| {label} | {'unbounded' if w_eff is None else f'{w_eff:.1f} ms'} "
            f"| {'unbounded' if busy is None else f'{busy:.1f}'} | {p['threads_required']} "
            f"| **{p['processes']}x{p['threads']}** | {'yes' if p['feasible'] else '**no**'} "
            f"| {p['binding']} | {p['capacity_rpm']:,.0f} ({p['capacity_limit']}) "
            f"| {_pct(p['thread_utilization'])} | {p['cpu_cores_needed']:.2f} cores "
            f"({_pct(p['cpu_utilization'])}) | {p['gil_utilization']:.2f} "
            f"| {'-' if wait is None else f'{wait:.1f} ms'} "
            f"| {p['vcpus_needed'] or '-'} | {p['memory_mb']:,.0f} MB |"
        )
    return "\n".join(rows)


def comparison() -> str:
    """Markdown table: capacity rpm and thread utilisation of each rule per case."""
    head = ["derived"] + [name for name, _rule in RULES]
    rows = [
        "| case | " + " | ".join(head) + " |",
        "|---|" + "---|" * len(head),
    ]
    for label, vcpus, kwargs in CASES:
        cells = []
        derived = size_plan(vcpus, **kwargs)
        sizes = [(derived["processes"], derived["threads"])]
        sizes += [rule(vcpus) for _name, rule in RULES]
        for processes, threads in sizes:
            p = size_plan(vcpus, processes=processes, threads=threads, **kwargs)
            mark = "" if p["feasible"] else " ✗"
            cells.append(
                f"{processes}x{threads}: {p['capacity_rpm']:,.0f} rpm, "
                f"{_pct(p['thread_utilization'])}{mark}"
            )
        rows.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


SECTIONS = {"worked-examples": worked_examples, "rule-comparison": comparison}


def main() -> int:
    """Write every generated section to stdout, between its markers."""
    for name, make in SECTIONS.items():
        sys.stdout.write(f"<!-- BEGIN {name} -->\n{make()}\n<!-- END {name} -->\n\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
