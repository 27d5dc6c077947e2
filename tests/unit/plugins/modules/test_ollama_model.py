# The ollama_model module and its client over real HTTP against the Ollama test double
# (tests/ollama-double). REQUIREMENTS S4, DESIGN "Custom Python modules".
import json
import os
import socket
import sys
import threading

import pytest

from ansible_collections.selfhosted.ai_stack.plugins.module_utils.ollama import (
    OllamaClient,
    OllamaConnectionError,
    OllamaError,
    normalize_name,
)
from ansible_collections.selfhosted.ai_stack.plugins.modules import ollama_model

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "ollama-double"))
import ollama_double  # noqa: E402


@pytest.fixture
def double():
    server = ollama_double.serve("127.0.0.1", 0, ["nomic-embed-text"])
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    url = "http://127.0.0.1:%d" % server.server_address[1]
    yield url
    server.shutdown()
    server.server_close()


def control(url, path, body=None):
    client = OllamaClient(url)
    return client._json("POST" if body is not None else "GET", path, body)


def fresh_client(url):
    return OllamaClient(url, retries=0)


@pytest.mark.parametrize(
    "name, normalized",
    [("nomic-embed-text", "nomic-embed-text:latest"), ("llama3.1:8b", "llama3.1:8b"),
     ("registry.local:5000/team/model", "registry.local:5000/team/model:latest"), ("hf.co/org/m:Q4", "hf.co/org/m:Q4")],
)
def test_normalize_name(name, normalized):
    assert normalize_name(name) == normalized


def test_pull_then_unchanged_with_one_call(double):
    client = fresh_client(double)
    changed, models, before, after = ollama_model.run(client, ["llama3.2:1b"], "present", False, 60)
    assert changed and models[0]["action"] == "pulled"
    assert models[0]["digest"] == after["llama3.2:1b"]["digest"] and models[0]["size"] == 1321098329
    again = fresh_client(double)
    changed, models, _, _ = ollama_model.run(again, ["llama3.2:1b", "nomic-embed-text"], "present", False, 60)
    assert not changed
    assert [m["action"] for m in models] == ["none", "none"]
    assert again.calls == 1


def test_absent_removes_and_is_then_unchanged(double):
    changed, models, _, after = ollama_model.run(fresh_client(double), ["nomic-embed-text"], "absent", False, 60)
    assert changed and models[0]["action"] == "removed" and "nomic-embed-text:latest" not in after
    assert "nomic-embed-text:latest" not in fresh_client(double).tags()
    changed, models, _, _ = ollama_model.run(fresh_client(double), ["nomic-embed-text"], "absent", False, 60)
    assert not changed and models[0]["action"] == "none"


def test_error_line_in_a_200_stream_fails_with_ollamas_message(double):
    control(double, "/_double/config", {"fail_midstream": ["llama3.1:8b"]})
    with pytest.raises(OllamaError, match="pulling llama3.1:8b: max retries exceeded: connection reset by peer"):
        ollama_model.run(fresh_client(double), ["llama3.1:8b"], "present", False, 60)
    assert "llama3.1:8b" not in fresh_client(double).tags()


def test_unknown_model_fails_and_is_not_retried(double):
    client = OllamaClient(double, retries=3, sleep=lambda s: pytest.fail("model errors must not be retried"))
    with pytest.raises(OllamaError, match="file does not exist"):
        ollama_model.run(client, ["no-such-model:1b"], "present", False, 60)
    assert client.calls == 2  # tags + one pull


def test_check_mode_pulls_and_removes_nothing(double):
    changed, models, _, _ = ollama_model.run(fresh_client(double), ["llama3.2:3b", "nomic-embed-text"], "present", True, 60)
    assert changed and [m["action"] for m in models] == ["would pull", "none"]
    changed, models, _, _ = ollama_model.run(fresh_client(double), ["nomic-embed-text"], "absent", True, 60)
    assert changed and models[0]["action"] == "would remove"
    assert sorted(fresh_client(double).tags()) == ["nomic-embed-text:latest"]
    calls = control(double, "/_double/calls")
    assert "POST /api/pull" not in calls and "DELETE /api/delete" not in calls


def test_latest_changes_only_when_the_digest_changed(double):
    changed, models, _, _ = ollama_model.run(fresh_client(double), ["nomic-embed-text"], "latest", False, 60)
    assert not changed and models[0]["action"] == "none"
    control(double, "/_double/config", {"upstream": {"nomic-embed-text": 1}})
    old = fresh_client(double).tags()["nomic-embed-text:latest"]["digest"]
    changed, models, _, _ = ollama_model.run(fresh_client(double), ["nomic-embed-text"], "latest", False, 60)
    assert changed and models[0]["action"] == "updated" and models[0]["digest"] != old


def test_connection_errors_are_retried_with_backoff():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    waits = []
    client = OllamaClient("http://127.0.0.1:%d" % port, timeout=2, retries=3, backoff=0.5, sleep=waits.append)
    with pytest.raises(OllamaConnectionError, match="after 4 attempts"):
        client.tags()
    assert waits == [0.5, 1.0, 2.0]


def test_other_endpoints_of_the_double(double):
    client = fresh_client(double)
    assert client.version() == ollama_double.VERSION
    show = client.show("nomic-embed-text")
    assert show["details"]["family"] == "nomic-bert"
    embed = client._json("POST", "/api/embed", {"model": "nomic-embed-text", "input": ["a", "a", "b"]})
    assert embed["embeddings"][0] == embed["embeddings"][1] != embed["embeddings"][2]
    assert len(embed["embeddings"][0]) == 768
    assert [m["name"] for m in client.ps()] == ["nomic-embed-text:latest"]


def run_module(monkeypatch, capsys, **params):
    from ansible.module_utils import basic
    from ansible.module_utils.common.text.converters import to_bytes

    monkeypatch.setattr(basic, "_ANSIBLE_ARGS", to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": params})))
    monkeypatch.setattr(basic, "_ANSIBLE_PROFILE", "legacy", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        ollama_model.main()
    return exit_info.value.code, json.loads(capsys.readouterr().out)


def test_module_result_diff_and_call_count(double, monkeypatch, capsys):
    code, out = run_module(monkeypatch, capsys, name=["llama3.2:1b"], url=double, _ansible_diff=True)
    assert code == 0 and out["changed"] is True
    assert out["models"][0]["name"] == "llama3.2:1b" and out["models"][0]["digest"]
    assert "llama3.2:1b" not in out["diff"]["before"] and "llama3.2:1b" in out["diff"]["after"]
    assert out["api_calls"] == 3  # tags, pull, tags


@pytest.mark.parametrize("name, message", [("no-such-model", "file does not exist"), ("bad name", "not a model name")])
def test_module_fails_with_a_message(double, monkeypatch, capsys, name, message):
    code, out = run_module(monkeypatch, capsys, name=[name], url=double)
    assert code == 1 and out["failed"] is True and message in out["msg"]


def test_info_module_lists_present_and_loaded(double, monkeypatch, capsys):
    from ansible.module_utils import basic
    from ansible.module_utils.common.text.converters import to_bytes

    from ansible_collections.selfhosted.ai_stack.plugins.modules import ollama_model_info

    ollama_model.run(fresh_client(double), ["llama3.2:1b"], "present", False, 60)
    fresh_client(double)._json("POST", "/api/generate", {"model": "llama3.2:1b", "prompt": "hi", "stream": False})
    monkeypatch.setattr(basic, "_ANSIBLE_ARGS", to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": {"url": double}})))
    monkeypatch.setattr(basic, "_ANSIBLE_PROFILE", "legacy", raising=False)
    with pytest.raises(SystemExit):
        ollama_model_info.main()
    out = json.loads(capsys.readouterr().out)
    assert [m["name"] for m in out["present"]] == ["llama3.2:1b", "nomic-embed-text:latest"]
    assert out["present"][0] == {"name": "llama3.2:1b", "digest": out["present"][0]["digest"], "size": 1321098329,
                                 "family": "llama", "parameters": "1.2B", "quantization": "Q8_0"}
    assert [m["name"] for m in out["loaded"]] == ["llama3.2:1b"] and out["changed"] is False


def test_progress_file_shows_model_and_bytes_while_pulling(double, tmp_path):
    path = str(tmp_path / "progress.json")
    seen = []
    progress = ollama_model.ProgressFile(path, 2, interval=0)
    original = progress.write

    def spy(event):
        original(event)
        with open(path) as handle:
            seen.append(json.load(handle))

    progress.write = spy
    ollama_model.run(fresh_client(double), ["llama3.2:1b", "llama3.2:3b"], "present", False, 60, progress)
    pulling = [s for s in seen if s["status"].startswith("pulling ") and s["total"]]
    assert {(s["model"], s["index"], s["count"]) for s in pulling} == {("llama3.2:1b", 1, 2), ("llama3.2:3b", 2, 2)}
    first = [s["completed"] for s in pulling if s["model"] == "llama3.2:1b"]
    assert first == sorted(first) and first[-1] == 1321098329
    progress.close()
    assert not os.path.exists(path)


def test_progress_file_is_throttled_per_status(tmp_path):
    now = [100.0]
    progress = ollama_model.ProgressFile(str(tmp_path / "p.json"), 1, interval=1.0, clock=lambda: now[0])
    progress.start("m:1b")
    progress.write({"status": "pulling x", "completed": 1, "total": 10})
    progress.write({"status": "pulling x", "completed": 5, "total": 10})  # within a second: skipped
    assert json.loads((tmp_path / "p.json").read_text())["completed"] == 1
    now[0] += 1.5
    progress.write({"status": "pulling x", "completed": 7, "total": 10})
    assert json.loads((tmp_path / "p.json").read_text())["completed"] == 7


def test_module_removes_the_progress_file_even_on_failure(double, monkeypatch, capsys, tmp_path):
    path = tmp_path / "progress.json"
    control(double, "/_double/config", {"fail_midstream": ["llama3.2:3b"]})
    code, out = run_module(monkeypatch, capsys, name=["llama3.2:3b"], url=double, progress_file=str(path))
    assert code == 1 and "connection reset by peer" in out["msg"]
    assert not path.exists()


def test_the_double_tells_the_module_from_other_clients(double):
    client = fresh_client(double)
    client.tags()
    by_agent = control(double, "/_double/calls-by-agent")
    assert by_agent["selfhosted.ai_stack-ollama"]["GET /api/tags"] == 1


def test_the_double_keeps_models_across_a_restart(tmp_path):
    first = ollama_double.serve("127.0.0.1", 0, [], str(tmp_path))
    threading.Thread(target=first.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    url = "http://127.0.0.1:%d" % first.server_address[1]
    ollama_model.run(fresh_client(url), ["llama3.2:1b"], "present", False, 60)
    first.shutdown()
    first.server_close()
    second = ollama_double.serve("127.0.0.1", 0, [], str(tmp_path))
    threading.Thread(target=second.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        assert list(fresh_client("http://127.0.0.1:%d" % second.server_address[1]).tags()) == ["llama3.2:1b"]
    finally:
        second.shutdown()
        second.server_close()


def test_info_module_can_skip_the_loaded_models(double, monkeypatch, capsys):
    from ansible.module_utils import basic
    from ansible.module_utils.common.text.converters import to_bytes

    from ansible_collections.selfhosted.ai_stack.plugins.modules import ollama_model_info

    control(double, "/_double/reset", {})
    monkeypatch.setattr(basic, "_ANSIBLE_ARGS", to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": {"url": double, "loaded": False}})))
    monkeypatch.setattr(basic, "_ANSIBLE_PROFILE", "legacy", raising=False)
    with pytest.raises(SystemExit):
        ollama_model_info.main()
    out = json.loads(capsys.readouterr().out)
    assert out["loaded"] == [] and [m["name"] for m in out["present"]] == ["nomic-embed-text:latest"]
    calls = control(double, "/_double/calls-by-agent")["selfhosted.ai_stack-ollama"]
    assert calls["GET /api/tags"] == 1 and "GET /api/ps" not in calls


class _Lines(object):
    """A pull response: the lines Ollama streams."""

    def __init__(self, *events):
        self.lines = [(json.dumps(e) + "\n").encode() for e in events]

    def __iter__(self):
        return iter(self.lines)


@pytest.mark.parametrize("events, last", [
    ([{"status": "pulling manifest"}, {"status": "downloading", "digest": "sha256:a", "total": 5, "completed": 5}], "downloading"),
    ([], "none"),
])
def test_a_pull_stream_that_ends_without_success_fails(monkeypatch, events, last):
    # Issue 12: a connection cut after a few progress lines is not a pulled model.
    client = OllamaClient("http://ollama.invalid:11434")
    monkeypatch.setattr(client, "_open", lambda *args, **kwargs: _Lines(*events))
    with pytest.raises(OllamaError, match=r"pulling m:1b: the stream ended without success \(last status: %s\)" % last):
        client.pull("m:1b")


def test_a_pull_stream_ending_in_success_reports_layers_and_bytes(monkeypatch):
    client = OllamaClient("http://ollama.invalid:11434")
    events = [{"status": "pulling manifest"}, {"status": "downloading", "digest": "sha256:a", "total": 5},
              {"status": "downloading", "digest": "sha256:b", "total": 7}, {"status": "success"}]
    monkeypatch.setattr(client, "_open", lambda *args, **kwargs: _Lines(*events))
    assert client.pull("m:1b") == {"layers": 2, "bytes": 12, "statuses": ["pulling manifest", "downloading", "success"]}


@pytest.mark.parametrize("body, text", [
    (b'{"error": "pull model manifest: file does not exist"}', "pull model manifest: file does not exist"),
    (b'{"status": "odd"}', '{"status": "odd"}'),
    (b"<html>bad gateway</html>", "HTTP 502 Bad Gateway"),
])
def test_error_text_of_an_http_error_body(body, text):
    import io

    from ansible.module_utils.six.moves.urllib.error import HTTPError

    from ansible_collections.selfhosted.ai_stack.plugins.module_utils.ollama import _error_text

    assert _error_text(HTTPError("http://x/api/pull", 502, "Bad Gateway", {}, io.BytesIO(body))) == text


def test_the_module_s_options_and_their_defaults(monkeypatch):
    from module_runner import argument_spec_of
    spec = argument_spec_of(ollama_model, monkeypatch)
    assert spec["name"] == {"type": "list", "elements": "str", "required": True, "aliases": ["models"]}
    assert spec["state"] == {"type": "str", "default": "present", "choices": ["present", "absent", "latest"]}
    assert spec["pull_timeout"] == {"type": "int", "default": 3600}


def test_check_mode_and_the_models_alias_reach_the_module(double, monkeypatch, capsys):
    code, out = run_module(monkeypatch, capsys, models=["llama3.2:1b"], url=double, _ansible_check_mode=True)
    assert code == 0 and out["changed"] is True
    assert out["models"] == [{"name": "llama3.2:1b", "action": "would pull", "changed": True, "digest": None, "size": None}]


def test_the_diff_lists_each_model_with_its_digest_a_line_each(double, monkeypatch, capsys):
    code, out = run_module(monkeypatch, capsys, name=["llama3.2:1b"], url=double, _ansible_diff=True)
    digest = out["models"][0]["digest"]
    assert out["diff"]["before"] == "nomic-embed-text:latest %s\n" % fresh_client(double).tags()["nomic-embed-text:latest"]["digest"]
    assert out["diff"]["after"] == "llama3.2:1b %s\n" % digest + out["diff"]["before"]


@pytest.mark.parametrize("names, shown", [(["bad name", "ok:1b", " lead"], "'bad name', ' lead'"), ([""], "''")])
def test_every_bad_name_is_shown_in_one_message(monkeypatch, capsys, names, shown):
    code, out = run_module(monkeypatch, capsys, name=names, url="http://127.0.0.1:9")
    assert code == 1 and out["msg"] == "name: %s is not a model name (e.g. llama3.1:8b)" % shown


def test_a_model_already_absent_is_reported_as_none(double):
    changed, models, _, _ = ollama_model.run(fresh_client(double), ["gone:1b"], "absent", False, 60)
    assert changed is False and models[0]["action"] == "none"


def test_the_progress_file_starts_each_model_and_throttles_at_the_interval_itself(tmp_path):
    now = [1.5]
    path = tmp_path / "p.json"
    progress = ollama_model.ProgressFile(str(path), 2, clock=lambda: now[0])  # the default interval: 1 s
    progress.write({})  # a fresh file's first event is written once a second has passed since the epoch
    assert json.loads(path.read_text()) == {"model": None, "index": 0, "count": 2, "status": None,
                                            "completed": None, "total": None}
    progress.start("m:1b")
    assert json.loads(path.read_text())["status"] == "starting" and json.loads(path.read_text())["index"] == 1
    progress.write({"status": "pulling x", "completed": 1, "total": 10})
    now[0] += 1.0  # exactly the interval: written
    progress.write({"status": "pulling x", "completed": 2, "total": 10})
    assert json.loads(path.read_text())["completed"] == 2


def test_closing_removes_what_an_interrupted_write_left(tmp_path, monkeypatch):
    path = tmp_path / "p.json"
    progress = ollama_model.ProgressFile(str(path), 1, interval=0)
    progress.start("m:1b")

    def interrupted(source, target):
        raise KeyboardInterrupt()
    monkeypatch.setattr(ollama_model.os, "rename", interrupted)
    with pytest.raises(KeyboardInterrupt):
        progress.write({"status": "pulling x"})
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.json", "p.json.tmp"]
    progress.close()
    assert list(tmp_path.iterdir()) == []


def test_latest_in_check_mode_on_a_present_model_changes_nothing(double):
    changed, models, _, _ = ollama_model.run(fresh_client(double), ["nomic-embed-text"], "latest", True, 60)
    assert changed is False and models[0]["action"] == "none"
