# -*- coding: utf-8 -*-
# Copyright: selfhosted.ai_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A small client for the parts of Ollama's HTTP API the collection uses.

Connection failures are retried with backoff; errors that Ollama itself reports (an unknown model,
a failed download) are not, because asking again gives the same answer. A pull streams NDJSON and
can fail mid-stream with HTTP 200: an `error` line is an error whatever the status code said.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import socket
import time

from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError
from ansible.module_utils.urls import open_url


USER_AGENT = "selfhosted.ai_stack-ollama/1"

# The connection options every Ollama module takes (documented in doc_fragments/ollama.py).
OLLAMA_ARGUMENT_SPEC = dict(
    url=dict(type="str", default="http://127.0.0.1:11434"),
    timeout=dict(type="int", default=30),
    retries=dict(type="int", default=3),
    validate_certs=dict(type="bool", default=True),
)


def client_from_params(params):
    return OllamaClient(params["url"], timeout=params["timeout"], validate_certs=params["validate_certs"],
                        retries=params["retries"])


class OllamaError(Exception):
    """Ollama answered, and the answer is an error (not retried)."""

    def __init__(self, message, status=None):
        super(OllamaError, self).__init__(message)
        self.status = status


class OllamaConnectionError(OllamaError):
    """Ollama could not be reached (retried)."""


def normalize_name(name):
    """Ollama lists `nomic-embed-text` as `nomic-embed-text:latest`; compare names in that form."""
    last = name.rsplit("/", 1)[-1]
    return name if ":" in last else name + ":latest"


class OllamaClient(object):
    def __init__(self, url, timeout=30, validate_certs=True, retries=3, backoff=1.0, sleep=time.sleep):
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.validate_certs = validate_certs
        self.retries = retries
        self.backoff = backoff
        self.sleep = sleep
        self.calls = 0

    def _open(self, method, path, body=None, timeout=None):
        data = None if body is None else json.dumps(body).encode("utf-8")
        attempt = 0
        while True:
            attempt += 1
            self.calls += 1
            try:
                return open_url(
                    self.url + path,
                    data=data,
                    method=method,
                    headers={"Content-Type": "application/json"},
                    http_agent=USER_AGENT,
                    timeout=timeout or self.timeout,
                    validate_certs=self.validate_certs,
                )
            except HTTPError as exc:
                raise OllamaError(_error_text(exc), status=exc.code)
            except (URLError, socket.timeout, socket.error, ConnectionError) as exc:
                if attempt > self.retries:
                    raise OllamaConnectionError(
                        "cannot reach Ollama at %s after %d attempts: %s" % (self.url, attempt, _reason(exc)))
                self.sleep(self.backoff * 2 ** (attempt - 1))

    def _json(self, method, path, body=None):
        response = self._open(method, path, body)
        text = response.read().decode("utf-8")
        return json.loads(text) if text.strip() else {}

    def version(self):
        return self._json("GET", "/api/version").get("version")

    def tags(self):
        """Models present: normalized name -> the /api/tags entry."""
        models = self._json("GET", "/api/tags").get("models") or []
        return dict((normalize_name(m.get("name") or m.get("model")), m) for m in models)

    def show(self, name):
        return self._json("POST", "/api/show", {"model": name})

    def ps(self):
        return self._json("GET", "/api/ps").get("models") or []

    def delete(self, name):
        self._json("DELETE", "/api/delete", {"model": name})

    def pull(self, name, timeout=3600, on_event=None):
        """Pull a model; returns a summary of the stream. Raises OllamaError on an error line.

        on_event(event) sees every progress line (status, digest, total, completed)."""
        response = self._open("POST", "/api/pull", {"model": name, "stream": True}, timeout=timeout)
        layers = {}
        statuses = []
        for raw in response:
            line = raw.decode("utf-8").strip() if isinstance(raw, bytes) else raw.strip()
            if not line:
                continue
            try:
                event = json.loads(line)
            except ValueError:
                raise OllamaError("pulling %s: Ollama sent a line that is not JSON: %r" % (name, line[:200]))
            if event.get("error"):
                raise OllamaError("pulling %s: %s" % (name, event["error"]))
            if on_event is not None:
                on_event(event)
            status = event.get("status", "")
            if event.get("digest") and event.get("total"):
                layers[event["digest"]] = event["total"]
            if not statuses or statuses[-1] != status:
                statuses.append(status)
        if not statuses or statuses[-1] != "success":
            raise OllamaError("pulling %s: the stream ended without success (last status: %s)"
                              % (name, statuses[-1] if statuses else "none"))
        return {"layers": len(layers), "bytes": sum(layers.values()), "statuses": statuses}


def _error_text(exc):
    try:
        body = exc.read().decode("utf-8")
        return json.loads(body).get("error") or body
    except Exception:  # a body that is not JSON: fall back to the HTTP reason
        return "HTTP %s %s" % (exc.code, exc.reason)


def _reason(exc):
    return getattr(exc, "reason", None) or str(exc)
