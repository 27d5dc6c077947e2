# The prometheus scenario's webhook receiver (roles/prometheus/molecule/default/files/webhook_sink.py):
# what Alertmanager POSTs is what the scenario reads back.
import importlib.util
import json
import socket
import pathlib
import threading
import urllib.error
import urllib.request

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("webhook_sink", ROOT / "roles/prometheus/molecule/default/files/webhook_sink.py")
webhook_sink = importlib.util.module_from_spec(spec)
spec.loader.exec_module(webhook_sink)


@pytest.fixture
def sink():
    server = webhook_sink.make_server(0, host="127.0.0.1")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, "http://127.0.0.1:%d/" % server.server_address[1]
    server.shutdown()
    server.server_close()


def post(url, body):
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status


def get(url):
    with urllib.request.urlopen(url, timeout=5) as response:
        body = response.read()
        assert int(response.headers["Content-Length"]) == len(body)
        return response.status, response.headers["Content-Type"], json.loads(body)


def test_it_listens_on_every_interface_by_default():
    server = webhook_sink.make_server(0)
    try:
        assert server.server_address[0] == "0.0.0.0"
    finally:
        server.server_close()


def test_it_returns_nothing_before_the_first_alert(sink):
    _, url = sink
    assert get(url) == (200, "application/json", [])


def test_every_posted_body_comes_back_in_order(sink):
    server, url = sink
    first = {"status": "firing", "alerts": [{"labels": {"alertname": "OllamaInstanceDown", "instance": "ollama-1"}}]}
    second = {"status": "resolved", "alerts": []}
    assert post(url, json.dumps(first).encode()) == 200
    assert post(url + "any/path", json.dumps(second).encode()) == 200
    assert get(url) == (200, "application/json", [first, second])
    assert server.received == [first, second]


def test_a_body_that_is_not_json_is_refused_and_not_kept(sink):
    server, url = sink
    with pytest.raises(urllib.error.HTTPError) as refused:
        post(url, b"not json")
    assert refused.value.code == 400
    assert server.received == []


def test_an_empty_post_is_refused(sink):
    server, url = sink
    request = urllib.request.Request(url, data=b"", method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert refused.value.code == 400
    assert server.received == []


def test_a_post_without_a_length_is_refused_at_once(sink):
    server, _ = sink
    with socket.create_connection(server.server_address, timeout=5) as client:
        client.sendall(b"POST / HTTP/1.0\r\n\r\n")
        assert client.recv(64).startswith(b"HTTP/1.0 400")
    assert server.received == []
