# -*- coding: utf-8 -*-
# Copyright: selfhosted.ai_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: build_context_digest
short_description: Digest of an image's build context on the controller
version_added: 0.3.0
description:
  - Hashes the regular files under I(entries) of the directory I(_input) (paths relative to it,
    C(__pycache__) left out, in byte order), the files of I(extra) by content only, and the I(values),
    and returns the first 32 hex digits of the result.
  - The same digest as C(find ENTRIES -type f ! -path '*/__pycache__/*' | LC_ALL=C sort | xargs sha256sum),
    then C(sha256sum < FILE) for each extra file and one line per value, hashed with C(sha256sum).
  - Computed in the controller's own process, so an unchanged re-run spends no task on it (issue 11).
options:
  _input:
    description: The build context's directory on the controller.
    type: path
    required: true
  entries:
    description: Files and directories of the context, relative to I(_input).
    type: list
    elements: str
    required: true
  extra:
    description: Further files whose content is part of the build (for example a CA bundle); empty paths are skipped.
    type: list
    elements: path
    default: []
  values:
    description: Build arguments that change the image.
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
digest: >-
  {{ rag_api_build_source | selfhosted.ai_stack.build_context_digest(['Dockerfile', 'rag_api'],
       values=[rag_api_build_base_image]) }}
"""

RETURN = r"""
_value:
  description: 32 hex digits.
  type: string
"""

import hashlib
import os

from ansible.errors import AnsibleFilterError


def _file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _context_files(source, entries):
    """The regular files of entries, relative to source, as find -type f lists them."""
    found = []
    for entry in entries:
        top = os.path.join(source, entry)
        if os.path.isfile(top) and not os.path.islink(top):
            found.append(entry)
            continue
        if not os.path.isdir(top) or os.path.islink(top):
            raise AnsibleFilterError("build_context_digest: %s is missing from the build context" % top)
        for root, _dirs, files in os.walk(top):
            relative_root = os.path.relpath(root, source)
            for name in files:
                relative = os.path.join(relative_root, name)
                full = os.path.join(source, relative)
                if os.path.isfile(full) and not os.path.islink(full) and "/__pycache__/" not in relative:
                    found.append(relative)
    return sorted(found, key=lambda path: path.encode("utf-8", "surrogateescape"))


def build_context_digest(source, entries, extra=(), values=()):
    lines = ["%s  %s\n" % (_file_sha256(os.path.join(source, path)), path) for path in _context_files(source, entries)]
    lines += ["%s  -\n" % _file_sha256(path) for path in extra if path]
    lines += ["%s\n" % value for value in values]
    return hashlib.sha256("".join(lines).encode("utf-8", "surrogateescape")).hexdigest()[:32]


class FilterModule(object):
    def filters(self):
        return {"build_context_digest": build_context_digest}
