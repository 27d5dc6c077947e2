"""The Docling Serve client (rag_api.docling) against Docling Serve's documented HTTP API.

The server side here is httpx's MockTransport answering as docling-serve 1.x does (paths, form
fields, X-Api-Key, task states); the real server is exercised by the docling role's scenario.
"""

import httpx
import pytest

from rag_api.docling import Docling
from rag_api.errors import UpstreamError


def success(markdown="# Title\n\nBody text.", status="success"):
    return {"status": status, "document": {"md_content": markdown}, "errors": [], "processing_time": 0.1}


class Server:
    def __init__(self, sync=None, polls=1, final="success", result=None):
        self.calls = []
        self.sync = sync or (lambda request: httpx.Response(200, json=success()))
        self.polls = polls
        self.final = final
        self.result = result or success("# Big")

    def __call__(self, request):
        self.calls.append(request)
        path = request.url.path
        if path == "/v1/convert/file":
            return self.sync(request)
        if path == "/v1/convert/file/async":
            return httpx.Response(200, json={"task_id": "t1", "task_status": "pending"})
        if path == "/v1/status/poll/t1":
            self.polls -= 1
            return httpx.Response(200, json={"task_id": "t1", "task_status": self.final if self.polls <= 0 else "started"})
        if path == "/v1/result/t1":
            return httpx.Response(200, json=self.result)
        if path == "/health":
            return httpx.Response(200, json={"status": "ok"})
        return httpx.Response(404)


def client(server, **kwargs):
    return Docling("http://docling:5001", api_key="secret", transport=httpx.MockTransport(server), **kwargs)


def test_a_small_file_is_converted_synchronously_to_markdown():
    server = Server()
    assert client(server).convert("a.docx", b"PK-data", "application/x-docx") == "# Title\n\nBody text."
    request = server.calls[0]
    assert (request.method, request.url.path, request.headers["X-Api-Key"]) == ("POST", "/v1/convert/file", "secret")
    body = request.read()
    assert b'name="to_formats"' in body and b"\r\n\r\nmd\r\n" in body
    assert b'name="files"; filename="a.docx"' in body and b"PK-data" in body


def test_no_key_header_without_a_key():
    server = Server()
    Docling("http://docling:5001", transport=httpx.MockTransport(server)).convert("a.html", b"<p>x</p>", "text/html")
    assert "X-Api-Key" not in server.calls[0].headers


def test_partial_success_still_gives_the_markdown():
    server = Server(sync=lambda r: httpx.Response(200, json=success("part", status="partial_success")))
    assert client(server).convert("a.pdf", b"%PDF", "application/pdf") == "part"


@pytest.mark.parametrize("answer, status, message", [
    (httpx.Response(200, json={"status": "failure", "errors": [{"error_message": "bad zip"}]}), 502, "could not convert the file: bad zip"),
    (httpx.Response(200, json={"status": "skipped", "errors": []}), 502, "could not convert the file: skipped"),
    (httpx.Response(504, text="timeout"), 504, "timed out converting"),
    (httpx.Response(500, text="boom"), 502, "answered 500: boom"),
    (httpx.Response(401, text="bad key"), 502, "answered 401"),
])
def test_server_failures_become_upstream_errors(answer, status, message):
    with pytest.raises(UpstreamError) as raised:
        client(Server(sync=lambda r: answer)).convert("a.pdf", b"%PDF", "application/pdf")
    assert (raised.value.status, raised.value.backend) == (status, "docling")
    assert message in raised.value.message


@pytest.mark.parametrize("exception, status, message", [
    (httpx.ConnectError("refused"), 502, "unreachable"),
    (httpx.ReadTimeout("slow"), 504, "did not answer within 120 s"),
])
def test_transport_failures_become_upstream_errors(exception, status, message):
    def fail(request):
        raise exception
    with pytest.raises(UpstreamError) as raised:
        client(Server(sync=fail)).convert("a.pdf", b"%PDF", "application/pdf")
    assert raised.value.status == status and message in raised.value.message


def test_a_large_file_goes_through_the_asynchronous_endpoints():
    server = Server(polls=3)
    assert client(server, async_above_bytes=10).convert("big.pdf", b"x" * 11, "application/pdf") == "# Big"
    paths = [request.url.path for request in server.calls]
    assert paths == ["/v1/convert/file/async"] + ["/v1/status/poll/t1"] * 3 + ["/v1/result/t1"]
    assert server.calls[1].url.params["wait"] == "5"


def test_a_file_at_the_threshold_is_still_synchronous():
    server = Server()
    client(server, async_above_bytes=10).convert("ten.pdf", b"x" * 10, "application/pdf")
    assert [request.url.path for request in server.calls] == ["/v1/convert/file"]


def test_an_asynchronous_conversion_that_fails_is_a_502():
    with pytest.raises(UpstreamError) as raised:
        client(Server(final="failure"), async_above_bytes=0).convert("big.pdf", b"x", "application/pdf")
    assert raised.value.status == 502


def test_an_asynchronous_conversion_past_the_deadline_is_a_504(monkeypatch):
    clock = iter(range(0, 1000, 50))
    monkeypatch.setattr("rag_api.docling.time.monotonic", lambda: next(clock))
    server = Server(polls=100)
    with pytest.raises(UpstreamError) as raised:
        client(server, async_above_bytes=0, timeout=120).convert("big.pdf", b"x", "application/pdf")
    assert raised.value.status == 504 and "within 120 s" in raised.value.message
    assert [r.url.path for r in server.calls].count("/v1/status/poll/t1") == 2


def test_ping_reports_a_problem_or_none():
    assert client(Server()).ping() is None
    down = Docling("http://docling:5001", transport=httpx.MockTransport(lambda request: httpx.Response(503)))
    assert down.ping().startswith("Docling Serve at http://docling:5001: ")
    assert Docling("").configured is False and client(Server()).configured is True
