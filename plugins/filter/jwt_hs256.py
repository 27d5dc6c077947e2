# -*- coding: utf-8 -*-
# Copyright: selfhosted.ai_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: jwt_hs256
short_description: Sign claims as an HS256 JSON Web Token
version_added: 0.1.0
description:
  - Returns the compact JWT (header C({"alg":"HS256","typ":"JWT"})) of the claims, signed with I(secret).
  - The claims are written with sorted keys and no spaces, so the same claims and secret always give
    the same token and a re-run changes nothing. Supabase's C(anon) and C(service_role) API keys are
    made this way from C(supabase_jwt_secret).
  - Fails when the secret is shorter than 32 characters or is the one printed in Supabase's
    C(.env.example), or when C(iat)/C(exp) are not whole numbers with C(exp) later than C(iat).
positional: secret
options:
  _input:
    description: The claims, for example C({role, iss, iat, exp}).
    type: dict
    required: true
  secret:
    description: The HMAC-SHA256 key, normally C(supabase_jwt_secret).
    type: string
    required: true
"""

EXAMPLES = r"""
supabase_anon_key: >-
  {{ {'role': 'anon', 'iss': 'supabase', 'iat': supabase_api_keys_issued_at,
      'exp': supabase_api_keys_expire_at} | selfhosted.ai_stack.jwt_hs256(supabase_jwt_secret) }}
"""

RETURN = r"""
_value:
  description: The token, three base64url parts separated by dots.
  type: string
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.selfhosted.ai_stack.plugins.plugin_utils.jwt_hs256 import JwtError, sign


def jwt_hs256(claims, secret):
    try:
        return sign(claims, secret)
    except JwtError as exc:
        raise AnsibleFilterError("jwt_hs256: %s" % exc)


class FilterModule(object):
    def filters(self):
        return {"jwt_hs256": jwt_hs256}
