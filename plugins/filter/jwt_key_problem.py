# -*- coding: utf-8 -*-
# Copyright: selfhosted.ai_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: jwt_key_problem
short_description: Why a JWT cannot serve as the API key of a role
version_added: 0.1.0
description:
  - Returns an empty string when the token is an HS256 JWT signed with I(secret), whose C(role)
    claim is I(role) and whose C(exp) lies after I(now); otherwise why not.
  - Upstream's demo keys are refused whatever they claim, by their issuer C(supabase-demo) or by
    their signature with the JWT secret printed in Supabase's C(.env.example).
positional: secret, role, now
options:
  _input:
    description: The key given in the inventory, for example C(supabase_anon_key).
    type: string
    required: true
  secret:
    description: The JWT secret in use, C(supabase_jwt_secret).
    type: string
    required: true
  role:
    description: The role the key must carry, C(anon) or C(service_role).
    type: string
    required: true
  now:
    description: The time to check the expiry against, in seconds since 1970.
    type: int
    required: true
"""

EXAMPLES = r"""
- name: Check a key given in the inventory
  ansible.builtin.assert:
    that: supabase_anon_key | selfhosted.ai_stack.jwt_key_problem(supabase_jwt_secret, 'anon', now(utc=true).timestamp() | int) == ''
"""

RETURN = r"""
_value:
  description: The problem, or an empty string.
  type: string
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.selfhosted.ai_stack.plugins.plugin_utils.jwt_hs256 import JwtError, check_secret, key_problem


def jwt_key_problem(token, secret, role, now):
    try:
        check_secret(secret)
    except JwtError as exc:
        raise AnsibleFilterError("jwt_key_problem: %s" % exc)
    if isinstance(now, bool) or not isinstance(now, int):
        raise AnsibleFilterError("jwt_key_problem: now must be a whole number of seconds since 1970, got %r" % (now,))
    return key_problem(token, secret, role, now)


class FilterModule(object):
    def filters(self):
        return {"jwt_key_problem": jwt_key_problem}
