# -*- coding: utf-8 -*-
# Copyright: selfhosted.ai_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Turns route declarations into the Docker labels Traefik reads (roles/traefik/README.md).

Every role publishes its routes through this one function, so entrypoint, TLS, the middleware
chain of the route's class, BasicAuth and the CDN split are the same everywhere."""

from __future__ import annotations

import ipaddress
import re

ROUTE_CLASSES = ("public", "admin")
ENTRYPOINT = "websecure"

_NAME_RE = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
_HOST_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")
_MIDDLEWARE_RE = re.compile(r"^[A-Za-z0-9_-]+(@[a-z0-9_-]+)?$")
_SERVICE_RE = re.compile(r"^[A-Za-z0-9_-]+@[a-z0-9_-]+$")
_PATH_RE = re.compile(r"^/[A-Za-z0-9._~/-]*$")


class RouteError(ValueError):
    """A route declaration Traefik must not get; the message names the variable and the fix."""


def check_domain(domain):
    if not isinstance(domain, str) or not _HOST_RE.match(domain) or "." not in domain:
        raise RouteError("aistack_domain is %r: set it to the DNS domain the stack is served under, e.g. ai.example.com" % (domain,))
    return domain


def check_ip_ranges(ranges, variable):
    """The list of addresses/CIDRs, normalised; refuses anything ipaddress cannot parse."""
    if not isinstance(ranges, (list, tuple)):
        raise RouteError("%s must be a list of IP addresses or CIDR ranges, got %r" % (variable, ranges))
    normalised = []
    for entry in ranges:
        try:
            normalised.append(str(ipaddress.ip_network(str(entry), strict=False)))
        except ValueError:
            raise RouteError("%s: %r is not an IP address or CIDR range (example: 173.245.48.0/20)" % (variable, entry))
    return normalised


def host_under_domain(host, domain):
    return host == domain or host.endswith("." + domain)


def _label_escape(value):
    # The labels land in compose.yml, where Compose would interpolate "$" (bcrypt hashes are full of them).
    return value.replace("$", "$$")


def _rule(route):
    rule = "Host(`%s`)" % route["host"]
    if route.get("path_prefix"):
        rule += " && PathPrefix(`%s`)" % route["path_prefix"]
    return rule


def check_route(route, where, domain):
    if not isinstance(route, dict):
        raise RouteError("%s must be a mapping with name, host and port, got a %s" % (where, type(route).__name__))
    name = route.get("name")
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise RouteError("%s: name %r must be lower-case letters, digits and '-'" % (where, name))
    where = "%s (%s)" % (where, name)
    host = route.get("host")
    if not isinstance(host, str) or not _HOST_RE.match(host):
        raise RouteError("%s: host %r is not a DNS name" % (where, host))
    if not host_under_domain(host, domain):
        raise RouteError(
            "%s: host %r is not under the domain %r (aistack_domain); use %s.%s or change the domain"
            % (where, host, domain, name, domain)
        )
    route_class = route.get("class", "public")
    if route_class not in ROUTE_CLASSES:
        raise RouteError("%s: class %r is unknown; use one of %s" % (where, route_class, ", ".join(ROUTE_CLASSES)))
    service, port = route.get("service"), route.get("port")
    if service is not None:
        if not isinstance(service, str) or not _SERVICE_RE.match(service):
            raise RouteError("%s: service %r must name a Traefik service with its provider, e.g. api@internal" % (where, service))
    elif isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise RouteError("%s: port %r must be the container's internal port (1-65535)" % (where, port))
    path_prefix = route.get("path_prefix")
    if path_prefix is not None and (not isinstance(path_prefix, str) or not _PATH_RE.match(path_prefix)):
        raise RouteError("%s: path_prefix %r must start with / and contain no spaces or quotes" % (where, path_prefix))
    middlewares = route.get("middlewares", [])
    if not isinstance(middlewares, list) or not all(isinstance(m, str) and _MIDDLEWARE_RE.match(m) for m in middlewares):
        raise RouteError("%s: middlewares must be a list of middleware names such as my-headers@file, got %r" % (where, middlewares))
    allowed = route.get("allowed_ips")
    if allowed is not None:
        route["allowed_ips"] = check_ip_ranges(allowed, "%s: allowed_ips" % where)
        if not route["allowed_ips"]:
            raise RouteError("%s: allowed_ips is empty; leave it out for no allow-list" % where)
    auth = route.get("auth")
    if auth is not None:
        users = auth.get("users") if isinstance(auth, dict) else None
        if not isinstance(users, list) or not users:
            raise RouteError("%s: auth needs users: [{name, password}]" % where)
        for user in users:
            if not isinstance(user, dict) or not isinstance(user.get("name"), str) or not user["name"] or ":" in user["name"]:
                raise RouteError("%s: every auth user needs a name without ':', got %r"
                                 % (where, user.get("name") if isinstance(user, dict) else type(user).__name__))
            if not isinstance(user.get("password"), str) or not user["password"]:
                raise RouteError(
                    "%s: auth user %r has no password; set one or derive it with selfhosted.ai_stack.derive_secret"
                    % (where, user["name"])
                )
    return route_class


def route_labels(routes, domain, network, hasher, cdn_trusted_ips, variable):
    """Docker labels for every route of one container.

    hasher(password, user) returns an htpasswd line; cdn_trusted_ips, when set, adds for every
    route a second router that matches only requests from the CDN and keys the rate limit on the
    client address the CDN forwarded (Traefik drops forwarded headers from anyone else).
    """
    if isinstance(routes, list) and not routes:
        return {}
    domain = check_domain(domain)
    trusted = check_ip_ranges(cdn_trusted_ips or [], "aistack_cdn_trusted_ips")
    if not isinstance(routes, list):
        raise RouteError("%s must be a list of routes, got a %s" % (variable, type(routes).__name__))
    labels = {}
    if routes:
        labels["traefik.enable"] = "true"
        labels["traefik.docker.network"] = network
    seen = set()
    for index, route in enumerate(routes):
        route = dict(route) if isinstance(route, dict) else route  # check_route normalises; the caller's data stays
        route_class = check_route(route, "%s[%d]" % (variable, index), domain)
        name = route["name"]
        if name in seen:
            raise RouteError("%s: two routes are named %r; names are global in Traefik" % (variable, name))
        seen.add(name)

        extra = list(route.get("middlewares", []))
        if route.get("auth"):
            users = ",".join(hasher(user["password"], user["name"]) for user in route["auth"]["users"])
            labels["traefik.http.middlewares.%s-auth.basicauth.users" % name] = _label_escape(users)
            labels["traefik.http.middlewares.%s-auth.basicauth.realm" % name] = route["auth"].get("realm", name)
            extra.append("%s-auth" % name)

        if route.get("service"):
            service = route["service"]
        else:
            service = name
            labels["traefik.http.services.%s.loadbalancer.server.port" % name] = str(route["port"])

        routers = [(name, _rule(route), "")]
        if trusted:
            from_cdn = " || ".join("ClientIP(`%s`)" % cidr for cidr in trusted)
            # The longer rule wins Traefik's default priority, so CDN traffic always takes this router.
            routers.append(("%s-cdn" % name, "(%s) && (%s)" % (_rule(route), from_cdn), "-cdn"))
        for router, rule, suffix in routers:
            first = []
            if route.get("allowed_ips"):
                allow = "traefik.http.middlewares.%s-allow%s.ipallowlist" % (name, suffix)
                labels[allow + ".sourcerange"] = ",".join(route["allowed_ips"])
                if suffix:  # behind the CDN the client is the address it forwarded
                    labels[allow + ".ipstrategy.depth"] = "1"
                first.append("%s-allow%s" % (name, suffix))
            prefix = "traefik.http.routers.%s" % router
            labels[prefix + ".rule"] = rule
            labels[prefix + ".entrypoints"] = ENTRYPOINT
            labels[prefix + ".tls"] = "true"
            labels[prefix + ".service"] = service
            labels[prefix + ".middlewares"] = ",".join(first + ["%s%s@file" % (route_class, suffix)] + extra)
    return labels
