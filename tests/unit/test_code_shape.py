# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Shape rules for the plugin code that ruff does not check.

A function longer than MAX_LINES must say why, in a comment on the line just
above its ``def`` (or its first decorator) that starts with ``# long:``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAX_LINES = 60
TREES = ("plugins", "benchmarks")


def _python_files():
    for tree in TREES:
        yield from sorted((ROOT / tree).rglob("*.py"))


def _long_functions(path: Path):
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        length = node.end_lineno - node.lineno + 1
        if length <= MAX_LINES:
            continue
        first = min([node.lineno] + [d.lineno for d in node.decorator_list])
        above = lines[first - 2].strip() if first >= 2 else ""
        if not above.startswith("# long:"):
            yield f"{path.relative_to(ROOT)}:{node.lineno} {node.name}() has {length} lines"


@pytest.mark.parametrize("path", list(_python_files()), ids=lambda p: str(p.relative_to(ROOT)))
def test_functions_are_short_or_say_why(path):
    offenders = list(_long_functions(path))
    assert not offenders, (
        f"functions over {MAX_LINES} lines without a '# long: <reason>' comment: {offenders}"
    )
