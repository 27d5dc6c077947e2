# -*- coding: utf-8 -*-
# Copyright: selfhosted.ai_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Turns `docker inspect` data of the stack's containers into a health report."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"
HEALTH_OUTPUT_LIMIT = 2000


def summarize_container(attrs):
    """One container's status from its inspect data (the `attrs` of a docker SDK container)."""
    config = attrs.get("Config") or {}
    labels = config.get("Labels") or {}
    state = attrs.get("State") or {}
    health = state.get("Health") or {}
    status = health.get("Status") or ("none" if state.get("Running") else "stopped")
    summary = {
        "name": (attrs.get("Name") or "").lstrip("/"),
        "project": labels.get(PROJECT_LABEL),
        "service": labels.get(SERVICE_LABEL),
        "image": config.get("Image"),
        "state": state.get("Status"),
        "health": status,
        "restarts": attrs.get("RestartCount", 0),
        "exit_code": state.get("ExitCode"),
        "last_health_output": None,
    }
    log = health.get("Log") or []
    if status != "healthy" and log:
        summary["last_health_output"] = (log[-1].get("Output") or "").strip()[-HEALTH_OUTPUT_LIMIT:]
    return summary


def is_healthy(summary):
    """Running and healthy; a container without a healthcheck counts only while it runs."""
    if summary["state"] != "running":
        return False
    return summary["health"] in ("healthy", "none")


def describe_problems(summaries):
    """Human-readable lines for every container that is not healthy."""
    lines = []
    for item in summaries:
        if is_healthy(item):
            continue
        line = "%s (service %s of %s): state %s, health %s, %d restarts" % (
            item["name"], item["service"], item["project"], item["state"], item["health"], item["restarts"])
        if item["last_health_output"]:
            line += "; last healthcheck said: %s" % item["last_health_output"]
        elif item["state"] == "exited":
            line += "; exit code %s (see docker logs %s)" % (item["exit_code"], item["name"])
        lines.append(line)
    return lines
