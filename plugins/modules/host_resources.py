#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: selfhosted.ai_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: host_resources
short_description: The host's memory, CPUs, huge page size and OS release as facts, in one cheap call
version_added: 0.3.0
description:
  - Sets the facts C(memtotal_mb) and C(processor_vcpus) as M(ansible.builtin.setup)'s hardware subset
    does, and C(aistack_meminfo_kb), every C(/proc/meminfo) value in kB (C(MemTotal), C(Hugepagesize), ...).
  - Sets C(aistack_os_release), the fields of C(/etc/os-release) (C(ID), C(VERSION_ID), C(VERSION_CODENAME),
    ...), empty when the file cannot be read, so the docker role needs no fact gathering.
  - Reads three small files instead of fact gathering with the hardware subset (mounts, devices, DMI),
    so the validation phase sizes every limit against the host for a fraction of the time (issue 11).
author:
  - selfhosted.ai_stack contributors (@selfhosted)
options: {}
attributes:
  check_mode:
    description: Reads only.
    support: full
  diff_mode:
    description: Nothing to show.
    support: none
  facts:
    description: Sets facts.
    support: full
"""

EXAMPLES = r"""
- name: Read the host's memory and CPUs
  selfhosted.ai_stack.host_resources:
  when: ansible_facts['memtotal_mb'] is not defined
"""

RETURN = r"""
ansible_facts:
  description: The facts.
  returned: always
  type: dict
  contains:
    memtotal_mb:
      description: Total memory in MiB (C(MemTotal) // 1024).
      type: int
      sample: 23539
    processor_vcpus:
      description: Logical processors (C(processor) entries of C(/proc/cpuinfo)).
      type: int
      sample: 2
    aistack_meminfo_kb:
      description: Every value of C(/proc/meminfo) given in kB or as a count, by its name.
      type: dict
      sample: {MemTotal: 24104000, Hugepagesize: 2048, HugePages_Total: 0}
    aistack_os_release:
      description: Every C(NAME=value) line of C(/etc/os-release), the value without its quotes.
      type: dict
      sample: {ID: debian, VERSION_ID: "13", VERSION_CODENAME: trixie}
"""

import os

from ansible.module_utils.basic import AnsibleModule


def parse_meminfo(text):
    """`Name:   123 kB` lines (and counts without a unit) as {name: int}."""
    values = {}
    for line in text.splitlines():
        name, _sep, rest = line.partition(":")
        fields = rest.split()
        if fields and fields[0].isdigit():
            values[name.strip()] = int(fields[0])
    return values


def count_processors(cpuinfo, fallback):
    count = sum(1 for line in cpuinfo.splitlines() if line.split(":")[0].strip() == "processor")
    return count or fallback


def facts(meminfo, cpuinfo, cpu_count):
    values = parse_meminfo(meminfo)
    if "MemTotal" not in values:
        raise ValueError("/proc/meminfo has no MemTotal line")
    return dict(memtotal_mb=values["MemTotal"] // 1024, processor_vcpus=count_processors(cpuinfo, cpu_count),
                aistack_meminfo_kb=values)


def parse_os_release(text):
    """`KEY=value` lines of os-release(5) as {KEY: value}, shell quotes removed; comments skipped."""
    values = {}
    for line in text.splitlines():
        name, sep, value = line.strip().partition("=")
        if sep and name and not name.startswith("#"):
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]
            values[name] = value
    return values


def read_os_release():
    try:
        return parse_os_release(read("/etc/os-release"))
    except (IOError, OSError):
        return {}


def read(path):
    with open(path) as handle:
        return handle.read()


def main():
    module = AnsibleModule(argument_spec={}, supports_check_mode=True)
    try:
        found = facts(read("/proc/meminfo"), read("/proc/cpuinfo"), os.cpu_count() or 1)
    except (IOError, OSError, ValueError) as problem:
        module.fail_json(msg="host_resources: %s" % problem)
    found["aistack_os_release"] = read_os_release()
    module.exit_json(changed=False, ansible_facts=found)


if __name__ == "__main__":
    main()
