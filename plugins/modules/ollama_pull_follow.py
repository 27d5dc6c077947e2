#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: selfhosted.ai_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ollama_pull_follow
short_description: Follow background model pulls to the end, printing their progress
version_added: 0.2.0
description:
  - "Follows the async jobs of M(selfhosted.ai_stack.ollama_model) (started with C(async) and C(poll=0)) until
    every one has finished, printing one progress line per unfinished instance every I(interval) seconds,
    e.g. C(ollama-1: llama3.2:3b (1/2) pulling 1e7c... 45.0% of 1.88 GB)."
  - One loop on the controller, not a task file that includes itself, so a pull of many hours is followed
    to the end; only I(timeout) ends it early.
  - Fails naming each instance whose job failed, with Ollama's message, or that is still working at I(timeout).
  - This is an action plugin; the module file only documents it.
author:
  - selfhosted.ai_stack contributors (@selfhosted)
options:
  jobs:
    description: The registered results of the async M(selfhosted.ai_stack.ollama_model) loop; each has
      C(ansible_job_id) and C(item.instance).
    type: list
    elements: dict
    required: true
  progress_file:
    description: The progress file each job writes, with C({instance}) where the instance name goes.
    type: str
    required: true
  interval:
    description: Seconds between two looks.
    type: float
    default: 10
  timeout:
    description: Seconds after which jobs still working are reported as failed.
    type: int
    required: true
  model_count:
    description: How many models each job handles, shown before its progress file exists.
    type: int
    default: 1
attributes:
  check_mode:
    description: Reads only, but follows jobs that check mode never starts; skip it in check mode.
    support: none
  diff_mode:
    description: Returns no diff.
    support: none
"""

EXAMPLES = r"""
- name: Follow the pulls
  selfhosted.ai_stack.ollama_pull_follow:
    jobs: "{{ pull_jobs.results | selectattr('ansible_job_id', 'defined') | list }}"
    progress_file: /tmp/pull-{instance}.json
    interval: 10
    timeout: 7200
    model_count: 2
"""

RETURN = r"""
results:
  description: One entry per finished job.
  returned: always
  type: list
  elements: dict
  contains:
    instance: {description: The instance, type: str, returned: always}
    changed: {description: Whether the job changed models, type: bool, returned: always}
    models:
      description: The models with their action, as M(selfhosted.ai_stack.ollama_model) returns them.
      type: list
      elements: dict
      returned: always
    failed: {description: Whether the job failed, type: bool, returned: always}
    msg: {description: The job's message, type: str, returned: always}
"""

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(
        argument_spec=dict(
            jobs=dict(type="list", elements="dict", required=True),
            progress_file=dict(type="str", required=True),
            interval=dict(type="float", default=10),
            timeout=dict(type="int", required=True),
            model_count=dict(type="int", default=1),
        ),
    )
    module.fail_json(msg="selfhosted.ai_stack.ollama_pull_follow runs as an action plugin on the controller")


if __name__ == "__main__":
    main()
