# -*- coding: utf-8 -*-
# Copyright: selfhosted.ai_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes directories and whole files the way compose_files and host_files both need (issue 11).

A file whose content differs is written to a 0600 temporary file in its directory and moved into
place, so a crash leaves the old or the new content, never a mix, and a secret is never readable by
others, not even for a moment. Owner, group and mode are fixed with Ansible's own helpers.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import tempfile

from ansible.module_utils.common.text.converters import to_bytes, to_native


def read_bytes(path):
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except (IOError, OSError):
        return None


def file_args(path, owner, group, mode):
    return dict(path=path, owner=owner, group=group, mode=mode,
                secontext=None, attributes=None)


class FileWriter(object):
    """Collects what changed (`changed`, `changed_files`, `diffs`) across the calls of one module run."""

    def __init__(self, module):
        self.module = module
        self.changed_files = []
        self.diffs = []
        self.changed = False

    def ensure_directory(self, path, owner, group, mode):
        """Create `path` (and missing parents) when missing; fix owner and mode. True when it was missing."""
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
            file_args(path, owner, group, mode), self.changed)
        return missing

    def write(self, dest, entry, name, directory_missing):
        """Make `dest` hold entry's content, owner, group and mode; `name` is how changed_files lists it.

        `directory_missing`: check mode on a directory that does not exist yet, so nothing can be read.
        """
        wanted = to_bytes(entry["content"], errors="surrogate_or_strict")
        current = None if directory_missing else read_bytes(dest)
        changed = current != wanted
        if changed and not self.module.check_mode:
            handle, tmp = tempfile.mkstemp(dir=os.path.dirname(dest), prefix=".aistack_files.")
            try:
                os.write(handle, wanted)
            finally:
                os.close(handle)
            self.validate(entry.get("validate"), tmp, dest)
            self.module.atomic_move(tmp, dest)
        if not (self.module.check_mode and current is None):
            changed = self.module.set_fs_attributes_if_different(
                file_args(dest, entry["owner"], entry["group"], entry["mode"]), changed)
        if changed:
            self.changed = True
            self.changed_files.append(name)
            if not entry["secret"] and current != wanted:
                self.diffs.append(dict(
                    before_header=dest, after_header=dest,
                    before=to_native(current or b"", errors="surrogate_or_strict"),
                    after=entry["content"]))

    def validate(self, command, tmp, dest):
        """Run `command` (%s: the new content's path) before the move; refuse the file when it fails."""
        if not command:
            return
        rc, out, err = self.module.run_command(command % tmp)
        if rc != 0:
            os.remove(tmp)
            self.module.fail_json(msg="%s was not written: %s refused it: %s" % (
                dest, command.split()[0], (err or out).strip()), changed_files=self.changed_files)


def unmask_plain_contents(module, entries):
    """Every content is no_log, so none reaches the target's journal; contents not marked secret are
    unmasked again for the result, so their diff can be shown."""
    secrets = set(entry["content"] for entry in entries if entry["secret"])
    for entry in entries:
        if entry["content"] not in secrets:
            module.no_log_values.discard(entry["content"])


FILE_OPTIONS = dict(
    content=dict(type="str", required=True, no_log=True),
    owner=dict(type="str", default="root"),
    group=dict(type="str", default="root"),
    mode=dict(type="str", default="0600"),
    secret=dict(type="bool", default=True),
)
