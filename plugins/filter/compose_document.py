# -*- coding: utf-8 -*-
# Copyright: selfhosted.ai_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: compose_document
short_description: One component's Docker Compose document with the stack's hardened defaults
version_added: 0.1.0
description:
  - Adds to every service C(restart=unless-stopped), C(json-file) logging with rotation (10m x 3),
    C(no-new-privileges), C(cap_drop=ALL) (a service adds back what it needs with C(cap_add)) and the
    stack network, and labels it with a hash of the config files it mounts.
  - Refuses a service without a healthcheck, without resource limits and reservations, with an
    unpinned image (no tag, or C(latest)), with C(container_name), C(privileged), or with host ports
    unless the service is listed in I(publish).
positional: services, network, volumes, publish, file_contents
options:
  _input:
    description: The Compose project name (the component).
    type: string
    required: true
  services:
    description: Service name to Compose service definition.
    type: dict
    required: true
  network:
    description: The external network every service joins unless it names its own.
    type: string
    required: true
  volumes:
    description: Named volumes of the project.
    type: list
    elements: string
    default: []
  publish:
    description: Services allowed to publish host ports.
    type: list
    elements: string
    default: []
  file_contents:
    description:
      - Rendered config files, each C({path, content}) as in C(compose_project_files). Each service is
        labelled C(org.aistack.config-hash) with a hash of the files it bind-mounts (C(./path) or a
        directory above it), so a changed file recreates only the containers that read it.
      - A plain string counts for every service.
    type: list
    elements: raw
    default: []
  start_interval:
    description:
      - How often a starting container's healthcheck runs during its C(start_period) (Compose
        C(healthcheck.start_interval), Docker Engine 25 or later), added to every healthcheck that does
        not set its own. Without it the first check comes a full C(interval) after the start, and a
        deployment that waits for healthy containers waits that long.
      - A duration of one unit (C(2s), C(500ms), C(1m)); empty leaves the healthchecks as they are.
    type: string
    default: ""
  problems:
    description:
      - Return the list of problems instead of the document (empty when the document passes every
        check). The document holds secrets, so a role builds it with C(no_log); this tells the operator
        why it was refused without printing it.
    type: bool
    default: false
"""

EXAMPLES = r"""
compose_yml: "{{ 'redis' | selfhosted.ai_stack.compose_document(redis_services, 'aistack', ['data']) | to_nice_yaml }}"
why_refused: "{{ 'redis' | selfhosted.ai_stack.compose_document(redis_services, 'aistack', ['data'], problems=true) }}"
"""

RETURN = r"""
_value:
  description: The Compose document as a dictionary, or with I(problems) the list of problems.
  type: raw
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.selfhosted.ai_stack.plugins.plugin_utils.compose import ComposeError, compose_document as _document


def compose_document(project, services, network, volumes=None, publish=None, file_contents=None, problems=False,
                     start_interval=None):
    try:
        document = _document(project, services, network, volumes, publish, file_contents, start_interval)
    except ComposeError as exc:
        if problems:
            return [str(exc)]
        raise AnsibleFilterError(str(exc))
    return [] if problems else document


class FilterModule(object):
    def filters(self):
        return {"compose_document": compose_document}
