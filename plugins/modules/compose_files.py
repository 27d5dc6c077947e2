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
"""

import os
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_native

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


def read_bytes(path):
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except (IOError, OSError):
        return None


def file_args(path, owner, group, mode):
    return dict(path=path, owner=owner, group=group, mode=mode,
                secontext=None, attributes=None)


class ComposeFiles(object):
    def __init__(self, module):
        self.module = module
        self.directory = module.params["directory"]
        self.directory_args = (module.params["directory_owner"], module.params["directory_group"],
                               module.params["directory_mode"])
        self.changed_files = []
        self.diffs = []
        self.changed = False

    def ensure_directory(self, path):
        """Create `path` (and parents) when missing; fix owner and mode. Returns True when it was missing."""
        missing = not os.path.isdir(path)
        if missing:
            self.changed = True
            if self.module.check_mode:
                return True
            parent = os.path.dirname(path.rstrip("/"))
            if parent and not os.path.isdir(parent):
                os.makedirs(parent)
            os.mkdir(path, 0o700)
        self.changed = self.module.set_fs_attributes_if_different(
            file_args(path, *self.directory_args), self.changed)
        return missing

    def write(self, entry, directory_missing):
        dest = os.path.join(self.directory, entry["path"])
        wanted = to_bytes(entry["content"], errors="surrogate_or_strict")
        current = None if directory_missing else read_bytes(dest)
        changed = current != wanted
        if changed and not self.module.check_mode:
            handle, tmp = tempfile.mkstemp(dir=os.path.dirname(dest), prefix=".compose_files.")
            try:
                os.write(handle, wanted)
            finally:
                os.close(handle)
            self.module.atomic_move(tmp, dest)
        if not (self.module.check_mode and current is None):
            changed = self.module.set_fs_attributes_if_different(
                file_args(dest, entry["owner"], entry["group"], entry["mode"]), changed)
        if changed:
            self.changed = True
            self.changed_files.append(entry["path"])
            if not entry["secret"] and current != wanted:
                self.diffs.append(dict(
                    before_header=dest, after_header=dest,
                    before=to_native(current or b"", errors="surrogate_or_strict"),
                    after=entry["content"]))

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
        directory_created = self.ensure_directory(self.directory)
        for sub in subdirectories(paths):
            if not (directory_created and self.module.check_mode):
                self.ensure_directory(os.path.join(self.directory, sub))
        for entry in entries:
            self.write(entry, directory_created and self.module.check_mode)
        result = dict(changed=self.changed, changed_files=self.changed_files,
                      directory_created=directory_created)
        if self.module._diff:
            result["diff"] = self.diffs
        return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            directory=dict(type="path", required=True),
            directory_mode=dict(type="str", default="0750"),
            directory_owner=dict(type="str", default="root"),
            directory_group=dict(type="str", default="root"),
            files=dict(type="list", elements="dict", default=[], options=dict(
                path=dict(type="str", required=True),
                content=dict(type="str", required=True, no_log=True),
                owner=dict(type="str", default="root"),
                group=dict(type="str", default="root"),
                mode=dict(type="str", default="0600"),
                secret=dict(type="bool", default=True),
            )),
        ),
        supports_check_mode=True,
    )
    # Every content is no_log, so none reaches the target's journal; contents marked not secret are
    # unmasked again for the result, so their diff can be shown.
    secrets = set(entry["content"] for entry in module.params["files"] if entry["secret"])
    for entry in module.params["files"]:
        if entry["content"] not in secrets:
            module.no_log_values.discard(entry["content"])
    module.exit_json(**ComposeFiles(module).run())


if __name__ == "__main__":
    main()
