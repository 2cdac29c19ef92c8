# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    """Attributes shared by the collection's modules."""

    # A module that reads the host and changes nothing (restart_info, daemon_info,
    # traffic_info). Each module still says which hosts it runs on (platform).
    READ_ONLY = r"""
attributes:
  check_mode:
    support: full
    description: The module only reads from the host; it runs normally in check mode.
  diff_mode:
    support: none
    description: Nothing is changed, so there is nothing to diff.
  platform:
    platforms: [posix]
    support: full
"""
