# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One call from log paths to the report: the parts put together."""

from __future__ import annotations

import contextlib
import gc
from typing import Any, Dict, Iterable, Iterator, List, Optional

from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log import (
    parallel,
    report,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.base import (
    DEFAULT_MAX_RESTARTS,
    NAME,
    ErrorLogError,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.files import (
    expand_paths,
    missing_error,
    open_log,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.groups import (
    GroupTable,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.reader import (
    Reader,
    chunks,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.restarts import (
    Tracker,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.errors import describe


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector: reading makes many short-lived tuples and no
    reference cycles, and the collector would walk the young ones again and again
    (about 7% of the reading time); reference counting still frees everything."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def analyse(
    paths: Iterable[str],
    *,
    since: Optional[float] = None,
    process_group: Optional[str] = None,
    max_restarts: int = DEFAULT_MAX_RESTARTS,
    app_paths: Optional[Iterable[str]] = None,
    allow_missing: bool = False,
) -> Dict[str, Any]:
    """Read the error logs named by ``paths`` (files or globs) and return the report.

    ``since`` is in log-scale seconds (see ``parse_since``). A pattern matching nothing
    is an error, unless ``allow_missing`` (then a warning). The report has the keys of
    ``report.build`` plus ``files`` and ``warnings``.
    """
    patterns = list(paths)
    if not patterns:
        raise ErrorLogError(
            f"{NAME}: parameter 'path' got []; expected at least one file or glob "
            "(leave path out for the default error log)"
        )
    prefixes = list(app_paths or ())
    for prefix in prefixes:
        if not isinstance(prefix, str) or not prefix.startswith("/"):
            raise ErrorLogError(
                f"{NAME}: parameter 'app_paths' got {describe(prefixes)}; expected absolute "
                f"path prefixes such as /srv/shop (bad entry {prefix!r})"
            )
    tracker = Tracker(GroupTable(process_group, max_restarts), prefixes)
    files, missing = expand_paths(patterns)
    warnings: List[str] = []
    if missing:
        if not allow_missing:
            raise missing_error(missing)
        warnings.append(f"{NAME}: no error log matches {', '.join(missing)}")
    reader = Reader(tracker, since)
    with _no_cycle_collection():
        for path in files:
            with open_log(path) as handle:
                if not parallel.read(reader, path, handle, warnings):
                    reader.read(path, chunks(handle, warnings, path))
    result = report.build(tracker, reader.counts)
    result["files"] = files
    result["warnings"] = warnings
    return result
