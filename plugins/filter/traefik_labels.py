# -*- coding: utf-8 -*-
# Copyright: selfhosted.ai_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: traefik_labels
short_description: The Traefik labels for a container's routes
version_added: 0.1.0
description:
  - The one way a role publishes a route through Traefik (roles/traefik/README.md). Each route becomes
    a router on the C(websecure) entrypoint with TLS and the middleware chain of its class
    (C(public) or C(admin), defined by the traefik role), plus optional BasicAuth and extra middlewares.
  - With I(cdn_trusted_ips) every route gets a second router for requests from those addresses, whose
    rate limit is keyed on the client address the CDN forwarded (REQUIREMENTS SEC8, B9).
  - Fails, naming the route and the variable, on a host outside I(domain), an unknown class, a missing
    port, or an auth user without a password.
positional: domain
options:
  _input:
    description:
      - "Routes: C({name, host, port | service, class, path_prefix, middlewares, allowed_ips, auth: {users: [{name, password}], realm}})."
      - C(allowed_ips) limits the route to those addresses/CIDRs (checked before the class's middlewares).
      - C(service) names a Traefik service such as C(api@internal) instead of the container's C(port).
    type: list
    elements: dict
    required: true
  domain:
    description: The stack's domain (C(aistack_domain)); every host must be it or under it.
    type: string
    required: true
  network:
    description: The Docker network Traefik reaches the container on.
    type: string
    default: aistack
  cdn_trusted_ips:
    description: Addresses/CIDRs of the CDN or WAF in front of Traefik (C(aistack_cdn_trusted_ips)).
    type: list
    elements: string
    default: []
  salt_key:
    description: Key the bcrypt salts of BasicAuth users are derived from (C(aistack_secret_key)); required with auth.
    type: string
  variable:
    description: The variable the routes come from, used in error messages.
    type: string
    default: routes
  problems:
    description:
      - Return the list of problems instead of the labels (empty when every route passes). The labels
        hold BasicAuth hashes, so a role builds them with C(no_log); this tells the operator why a
        route was refused without printing them. No message quotes a password.
    type: bool
    default: false
"""

EXAMPLES = r"""
# In a role's service template:
labels: "{{ myapp_routes | selfhosted.ai_stack.traefik_labels(aistack_domain, salt_key=aistack_secret_key,
             cdn_trusted_ips=aistack_cdn_trusted_ips | default([]), variable='myapp_routes') }}"
# with, in the role's defaults:
myapp_routes:
  - name: myapp
    host: "myapp.{{ aistack_domain }}"
    port: 8080
    class: public
"""

RETURN = r"""
_value:
  description: Label name to value, ready for a Compose service's C(labels); with I(problems) the list of problems.
  type: raw
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.selfhosted.ai_stack.plugins.filter.htpasswd import htpasswd
from ansible_collections.selfhosted.ai_stack.plugins.plugin_utils.traefik_routes import RouteError, route_labels


def traefik_labels(routes, domain, network="aistack", cdn_trusted_ips=None, salt_key=None, variable="routes", problems=False):
    def hasher(password, user):
        if salt_key is None:
            raise RouteError("%s: routes with auth need salt_key=aistack_secret_key" % variable)
        return htpasswd(password, user, salt_key)

    try:
        labels = route_labels(routes, domain, network, hasher, cdn_trusted_ips or [], variable)
    except RouteError as exc:
        if problems:
            return [str(exc)]
        raise AnsibleFilterError(str(exc))
    return [] if problems else labels


class FilterModule(object):
    def filters(self):
        return {"traefik_labels": traefik_labels}
