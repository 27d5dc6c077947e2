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
network_exists:
  description: Whether I(network) exists.
  returned: when I(network) is set
  type: bool
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.selfhosted.ai_stack.plugins.module_utils.compose_state import (
    MARKER, deployment_problems, files_digest)
from ansible_collections.selfhosted.ai_stack.plugins.module_utils.engine_api import (
    EngineClient, EngineUnavailable, socket_path)
from ansible_collections.selfhosted.ai_stack.plugins.module_utils.file_writer import (
    FILE_OPTIONS, FileWriter, read_bytes, unmask_plain_contents)
from ansible_collections.selfhosted.ai_stack.plugins.module_utils.project_paths import bad_path


def subdirectories(paths):
    """Every directory between the project directory and the files, parents first."""
    wanted = set()
    for path in paths:
        parent = os.path.dirname(path)
        while parent:
            wanted.add(parent)
            parent = os.path.dirname(parent)
    return sorted(wanted, key=lambda d: (d.count("/"), d))


class ComposeFiles(object):
    def __init__(self, module):
        self.module = module
        self.directory = module.params["directory"]
        self.directory_args = (module.params["directory_owner"], module.params["directory_group"],
                               module.params["directory_mode"])
        self.writer = FileWriter(module)

    def run(self):
        entries = self.module.params["files"]
        for entry in entries:
            why = bad_path(entry["path"])
            if why:
                self.module.fail_json(msg="compose_files: path %r %s; give a relative path inside %s"
                                      % (entry["path"], why, self.directory))
        paths = [entry["path"] for entry in entries]
        duplicates = sorted(set(p for p in paths if paths.count(p) > 1))
        if duplicates:
            self.module.fail_json(msg="compose_files: %s listed more than once" % ", ".join(duplicates))
        writer = self.writer
        directory_created = writer.ensure_directory(self.directory, *self.directory_args)
        for sub in subdirectories(paths):
            if not (directory_created and self.module.check_mode):
                writer.ensure_directory(os.path.join(self.directory, sub), *self.directory_args)
        for entry in entries:
            writer.write(os.path.join(self.directory, entry["path"]), entry, entry["path"],
                         directory_created and self.module.check_mode)
        result = dict(changed=writer.changed, changed_files=writer.changed_files,
                      directory_created=directory_created)
        if self.module.params["project"]:
            result.update(self.deployment(entries))
        elif self.module.params["network"]:
            result["network_exists"] = self.engine_reads(lambda client: client.network_exists(
                self.module.params["network"]), False)
        if self.module._diff:
            result["diff"] = writer.diffs
        return result

    def engine_reads(self, read, fallback):
        path = socket_path(self.module.params["docker_host"])
        if path is None:
            return fallback
        try:
            return read(EngineClient(path))
        except EngineUnavailable:
            return fallback

    def deployment(self, entries):
        params = self.module.params
        digest = files_digest(entries)
        marker = read_bytes(os.path.join(self.directory, MARKER))
        problems = []
        if marker is None:
            problems.append("no apply of %s has finished yet" % self.directory)
        elif marker.decode("utf-8", "replace").strip() != digest:
            problems.append("the files changed since the last apply")

        def read(client):
            containers = client.project_containers(params["project"])
            images = dict((image, client.image_id(image)) for image in set(params["services"].values()))
            network = client.network_exists(params["network"]) if params["network"] else None
            return deployment_problems(params["services"], containers, images), network

        found, network = self.engine_reads(read, (["the Docker Engine does not answer at %s" % params["docker_host"]],
                                                  False))
        result = dict(digest=digest, marker=os.path.join(self.directory, MARKER), deployed=not (problems + found),
                      deployment_problems=problems + found)
        if params["network"]:
            result["network_exists"] = network
        return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            directory=dict(type="path", required=True),
            directory_mode=dict(type="str", default="0750"),
            directory_owner=dict(type="str", default="root"),
            directory_group=dict(type="str", default="root"),
            files=dict(type="list", elements="dict", default=[],
                       options=dict(path=dict(type="str", required=True), **FILE_OPTIONS)),
            project=dict(type="str"),
            services=dict(type="dict", default={}),
            network=dict(type="str"),
            docker_host=dict(type="str", default="unix:///var/run/docker.sock"),
        ),
        supports_check_mode=True,
    )
    unmask_plain_contents(module, module.params["files"])
    module.exit_json(**ComposeFiles(module).run())


if __name__ == "__main__":
    main()
