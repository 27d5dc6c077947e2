# The Ollama API client itself (module_utils/ollama.py): what each request carries, its retries and
# their backoff, the pull stream's edge cases and its messages. The modules' behaviour against the
# Ollama double is tested in tests/unit/plugins/modules/test_ollama_model.py. REQUIREMENTS S4.
import io
import socket

import pytest
import yaml
from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError

from ansible_collections.selfhosted.ai_stack.plugins.doc_fragments.ollama import ModuleDocFragment
from ansible_collections.selfhosted.ai_stack.plugins.module_utils import ollama
from ansible_collections.selfhosted.ai_stack.plugins.module_utils.ollama import (
    OLLAMA_ARGUMENT_SPEC, OllamaClient, OllamaConnectionError, OllamaError, client_from_params)


class Response(io.BytesIO):
    """What open_url returns: read() for JSON answers, iteration over lines for the pull stream."""


class FakeOpen:
    """Stands in for open_url: records each call's arguments, answers from a script."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.calls = []

    def __call__(self, url, **kwargs):
        self.calls.append(dict(kwargs, url=url))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return Response(answer)


@pytest.fixture
def fake(monkeypatch):
    def install(*answers):
        opener = FakeOpen(*answers)
        monkeypatch.setattr(ollama, "open_url", opener)
        return opener
    return install


def test_the_argument_spec_is_the_documented_one():
    documented = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
    assert {name: (spec["type"], spec["default"]) for name, spec in OLLAMA_ARGUMENT_SPEC.items()} == {
        name: (option["type"], option["default"]) for name, option in documented.items()}


def test_a_client_from_module_parameters_takes_each_of_them():
    client = client_from_params({"url": "http://ollama:11434/", "timeout": 7, "validate_certs": False, "retries": 5})
    assert (client.url, client.timeout, client.validate_certs, client.retries) == ("http://ollama:11434", 7, False, 5)


def test_a_trailing_slash_is_dropped_from_a_path_prefix_and_nothing_else():
    assert OllamaClient("http://proxy:8080/ollamaX/").url == "http://proxy:8080/ollamaX"


def test_a_client_s_defaults():
    client = OllamaClient("http://ollama:11434")
    assert (client.timeout, client.validate_certs, client.retries, client.backoff) == (30, True, 3, 1.0)


def test_a_request_carries_json_its_agent_and_the_client_s_settings(fake):
    opener = fake(b'{"version": "0.32.6"}')
    client = OllamaClient("http://ollama:11434/", timeout=9, validate_certs=False)
    assert client.version() == "0.32.6"
    (call,) = opener.calls
    assert call == {"url": "http://ollama:11434/api/version", "data": None, "method": "GET",
                    "headers": {"Content-Type": "application/json"}, "http_agent": ollama.USER_AGENT,
                    "timeout": 9, "validate_certs": False}


def test_a_pull_streams_with_its_own_long_timeout(fake):
    opener = fake(b'{"status": "success"}\n')
    OllamaClient("http://ollama:11434").pull("m")
    (call,) = opener.calls
    assert call["timeout"] == 3600 and call["method"] == "POST"
    assert call["data"] == b'{"model": "m", "stream": true}'


def test_an_empty_answer_is_an_empty_object(fake):
    fake(b"  \n")
    assert OllamaClient("http://o").ps() == []


@pytest.mark.parametrize("entry", [{"name": "llama3.1:8b"}, {"model": "llama3.1:8b"},
                                   {"name": "llama3.1:8b", "model": "other"}])
def test_tags_names_a_model_by_its_name_else_by_its_model_field(fake, entry):
    fake(b'{"models": [%s]}' % ollama.json.dumps(entry).encode())
    assert list(OllamaClient("http://o").tags()) == ["llama3.1:8b"]


def test_connection_errors_are_retried_with_doubling_waits_then_named(fake):
    waits = []
    opener = fake(*[URLError("refused")] * 4)
    client = OllamaClient("http://o:1", retries=3, backoff=0.5, sleep=waits.append)
    with pytest.raises(OllamaConnectionError) as raised:
        client.tags()
    assert waits == [0.5, 1.0, 2.0] and len(opener.calls) == 4 and client.calls == 4
    assert str(raised.value) == "cannot reach Ollama at http://o:1 after 4 attempts: refused"


def test_a_timeout_without_a_reason_is_named_by_its_text(fake):
    fake(socket.timeout("timed out"))
    with pytest.raises(OllamaConnectionError, match="after 1 attempts: timed out$"):
        OllamaClient("http://o", retries=0).tags()


def test_an_http_error_is_not_retried_and_carries_ollama_s_message(fake):
    body = io.BytesIO(b'{"error": "model not found"}')
    opener = fake(HTTPError("http://o/api/show", 404, "Not Found", {}, body))
    with pytest.raises(OllamaError) as raised:
        OllamaClient("http://o").show("m")
    assert (str(raised.value), raised.value.status, len(opener.calls)) == ("model not found", 404, 1)


def test_an_http_error_without_json_is_named_by_its_status(fake):
    fake(HTTPError("http://o/api/show", 502, "Bad Gateway", {}, io.BytesIO(b"<html>")))
    with pytest.raises(OllamaError, match="^HTTP 502 Bad Gateway$"):
        OllamaClient("http://o").show("m")


def test_a_pull_sums_the_layers_that_report_their_size(fake):
    fake(b'{"status": "pulling manifest"}\n'
         b'{"status": "pulling a", "digest": "sha256:a", "total": 100, "completed": 10}\n'
         b'{"status": "pulling a", "digest": "sha256:a", "total": 100, "completed": 100}\n'
         b'{"status": "pulling b", "digest": "sha256:b"}\n'
         b'{"digest": "sha256:c", "total": 5}\n'
         b'\n'
         b'{"status": "success"}\n')
    seen = []
    summary = OllamaClient("http://o").pull("m", on_event=seen.append)
    assert summary == {"layers": 2, "bytes": 105, "statuses": ["pulling manifest", "pulling a", "pulling b", "", "success"]}
    assert len(seen) == 6


def test_a_line_that_is_not_json_is_named_with_at_most_200_characters(fake):
    fake(b"x" * 300 + b"\n")
    with pytest.raises(OllamaError) as raised:
        OllamaClient("http://o").pull("m")
    assert str(raised.value) == "pulling m: Ollama sent a line that is not JSON: %r" % ("x" * 200)


def test_an_error_line_stops_the_pull(fake):
    fake(b'{"status": "pulling manifest"}\n{"error": "pull model manifest: file does not exist"}\n')
    with pytest.raises(OllamaError) as raised:
        OllamaClient("http://o").pull("nope")
    assert str(raised.value) == "pulling nope: pull model manifest: file does not exist"


@pytest.mark.parametrize("stream, last", [(b'{"status": "pulling manifest"}\n', "pulling manifest"), (b"", "none")])
def test_a_stream_that_ends_without_success_is_an_error(fake, stream, last):
    fake(stream)
    with pytest.raises(OllamaError) as raised:
        OllamaClient("http://o").pull("m")
    assert str(raised.value) == "pulling m: the stream ended without success (last status: %s)" % last
