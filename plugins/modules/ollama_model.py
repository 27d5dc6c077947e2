#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: selfhosted.ai_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ollama_model
short_description: Pull, update or remove Ollama models
version_added: 0.1.0
description:
  - Makes a list of models present, latest or absent on an Ollama server through its HTTP API.
  - Idempotent through C(/api/tags) - a model that is already there costs one API call for the whole
    list and no pull.
  - Reads the C(/api/pull) NDJSON stream and fails on an C(error) line even when the HTTP status is 200.
  - Connection errors are retried with backoff; errors Ollama reports (an unknown model) are not.
author:
  - selfhosted.ai_stack contributors (@selfhosted)
options:
  name:
    description: Model names, for example C(llama3.1:8b). A name without a tag means C(:latest).
    type: list
    elements: str
    required: true
    aliases: [models]
  state:
    description:
      - C(present) pulls missing models.
      - C(latest) pulls every model again and reports a change only when its digest changed.
      - C(absent) removes the models.
    type: str
    choices: [present, absent, latest]
    default: present
  pull_timeout:
    description: Seconds a single pull may take (I(timeout) applies to every other request).
    type: int
    default: 3600
  progress_file:
    description:
      - While pulling, keep a JSON object C({model, index, count, status, completed, total}) in this file
        on the managed host, so a play that runs the module with C(async) can show which model is being
        pulled and how far (see the role's C(tasks/pull_progress.yml)). Removed when the module ends.
    type: path
extends_documentation_fragment:
  - selfhosted.ai_stack.ollama
attributes:
  check_mode:
    description: Reports what would be pulled or removed without doing it.
    support: partial
    details: With I(state=latest), a model that is present reports no change, since a newer digest cannot be known without pulling.
  diff_mode:
    description: Shows the models (name and digest) before and after.
    support: full
notes:
  - Pulls run one model after the other. For long pulls, run the module with C(async) and I(progress_file)
    and poll the file, as C(playbooks/models.yml) does, so the play shows the model and the percentage.
"""

EXAMPLES = r"""
- name: Have the default models
  selfhosted.ai_stack.ollama_model:
    name: [llama3.1:8b, nomic-embed-text]
    url: http://ollama:11434

- name: Update a model if its upstream digest changed
  selfhosted.ai_stack.ollama_model:
    name: llama3.2:3b
    state: latest

- name: Remove a model
  selfhosted.ai_stack.ollama_model:
    name: llama3.2:1b
    state: absent
"""

RETURN = r"""
models:
  description: One entry per requested model.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The model name as Ollama lists it.
      type: str
      returned: always
    action:
      description: What was done - C(none), C(pulled), C(updated), C(removed), or C(would pull) / C(would remove) in check mode.
      type: str
      returned: always
    changed:
      description: Whether this model changed.
      type: bool
      returned: always
    digest:
      description: Digest of the model after the task, null when absent.
      type: str
      returned: always
    size:
      description: Size in bytes after the task, null when absent.
      type: int
      returned: always
api_calls:
  description: HTTP requests the task made (an unchanged list costs one).
  returned: always
  type: int
"""

import json
import os
import time

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.selfhosted.ai_stack.plugins.module_utils.ollama import (
    OLLAMA_ARGUMENT_SPEC,
    OllamaError,
    client_from_params,
    normalize_name,
)


def _entry(name, present, action, changed):
    model = present.get(name)
    return {
        "name": name,
        "action": action,
        "changed": changed,
        "digest": model.get("digest") if model else None,
        "size": model.get("size") if model else None,
    }


def _snapshot(present):
    return "".join("%s %s\n" % (name, present[name].get("digest")) for name in sorted(present))


class ProgressFile(object):
    """Writes the pull progress to a file, atomically and at most every `interval` seconds per status."""

    def __init__(self, path, count, interval=1.0, clock=time.time):
        self.path, self.count, self.interval, self.clock = path, count, interval, clock
        self.index, self.model, self.last, self.last_status = 0, None, 0.0, None

    def start(self, model):
        self.index += 1
        self.model = model
        self.last_status = None
        self.write({"status": "starting"})

    def write(self, event):
        now = self.clock()
        status = event.get("status")
        if status == self.last_status and now - self.last < self.interval:
            return
        self.last, self.last_status = now, status
        data = {"model": self.model, "index": self.index, "count": self.count, "status": status,
                "completed": event.get("completed"), "total": event.get("total")}
        tmp = self.path + ".tmp"
        with open(tmp, "w") as handle:
            json.dump(data, handle)
        os.rename(tmp, self.path)

    def close(self):
        for path in (self.path, self.path + ".tmp"):
            if os.path.exists(path):
                os.remove(path)


def run(client, names, state, check_mode, pull_timeout, progress=None):
    """Returns (changed, models, before, after). Raises OllamaError."""
    wanted = list(dict.fromkeys(normalize_name(n) for n in names))
    before = client.tags()
    after = dict(before)
    actions = {}
    for name in wanted:
        exists = name in before
        if state == "absent":
            if exists:
                if not check_mode:
                    client.delete(name)
                after.pop(name, None)
            actions[name] = ("would remove" if check_mode else "removed") if exists else "none"
        elif state == "present" or not exists:
            if not exists and not check_mode:
                _pull(client, name, pull_timeout, progress)
            actions[name] = "none" if exists else ("would pull" if check_mode else "pulled")
        elif not check_mode:  # latest, present already
            _pull(client, name, pull_timeout, progress)
            actions[name] = "pulled again"
        else:
            actions[name] = "none"
    if any(action in ("pulled", "pulled again") for action in actions.values()):
        after = client.tags()
    models = []
    for name in wanted:
        action = actions[name]
        if action == "pulled again":
            changed = (before[name].get("digest") != (after.get(name) or {}).get("digest"))
            action = "updated" if changed else "none"
        else:
            changed = action != "none"
        models.append(_entry(name, after, action, changed))
    return any(m["changed"] for m in models), models, before, after


def _pull(client, name, timeout, progress):
    if progress is None:
        return client.pull(name, timeout=timeout)
    progress.start(name)
    return client.pull(name, timeout=timeout, on_event=progress.write)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            OLLAMA_ARGUMENT_SPEC,
            name=dict(type="list", elements="str", required=True, aliases=["models"]),
            state=dict(type="str", default="present", choices=["present", "absent", "latest"]),
            pull_timeout=dict(type="int", default=3600),
            progress_file=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    bad = [n for n in p["name"] if not n or n.strip() != n or " " in n]
    if bad:
        module.fail_json(msg="name: %s is not a model name (e.g. llama3.1:8b)" % ", ".join(repr(n) for n in bad))
    client = client_from_params(p)
    progress = ProgressFile(p["progress_file"], len(p["name"])) if p["progress_file"] else None
    try:
        changed, models, before, after = run(client, p["name"], p["state"], module.check_mode, p["pull_timeout"], progress)
    except OllamaError as exc:
        module.fail_json(msg=str(exc), api_calls=client.calls)
    finally:
        if progress is not None:
            progress.close()
    result = dict(changed=changed, models=models, api_calls=client.calls)
    if module._diff:
        result["diff"] = dict(before=_snapshot(before), after=_snapshot(after))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
