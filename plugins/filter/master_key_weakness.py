# -*- coding: utf-8 -*-
# Copyright: selfhosted.ai_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: master_key_weakness
short_description: Say why a master key must not protect a deployment
version_added: 0.2.0
description:
  - Returns an empty string for a key that looks generated, or the reason it does not - missing,
    shorter than 32 characters, containing a placeholder word (C(changeme), C(example), C(secret), ...),
    one word or pattern repeated, or fewer than 10 different characters.
  - Every secret of the stack derives from C(aistack_secret_key), so a guessable key gives every secret away.
options:
  _input:
    description: The master key.
    type: string
    required: true
"""

EXAMPLES = r"""
weakness: "{{ aistack_secret_key | selfhosted.ai_stack.master_key_weakness }}"
"""

RETURN = r"""
_value:
  description: Why the key is weak, naming C(aistack_secret_key); empty when it passes.
  type: string
"""

from ansible_collections.selfhosted.ai_stack.plugins.plugin_utils.secrets import master_key_weakness


class FilterModule(object):
    def filters(self):
        return {"master_key_weakness": master_key_weakness}
