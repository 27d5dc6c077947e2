# -*- coding: utf-8 -*-
# Copyright: selfhosted.ai_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Whether a Compose project already runs what its files describe, so an unchanged re-run can skip
`docker compose up` (issue 11). Read on the host by the compose_files module from the Engine API.

A project is deployed when the last apply of exactly these files finished (the marker holds their
digest) and every service has a running container, healthy when it has a health check, on the image
its Compose reference names now. Anything else, and `docker compose up` runs as before.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json

from ansible_collections.selfhosted.ai_stack.plugins.module_utils.stack_health import SERVICE_LABEL

ONEOFF_LABEL = "com.docker.compose.oneoff"
MARKER = ".applied"


def files_digest(entries):
    """One sha256 over every file's path, content, owner, group and mode, in path order."""
    wanted = sorted([entry["path"], entry["content"], str(entry["owner"]), str(entry["group"]), str(entry["mode"])]
                    for entry in entries)
    return hashlib.sha256(json.dumps(wanted).encode("utf-8")).hexdigest()


def container_health(status):
    """healthy, unhealthy, starting or none, from the Engine's status text ("Up 5 minutes (healthy)")."""
    if "(healthy)" in status:
        return "healthy"
    if "(unhealthy)" in status:
        return "unhealthy"
    if "(health: starting)" in status:
        return "starting"
    return "none"


def container_name(container):
    return ((container.get("Names") or ["?"])[0]).lstrip("/")


def deployment_problems(services, containers, image_ids):
    """Why the running containers differ from `services` ({name: image reference}), [] when they match.

    `containers` are the Engine's /containers/json entries of the project (one-off `docker compose
    run` containers are not the project's services and are left out); `image_ids` maps each image
    reference of `services` to the id it points to now (None when there is no such image), so a
    re-pulled or re-tagged image counts as a change, as it does for `docker compose up`.
    """
    containers = [c for c in containers if (c.get("Labels") or {}).get(ONEOFF_LABEL) != "True"]
    problems = []
    for service, image in services.items():
        mine = [c for c in containers if (c.get("Labels") or {}).get(SERVICE_LABEL) == service]
        if not mine:
            problems.append("%s has no container" % service)
            continue
        for container in mine:
            name = container_name(container)
            health = container_health(container.get("Status") or "")
            if container.get("State") != "running":
                problems.append("%s is %s" % (name, container.get("State")))
            elif health not in ("healthy", "none"):
                problems.append("%s is %s" % (name, health))
            elif image_ids.get(image) != container.get("ImageID"):
                problems.append("%s does not run the image %s names now" % (name, image))
    for container in containers:
        if (container.get("Labels") or {}).get(SERVICE_LABEL) not in services:
            problems.append("%s belongs to no service of the project" % container_name(container))
    return problems
