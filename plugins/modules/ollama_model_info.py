#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: selfhosted.ai_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ollama_model_info
short_description: Models present on and loaded by an Ollama server
version_added: 0.1.0
description:
  - Lists the models present (C(/api/tags)) with digest, size, family, parameter size and
    quantization, and the models loaded in memory (C(/api/ps)).
author:
  - selfhosted.ai_stack contributors (@selfhosted)
options:
  loaded:
    description: Also ask for the models loaded in memory (one more request, C(/api/ps)).
    type: bool
    default: true
extends_documentation_fragment:
  - selfhosted.ai_stack.ollama
attributes:
  check_mode:
    description: Reads only; runs the same in check mode.
    support: full
  diff_mode:
    description: Returns no diff.
    support: none
"""

EXAMPLES = r"""
- name: What does Ollama have?
  selfhosted.ai_stack.ollama_model_info:
    url: http://ollama:11434
  register: ollama_info
"""

RETURN = r"""
present:
  description: Models present, sorted by name.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Model name.
      type: str
      returned: always
    digest:
      description: Model digest.
      type: str
      returned: always
    size:
      description: Size in bytes.
      type: int
      returned: always
    family:
      description: Model family, for example llama.
      type: str
      returned: always
    parameters:
      description: Parameter size, for example 8.0B.
      type: str
      returned: always
    quantization:
      description: Quantization level, for example Q4_K_M.
      type: str
      returned: always
loaded:
  description: Models loaded in memory, with the same keys and C(expires_at); empty with I(loaded=false).
  returned: always
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.selfhosted.ai_stack.plugins.module_utils.ollama import (
    OLLAMA_ARGUMENT_SPEC,
    OllamaError,
    client_from_params,
)


def describe(model):
    details = model.get("details") or {}
    return {
        "name": model.get("name") or model.get("model"),
        "digest": model.get("digest"),
        "size": model.get("size"),
        "family": details.get("family"),
        "parameters": details.get("parameter_size"),
        "quantization": details.get("quantization_level"),
    }


def main():
    module = AnsibleModule(
        argument_spec=dict(OLLAMA_ARGUMENT_SPEC, loaded=dict(type="bool", default=True)),
        supports_check_mode=True,
    )
    client = client_from_params(module.params)
    try:
        tags = client.tags()
        present = [describe(tags[name]) for name in sorted(tags)]
        loaded = [dict(describe(m), expires_at=m.get("expires_at")) for m in client.ps()] if module.params["loaded"] else []
    except OllamaError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=False, present=present, loaded=loaded)


if __name__ == "__main__":
    main()
