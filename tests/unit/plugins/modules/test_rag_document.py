# The rag_document module and its client (plugins/module_utils/rag_api.py) over real HTTP, against a
# double of the RAG API's document endpoints as services/rag_api/rag_api/app.py defines them. The
# real service is driven by the module in the site scenario (playbooks/rag_ingest.yml). Issue 13.
import email.parser
import email.policy
import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

import pytest

from ansible_collections.selfhosted.ai_stack.plugins.module_utils.rag_api import (
    RagApiClient,
    RagApiError,
    file_sha256,
    multipart,
)
from ansible_collections.selfhosted.ai_stack.plugins.modules import rag_document

from http_double import answer
from module_runner import argument_spec_of, run_module

KEY = "k" * 40


class Api(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.documents, self.contents, self.calls, self.agents, self.fail_with = {}, {}, [], [], None


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _handle(self, method):
        api = self.server
        api.calls.append((method, self.path))
        api.agents.append(self.headers.get("User-Agent"))
        if self.path in ("/list", "/latin"):
            return answer(self, 400, b"[1, 2]" if self.path == "/list" else b'{"detail": "caf\xe9"}')
        if self.headers.get("X-API-Key") != KEY:
            return answer(self, 401, {"detail": "a valid API key is required (X-API-Key)"})
        if api.fail_with:
            return answer(self, api.fail_with, {"detail": "the double was told to fail", "backend": "docling"})
        if self.path.startswith("/documents/"):
            document_id = unquote(self.path[len("/documents/"):])
            stored = api.documents.get(document_id)
            if stored is None:
                return answer(self, 404, {"detail": "no document %r" % document_id})
            if method == "DELETE":
                del api.documents[document_id]
                return answer(self, 200, {"document_id": document_id, "status": "deleted"})
            return answer(self, 200, dict(stored, id=document_id))
        if (method, self.path) != ("POST", "/index-document"):
            return answer(self, 404, b"Not Found", "text/plain")
        body = self.rfile.read(int(self.headers["Content-Length"]))
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + self.headers["Content-Type"].encode() + b"\r\n\r\n" + body)
        fields = {part.get_param("name", header="content-disposition"): part for part in message.iter_parts()}
        content = fields["file"].get_payload(decode=True)
        document_id = fields["document_id"].get_content().strip() if "document_id" in fields else fields["file"].get_filename()
        digest = hashlib.sha256(content).hexdigest()
        status = "unchanged" if api.documents.get(document_id, {}).get("content_hash") == digest else "indexed"
        api.documents[document_id] = {"content_hash": digest, "chunk_count": len(content) // 4 + 1,
                                      "source": fields["file"].get_filename()}
        api.contents[document_id] = content
        return answer(self, 200, {"document_id": document_id, "status": status, "content_hash": digest,
                                "chunks": len(content) // 4 + 1})

    def do_GET(self):  # noqa: N802
        self._handle("GET")

    def do_POST(self):  # noqa: N802
        self._handle("POST")

    def do_DELETE(self):  # noqa: N802
        self._handle("DELETE")


@pytest.fixture
def api():
    server = Api()
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    server.url = "http://127.0.0.1:%d" % server.server_address[1]
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def docx(tmp_path):
    path = tmp_path / "pump manual.docx"
    path.write_bytes(b"PK\x03\x04 binary \r\n\n\x00\xff bytes")
    return path


def run(monkeypatch, capsys, api, **params):
    return run_module(rag_document, monkeypatch, capsys, dict({"url": api.url + "/", "api_key": KEY}, **params))


def test_a_new_file_is_indexed_with_its_bytes_intact_then_unchanged_costs_one_call(monkeypatch, capsys, api, docx):
    code, result = run(monkeypatch, capsys, api, path=str(docx), document_id="ops/pump manual.docx")
    digest = hashlib.sha256(docx.read_bytes()).hexdigest()
    assert code == 0 and result["changed"] and result["status"] == "indexed" and result["content_hash"] == digest
    stored = api.documents["ops/pump manual.docx"]
    assert (api.contents["ops/pump manual.docx"], stored["source"], result["chunks"]) == (docx.read_bytes(), "pump manual.docx", stored["chunk_count"])
    api.calls.clear()
    code, result = run(monkeypatch, capsys, api, path=str(docx), document_id="ops/pump manual.docx")
    assert code == 0 and not result["changed"] and result["status"] == "unchanged" and result["chunks"] == stored["chunk_count"]
    assert api.calls == [("GET", "/documents/ops%2Fpump%20manual.docx")]


def test_the_file_name_is_the_default_id_and_a_changed_file_replaces_the_document(monkeypatch, capsys, api, docx):
    run(monkeypatch, capsys, api, path=str(docx))
    docx.write_bytes(b"new content")
    code, result = run(monkeypatch, capsys, api, path=str(docx), _ansible_diff=True)
    assert code == 0 and result["changed"] and result["document_id"] == "pump manual.docx"
    assert api.contents["pump manual.docx"] == b"new content"
    assert result["diff"]["before"]["content_hash"] != result["diff"]["after"]["content_hash"] == result["content_hash"]


def test_check_mode_reports_what_would_change_and_sends_nothing(monkeypatch, capsys, api, docx):
    code, result = run(monkeypatch, capsys, api, path=str(docx), _ansible_check_mode=True)
    assert code == 0 and result["changed"] and result["status"] == "would be indexed" and api.documents == {}
    assert [method for method, _ in api.calls] == ["GET"]
    run(monkeypatch, capsys, api, path=str(docx))
    code, result = run(monkeypatch, capsys, api, document_id="pump manual.docx", state="absent", _ansible_check_mode=True)
    assert result["changed"] and result["status"] == "would be deleted" and "pump manual.docx" in api.documents


def test_absent_deletes_once(monkeypatch, capsys, api, docx):
    run(monkeypatch, capsys, api, path=str(docx), document_id="a")
    code, result = run(monkeypatch, capsys, api, document_id="a", state="absent")
    assert code == 0 and result["changed"] and result["status"] == "deleted" and api.documents == {}
    code, result = run(monkeypatch, capsys, api, document_id="a", state="absent")
    assert code == 0 and not result["changed"] and result["status"] == "absent"
    assert "diff" not in result


@pytest.mark.parametrize("params, message", [
    ({"document_id": "a"}, "path is required with state=present"),
    ({"path": "/nonexistent/file.docx"}, "/nonexistent/file.docx is not a file"),
    ({"state": "absent"}, "document_id is required with state=absent"),
])
def test_missing_or_wrong_parameters_fail_before_any_call(monkeypatch, capsys, api, params, message):
    code, result = run(monkeypatch, capsys, api, **params)
    assert code == 1 and result["failed"] and result["msg"] == message and api.calls == []


def test_an_api_error_fails_with_the_status_and_the_api_detail(monkeypatch, capsys, api, docx):
    api.fail_with = 502
    code, result = run(monkeypatch, capsys, api, path=str(docx))
    assert code == 1 and result["http_status"] == 502
    assert result["msg"] == "GET %s/documents/pump%%20manual.docx: 502 the double was told to fail" % api.url


def test_a_wrong_key_fails_and_is_not_printed(monkeypatch, capsys, api, docx):
    code, result = run_module(rag_document, monkeypatch, capsys, {"url": api.url, "api_key": "w" * 40, "path": str(docx)})
    assert code == 1 and result["http_status"] == 401 and "w" * 40 not in json.dumps(result)
    assert argument_spec_of(rag_document, monkeypatch)["api_key"]["no_log"] is True


def test_an_unreachable_api_fails_with_its_url(monkeypatch, capsys, docx):
    code, result = run_module(rag_document, monkeypatch, capsys, {"url": "http://127.0.0.1:9", "api_key": KEY,
                                                                   "path": str(docx), "timeout": 5})
    assert code == 1 and result["msg"].startswith("cannot reach the RAG API at http://127.0.0.1:9: ")
    assert result["msg"].endswith("Connection refused")


def test_the_client_passes_its_tls_options_to_the_opener():
    seen = {}

    class Response:
        def read(self):
            return b""

    def opener(url, **kwargs):
        seen.update(kwargs, url=url)
        return Response()
    client = RagApiClient("https://ragX/", KEY, timeout=7, validate_certs=False, ca_path="/ca.crt", opener=opener)
    assert client.delete("x/y") == {}
    assert (seen["url"], seen["method"], seen["timeout"], seen["validate_certs"], seen["ca_path"]) == (
        "https://ragX/documents/x%2Fy", "DELETE", 7, False, "/ca.crt")
    assert seen["headers"] == {"X-API-Key": KEY}


@pytest.mark.parametrize("path, detail", [("/other", "404 Not Found"), ("/list", "400 [1, 2]"),
                                          ("/latin", "400 caf\ufffd")])
def test_an_error_names_the_status_and_what_the_body_says(api, path, detail):
    client = RagApiClient(api.url, KEY, 5, True)
    with pytest.raises(RagApiError) as error:
        client._call("GET", path)
    assert (error.value.status, str(error.value)) == (int(detail[:3]), "GET %s%s: %s" % (api.url, path, detail))
    assert api.agents == ["selfhosted.ai_stack-rag_document/1"]


def test_required_options_and_defaults(monkeypatch, capsys, docx):
    from ansible_collections.selfhosted.ai_stack.plugins.module_utils import rag_api
    code, result = run_module(rag_document, monkeypatch, capsys, {"api_key": KEY, "path": str(docx)})
    assert code == 1 and result["msg"] == "missing required arguments: url"
    code, result = run_module(rag_document, monkeypatch, capsys, {"url": "http://x", "path": str(docx)})
    assert code == 1 and result["msg"] == "missing required arguments: api_key"
    seen = []

    class Response:
        def read(self):
            return json.dumps({"content_hash": hashlib.sha256(docx.read_bytes()).hexdigest(), "chunk_count": 3}).encode()

    monkeypatch.setattr(rag_api, "open_url", lambda url, **kwargs: seen.append(kwargs) or Response())
    code, result = run_module(rag_document, monkeypatch, capsys, {"url": "http://x", "api_key": KEY, "path": str(docx)})
    assert (code, result["status"], result["chunks"]) == (0, "unchanged", 3)
    assert (seen[0]["timeout"], seen[0]["validate_certs"], seen[0]["ca_path"]) == (600, True, None)
    spec = rag_api.ARGUMENT_SPEC
    assert (spec["path"]["type"], spec["ca_path"]["type"], spec["state"]["default"]) == ("path", "path", "present")


class FakeClient:
    def __init__(self, stored=None, answer=None, error=None):
        self.stored, self.answer, self.error = stored, answer, error

    def document(self, document_id):
        if self.error:
            raise self.error
        return self.stored

    def index_file(self, path, document_id):
        return self.answer


def test_content_stored_meanwhile_by_another_run_is_unchanged(docx):
    client = FakeClient(stored={"content_hash": "old"}, answer={"status": "unchanged", "chunks": 2})
    result = rag_api_run({"state": "present", "path": str(docx), "document_id": None}, client, diff=True)
    assert (result["changed"], result["status"], result["chunks"], result["document_id"]) == (False, "unchanged", 2, "pump manual.docx")
    assert result["diff"] == {"before": {"content_hash": "old"}, "after": {"content_hash": result["content_hash"]}}


def test_absent_shows_its_diff():
    result = rag_api_run({"state": "absent", "document_id": "d"}, FakeClient(stored=None), diff=True)
    assert result == {"document_id": "d", "changed": False, "status": "absent",
                      "diff": {"before": {"present": False}, "after": {"present": False}}}


def test_a_file_that_cannot_be_read_fails_with_its_path(docx):
    result = rag_api_run({"state": "present", "path": str(docx), "document_id": "d"}, FakeClient(error=OSError("boom")))
    assert result == {"failed": True, "msg": "cannot read %s: boom" % docx}


def rag_api_run(params, client, diff=False):
    from ansible_collections.selfhosted.ai_stack.plugins.module_utils.rag_api import run_task
    return run_task(params, False, diff, client=client)


def test_multipart_keeps_bytes_and_escapes_the_file_name():
    content_type, body = multipart([("document_id", "d")], "file", 'a\\b"c.md', b"\r\n\x00")
    boundary = content_type.split("boundary=")[1]
    assert body.endswith(("--%s--\r\n" % boundary).encode())
    assert b'filename="a\\\\b\\"c.md"' in body and b"\r\n\r\n\r\n\x00\r\n--" in body


def test_file_sha256_reads_in_blocks(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"x" * 10)
    assert file_sha256(str(path), block=3) == hashlib.sha256(b"x" * 10).hexdigest()


class Task:
    """What ActionBase reads of a task."""

    def __init__(self, args, check_mode=False, diff=False):
        self.args, self.check_mode, self.diff = args, check_mode, diff
        self.async_val, self.action = 0, "selfhosted.ai_stack.rag_document"

    def get_path(self):
        return "test"


class Connection:
    def __init__(self, transport):
        self.transport = transport
        self._shell = type("Shell", (), {"tmpdir": None})()


def action(args, transport="local", check_mode=False, diff=False):
    from ansible.playbook.play_context import PlayContext

    from ansible_collections.selfhosted.ai_stack.plugins.action.rag_document import ActionModule
    return ActionModule(Task(args, check_mode, diff), Connection(transport), PlayContext(), None, None, None)


@pytest.mark.parametrize("transport", ["local", "ansible.builtin.local"])
def test_on_the_controller_the_action_does_the_work_in_its_own_process(api, docx, transport):
    args = {"url": api.url, "api_key": KEY, "path": str(docx)}
    result = action(args, transport=transport, diff=True).run(task_vars={})
    assert result["changed"] and result["status"] == "indexed" and result["diff"]["before"] == {"content_hash": None}
    assert action(args).run(task_vars={})["status"] == "unchanged" and "diff" not in action(args).run(task_vars={})
    assert action(dict(args, document_id="new"), check_mode=True).run(task_vars={})["status"] == "would be indexed"
    assert "new" not in api.documents
    failed = action({"url": api.url, "api_key": KEY}).run(task_vars={})
    assert failed["failed"] and failed["msg"] == "path is required with state=present"


def test_elsewhere_the_action_runs_the_module_on_the_host(monkeypatch):
    from ansible_collections.selfhosted.ai_stack.plugins.action.rag_document import ActionModule
    calls = []
    monkeypatch.setattr(ActionModule, "_execute_module",
                        lambda self, module_name, module_args, task_vars: calls.append((module_name, module_args)) or {"changed": False})
    args = {"url": "http://rag-api:8000", "api_key": KEY, "path": "/srv/a.md"}
    assert action(args, transport="community.docker.docker").run(task_vars={})["changed"] is False
    assert calls == [("selfhosted.ai_stack.rag_document", args)]
