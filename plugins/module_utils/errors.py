# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one error base class of the collection and the way errors show values.

Every input error raised by the collection's Python code (filters on the
controller, modules on the target) derives from :class:`WsgiscaleError`, and
every message shows the offending value the same way, with :func:`describe`.
Nothing here imports Ansible.
"""

from __future__ import annotations

from typing import Any

#: Longest repr shown in a message before it is cut with "...".
DESCRIBE_LIMIT = 120


class WsgiscaleError(ValueError):
    """Bad input: the message names the caller, the parameter, the value and what was expected."""


def describe(value: Any) -> str:
    """``value`` as shown in error messages: its repr (cut at 120 characters) and its type.

    >>> describe("4.9")
    "'4.9' (str)"
    """
    text = repr(value)
    if len(text) > DESCRIBE_LIMIT:
        text = text[: DESCRIBE_LIMIT - 3] + "..."
    return f"{text} ({type_name(value)})"


def type_name(value: Any) -> str:
    """The name of ``value``'s built-in type, even for subclasses.

    Ansible hands plugins subclasses of the built-in types (tagged or unsafe
    strings, for example); users wrote a ``str``, so messages say ``str``.
    """
    for kind in type(value).__mro__:
        if kind.__module__ == "builtins" and kind is not object:
            return kind.__name__
    return type(value).__name__


def input_error(caller: str, name: str, value: Any, expected: str) -> WsgiscaleError:
    """The standard message: ``caller: parameter 'name' got <value>; expected <expected>``."""
    return WsgiscaleError(
        f"{caller}: parameter '{name}' got {describe(value)}; expected {expected}"
    )


def item_label(variable: str, index: int, name: Any) -> str:
    """How messages name an item of a list by its position and name: ``apps[1] (api)``.

    Control characters of the name are escaped (``shop\\n``), so the message stays
    on one line; without a usable name the label is ``apps[1]``.
    """
    if not isinstance(name, str) or not name:
        return f"{variable}[{index}]"
    shown = name if name.isprintable() else name.encode("unicode_escape").decode("ascii")
    return f"{variable}[{index}] ({shown})"
