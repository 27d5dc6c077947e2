"""roles/n8n/molecule/default/files/webhook_burst.py: the client the n8n scenario and benchmark call webhooks with."""
import http.server
import importlib.util
import json
import socket
import ssl
import threading
from pathlib import Path

import pytest

from http_double import answer

SCRIPT = Path(__file__).resolve().parents[2] / "roles" / "n8n" / "molecule" / "default" / "files" / "webhook_burst.py"
SPEC = importlib.util.spec_from_file_location("webhook_burst", SCRIPT)
burst = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(burst)


class Webhook(http.server.BaseHTTPRequestHandler):
    """Answers 200 with what it was sent, 500 for n == 3."""

    received = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Webhook.received.append((body, self.headers["Content-Type"]))
        if body["n"] == 3:
            answer(self, 500, {"message": "failed"})
        else:
            answer(self, 200, {"echo": body})

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook():
    Webhook.received = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Webhook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d/webhook/x" % server.server_address[1]
    server.shutdown()


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("values, share, expected", [
    ([], 0.95, None),
    ([5.0], 0.95, 5.0),
    ([3.0, 1.0, 2.0], 0.5, 2.0),
    ([4.0, 1.0, 3.0, 2.0], 0.5, 2.0),
    (list(map(float, range(1, 21))), 0.95, 19.0),
    (list(map(float, range(1, 21))), 1.0, 20.0),
    (list(map(float, range(1, 101))), 0.95, 95.0),
    ([7.0, 9.0], 0.01, 7.0),
])
def test_percentile_is_the_nearest_rank(values, share, expected):
    assert burst.percentile(values, share) == expected


def test_call_posts_its_number_and_wait_as_json_and_returns_status_time_and_body(webhook):
    status, seconds, body = burst.call(webhook, 7, None, 5, sleep_ms=250)
    assert status == 200 and json.loads(body) == {"echo": {"n": 7, "sleep_ms": 250}}
    assert 0 < seconds < 5
    assert Webhook.received == [({"n": 7, "sleep_ms": 250}, "application/json")]
    assert burst.call(webhook, 1, None, 5)[2] == '{"echo": {"n": 1, "sleep_ms": 0}}'


def test_call_returns_an_error_status_with_its_body(webhook):
    status, _, body = burst.call(webhook, 3, None, 5)
    assert (status, json.loads(body)) == (500, {"message": "failed"})


def test_a_call_without_an_answer_has_status_0():
    status, _, body = burst.call("http://127.0.0.1:%d/" % closed_port(), 1, None, 5)
    assert status == 0 and "refused" in body.lower()


def test_summary_counts_statuses_and_measures_the_successful_calls_only():
    results = [(200, 0.1, "a"), (200, 0.3, "b"), (500, 9.0, "x"), (0, 0.2, "no answer"), (200, 0.2, "c")]
    assert burst.summary(results, 2.0) == {
        "count": 5, "statuses": {"200": 3, "500": 1, "0": 1}, "seconds": 2.0,
        "per_second": 1.5, "p50_ms": 200, "p95_ms": 300}
    assert burst.summary(results, 2.0, bodies=True)["bodies"] == ["a", "b", "c"]
    assert burst.summary([(0, 1.0, "x")], 0.0) == {
        "count": 1, "statuses": {"0": 1}, "seconds": 0.0, "per_second": None, "p50_ms": None, "p95_ms": None}
    assert burst.summary([(200, 0.0004, "a")], 1.23456)["seconds"] == 1.235


def test_main_calls_count_times_and_prints_the_summary(webhook, capsys):
    assert burst.main([webhook, "--count", "6", "--concurrency", "3", "--sleep-ms", "5", "--bodies"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["count"] == 6 and report["statuses"] == {"200": 5, "500": 1}
    assert [json.loads(body)["echo"]["n"] for body in report["bodies"]] == [0, 1, 2, 4, 5]
    assert sorted(body["n"] for body, _ in Webhook.received) == [0, 1, 2, 3, 4, 5]
    assert {body["sleep_ms"] for body, _ in Webhook.received} == {5}
    assert "bodies" not in json.loads((burst.main([webhook, "--count", "1", "--concurrency", "1"]), capsys.readouterr().out)[1])


def test_main_verifies_https_with_the_given_ca(monkeypatch, capsys):
    seen = []
    monkeypatch.setattr(burst, "call", lambda url, number, context, timeout, sleep_ms: seen.append((url, context, timeout, sleep_ms)) or (200, 0.1, ""))
    made = []
    real = ssl.create_default_context
    monkeypatch.setattr(burst.ssl, "create_default_context", lambda cafile=None: made.append(cafile) or real())
    burst.main(["https://h/webhook", "--count", "2", "--concurrency", "2", "--cafile", "/ca.crt", "--timeout", "9"])
    assert made == ["/ca.crt"]
    assert [(url, timeout, sleep_ms) for url, _, timeout, sleep_ms in seen] == [("https://h/webhook", 9.0, 0)] * 2
    assert all(isinstance(context, ssl.SSLContext) for _, context, _, _ in seen)
    assert json.loads(capsys.readouterr().out)["statuses"] == {"200": 2}


class NotUtf8(Webhook):
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        answer(self, 502, b"bad \xff gateway", content_type="text/plain")


def test_an_error_body_that_is_not_utf8_is_read_with_replacements():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), NotUtf8)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        status, _, body = burst.call("http://127.0.0.1:%d/" % server.server_address[1], 1, None, 5)
    finally:
        server.shutdown()
    assert (status, body) == (502, "bad \ufffd gateway")


def test_summary_rounds_rates_to_two_places_and_times_to_whole_milliseconds():
    report = burst.summary([(200, 1.5, "a"), (200, 2.0, "b"), (200, 1.25, "c")], 0.7)
    assert report["per_second"] == 4.29 and report["seconds"] == 0.7
    assert (report["p50_ms"], report["p95_ms"]) == (1500, 2000)


def test_main_needs_a_count_and_a_concurrency_and_waits_120_s_by_default(monkeypatch, capsys):
    for missing in (["--count", "1"], ["--concurrency", "1"]):
        with pytest.raises(SystemExit):
            burst.main(["http://h/"] + missing)
    seen = []
    monkeypatch.setattr(burst, "call", lambda url, number, context, timeout, sleep_ms: seen.append(timeout) or (200, 0.0, ""))
    burst.main(["http://h/", "--count", "1", "--concurrency", "1"])
    assert seen == [120]
    assert 0 <= json.loads(capsys.readouterr().out)["seconds"] < 5


def test_its_help_names_what_it_does_and_its_options(capsys):
    with pytest.raises(SystemExit):
        burst.main(["--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "Calls one webhook URL a number of times, some at once, and prints as JSON what came back: how" in out
    assert "how long the workflow is asked to wait" in out and "add the bodies of the successful answers" in out


def test_run_as_a_script_it_prints_the_summary(webhook):
    import subprocess
    import sys
    result = subprocess.run([sys.executable, str(SCRIPT), webhook, "--count", "2", "--concurrency", "2"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and json.loads(result.stdout)["statuses"] == {"200": 2}
