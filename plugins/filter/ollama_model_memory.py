# -*- coding: utf-8 -*-
# Copyright: selfhosted.ai_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: ollama_model_memory
short_description: How much memory each Ollama model needs, refusing the ones that do not fit
version_added: 0.1.0
description:
  - Sizes every model by its parameter count with the table of the stack analysis (REQUIREMENTS S4)
    1B -> 2 GB, 3B -> 4 GB, 7B/8B -> 8 GB, extended as up to 1.5B -> 2, 4B -> 4, 9B -> 8, 14B -> 16,
    34B -> 32, 72B -> 64 GB, beyond that 1 GB per billion parameters.
  - The parameter count comes from, in this order, I(memory_gb) (your override, in GB, used as is), the
    running server (I(present), as C(ollama_model_info) reports it), the model name (C(8b), C(0.5b),
    C(135m), C(8x7b)), or I(known) for names without a size (C(nomic-embed-text)).
  - Fails, naming the model and the variables, when a model needs more than I(limit_mb) or when its size
    cannot be told - before anything is pulled.
positional: limit_mb
options:
  _input:
    description: Model names.
    type: list
    elements: string
    required: true
  limit_mb:
    description: The memory limit of one Ollama container, in MB.
    type: int
    required: true
  known:
    description: Parameter counts in billions of models whose name carries no size, by C(name:tag).
    type: dict
    default: {}
  present:
    description: C(name -> parameter_size) (C(8.0B), C(137M)) of the models already on the server.
    type: dict
    default: {}
  memory_gb:
    description: Memory in GB per model name that overrides the table.
    type: dict
    default: {}
  variable:
    description: The variable the models come from, for error messages.
    type: string
    default: ollama_models
  limit_variable:
    description: The variable the limit comes from, for error messages.
    type: string
    default: ollama_resources_limits_memory_mb
"""

EXAMPLES = r"""
ollama_model_sizing: "{{ ollama_models | selfhosted.ai_stack.ollama_model_memory(ollama_resources_limits_memory_mb,
                          known=ollama_model_parameters) }}"
"""

RETURN = r"""
_value:
  description: One entry per model, C({name, parameters_b, memory_gb, source}); source is C(override), C(server), C(name) or C(known).
  type: list
  elements: dict
"""

import math
import re

from ansible.errors import AnsibleFilterError

# (up to N billion parameters, GB of memory): the seed's table, extended upwards.
TABLE = ((1.5, 2), (4, 4), (9, 8), (14, 16), (34, 32), (72, 64))
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/:-]*[A-Za-z0-9_]$")
_SIZE_RE = re.compile(r"^(?:(?P<experts>\d+)x)?(?P<count>\d+(?:\.\d+)?)(?P<unit>[bm])$", re.IGNORECASE)


def normalize(name):
    last = name.rsplit("/", 1)[-1]
    return name if ":" in last else name + ":latest"


def memory_for(parameters_b):
    for ceiling, gigabytes in TABLE:
        if parameters_b <= ceiling:
            return gigabytes
    return int(math.ceil(parameters_b))


def parse_size(text):
    """'8b' -> 8.0, '135m' -> 0.135, '8x7b' -> 56.0, '8.0B' -> 8.0; None if it is not a size."""
    match = _SIZE_RE.match(text.strip())
    if not match:
        return None
    count = float(match.group("count")) * int(match.group("experts") or 1)
    return count / 1000.0 if match.group("unit").lower() == "m" else count


def size_from_name(name):
    repository, tag = name.rsplit(":", 1)
    for part in (tag, repository.rsplit("/", 1)[-1]):
        for token in re.split(r"[-_:]", part):
            size = parse_size(token)
            if size is not None:
                return size
    return None


def ollama_model_memory(models, limit_mb, known=None, present=None, memory_gb=None,
                        variable="ollama_models", limit_variable="ollama_resources_limits_memory_mb"):
    if not isinstance(models, list):
        raise AnsibleFilterError("%s must be a list of model names such as llama3.1:8b, got %r" % (variable, models))
    try:
        limit_mb = int(limit_mb)
    except (TypeError, ValueError):
        raise AnsibleFilterError("%s must be a number of MB, got %r" % (limit_variable, limit_mb))
    known = dict((normalize(k), v) for k, v in (known or {}).items())
    present = dict((normalize(k), v) for k, v in (present or {}).items())
    memory_gb = dict((normalize(k), v) for k, v in (memory_gb or {}).items())
    sized = []
    for name in models:
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise AnsibleFilterError("%s: %r is not a model name (e.g. llama3.1:8b or nomic-embed-text)" % (variable, name))
        key = normalize(name)
        parameters, source = None, None
        if key in memory_gb:
            gigabytes, source = float(memory_gb[key]), "override"
        else:
            if key in present and present[key]:
                parameters, source = parse_size(str(present[key])), "server"
            if parameters is None:
                parameters, source = size_from_name(key), "name"
            if parameters is None and key in known:
                parameters, source = float(known[key]), "known"
            if parameters is None:
                raise AnsibleFilterError(
                    "%s: cannot tell how much memory %r needs - its name has no size such as 8b or 135m and it is "
                    "neither on the server nor in ollama_model_parameters. Check the name on ollama.com/library; "
                    "if it is right, add it to ollama_model_memory_gb, e.g. {%r: 8}" % (variable, name, key))
            gigabytes = memory_for(parameters)
        if gigabytes * 1024 > limit_mb:
            raise AnsibleFilterError(
                "%s: %s needs about %g GB of memory (%s) but %s is %d MB: pick a smaller model (e.g. a 3b or 1b "
                "variant) or raise %s on a host that has the memory"
                % (variable, name, gigabytes,
                   "set in ollama_model_memory_gb" if source == "override" else "%gB parameters, from the %s" % (parameters, source),
                   limit_variable, limit_mb, limit_variable))
        sized.append({"name": key, "parameters_b": parameters, "memory_gb": gigabytes, "source": source})
    return sized


class FilterModule(object):
    def filters(self):
        return {"ollama_model_memory": ollama_model_memory}
