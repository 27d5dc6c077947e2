# -*- coding: utf-8 -*-
# Copyright: selfhosted.ai_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A client for the RAG API's document endpoints (services/rag_api/README.md).

The API stores each document under its id with the sha256 of the bytes it was given, so whether a
file must be sent again is one GET: the same hash means nothing to do.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import os
import socket
import uuid

from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError
from ansible.module_utils.six.moves.urllib.parse import quote
from ansible.module_utils.urls import open_url

USER_AGENT = "selfhosted.ai_stack-rag_document/1"

# The options of selfhosted.ai_stack.rag_document, shared by the module and its action plugin.
ARGUMENT_SPEC = dict(
    url=dict(type="str", required=True),
    api_key=dict(type="str", required=True, no_log=True),
    path=dict(type="path"),
    document_id=dict(type="str"),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    timeout=dict(type="int", default=600),
    validate_certs=dict(type="bool", default=True),
    ca_path=dict(type="path"),
)


class ParameterError(ValueError):
    """The task's parameters cannot work; nothing was called."""


class RagApiError(Exception):
    def __init__(self, message, status=None):
        super(RagApiError, self).__init__(message)
        self.status = status


def file_sha256(path, block=1024 * 1024):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(block), b""):
            digest.update(chunk)
    return digest.hexdigest()


def multipart(fields, file_field, filename, content):
    """A multipart/form-data body of text fields and one file, its bytes as they are (no transfer encoding)."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields:
        parts.append(('--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n' % (boundary, name)).encode("utf-8")
                     + value.encode("utf-8") + b"\r\n")
    quoted = filename.replace("\\", "\\\\").replace('"', '\\"')
    parts.append(('--%s\r\nContent-Disposition: form-data; name="%s"; filename="%s"\r\n'
                  'Content-Type: application/octet-stream\r\n\r\n' % (boundary, file_field, quoted)).encode("utf-8")
                 + content + b"\r\n")
    parts.append(("--%s--\r\n" % boundary).encode("utf-8"))
    return "multipart/form-data; boundary=%s" % boundary, b"".join(parts)


def _detail(error):
    try:
        body = json.loads(error.read().decode("utf-8", "replace"))
        detail = body.get("detail", body) if isinstance(body, dict) else body
    except Exception:  # noqa: BLE001 - any unreadable body: the status line says enough
        detail = error.reason
    return "%s %s" % (error.code, detail)


class RagApiClient(object):
    def __init__(self, url, api_key, timeout, validate_certs, ca_path=None, opener=None):
        self.url = url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout
        self.validate_certs = validate_certs
        self.ca_path = ca_path
        self.opener = opener or open_url

    def _call(self, method, path, data=None, content_type=None):
        headers = {"X-API-Key": self.api_key}
        if content_type:
            headers["Content-Type"] = content_type
        try:
            response = self.opener(self.url + path, data=data, method=method, headers=headers, http_agent=USER_AGENT,
                                   timeout=self.timeout, validate_certs=self.validate_certs, ca_path=self.ca_path)
            return json.loads(response.read().decode("utf-8") or "{}")
        except HTTPError as error:
            raise RagApiError("%s %s: %s" % (method, self.url + path, _detail(error)), status=error.code)
        except (URLError, socket.timeout, socket.error, ConnectionError) as error:
            raise RagApiError("cannot reach the RAG API at %s: %s" % (self.url, getattr(error, "reason", error)))

    @staticmethod
    def _path(document_id):
        return "/documents/" + quote(document_id, safe="")

    def document(self, document_id):
        """The stored document ({id, content_hash, chunk_count, ...}) or None."""
        try:
            return self._call("GET", self._path(document_id))
        except RagApiError as error:
            if error.status == 404:
                return None
            raise

    def index_file(self, path, document_id):
        with open(path, "rb") as handle:
            content = handle.read()
        content_type, body = multipart([("document_id", document_id)], "file", os.path.basename(path), content)
        return self._call("POST", "/index-document", data=body, content_type=content_type)

    def delete(self, document_id):
        return self._call("DELETE", self._path(document_id))


def client_from_params(params):
    return RagApiClient(params["url"], params["api_key"], timeout=params["timeout"],
                        validate_certs=params["validate_certs"], ca_path=params["ca_path"])


def ensure_present(client, path, document_id, check_mode):
    digest = file_sha256(path)
    stored = client.document(document_id)
    before = stored.get("content_hash") if stored else None
    result = {"document_id": document_id, "content_hash": digest,
              "diff": {"before": {"content_hash": before}, "after": {"content_hash": digest}}}
    if before == digest:
        return dict(result, changed=False, status="unchanged", chunks=stored.get("chunk_count"))
    if check_mode:
        return dict(result, changed=True, status="would be indexed")
    answer = client.index_file(path, document_id)
    return dict(result, changed=answer.get("status") != "unchanged", status=answer.get("status"),
                chunks=answer.get("chunks"))


def ensure_absent(client, document_id, check_mode):
    stored = client.document(document_id)
    result = {"document_id": document_id,
              "diff": {"before": {"present": stored is not None}, "after": {"present": False}}}
    if stored is None:
        return dict(result, changed=False, status="absent")
    if not check_mode:
        client.delete(document_id)
    return dict(result, changed=True, status="would be deleted" if check_mode else "deleted")


def apply(client, params, check_mode):
    """The rag_document task's result; ParameterError before any call, RagApiError from the API."""
    if params["state"] == "present":
        path = params["path"]
        if not path:
            raise ParameterError("path is required with state=present")
        if not os.path.isfile(path):
            raise ParameterError("%s is not a file" % path)
        return ensure_present(client, path, params["document_id"] or os.path.basename(path), check_mode)
    if not params["document_id"]:
        raise ParameterError("document_id is required with state=absent")
    return ensure_absent(client, params["document_id"], check_mode)


def run_task(params, check_mode, diff, client=None):
    """apply() as a task result: failed with a message instead of an exception."""
    try:
        result = apply(client or client_from_params(params), params, check_mode)
    except ParameterError as error:
        return {"failed": True, "msg": str(error)}
    except RagApiError as error:
        return {"failed": True, "msg": str(error), "http_status": error.status}
    except (IOError, OSError) as error:
        return {"failed": True, "msg": "cannot read %s: %s" % (params["path"], error)}
    if not diff:
        result.pop("diff")
    return result
