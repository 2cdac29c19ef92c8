# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run a module's main() in-process: exit_json / fail_json become exceptions."""

from __future__ import annotations

import pytest
from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args


class ExitJson(Exception):
    """Raised by the patched AnsibleModule.exit_json with the result."""


class FailJson(Exception):
    """Raised by the patched AnsibleModule.fail_json with the result."""


def run_module(module, args):
    """Run module.main() with args; return (ExitJson or FailJson, result dict).

    Warnings the module emits are returned in the result's ``warnings`` list.
    """
    warnings = []

    def exit_json(self, **kwargs):
        kwargs["warnings"] = list(warnings)
        raise ExitJson(kwargs)

    def fail_json(self, **kwargs):
        raise FailJson(kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(basic.AnsibleModule, "exit_json", exit_json)
        patch.setattr(basic.AnsibleModule, "fail_json", fail_json)
        patch.setattr(basic.AnsibleModule, "warn", lambda self, text: warnings.append(text))
        with patch_module_args(args), pytest.raises((ExitJson, FailJson)) as info:
            module.main()
    return info.type, info.value.args[0]
