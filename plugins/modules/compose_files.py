#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: selfhosted.ai_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: compose_files
short_description: Write a Compose project's directory and files in one step
version_added: 0.3.0
description:
  - Makes the project directory, the subdirectories of its files and every file (content, owner,
    group, mode) match, in one round trip instead of one per file (REQUIREMENTS B8, issue 11).
  - A file whose content differs is written to a temporary file in its directory and moved into
    place, so a crash leaves either the old or the new content, never a mix; the temporary file is
    created mode 0600, so a secret is never readable by others, not even for a moment.
  - Files that are not listed are left alone.
  - Given I(project), it also reports whether the project already runs these files (I(deployed)), so
    an unchanged re-run can skip C(docker compose up). It reads the Engine API over its unix socket.
author:
  - selfhosted.ai_stack contributors (@selfhosted)
options:
  directory:
    description: The project directory (absolute). Created, with its parents, when missing.
    type: path
    required: true
  directory_mode:
    description: Mode of the project directory and of the subdirectories of its files.
    type: str
    default: "0750"
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
        default: "0600"
      secret:
        description: The content is a secret; it never appears in a diff.
        type: bool
        default: true
  project:
    description:
      - The Compose project name. When set, the result has I(digest), I(deployed) and
        I(deployment_problems).
      - Deployed means the marker file C(.applied) in I(directory) holds the digest of exactly these
        files (the caller writes it after a successful apply), and every one of I(services) has a running
        container, healthy when it has a health check, on the image its reference in I(services) names now, and the
        project has no other container.
    type: str
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
    description: Reports what would change without writing.
    support: full
  diff_mode:
    description: Shows the before and after of every changed file that is not I(secret).
    support: full
"""

EXAMPLES = r"""
- name: Write the files of redis
  selfhosted.ai_stack.compose_files:
    directory: /opt/aistack/redis
    files:
      - {path: compose.yml, content: "{{ redis_document | to_nice_yaml }}"}
      - {path: conf/redis.conf, content: "{{ redis_conf }}", owner: "999", mode: "0640"}
"""

RETURN = r"""
changed_files:
  description: Paths (relative to I(directory)) whose content, owner, group or mode changed or would change.
  returned: always
  type: list
  elements: str
  sample: [compose.yml]
directory_created:
  description: The project directory did not exist before (in check mode, it still does not).
  returned: always
  type: bool
digest:
  description: sha256 over the path, content, owner, group and mode of every file; the marker's content after an apply.
  returned: when I(project) is set
  type: str
marker:
  description: The file the caller writes I(digest) to after a successful apply.
  returned: when I(project) is set
  type: str
  sample: /opt/aistack/redis/.applied
deployed:
  description: The project runs exactly these files (see I(project)); C(docker compose up) would change nothing.
  returned: when I(project) is set
  type: bool
deployment_problems:
  description: Why the project is not I(deployed); empty when it is.
  returned: when I(project) is set
  type: list
  elements: str
  sample: ["redis has no container"]
image_labels:
  description: The labels of each image of I(services) the Engine has, by its reference (an image it lacks is left out).
  returned: when I(project) is set
  type: dict
  sample: {"selfhosted/rag-api:0.1.0": {"org.aistack.build-sha": "4f1c..."}}
network_exists:
  description: Whether I(network) exists.
  returned: when I(network) is set
  type: bool
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.selfhosted.ai_stack.plugins.module_utils.compose_files import (
    DOCKER_HOST_OPTION, PROJECT_OPTIONS, ComposeFiles)
from ansible_collections.selfhosted.ai_stack.plugins.module_utils.file_writer import unmask_plain_contents


def main():
    module = AnsibleModule(
        argument_spec=dict(PROJECT_OPTIONS, docker_host=DOCKER_HOST_OPTION),
        supports_check_mode=True,
    )
    unmask_plain_contents(module, module.params["files"])
    module.exit_json(**ComposeFiles(module, module.params).run())


if __name__ == "__main__":
    main()
