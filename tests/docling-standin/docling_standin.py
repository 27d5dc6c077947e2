#!/usr/bin/env python3
"""A stand-in for Docling Serve (docling-serve 1.38, the server of quay.io/docling-project/docling-serve-cpu).

The real server cannot be built for CI here: it imports torch at start, and the image is gigabytes
(tests/images/contracts.yml). This keeps its HTTP contract for the three formats Docling converts
without downloaded models - DOCX, HTML and Markdown - with the standard library only, and makes the
same Markdown of them as real Docling 2.143 (tests/fixtures/documents/*.docling-2.143.0.md):

  GET  /health, /ready                      {"status": "ok"}, no key needed
  POST /v1/convert/file                     multipart `files` (+ `to_formats`), X-Api-Key
  POST /v1/convert/file/async               -> {"task_id", "task_status": "pending"}
  GET  /v1/status/poll/{id}?wait=S          -> {"task_id", "task_status": "success"|"failure"}
  GET  /v1/result/{id}                      -> the same body as the synchronous call

Settings are the real ones: DOCLING_SERVE_API_KEY (401 without it, as upstream's APIKeyAuth),
DOCLING_SERVE_MAX_FILE_SIZE (bytes; a larger file is a failed conversion, not an HTTP error),
UVICORN_HOST / UVICORN_PORT (0.0.0.0:5001). Started as `docling-serve run [--host H] [--port P]`.
"""

import email.parser
import email.policy
import html.parser
import io
import json
import os
import re
import sys
import threading
import time
import uuid
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
FORMATS = {".docx": "docx", ".html": "html", ".htm": "html", ".xhtml": "html", ".md": "md", ".markdown": "md"}


class ConversionError(Exception):
    pass


def docx_markdown(data):
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            root = ElementTree.fromstring(archive.read("word/document.xml"))
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError) as error:
        raise ConversionError(f"not a Word document: {error}") from error
    blocks = []
    for element in root.iter():
        if element.tag == W + "p":
            text = "".join(node.text or "" for node in element.iter(W + "t")).strip()
            if not text:
                continue
            style = element.find(f"{W}pPr/{W}pStyle")
            name = style.get(W + "val", "") if style is not None else ""
            level = re.fullmatch(r"Heading([1-6])", name)
            if name == "Title" or level:
                blocks.append("#" * (int(level.group(1)) + 1 if level else 1) + " " + text)
            elif name.startswith("List") or element.find(f"{W}pPr/{W}numPr") is not None:
                items = blocks.pop() + "\n" if blocks and blocks[-1].startswith("- ") else ""
                blocks.append(items + "- " + text)
            else:
                blocks.append(text)
    return "\n\n".join(blocks)


class _HtmlText(html.parser.HTMLParser):
    BLOCKS = {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "pre", "blockquote"}
    HIDDEN = {"head", "script", "style", "template"}

    def __init__(self):
        super().__init__()
        self.blocks, self.current, self.prefix, self.skip = [], [], "", 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.skip += 1
        elif tag in ("b", "strong"):
            self.current.append("**")
        elif tag in self.BLOCKS:
            self._flush()
            self.prefix = "#" * int(tag[1]) + " " if re.fullmatch(r"h[1-6]", tag) else "- " if tag == "li" else ""

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self.skip = max(0, self.skip - 1)
        elif tag in ("b", "strong"):
            self.current.append("**")
        elif tag in self.BLOCKS:
            self._flush()

    def handle_data(self, data):
        if not self.skip:
            self.current.append(data)

    def _flush(self):
        text = " ".join("".join(self.current).split())
        if text:
            after_item = self.prefix == "- " and self.blocks and self.blocks[-1].startswith("- ")
            self.blocks.append((self.blocks.pop() + "\n" if after_item else "") + self.prefix + text)
        self.current, self.prefix = [], ""


def html_markdown(data):
    parser = _HtmlText()
    parser.feed(data.decode("utf-8", errors="replace"))
    parser.close()
    parser._flush()
    return "\n\n".join(parser.blocks)


def convert(filename, data, max_file_size):
    """Docling's answer for one file: {"document": {...}, "status", "errors", ...}."""
    started = time.monotonic()
    extension = os.path.splitext(filename or "")[1].lower()
    errors, markdown = [], ""
    try:
        if len(data) > max_file_size:
            raise ConversionError(f"file size {len(data)} exceeds the limit of {max_file_size} bytes")
        kind = FORMATS.get(extension)
        if kind is None:
            raise ConversionError(f"file format not allowed: {filename}")
        if kind == "docx":
            markdown = docx_markdown(data)
        elif kind == "html":
            markdown = html_markdown(data)
        else:
            markdown = data.decode("utf-8")
    except (ConversionError, UnicodeDecodeError) as error:
        errors.append({"component_type": "user_input", "module_name": "docling-standin", "error_message": str(error)})
    return {
        "document": {"filename": filename, "md_content": "" if errors else markdown},
        "status": "failure" if errors else "success",
        "errors": errors,
        "processing_time": round(time.monotonic() - started, 6),
        "timings": {},
    }


def form_files(content_type, body):
    """The uploaded `files` of a multipart/form-data body, as [(filename, bytes)]."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body)
    if not message.is_multipart():
        return []
    return [(part.get_filename(), part.get_payload(decode=True) or b"") for part in message.iter_parts()
            if part.get_param("name", header="content-disposition") == "files"]


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, api_key="", max_file_size=sys.maxsize):
        super().__init__(address, Handler)
        self.api_key = api_key
        self.max_file_size = max_file_size
        self.tasks = {}
        self.lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    server_version = "docling-standin"

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        sys.stderr.write("%s %s\n" % (self.address_string(), format % args))

    def _send(self, status, payload):
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _authorised(self):
        key = self.server.api_key
        if not key or (self.headers.get("X-Api-Key") or "").strip() == key:
            return True
        self._send(401, {"detail": "The provided API Key is invalid." if self.headers.get("X-Api-Key") else
                         "Missing header X-Api-Key."})
        return False

    def do_GET(self):  # noqa: N802 - BaseHTTPRequestHandler's name
        path = urlsplit(self.path).path
        if path in ("/health", "/ready"):
            return self._send(200, {"status": "ok"})
        match = re.fullmatch(r"/v1/(status/poll|result)/([0-9a-f-]+)", path)
        if not match:
            return self._send(404, {"detail": "Not Found"})
        if not self._authorised():
            return None
        with self.server.lock:
            result = self.server.tasks.get(match.group(2))
        if result is None:
            return self._send(404, {"detail": "Task not found."})
        if match.group(1) == "result":
            return self._send(200, result)
        return self._send(200, {"task_id": match.group(2), "task_status": result["status"], "task_position": None})

    def do_POST(self):  # noqa: N802
        path = urlsplit(self.path).path
        if path not in ("/v1/convert/file", "/v1/convert/file/async"):
            return self._send(404, {"detail": "Not Found"})
        if not self._authorised():
            return None
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        files = form_files(self.headers.get("Content-Type", ""), body)
        if not files:
            return self._send(422, {"detail": [{"type": "missing", "loc": ["body", "files"], "msg": "Field required"}]})
        filename, data = files[0]
        result = convert(filename, data, self.server.max_file_size)
        if path.endswith("/async"):
            task_id = str(uuid.uuid4())
            with self.server.lock:
                self.server.tasks[task_id] = result
            return self._send(200, {"task_id": task_id, "task_status": "pending", "task_position": 1})
        return self._send(200, result)


def options(argv, environ):
    """(host, port, api_key, max_file_size) from `run [--host H] [--port P]` and the environment."""
    if not argv or argv[0] != "run":
        raise SystemExit("usage: docling-serve run [--host HOST] [--port PORT]")
    host = environ.get("UVICORN_HOST", "0.0.0.0")
    port = int(environ.get("UVICORN_PORT", "5001"))
    rest = list(argv[1:])
    while rest:
        flag = rest.pop(0)
        if flag not in ("--host", "--port") or not rest:
            raise SystemExit(f"docling-serve run: unknown or incomplete option {flag}")
        value = rest.pop(0)
        host, port = (value, port) if flag == "--host" else (host, int(value))
    max_file_size = int(environ.get("DOCLING_SERVE_MAX_FILE_SIZE") or sys.maxsize)
    return host, port, environ.get("DOCLING_SERVE_API_KEY", ""), max_file_size


def main(argv=None, environ=None):
    host, port, api_key, max_file_size = options(sys.argv[1:] if argv is None else argv,
                                                 os.environ if environ is None else environ)
    server = Server((host, port), api_key, max_file_size)
    print(f"docling-standin listening on {host}:{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
