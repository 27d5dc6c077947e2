#!/usr/bin/env python3
"""A stand-in for ClickHouse server (clickhouse/clickhouse-server 25.8) for the langfuse role's tests.

Modern ClickHouse cannot be obtained here (ENVIRONMENT.md). This answers what the role and the
Langfuse stand-in use of its HTTP interface (:8123), with ClickHouse's own wording and codes:

  GET|HEAD /ping, GET /                "Ok.\\n", no credentials (the healthcheck: wget --spider)
  query (GET ?query= or POST body)     credentials as Basic auth, X-ClickHouse-User/-Key headers or
                                       user/password parameters, checked against CLICKHOUSE_USER /
                                       CLICKHOUSE_PASSWORD (Code: 516 otherwise)
    SELECT 1                           "1\\n"
    CREATE DATABASE|TABLE ...          accepted (no schema is kept)
    INSERT INTO t FORMAT JSONEachRow   rows appended to <data>/<t>.jsonl
    SELECT * FROM t FORMAT JSONEachRow every row of t, in insertion order
and accepts connections on the native port (:9000), where Langfuse's migrations connect (nothing is
spoken there). Anything else is Code: 62 (syntax error). Rows survive a restart: they are files on
the data volume (/var/lib/clickhouse), as ClickHouse's parts are.
"""

import base64
import json
import os
import re
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

TABLE = r"([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)"
INSERT_RE = re.compile(r"^\s*INSERT\s+INTO\s+" + TABLE + r"\s+FORMAT\s+JSONEachRow\s*(.*)$", re.I | re.S)
SELECT_RE = re.compile(r"^\s*SELECT\s+\*\s+FROM\s+" + TABLE + r"\s+FORMAT\s+JSONEachRow\s*;?\s*$", re.I)
CREATE_RE = re.compile(r"^\s*CREATE\s+(DATABASE|TABLE)\s", re.I)
ONE_RE = re.compile(r"^\s*SELECT\s+1\s*;?\s*$", re.I)


class QueryError(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status = status
        self.code = code


class Tables:
    """Rows of each table as JSON lines in the data directory; one lock for every writer."""

    def __init__(self, root):
        self.root = root
        self.lock = threading.Lock()

    def path(self, table):
        return os.path.join(self.root, table + ".jsonl")

    def insert(self, table, text):
        rows = []
        for line in text.splitlines():
            if line.strip():
                try:
                    row = json.loads(line)
                except ValueError:
                    raise QueryError(400, 117, "Cannot parse JSON object here: %s" % line[:40])
                if not isinstance(row, dict):
                    raise QueryError(400, 117, "Cannot parse input: expected '{' before: %s" % line[:40])
                rows.append(json.dumps(row, sort_keys=True))
        with self.lock:
            os.makedirs(self.root, exist_ok=True)
            with open(self.path(table), "a", encoding="utf-8") as handle:
                handle.writelines(row + "\n" for row in rows)
        return len(rows)

    def select(self, table):
        with self.lock:
            try:
                with open(self.path(table), encoding="utf-8") as handle:
                    return handle.read()
            except FileNotFoundError:
                raise QueryError(404, 60, "Table %s does not exist." % table)


def credentials_of(headers, params):
    """(user, password) as ClickHouse's HTTP interface takes them; user 'default' when none is given."""
    auth = headers.get("Authorization", "")
    if auth.startswith("Basic "):
        user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
        return user, password
    if headers.get("X-ClickHouse-User"):
        return headers["X-ClickHouse-User"], headers.get("X-ClickHouse-Key", "")
    return params.get("user", ["default"])[0], params.get("password", [""])[0]


def run_query(tables, query, body, user, password, expected):
    """The answer to one query as (status, text), or QueryError."""
    if (user, password) != expected:
        raise QueryError(401, 516, "%s: Authentication failed: password is incorrect, or there is no user "
                                   "with such name." % user)
    if query and body:
        query = query + "\n" + body
    elif body:
        query = body
    if ONE_RE.match(query):
        return 200, "1\n"
    if CREATE_RE.match(query):
        return 200, ""
    insert = INSERT_RE.match(query)
    if insert:
        tables.insert(insert.group(1), insert.group(2))
        return 200, ""
    select = SELECT_RE.match(query)
    if select:
        return 200, tables.select(select.group(1))
    raise QueryError(400, 62, "Syntax error: the stand-in answers SELECT 1, CREATE, INSERT ... FORMAT "
                              "JSONEachRow and SELECT * FROM t FORMAT JSONEachRow only: %s" % query[:60])


class Handler(BaseHTTPRequestHandler):
    tables = None
    expected = ("default", "")

    def log_message(self, *args):
        pass

    def answer(self, status, text):
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def handle_query(self, body):
        url = urlsplit(self.path)
        params = parse_qs(url.query)
        if url.path in ("/ping", "/") and "query" not in params and not body:
            return self.answer(200, "Ok.\n")
        user, password = credentials_of(self.headers, params)
        try:
            status, text = run_query(self.tables, params.get("query", [""])[0], body, user, password, self.expected)
        except QueryError as failed:
            return self.answer(failed.status, "Code: %d. DB::Exception: %s\n" % (failed.code, failed))
        self.answer(status, text)

    def do_GET(self):
        self.handle_query("")

    do_HEAD = do_GET  # wget --spider, the healthcheck of Langfuse's own compose file

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.handle_query(self.rfile.read(length).decode() if length else "")


def configure(environ):
    """The tables and the credentials queries must carry, from the image's environment."""
    root = os.path.join(environ.get("CLICKHOUSE_DATA") or "/var/lib/clickhouse", "standin")
    return Tables(root), (environ.get("CLICKHOUSE_USER") or "default", environ.get("CLICKHOUSE_PASSWORD", ""))


def accept_and_close(server, connections=None):
    """The native port: connections are accepted and closed (Langfuse's migrations only connect)."""
    while connections is None or connections > 0:
        connection, _ = server.accept()
        connection.close()
        connections = None if connections is None else connections - 1


def servers(environ, host="0.0.0.0", http_port=8123, native_port=9000):
    """The HTTP server and the native port's socket, ready to serve."""
    handler = type("ClickHouseHandler", (Handler,), {})
    handler.tables, handler.expected = configure(environ)
    return ThreadingHTTPServer((host, http_port), handler), socket.create_server((host, native_port))


def main(environ):  # pragma: no cover - the server loop; the scenario exercises it
    httpd, native = servers(environ)
    threading.Thread(target=accept_and_close, args=(native,), daemon=True).start()
    print("ClickHouse stand-in: HTTP on :8123, native port :9000", flush=True)
    httpd.serve_forever()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(os.environ))
