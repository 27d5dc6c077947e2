# The Pipelines server stand-in (tests/pipelines-standin): it loads pipeline files the way the real
# server does and answers the routes Open WebUI calls, with the real server's key rules.
import asyncio
import json
import os
import shutil
import sys
import threading
import urllib.error
import urllib.request
from http.server import ThreadingHTTPServer

import pytest

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "pipelines-standin"))
import pipelines_standin as ps  # noqa: E402

FILTER = os.path.join(HERE, "..", "..", "roles", "pipelines", "files", "pipelines", "langfuse_filter.py")
KEY = "k" * 32

RECORDING_FILTER = '''"""
title: Recording filter
requirements: alpha==1, beta>=2
"""
from typing import List
from pydantic import BaseModel

CALLS = []


class Pipeline:
    class Valves(BaseModel):
        pipelines: List[str] = ["*"]
        priority: int = 0
        tag: str = "default"

    def __init__(self):
        self.type = "filter"
        self.name = "Recording"
        self.valves = self.Valves()

    async def on_startup(self):
        CALLS.append(("startup", self.valves.tag))

    async def on_shutdown(self):
        CALLS.append(("shutdown", self.valves.tag))

    async def on_valves_updated(self):
        CALLS.append(("valves", self.valves.tag))

    async def inlet(self, body, user=None):
        if body.get("explode"):
            raise RuntimeError("inlet exploded")
        return {**body, "inlet": self.valves.tag, "user": (user or {}).get("id")}

    async def outlet(self, body, user=None):
        return {**body, "outlet": self.valves.tag}
'''

PIPE = '''from pydantic import BaseModel


class Pipeline:
    def __init__(self):
        self.name = "Echo"

    def pipe(self, user_message, model_id, messages, body):
        if body.get("stream"):
            return iter(["echo: ", user_message, "data: {\\"raw\\": true}"])
        if body.get("as_dict"):
            return {"raw": model_id}
        return "echo: " + user_message
'''

MANIFOLD = '''class Pipeline:
    def __init__(self):
        self.type = "manifold"
        self.name = "Many: "
        self.pipelines = [{"id": "a", "name": "A"}, {"id": "b", "name": "B"}]

    def pipe(self, user_message, model_id, messages, body):
        return "from " + model_id
'''


def write(directory, name, text):
    with open(os.path.join(directory, name), "w") as handle:
        handle.write(text)


@pytest.fixture()
def folder(tmp_path):
    return str(tmp_path / "pipelines")


def started(folder, files, install=None, valves=None):
    os.makedirs(folder, exist_ok=True)
    for name, text in files.items():
        write(folder, name, text)
    for name, values in (valves or {}).items():
        os.makedirs(os.path.join(folder, name), exist_ok=True)
        write(os.path.join(folder, name), "valves.json", json.dumps(values))
    installed = []
    state = ps.Server(folder, KEY, install=install or installed.append)
    state.start()
    state.installed = installed
    return state


@pytest.fixture()
def serve():
    servers = []

    def start(state):
        handler = type("H", (ps.Handler,), {"server_state": state})
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(httpd)
        return "http://127.0.0.1:%d" % httpd.server_address[1]
    yield start
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()


def call(url, data=None, key=KEY, raw=False):
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["Authorization"] = "Bearer " + key
    body = json.dumps(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers=headers, method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read().decode()
            return response.status, (text if raw else json.loads(text))
    except urllib.error.HTTPError as failed:
        return failed.code, json.loads(failed.read())


def module_calls(state, pipeline_id="recording"):
    return type(state.modules[pipeline_id]).__init__.__globals__["CALLS"]


# ---- loading --------------------------------------------------------------------------------------

@pytest.mark.parametrize("source, expected", [
    ('"""\ntitle: T\nRequirements: a==1, b\nurl: http://x:1/y\n"""\nx = 1', {"title": "T", "requirements": "a==1, b", "url": "http://x:1/y"}),
    ('"""no closing', {}),
    ("# no docstring\n", {}),
    ('x = 1\n"""\nrequirements: a\n"""', {}),
])
def test_frontmatter(source, expected):
    assert ps.frontmatter(source) == expected


def test_install_requirements_runs_pip_once_per_requirement():
    commands = []
    ps.install_requirements(" alpha==1, ,beta>=2 ", run=commands.append)
    assert commands == [[sys.executable, "-m", "pip", "install", "alpha==1"],
                        [sys.executable, "-m", "pip", "install", "beta>=2"]]


def test_a_filter_loads_with_its_requirements_folder_and_valves(folder):
    state = started(folder, {"recording.py": RECORDING_FILTER, "notes.txt": "not a pipeline"},
                    valves={"recording": {"tag": "from-file"}})
    assert list(state.modules) == ["recording"] and state.names == {"recording": "recording"}
    assert state.installed == ["alpha==1, beta>=2"]
    assert state.modules["recording"].valves.tag == "from-file"
    assert module_calls(state) == [("startup", "from-file")]
    assert sorted(os.listdir(folder)) == ["notes.txt", "recording", "recording.py"]


def test_a_missing_valves_file_is_created_empty(folder):
    state = started(folder, {"recording.py": RECORDING_FILTER})
    with open(os.path.join(folder, "recording", "valves.json")) as handle:
        assert json.load(handle) == {}
    assert state.modules["recording"].valves.tag == "default"


@pytest.mark.parametrize("name, text", [
    ("no_class.py", "x = 1\n"),
    ("broken.py", "def (:\n"),
])
def test_a_file_that_does_not_load_is_moved_to_failed(folder, name, text, capsys):
    state = started(folder, {name: text, "recording.py": RECORDING_FILTER})
    assert list(state.modules) == ["recording"]
    assert os.listdir(os.path.join(folder, "failed")) == [name]
    assert not os.path.exists(os.path.join(folder, name))
    assert "Error loading module: %s" % name[:-3] in capsys.readouterr().err


def test_a_requirement_that_fails_to_install_moves_the_file_to_failed(folder):
    def refuse(requirements):
        raise OSError("pip: no matching distribution")
    state = started(folder, {"recording.py": RECORDING_FILTER}, install=refuse)
    assert state.modules == {} and os.listdir(os.path.join(folder, "failed")) == ["recording.py"]


def test_the_shipped_langfuse_filter_loads_like_any_pipeline(folder):
    os.makedirs(folder)
    shutil.copy(FILTER, os.path.join(folder, "langfuse_filter.py"))
    state = started(folder, {}, valves={"langfuse_filter": {"public_key": "pk", "secret_key": "sk", "host": ""}})
    assert state.installed == ["langfuse==2.60.10"]
    pipeline = state.modules["langfuse_filter"]
    assert pipeline.type == "filter" and pipeline.valves.public_key == "pk" and pipeline.langfuse is None
    models = state.models()["data"]
    assert [(m["id"], m["pipeline"]) for m in models] == [
        ("langfuse_filter", {"type": "filter", "pipelines": ["*"], "priority": 0, "valves": True})]


def test_reload_shuts_down_and_starts_again(folder):
    state = started(folder, {"recording.py": RECORDING_FILTER})
    calls = module_calls(state)
    state.reload()
    assert calls == [("startup", "default"), ("shutdown", "default")]
    assert module_calls(state) == [("startup", "default")]  # a fresh module object


# ---- HTTP ---------------------------------------------------------------------------------------------

def test_each_request_is_logged_as_uvicorn_logs_it(folder, serve, capfd):
    url = serve(started(folder, {"recording.py": RECORDING_FILTER}))
    capfd.readouterr()
    call(url + "/recording/filter/inlet", {"body": {}})
    call(url + "/v1/models", key=None)
    lines = [line for line in capfd.readouterr().err.splitlines() if line.startswith("INFO:")]
    assert [line.split(" - ", 1)[1] for line in lines] == [
        '"POST /recording/filter/inlet HTTP/1.1" 200', '"GET /v1/models HTTP/1.1" 403']
    assert lines[0].startswith("INFO:     127.0.0.1:")


def test_status_needs_no_key_and_everything_else_does(folder, serve):
    url = serve(started(folder, {"recording.py": RECORDING_FILTER}))
    assert call(url + "/", key=None) == (200, {"status": True})
    assert call(url + "/v1", key=None) == (200, {"status": True})
    assert call(url + "/v1/models", key=None) == (403, {"detail": "Not authenticated"})
    assert call(url + "/v1/models", key=ps.DEFAULT_API_KEY) == (401, {"detail": "Invalid API key"})
    assert call(url + "/v1/recording/filter/inlet", {"body": {}}, key="") == (403, {"detail": "Not authenticated"})
    assert call(url + "/models")[0] == 200


def test_models_list_filters_pipes_and_manifolds(folder, serve):
    url = serve(started(folder, {"recording.py": RECORDING_FILTER, "echo.py": PIPE, "many.py": MANIFOLD}))
    status, document = call(url + "/v1/models")
    assert status == 200 and document["object"] == "list" and document["pipelines"] is True
    described = {m["id"]: (m["name"], m["pipeline"], m["object"], m["owned_by"]) for m in document["data"]}
    assert described == {
        "echo": ("Echo", {"type": "pipe", "valves": False}, "model", "openai"),
        "many.a": ("Many: A", {"type": "manifold", "valves": False}, "model", "openai"),
        "many.b": ("Many: B", {"type": "manifold", "valves": False}, "model", "openai"),
        "recording": ("Recording", {"type": "filter", "pipelines": ["*"], "priority": 0, "valves": True}, "model", "openai"),
    }
    assert call(url + "/v1/pipelines")[1] == {"data": [
        {"id": "echo", "name": "echo", "type": "pipe", "valves": False},
        {"id": "many", "name": "many", "type": "manifold", "valves": False},
        {"id": "recording", "name": "recording", "type": "filter", "valves": True}]}


def test_inlet_and_outlet_run_the_filter(folder, serve):
    url = serve(started(folder, {"recording.py": RECORDING_FILTER}))
    form = {"body": {"model": "llama3.1:8b", "messages": []}, "user": {"id": "u-1"}}
    assert call(url + "/v1/recording/filter/inlet", form) == (200, {**form["body"], "inlet": "default", "user": "u-1"})
    assert call(url + "/recording/filter/outlet", form) == (200, {**form["body"], "outlet": "default"})
    assert call(url + "/v1/recording.sub/filter/outlet", form)[0] == 200


@pytest.mark.parametrize("path, form, expected", [
    ("/v1/nothing/filter/inlet", {"body": {}}, (404, {"detail": "Filter nothing not found"})),
    ("/v1/recording/filter/inlet", {"body": {"explode": True}}, (500, {"detail": "inlet exploded"})),
    ("/v1/recording/filter/inlet", {"user": {}}, (422, {"detail": "body: a JSON object is required"})),
    ("/v1/recording/filter/inlet", [1], (422, {"detail": "body: a JSON object is required"})),
    ("/v1/recording/filter/sideways", {"body": {}}, (404, {"detail": "Not Found"})),
    ("/v1/recording/valves/update", [1], (422, {"detail": "valves: a JSON object is required"})),
    ("/v1/recording/valves/update", {"priority": "high"}, (500, None)),
    ("/v1/nothing/valves/update", {}, (404, {"detail": "Pipeline nothing not found"})),
    ("/v1/echo/valves/update", {}, (404, {"detail": "Valves for echo not found"})),
    ("/v1/chat/completions", {"model": "recording", "messages": []}, (404, {"detail": "Pipeline recording not found"})),
    ("/v1/chat/completions", {"model": "nothing", "messages": []}, (404, {"detail": "Pipeline nothing not found"})),
    ("/v1/chat/completions", {"model": "echo"}, (422, {"detail": "model and messages are required"})),
])
def test_refusals(folder, serve, path, form, expected):
    url = serve(started(folder, {"recording.py": RECORDING_FILTER, "echo.py": PIPE}))
    status, document = call(url + path, form)
    assert status == expected[0]
    if expected[1] is not None:
        assert document == expected[1]


def test_a_body_that_is_not_json_is_refused(folder, serve):
    url = serve(started(folder, {"recording.py": RECORDING_FILTER}))
    request = urllib.request.Request(url + "/v1/recording/filter/inlet", data=b"{nope", method="POST",
                                     headers={"Authorization": "Bearer " + KEY})
    with pytest.raises(urllib.error.HTTPError) as failed:
        urllib.request.urlopen(request, timeout=5)
    assert failed.value.code == 422 and json.loads(failed.value.read()) == {"detail": "the body is not JSON"}


def test_valves_read_spec_and_update_persist_and_notify(folder, serve):
    state = started(folder, {"recording.py": RECORDING_FILTER})
    url = serve(state)
    assert call(url + "/v1/recording/valves") == (200, {"pipelines": ["*"], "priority": 0, "tag": "default"})
    status, spec = call(url + "/v1/recording/valves/spec")
    assert status == 200 and set(spec["properties"]) == {"pipelines", "priority", "tag"}
    assert call(url + "/v1/recording/valves/update", {"tag": "new", "priority": 3}) == (
        200, {"pipelines": ["*"], "priority": 3, "tag": "new"})
    with open(os.path.join(folder, "recording", "valves.json")) as handle:
        assert json.load(handle) == {"pipelines": ["*"], "priority": 3, "tag": "new"}
    assert module_calls(state)[-1] == ("valves", "new")
    assert call(url + "/v1/models")[1]["data"][0]["pipeline"]["priority"] == 3
    assert call(url + "/v1/nothing/valves")[0] == 404


def test_reload_route(folder, serve):
    state = started(folder, {"recording.py": RECORDING_FILTER})
    url = serve(state)
    write(folder, "echo.py", PIPE)
    assert call(url + "/v1/pipelines/reload", {}) == (200, {"message": "Pipelines reloaded successfully."})
    assert sorted(state.modules) == ["echo", "recording"]


def test_chat_completions_of_a_pipe(folder, serve):
    url = serve(started(folder, {"echo.py": PIPE, "many.py": MANIFOLD}))
    messages = [{"role": "user", "content": "first"}, {"role": "assistant", "content": "x"}, {"role": "user", "content": "hi"}]
    status, document = call(url + "/v1/chat/completions", {"model": "echo", "messages": messages})
    assert status == 200 and document["object"] == "chat.completion" and document["model"] == "echo"
    assert document["choices"][0]["message"] == {"role": "assistant", "content": "echo: hi"}
    assert document["choices"][0]["finish_reason"] == "stop"
    assert call(url + "/v1/chat/completions", {"model": "many.b", "messages": messages})[1][
        "choices"][0]["message"]["content"] == "from b"
    assert call(url + "/v1/chat/completions", {"model": "echo", "messages": messages, "as_dict": True})[1] == {"raw": "echo"}


def test_streamed_chat_completions_are_server_sent_events(folder, serve):
    url = serve(started(folder, {"echo.py": PIPE}))
    status, text = call(url + "/v1/chat/completions",
                        {"model": "echo", "stream": True, "messages": [{"role": "user", "content": "hi"}]}, raw=True)
    events = text.split("\n\n")
    assert status == 200 and events[-1] == "data: [DONE]"
    contents = [json.loads(event[6:])["choices"][0]["delta"].get("content") for event in events[:2]]
    assert contents == ["echo: ", "hi"]
    assert events[2] == 'data: {"raw": true}'
    finish = json.loads(events[3][6:])
    assert finish["choices"][0]["finish_reason"] == "stop" and finish["choices"][0]["delta"] == {}


def test_completion_events_and_documents():
    assert list(ps.completion_events("m", "one"))[-1] == "data: [DONE]"
    assert json.loads(list(ps.completion_events("m", [b"x"]))[0][6:])["choices"][0]["delta"] == {"content": "x"}
    assert ps.completion_document("m", iter(["a", "b"]))["choices"][0]["message"]["content"] == "ab"


def test_build_reads_the_environment(folder, monkeypatch):
    os.makedirs(folder)
    write(folder, "echo.py", PIPE)
    state = ps.build({"PIPELINES_DIR": folder})
    assert state.api_key == ps.DEFAULT_API_KEY and list(state.modules) == ["echo"]
    assert ps.build({"PIPELINES_DIR": folder, "PIPELINES_API_KEY": KEY}).api_key == KEY
    monkeypatch.chdir(os.path.dirname(folder))
    assert ps.build({}).directory == "./pipelines"


def test_hooks_run_on_the_servers_event_loop(folder):
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    os.makedirs(folder)
    write(folder, "recording.py", RECORDING_FILTER)
    state = ps.Server(folder, KEY, install=lambda requirements: None, loop=loop)
    state.start()
    assert state.filter("recording", "inlet", {"body": {"a": 1}}) == {"a": 1, "inlet": "default", "user": None}
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


def test_a_body_on_any_request_is_read_so_a_kept_alive_connection_goes_on(folder, serve):
    import http.client
    url = serve(started(folder, {"recording.py": RECORDING_FILTER}))
    connection = http.client.HTTPConnection(url[7:], timeout=5)
    for method, path, key in (("GET", "/", None), ("GET", "/v1/models", None), ("GET", "/v1/models", KEY)):
        headers = {"Content-Type": "application/json"} | ({"Authorization": "Bearer " + key} if key else {})
        connection.request(method, path, body=b"null", headers=headers)
        response = connection.getresponse()
        response.read()
        assert response.status in (200, 403)
    connection.request("POST", "/v1/recording/filter/inlet", body=json.dumps({"body": {"a": 1}}),
                       headers={"Authorization": "Bearer " + KEY, "Content-Type": "application/json"})
    assert json.loads(connection.getresponse().read())["inlet"] == "default"
    connection.close()


# ---- exact documents, as Open WebUI reads them ----------------------------------------------------------

NAMED = '''class Pipeline:
    def __init__(self):
        self.id = "custom-id"
        self.name = "Named"

    def pipe(self, user_message, model_id, messages, body):
        return "named"
'''

CALLABLE_MANIFOLD = '''class Pipeline:
    def __init__(self):
        self.type = "manifold"

    def pipelines(self):
        return [{"id": "x", "name": "X"}]

    def pipe(self, user_message, model_id, messages, body):
        return model_id
'''

BARE_FILTER = '''class Pipeline:
    def __init__(self):
        self.type = "filter"
'''


def test_the_default_key_is_upstreams():
    assert ps.DEFAULT_API_KEY == "0p3n-w3bu!"


def test_a_pipeline_may_name_its_own_id_and_a_manifold_list_its_models_with_a_function(folder, capsys):
    state = started(folder, {"named.py": NAMED, "many.py": CALLABLE_MANIFOLD, "bare.py": BARE_FILTER})
    assert state.names == {"custom-id": "named", "many": "many", "bare": "bare"}
    assert "Loaded module: named" in capsys.readouterr().err.splitlines()
    models = {model["id"]: model for model in state.models()["data"]}
    assert set(models) == {"custom-id", "many.x", "bare"}
    assert models["many.x"]["name"] == "X" and models["custom-id"]["name"] == "Named"
    assert models["bare"]["pipeline"] == {"type": "filter", "pipelines": [], "priority": 0, "valves": False}
    assert all(isinstance(model["created"], int) and model["created"] > 1700000000 for model in models.values())


def test_a_file_without_a_pipeline_class_says_so(folder, capsys):
    started(folder, {"no_class.py": "x = 1\n"})
    assert "Error loading module: no_class: No Pipeline class found" in capsys.readouterr().err.splitlines()


def test_json_answers_and_streams_carry_their_content_type(folder, serve):
    url = serve(started(folder, {"echo.py": PIPE}))
    request = urllib.request.Request(url + "/v1/models", headers={"Authorization": "Bearer " + KEY})
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.headers["Content-Type"] == "application/json"
        response.read()
    request = urllib.request.Request(url + "/v1/chat/completions", method="POST", headers={
        "Authorization": "Bearer " + KEY, "Content-Type": "application/json"},
        data=json.dumps({"model": "echo", "stream": True, "messages": [{"role": "user", "content": "hi"}]}).encode())
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.headers["Content-Type"] == "text/event-stream"
        response.read()


def test_the_chunks_and_the_whole_answer_are_openais_documents(monkeypatch):
    monkeypatch.setattr(ps.time, "time", lambda: 1800000000.5)
    monkeypatch.setattr(ps.uuid, "uuid4", lambda: "u-1")
    assert ps.chunk("m", "hi") == {"id": "m-u-1", "object": "chat.completion.chunk", "created": 1800000000, "model": "m",
                                   "choices": [{"index": 0, "delta": {"content": "hi"}, "logprobs": None, "finish_reason": None}]}
    assert ps.chunk("m", None, "stop")["choices"] == [{"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"}]
    assert ps.completion_document("m", "whole") == {
        "id": "m-u-1", "object": "chat.completion", "created": 1800000000, "model": "m",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "whole"}, "logprobs": None, "finish_reason": "stop"}]}


def test_a_filter_body_must_be_an_object(folder):
    state = started(folder, {"recording.py": RECORDING_FILTER})
    with pytest.raises(ps.HttpError) as failed:
        state.filter("recording", "inlet", {"body": [1]})
    assert (failed.value.status, failed.value.detail) == (422, "body: a JSON object is required")


def test_the_log_line_names_the_client_the_request_and_the_status(folder, serve, capfd):
    url = serve(started(folder, {"echo.py": PIPE}))
    capfd.readouterr()
    call(url + "/", key=None)
    (line,) = [line for line in capfd.readouterr().err.splitlines() if line.startswith("INFO:")]
    host, _, rest = line[len("INFO:     "):].partition(":")
    port, _, request = rest.partition(" - ")
    assert host == "127.0.0.1" and port.isdigit() and request == '"GET / HTTP/1.1" 200'
