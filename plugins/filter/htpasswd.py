# -*- coding: utf-8 -*-
# Copyright: selfhosted.ai_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: htpasswd
short_description: A deterministic bcrypt htpasswd line
version_added: 0.1.0
description:
  - Returns C(user:$2y$...) for Traefik BasicAuth and other htpasswd consumers.
  - The bcrypt salt is derived from I(salt_key) and the user name, so the same input always gives the
    same line and a re-run does not recreate the container that carries it.
requirements:
  - passlib and bcrypt on the controller
positional: user, salt_key
options:
  _input:
    description: The clear-text password.
    type: string
    required: true
  user:
    description: The user name; must not contain C(:).
    type: string
    required: true
  salt_key:
    description: The key the salt is derived from, normally C(aistack_secret_key).
    type: string
    required: true
  rounds:
    description: bcrypt cost factor (4 to 16).
    type: int
    default: 12
"""

EXAMPLES = r"""
traefik_dashboard_htpasswd: "{{ traefik_dashboard_password | selfhosted.ai_stack.htpasswd('admin', aistack_secret_key) }}"
"""

RETURN = r"""
_value:
  description: C(user:bcrypt-hash).
  type: string
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.selfhosted.ai_stack.plugins.plugin_utils.secrets import SecretError, bcrypt_salt

try:
    from passlib.hash import bcrypt as _bcrypt
except ImportError:  # reported when the filter is used
    _bcrypt = None


def htpasswd(password, user, salt_key, rounds=12):
    if _bcrypt is None:
        raise AnsibleFilterError("htpasswd: passlib and bcrypt are required on the controller (pip install -r requirements.txt)")
    if not isinstance(password, str) or password == "":
        raise AnsibleFilterError("htpasswd: the password for user %r is empty; set one or derive it with derive_secret" % (user,))
    if not isinstance(user, str) or not user or ":" in user:
        raise AnsibleFilterError("htpasswd: the user name must be a non-empty string without ':', got %r" % (user,))
    if isinstance(rounds, bool) or not isinstance(rounds, int) or not 4 <= rounds <= 16:
        raise AnsibleFilterError("htpasswd: rounds must be a whole number from 4 to 16, got %r" % (rounds,))
    try:
        salt = bcrypt_salt(salt_key, "htpasswd-salt/" + user)
    except SecretError as exc:
        raise AnsibleFilterError("htpasswd: %s" % exc)
    return "%s:%s" % (user, _bcrypt.using(salt=salt, rounds=rounds, ident="2y").hash(password))


class FilterModule(object):
    def filters(self):
        return {"htpasswd": htpasswd}
