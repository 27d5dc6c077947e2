# The ClickHouse stand-in (tests/langfuse-standin): the HTTP interface the langfuse role's healthcheck
# and the Langfuse stand-in use, with ClickHouse's credentials, codes and wording. REQUIREMENTS S7.
import base64
import os
import socket
import sys
import threading
import urllib.error
import urllib.request
from http.server import ThreadingHTTPServer
from urllib.parse import quote

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "langfuse-standin"))
import clickhouse_standin  # noqa: E402

EXPECTED = ("langfuse", "cl1ckh0use-pass")


@pytest.fixture()
def server(tmp_path):
    handler = type("H", (clickhouse_standin.Handler,), {"tables": clickhouse_standin.Tables(str(tmp_path / "data")),
                                                        "expected": EXPECTED})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield "http://127.0.0.1:%d" % httpd.server_address[1], tmp_path / "data"
    httpd.shutdown()
    httpd.server_close()


def ask(url, data=None, headers=None):
    request = urllib.request.Request(url, data=data, headers=headers or {}, method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as failed:
        return failed.code, failed.read().decode()


AUTH = {"X-ClickHouse-User": EXPECTED[0], "X-ClickHouse-Key": EXPECTED[1]}


@pytest.mark.parametrize("path", ["/ping", "/"])
def test_ping_answers_ok_without_credentials(server, path):
    assert ask(server[0] + path) == (200, "Ok.\n")


def test_ping_answers_a_head_request_as_wget_spider_sends_it(server):
    request = urllib.request.Request(server[0] + "/ping", method="HEAD")
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200 and response.read() == b"" and response.headers["Content-Length"] == "4"


def test_select_one_needs_the_right_credentials(server):
    url = server[0] + "/?query=" + quote("SELECT 1")
    assert ask(url, headers=AUTH) == (200, "1\n")
    status, text = ask(url, headers={"X-ClickHouse-User": EXPECTED[0], "X-ClickHouse-Key": "wrong"})
    assert status == 401 and text.startswith("Code: 516. DB::Exception: langfuse: Authentication failed")
    status, text = ask(url)
    assert status == 401 and "default: Authentication failed" in text


@pytest.mark.parametrize("headers, query", [
    ({"Authorization": "Basic " + base64.b64encode(("%s:%s" % EXPECTED).encode()).decode()}, ""),
    ({}, "&user=%s&password=%s" % EXPECTED),
])
def test_credentials_as_clickhouse_takes_them(server, headers, query):
    assert ask(server[0] + "/?query=SELECT%201" + query, headers=headers) == (200, "1\n")


def test_rows_inserted_are_selected_back_in_order_and_survive_a_restart(server):
    url, data = server
    assert not (data / "default.traces.jsonl").exists()
    insert = "/?query=" + quote("INSERT INTO default.traces FORMAT JSONEachRow")
    assert ask(url + insert, data=b'{"id": "t1", "name": "a"}\n\n{"id": "t2"}\n', headers=AUTH) == (200, "")
    assert ask(url + insert, data=b'{"id": "t1", "name": "b"}', headers=AUTH) == (200, "")
    select = "/?query=" + quote("SELECT * FROM default.traces FORMAT JSONEachRow")
    expected = '{"id": "t1", "name": "a"}\n{"id": "t2"}\n{"id": "t1", "name": "b"}\n'
    assert ask(url + select, headers=AUTH) == (200, expected)
    assert (data / "default.traces.jsonl").read_text() == expected
    assert clickhouse_standin.Tables(str(data)).select("default.traces") == expected


def test_a_row_is_kept_with_its_keys_in_order(tmp_path):
    tables = clickhouse_standin.Tables(str(tmp_path))
    assert tables.insert("t", '{"b": 1, "a": 2}\n') == 1
    assert tables.select("t") == '{"a": 2, "b": 1}\n'


def test_a_query_may_come_in_the_body(server):
    assert ask(server[0] + "/", data=b"SELECT 1", headers=AUTH) == (200, "1\n")
    assert ask(server[0] + "/?query=" + quote("INSERT INTO t FORMAT JSONEachRow"), data=b'{"a": 1}', headers=AUTH)[0] == 200
    assert ask(server[0] + "/", data=b"SELECT * FROM t FORMAT JSONEachRow", headers=AUTH) == (200, '{"a": 1}\n')


def test_create_statements_are_accepted(server):
    for statement in ("CREATE DATABASE IF NOT EXISTS default", "create table if not exists t (id String)"):
        assert ask(server[0] + "/?query=" + quote(statement), headers=AUTH) == (200, "")


def test_an_unknown_table_is_code_60(server):
    status, text = ask(server[0] + "/?query=" + quote("SELECT * FROM nowhere FORMAT JSONEachRow"), headers=AUTH)
    assert (status, text) == (404, "Code: 60. DB::Exception: Table nowhere does not exist.\n")


@pytest.mark.parametrize("body, message", [
    (b"{not json}" + b"x" * 60, "Code: 117. DB::Exception: Cannot parse JSON object here: {not json}" + "x" * 30 + "\n"),
    (b"[" + b"1, " * 20 + b"1]", "Code: 117. DB::Exception: Cannot parse input: expected '{' before: [" + ("1, " * 13)[:39] + "\n"),
])
def test_rows_that_are_not_json_objects_are_code_117_and_nothing_is_written(server, body, message):
    url, data = server
    status, text = ask(url + "/?query=" + quote("INSERT INTO t FORMAT JSONEachRow"), data=b'{"a": 1}\n' + body, headers=AUTH)
    assert (status, text) == (400, message)
    assert not (data / "t.jsonl").exists()


@pytest.mark.parametrize("query", ["SELECT count() FROM t", "DROP TABLE t", "SELECT 2", "INSERT INTO t VALUES (1)"])
def test_anything_else_is_a_syntax_error(server, query):
    status, text = ask(server[0] + "/?query=" + quote(query), headers=AUTH)
    assert status == 400 and text.startswith("Code: 62. DB::Exception: Syntax error")


def test_an_answer_is_plain_text_of_its_length(server):
    with urllib.request.urlopen(server[0] + "/ping", timeout=5) as response:
        assert response.headers["Content-Type"] == "text/plain; charset=UTF-8"
        assert response.headers["Content-Length"] == "4"


@pytest.mark.parametrize("query, body, expected", [
    ("SELECT 1;", "", (200, "1\n")),
    ("  select 1 ", "", (200, "1\n")),
    ("", "", None),
])
def test_run_query(tmp_path, query, body, expected):
    tables = clickhouse_standin.Tables(str(tmp_path))
    if expected is None:
        with pytest.raises(clickhouse_standin.QueryError) as failed:
            clickhouse_standin.run_query(tables, query, body, "u", "p", ("u", "p"))
        assert failed.value.code == 62
    else:
        assert clickhouse_standin.run_query(tables, query, body, "u", "p", ("u", "p")) == expected


def test_credentials_default_to_the_default_user():
    assert clickhouse_standin.credentials_of({}, {}) == ("default", "")
    assert clickhouse_standin.credentials_of({"X-ClickHouse-User": "u"}, {}) == ("u", "")
    assert clickhouse_standin.credentials_of({"X-ClickHouse-Key": "k"}, {}) == ("default", "")
    assert clickhouse_standin.credentials_of({}, {"user": ["u"]}) == ("u", "")


def test_a_query_in_both_the_url_and_the_body_is_one_query(tmp_path):
    tables = clickhouse_standin.Tables(str(tmp_path))
    assert clickhouse_standin.run_query(tables, "INSERT INTO t FORMAT JSONEachRow", '{"a": 1}', "u", "p", ("u", "p")) == (200, "")
    assert tables.select("t") == '{"a": 1}\n'
    assert clickhouse_standin.run_query(tables, "SELECT", " 1", "u", "p", ("u", "p")) == (200, "1\n")


def test_an_unknown_statement_is_quoted_in_the_error_up_to_60_characters(tmp_path):
    with pytest.raises(clickhouse_standin.QueryError) as failed:
        clickhouse_standin.run_query(clickhouse_standin.Tables(str(tmp_path)), "DROP " + "x" * 80, "", "u", "p", ("u", "p"))
    assert (failed.value.status, failed.value.code) == (400, 62)
    assert str(failed.value).endswith("only: DROP " + "x" * 55)


def test_a_wrong_password_names_the_user(tmp_path):
    with pytest.raises(clickhouse_standin.QueryError) as failed:
        clickhouse_standin.run_query(clickhouse_standin.Tables(str(tmp_path)), "SELECT 1", "", "u", "bad", ("u", "p"))
    assert (failed.value.status, failed.value.code) == (401, 516)
    assert str(failed.value) == "u: Authentication failed: password is incorrect, or there is no user with such name."


@pytest.mark.parametrize("environ, root, expected", [
    ({}, "/var/lib/clickhouse/standin", ("default", "")),
    ({"CLICKHOUSE_DATA": "/d", "CLICKHOUSE_USER": "lf", "CLICKHOUSE_PASSWORD": "pw"}, "/d/standin", ("lf", "pw")),
    ({"CLICKHOUSE_USER": "", "CLICKHOUSE_DATA": ""}, "/var/lib/clickhouse/standin", ("default", "")),
])
def test_the_image_environment(environ, root, expected):
    tables, credentials = clickhouse_standin.configure(environ)
    assert (tables.root, credentials) == (root, expected)


def test_the_servers_answer_on_their_ports(tmp_path):
    httpd, native = clickhouse_standin.servers({"CLICKHOUSE_DATA": str(tmp_path), "CLICKHOUSE_USER": "lf",
                                                "CLICKHOUSE_PASSWORD": "pw"}, "127.0.0.1", 0, 0)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    worker = threading.Thread(target=clickhouse_standin.accept_and_close, args=(native, 1), daemon=True)
    worker.start()
    try:
        url = "http://127.0.0.1:%d" % httpd.server_address[1]
        assert ask(url + "/?query=SELECT%201", headers={"X-ClickHouse-User": "lf", "X-ClickHouse-Key": "pw"}) == (200, "1\n")
        with socket.create_connection(native.getsockname(), timeout=5) as connection:
            assert connection.recv(1) == b""
        worker.join(5)
        assert not worker.is_alive()
        assert clickhouse_standin.Handler.tables is None
    finally:
        httpd.shutdown()
        httpd.server_close()
        native.close()
