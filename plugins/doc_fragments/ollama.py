# -*- coding: utf-8 -*-
# Copyright: selfhosted.ai_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # How the Ollama modules reach the API; matches module_utils/ollama.py's OLLAMA_ARGUMENT_SPEC.
    DOCUMENTATION = r"""
options:
  url:
    description: Base URL of the Ollama API.
    type: str
    default: http://127.0.0.1:11434
  timeout:
    description: Seconds to wait for an API answer.
    type: int
    default: 30
  retries:
    description: How often a connection error is retried (with exponential backoff).
    type: int
    default: 3
  validate_certs:
    description: Verify the TLS certificate of an C(https) URL.
    type: bool
    default: true
"""
