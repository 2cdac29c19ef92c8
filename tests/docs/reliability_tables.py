# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Render the "Bad input" section of docs/reliability.md from the case file.

The rows come from molecule/hostile_input/cases.yml, the table the hostile_input
scenario and tests/unit/test_hostile_input.py run, so the documented table is
the tested one (tests/unit/docs/test_bad_input_table.py fails when they differ).

    python tests/docs/reliability_tables.py           print the section
    python tests/docs/reliability_tables.py --write   replace it in docs/reliability.md
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List

import yaml

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "molecule" / "hostile_input" / "cases.yml"
DOC = ROOT / "docs" / "reliability.md"
START = "<!-- bad-input:start -->"
END = "<!-- bad-input:end -->"

#: The kinds of bad input, in the order of the coverage table (the issue's list).
BAD_KINDS = (
    "wrong type",
    "misspelt name",
    "unknown name",
    "missing key",
    "zero",
    "negative number",
    "fractional number",
    "huge number",
    "too small",
    "too long",
    "empty",
    "duplicate name",
    "mount of another app",
    "relative path or `..`",
    "space in a name or path",
    "`%{`",
    "`${`",
    "non-ASCII",
    "newline",
    "quote",
    "backslash at line end",
    "`>` or `</Directory>`",
    "`root` or `#0`",
    "folder others may write",
    "more than the host can carry",
)
FED = ("role", "filter", "module")

INTRO = """\
## Bad input

Every row below is fed to the collection on Debian 12 (mod_wsgi 4.9.4) and Debian 13
(5.0.2) by the `hostile_input` molecule scenario, and must be refused **before anything
is written**, with an error that names the variable or parameter, and the app when the
value belongs to one:

- **role** rows run the `mod_wsgi_daemon` role through its normal entry point, starting
  from the scenario's good configuration (one app, `shop`) with the row's values, each
  on one of the two hosts in turn (a role run costs seconds; the rows fail in preflight,
  the same role on either release). The
  run must fail in argument validation or in a task of preflight (`tasks/preflight.yml`
  and the `fleet.yml` and `preflight_python.yml` it includes), with a message matching
  the row's pattern.
- **filter** rows call the filter in the play (controller side); **module** rows run the
  module on the host. Both must fail with a matching message. The `wsgi_app_config` and
  `wsgi_host_plan` rows that name `mod_wsgi_daemon_apps` use the arguments preflight
  passes, so they cover app keys without the cost of a role run each.
- After all rows, every file and link under `/etc/apache2` has the checksum it had
  before, the daemon pids are the same and no pending-apply mark exists.

The filter and module rows also run in-process in `tests/unit/test_hostile_input.py`,
so a regression shows in seconds. Messages from the role's `meta/argument_specs.yml`
come from ansible-core, which names the variable and the key (`argument 'threads' ...
found in 'mod_wsgi_daemon_apps'`) but not which app of the list; every check of the
collection names the app, as `mod_wsgi_daemon_apps[INDEX] (NAME).KEY`. Each role run
costs round trips to the host (the facts and path checks before preflight), so each
server-wide variable gets one or two role rows here, and
`tests/unit/test_role_server_checks.py` feeds many more values to the same preflight
patterns in milliseconds.

Values the filters quote are not bad input: a path with spaces, a `'` inside a value
or a trailing backslash in a quoted value (`home="/srv/x\\\\"`) are written as one
Apache word. The scenario then applies such input end to end: twelve apps on one host,
one under `/srv/café et thé/` mounted at `/café` importing from
`/srv/café et thé/bibliothèque`, one with a 64-character group name, nested mounts
(`/app11` and `/app11/v1`), and checks each answers from its own daemon group.

The table is generated from `molecule/hostile_input/cases.yml` by
`tests/docs/reliability_tables.py --write`; `tests/unit/docs/test_bad_input_table.py` fails
when they differ.
"""


def load_cases(path: Path = CASES) -> List[Dict[str, Any]]:
    """The rows of the case file."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]


def _value(value: Any) -> str:
    """A value as JSON (strings quoted, newlines as \\n), as it reads in the table."""
    return json.dumps(value, ensure_ascii=False)


def _args(args: Dict[str, Any]) -> str:
    return ", ".join(f"{key}={_value(value)}" for key, value in args.items())


def fed(case: Dict[str, Any]) -> str:
    """What a row feeds, in one line."""
    if case["kind"] == "role":
        app = case.get("app", {})
        parts = [f"mod_wsgi_daemon_apps[0].{key}: {_value(v)}" for key, v in app.items()]
        parts += [f"{name}: {_value(v)}" for name, v in case.get("vars", {}).items()]
        return "; ".join(parts)
    if case["kind"] == "filter":
        return f"{_value(case['input'])} | {case['filter']}({_args(case.get('args', {}))})"
    return f"{case['module']}: {_args(case['args'])}"


def _cell(text: str) -> str:
    """Text as a Markdown code span inside a table cell (pipes escaped)."""
    text = text.replace("|", "\\|")
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def coverage_table(cases: List[Dict[str, Any]]) -> str:
    """Rows per kind of bad input and per way of feeding it."""
    counts = Counter((case["bad"], case["kind"]) for case in cases)
    lines = ["| bad input | " + " | ".join(FED) + " |", "|---|" + "---:|" * len(FED)]
    for bad in BAD_KINDS:
        lines.append(f"| {bad} | " + " | ".join(str(counts[(bad, kind)]) for kind in FED) + " |")
    totals = Counter(case["kind"] for case in cases)
    lines.append("| **all** | " + " | ".join(f"**{totals[kind]}**" for kind in FED) + " |")
    return "\n".join(lines)


def rows_table(cases: List[Dict[str, Any]]) -> str:
    """One line per row: id, how it is fed, the bad input, the value, the error pattern."""
    lines = [
        "| id | fed to | bad input | value | the error must match |",
        "|---|---|---|---|---|",
    ]
    for case in cases:
        lines.append(
            f"| {case['id']} | {case['kind']} | {case['bad']} | {_cell(fed(case))} "
            f"| {_cell(case['error'])} |"
        )
    return "\n".join(lines)


def bad_input_section(cases: List[Dict[str, Any]]) -> str:
    """The section between the bad-input markers of docs/reliability.md."""
    totals = Counter(case["kind"] for case in cases)
    summary = (
        f"{len(cases)} bad inputs: {totals['role']} through the role, "
        f"{totals['filter']} through the filters, {totals['module']} through the modules."
    )
    return "\n".join([INTRO, summary, "", coverage_table(cases), "", rows_table(cases)])


def write(doc: Path = DOC) -> None:
    """Put the section between the markers of ``doc``, at its end if they are missing."""
    block = f"{START}\n{bad_input_section(load_cases())}\n{END}\n"
    text = doc.read_text(encoding="utf-8") if doc.exists() else "# Reliability\n"
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + block + rest.split(END, 1)[1].lstrip("\n")
    else:
        text = text.rstrip("\n") + "\n\n" + block
    doc.write_text(text, encoding="utf-8")


def main(argv: List[str]) -> int:
    """Print the section, or write it into docs/reliability.md with --write."""
    if argv == ["--write"]:
        write()
    elif not argv:
        sys.stdout.write(bad_input_section(load_cases()) + "\n")
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
