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
    ("<div><script>var a;</script><style>p{}</style>Shown</div>", "Shown"),
    ("<ul><li>a</li><li>b</li></ul><p>c</p><ul><li>d</li></ul>", "- a\n- b\n\nc\n\n- d"),
    ("<p>tail without close", "tail without close"),
    ("<p><strong>Bold</strong> text</p>", "**Bold** text"),
])
def test_html_blocks_become_markdown_blocks(source, markdown):
    assert docling_standin.html_markdown(source.encode()) == markdown


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


@pytest.mark.parametrize("argv", [[], ["serve"], ["run", "--port"], ["run", "--workers", "2"]])
def test_anything_but_run_is_refused(argv):
    with pytest.raises(SystemExit):
        docling_standin.options(argv, {})


@pytest.fixture
def server():
    instance = docling_standin.Server(("127.0.0.1", 0), api_key="secret", max_file_size=10**6)
    threading.Thread(target=instance.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield "http://127.0.0.1:%d" % instance.server_address[1]
    instance.shutdown()
    instance.server_close()


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
def test_conversion_needs_the_api_key(server, key, detail):
    assert call(server + "/v1/convert/file", "POST", key=key, files=[("a.md", b"x")]) == (401, {"detail": detail})
    assert call(server + "/v1/result/0123", key=key) == (401, {"detail": detail})


def test_a_synchronous_conversion_answers_the_document(server):
    status, body = call(server + "/v1/convert/file", "POST", files=[("pump.docx", document("pump-px7-maintenance.docx"))],
                        fields=[("to_formats", "md")])
    assert (status, body["status"]) == (200, "success")
    assert "QX-58213" in body["document"]["md_content"]


def test_an_asynchronous_conversion_is_polled_then_fetched(server):
    status, task = call(server + "/v1/convert/file/async", "POST", files=[("r.html", b"<p>BK-1</p>")])
    assert (status, task["task_status"]) == (200, "pending")
    status, poll = call(server + "/v1/status/poll/" + task["task_id"] + "?wait=1")
    assert (status, poll["task_id"], poll["task_status"]) == (200, task["task_id"], "success")
    status, result = call(server + "/v1/result/" + task["task_id"])
    assert (status, result["document"]["md_content"]) == (200, "BK-1")


def test_a_failed_asynchronous_conversion_reports_failure(server):
    _, task = call(server + "/v1/convert/file/async", "POST", files=[("a.pdf", b"%PDF")])
    assert call(server + "/v1/status/poll/" + task["task_id"])[1]["task_status"] == "failure"


@pytest.mark.parametrize("method, path, status", [
    ("GET", "/v1/status/poll/0123-abcd", 404), ("GET", "/v1/result/0123", 404), ("GET", "/v1/other", 404),
    ("POST", "/v1/convert/source", 404),
])
def test_unknown_tasks_and_paths_are_404(server, method, path, status):
    assert call(server + path, method)[0] == status


def test_a_request_without_files_is_422(server):
    status, body = call(server + "/v1/convert/file", "POST", fields=[("to_formats", "md")])
    assert (status, body["detail"][0]["loc"]) == (422, ["body", "files"])
