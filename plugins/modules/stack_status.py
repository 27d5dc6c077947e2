#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: selfhosted.ai_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: stack_status
short_description: Health of the stack's Compose projects
version_added: 0.1.0
description:
  - Lists every container of the given Docker Compose projects (or of all projects) with its state,
    health, image and restart count, and the last healthcheck output of any container that is not
    healthy.
  - Fails when I(fail_on_unhealthy=true) and a container is not running and healthy, naming each one.
  - Reads only; never changes anything. Asks the Engine API over its unix socket with the standard
    library, without the Docker SDK, which took longer to import than the reads take.
author:
  - selfhosted.ai_stack contributors (@selfhosted)
options:
  projects:
    description: Compose project names to report on. Empty means every Compose project on the host.
    type: list
    elements: str
    default: []
  fail_on_unhealthy:
    description: Fail when a listed container is not running and healthy.
    type: bool
    default: false
  docker_host:
    description: The Docker daemon to ask, a C(unix://) socket.
    type: str
    default: unix:///var/run/docker.sock
attributes:
  check_mode:
    description: Can run in check mode; it never changes anything.
    support: full
  diff_mode:
    description: Returns no diff.
    support: none
"""

EXAMPLES = r"""
- name: Report on the whole stack and fail on anything unhealthy
  selfhosted.ai_stack.stack_status:
    fail_on_unhealthy: true

- name: Why did redis not become healthy?
  selfhosted.ai_stack.stack_status:
    projects: [redis]
  register: redis_status
"""

RETURN = r"""
containers:
  description: Every container found, sorted by project and name.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Container name.
      type: str
      returned: always
    project:
      description: Compose project.
      type: str
      returned: always
    service:
      description: Compose service.
      type: str
      returned: always
    image:
      description: Image reference the container was created from.
      type: str
      returned: always
    state:
      description: Docker state, for example running, exited or restarting.
      type: str
      returned: always
    health:
      description: One of healthy, unhealthy, starting, none (no healthcheck) or stopped.
      type: str
      returned: always
    restarts:
      description: Restart count.
      type: int
      returned: always
    exit_code:
      description: Exit code of the last run.
      type: int
      returned: always
    last_health_output:
      description: Output of the last healthcheck when not healthy, else null.
      type: str
      returned: always
unhealthy:
  description: One line per container that is not running and healthy.
  returned: always
  type: list
  elements: str
  sample: ["redis-redis-1 (service redis of redis): state running, health unhealthy, 0 restarts; last healthcheck said: NOAUTH"]
"""

import json

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.selfhosted.ai_stack.plugins.module_utils.engine_api import (
    EngineClient,
    EngineUnavailable,
    quote,
    socket_path,
)
from ansible_collections.selfhosted.ai_stack.plugins.module_utils.stack_health import (
    PROJECT_LABEL,
    describe_problems,
    summarize_container,
)


def collect(client, projects):
    """The summary of every Compose container (of `projects` when given), sorted by project and name."""
    filters = quote(json.dumps({"label": [PROJECT_LABEL]}), safe="")
    listed = client.get("/containers/json?all=1&filters=%s" % filters)[1] or []
    summaries = []
    for entry in listed:
        if projects and (entry.get("Labels") or {}).get(PROJECT_LABEL) not in projects:
            continue
        attrs = client.get("/containers/%s/json" % entry["Id"])[1]
        if attrs:  # None: removed between the list and the inspect
            summaries.append(summarize_container(attrs))
    return sorted(summaries, key=lambda s: (s["project"] or "", s["name"]))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            projects=dict(type="list", elements="str", default=[]),
            fail_on_unhealthy=dict(type="bool", default=False),
            docker_host=dict(type="str", default="unix:///var/run/docker.sock"),
        ),
        supports_check_mode=True,
    )
    docker_host = module.params["docker_host"]
    path = socket_path(docker_host)
    if path is None:
        module.fail_json(msg="docker_host must be a unix:// socket, not %s" % docker_host)
    try:
        summaries = collect(EngineClient(path), module.params["projects"])
    except (EngineUnavailable, ValueError) as exc:
        module.fail_json(msg="cannot read containers from %s: %s" % (docker_host, exc))
    problems = describe_problems(summaries)
    result = dict(changed=False, containers=summaries, unhealthy=problems)
    if problems and module.params["fail_on_unhealthy"]:
        module.fail_json(msg="not healthy: " + " | ".join(problems), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
