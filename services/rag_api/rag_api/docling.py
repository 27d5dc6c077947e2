"""Docling Serve client: a file in, Markdown out; large files through the asynchronous endpoints."""

import time

import httpx

from .errors import UpstreamError


class Docling:
    def __init__(self, url, api_key, timeout, async_above_bytes, poll_seconds=5, transport=None):
        self.url = url
        self.timeout = timeout
        self.async_above_bytes = async_above_bytes
        self.poll_seconds = poll_seconds
        headers = {"X-Api-Key": api_key} if api_key else {}
        self.client = httpx.Client(base_url=url, headers=headers, timeout=httpx.Timeout(timeout, connect=10.0),
                                   transport=transport)

    @property
    def configured(self):
        return bool(self.url)

    def ping(self):
        try:
            self.client.get("/health", timeout=5).raise_for_status()
            return None
        except httpx.HTTPError as error:
            return f"Docling Serve at {self.url}: {str(error) or type(error).__name__}"

    def _call(self, method, path, **kwargs):
        try:
            response = self.client.request(method, path, **kwargs)
        except httpx.TimeoutException as error:
            raise UpstreamError("docling", f"Docling Serve did not answer within {self.timeout:g} s", timeout=True) from error
        except httpx.HTTPError as error:
            raise UpstreamError("docling", f"Docling Serve is unreachable: {error}") from error
        if response.status_code == 504:
            raise UpstreamError("docling", "Docling Serve timed out converting the file (its max sync wait)", timeout=True)
        if response.status_code >= 400:
            raise UpstreamError("docling", f"Docling Serve answered {response.status_code}: {response.text[:300]}")
        return response.json()

    @staticmethod
    def _markdown(result):
        status = result.get("status")
        if status not in ("success", "partial_success"):
            errors = "; ".join(str(e.get("error_message", e)) for e in result.get("errors") or []) or status
            raise UpstreamError("docling", f"Docling Serve could not convert the file: {errors}")
        return (result.get("document") or {}).get("md_content") or ""

    def convert(self, filename, content, content_type):
        files = {"files": (filename, content, content_type or "application/octet-stream")}
        data = {"to_formats": "md"}
        if len(content) <= self.async_above_bytes:
            return self._markdown(self._call("POST", "/v1/convert/file", files=files, data=data))
        task = self._call("POST", "/v1/convert/file/async", files=files, data=data)
        deadline = time.monotonic() + self.timeout
        while task.get("task_status") not in ("success", "failure"):
            if time.monotonic() >= deadline:
                raise UpstreamError("docling", f"Docling Serve did not finish converting within {self.timeout:g} s", timeout=True)
            task = self._call("GET", f"/v1/status/poll/{task['task_id']}", params={"wait": self.poll_seconds})
        if task["task_status"] == "failure":
            raise UpstreamError("docling", "Docling Serve could not convert the file (its task failed)")
        return self._markdown(self._call("GET", f"/v1/result/{task['task_id']}"))
