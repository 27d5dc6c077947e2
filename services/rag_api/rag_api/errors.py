"""Errors the HTTP layer turns into status codes."""


class RequestError(Exception):
    """Bad input: 4xx, nothing written."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


class UpstreamError(Exception):
    """A backend (embedding, generation, Docling) failed: 502, or 504 when it timed out."""

    def __init__(self, backend, message, timeout=False):
        super().__init__(message)
        self.backend = backend
        self.message = message
        self.status = 504 if timeout else 502


def is_timeout(error):
    """Whether a client library's exception (httpx, ollama, LlamaIndex) means the backend took too long."""
    return "timeout" in type(error).__name__.lower() or "timed out" in str(error).lower()
