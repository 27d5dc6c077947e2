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
    options = {"api_key": "secret", "timeout": 120.0, "async_above_bytes": 5 * 1024 * 1024, **kwargs}
    return Docling("http://docling:5001", transport=httpx.MockTransport(server), **options)


def test_timeouts_of_the_client():
    docling = client(Server(), timeout=33.0)
    assert (docling.client.timeout.read, docling.client.timeout.connect, docling.poll_seconds) == (33.0, 10.0, 5)


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
    client(server, api_key="").convert("a.html", b"<p>x</p>", "text/html")
    assert "X-Api-Key" not in server.calls[0].headers


def test_partial_success_still_gives_the_markdown():
    server = Server(sync=lambda r: httpx.Response(200, json=success("part", status="partial_success")))
    assert client(server).convert("a.pdf", b"%PDF", "application/pdf") == "part"


@pytest.mark.parametrize("answer, status, message", [
    (httpx.Response(200, json={"status": "failure", "errors": [{"error_message": "bad zip"}, {"error_message": "no pages"}]}),
     502, "Docling Serve could not convert the file: bad zip; no pages"),
    (httpx.Response(200, json={"status": "skipped", "errors": []}), 502, "Docling Serve could not convert the file: skipped"),
    (httpx.Response(504, text="timeout"), 504, "Docling Serve timed out converting the file (its max sync wait)"),
    (httpx.Response(500, text="boom"), 502, "Docling Serve answered 500: boom"),
    (httpx.Response(400, text="x" * 400), 502, "Docling Serve answered 400: " + "x" * 300),
    (httpx.Response(401, text="bad key"), 502, "Docling Serve answered 401: bad key"),
])
def test_server_failures_become_upstream_errors(answer, status, message):
    with pytest.raises(UpstreamError) as raised:
        client(Server(sync=lambda r: answer)).convert("a.pdf", b"%PDF", "application/pdf")
    assert (raised.value.status, raised.value.backend) == (status, "docling")
    assert raised.value.message == message


def test_a_status_below_400_is_an_answer():
    assert client(Server(sync=lambda r: httpx.Response(399, json=success("fine")))).convert("a.pdf", b"%PDF", None) == "fine"


@pytest.mark.parametrize("result, markdown", [
    ({"status": "success", "document": {"md_content": None}}, ""),
    ({"status": "success", "document": None}, ""),
    ({"status": "success"}, ""),
])
def test_a_result_without_markdown_is_empty_text(result, markdown):
    assert client(Server(sync=lambda r: httpx.Response(200, json=result))).convert("a.pdf", b"%PDF", "application/pdf") == markdown


def test_a_missing_content_type_is_sent_as_octet_stream():
    server = Server()
    client(server).convert("a.pdf", b"%PDF", None)
    assert b"Content-Type: application/octet-stream" in server.calls[0].read()


@pytest.mark.parametrize("exception, status, message", [
    (httpx.ConnectError("refused"), 502, "Docling Serve is unreachable: refused"),
    (httpx.ReadTimeout("slow"), 504, "Docling Serve did not answer within 120 s"),
])
def test_transport_failures_become_upstream_errors(exception, status, message):
    def fail(request):
        raise exception
    with pytest.raises(UpstreamError) as raised:
        client(Server(sync=fail)).convert("a.pdf", b"%PDF", "application/pdf")
    assert (raised.value.status, raised.value.message, raised.value.backend) == (status, message, "docling")


def test_a_large_file_goes_through_the_asynchronous_endpoints():
    server = Server(polls=3)
    assert client(server, async_above_bytes=10).convert("big.pdf", b"x" * 11, "application/pdf") == "# Big"
    calls = [(request.method, request.url.path) for request in server.calls]
    assert calls == [("POST", "/v1/convert/file/async")] + [("GET", "/v1/status/poll/t1")] * 3 + [("GET", "/v1/result/t1")]
    assert server.calls[1].url.params["wait"] == "5"


def test_a_file_at_the_threshold_is_still_synchronous():
    server = Server()
    client(server, async_above_bytes=10).convert("ten.pdf", b"x" * 10, "application/pdf")
    assert [request.url.path for request in server.calls] == ["/v1/convert/file"]


def test_an_asynchronous_conversion_that_fails_is_a_502():
    with pytest.raises(UpstreamError) as raised:
        client(Server(final="failure"), async_above_bytes=0).convert("big.pdf", b"x", "application/pdf")
    assert (raised.value.status, raised.value.backend) == (502, "docling")
    assert raised.value.message == "Docling Serve could not convert the file (its task failed)"


def test_an_asynchronous_conversion_past_the_deadline_is_a_504(monkeypatch):
    clock = iter(range(0, 1000, 50))
    monkeypatch.setattr("rag_api.docling.time.monotonic", lambda: next(clock))
    server = Server(polls=100)
    with pytest.raises(UpstreamError) as raised:
        client(server, async_above_bytes=0, timeout=120).convert("big.pdf", b"x", "application/pdf")
    assert (raised.value.status, raised.value.backend) == (504, "docling")
    assert raised.value.message == "Docling Serve did not finish converting within 120 s"
    # start at 0, deadline 120: polls at 50 and 100; at 150 it gives up
    assert [r.url.path for r in server.calls].count("/v1/status/poll/t1") == 2


def test_the_deadline_itself_is_too_late(monkeypatch):
    clock = iter([0, 60, 120])
    monkeypatch.setattr("rag_api.docling.time.monotonic", lambda: next(clock))
    server = Server(polls=100)
    with pytest.raises(UpstreamError):
        client(server, async_above_bytes=0, timeout=120).convert("big.pdf", b"x", "application/pdf")
    assert [r.url.path for r in server.calls].count("/v1/status/poll/t1") == 1


def test_ping_reports_a_problem_or_none():
    assert client(Server()).ping() is None
    down = client(lambda request: httpx.Response(503))
    assert down.ping().startswith("Docling Serve at http://docling:5001: Server error '503 Service Unavailable'")
    assert client(Server()).configured is True and Docling("", "", 1, 1).configured is False


def test_ping_names_an_error_without_a_message_and_waits_five_seconds():
    seen = []

    def fail(request):
        seen.append(request.extensions["timeout"])
        raise httpx.ConnectError("")
    assert client(fail).ping() == "Docling Serve at http://docling:5001: ConnectError"
    assert seen[0]["read"] == 5 and seen[0]["connect"] == 5
