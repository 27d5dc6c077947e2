# -*- coding: utf-8 -*-
# Copyright: selfhosted.ai_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action of selfhosted.ai_stack.ollama_pull_follow: follows async model pulls to the end, printing progress."""

from __future__ import annotations

import base64
import json
import time

from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.selfhosted.ai_stack.plugins.plugin_utils.pull_follow import follow

display = Display()

ARGUMENT_SPEC = {
    "jobs": {"type": "list", "elements": "dict", "required": True},
    "progress_file": {"type": "str", "required": True},
    "interval": {"type": "float", "default": 10.0},
    "timeout": {"type": "int", "required": True},
    "model_count": {"type": "int", "default": 1},
}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)[1]
        # Where ansible.builtin.async_status looks: the shell's async_dir.
        async_dir = self._remote_expand_user(self.get_shell_option("async_dir", default="~/.ansible_async"))
        host = task_vars.get("inventory_hostname", "")

        def poll(jid):
            return self._execute_module(module_name="ansible.legacy.async_status", task_vars=task_vars,
                                        module_args={"jid": jid, "_async_dir": async_dir})

        def read_progress(path):
            read = self._execute_module(module_name="ansible.legacy.slurp", task_vars=task_vars, module_args={"src": path})
            try:
                return json.loads(base64.b64decode(read["content"]))
            except (KeyError, ValueError, TypeError):
                return None  # not written yet, or half a write

        jobs = [{"jid": job["ansible_job_id"], "instance": job["item"]["instance"],
                 "progress_file": args["progress_file"].replace("{instance}", job["item"]["instance"])}
                for job in args["jobs"]]
        finished, pending = follow(jobs, poll, read_progress, lambda line: display.display("%s | %s" % (host, line)),
                                   time.sleep, time.monotonic, args["interval"], args["timeout"], args["model_count"])

        result["results"] = [{"instance": job["instance"], "changed": bool(done.get("changed")),
                              "models": done.get("models", []), "failed": bool(done.get("failed")),
                              "msg": done.get("msg", "")} for job, done in finished]
        result["changed"] = any(item["changed"] for item in result["results"])
        problems = ["%s: %s" % (item["instance"], item["msg"]) for item in result["results"] if item["failed"]]
        problems += ["%s: still working after %d s" % (job["instance"], args["timeout"]) for job in pending]
        if problems:
            result["failed"] = True
            result["msg"] = "; ".join(problems)
        return result
