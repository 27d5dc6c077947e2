# -*- coding: utf-8 -*-
# Copyright: selfhosted.ai_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: settings_problems
short_description: Check a role's settings by the kind their names say they are
version_added: 0.2.0
description:
  - Takes a mapping of variable names to values (a role's documented settings) and returns every
    problem found, each as a message that names the variable and the fix, never its value.
  - "Every string anywhere in a value is refused if it holds a line break or control character, a
    quote or backslash, a semicolon, a backtick or a dollar sign - what could add a line, a command or an
    interpolation to the config file, shell command or Compose document it is written into."
  - By name - C(_port) 1 to 65535, C(_mb) not above the host's memory; C(_cpus) above 0 and not above
    the host's CPUs; C(_share) above 0 and at most 1; C(_path), C(_directory), C(_socket) plain
    absolute paths, not C(/); C(_container_image) pinned (a tag other than latest, or a digest);
    C(_registry_prefix) empty or ending in C(/); C(_network_name) a Docker network name; C(_domain)
    empty or a lower-case DNS name.
positional: memtotal_mb, vcpus
options:
  _input:
    description: Variable name to value.
    type: dict
    required: true
  memtotal_mb:
    description: The host's memory in MiB (C(ansible_facts.memtotal_mb)); no memory check without it.
    type: int
  vcpus:
    description: The host's CPUs (C(ansible_facts.processor_vcpus)); no CPU check without it.
    type: int
"""

EXAMPLES = r"""
problems: "{{ {'redis_maxmemory_mb': redis_maxmemory_mb} | selfhosted.ai_stack.settings_problems(ansible_facts.memtotal_mb) }}"
"""

RETURN = r"""
_value:
  description: The problems, one message each; empty when every setting passes.
  type: list
  elements: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.selfhosted.ai_stack.plugins.plugin_utils.settings import settings_problems as _problems


def settings_problems(settings, memtotal_mb=None, vcpus=None):
    if not isinstance(settings, dict):
        raise AnsibleFilterError("settings_problems expects a mapping of variable names to values")
    return _problems(settings, memtotal_mb, vcpus)


class FilterModule(object):
    def filters(self):
        return {"settings_problems": settings_problems}
