#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: selfhosted.ai_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: host_files
short_description: Write a role's host files and directories, and read the host values it compares, in one step
version_added: 0.3.0
description:
  - Makes directories and whole files anywhere on the host match (content, owner, group, mode), and
    reads small files such as C(/proc/sys) values, in one round trip instead of one per file
    (REQUIREMENTS B8, issue 11). A role's unchanged re-run then costs one module call for its files.
  - Files are written as the M(selfhosted.ai_stack.compose_files) module writes them, atomically through a
    0600 temporary file in the same directory.
  - The parent directory of every file must exist or be listed in I(directories).
author:
  - selfhosted.ai_stack contributors (@selfhosted)
options:
  directories:
    description: Directories to create when missing and whose owner, group and mode are fixed, before any file is written.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: Absolute path.
        type: path
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
        default: "0755"
  files:
    description: Whole files.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: Absolute path.
        type: path
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
      validate:
        description:
          - A command run on the new content before it replaces the file, with C(%s) for its path (as
            in M(ansible.builtin.copy)); when it fails, the file is left as it was and the module fails.
          - Not run in check mode.
        type: str
  read:
    description:
      - Files whose content is returned in I(contents), read after the writes (in check mode, as they are
        now). For values such as C(/proc/sys/vm/swappiness) or a unit's C(.wants) link; never for secrets.
    type: list
    elements: path
    default: []
  units:
    description:
      - systemd units whose state is returned in I(units), read after the writes with one C(systemctl show),
        so that a role starts, enables or restarts a service only when it has to (issue 11).
    type: list
    elements: str
    default: []
attributes:
  check_mode:
    description: Reports what would change without writing.
    support: full
  diff_mode:
    description: Shows the before and after of every changed file that is not I(secret).
    support: full
"""

EXAMPLES = r"""
- name: Write the sysctl file and the drop-in, read the running values
  selfhosted.ai_stack.host_files:
    directories:
      - {path: /etc/systemd/system/docker.service.d}
    files:
      - {path: /etc/sysctl.d/90-aistack.conf, content: "vm.swappiness=10\n", mode: "0644", secret: false}
      - {path: /etc/systemd/system/docker.service.d/limits.conf, content: "[Service]\nLimitNOFILE=1048576\n",
         mode: "0644", secret: false}
    read: [/proc/sys/vm/swappiness]
    units: [docker.service]
  register: written
"""

RETURN = r"""
changed_files:
  description: Absolute paths of the files and directories whose content, owner, group or mode changed or would change.
  returned: always
  type: list
  elements: str
  sample: [/etc/sysctl.d/90-aistack.conf]
contents:
  description: The text of every file of I(read), null for one that does not exist.
  returned: always
  type: dict
  sample: {/proc/sys/vm/swappiness: "10\n"}
mtimes:
  description: The modification time (seconds since the epoch) of every file of I(files), null for one not written yet.
  returned: always
  type: dict
  sample: {/etc/systemd/system/docker.service.d/limits.conf: 1795000000.5}
units:
  description:
    - The state of every unit of I(units) - C(load_state) (C(not-found) for a unit that is not installed),
      C(active_state), C(unit_file_state) (C(enabled), C(disabled), ...; empty when not installed),
      C(need_daemon_reload), and C(started), when its main process started (seconds since the epoch;
      null when it has none running).
  returned: always
  type: dict
  sample: {docker.service: {load_state: loaded, active_state: active, unit_file_state: enabled,
           need_daemon_reload: false, started: 1795000000.2}}
"""

import os
import time

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.selfhosted.ai_stack.plugins.module_utils.file_writer import (
    FILE_OPTIONS, FileWriter, read_bytes, unmask_plain_contents)


def refusal(directories, files):
    """Why these paths cannot be written as asked, or ""."""
    paths = [entry["path"] for entry in directories + files]
    relative = [path for path in paths if not os.path.isabs(path)]
    if relative:
        return "host_files: %s is not an absolute path" % ", ".join(relative)
    twice = sorted(set(path for path in paths if paths.count(path) > 1))
    if twice:
        return "host_files: %s listed more than once" % ", ".join(twice)
    return ""


UNIT_PROPERTIES = "LoadState,ActiveState,UnitFileState,NeedDaemonReload,MainPID,ExecMainStartTimestampMonotonic"


def parse_units(names, output, now, monotonic_now):
    """The state of each unit from `systemctl show -p UNIT_PROPERTIES -- NAMES`: one block per unit, in order."""
    blocks = output.strip("\n").split("\n\n")
    if len(blocks) != len(names):
        raise ValueError("systemctl show answered %d blocks for %d units" % (len(blocks), len(names)))
    units = {}
    for name, block in zip(names, blocks):
        values = dict(line.split("=", 1) for line in block.splitlines() if "=" in line)
        started_monotonic = int(values.get("ExecMainStartTimestampMonotonic") or 0)
        running = values.get("MainPID", "0") != "0" and started_monotonic > 0
        units[name] = dict(
            load_state=values.get("LoadState", ""),
            active_state=values.get("ActiveState", ""),
            unit_file_state=values.get("UnitFileState", ""),
            need_daemon_reload=values.get("NeedDaemonReload") == "yes",
            started=round(now - (monotonic_now - started_monotonic / 1e6), 3) if running else None,
        )
    return units


def read_units(module, names):
    if not names:
        return {}
    rc, out, err = module.run_command(["systemctl", "show", "-p", UNIT_PROPERTIES, "--"] + names)
    if rc != 0:
        module.fail_json(msg="host_files: systemctl show failed: %s" % (err.strip() or out.strip()))
    try:
        return parse_units(names, out, time.time(), time.monotonic())
    except ValueError as problem:
        module.fail_json(msg="host_files: %s" % problem)


def mtime(path):
    try:
        return os.stat(path).st_mtime
    except OSError:
        return None


def run(module):
    params = module.params
    why = refusal(params["directories"], params["files"])
    if why:
        module.fail_json(msg=why)
    writer = FileWriter(module)
    created = set()
    for entry in params["directories"]:
        changed_before, writer.changed = writer.changed, False
        if writer.ensure_directory(entry["path"], entry["owner"], entry["group"], entry["mode"]):
            created.add(entry["path"])
        if writer.changed:
            writer.changed_files.append(entry["path"])
        writer.changed = writer.changed or changed_before
    for entry in params["files"]:
        parent = os.path.dirname(entry["path"])
        if parent not in created and not os.path.isdir(parent):
            module.fail_json(msg="host_files: the directory of %s does not exist; list it in directories" % entry["path"])
        writer.write(entry["path"], entry, entry["path"], directory_missing=parent in created and module.check_mode)
    contents = {}
    for path in params["read"]:
        data = read_bytes(path)
        contents[path] = None if data is None else to_native(data, errors="surrogate_or_replace")
    result = dict(changed=writer.changed, changed_files=writer.changed_files, contents=contents,
                  mtimes=dict((entry["path"], mtime(entry["path"])) for entry in params["files"]),
                  units=read_units(module, params["units"]))
    if module._diff:
        result["diff"] = writer.diffs
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            directories=dict(type="list", elements="dict", default=[], options=dict(
                path=dict(type="path", required=True),
                owner=dict(type="str", default="root"),
                group=dict(type="str", default="root"),
                mode=dict(type="str", default="0755"),
            )),
            files=dict(type="list", elements="dict", default=[],
                       options=dict(path=dict(type="path", required=True), validate=dict(type="str"), **FILE_OPTIONS)),
            read=dict(type="list", elements="path", default=[]),
            units=dict(type="list", elements="str", default=[]),
        ),
        supports_check_mode=True,
    )
    unmask_plain_contents(module, module.params["files"])
    module.exit_json(**run(module))


if __name__ == "__main__":
    main()
