# -*- coding: utf-8 -*-
# Copyright: selfhosted.ai_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks of a role's settings by the kind their name says they are (DESIGN.md "validate").

Every user-facing variable of a role is named for what it holds: `_port`, `_memory_mb`, `_cpus`,
`_path`/`_directory`, `_share`, `_container_image`, `_registry_prefix`, `_network_name`, `_domain`.
One check per kind, applied
to every role in its validation phase, refuses a whole class of bad input before any host changes,
and every string anywhere in a setting is checked for what could break out of the config file, shell
command or YAML document it is written into. Messages name the variable and never echo its value
(it may be a secret).
"""

from __future__ import annotations

import posixpath
import re

from ansible_collections.selfhosted.ai_stack.plugins.plugin_utils.compose import image_is_pinned

# What a value could use to add a line, a command or an interpolation where it is written:
# control characters (a newline adds a line to a config file), quotes and backslashes (end a quoted
# value), `;` and backticks (a second shell command), `$` (Compose, shell and env interpolation).
_BREAKOUT = (
    (re.compile(r"[\x00-\x1f\x7f]"), "a line break or control character"),
    (re.compile(r"[\"'\\]"), "a quote or backslash"),
    (re.compile(r"[;`]"), "a ; or backtick"),
    (re.compile(r"\$"), "a $ (interpolation)"),
)
# A host path Compose bind-mounts (`host:container:ro`): a : splits it, a space breaks the lines it is in.
_NOT_IN_A_MOUNT = re.compile(r"[\s:]")
_NETWORK_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$")
_DOMAIN = re.compile(r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$")
_REGISTRY_PREFIX = re.compile(r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?(/[a-z0-9]+([._-][a-z0-9]+)*)*/$")
_PORT_MAX = 65535


def _strings(value, where):
    """Every string inside `value`, with where it sits (name[0].key)."""
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(str(key), "%s key" % where)
            yield from _strings(item, "%s.%s" % (where, key))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _strings(item, "%s[%d]" % (where, index))


def _number(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _check_breakout(name, value):
    for where, text in _strings(value, name):
        for pattern, what in _BREAKOUT:
            if pattern.search(text):
                return ["%s contains %s, which could break out of the file or command it is written into: "
                        "remove it" % (where, what)]
    return []


def _check_port(name, value, host):  # pylint: disable=unused-argument
    number = _number(value)
    if number is None or number != int(number) or not 1 <= number <= _PORT_MAX:
        return ["%s must be a port number from 1 to %d" % (name, _PORT_MAX)]
    return []


def _check_memory(name, value, host):
    memtotal_mb = host.get("memtotal_mb")
    number = _number(value)
    if number is None or number < 0:
        return ["%s must be a number of MiB, 0 or more" % name]
    if memtotal_mb and number > memtotal_mb:
        return ["%s is %d MiB, more than this host's memory (%d MiB): lower it" % (name, number, memtotal_mb)]
    return []


def _check_cpus(name, value, host):
    vcpus = host.get("vcpus")
    number = _number(value)
    if number is None or number <= 0:
        return ["%s must be a positive number of CPUs" % name]
    if vcpus and number > vcpus:
        return ["%s is %s, more than this host's %d CPUs (Docker refuses it): lower it" % (name, value, vcpus)]
    return []


def _check_share(name, value, host):  # pylint: disable=unused-argument
    number = _number(value)
    if number is None or not 0 < number <= 1:
        return ["%s is a share of the host: a number above 0 and at most 1 (1 = 100 %%)" % name]
    return []


def _check_path(name, value, host):  # pylint: disable=unused-argument
    if not isinstance(value, str) or not value.startswith("/"):
        return ["%s must be an absolute path (starting with /)" % name]
    if value == "/":
        return ["%s must not be / itself: name a directory of its own, e.g. /opt/aistack" % name]
    if posixpath.normpath(value) != value.rstrip("/"):
        return ["%s must be a plain absolute path, without //, /./ or /../" % name]
    return []


def _check_mounted_path(name, value, host):
    """A host path a container bind-mounts (a socket): a plain absolute path that the mount can hold."""
    problems = _check_path(name, value, host)
    if not problems and _NOT_IN_A_MOUNT.search(value):
        return ["%s must not contain a space or : (a bind mount's host path ends at the first :)" % name]
    return problems


def _check_image(name, value, host):  # pylint: disable=unused-argument
    if not isinstance(value, str) or not image_is_pinned(value):
        return ["%s must be a pinned image, repository:tag (not latest) or repository@sha256:digest" % name]
    return []


def _check_registry_prefix(name, value, host):  # pylint: disable=unused-argument
    if value in (None, ""):
        return []
    if not isinstance(value, str) or not _REGISTRY_PREFIX.match(value):
        return ["%s must be empty or a registry path ending in /, e.g. registry.example.com/mirror/" % name]
    return []


def _check_network_name(name, value, host):  # pylint: disable=unused-argument
    if not isinstance(value, str) or not _NETWORK_NAME.match(value):
        return ["%s must be a Docker network name: a letter or digit, then letters, digits, _ . -" % name]
    return []


def _check_domain(name, value, host):  # pylint: disable=unused-argument
    if value in (None, ""):
        return []
    if not isinstance(value, str) or not _DOMAIN.match(value):
        return ["%s must be a lower-case DNS name such as ai.example.com, without scheme, port or trailing dot" % name]
    return []


# (suffix, check); the first suffix that a name ends with decides.
_BY_SUFFIX = (
    ("_port", _check_port),
    ("_mb", _check_memory),
    ("_cpus", _check_cpus),
    ("_share", _check_share),
    ("_path", _check_path),
    ("_directory", _check_path),
    ("_socket", _check_mounted_path),
    ("_container_image", _check_image),
    ("_registry_prefix", _check_registry_prefix),
    ("_network_name", _check_network_name),
    ("_domain", _check_domain),
)


def settings_problems(settings, memtotal_mb=None, vcpus=None):
    """Every problem of `settings` (variable name -> value), as messages that name the variable."""
    host = {"memtotal_mb": _number(memtotal_mb), "vcpus": _number(vcpus)}
    problems = []
    for name in sorted(settings):
        value = settings[name]
        problems.extend(_check_breakout(name, value))
        for suffix, check in _BY_SUFFIX:
            if name.endswith(suffix):
                problems.extend(check(name, value, host))
                break
    return problems
