# -*- coding: utf-8 -*-
# Copyright: selfhosted.ai_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One Compose project's directory and files made to match, and whether the project runs them: the
work of the compose_files module, and of compose_files_info, which reads many projects in one call
without writing (issue 11)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.selfhosted.ai_stack.plugins.module_utils.compose_state import (
    MARKER, deployment_problems, files_digest)
from ansible_collections.selfhosted.ai_stack.plugins.module_utils.engine_api import (
    EngineClient, EngineUnavailable, socket_path)
from ansible_collections.selfhosted.ai_stack.plugins.module_utils.file_writer import (
    FILE_OPTIONS, FileWriter, read_bytes)
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


# One project's options: compose_files takes them at the top level, compose_files_info once per project.
PROJECT_OPTIONS = dict(
    directory=dict(type="path", required=True),
    directory_mode=dict(type="str", default="0750"),
    directory_owner=dict(type="str", default="root"),
    directory_group=dict(type="str", default="root"),
    files=dict(type="list", elements="dict", default=[],
               options=dict(path=dict(type="str", required=True), **FILE_OPTIONS)),
    project=dict(type="str"),
    services=dict(type="dict", default={}),
    network=dict(type="str"),
)
DOCKER_HOST_OPTION = dict(type="str", default="unix:///var/run/docker.sock")


class ComposeFiles(object):
    """`params`: one project's PROJECT_OPTIONS and docker_host; writes only outside check mode."""

    def __init__(self, module, params):
        self.module = module
        self.params = params
        self.directory = params["directory"]
        self.directory_args = (params["directory_owner"], params["directory_group"], params["directory_mode"])
        self.writer = FileWriter(module)

    def run(self):
        entries = self.params["files"]
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
        if self.params["project"]:
            result.update(self.deployment(entries))
        elif self.params["network"]:
            result["network_exists"] = self.engine_reads(lambda client: client.network_exists(
                self.params["network"]), False)
        if self.module._diff:
            result["diff"] = writer.diffs
        return result

    def engine_reads(self, read, fallback):
        path = socket_path(self.params["docker_host"])
        if path is None:
            return fallback
        try:
            return read(EngineClient(path))
        except EngineUnavailable:
            return fallback

    def deployment(self, entries):
        params = self.params
        digest = files_digest(entries)
        marker = read_bytes(os.path.join(self.directory, MARKER))
        problems = []
        if marker is None:
            problems.append("no apply of %s has finished yet" % self.directory)
        elif marker.decode("utf-8", "replace").strip() != digest:
            problems.append("the files changed since the last apply")

        def read(client):
            containers = client.project_containers(params["project"])
            inspected = dict((image, client.image(image)) for image in set(params["services"].values()))
            images = dict((image, data.get("Id")) for image, data in inspected.items() if data)
            labels = dict((image, (data.get("Config") or {}).get("Labels") or {})
                          for image, data in inspected.items() if data)
            network = client.network_exists(params["network"]) if params["network"] else None
            return deployment_problems(params["services"], containers, images), network, labels

        found, network, labels = self.engine_reads(
            read, (["the Docker Engine does not answer at %s" % params["docker_host"]], False, {}))
        result = dict(digest=digest, marker=os.path.join(self.directory, MARKER), deployed=not (problems + found),
                      deployment_problems=problems + found, image_labels=labels)
        if params["network"]:
            result["network_exists"] = network
        return result
