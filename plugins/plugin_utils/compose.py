# -*- coding: utf-8 -*-
# Copyright: selfhosted.ai_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Builds one component's Compose document with the stack's hardened defaults (DESIGN.md,
"How one component is deployed") and refuses service definitions that break its rules."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping

from ansible_collections.selfhosted.ai_stack.plugins.module_utils.project_paths import bad_path

CONFIG_HASH_LABEL = "org.aistack.config-hash"

# Every service gets these unless the component sets its own value (security_opt is merged, not replaced).
HARDENED_DEFAULTS = {
    "restart": "unless-stopped",
    "logging": {"driver": "json-file", "options": {"max-size": "10m", "max-file": "3"}},
    "security_opt": ["no-new-privileges:true"],
    "cap_drop": ["ALL"],
}

# Every container gets a process limit (a fork bomb or a thread leak stays inside it); a component that
# needs more threads (ClickHouse) sets its own deploy.resources.limits.pids.
DEFAULT_PIDS_LIMIT = 1024
# Docker Engine without Swarm does not enforce deploy.resources.reservations.cpus; CPU shares are what
# it enforces (a relative weight under contention, 1024 = one CPU's worth).
CPU_SHARES_PER_CPU = 1024

_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
# A Compose duration of one unit: 2s, 500ms, 1m.
_DURATION_RE = re.compile(r"[1-9][0-9]*(ms|s|m)")
_TAG_RE = re.compile(r"^(?P<repo>[^@]+?)(?::(?P<tag>[\w][\w.-]{0,127}))?(?:@(?P<digest>sha256:[0-9a-f]{64}))?$")


class ComposeError(ValueError):
    """A service definition the stack refuses; the message names the project, service and fix."""


def image_is_pinned(image):
    """True for `repo:tag` with a tag other than latest, or for any `@sha256:` digest."""
    if not isinstance(image, str) or not image:
        return False
    match = _TAG_RE.match(image)
    if not match:
        return False
    if match.group("digest"):
        return True
    # "registry:5000/repo" has no tag: a tag cannot contain "/", so the port is part of the repository.
    tag = match.group("tag")
    return tag is not None and tag != "latest"


def plain_copy(value):
    """A copy made of plain dicts and lists. copy.deepcopy of ansible-core 2.19's lazy template
    containers copies their whole template context: seconds per component instead of microseconds."""
    if isinstance(value, Mapping):
        return dict((key, plain_copy(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [plain_copy(item) for item in value]
    return value


def _check_service(project, name, service, publish):
    where = "compose project %r, service %r" % (project, name)
    if not _NAME_RE.match(name):
        raise ComposeError("%s: service names use lower-case letters, digits, '-' and '_'" % where)
    if not isinstance(service, dict):
        raise ComposeError("%s: a service definition must be a mapping" % where)
    if not image_is_pinned(service.get("image")):
        raise ComposeError(
            "%s: image %r is not pinned; set the role's *_container_image to repository:tag "
            "(not latest) or repository@sha256:digest" % (where, service.get("image"))
        )
    healthcheck = service.get("healthcheck")
    test = healthcheck.get("test") if isinstance(healthcheck, dict) else None
    # ["NONE"] (or the string "NONE") is Compose's way to switch the image's healthcheck off.
    if not test or healthcheck.get("disable") or test in ("NONE", ["NONE"]):
        raise ComposeError("%s has no healthcheck: every container needs one (REQUIREMENTS REL2)" % where)
    resources = (service.get("deploy") or {}).get("resources") or {}
    limits = resources.get("limits") or {}
    reservations = resources.get("reservations") or {}
    if not limits.get("cpus") or not limits.get("memory") or not reservations.get("memory"):
        raise ComposeError(
            "%s: deploy.resources needs limits.cpus, limits.memory and reservations.memory "
            "(REQUIREMENTS REL5); set them from the role's *_resources variables" % where
        )
    if "container_name" in service:
        raise ComposeError("%s: container_name breaks replicas and Swarm; remove it" % where)
    if service.get("ports") and name not in publish:
        raise ComposeError(
            "%s publishes ports %s: only Traefik publishes host ports (REQUIREMENTS B7); "
            "reach the service through the internal network or a Traefik route" % (where, service["ports"])
        )
    if service.get("network_mode") == "host":
        raise ComposeError(
            "%s: network_mode host would let the service listen on the host's ports (REQUIREMENTS B7); "
            "use the stack network or network_mode none" % where)
    if service.get("privileged"):
        raise ComposeError("%s: privileged containers are not allowed" % where)


def _cpu_reservation_as_shares(where, service):
    """Replace deploy.resources.reservations.cpus, which the engine ignores, by cpu_shares it enforces."""
    reservations = service["deploy"]["resources"].get("reservations") or {}
    cpus = reservations.pop("cpus", None)
    if cpus is None:
        return
    try:
        shares = int(round(float(cpus) * CPU_SHARES_PER_CPU))
    except (TypeError, ValueError):
        raise ComposeError("%s: deploy.resources.reservations.cpus %r is not a number of CPUs" % (where, cpus))
    service.setdefault("cpu_shares", max(2, shares))


def config_hash(contents):
    """A short hash over the component's rendered config files, in order."""
    digest = hashlib.sha256()
    for content in contents:
        data = content.encode("utf-8") if isinstance(content, str) else bytes(content)
        digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()[:16]


def _mounted_sources(service):
    """The project-relative paths ("./x") a service bind-mounts, without the leading ./ or a trailing /."""
    sources = []
    for volume in service.get("volumes") or []:
        source = volume.get("source", "") if isinstance(volume, dict) else str(volume).split(":", 1)[0]
        if source.startswith("./"):
            sources.append(source[2:].rstrip("/") or ".")
    return sources


def service_config_hash(service, files):
    """Hash of the files one service mounts; plain strings in `files` count for every service."""
    contents = []
    sources = _mounted_sources(service)
    for entry in files:
        if not isinstance(entry, dict):
            contents.append(entry)
            continue
        path = entry["path"]  # check_files made sure of path and content
        if any(src == "." or path == src or path.startswith(src + "/") for src in sources):
            contents.append(path)
            contents.append(entry["content"])
    return config_hash(contents)


def check_files(project, files):
    """Each rendered file needs a relative `path` inside the project directory and a `content`."""
    for entry in files:
        if not isinstance(entry, Mapping):
            continue
        path = entry.get("path")
        why = bad_path(path) if isinstance(path, str) else "is not a string"
        if why:
            raise ComposeError(
                "compose project %r: every file needs a relative `path` inside the project directory "
                "(offending path: %r %s)" % (project, path, why))
        if "content" not in entry:
            raise ComposeError("compose project %r: file %s has no `content`" % (project, path))


def compose_document(project, services, network, volumes=None, publish=None, file_contents=None, start_interval=None):
    """Return the Compose document for one component.

    project: the Compose project name (the component), services: name -> service mapping,
    network: the external network every service joins unless it names its own; any other network
    a service names becomes an internal network of the project,
    volumes: named volumes of the project (kept on uninstall), publish: services allowed host ports,
    file_contents: the rendered config files, each {path, content} (or a bare content string that
    counts for every service); a hash of the files a service bind-mounts (./path or a directory
    above it) becomes its label, so a changed file recreates the containers that mount it and
    nothing else.
    start_interval: how often a starting container's healthcheck runs during its start_period (Compose
    `healthcheck.start_interval`, Docker Engine 25+), for every healthcheck that does not set its own;
    without it the first check waits a full `interval`, and so does every deployment that waits for
    healthy containers. None or "" leaves healthchecks as they are.
    """
    if not isinstance(project, str) or not _NAME_RE.match(project):
        raise ComposeError("compose project name %r: use lower-case letters, digits, '-' and '_'" % (project,))
    if not isinstance(services, dict) or not services:
        raise ComposeError("compose project %r has no services" % project)
    publish = list(publish or [])
    volumes = list(volumes or [])
    check_files(project, file_contents or [])
    if start_interval and not (isinstance(start_interval, str) and _DURATION_RE.fullmatch(start_interval)):
        raise ComposeError("compose project %r: the healthcheck start interval %r is not a duration such as 2s or "
                           "500ms" % (project, start_interval))

    rendered = {}
    for name in sorted(services):
        service = plain_copy(services[name])
        _check_service(project, name, service, publish)
        out = plain_copy(HARDENED_DEFAULTS)
        for key, value in service.items():
            if key == "security_opt":
                out[key] = list(dict.fromkeys(HARDENED_DEFAULTS["security_opt"] + list(value)))
            else:
                out[key] = value
        if "pids_limit" not in out:  # Compose refuses both pids_limit and limits.pids
            out["deploy"]["resources"]["limits"].setdefault("pids", DEFAULT_PIDS_LIMIT)
        _cpu_reservation_as_shares("compose project %r, service %r" % (project, name), out)
        if start_interval:
            out["healthcheck"] = dict(out["healthcheck"])
            out["healthcheck"].setdefault("start_interval", start_interval)
        if "network_mode" not in out:
            out.setdefault("networks", [network])
        labels = dict(out.get("labels") or {})
        labels[CONFIG_HASH_LABEL] = service_config_hash(service, file_contents or [])
        out["labels"] = labels
        rendered[name] = out

    networks = {network: {"external": True, "name": network}}
    # Any other network a service names is private to the project and has no way out (internal).
    for service in rendered.values():
        for extra in service.get("networks", []):
            if extra != network:
                networks.setdefault(extra, {"internal": True})
    document = {"name": project, "services": rendered, "networks": networks}
    if volumes:
        document["volumes"] = dict((volume, {}) for volume in volumes)
    return document
