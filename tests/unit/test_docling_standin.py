# The Docling Serve stand-in (tests/docling-standin): the HTTP contract of docling-serve 1.38 and the
# Markdown that real Docling makes of DOCX and HTML (tests/fixtures/documents). REQUIREMENTS S11.
import io
import json
import os
import sys
import threading
import urllib.error
import urllib.request
import uuid
import zipfile

import pytest

HERE = os.path.dirname(__file__)
DOCUMENTS = os.path.join(HERE, "..", "fixtures", "documents")
sys.path.insert(0, os.path.join(HERE, "..", "docling-standin"))
import docling_standin  # noqa: E402


def document(name):
    with open(os.path.join(DOCUMENTS, name), "rb") as handle:
        return handle.read()


@pytest.mark.parametrize("name", ["pump-px7-maintenance.docx", "backup-runbook.html"])
def test_the_markdown_is_what_real_docling_makes_of_the_file(name):
    result = docling_standin.convert(name, document(name), 10**9)
    expected = document(name + ".docling-2.143.0.md").decode().rstrip("\n")
    assert (result["status"], result["errors"], result["document"]["md_content"]) == ("success", [], expected)
    assert result["document"]["filename"] == name


def docx(paragraphs):
    """A Word document of (style, text) paragraphs; style None is body text, 'numbered' a numPr item."""
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    body = ""
    for style, text in paragraphs:
        properties = ('<w:pPr><w:numPr><w:ilvl w:val="0"/></w:numPr></w:pPr>' if style == "numbered" else
                      f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else "")
        runs = "".join(f"<w:r><w:t>{part}</w:t></w:r>" for part in text.split("|"))
        body += f"<w:p>{properties}{runs}</w:p>"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", f'<w:document xmlns:w="{w}"><w:body>{body}</w:body></w:document>')
    return buffer.getvalue()


@pytest.mark.parametrize("paragraphs, markdown", [
    ([("Title", "Manual"), (None, "Intro")], "# Manual\n\nIntro"),
    ([("Heading1", "One"), ("Heading3", "Three")], "## One\n\n#### Three"),
    ([(None, "Split |run|s"), (None, "   "), (None, "Next")], "Split runs\n\nNext"),
    ([("numbered", "a"), ("ListBullet", "b"), (None, "after"), ("numbered", "c")], "- a\n- b\n\nafter\n\n- c"),
    ([("Heading7", "Not a heading")], "Not a heading"),
])
def test_word_paragraphs_become_markdown_blocks(paragraphs, markdown):
    assert docling_standin.docx_markdown(docx(paragraphs)) == markdown


@pytest.mark.parametrize("source, markdown", [
    ("<h3>Deep</h3><p>x  \n y</p>", "### Deep\n\nx y"),
    ("<h4>a</h4><h5>b</h5><h6>c</h6>", "#### a\n\n##### b\n\n###### c"),
    *[("<%s>a</%s><%s>b</%s>" % (tag, tag, tag, tag), "a\n\nb") for tag in ("p", "div", "pre", "td", "th", "blockquote")],
    ("<template>x</template><p>y</p>", "y"),
    ("<head><style>a</style><title>T</title></head><p>x</p>", "x"),
    ("<p>a <span>b</span> c</p>", "a b c"),
    ("lead<p>x</p>tail", "lead\n\nx\n\ntail"),
    ("<div><script>var a;</script><style>p{}</style>Shown</div>", "Shown"),
    ("<ul><li>a</li><li>b</li></ul><p>c</p><ul><li>d</li></ul>", "- a\n- b\n\nc\n\n- d"),
    ("<p>tail without close", "tail without close"),
    ("<p><strong>Bold</strong> text</p>", "**Bold** text"),
])
def test_html_blocks_become_markdown_blocks(source, markdown):
    assert docling_standin.html_markdown(source.encode()) == markdown


def test_html_that_is_not_utf8_is_read_with_replacement_characters():
    assert docling_standin.html_markdown(b"<p>caf\xe9</p>") == "caf\ufffd"


def test_an_empty_word_run_adds_nothing():
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", f'<w:document xmlns:w="{w}"><w:body><w:p><w:r><w:t/></w:r>'
                                              f'<w:r><w:t>x</w:t></w:r></w:p></w:body></w:document>')
    assert docling_standin.docx_markdown(buffer.getvalue()) == "x"


@pytest.mark.parametrize("filename, data, markdown", [
    ("a.htm", b"<h1>A</h1>", "# A"), ("a.xhtml", b"<h2>A</h2>", "## A"), ("a.HTML", b"<li>A</li>", "- A"),
    ("a.markdown", b"<h1>kept</h1>", "<h1>kept</h1>"), ("a.md", b"*x*", "*x*"),
])
def test_each_extension_is_converted_by_its_format(filename, data, markdown):
    assert docling_standin.convert(filename, data, 100)["document"]["md_content"] == markdown


def test_the_answer_has_docling_s_fields():
    result = docling_standin.convert("a.md", b"x", 100)
    assert set(result) == {"document", "status", "errors", "processing_time", "timings"} and result["timings"] == {}
    assert 0 <= result["processing_time"] < 5 and round(result["processing_time"], 6) == result["processing_time"]
    failed = docling_standin.convert("a.docx", b"zip?", 100)
    assert failed["errors"] == [{"component_type": "user_input", "module_name": "docling-standin",
                                 "error_message": "not a Word document: File is not a zip file"}]


@pytest.mark.parametrize("filename, data, limit, message", [
    ("a.docx", b"not a zip", 100, "not a Word document"),
    ("a.pdf", b"%PDF", 100, "file format not allowed: a.pdf"),
    ("a.md", b"\xff\xfe", 100, "can't decode"),
    ("a.md", b"12345", 4, "file size 5 exceeds the limit of 4 bytes"),
])
def test_a_file_docling_cannot_convert_is_a_failed_conversion(filename, data, limit, message):
    result = docling_standin.convert(filename, data, limit)
    assert (result["status"], result["document"]["md_content"]) == ("failure", "")
    assert message in result["errors"][0]["error_message"]


def test_a_file_at_the_size_limit_is_converted():
    result = docling_standin.convert("A.MD", b"# Up to\n", 8)
    assert (result["status"], result["document"]["md_content"]) == ("success", "# Up to\n")


@pytest.mark.parametrize("argv, environ, expected", [
    (["run"], {}, ("0.0.0.0", 5001, "", sys.maxsize)),
    (["run", "--port", "6000", "--host", "127.0.0.1"], {"DOCLING_SERVE_API_KEY": "k", "DOCLING_SERVE_MAX_FILE_SIZE": "9"},
     ("127.0.0.1", 6000, "k", 9)),
    (["run"], {"UVICORN_HOST": "::", "UVICORN_PORT": "7000", "DOCLING_SERVE_MAX_FILE_SIZE": ""}, ("::", 7000, "", sys.maxsize)),
])
def test_options_come_from_the_command_line_and_the_real_variables(argv, environ, expected):
    assert docling_standin.options(argv, environ) == expected


@pytest.mark.parametrize("argv, message", [
    ([], "usage: docling-serve run [--host HOST] [--port PORT]"),
    (["serve"], "usage: docling-serve run [--host HOST] [--port PORT]"),
    (["run", "--port"], "docling-serve run: unknown or incomplete option --port"),
    (["run", "--workers", "2"], "docling-serve run: unknown or incomplete option --workers"),
])
def test_anything_but_run_is_refused(argv, message):
    with pytest.raises(SystemExit) as stopped:
        docling_standin.options(argv, {})
    assert str(stopped.value) == message


def test_main_serves_with_the_given_arguments(monkeypatch, capsys):
    served = []
    monkeypatch.setattr(docling_standin.Server, "serve_forever", lambda self: served.append(self))
    monkeypatch.setattr(docling_standin.sys, "argv", ["docling-serve", "serve"])
    docling_standin.main(["run", "--host", "127.0.0.1", "--port", "0"], {"DOCLING_SERVE_API_KEY": "k"})
    assert capsys.readouterr().out == "docling-standin listening on 127.0.0.1:0\n"
    assert (served[0].api_key, served[0].max_file_size) == ("k", sys.maxsize)
    served[0].server_close()
    monkeypatch.setattr(docling_standin.sys, "argv", ["docling-serve", "run", "--port", "0"])
    monkeypatch.setenv("DOCLING_SERVE_API_KEY", "from-env")
    docling_standin.main()
    assert served[1].api_key == "from-env"
    served[1].server_close()


def serve(**kwargs):
    instance = docling_standin.Server(("127.0.0.1", 0), **kwargs)
    threading.Thread(target=instance.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    instance.url = "http://127.0.0.1:%d" % instance.server_address[1]
    return instance


@pytest.fixture
def instance():
    running = serve(api_key="secret", max_file_size=10**6)
    yield running
    running.shutdown()
    running.server_close()


@pytest.fixture
def server(instance):
    return instance.url


def call(url, method="GET", key="secret", files=(), fields=()):
    headers, body = {}, None
    if key is not None:
        headers["X-Api-Key"] = key
    if method == "POST":
        boundary = uuid.uuid4().hex
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
                 for name, value in fields]
        parts += [f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
                  f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n" for name, data in files]
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
    request = urllib.request.Request(url, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.parametrize("path", ["/health", "/ready"])
def test_health_needs_no_key(server, path):
    assert call(server + path, key=None) == (200, {"status": "ok"})


@pytest.mark.parametrize("key, detail", [(None, "Missing header X-Api-Key."), ("wrong", "The provided API Key is invalid.")])
def test_conversion_needs_the_api_key(instance, key, detail):
    server = instance.url
    assert call(server + "/v1/convert/file", "POST", key=key, files=[("a.md", b"x")]) == (401, {"detail": detail})
    assert call(server + "/v1/convert/file/async", "POST", key=key, files=[("a.md", b"x")]) == (401, {"detail": detail})
    assert call(server + "/v1/result/0123", key=key) == (401, {"detail": detail})
    assert instance.tasks == {}


def test_without_a_configured_key_no_key_is_needed():
    running = serve()
    try:
        status, body = call(running.url + "/v1/convert/file", "POST", key=None, files=[("a.md", b"free")])
        assert (status, body["document"]["md_content"]) == (200, "free")
    finally:
        running.shutdown()
        running.server_close()


def test_answers_are_json_with_their_length_from_docling_standin(server):
    import http.client
    connection = http.client.HTTPConnection(server[len("http://"):], timeout=10)
    connection.request("GET", "/health")
    response = connection.getresponse()
    body = response.read()
    assert (response.getheader("Content-Type"), response.getheader("Content-Length")) == ("application/json", str(len(body)))
    assert response.getheader("Server").startswith("docling-standin")


def test_a_synchronous_conversion_answers_the_document(server):
    status, body = call(server + "/v1/convert/file", "POST", files=[("pump.docx", document("pump-px7-maintenance.docx"))],
                        fields=[("to_formats", "md")])
    assert (status, body["status"]) == (200, "success")
    assert "QX-58213" in body["document"]["md_content"]


def test_an_asynchronous_conversion_is_polled_then_fetched(server):
    status, task = call(server + "/v1/convert/file/async", "POST", files=[("r.html", b"<p>BK-1</p>")])
    assert (status, task["task_status"], task["task_position"]) == (200, "pending", 1)
    status, poll = call(server + "/v1/status/poll/" + task["task_id"] + "?wait=1")
    assert (status, poll) == (200, {"task_id": task["task_id"], "task_status": "success", "task_position": None})
    status, result = call(server + "/v1/result/" + task["task_id"])
    assert (status, result["document"]["md_content"]) == (200, "BK-1")


def test_a_failed_asynchronous_conversion_reports_failure(server):
    _, task = call(server + "/v1/convert/file/async", "POST", files=[("a.pdf", b"%PDF")])
    assert call(server + "/v1/status/poll/" + task["task_id"])[1]["task_status"] == "failure"


@pytest.mark.parametrize("method, path, detail", [
    ("GET", "/v1/status/poll/0123-abcd", "Task not found."), ("GET", "/v1/result/0123", "Task not found."),
    ("GET", "/v1/other", "Not Found"), ("POST", "/v1/convert/source", "Not Found"),
])
def test_unknown_tasks_and_paths_are_404(server, method, path, detail):
    assert call(server + path, method) == (404, {"detail": detail})


def test_a_request_without_files_is_422(server):
    status, body = call(server + "/v1/convert/file", "POST", fields=[("to_formats", "md")])
    assert (status, body) == (422, {"detail": [{"type": "missing", "loc": ["body", "files"], "msg": "Field required"}]})
