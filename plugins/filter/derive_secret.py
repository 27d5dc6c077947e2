# -*- coding: utf-8 -*-
# Copyright: selfhosted.ai_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: derive_secret
short_description: Derive a service secret from the stack's master key
version_added: 0.1.0
description:
  - Returns HKDF-SHA256(I(master key), I(purpose)) in the requested format and length.
  - The same master key and purpose always give the same secret, so re-runs are idempotent and no
    secret has to be stored; different purposes give unrelated secrets (REQUIREMENTS SEC5).
  - Fails when the master key (C(aistack_secret_key)) is missing or shorter than 32 characters.
positional: purpose, format, length
options:
  _input:
    description: The master key, normally C(aistack_secret_key) from an Ansible Vault file.
    type: string
    required: true
  purpose:
    description: What the secret is for, e.g. C(redis/password). One purpose, one secret.
    type: string
    required: true
  format:
    description: C(hex), C(base64url) (unpadded) or C(alnum) (A-Z, a-z, 0-9).
    type: string
    default: alnum
    choices: [hex, base64url, alnum]
  length:
    description: Number of characters, from 16 to 1024.
    type: int
    default: 32
"""

EXAMPLES = r"""
redis_password: "{{ aistack_secret_key | selfhosted.ai_stack.derive_secret('redis/password') }}"
langfuse_salt: "{{ aistack_secret_key | selfhosted.ai_stack.derive_secret('langfuse/salt', 'hex', 64) }}"
"""

RETURN = r"""
_value:
  description: The derived secret.
  type: string
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.selfhosted.ai_stack.plugins.plugin_utils.secrets import SecretError, derive_secret as _derive


def derive_secret(master_key, purpose, format="alnum", length=32):  # pylint: disable=redefined-builtin
    try:
        return _derive(master_key, purpose, format, length)
    except SecretError as exc:
        raise AnsibleFilterError("derive_secret: %s" % exc)


class FilterModule(object):
    def filters(self):
        return {"derive_secret": derive_secret}
