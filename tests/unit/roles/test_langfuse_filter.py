# The Langfuse filter pipeline the pipelines role ships (roles/pipelines/files/pipelines/langfuse_filter.py),
# driven as the Pipelines server drives it, sending with the real Langfuse SDK it pins (2.60.10) to the
# Langfuse stand-in (tests/langfuse-standin) in this process: web -> event store -> queue -> worker ->
# table rows -> the public traces API. REQUIREMENTS S3, FLOW.
import asyncio
import importlib.util
import json
import logging
import os
import socket
import sys
import threading
import time
import urllib.request
from http.server import ThreadingHTTPServer

import pytest

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "..", "langfuse-standin"))
import langfuse_standin as lf  # noqa: E402

FILTER_PATH = os.path.join(HERE, "..", "..", "..", "roles", "pipelines", "files", "pipelines", "langfuse_filter.py")
spec = importlib.util.spec_from_file_location("langfuse_filter", FILTER_PATH)
lff = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lff)

PUBLIC, SECRET = "pk-lf-stack", "sk-lf-stack"
CONFIG = {"init": {"project_id": "proj", "project_name": "Stack", "project_public_key": PUBLIC,
                   "project_secret_key": SECRET}, "s3_prefix": "events/"}


@pytest.fixture()
def langfuse():
    """The stand-in's web API; `drain()` runs its worker over the queue, as the worker container does."""
    store = {"objects": {}, "queue": [], "rows": {"traces": [], "observations": []}}

    def query(text, body=b""):
        if text.startswith("INSERT"):
            store["rows"][text.split()[2]].append(json.loads(body))
            return ""
        return "".join(json.dumps(row) + "\n" for row in store["rows"][text.split()[3]])

    def put(key, body):
        store["objects"][key] = body

    handler = type("W", (lf.WebHandler,), {
        "config": CONFIG, "database_ok": staticmethod(lambda: True), "put": staticmethod(put),
        "push": staticmethod(store["queue"].append), "query": staticmethod(query)})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    url = "http://127.0.0.1:%d" % httpd.server_address[1]

    def drain():
        while store["queue"]:
            lf.process_job(store["queue"].pop(0), CONFIG, store["objects"].__getitem__, query)

    def traces():
        drain()
        request = urllib.request.Request(url + "/api/public/traces", headers={
            "Authorization": lf_basic(PUBLIC, SECRET)})
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read())["data"]

    yield {"url": url, "store": store, "traces": traces}
    httpd.shutdown()
    httpd.server_close()


def lf_basic(public, secret):
    import base64
    return "Basic " + base64.b64encode(("%s:%s" % (public, secret)).encode()).decode()


def closed_port_url():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return "http://127.0.0.1:%d" % probe.getsockname()[1]


def started(host, public=PUBLIC, secret=SECRET):
    """A filter as the server starts it: valves from valves.json, then on_startup."""
    pipeline = lff.Pipeline()
    pipeline.valves = pipeline.Valves(public_key=public, secret_key=secret, host=host)
    asyncio.run(pipeline.on_startup())
    return pipeline


def chat_request(chat_id="chat-1", question="Which port does Open WebUI listen on?", task=None):
    metadata = {"chat_id": chat_id, "message_id": "msg-1", "session_id": "sess-1"}
    if task:
        metadata["task"] = task
    return {"model": "llama3.1:8b", "stream": True, "chat_id": chat_id, "metadata": metadata,
            "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": question}]}


def chat_answer(chat_id="chat-1", answer="8080", usage=None, error=None):
    message = {"role": "assistant", "content": answer}
    if usage is not None:
        message["usage"] = usage
    if error is not None:
        message["error"] = error
    return {"model": "llama3.1:8b", "chat_id": chat_id, "id": "msg-2", "session_id": "sess-1",
            "messages": chat_request(chat_id)["messages"] + [message]}


USER = {"id": "u-1", "email": "admin@example.org", "name": "Admin", "role": "admin"}


def one_chat(pipeline, request=None, answer=None):
    request = request or chat_request()
    answer = answer or chat_answer(usage={"prompt_eval_count": 26, "eval_count": 4, "total_duration": 10})
    assert asyncio.run(pipeline.inlet(request, USER)) is request
    assert asyncio.run(pipeline.outlet(answer, USER)) is answer
    pipeline.langfuse.flush()


# ---- end to end through the stand-in --------------------------------------------------------------

def test_a_chat_lands_as_a_trace_with_its_generation_and_token_counts(langfuse):
    pipeline = started(langfuse["url"])
    one_chat(pipeline)
    (trace,) = langfuse["traces"]()
    assert trace["name"] == "chat" and trace["userId"] == "admin@example.org" and trace["sessionId"] == "chat-1"
    assert trace["input"] == "Which port does Open WebUI listen on?" and trace["output"] == "8080"
    assert trace["metadata"] == {"chat_id": "chat-1", "message_id": "msg-1"}
    (generation,) = trace["observations"]
    assert generation["type"] == "GENERATION" and generation["model"] == "llama3.1:8b"
    assert generation["name"] == "llama3.1:8b"
    assert generation["input"] == chat_request()["messages"] and generation["output"] == "8080"
    assert (generation["usage"]["input"], generation["usage"]["output"], generation["usage"]["total"]) == (26, 4, 30)
    assert generation["startTime"] <= generation["endTime"]
    assert isinstance(generation["metadata"]["latency_ms"], int) and generation["metadata"]["latency_ms"] >= 0
    assert generation["level"] in (None, "DEFAULT")


def test_each_chat_is_its_own_trace_and_outlets_find_their_inlets(langfuse):
    pipeline = started(langfuse["url"])
    first, second = chat_request("chat-a", "first?"), chat_request("chat-b", "second?")
    asyncio.run(pipeline.inlet(first, USER))
    asyncio.run(pipeline.inlet(second, USER))
    asyncio.run(pipeline.outlet(chat_answer("chat-b", "two", {"prompt_eval_count": 2, "eval_count": 20}), USER))
    asyncio.run(pipeline.outlet(chat_answer("chat-a", "one", {"prompt_eval_count": 1, "eval_count": 10}), USER))
    pipeline.langfuse.flush()
    by_session = {trace["sessionId"]: trace for trace in langfuse["traces"]()}
    assert set(by_session) == {"chat-a", "chat-b"}
    assert (by_session["chat-a"]["output"], by_session["chat-a"]["observations"][0]["usage"]["output"]) == ("one", 10)
    assert (by_session["chat-b"]["output"], by_session["chat-b"]["observations"][0]["usage"]["output"]) == ("two", 20)
    assert pipeline.open == {}


def test_a_failed_answer_is_an_error_generation(langfuse):
    pipeline = started(langfuse["url"])
    one_chat(pipeline, answer=chat_answer(answer="", error={"content": "Ollama: model not found"}))
    (trace,) = langfuse["traces"]()
    (generation,) = trace["observations"]
    assert generation["level"] == "ERROR"
    assert langfuse["store"]["rows"]["observations"][-1]["statusMessage"] == "Ollama: model not found"


def test_a_background_task_is_traced_under_its_name(langfuse):
    pipeline = started(langfuse["url"])
    one_chat(pipeline, request=chat_request(task="title_generation"))
    assert [trace["name"] for trace in langfuse["traces"]()] == ["title_generation"]


def test_wrong_keys_leave_the_chat_untouched_and_nothing_stored(langfuse):
    pipeline = started(langfuse["url"], secret="sk-lf-wrong")
    request = chat_request()
    assert asyncio.run(pipeline.inlet(request, USER)) == chat_request()
    one_chat(pipeline)
    assert langfuse["store"]["objects"] == {} and langfuse["traces"]() == []


# ---- a Langfuse outage never blocks or fails a chat (S3) ------------------------------------------

def test_langfuse_down_neither_blocks_nor_fails_a_chat():
    pipeline = started(closed_port_url())
    request, answer = chat_request(), chat_answer(usage={"prompt_eval_count": 1, "eval_count": 1})
    began = time.monotonic()
    assert asyncio.run(pipeline.inlet(request, USER)) is request
    assert asyncio.run(pipeline.outlet(answer, USER)) is answer
    assert time.monotonic() - began < 1.0
    assert request == chat_request() and answer["messages"][-1]["content"] == "8080"


class Exploding:
    """A client whose every call fails, as a broken SDK or a bug would."""

    def trace(self, **kwargs):
        raise RuntimeError("boom")

    def shutdown(self):
        raise RuntimeError("boom")


def test_a_failing_client_is_logged_and_the_chat_passes(caplog):
    pipeline = lff.Pipeline()
    pipeline.langfuse = Exploding()
    request = chat_request()
    with caplog.at_level(logging.WARNING, logger="langfuse_filter"):
        assert asyncio.run(pipeline.inlet(request, USER)) is request
        asyncio.run(pipeline.on_shutdown())
    assert "langfuse: inlet not traced: boom" in caplog.text
    assert "langfuse: shutdown failed: boom" in caplog.text


def test_an_outlet_that_fails_is_logged_and_the_chat_passes(caplog):
    pipeline = lff.Pipeline()
    pipeline.langfuse = object()
    pipeline.open["chat-1"] = ("trace", "generation", time.monotonic())  # neither has end()/update()
    answer = chat_answer()
    with caplog.at_level(logging.WARNING, logger="langfuse_filter"):
        assert asyncio.run(pipeline.outlet(answer, USER)) is answer
    assert "langfuse: outlet not traced:" in caplog.text


def test_an_outlet_without_its_inlet_passes_untraced(langfuse, caplog):
    pipeline = started(langfuse["url"])
    answer = chat_answer("never-opened")
    with caplog.at_level(logging.INFO, logger="langfuse_filter"):
        assert asyncio.run(pipeline.outlet(answer, USER)) is answer
    pipeline.langfuse.flush()
    assert langfuse["traces"]() == []
    assert "an outlet without its inlet (never-opened)" in caplog.text


@pytest.mark.parametrize("empty", ["public_key", "secret_key", "host"])
def test_without_a_key_or_host_nothing_is_traced_and_the_log_says_which(empty, caplog):
    values = {"public_key": PUBLIC, "secret_key": SECRET, "host": "http://127.0.0.1:9"}
    values[empty] = ""
    pipeline = lff.Pipeline()
    pipeline.valves = pipeline.Valves(**values)
    with caplog.at_level(logging.WARNING, logger="langfuse_filter"):
        asyncio.run(pipeline.on_startup())
    assert pipeline.langfuse is None
    assert "not tracing, valves %s are empty" % empty in caplog.text
    request = chat_request()
    assert asyncio.run(pipeline.inlet(request, USER)) is request and pipeline.open == {}
    assert asyncio.run(pipeline.outlet(chat_answer(), USER))["chat_id"] == "chat-1"


def test_a_client_that_cannot_start_leaves_tracing_off(monkeypatch, caplog):
    import langfuse as sdk

    def refuse(**kwargs):
        raise ValueError("bad host")
    monkeypatch.setattr(sdk, "Langfuse", refuse)
    with caplog.at_level(logging.WARNING, logger="langfuse_filter"):
        pipeline = started("http://127.0.0.1:9")
    assert pipeline.langfuse is None
    assert "the client failed to start: bad host" in caplog.text


def test_changed_valves_take_effect_without_a_restart(langfuse):
    pipeline = started(closed_port_url(), secret="sk-lf-wrong")
    pipeline.valves = pipeline.Valves(public_key=PUBLIC, secret_key=SECRET, host=langfuse["url"])
    asyncio.run(pipeline.on_valves_updated())
    one_chat(pipeline)
    assert len(langfuse["traces"]()) == 1


def test_open_requests_are_bounded_oldest_dropped_first(langfuse, monkeypatch):
    monkeypatch.setattr(lff, "MAX_OPEN_REQUESTS", 3)
    pipeline = started(langfuse["url"])
    for number in range(5):
        asyncio.run(pipeline.inlet(chat_request("chat-%d" % number), USER))
    assert list(pipeline.open) == ["chat-2", "chat-3", "chat-4"]
    asyncio.run(pipeline.on_shutdown())


def test_a_chat_through_the_api_without_a_chat_id_is_tied_by_user_and_model(langfuse):
    pipeline = started(langfuse["url"])
    request = {"model": "m", "chat_id": "", "metadata": {"chat_id": ""}, "messages": [{"role": "user", "content": "hi"}]}
    asyncio.run(pipeline.inlet(request, USER))
    assert list(pipeline.open) == ["api:admin@example.org:m"]
    answer = {"model": "m", "chat_id": "", "messages": [{"role": "user", "content": "hi"},
                                                        {"role": "assistant", "content": "yo", "usage": {"eval_count": 2}}]}
    asyncio.run(pipeline.outlet(answer, USER))
    pipeline.langfuse.flush()
    (trace,) = langfuse["traces"]()
    assert pipeline.open == {} and trace["sessionId"] == "api:admin@example.org:m" and trace["output"] == "yo"
    assert trace["observations"][0]["usage"]["output"] == 2


def test_a_retried_request_replaces_the_unanswered_one(langfuse):
    pipeline = started(langfuse["url"])
    asyncio.run(pipeline.inlet(chat_request("chat-1", "first"), USER))
    asyncio.run(pipeline.inlet(chat_request("chat-2", "other"), USER))
    asyncio.run(pipeline.inlet(chat_request("chat-1", "again"), USER))
    assert list(pipeline.open) == ["chat-2", "chat-1"]
    asyncio.run(pipeline.on_shutdown())


def test_the_filter_declares_itself_as_the_server_reads_it():
    pipeline = lff.Pipeline()
    assert pipeline.type == "filter" and pipeline.valves.pipelines == ["*"] and pipeline.valves.priority == 0
    assert (pipeline.valves.public_key, pipeline.valves.secret_key, pipeline.valves.host) == ("", "", "")
    assert pipeline.valves.debug is False and pipeline.langfuse is None and pipeline.open == {}
    with open(FILTER_PATH) as source:
        head = source.read().split('"""')[1]
    assert "requirements: langfuse==2.60.10" in head.splitlines()


# ---- the pure parts ---------------------------------------------------------------------------------

@pytest.mark.parametrize("content, text", [
    ("plain", "plain"),
    ([{"type": "text", "text": "a"}, {"type": "image_url", "image_url": {}}, {"type": "text", "text": "b"}], "a\nb"),
    ([{"type": "text"}, "junk"], ""),
    (None, ""),
    (42, ""),
])
def test_text_of(content, text):
    assert lff.text_of(content) == text


@pytest.mark.parametrize("messages, role, expected", [
    ([{"role": "user", "content": "1"}, {"role": "assistant", "content": "2"}, {"role": "user", "content": "3"}], "user", "3"),
    ([{"role": "user", "content": "1"}, {"role": "assistant", "content": "2"}], "assistant", "2"),
    ([{"role": "system", "content": "s"}, "junk"], "user", None),
    (None, "user", None),
])
def test_last_message(messages, role, expected):
    found = lff.last_message(messages, role)
    assert (found["content"] if found else None) == expected


@pytest.mark.parametrize("body, user, key", [
    ({"chat_id": "c1", "metadata": {"chat_id": "c2"}}, None, "c1"),
    ({"metadata": {"chat_id": "c2"}}, None, "c2"),
    ({"chat_id": 7}, None, "7"),
    ({"chat_id": "", "metadata": "junk", "model": "m"}, {"email": "e@x"}, "api:e@x:m"),
    ({"model": "m"}, {"id": "u-1"}, "api:u-1:m"),
    ({}, None, "api:anonymous:"),
])
def test_request_key(body, user, key):
    assert lff.request_key(body, user) == key


@pytest.mark.parametrize("message, usage", [
    ({"usage": {"prompt_eval_count": 26, "eval_count": 4}}, {"input": 26, "output": 4, "unit": "TOKENS"}),
    ({"usage": {"prompt_tokens": 5, "completion_tokens": 6}}, {"input": 5, "output": 6, "unit": "TOKENS"}),
    ({"usage": {"input_tokens": 7, "output_tokens": 8}}, {"input": 7, "output": 8, "unit": "TOKENS"}),
    ({"info": {"prompt_eval_count": 3, "eval_count": 9}}, {"input": 3, "output": 9, "unit": "TOKENS"}),
    ({"usage": {"eval_count": 4}, "info": {"prompt_eval_count": 2, "eval_count": 99}},
     {"input": 2, "output": 4, "unit": "TOKENS"}),
    # Ollama's own counts win over the OpenAI names beside them; 0 is a count, not a missing one.
    ({"usage": {"prompt_eval_count": 0, "prompt_tokens": 9, "eval_count": 1, "completion_tokens": 8}},
     {"input": 0, "output": 1, "unit": "TOKENS"}),
    ({"usage": {"prompt_tokens": 9, "input_tokens": 1, "completion_tokens": 8, "output_tokens": 2}},
     {"input": 9, "output": 8, "unit": "TOKENS"}),
    ({"usage": {"prompt_eval_count": -1, "prompt_tokens": True, "eval_count": "4"}}, None),
    ({"usage": {"total_duration": 5}}, None),
    ({"usage": "junk"}, None),
    ({}, None),
])
def test_usage_of(message, usage):
    assert lff.usage_of(message) == usage


@pytest.mark.parametrize("user, expected", [
    ({"email": "a@b.c", "id": "u"}, "a@b.c"),
    ({"id": "u"}, "u"),
    ({"email": "", "id": ""}, None),
    (None, None),
])
def test_user_of(user, expected):
    assert lff.user_of(user) == expected


@pytest.mark.parametrize("message, error", [
    ({"error": {"content": "c", "message": "m"}}, "c"),
    ({"error": {"message": "m"}}, "m"),
    ({"error": {"code": 1}}, "{'code': 1}"),
    ({"error": "plain"}, "plain"),
    ({"error": ""}, None),
    ({}, None),
])
def test_error_of(message, error):
    assert lff.error_of(message) == error
