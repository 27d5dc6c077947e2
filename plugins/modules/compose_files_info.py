#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: selfhosted.ai_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: compose_files_info
short_description: Whether many Compose projects already run exactly their files, read in one call
version_added: 0.3.0
description:
  - For each project, what M(selfhosted.ai_stack.compose_files) would report for the same options
    in check mode (I(changed_files), I(directory_created), I(digest), I(deployed), ...), without writing
    anything, whether or not the task runs in check mode.
  - The validation phase of C(site.yml) reads every project once, so the deployment of a project that
    runs exactly its files skips its own call (issue 11).
author:
  - selfhosted.ai_stack contributors (@selfhosted)
options:
  projects:
    description:
      - The projects, each with the options of M(selfhosted.ai_stack.compose_files) but I(docker_host)
        (I(directory), I(files), I(project), I(services), I(network), and the directory's owner, group and mode).
    type: list
    elements: dict
    required: true
    suboptions:
      directory:
        description: The project directory (absolute); read, never created here.
        type: path
        required: true
      directory_mode:
        description: Mode of the project directory and of the subdirectories of its files.
        type: str
        default: '0750'
      directory_owner:
        description: Owner of the project directory and of the subdirectories of its files.
        type: str
        default: root
      directory_group:
        description: Group of the project directory and of the subdirectories of its files.
        type: str
        default: root
      files:
        description: The files, each relative to I(directory).
        type: list
        elements: dict
        default: []
        suboptions:
          path:
            description: Path inside I(directory); no leading C(/), no C(..).
            type: str
            required: true
          content:
            description: The whole content of the file.
            type: str
            required: true
          owner:
            description: Owner name or uid.
            type: str
            default: root
          group:
            description: Group name or gid.
            type: str
            default: root
          mode:
            description: Octal mode.
            type: str
            default: '0600'
          secret:
            description: The content is a secret; it never appears in a diff.
            type: bool
            default: true
      project:
        description:
        - The Compose project name; it names the project in the result.
        - Deployed means the marker file C(.applied) in I(directory) holds the digest of exactly these files
          (the caller writes it after a successful apply), and every one of I(services) has a running container,
          healthy when it has a health check, on the image its reference in I(services) names now, and the project
          has no other container.
        type: str
        required: true
      services:
        description: Each service of the project's Compose document and its image reference.
        type: dict
        default: {}
      network:
        description: A Docker network whose existence is reported as I(network_exists).
        type: str
  docker_host:
    description: The Engine's socket; only C(unix://) is read, anything else counts as not deployed.
    type: str
    default: unix:///var/run/docker.sock
attributes:
  check_mode:
    description: Reads only.
    support: full
  diff_mode:
    description: Nothing to show.
    support: none
"""

EXAMPLES = r"""
- name: Read which projects run exactly their files
  selfhosted.ai_stack.compose_files_info:
    projects:
      - directory: /opt/aistack/redis
        project: redis
        services: {redis: "redis:7.4.2"}
        network: aistack
        files:
          - {path: compose.yml, content: "{{ redis_document | to_nice_yaml }}"}
  register: compose_projects_read
"""

RETURN = r"""
projects:
  description:
    - By project name, the result M(selfhosted.ai_stack.compose_files) would give in check mode, with
      I(image_labels), the labels of each image of the project the Engine has.
  returned: always
  type: dict
  sample:
    redis:
      changed_files: []
      directory_created: false
      digest: 3f5c...
      marker: /opt/aistack/redis/.applied
      deployed: true
      deployment_problems: []
      image_labels: {"redis:7.4.2": {}}
      network_exists: true
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.selfhosted.ai_stack.plugins.module_utils.compose_files import (
    DOCKER_HOST_OPTION, PROJECT_OPTIONS, ComposeFiles)

PROJECT_SPEC = dict(PROJECT_OPTIONS, project=dict(type="str", required=True))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            projects=dict(type="list", elements="dict", required=True, options=PROJECT_SPEC),
            docker_host=DOCKER_HOST_OPTION,
        ),
        supports_check_mode=True,
    )
    module.check_mode = True  # an info module: every project is read as compose_files' check mode reads it
    results = {}
    for params in module.params["projects"]:
        result = ComposeFiles(module, dict(params, docker_host=module.params["docker_host"])).run()
        result.pop("changed")
        result.pop("diff", None)
        results[params["project"]] = result
    module.exit_json(changed=False, projects=results)


if __name__ == "__main__":
    main()
