# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which files to read and how: globs, rotated logs oldest first, gzip, the OS family's
default error log."""

from __future__ import annotations

import glob
import gzip
import os
import re
from typing import IO, Iterable, List, Tuple

from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.error_log.base import (
    NAME,
    ErrorLogError,
)
from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.errors import describe

_ROTATED = re.compile(r"^(.*?)(?:[.-](\d+))?(?:\.(?:gz|Z|bz2|xz))?$")

DEFAULT_LOGS = {
    "Debian": "/var/log/apache2/error.log*",
    "RedHat": "/var/log/httpd/error_log*",
}


def rotation_key(path: str) -> Tuple[str, int, int, str]:
    """Sort key putting rotated logs oldest first: ``error.log.2.gz``, ``error.log.1``,
    ``error.log``; date-stamped (``error_log-20261126``) ascending, then the live file."""
    match = _ROTATED.match(path)
    base, number = (match.group(1), match.group(2)) if match else (path, None)
    if number is None:
        return (path if match is None else base, 1, 0, path)
    value = int(number)
    # logrotate numbers count back from the live file; dateext stamps count forward.
    return (base, 0, value if len(number) >= 8 else -value, path)


def expand_paths(patterns: Iterable[str]) -> Tuple[List[str], List[str]]:
    """Expand files and globs; return (files oldest first, patterns matching nothing)."""
    found = set()
    missing = []
    for pattern in patterns:
        if glob.has_magic(pattern):
            matches = [p for p in glob.glob(pattern) if not os.path.isdir(p)]
        else:
            matches = [pattern] if os.path.lexists(pattern) else []
        if not matches:
            missing.append(pattern)
        found.update(matches)
    return sorted(found, key=rotation_key), missing


def missing_error(missing: List[str]) -> ErrorLogError:
    """The error for paths or globs that match no file."""
    shown = ", ".join(describe(pattern) for pattern in missing)
    verb = "matches" if len(missing) == 1 else "match"
    return ErrorLogError(
        f"{NAME}: parameter 'path' got {shown}, which {verb} no error log; "
        "expected existing files or globs that match at least one"
    )


def open_log(path: str) -> IO[bytes]:
    """Open a log for reading bytes; gzip when the file says so (magic bytes)."""
    if os.path.isdir(path):
        raise ErrorLogError(
            f"{NAME}: parameter 'path' got {describe(path)}, which is a directory; "
            "expected a log file"
        )
    try:
        with open(path, "rb") as probe:
            magic = probe.read(2)
        if magic == b"\x1f\x8b":
            return gzip.open(path, "rb")
        return open(path, "rb")
    except OSError as exc:
        raise ErrorLogError(
            f"{NAME}: parameter 'path' got {describe(path)}, which cannot be read "
            f"({exc.strerror or exc}); expected a readable error log"
        ) from None


def default_log_glob(root: str = "/") -> str:
    """The error log glob of this host's OS family: Debian's when ``/etc/debian_version``
    exists, RedHat's when ``/etc/redhat-release`` does, else the one whose directory
    exists (Debian's when neither does)."""
    if os.path.exists(os.path.join(root, "etc/debian_version")):
        return DEFAULT_LOGS["Debian"]
    if os.path.exists(os.path.join(root, "etc/redhat-release")):
        return DEFAULT_LOGS["RedHat"]
    if os.path.isdir(os.path.join(root, "var/log/httpd")):
        return DEFAULT_LOGS["RedHat"]
    return DEFAULT_LOGS["Debian"]
