# -*- coding: utf-8 -*-
# Copyright: selfhosted.ai_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action of selfhosted.ai_stack.rag_document: on the controller, in the controller's process.

A directory ingest calls the task once per file, and starting a module process per file costs
~0.6 s, most of an unchanged file's time (its one GET takes milliseconds). Where the task runs on
the controller (delegate_to: localhost, a local connection), the action does the module's work
itself with the same code (module_utils/rag_api.py); on any other host it runs the module there.
"""

from __future__ import annotations

from ansible.plugins.action import ActionBase

from ansible_collections.selfhosted.ai_stack.plugins.module_utils.rag_api import ARGUMENT_SPEC, run_task

LOCAL_TRANSPORTS = ("local", "ansible.builtin.local")


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        if self._connection.transport not in LOCAL_TRANSPORTS:
            result.update(self._execute_module(module_name="selfhosted.ai_stack.rag_document",
                                               module_args=self._task.args, task_vars=task_vars))
            return result
        params = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)[1]
        result.update(run_task(params, bool(self._task.check_mode), bool(self._task.diff)))
        return result
