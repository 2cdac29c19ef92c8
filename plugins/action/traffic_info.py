# Copyright: (c) 2026, wsgiscale maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action plugin of wsgiscale.mod_wsgi.traffic_info: run the module on the target, then
add the sizing model's prediction for the running size (controller side, because the
model lives in plugin_utils, which modules cannot import)."""

from __future__ import annotations

from typing import Any, Dict, Optional

from ansible.plugins.action import ActionBase
from ansible_collections.wsgiscale.mod_wsgi.plugins.plugin_utils.queue_prediction import (
    add_predictions,
)


class ActionModule(ActionBase):
    """Run traffic_info and add ``prediction`` to each group."""

    TRANSFERS_FILES = False
    _requires_connection = True

    def run(
        self, tmp: Optional[str] = None, task_vars: Optional[Dict[str, Any]] = None
    ) -> Dict[str, Any]:
        """Execute the module with the task's arguments and extend its result."""
        result = super().run(tmp, task_vars)
        del tmp
        result.update(
            self._execute_module(
                module_name="wsgiscale.mod_wsgi.traffic_info",
                module_args=self._task.args,
                task_vars=task_vars,
            )
        )
        if not result.get("failed") and not result.get("skipped"):
            add_predictions(result)
        return result
