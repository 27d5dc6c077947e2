# -*- coding: utf-8 -*-
# Copyright: selfhosted.ai_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one rule for a file of a Compose project: a relative path inside the project directory.

Used on the controller by the compose_document filter (validation, before any change) and on the
host by the compose_files module (the write), so both refuse the same paths.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def bad_path(path):
    """Why `path` cannot name a file inside the project directory, or ""."""
    if not path:
        return "is empty"
    if path.startswith("/"):
        return "is absolute"
    if ".." in path.split("/"):
        return "leaves the project directory"
    if path.endswith("/"):
        return "names a directory"
    return ""
