# The Open WebUI stand-in (tests/open-webui-standin) - and, through it, the stack's request flow in one
# process: Open WebUI -> the Pipelines stand-in running the role's Langfuse filter (real SDK 2.60.10)
# -> the Ollama double -> the answer streamed back -> the filter's outlet -> the Langfuse stand-in.
import asyncio
import base64
import hashlib
import json
import os
import shutil
import socket
import sys
import threading
import uuid
import io
import urllib.error
import urllib.request
from http.server import ThreadingHTTPServer

import pytest

HERE = os.path.dirname(__file__)
for folder in ("open-webui-standin", "pipelines-standin", "langfuse-standin", "ollama-double"):
    sys.path.insert(0, os.path.join(HERE, "..", folder))
import langfuse_standin as lf  # noqa: E402
import ollama_double  # noqa: E402
import open_webui_standin as ow  # noqa: E402
import pipelines_standin as ps  # noqa: E402

FILTER = os.path.join(HERE, "..", "..", "roles", "pipelines", "files", "pipelines", "langfuse_filter.py")
ADMIN = {"email": "admin@example.test", "password": "Admin-password-0123"}
PIPELINES_KEY = "p" * 40
LANGFUSE = {"init": {"project_id": "proj", "project_public_key": "pk-lf-1", "project_secret_key": "sk-lf-1"},
            "s3_prefix": "events/"}


def serve(handler):
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return httpd, "http://127.0.0.1:%d" % httpd.server_address[1]


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """Ollama double, Langfuse stand-in, Pipelines stand-in with the role's filter: what Open WebUI talks
    to, started once for the module (each test gets them emptied: `stack`)."""
    running = []
    ollama = ollama_double.serve("127.0.0.1", 0, models=["llama3.1:8b"])
    threading.Thread(target=ollama.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    running.append(ollama)
    store = {"rows": {"traces": [], "observations": []}, "objects": {}, "queue": []}

    def query(text, body=b""):
        if text.startswith("INSERT"):
            store["rows"][text.split()[2]].append(json.loads(body))
            return ""
        return "".join(json.dumps(row) + "\n" for row in store["rows"][text.split()[3]])
    langfuse, langfuse_url = serve(type("L", (lf.WebHandler,), {
        "config": LANGFUSE, "database_ok": staticmethod(lambda: True),
        "put": staticmethod(lambda key, body: store["objects"].__setitem__(key, body)),
        "push": staticmethod(lambda job: store["queue"].append(job)), "query": staticmethod(query)}))
    running.append(langfuse)
    folder = tmp_path_factory.mktemp("pipelines")
    (folder / "langfuse_filter").mkdir(parents=True)
    shutil.copy(FILTER, folder / "langfuse_filter.py")
    (folder / "langfuse_filter" / "valves.json").write_text(json.dumps(
        {"public_key": "pk-lf-1", "secret_key": "sk-lf-1", "host": langfuse_url}))
    pipelines_state = ps.Server(str(folder), PIPELINES_KEY, install=lambda requirements: None)
    pipelines_state.start()
    pipelines, pipelines_url = serve(type("P", (ps.Handler,), {"server_state": pipelines_state}))
    running.append(pipelines)

    def traces():
        pipelines_state.modules["langfuse_filter"].langfuse.flush()
        while store["queue"]:
            lf.process_job(store["queue"].pop(0), LANGFUSE, store["objects"].__getitem__, query)
        return lf.merged(store["rows"]["traces"], "proj"), list(lf.merged(store["rows"]["observations"], "proj").values())

    yield {"ollama": "http://127.0.0.1:%d" % ollama.server_address[1], "pipelines": pipelines_url,
           "traces": traces, "store": store}
    for server in running:
        server.shutdown()
        server.server_close()


@pytest.fixture()
def stack(servers, tmp_path):
    servers["traces"]()  # what an earlier test left in flight
    store = servers["store"]
    store["rows"]["traces"].clear()
    store["rows"]["observations"].clear()
    store["objects"].clear()
    return dict(servers, data=str(tmp_path / "data"), log=[])


def environment(stack, **changes):
    values = {"WEBUI_SECRET_KEY": "s" * 40, "WEBUI_ADMIN_EMAIL": ADMIN["email"], "WEBUI_ADMIN_PASSWORD": ADMIN["password"],
              "ENABLE_SIGNUP": "false", "ENABLE_PERSISTENT_CONFIG": "false", "DEFAULT_MODELS": "llama3.1:8b",
              "OLLAMA_BASE_URL": stack["ollama"], "OPENAI_API_BASE_URLS": stack["pipelines"],
              "OPENAI_API_KEYS": PIPELINES_KEY, "DATA_DIR": stack["data"]}
    values.update(changes)
    return {name: value for name, value in values.items() if value is not None}


@pytest.fixture()
def open_webui(stack):
    servers = []

    def start(**changes):
        app = ow.build(environment(stack, **changes), stack["log"].append)
        httpd, url = serve(type("H", (ow.Handler,), {"app": app}))
        servers.append(httpd)
        return url
    yield start
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()


def call(url, data=None, token=None, raw=False, headers=None):
    request = urllib.request.Request(url, data=json.dumps(data).encode() if data is not None else None,
                                     headers=dict({"Content-Type": "application/json"}, **(headers or {})))
    if token:
        request.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            text = response.read().decode()
            return response.status, (text if raw else json.loads(text))
    except urllib.error.HTTPError as failed:
        return failed.code, json.loads(failed.read())


def signin(url, **credentials):
    return call(url + "/api/v1/auths/signin", dict(ADMIN, **credentials))


# ---- the flow ---------------------------------------------------------------------------------------

def test_a_chat_streams_through_the_filter_and_lands_in_langfuse_with_its_token_counts(stack, open_webui):
    url = open_webui()
    status, session = signin(url)
    assert status == 200 and session["role"] == "admin" and session["token_type"] == "Bearer"
    status, text = call(url + "/api/chat/completions", {"model": "llama3.1:8b", "stream": True,
                        "messages": [{"role": "user", "content": "Which port?"}]}, token=session["token"], raw=True)
    events = [event[6:] for event in text.split("\n\n") if event.startswith("data: ")]
    assert status == 200 and events[-1] == "[DONE]"
    chunks = [json.loads(event) for event in events[:-1]]
    answer = "".join(chunk["choices"][0]["delta"].get("content", "") for chunk in chunks)
    assert answer.startswith("The double of llama3.1:8b answers")
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["usage"]["prompt_tokens"] == 2 and chunks[-1]["usage"]["eval_count"] == 6
    traces, observations = stack["traces"]()
    (trace,) = traces.values()
    assert trace["input"] == "Which port?" and trace["output"] == answer and trace["userId"] == ADMIN["email"]
    (generation,) = observations
    assert generation["usage"] == {"input": 2, "output": 6, "total": 8}
    assert generation["model"] == "llama3.1:8b"


def test_a_whole_answer_goes_through_the_filter_too(stack, open_webui):
    url = open_webui()
    token = signin(url)[1]["token"]
    status, document = call(url + "/api/chat/completions", {"model": "llama3.1:8b", "chat_id": "c-9",
                            "messages": [{"role": "user", "content": "hi"}]}, token=token)
    assert status == 200 and document["object"] == "chat.completion"
    assert document["choices"][0]["message"]["content"].startswith("The double")
    assert document["usage"] == {"prompt_tokens": 1, "completion_tokens": 6, "total_tokens": 7,
                                 "prompt_eval_count": 1, "eval_count": 6, "total_duration": 1000000}
    traces, _ = stack["traces"]()
    assert [trace["sessionId"] for trace in traces.values()] == ["c-9"]


def test_without_pipelines_the_chat_goes_straight_to_ollama(stack, open_webui):
    url = open_webui(OPENAI_API_BASE_URLS=None, OPENAI_API_KEYS=None)
    token = signin(url)[1]["token"]
    assert call(url + "/api/chat/completions", {"model": "llama3.1:8b", "messages": [{"role": "user", "content": "x"}]},
                token=token)[0] == 200
    assert stack["traces"]() == ({}, [])


def test_pipelines_down_is_logged_and_the_chat_still_answers(stack, open_webui):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = "http://127.0.0.1:%d" % probe.getsockname()[1]
    url = open_webui(OPENAI_API_BASE_URLS=closed)
    token = signin(url)[1]["token"]
    assert call(url + "/api/chat/completions", {"model": "llama3.1:8b", "messages": [{"role": "user", "content": "x"}]},
                token=token)[0] == 200
    assert any(line.startswith("Connection %s: " % closed) for line in stack["log"])


def test_a_filter_that_refuses_fails_the_chat_with_its_detail(stack, open_webui):
    url = open_webui(OPENAI_API_KEYS="wrong-key")
    token = signin(url)[1]["token"]
    status, document = call(url + "/api/models", token=token)
    assert status == 200 and [model["id"] for model in document["data"]] == ["llama3.1:8b"]  # listing failed: logged
    assert any("401" in line for line in stack["log"])


@pytest.mark.parametrize("form, status, detail", [
    ({"model": "nope", "messages": []}, 400, "Model not found"),
    ({"model": "llama3.1:8b"}, 400, "Model not found"),
])
def test_a_chat_with_an_unknown_model_is_refused(open_webui, form, status, detail):
    url = open_webui()
    assert call(url + "/api/chat/completions", form, token=signin(url)[1]["token"]) == (status, {"detail": detail})


# ---- accounts and settings ----------------------------------------------------------------------------

def test_signed_out_requests_are_refused_and_strangers_cannot_sign_up(open_webui):
    url = open_webui()
    assert call(url + "/api/models") == (401, {"detail": "Not authenticated"})
    assert call(url + "/api/chat/completions", {"model": "x"}) == (401, {"detail": "Not authenticated"})
    assert call(url + "/api/models", token="bm9wZQ==")[0] == 401
    status, document = call(url + "/api/v1/auths/signup", {"name": "M", "email": "m@example.test", "password": "pw"})
    assert status == 403 and document["detail"].startswith("You do not have permission")
    assert signin(url, password="wrong")[0] == 400
    assert signin(url, email="nobody@example.test")[0] == 400
    assert call(url + "/health") == (200, {"status": True})


def test_the_admin_is_made_once_and_sign_up_is_stored_off(stack, open_webui):
    url = open_webui(ENABLE_PERSISTENT_CONFIG="true", ENABLE_SIGNUP="true")
    assert call(url + "/api/config")[1]["features"]["enable_signup"] is False
    assert "Admin account created successfully: admin@example.test" in stack["log"]
    again = open_webui(ENABLE_PERSISTENT_CONFIG="true", ENABLE_SIGNUP="true", WEBUI_ADMIN_PASSWORD="Another-password-1")
    assert signin(again)[0] == 200 and signin(again, password="Another-password-1")[0] == 400
    assert stack["log"].count("Admin account created successfully: admin@example.test") == 1


def test_persistent_config_wins_over_the_environment_unless_turned_off(open_webui):
    first = open_webui(ENABLE_PERSISTENT_CONFIG="true", DEFAULT_MODELS="a")
    token = signin(first)[1]["token"]
    assert call(first + "/api/config", token=token)[1]["default_models"] == "a"
    stale = open_webui(ENABLE_PERSISTENT_CONFIG="true", DEFAULT_MODELS="b")
    assert call(stale + "/api/config", token=token)[1]["default_models"] == "a"
    fresh = open_webui(ENABLE_PERSISTENT_CONFIG="false", DEFAULT_MODELS="b")
    assert call(fresh + "/api/config", token=token)[1]["default_models"] == "b"
    assert "default_models" not in call(fresh + "/api/config")[1]


def test_sign_up_when_on_makes_pending_users_and_the_first_one_admin(open_webui):
    url = open_webui(WEBUI_ADMIN_EMAIL=None, ENABLE_SIGNUP="true")
    first = call(url + "/api/v1/auths/signup", {"name": "A", "email": "A@example.test", "password": "pw-1"})
    second = call(url + "/api/v1/auths/signup", {"name": "B", "email": "b@example.test", "password": "pw-2"})
    assert (first[1]["role"], first[1]["email"], second[1]["role"]) == ("admin", "a@example.test", "pending")
    assert call(url + "/api/models", token=second[1]["token"]) == (401, {"detail": "Your account is pending activation."})
    assert call(url + "/api/v1/auths/signup", {"name": "B", "email": "b@example.test", "password": "x"})[0] == 400
    assert call(url + "/api/v1/auths/signup", {"name": "C", "email": "", "password": "x"})[0] == 422
    users = open_webui(WEBUI_ADMIN_EMAIL=None, ENABLE_SIGNUP="true", DEFAULT_USER_ROLE="user")
    assert call(users + "/api/v1/auths/signup", {"name": "D", "email": "d@example.test", "password": "pw"})[1]["role"] == "user"


def test_a_new_secret_key_signs_everyone_out(open_webui):
    token = signin(open_webui())[1]["token"]
    rotated = open_webui(WEBUI_SECRET_KEY="t" * 40)
    assert call(rotated + "/api/models", token=token)[0] == 401
    assert call(rotated + "/api/models", token=signin(rotated)[1]["token"])[0] == 200


def test_the_token_also_comes_as_a_cookie(open_webui):
    url = open_webui()
    token = signin(url)[1]["token"]
    assert call(url + "/api/models", headers={"Cookie": "theme=dark; token=" + token})[0] == 200


@pytest.mark.parametrize("changes, message", [
    ({"WEBUI_AUTH": "false"}, "WEBUI_AUTH=false is not supported"),
    ({"WEBUI_SECRET_KEY": ""}, "WEBUI_SECRET_KEY is empty"),
])
def test_settings_the_stand_in_does_not_keep_stop_the_start(stack, changes, message):
    with pytest.raises(SystemExit, match=message):
        ow.build(environment(stack, **changes), stack["log"].append)


def test_the_packaged_functions_reset_a_password_as_the_role_calls_them(stack, open_webui, monkeypatch):
    url = open_webui()
    monkeypatch.setenv("DATA_DIR", stack["data"])
    sys.path.insert(0, os.path.join(HERE, "..", "open-webui-standin"))
    from open_webui.models.auths import Auths
    from open_webui.models.users import Users
    from open_webui.utils.auth import get_password_hash

    async def reset():
        user = await Users.get_user_by_email("ADMIN@example.test")
        assert user.role == "admin"
        return await Auths.update_user_password_by_id(user.id, await get_password_hash("New-password-0123"))
    assert asyncio.run(reset()) is True
    assert signin(url)[0] == 400 and signin(url, password="New-password-0123")[0] == 200
    assert asyncio.run(Users.get_user_by_email("nobody@example.test")) is None


# ---- websockets ---------------------------------------------------------------------------------------

def test_the_socket_io_handshake_upgrades_and_polls(open_webui):
    url = open_webui()
    host, port = url[7:].split(":")
    key = base64.b64encode(b"0123456789abcdef").decode()
    with socket.create_connection((host, int(port)), timeout=5) as raw:
        raw.sendall(("GET /ws/socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % key).encode())
        reply = b""
        while True:
            part = raw.recv(4096)
            if not part:
                break
            reply += part
    head, _, frame = reply.partition(b"\r\n\r\n")
    expected = base64.b64encode(hashlib.sha1((key + ow.WEBSOCKET_GUID).encode()).digest()).decode()
    assert head.split(b"\r\n")[0] == b"HTTP/1.1 101 Switching Protocols"
    assert ("Sec-WebSocket-Accept: " + expected).encode() in head
    payload = frame[4:] if frame[1] == 126 else frame[2:]
    assert frame[0] == 0x81 and payload[:1] == b"0" and json.loads(payload[1:])["upgrades"] == ["websocket"]
    with urllib.request.urlopen(url + "/ws/socket.io/?EIO=4&transport=polling", timeout=5) as response:
        assert response.read().startswith(b'0{"sid": ')
    assert call(url + "/ws/socket.io/?EIO=4")[0] == 400


@pytest.mark.parametrize("length", [5, 200])
def test_text_frames(length):
    frame = ow.text_frame("x" * length)
    assert frame[0] == 0x81
    assert frame[1:2] == bytes([length]) if length < 126 else frame[1:4] == bytes([126]) + length.to_bytes(2, "big")
    assert frame.endswith(b"x" * length)


# ---- pure parts ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("environ, links", [
    ({"OPENAI_API_BASE_URLS": "http://a/ ; http://b", "OPENAI_API_KEYS": "ka;kb"}, [("http://a", "ka"), ("http://b", "kb")]),
    ({"OPENAI_API_BASE_URLS": "http://a;http://b", "OPENAI_API_KEYS": "ka"}, [("http://a", "ka"), ("http://b", "")]),
    ({"OPENAI_API_BASE_URLS": "http://a", "ENABLE_OPENAI_API": "False"}, []),
    ({}, []),
])
def test_connections(environ, links):
    assert ow.connections(environ) == links


def test_filters_are_chosen_by_model_and_sorted_by_priority():
    models = {"m": {"id": "m"},
              "late": {"id": "late", "pipeline": {"type": "filter", "pipelines": ["*"], "priority": 5}},
              "early": {"id": "early", "pipeline": {"type": "filter", "pipelines": ["m"], "priority": 1}},
              "other": {"id": "other", "pipeline": {"type": "filter", "pipelines": ["n"], "priority": 0}},
              "pipe": {"id": "pipe", "pipeline": {"type": "pipe"}}}
    assert [model["id"] for model in ow.sorted_filters("m", models)] == ["early", "late"]
    assert [model["id"] for model in ow.sorted_filters("n", models)] == ["other", "late"]


@pytest.mark.parametrize("final, usage", [
    ({"prompt_eval_count": 3, "eval_count": 4}, {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7,
                                                 "prompt_eval_count": 3, "eval_count": 4}),
    ({}, {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}),
])
def test_usage_of(final, usage):
    assert ow.usage_of(final) == usage


def test_passwords_are_salted_hashes():
    first, second = ow.password_hash("pw"), ow.password_hash("pw")
    assert first != second and first.startswith("pbkdf2$") and "pw" not in first.split("$", 1)[1]
    assert ow.password_matches("pw", first) and not ow.password_matches("pW", first)


@pytest.mark.parametrize("value, default, expected", [(None, "True", True), ("FALSE", "True", False), (" true ", "False", True)])
def test_truthy(value, default, expected):
    assert ow.truthy(value, default) is expected


def test_build_logs_to_stderr_by_default(stack, capsys):
    ow.build(environment(stack))
    assert "Admin account created successfully: admin@example.test" in capsys.readouterr().err


def test_a_body_on_a_get_is_read_so_a_kept_alive_connection_goes_on(open_webui):
    import http.client
    url = open_webui()
    connection = http.client.HTTPConnection(url[7:], timeout=5)
    connection.request("GET", "/api/models", body=b"null", headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    assert (response.status, json.loads(response.read())) == (401, {"detail": "Not authenticated"})
    connection.request("POST", "/api/v1/auths/signin", body=json.dumps(ADMIN), headers={"Content-Type": "application/json"})
    assert json.loads(connection.getresponse().read())["role"] == "admin"
    connection.close()


# ---- exact documents and messages, as the role and Open WebUI's clients read them -------------------------

RECORDER = '''from typing import List
from pydantic import BaseModel

SEEN = []


class Pipeline:
    class Valves(BaseModel):
        pipelines: List[str] = ["*"]
        priority: int = 0

    def __init__(self):
        self.type = "filter"
        self.valves = self.Valves()

    async def inlet(self, body, user=None):
        SEEN.append(("inlet", body, user))
        if body["messages"][-1]["content"] == "refuse":
            raise ValueError("refused by the filter")
        return body

    async def outlet(self, body, user=None):
        SEEN.append(("outlet", body, user))
        return body
'''


@pytest.fixture()
def recorded(stack, tmp_path):
    """A Pipelines stand-in whose one filter records what Open WebUI sends it."""
    folder = tmp_path / "recorder"
    folder.mkdir()
    (folder / "recorder.py").write_text(RECORDER)
    state = ps.Server(str(folder), PIPELINES_KEY, install=lambda requirements: None)
    state.start()
    httpd, url = serve(type("P", (ps.Handler,), {"server_state": state}))
    yield url, type(state.modules["recorder"]).__init__.__globals__["SEEN"]
    httpd.shutdown()
    httpd.server_close()


def test_the_filters_get_the_user_and_the_chat_as_open_webui_sends_them(stack, open_webui, recorded):
    pipelines, seen = recorded
    url = open_webui(OPENAI_API_BASE_URLS=pipelines, WEBUI_ADMIN_NAME="Root")
    session = signin(url)[1]
    form = {"model": "llama3.1:8b", "chat_id": "c-1", "id": "m-1", "session_id": "s-1",
            "messages": [{"role": "user", "content": "hello there"}]}
    assert call(url + "/api/chat/completions", form, token=session["token"])[0] == 200
    (inlet, body, user), (outlet, after, same_user) = seen
    assert (inlet, outlet) == ("inlet", "outlet")
    assert user == same_user == {"id": session["id"], "email": ADMIN["email"], "name": "Root", "role": "admin"}
    assert body["metadata"] == {"chat_id": "c-1", "message_id": "m-1", "session_id": "s-1", "user_id": session["id"]}
    assert body["messages"] == form["messages"]
    answer = after["messages"][-1]
    assert after["model"] == "llama3.1:8b" and after["chat_id"] == "c-1" and after["session_id"] == "s-1" and after["id"] == "m-1"
    assert after["messages"][:-1] == form["messages"] and answer["role"] == "assistant"
    assert answer["content"].startswith("The double of llama3.1:8b answers")
    assert answer["usage"]["eval_count"] == 6 and answer["usage"]["prompt_tokens"] == 2


def test_a_chat_without_ids_has_empty_ones(stack, open_webui, recorded):
    pipelines, seen = recorded
    url = open_webui(OPENAI_API_BASE_URLS=pipelines)
    session = signin(url)[1]
    call(url + "/api/chat/completions", {"model": "llama3.1:8b", "messages": [{"role": "user", "content": "x"}]},
         token=session["token"])
    assert seen[0][1]["metadata"] == {"chat_id": "", "message_id": None, "session_id": None, "user_id": session["id"]}
    assert (seen[1][1]["chat_id"], seen[1][1]["session_id"], seen[1][1]["id"]) == ("", None, None)


def test_a_filter_error_fails_the_chat_with_the_filters_detail(stack, open_webui, recorded):
    pipelines, _ = recorded
    url = open_webui(OPENAI_API_BASE_URLS=pipelines)
    assert call(url + "/api/chat/completions", {"model": "llama3.1:8b", "messages": [{"role": "user", "content": "refuse"}]},
                token=signin(url)[1]["token"]) == (500, {"detail": "refused by the filter"})


def test_a_filter_whose_connection_has_no_key_is_not_called(stack, open_webui, recorded):
    pipelines, seen = recorded
    url = open_webui(OPENAI_API_BASE_URLS="%s;%s" % (stack["pipelines"], pipelines), OPENAI_API_KEYS=PIPELINES_KEY)
    token = signin(url)[1]["token"]
    assert call(url + "/api/chat/completions", {"model": "llama3.1:8b", "messages": [{"role": "user", "content": "x"}]},
                token=token)[0] == 200
    assert seen == []


def test_an_outlet_that_fails_is_logged_and_the_answer_stands(stack, open_webui, monkeypatch):
    url = open_webui()
    token = signin(url)[1]["token"]

    def refuse(stage, payload, *args):
        if stage == "outlet":
            raise ow.HttpError(500, "outlet broke")
        return payload
    monkeypatch.setattr(ow, "run_filters", refuse)
    assert call(url + "/api/chat/completions", {"model": "llama3.1:8b", "messages": [{"role": "user", "content": "x"}]},
                token=token)[0] == 200
    assert "Pipeline outlet filter error: outlet broke" in stack["log"]


def test_the_documents_of_a_chat(stack, open_webui, monkeypatch):
    monkeypatch.setattr(ow.time, "time", lambda: 1800000000.5)
    url = open_webui()
    token = signin(url)[1]["token"]
    form = {"model": "llama3.1:8b", "messages": [{"role": "user", "content": "x"}]}
    status, document = call(url + "/api/chat/completions", form, token=token)
    assert {key: document[key] for key in ("id", "object", "model")} == {
        "id": "chatcmpl-llama3.1:8b", "object": "chat.completion", "model": "llama3.1:8b"}
    assert document["choices"] == [{"index": 0, "message": {"role": "assistant", "content": document["choices"][0]["message"]["content"]},
                                    "finish_reason": "stop"}]
    request = urllib.request.Request(url + "/api/chat/completions", data=json.dumps(dict(form, stream=True)).encode(),
                                     headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=20) as response:
        assert response.headers["Content-Type"] == "text/event-stream; charset=utf-8"
        first = json.loads(response.read().decode().split("\n\n")[0][6:])
    assert first == {"id": "chatcmpl-llama3.1:8b", "object": "chat.completion.chunk", "created": 1800000000,
                     "model": "llama3.1:8b", "choices": [{"index": 0, "delta": {"content": "The "}, "finish_reason": None}]}


def test_the_public_configuration(open_webui):
    url = open_webui()
    assert call(url + "/api/config") == (200, {"status": True, "name": "Open WebUI", "version": "0.12.4",
                                              "features": {"auth": True, "enable_signup": False, "enable_websocket": True}})
    with urllib.request.urlopen(url + "/health", timeout=5) as response:
        assert response.headers["Content-Type"] == "application/json"


def test_the_messages_of_refusals(open_webui):
    url = open_webui(WEBUI_ADMIN_EMAIL=None, ENABLE_SIGNUP="true")
    assert call(url + "/api/v1/auths/signup", {"name": "A", "email": "a@example.test", "password": "pw"})[0] == 200
    assert call(url + "/api/v1/auths/signup", {"name": "A", "email": "a@example.test", "password": "pw"}) == (400, {
        "detail": "Uh-oh! This email is already registered. Sign in with your existing account or choose another email to start anew."})
    assert call(url + "/api/v1/auths/signup", {"name": "B", "email": "b@example.test"}) == (
        422, {"detail": "name, email and password are required"})
    assert call(url + "/api/v1/auths/signin", {"email": "a@example.test", "password": "nope"}) == (400, {
        "detail": "The email or password provided is incorrect. Please check for typos and try logging in again."})
    assert call(url + "/api/v1/auths/signin", {}) == (400, {
        "detail": "The email or password provided is incorrect. Please check for typos and try logging in again."})
    assert call(url + "/nothing") == (404, {"detail": "Not Found"})
    assert call(url + "/nothing", {}) == (404, {"detail": "Not Found"})
    for body, detail in ((b"{nope", "the body is not JSON"), (b"[1]", "the body must be an object")):
        request = urllib.request.Request(url + "/api/v1/auths/signin", data=body, headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as failed:
            urllib.request.urlopen(request, timeout=5)
        assert (failed.value.code, json.loads(failed.value.read())) == (422, {"detail": detail})


def test_a_signup_without_a_name_is_refused(open_webui):
    url = open_webui(WEBUI_ADMIN_EMAIL=None, ENABLE_SIGNUP="true")
    assert call(url + "/api/v1/auths/signup", {"name": "", "email": "a@example.test", "password": "pw"})[0] == 422


def test_sign_up_is_on_by_default_and_the_admin_named_admin_by_default(stack, open_webui):
    url = open_webui(ENABLE_SIGNUP=None, ENABLE_PERSISTENT_CONFIG=None, WEBUI_ADMIN_EMAIL=None)
    first = call(url + "/api/v1/auths/signup", {"name": "F", "email": "f@example.test", "password": "pw"})[1]
    assert first["role"] == "admin"
    assert call(url + "/api/v1/auths/signup", {"name": "G", "email": "g@example.test", "password": "pw"})[0] == 200
    named = ow.build(environment(stack, DATA_DIR=stack["data"] + "-2"), stack["log"].append)
    assert named.store.user("email", ADMIN["email"])["name"] == "Admin"
    assert named.config["ui.enable_signup"] is False


def test_the_admin_is_not_made_without_a_password(stack):
    app = ow.build(environment(stack, WEBUI_ADMIN_PASSWORD=None), stack["log"].append)
    assert app.store.users() == 0 and app.config["ui.enable_signup"] is False


def test_the_jwt_secret_key_is_the_secret_when_the_secret_key_is_not_set(stack, open_webui):
    url = open_webui(WEBUI_SECRET_KEY=None, WEBUI_JWT_SECRET_KEY="j" * 40)
    token = signin(url)[1]["token"]
    assert token == ow.token_of(ow.user_of_token(token, "j" * 40, ow.Store(os.path.join(stack["data"], "webui.db")))["id"], "j" * 40)


def test_without_ollama_api_or_with_ollama_down_no_ollama_model_is_listed(stack, open_webui):
    url = open_webui(ENABLE_OLLAMA_API="false")
    token = signin(url)[1]["token"]
    assert call(url + "/api/models", token=token) == (200, {"data": []})
    down = open_webui(OLLAMA_BASE_URL="http://127.0.0.1:9/")
    assert call(down + "/api/models", token=signin(down)[1]["token"]) == (200, {"data": []})
    assert any(line.startswith("Ollama: ") for line in stack["log"])


def test_the_models_as_listed(stack, open_webui):
    url = open_webui(OPENAI_API_BASE_URLS=stack["pipelines"] + "/")
    (model,) = call(url + "/api/models", token=signin(url)[1]["token"])[1]["data"]
    assert model == {"id": "llama3.1:8b", "name": "llama3.1:8b", "owned_by": "ollama", "object": "model"}
    models = ow.all_models(environment(stack), stack["log"].append)
    assert models["langfuse_filter"]["owned_by"] == "openai" and models["langfuse_filter"]["urlIdx"] == 0


def test_ollamas_request_and_its_errors():
    sent = []

    class Answer:
        def __init__(self, lines):
            self.lines = lines

        def __enter__(self):
            return iter(self.lines)

        def __exit__(self, *args):
            return False

    def opener(request, timeout):
        sent.append((request.full_url, json.loads(request.data), request.get_header("Content-type"), timeout))
        return Answer([b'{"message": {"content": "a"}}\n', b"\n", b'{"done": true, "eval_count": 1}\n'])
    parts = list(ow.ollama_chat({"OLLAMA_BASE_URL": "http://o:1/"}, {"model": "m", "messages": [1]}, opener))
    assert parts == [("a", None), ("", {"done": True, "eval_count": 1})]
    assert sent == [("http://o:1/api/chat", {"model": "m", "messages": [1], "stream": True}, "application/json", 300)]

    def failing(request, timeout):
        return Answer([b'{"error": "model not found"}\n'])
    with pytest.raises(ow.HttpError) as failed:
        list(ow.ollama_chat({"OLLAMA_BASE_URL": "http://o:1"}, {"model": "m", "messages": []}, failing))
    assert (failed.value.status, failed.value.detail) == (400, "model not found")


def test_a_filter_http_error_without_a_json_detail_gives_its_reason():
    def opener(request, timeout):
        raise urllib.error.HTTPError(request.full_url, 502, "Bad Gateway", {}, io.BytesIO(b"<html>"))
    models = {"f": {"id": "f", "urlIdx": 0, "pipeline": {"type": "filter", "pipelines": ["*"], "priority": 0}}}
    user = {"id": "u", "email": "e", "name": "n", "role": "admin"}
    with pytest.raises(ow.HttpError) as failed:
        ow.run_filters("inlet", {"model": "m"}, user, models, {"OPENAI_API_BASE_URLS": "http://p", "OPENAI_API_KEYS": "k"},
                       print, opener)
    assert (failed.value.status, failed.value.detail) == (502, "Bad Gateway")

    def empty_detail(request, timeout):
        raise urllib.error.HTTPError(request.full_url, 500, "Internal", {}, io.BytesIO(b'{"detail": ""}'))
    with pytest.raises(ow.HttpError) as failed:
        ow.run_filters("inlet", {"model": "m"}, user, models, {"OPENAI_API_BASE_URLS": "http://p", "OPENAI_API_KEYS": "k"},
                       print, empty_detail)
    assert failed.value.detail == "Internal"


def test_the_socket_io_answers_in_full(open_webui, monkeypatch):
    monkeypatch.setattr(ow.uuid, "uuid4", lambda: uuid.UUID(int=1))
    url = open_webui()
    with urllib.request.urlopen(url + "/ws/socket.io/?EIO=4&transport=polling", timeout=5) as response:
        assert response.headers["Content-Type"] == "text/plain; charset=UTF-8"
        body = response.read()
        assert response.headers["Content-Length"] == str(len(body))
    assert body[:1] == b"0" and json.loads(body[1:]) == {
        "sid": uuid.UUID(int=1).hex, "upgrades": ["websocket"], "pingInterval": 25000, "pingTimeout": 20000, "maxPayload": 1000000}
    host, port = url[7:].split(":")
    with socket.create_connection((host, int(port)), timeout=5) as raw:
        raw.sendall(b"GET /ws/socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: WebSocket\r\n"
                    b"Sec-WebSocket-Key: a2V5\r\n\r\n")
        head = raw.recv(4096).split(b"\r\n\r\n")[0].split(b"\r\n")
    assert b"Upgrade: websocket" in head and b"Connection: Upgrade" in head
    assert call(url + "/ws/socket.io/?EIO=4&transport=websocket") == (400, {"detail": "Bad Request"})


def test_the_data_directory_defaults_to_the_images():
    assert ow.data_dir({}) == "/app/backend/data" and ow.data_dir({"DATA_DIR": "/d"}) == "/d"


def test_passwords_are_pbkdf2_of_a_16_hex_salt():
    stored = ow.password_hash("pw", "salt")
    assert stored == "pbkdf2$salt$" + hashlib.pbkdf2_hmac("sha256", b"pw", b"salt", 1000).hex()
    assert len(ow.password_hash("pw").split("$")[1]) == 16


@pytest.mark.parametrize("changes, message", [
    ({"WEBUI_AUTH": "false"}, "open-webui-standin: WEBUI_AUTH=false is not supported by the stand-in"),
    ({"WEBUI_SECRET_KEY": ""}, "open-webui-standin: WEBUI_SECRET_KEY is empty (start.sh sets one)"),
])
def test_the_start_refusals_in_full(stack, changes, message):
    with pytest.raises(SystemExit) as stopped:
        ow.build(environment(stack, **changes), stack["log"].append)
    assert str(stopped.value) == message
