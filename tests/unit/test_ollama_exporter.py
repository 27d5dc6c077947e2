# REQUIREMENTS B6: Ollama has no /metrics; the role's exporter probes the API instead.
import importlib.util
import os
import sys
import threading
import urllib.request

import pytest

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "ollama-double"))
import ollama_double  # noqa: E402

spec = importlib.util.spec_from_file_location("ollama_exporter", os.path.join(HERE, "..", "..", "roles", "ollama", "files", "ollama_exporter.py"))
exporter = importlib.util.module_from_spec(spec)
spec.loader.exec_module(exporter)


def start(server):
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server


@pytest.fixture
def instance():
    server = start(ollama_double.serve("127.0.0.1", 0, ["llama3.2:1b", "nomic-embed-text"]))
    yield "http://127.0.0.1:%d" % server.server_address[1]
    server.shutdown()
    server.server_close()


def scrape(targets):
    server = start(exporter.make_server(targets, 0, 1.0, host="127.0.0.1"))
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % server.server_address[1], timeout=10) as response:
            return response.read().decode()
    finally:
        server.shutdown()
        server.server_close()


def test_up_instance_reports_version_models_and_loaded(instance):
    urllib.request.urlopen(urllib.request.Request(
        instance + "/api/generate", data=b'{"model": "llama3.2:1b", "prompt": "hi", "stream": false}', method="POST"), timeout=5).read()
    text = scrape([("ollama-1", instance)])
    assert 'ollama_up{instance="ollama-1"} 1' in text
    assert 'ollama_info{instance="ollama-1",version="%s"} 1' % ollama_double.VERSION in text
    assert 'ollama_models_present{instance="ollama-1"} 2' in text
    assert 'ollama_model_size_bytes{instance="ollama-1",model="llama3.2:1b"} 1321098329' in text
    assert 'ollama_models_loaded{instance="ollama-1"} 1' in text
    assert 'ollama_model_loaded{instance="ollama-1",model="llama3.2:1b"} 1' in text
    assert "# TYPE ollama_up gauge" in text


def test_a_down_instance_is_reported_down_and_the_other_still_up(instance):
    text = scrape([("ollama-1", instance), ("ollama-2", "http://127.0.0.1:9")])
    assert 'ollama_up{instance="ollama-1"} 1' in text
    assert 'ollama_up{instance="ollama-2"} 0' in text
    assert 'ollama_models_present{instance="ollama-2"}' not in text


@pytest.mark.parametrize("text", ["", "ollama-1", "ollama-1=ftp://x", "=http://x"])
def test_bad_targets_are_refused(text):
    with pytest.raises(ValueError, match="OLLAMA_EXPORTER_TARGETS"):
        exporter.parse_targets(text)


def test_targets_parse():
    assert exporter.parse_targets("a=http://a:1/, b=http://b:2") == [("a", "http://a:1"), ("b", "http://b:2")]
