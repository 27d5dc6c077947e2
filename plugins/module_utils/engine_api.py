# -*- coding: utf-8 -*-
# Copyright: selfhosted.ai_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Read-only GETs to the Docker Engine API over its unix socket, with the standard library only.

The Docker SDK takes longer to import than these reads take (issue 11: every module call of an
unchanged re-run counts), and the CLI starts a process per read.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import socket

from ansible_collections.selfhosted.ai_stack.plugins.module_utils.stack_health import PROJECT_LABEL

try:
    from http.client import HTTPConnection
    from urllib.parse import quote
except ImportError:  # pragma: no cover - Python 2 has no place on a target of this collection
    HTTPConnection = object
    quote = None


class EngineUnavailable(Exception):
    """The socket is missing or the Engine does not answer."""


class _UnixConnection(HTTPConnection):
    def __init__(self, socket_path, timeout):
        HTTPConnection.__init__(self, "localhost", timeout=timeout)
        self.socket_path = socket_path

    def connect(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self.socket_path)
        self.sock = sock


def socket_path(docker_host):
    """The filesystem path of a unix:// docker host, or None for any other scheme."""
    prefix = "unix://"
    return docker_host[len(prefix):] if docker_host.startswith(prefix) else None


class EngineClient(object):
    def __init__(self, path, timeout=10):
        self.path = path
        self.timeout = timeout

    def get(self, url):
        """(status, decoded JSON or None) of GET `url`; raises EngineUnavailable when nothing answers."""
        connection = _UnixConnection(self.path, self.timeout)
        try:
            connection.request("GET", url)
            response = connection.getresponse()
            body = response.read()
        except (OSError, IOError) as exc:
            raise EngineUnavailable(str(exc))
        finally:
            connection.close()
        if response.status != 200:
            return response.status, None
        return response.status, json.loads(body.decode("utf-8"))

    def project_containers(self, project):
        filters = json.dumps({"label": ["%s=%s" % (PROJECT_LABEL, project)]})
        return self.get("/containers/json?all=1&filters=%s" % quote(filters, safe=""))[1] or []

    def image(self, reference):
        """The image's inspect document, None when the Engine has no such image."""
        return self.get("/images/%s/json" % quote(reference, safe="/:@"))[1]

    def image_id(self, reference):
        data = self.image(reference)
        return data.get("Id") if data else None

    def network_exists(self, name):
        return self.get("/networks/%s" % quote(name, safe=""))[0] == 200
