# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one parser of mod_wsgi versions for the collection's filters.

``wsgi_sizing`` and friends read the version to pick the ``request-timeout`` rule,
``wsgi_daemon_options`` to refuse options the version lacks; both go through
:func:`parse_version`, so they accept the same values and fail with the same message.
Controller-side code; nothing here imports Ansible.
"""

from __future__ import annotations

import re
from typing import Any

from ansible_collections.wsgiscale.mod_wsgi.plugins.module_utils.errors import (
    WsgiscaleError,
    describe,
)

VersionTuple = tuple[int, int, int]

#: The name every caller gives the version parameter.
PARAMETER = "mod_wsgi_version"

#: Oldest mod_wsgi accepted: request-timeout, queue-timeout, listen-backlog and
#: graceful-timeout, which the sizing plans render, appeared in 4.1.
MIN_VERSION: VersionTuple = (4, 1, 0)

#: What every refused version is told it should have been.
EXPECTED = (
    "a mod_wsgi version string >= 4.1 with at least major.minor, such as '4.9', '4.9.4', "
    "'6.1.1', a Debian package version ('1:4.9.4-1+b1') or a PyPI pre-release ('6.0.0rc1'); "
    "quote it in YAML, where an unquoted 4.10 is the number 4.1"
)

# [epoch:]major.minor[.patch][Debian revision or PyPI pre-release suffix]
_VERSION_RE = re.compile(
    r"(?:[0-9]+:)?([0-9]+)\.([0-9]+)(?:\.([0-9]+))?(?:[-+~a-zA-Z][-+~.0-9A-Za-z]*)?"
)


class VersionError(WsgiscaleError):
    """A mod_wsgi version the collection cannot read; ``expected`` says what it wants."""

    def __init__(self, caller: str, value: Any) -> None:
        self.caller = caller
        self.value = value
        self.expected = EXPECTED
        super().__init__(
            f"{caller}: parameter '{PARAMETER}' got {describe(value)}; expected {EXPECTED}"
        )


def parse_version(value: Any, caller: str) -> VersionTuple:
    """Parse a mod_wsgi version string into ``(major, minor, patch)``.

    Accepts ``'4.9'``, ``'4.9.4'``, ``'6.1.1'``, Debian package versions such as
    ``'5.0.2-1+b1'`` or ``'1:4.9.4-1'`` (epoch and revision are dropped) and PyPI
    pre-releases such as ``'6.0.0rc1'`` (read as the release). Numbers are refused,
    since YAML reads an unquoted ``4.10`` as ``4.1``; so are versions before 4.1.
    Raises :class:`VersionError` naming ``caller``.
    """
    if not isinstance(value, str):
        raise VersionError(caller, value)
    match = _VERSION_RE.fullmatch(value.strip())
    if not match:
        raise VersionError(caller, value)
    major, minor, patch = match.groups()
    version = (int(major), int(minor), int(patch or 0))
    if version < MIN_VERSION:
        raise VersionError(caller, value)
    return version


def format_version(version: VersionTuple) -> str:
    """Render ``(6, 0, 0)`` as ``'6.0'`` and ``(6, 0, 2)`` as ``'6.0.2'``."""
    if version[2] == 0:
        return f"{version[0]}.{version[1]}"
    return "{}.{}.{}".format(*version)
