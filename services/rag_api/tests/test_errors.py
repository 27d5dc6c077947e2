"""Which client exceptions count as a backend timeout (504 rather than 502)."""

import httpx
import pytest

from rag_api.errors import UpstreamError, is_timeout


@pytest.mark.parametrize("error, timeout", [
    (httpx.ReadTimeout("slow"), True),
    (httpx.ConnectTimeout("slow"), True),
    (TimeoutError(), True),
    (RuntimeError("the request timed out"), True),
    (httpx.ConnectError("refused"), False),
    (RuntimeError("model not found"), False),
])
def test_is_timeout(error, timeout):
    assert is_timeout(error) is timeout


@pytest.mark.parametrize("timeout, status", [(False, 502), (True, 504)])
def test_upstream_error_status(timeout, status):
    error = UpstreamError("docling", "message", timeout=timeout)
    assert (error.status, error.backend, error.message, str(error)) == (status, "docling", "message", "message")


def test_an_upstream_error_is_a_502_unless_it_timed_out():
    assert UpstreamError("embedding", "down").status == 502
