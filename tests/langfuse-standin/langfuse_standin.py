#!/usr/bin/env python3
"""A stand-in for Langfuse v3 web and worker (langfuse/langfuse, langfuse/langfuse-worker 3.225).

Langfuse is not published as a package and cannot be built here (ENVIRONMENT.md). This keeps the parts
of its contract the stack uses, with the real image's settings, and moves each event the way v3 does -
web -> S3 -> Redis queue -> worker -> ClickHouse - so that every connection the role wires carries data:

  node ./web/server.js (:3000, HOSTNAME/PORT)
    GET  /api/public/health         200 {"status": "OK", "version"} when PostgreSQL answers, else 503
    GET  /api/public/ready          200
    GET  /api/public/projects       the project of the key pair (Basic auth public:secret)
    POST /api/public/ingestion      {"batch": [events]} -> 207 {"successes", "errors"}: each valid event
                                    is stored in the event bucket and queued in Redis; an invalid one
                                    is a 400 entry, the others still go through
    GET  /api/public/traces[/{id}]  traces the workers wrote to ClickHouse, with observations and usage
  node worker/dist/index.js (:3030)
    GET  /api/health                200 when Redis answers, else 503; moves queued events to ClickHouse,
                                    and keeps a job queued while ClickHouse or S3 fails
  entrypoint `migrate` (web/entrypoint.sh): PostgreSQL and ClickHouse (CLICKHOUSE_MIGRATION_URL's native
  port, then the HTTP credentials) must answer, or the container exits as the real migrations do.

Settings are the real ones (DATABASE_URL, SALT, ENCRYPTION_KEY as 64 hex characters, NEXTAUTH_*,
CLICKHOUSE_*, LANGFUSE_S3_EVENT_UPLOAD_*, REDIS_CONNECTION_STRING or REDIS_HOST/PORT/AUTH,
LANGFUSE_INIT_*); a missing or malformed one stops the start with the variable's name.
"""

import base64
import json
import os
import re
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, unquote, urlsplit

import sigv4

VERSION = os.environ.get("LANGFUSE_STANDIN_VERSION", "3")
QUEUE = "langfuse-standin:ingestion"
OBSERVATION_TYPES = {"span": "SPAN", "generation": "GENERATION", "event": "EVENT"}
EVENT_TYPES = {"trace-create", "score-create", "sdk-log"} | {
    "%s-%s" % (kind, action) for kind in OBSERVATION_TYPES for action in ("create", "update")
} - {"event-update"}
TRACE_FIELDS = ("name", "timestamp", "input", "output", "metadata", "userId", "sessionId", "release",
                "version", "tags", "public")
OBSERVATION_FIELDS = ("traceId", "name", "startTime", "endTime", "completionStartTime", "model",
                      "modelParameters", "input", "output", "metadata", "level", "statusMessage",
                      "parentObservationId", "version")
USAGE_NAMES = {"input": "input", "output": "output", "total": "total", "promptTokens": "input",
               "completionTokens": "output", "totalTokens": "total"}


class ConfigError(Exception):
    pass


def require(environ, name, pattern=None, hint=""):
    value = environ.get(name, "")
    if not value:
        raise ConfigError("%s is required%s" % (name, hint))
    if pattern and not re.match(pattern, value):
        raise ConfigError("%s is malformed%s" % (name, hint))
    return value


def redis_url(environ):
    if environ.get("REDIS_CONNECTION_STRING"):
        return require(environ, "REDIS_CONNECTION_STRING", r"^rediss?://[^/]+(/\d+)?$")
    host = require(environ, "REDIS_HOST", hint=" (or REDIS_CONNECTION_STRING)")
    auth = environ.get("REDIS_AUTH", "")
    return "redis://%s%s:%s/0" % ((":" + quote(auth, safe="") + "@") if auth else "", host, environ.get("REDIS_PORT") or "6379")


def init_settings(environ):
    """LANGFUSE_INIT_*, with the real dependencies: a project needs the organisation, keys the project."""
    init = {name[len("LANGFUSE_INIT_"):].lower(): value for name, value in environ.items()
            if name.startswith("LANGFUSE_INIT_") and value}
    if init and "org_id" not in init:
        raise ConfigError("LANGFUSE_INIT_ORG_ID is required when any LANGFUSE_INIT_* is set")
    if ("project_public_key" in init or "project_secret_key" in init) and not (
            "project_id" in init and "project_public_key" in init and "project_secret_key" in init):
        raise ConfigError("LANGFUSE_INIT_PROJECT_PUBLIC_KEY and _SECRET_KEY go together, with LANGFUSE_INIT_PROJECT_ID")
    if not init.get("project_public_key", "pk-lf-").startswith("pk-lf-"):
        raise ConfigError("LANGFUSE_INIT_PROJECT_PUBLIC_KEY must start with pk-lf-")
    if not init.get("project_secret_key", "sk-lf-").startswith("sk-lf-"):
        raise ConfigError("LANGFUSE_INIT_PROJECT_SECRET_KEY must start with sk-lf-")
    if ("user_email" in init) != ("user_password" in init):
        raise ConfigError("LANGFUSE_INIT_USER_EMAIL and LANGFUSE_INIT_USER_PASSWORD go together")
    return init


def settings(environ, role):
    """The validated configuration of `role` (web or worker), or ConfigError naming the variable."""
    config = {
        "database_url": require(environ, "DATABASE_URL", r"^postgres(ql)?://[^:@/]+:[^@/]*@[^/]+/[^/?]+"),
        "salt": require(environ, "SALT"),
        "encryption_key": require(environ, "ENCRYPTION_KEY", r"^[0-9a-fA-F]{64}$",
                                  " (256 bits, 64 hex characters: openssl rand -hex 32)"),
        "clickhouse_url": require(environ, "CLICKHOUSE_URL", r"^https?://[^/]+/?$").rstrip("/"),
        "clickhouse_user": require(environ, "CLICKHOUSE_USER"),
        "clickhouse_password": require(environ, "CLICKHOUSE_PASSWORD"),
        "bucket": require(environ, "LANGFUSE_S3_EVENT_UPLOAD_BUCKET"),
        "s3_endpoint": require(environ, "LANGFUSE_S3_EVENT_UPLOAD_ENDPOINT", r"^https?://[^/]+/?$").rstrip("/"),
        "s3_access_key": require(environ, "LANGFUSE_S3_EVENT_UPLOAD_ACCESS_KEY_ID"),
        "s3_secret_key": require(environ, "LANGFUSE_S3_EVENT_UPLOAD_SECRET_ACCESS_KEY"),
        "s3_region": environ.get("LANGFUSE_S3_EVENT_UPLOAD_REGION") or "us-east-1",
        "s3_prefix": environ.get("LANGFUSE_S3_EVENT_UPLOAD_PREFIX", ""),
        "redis_url": redis_url(environ),
    }
    if environ.get("LANGFUSE_S3_EVENT_UPLOAD_FORCE_PATH_STYLE", "false") != "true":
        raise ConfigError("LANGFUSE_S3_EVENT_UPLOAD_FORCE_PATH_STYLE must be true (the stand-in speaks path style)")
    if role == "web":
        config["nextauth_url"] = require(environ, "NEXTAUTH_URL", r"^https?://[^/]+")
        require(environ, "NEXTAUTH_SECRET")
        config["clickhouse_migration_url"] = require(
            environ, "CLICKHOUSE_MIGRATION_URL", r"^clickhouse://[^/:]+:\d+", " (clickhouse://host:9000)")
        config["init"] = init_settings(environ)
    return config


# ---- clients of the services Langfuse uses --------------------------------------------------------

class RedisError(Exception):
    pass


def resp_encode(args):
    out = [b"*%d\r\n" % len(args)]
    for arg in args:
        data = arg if isinstance(arg, bytes) else str(arg).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


def resp_read(stream):
    """One RESP2 reply from a binary file object."""
    line = stream.readline()
    if not line.endswith(b"\r\n"):
        raise RedisError("connection closed")
    kind, rest = line[:1], line[1:-2]
    if kind == b"+":
        return rest.decode()
    if kind == b"-":
        raise RedisError(rest.decode())
    if kind == b":":
        return int(rest)
    if kind == b"$":
        size = int(rest)
        if size < 0:
            return None
        data = stream.read(size + 2)
        return data[:-2].decode()
    if kind == b"*":
        size = int(rest)
        return None if size < 0 else [resp_read(stream) for _ in range(size)]
    raise RedisError("unexpected reply %r" % line)


class Redis:
    """A Redis connection from a redis:// URL (password and database number), one command at a time."""

    def __init__(self, url, timeout=10):
        parts = urlsplit(url)
        self.address = (parts.hostname, parts.port or 6379)
        self.password = unquote(parts.password) if parts.password else ""
        self.database = int(parts.path.strip("/") or 0)
        self.timeout = timeout
        self.lock = threading.Lock()
        self.stream = None

    def connect(self):
        sock = socket.create_connection(self.address, timeout=self.timeout)
        self.stream = sock.makefile("rwb")
        if self.password:
            self.send("AUTH", self.password)
        self.send("SELECT", self.database)

    def send(self, *args):
        self.stream.write(resp_encode(args))
        self.stream.flush()
        return resp_read(self.stream)

    def call(self, *args):
        with self.lock:
            try:
                if self.stream is None:
                    self.connect()
                return self.send(*args)
            except (OSError, RedisError):
                self.stream = None
                raise


def s3_put(config, key, body, opener=urllib.request.urlopen):
    url = "%s/%s/%s" % (config["s3_endpoint"], config["bucket"], quote(key, safe="/-_.~"))
    headers = sigv4.sign("PUT", url, body, config["s3_access_key"], config["s3_secret_key"], config["s3_region"])
    # As Langfuse uploads events; without it urllib says form data, which moto's server then parses away.
    headers["content-type"] = "application/json"
    with opener(urllib.request.Request(url, data=body, method="PUT", headers=headers), timeout=10) as response:
        return response.status


def s3_get(config, key, opener=urllib.request.urlopen):
    url = "%s/%s/%s" % (config["s3_endpoint"], config["bucket"], quote(key, safe="/-_.~"))
    headers = sigv4.sign("GET", url, b"", config["s3_access_key"], config["s3_secret_key"], config["s3_region"])
    with opener(urllib.request.Request(url, method="GET", headers=headers), timeout=10) as response:
        return response.read()


def clickhouse(config, query, body=b"", opener=urllib.request.urlopen):
    url = config["clickhouse_url"] + "/?query=" + quote(query)
    headers = {"X-ClickHouse-User": config["clickhouse_user"], "X-ClickHouse-Key": config["clickhouse_password"]}
    with opener(urllib.request.Request(url, data=body, method="POST", headers=headers), timeout=10) as response:
        return response.read().decode()


def database_answers(url, connect=None):
    """PostgreSQL answers SELECT 1 with the DATABASE_URL's user, password and database."""
    parts = urlsplit(url)
    if connect is None:  # pragma: no cover - pg8000 lives in the image only
        import pg8000.native
        connect = pg8000.native.Connection
    try:
        connection = connect(user=unquote(parts.username), password=unquote(parts.password or ""),
                             host=parts.hostname, port=parts.port or 5432, database=parts.path.lstrip("/"), timeout=5)
        try:
            return connection.run("SELECT 1") == [[1]]
        finally:
            connection.close()
    except Exception:  # noqa: BLE001 - any failure is "not available", as the health endpoint says
        return False


# ---- ingestion: validation, then S3 and the queue ------------------------------------------------

def event_problem(event):
    """Why one ingestion event is invalid (upstream answers 400 for it), or None."""
    if not isinstance(event, dict):
        return "event must be an object"
    if not isinstance(event.get("id"), str) or not event["id"]:
        return "id: a non-empty string is required"
    if event.get("type") not in EVENT_TYPES:
        return "type: invalid discriminator value %r" % (event.get("type"),)
    if not isinstance(event.get("timestamp"), str) or not re.match(r"^\d{4}-\d\d-\d\dT", event["timestamp"]):
        return "timestamp: an ISO 8601 date-time is required"
    body = event.get("body")
    if not isinstance(body, dict):
        return "body: an object is required"
    for name in ("id", "traceId", "name", "model"):
        if body.get(name) is not None and not isinstance(body[name], str):
            return "body.%s: expected string" % name
    tags = body.get("tags")
    if tags is not None and not (isinstance(tags, list) and all(isinstance(tag, str) for tag in tags)):
        return "body.tags: expected an array of strings"
    for field in ("usage", "usageDetails"):
        usage = body.get(field)
        if usage is None:
            continue
        if not isinstance(usage, dict):
            return "body.%s: expected object" % field
        for name, value in usage.items():
            if name != "unit" and value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
                return "body.%s.%s: expected a non-negative integer" % (field, name)
    return None


def entity_of(event):
    """(entity type, entity id) an event belongs to, filling in the ids upstream generates."""
    kind = event["type"].rsplit("-", 1)[0]
    body = event["body"]
    if not body.get("id"):
        body["id"] = str(uuid.uuid4())
    if kind in OBSERVATION_TYPES and not body.get("traceId"):
        body["traceId"] = str(uuid.uuid4())
    return ("observation" if kind in OBSERVATION_TYPES else kind), body["id"]


def ingest(batch, project_id, config, put, push):
    """Store and queue each valid event of a batch; (successes, errors) as upstream's 207 body lists them."""
    successes, errors = [], []
    for event in batch:
        problem = event_problem(event)
        event_id = event.get("id") if isinstance(event, dict) else None
        if problem:
            errors.append({"id": event_id, "status": 400, "message": "Invalid request data", "error": problem})
            continue
        if event["type"] == "sdk-log":
            successes.append({"id": event_id, "status": 201})
            continue
        entity, entity_id = entity_of(event)
        key = "%s%s/%s/%s/%s.json" % (config["s3_prefix"], project_id, entity, entity_id, event_id)
        try:
            put(key, json.dumps(event).encode())
            push(json.dumps({"projectId": project_id, "entity": entity, "key": key}))
        except (OSError, RedisError, urllib.error.URLError) as failed:
            errors.append({"id": event_id, "status": 500, "message": "Internal Server Error", "error": str(failed)})
            continue
        successes.append({"id": event_id, "status": 201})
    return successes, errors


# ---- the worker: from the queue to ClickHouse ----------------------------------------------------

def usage_of(body):
    usage = {}
    for source in (body.get("usage") or {}, body.get("usageDetails") or {}):
        for name, value in source.items():
            if name in USAGE_NAMES and value is not None:
                usage[USAGE_NAMES[name]] = value
    if usage and "total" not in usage:
        usage["total"] = usage.get("input", 0) + usage.get("output", 0)
    return usage


def row_of(event, project_id):
    """The ClickHouse row a worker writes for one event: (table, row)."""
    kind = event["type"].rsplit("-", 1)[0]
    body = event["body"]
    if kind == "trace":
        row = {name: body.get(name) for name in TRACE_FIELDS}
        table = "traces"
    elif kind == "score":
        row = {name: body.get(name) for name in ("traceId", "name", "value", "comment", "observationId")}
        table = "scores"
    else:
        row = {name: body.get(name) for name in OBSERVATION_FIELDS}
        row["type"] = OBSERVATION_TYPES[kind]
        row["usage"] = usage_of(body) or None
        table = "observations"
    row.update({"id": body["id"], "projectId": project_id, "eventTs": event["timestamp"]})
    return table, row


def process_job(job, config, get, query):
    """Read the job's event from S3 and write its row to ClickHouse; an exception leaves it queued."""
    details = json.loads(job)
    event = json.loads(get(details["key"]))
    table, row = row_of(event, details["projectId"])
    query("INSERT INTO %s FORMAT JSONEachRow" % table, json.dumps(row).encode())
    return table


def work(redis, config, name, get, query, stop, pause=1.0):
    """Move jobs from the queue (LPUSHed, so the oldest is on the right) through this worker's own
    processing list into ClickHouse; a job that fails goes back to the queue's head and is tried again."""
    processing = "%s:processing:%s" % (QUEUE, name)
    while True:  # the jobs this worker held when it died go back to the queue's head, oldest first
        if redis.call("LMOVE", processing, QUEUE, "LEFT", "RIGHT") is None:
            break
    while not stop.is_set():
        try:
            job = redis.call("BLMOVE", QUEUE, processing, "RIGHT", "LEFT", 1)
        except (OSError, RedisError) as failed:
            print("worker: redis: %s" % failed, flush=True)
            time.sleep(pause)
            continue
        if job is None:
            continue
        try:
            process_job(job, config, get, query)
            redis.call("LREM", processing, 1, job)
        except (OSError, ValueError, KeyError, urllib.error.URLError) as failed:
            print("worker: job kept in the queue: %s" % failed, flush=True)
            redis.call("LMOVE", processing, QUEUE, "RIGHT", "RIGHT")
            time.sleep(pause)


# ---- reading traces back -------------------------------------------------------------------------

def merged(rows, project_id):
    """Rows of one project merged by id in event order: a later non-null field wins (ReplacingMergeTree)."""
    entities = {}
    for row in sorted(rows, key=lambda row: row.get("eventTs") or ""):
        if row.get("projectId") != project_id:
            continue
        current = entities.setdefault(row["id"], {})
        current.update({name: value for name, value in row.items() if value is not None})
    return entities


def observation_view(row):
    usage = row.get("usage") or {}
    view = {name: row.get(name) for name in ("id", "traceId", "type", "name", "startTime", "endTime", "model",
                                              "input", "output", "metadata", "level", "parentObservationId")}
    view["usage"] = {"input": usage.get("input", 0), "output": usage.get("output", 0),
                     "total": usage.get("total", 0), "unit": "TOKENS"}
    view["usageDetails"] = dict(usage)
    return view


def trace_view(trace, observations):
    view = {name: trace.get(name) for name in ("id", "projectId") + TRACE_FIELDS}
    view["tags"] = trace.get("tags") or []
    view["observations"] = [observation_view(row) for row in observations if row.get("traceId") == trace["id"]]
    view["htmlPath"] = "/project/%s/traces/%s" % (trace["projectId"], trace["id"])
    return view


def read_table(query, table):
    try:
        text = query("SELECT * FROM %s FORMAT JSONEachRow" % table)
    except urllib.error.HTTPError as failed:
        if failed.code == 404:
            return []
        raise
    return [json.loads(line) for line in text.splitlines() if line.strip()]


# ---- HTTP ----------------------------------------------------------------------------------------

def authenticated_project(header, init):
    """The project id of a Basic auth key pair, or None."""
    if not header.startswith("Basic "):
        return None
    try:
        public, _, secret = base64.b64decode(header[6:]).decode().partition(":")
    except ValueError:
        return None
    if public and public == init.get("project_public_key") and secret == init.get("project_secret_key"):
        return init["project_id"]
    return None


class JsonHandler(BaseHTTPRequestHandler):
    """What web and worker answer with: a JSON document of its length, no access log."""

    def log_message(self, *args):
        pass

    def answer(self, status, document):
        data = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class WebHandler(JsonHandler):
    config = None
    redis = None
    database_ok = staticmethod(lambda: False)
    put = push = query = None
    protocol_version = "HTTP/1.1"

    def project(self):
        project = authenticated_project(self.headers.get("Authorization", ""), self.config["init"])
        if project is None:
            self.answer(401, {"message": "Invalid credentials. Confirm that you've configured the correct host."})
        return project

    def do_GET(self):
        path = urlsplit(self.path).path.rstrip("/")
        if path == "/api/public/health":
            if self.database_ok():
                return self.answer(200, {"status": "OK", "version": VERSION})
            return self.answer(503, {"status": "Database not available", "version": VERSION})
        if path == "/api/public/ready":
            return self.answer(200, {"status": "OK", "version": VERSION})
        if not path.startswith("/api/public/"):
            return self.answer(404, {"message": "Not found"})
        project = self.project()
        if project is None:
            return None
        init = self.config["init"]
        if path == "/api/public/projects":
            return self.answer(200, {"data": [{"id": project, "name": init.get("project_name", project), "metadata": {}}]})
        if path == "/api/public/traces" or path.startswith("/api/public/traces/"):
            try:
                traces = merged(read_table(self.query, "traces"), project)
                observations = list(merged(read_table(self.query, "observations"), project).values())
            except (OSError, urllib.error.URLError) as failed:
                return self.answer(500, {"message": "Internal Server Error", "error": str(failed)})
            if path == "/api/public/traces":
                data = [trace_view(trace, observations) for trace in traces.values()]
                return self.answer(200, {"data": data, "meta": {"page": 1, "limit": 50, "totalItems": len(data),
                                                                 "totalPages": 1}})
            trace = traces.get(unquote(path.rsplit("/", 1)[1]))
            if trace is None:
                return self.answer(404, {"message": "Trace not found within authorized project"})
            return self.answer(200, trace_view(trace, observations))
        return self.answer(404, {"message": "Not found"})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if urlsplit(self.path).path.rstrip("/") != "/api/public/ingestion":
            return self.answer(404, {"message": "Not found"})
        project = self.project()
        if project is None:
            return None
        try:
            batch = json.loads(raw or b"null").get("batch")
        except (ValueError, AttributeError):
            batch = None
        if not isinstance(batch, list):
            return self.answer(400, {"message": "Invalid request data", "error": "batch: expected array"})
        successes, errors = ingest(batch, project, self.config, self.put, self.push)
        return self.answer(207, {"successes": successes, "errors": errors})


class WorkerHandler(JsonHandler):
    redis = None

    def do_GET(self):
        path = urlsplit(self.path).path
        try:
            healthy = path in ("/api/health", "/api/ready") and self.redis.call("PING") == "PONG"
        except (OSError, RedisError):
            healthy = False
        status = 200 if healthy else (503 if path in ("/api/health", "/api/ready") else 404)
        self.answer(status, {"status": "healthy" if healthy else "unhealthy"})


def migrate(config, database_ok, query, connect=None):
    """What web/entrypoint.sh does before the server: PostgreSQL and ClickHouse must answer."""
    connect = connect or socket.create_connection
    if not database_ok():
        raise ConfigError("prisma migrate deploy: cannot reach the database of DATABASE_URL")
    target = urlsplit(config["clickhouse_migration_url"])
    try:
        connect((target.hostname, target.port), timeout=5).close()
        query("CREATE DATABASE IF NOT EXISTS default")
    except (OSError, urllib.error.URLError) as failed:
        raise ConfigError("clickhouse migrations: %s (CLICKHOUSE_MIGRATION_URL, CLICKHOUSE_URL, "
                          "CLICKHOUSE_USER, CLICKHOUSE_PASSWORD)" % failed)


def build(argv, environ, err=sys.stderr):
    """What the command starts: (exit code, None) when it ends at once (a bad setting, `migrate`), else
    (None, (server, worker thread or None)). Nothing is started here."""
    command = argv[1] if len(argv) > 1 else ""
    role = "worker" if "worker" in command else "web"
    try:
        config = settings(environ, role)
    except ConfigError as failed:
        err.write("Invalid environment variables: %s\n" % failed)
        return 1, None
    redis = Redis(config["redis_url"])

    def query(text, body=b""):
        return clickhouse(config, text, body)

    def database_ok():
        return database_answers(config["database_url"])

    if command == "migrate":
        try:
            migrate(config, database_ok, query)
        except ConfigError as failed:
            err.write("Error: %s\n" % failed)
            return 1, None
        return 0, None
    if role == "worker":
        handler = type("Worker", (WorkerHandler,), {"redis": redis})
        thread = threading.Thread(target=work, args=(redis, config, socket.gethostname(),
                                                     lambda key: s3_get(config, key), query, threading.Event()), daemon=True)
        return None, (ThreadingHTTPServer(("0.0.0.0", int(environ.get("PORT") or 3030)), handler), thread)
    handler = type("Web", (WebHandler,), {
        "config": config, "database_ok": staticmethod(database_ok), "query": staticmethod(query),
        "put": staticmethod(lambda key, body: s3_put(config, key, body)),
        "push": staticmethod(lambda job: redis.call("LPUSH", QUEUE, job))})
    return None, (ThreadingHTTPServer((environ.get("HOSTNAME") or "0.0.0.0", int(environ.get("PORT") or 3000)), handler), None)


def main(argv, environ):  # pragma: no cover - starts what build() made; the scenario runs it
    code, started = build(argv, environ)
    if started is None:
        return code
    server, worker = started
    if worker is not None:
        worker.start()
    print("Langfuse stand-in %s on %s:%s" % (VERSION, *server.server_address), flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv, os.environ))
