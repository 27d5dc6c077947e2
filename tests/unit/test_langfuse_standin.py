# The Langfuse v3 stand-in (tests/langfuse-standin): its settings as the real image validates them,
# headless initialisation, the public API the stack uses (ingestion with 207 partial errors, traces
# with usage, key pair authentication) and the v3 path of an event: S3, the Redis queue, the worker,
# ClickHouse. REQUIREMENTS S7, SEC5, B5.
import base64
import io
import json
import os
import socket
import sys
import threading
import urllib.error
import urllib.request
from http.server import ThreadingHTTPServer

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "langfuse-standin"))
import langfuse_standin as lf  # noqa: E402
import sigv4  # noqa: E402

KEY = "0123456789abcdef" * 4
BASE_ENV = {
    "DATABASE_URL": "postgresql://langfuse:pw@postgres:5432/langfuse",
    "SALT": "salt", "ENCRYPTION_KEY": KEY, "NEXTAUTH_SECRET": "secret", "NEXTAUTH_URL": "https://langfuse.example.org",
    "CLICKHOUSE_URL": "http://clickhouse:8123", "CLICKHOUSE_MIGRATION_URL": "clickhouse://clickhouse:9000",
    "CLICKHOUSE_USER": "langfuse", "CLICKHOUSE_PASSWORD": "chpw",
    "LANGFUSE_S3_EVENT_UPLOAD_BUCKET": "langfuse", "LANGFUSE_S3_EVENT_UPLOAD_ENDPOINT": "http://minio:9000",
    "LANGFUSE_S3_EVENT_UPLOAD_ACCESS_KEY_ID": "ak", "LANGFUSE_S3_EVENT_UPLOAD_SECRET_ACCESS_KEY": "sk",
    "LANGFUSE_S3_EVENT_UPLOAD_FORCE_PATH_STYLE": "true", "LANGFUSE_S3_EVENT_UPLOAD_PREFIX": "events/",
    "LANGFUSE_S3_EVENT_UPLOAD_REGION": "auto",
    "REDIS_CONNECTION_STRING": "redis://:rpw@redis:6379/2",
    "LANGFUSE_INIT_ORG_ID": "org", "LANGFUSE_INIT_PROJECT_ID": "proj", "LANGFUSE_INIT_PROJECT_NAME": "Stack",
    "LANGFUSE_INIT_PROJECT_PUBLIC_KEY": "pk-lf-public", "LANGFUSE_INIT_PROJECT_SECRET_KEY": "sk-lf-secret",
    "LANGFUSE_INIT_USER_EMAIL": "admin@example.org", "LANGFUSE_INIT_USER_PASSWORD": "pw",
}


def env(**changes):
    values = dict(BASE_ENV)
    for name, value in changes.items():
        if value is None:
            values.pop(name, None)
        else:
            values[name] = value
    return values


# ---- settings ------------------------------------------------------------------------------------

def test_the_web_settings():
    config = lf.settings(BASE_ENV, "web")
    assert config["clickhouse_url"] == "http://clickhouse:8123" and config["s3_endpoint"] == "http://minio:9000"
    assert config["redis_url"] == "redis://:rpw@redis:6379/2" and config["s3_prefix"] == "events/"
    assert config["s3_region"] == "auto" and config["bucket"] == "langfuse"
    assert config["init"]["project_public_key"] == "pk-lf-public"
    assert config["nextauth_url"] == "https://langfuse.example.org"
    assert config["clickhouse_migration_url"] == "clickhouse://clickhouse:9000"
    assert (config["s3_access_key"], config["s3_secret_key"], config["clickhouse_password"]) == ("ak", "sk", "chpw")


def test_the_worker_needs_no_web_settings():
    config = lf.settings(env(NEXTAUTH_URL=None, NEXTAUTH_SECRET=None, CLICKHOUSE_MIGRATION_URL=None), "worker")
    assert "init" not in config and "nextauth_url" not in config


def test_trailing_slashes_and_defaults():
    config = lf.settings(env(CLICKHOUSE_URL="http://ch:8123/", LANGFUSE_S3_EVENT_UPLOAD_ENDPOINT="http://m:9000/",
                             LANGFUSE_S3_EVENT_UPLOAD_REGION=None, LANGFUSE_S3_EVENT_UPLOAD_PREFIX=None), "worker")
    assert (config["clickhouse_url"], config["s3_endpoint"]) == ("http://ch:8123", "http://m:9000")
    assert (config["s3_region"], config["s3_prefix"]) == ("us-east-1", "")


@pytest.mark.parametrize("name, value, message", [
    ("DATABASE_URL", None, "DATABASE_URL is required"),
    ("DATABASE_URL", "mysql://u:p@h/d", "DATABASE_URL is malformed"),
    ("SALT", "", "SALT is required"),
    ("ENCRYPTION_KEY", None, "ENCRYPTION_KEY is required"),
    ("ENCRYPTION_KEY", KEY[:-1], "ENCRYPTION_KEY is malformed .*64 hex"),
    ("ENCRYPTION_KEY", KEY[:-1] + "g", "ENCRYPTION_KEY is malformed"),
    ("ENCRYPTION_KEY", KEY + "0", "ENCRYPTION_KEY is malformed"),
    ("CLICKHOUSE_URL", "clickhouse:8123", "CLICKHOUSE_URL is malformed"),
    ("CLICKHOUSE_USER", None, "CLICKHOUSE_USER is required"),
    ("CLICKHOUSE_PASSWORD", None, "CLICKHOUSE_PASSWORD is required"),
    ("LANGFUSE_S3_EVENT_UPLOAD_BUCKET", None, "LANGFUSE_S3_EVENT_UPLOAD_BUCKET is required"),
    ("LANGFUSE_S3_EVENT_UPLOAD_ENDPOINT", "minio:9000", "ENDPOINT is malformed"),
    ("LANGFUSE_S3_EVENT_UPLOAD_ACCESS_KEY_ID", None, "ACCESS_KEY_ID is required"),
    ("LANGFUSE_S3_EVENT_UPLOAD_SECRET_ACCESS_KEY", None, "SECRET_ACCESS_KEY is required"),
    ("LANGFUSE_S3_EVENT_UPLOAD_FORCE_PATH_STYLE", None, "FORCE_PATH_STYLE must be true"),
    ("REDIS_CONNECTION_STRING", "redis://:p@redis:6379/x", "REDIS_CONNECTION_STRING is malformed"),
    ("NEXTAUTH_URL", None, "NEXTAUTH_URL is required"),
    ("NEXTAUTH_URL", "langfuse.example.org", "NEXTAUTH_URL is malformed"),
    ("NEXTAUTH_SECRET", None, "NEXTAUTH_SECRET is required"),
    ("CLICKHOUSE_MIGRATION_URL", None, "CLICKHOUSE_MIGRATION_URL is required"),
    ("CLICKHOUSE_MIGRATION_URL", "http://clickhouse:8123", "CLICKHOUSE_MIGRATION_URL is malformed"),
])
def test_a_missing_or_malformed_setting_is_named(name, value, message):
    with pytest.raises(lf.ConfigError, match=message):
        lf.settings(env(**{name: value}), "web")


@pytest.mark.parametrize("changes, expected", [
    ({"REDIS_CONNECTION_STRING": None, "REDIS_HOST": "redis"}, "redis://redis:6379/0"),
    ({"REDIS_CONNECTION_STRING": None, "REDIS_HOST": "r", "REDIS_PORT": "6380", "REDIS_AUTH": "a/b"}, "redis://:a%2Fb@r:6380/0"),
    ({"REDIS_CONNECTION_STRING": "rediss://:p@r:6379"}, "rediss://:p@r:6379"),
])
def test_the_redis_url(changes, expected):
    assert lf.redis_url(env(**changes)) == expected


def test_redis_must_be_configured():
    with pytest.raises(lf.ConfigError, match="REDIS_HOST is required .or REDIS_CONNECTION_STRING"):
        lf.redis_url(env(REDIS_CONNECTION_STRING=None))


@pytest.mark.parametrize("changes, message", [
    ({"LANGFUSE_INIT_ORG_ID": None}, "LANGFUSE_INIT_ORG_ID is required"),
    ({"LANGFUSE_INIT_PROJECT_ID": None}, "go together"),
    ({"LANGFUSE_INIT_PROJECT_SECRET_KEY": None}, "go together"),
    ({"LANGFUSE_INIT_PROJECT_PUBLIC_KEY": None}, "go together"),
    ({"LANGFUSE_INIT_PROJECT_PUBLIC_KEY": "public"}, "must start with pk-lf-"),
    ({"LANGFUSE_INIT_PROJECT_SECRET_KEY": "secret"}, "must start with sk-lf-"),
    ({"LANGFUSE_INIT_USER_PASSWORD": None}, "USER_EMAIL and LANGFUSE_INIT_USER_PASSWORD go together"),
    ({"LANGFUSE_INIT_USER_EMAIL": ""}, "go together"),
])
def test_headless_initialisation_has_upstreams_dependencies(changes, message):
    with pytest.raises(lf.ConfigError, match=message):
        lf.init_settings(env(**changes))


def test_no_initialisation_at_all_is_allowed():
    assert lf.init_settings({name: value for name, value in BASE_ENV.items() if "INIT" not in name}) == {}
    assert lf.init_settings({"LANGFUSE_INIT_ORG_ID": "o"}) == {"org_id": "o"}


# ---- Redis ---------------------------------------------------------------------------------------

def test_resp_encoding():
    assert lf.resp_encode(["LPUSH", "q", b"\x00j", 2]) == b"*4\r\n$5\r\nLPUSH\r\n$1\r\nq\r\n$2\r\n\x00j\r\n$1\r\n2\r\n"


@pytest.mark.parametrize("data, expected", [
    (b"+PONG\r\n", "PONG"),
    (b":7\r\n", 7),
    (b"$3\r\nabc\r\n", "abc"),
    (b"$0\r\n\r\n", ""),
    (b"$-1\r\n", None),
    (b"*2\r\n$1\r\na\r\n:1\r\n", ["a", 1]),
    (b"*-1\r\n", None),
    (b"*0\r\n", []),
])
def test_resp_replies(data, expected):
    assert lf.resp_read(io.BytesIO(data)) == expected


@pytest.mark.parametrize("data, message", [(b"-ERR wrong\r\n", "ERR wrong"), (b"", "connection closed"),
                                           (b"+OK", "connection closed"), (b"?x\r\n", "unexpected reply")])
def test_resp_errors(data, message):
    with pytest.raises(lf.RedisError, match=message):
        lf.resp_read(io.BytesIO(data))


class FakeRedisServer:
    """A socket server answering each command from a script; records what it received."""

    def __init__(self, replies):
        self.replies = list(replies)
        self.received = []
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            stream = connection.makefile("rwb")
            while self.replies:
                command = lf.resp_read(stream) if stream.peek(1) else None
                if command is None:
                    break
                self.received.append(command)
                reply = self.replies.pop(0)
                if reply is None:
                    connection.close()
                    break
                stream.write(reply)
                stream.flush()


def test_redis_authenticates_selects_the_database_and_runs_commands():
    server = FakeRedisServer([b"+OK\r\n", b"+OK\r\n", b":1\r\n", b"+PONG\r\n"])
    redis = lf.Redis("redis://:p%%40ss@127.0.0.1:%d/2" % server.port)
    assert (redis.password, redis.database) == ("p@ss", 2)
    assert redis.call("LPUSH", "q", "job") == 1
    assert redis.call("PING") == "PONG"
    assert server.received == [["AUTH", "p@ss"], ["SELECT", "2"], ["LPUSH", "q", "job"], ["PING"]]


def test_redis_without_password_or_database():
    server = FakeRedisServer([b"+OK\r\n", b"+PONG\r\n"])
    redis = lf.Redis("redis://127.0.0.1:%d" % server.port)
    assert redis.call("PING") == "PONG"
    assert server.received == [["SELECT", "0"], ["PING"]]
    assert lf.Redis("redis://redis").address == ("redis", 6379)


def test_redis_reconnects_after_a_failure():
    server = FakeRedisServer([b"+OK\r\n", b"-ERR busy\r\n", b"+OK\r\n", b"+PONG\r\n"])
    redis = lf.Redis("redis://127.0.0.1:%d" % server.port)
    with pytest.raises(lf.RedisError, match="busy"):
        redis.call("PING")
    assert redis.stream is None
    assert redis.call("PING") == "PONG"


# ---- S3, ClickHouse and PostgreSQL clients ------------------------------------------------------

class Response(io.BytesIO):
    status = 200

    def __enter__(self):
        return self

    def __exit__(self, *args):
        return False


class Opener:
    def __init__(self, body=b"", error=None):
        self.body, self.error = body, error
        self.requests = []

    def __call__(self, request, timeout=None):
        self.requests.append(request)
        if self.error:
            raise self.error
        return Response(self.body)


CONFIG = lf.settings(BASE_ENV, "web")


def test_uploads_are_signed_path_style_puts():
    opener = Opener()
    assert lf.s3_put(CONFIG, "events/p/trace/t 1/e.json", b"{}", opener=opener) == 200
    request = opener.requests[0]
    assert (request.get_method(), request.full_url, request.data) == ("PUT", "http://minio:9000/langfuse/events/p/trace/t%201/e.json", b"{}")
    headers = {name.lower(): value for name, value in request.header_items()}
    assert sigv4.verify("PUT", "/langfuse/events/p/trace/t%201/e.json", "", headers, b"{}", {"ak": "sk"}) == "ak"
    assert "/auto/s3/aws4_request" in headers["authorization"]
    assert headers["content-type"] == "application/json"


def test_downloads_are_signed_gets():
    opener = Opener(b'{"id": "e"}')
    assert lf.s3_get(CONFIG, "events/p/e.json", opener=opener) == b'{"id": "e"}'
    request = opener.requests[0]
    headers = {name.lower(): value for name, value in request.header_items()}
    assert request.get_method() == "GET" and request.full_url == "http://minio:9000/langfuse/events/p/e.json"
    assert sigv4.verify("GET", "/langfuse/events/p/e.json", "", headers, b"", {"ak": "sk"}) == "ak"


def test_clickhouse_queries_carry_the_credentials():
    opener = Opener(b"1\n")
    assert lf.clickhouse(CONFIG, "SELECT 1", opener=opener) == "1\n"
    request = opener.requests[0]
    assert request.full_url == "http://clickhouse:8123/?query=SELECT%201" and request.get_method() == "POST"
    assert request.get_header("X-clickhouse-user") == "langfuse" and request.get_header("X-clickhouse-key") == "chpw"


class Connection:
    def __init__(self, rows, fail=False):
        self.rows, self.fail, self.closed = rows, fail, False

    def run(self, sql):
        if self.fail:
            raise RuntimeError("gone")
        return self.rows

    def close(self):
        self.closed = True


def test_the_database_answers_with_the_urls_credentials():
    seen, connection = [], Connection([[1]])

    def connect(**kwargs):
        seen.append(kwargs)
        return connection

    assert lf.database_answers("postgresql://lang%40fuse:p%2Fw@db:5433/lf", connect=connect)
    assert seen == [{"user": "lang@fuse", "password": "p/w", "host": "db", "port": 5433, "database": "lf", "timeout": 5}]
    assert connection.closed
    lf.database_answers("postgresql://u@db/lf", connect=connect)
    assert (seen[-1]["port"], seen[-1]["password"]) == (5432, "")


@pytest.mark.parametrize("connect", [
    lambda **kwargs: Connection([[0]]),
    lambda **kwargs: Connection([[1]], fail=True),
    lambda **kwargs: (_ for _ in ()).throw(OSError("refused")),
])
def test_the_database_does_not_answer(connect):
    assert lf.database_answers("postgresql://u:p@db/lf", connect=connect) is False


# ---- ingestion ------------------------------------------------------------------------------------

def event(kind="trace-create", event_id="e1", **body):
    return {"id": event_id, "type": kind, "timestamp": "2026-11-28T01:02:03.000Z", "body": body}


@pytest.mark.parametrize("bad, problem", [
    ("not an object", "event must be an object"),
    (dict(event(), id=""), "id: a non-empty string"),
    (dict(event(), id=3), "id: a non-empty string"),
    (dict(event(), type="trace-update"), "type: invalid discriminator value 'trace-update'"),
    (dict(event(), type="event-update"), "invalid discriminator"),
    (dict(event(), timestamp="yesterday"), "timestamp"),
    (dict(event(), timestamp=5), "timestamp"),
    (dict(event(), body=[]), "body: an object is required"),
    (event(id=5), "body.id: expected string"),
    (event("generation-create", traceId=1), "body.traceId"),
    (event(name=["x"]), "body.name"),
    (event("generation-create", model=3), "body.model"),
    (event(tags="a"), "body.tags"),
    (event(tags=["a", 1]), "body.tags"),
    (event("generation-create", usage=[1]), "body.usage: expected object"),
    (event("generation-create", usage={"input": -1}), "body.usage.input: expected a non-negative integer"),
    (event("generation-create", usage={"input": 1.5}), "body.usage.input"),
    (event("generation-create", usage={"input": True}), "body.usage.input"),
    (event("generation-create", usageDetails={"output": "3"}), "body.usageDetails.output"),
])
def test_an_invalid_event_is_named(bad, problem):
    assert problem in lf.event_problem(bad)


@pytest.mark.parametrize("good", [
    event(), event(tags=["a"], id="t", name="n"), event("span-create", traceId="t"),
    event("generation-update", usage={"input": 0, "output": 2, "unit": "TOKENS", "total": None}),
    event("event-create"), event("score-create"), event("sdk-log"),
    event("generation-create", usageDetails={"input": 3}),
])
def test_a_valid_event_has_no_problem(good):
    assert lf.event_problem(good) is None


def test_ids_upstream_generates_are_filled_in():
    trace, observation = event(), event("span-create")
    assert lf.entity_of(trace)[0] == "trace" and len(trace["body"]["id"]) == 36
    assert lf.entity_of(observation)[0] == "observation" and len(observation["body"]["traceId"]) == 36
    kept = event("generation-create", id="g", traceId="t")
    assert lf.entity_of(kept) == ("observation", "g") and kept["body"]["traceId"] == "t"
    assert lf.entity_of(event("score-create", id="s")) == ("score", "s")


def test_ingest_stores_and_queues_valid_events_and_lists_the_invalid_ones():
    stored, queued = {}, []
    batch = [event(event_id="e1", id="t1"), event("sdk-log", event_id="e2"), event(event_id="e3", timestamp=None),
             event("generation-create", event_id="e4", id="g1", traceId="t1")]
    batch[2]["timestamp"] = None
    successes, errors = lf.ingest(batch, "proj", CONFIG, stored.__setitem__, queued.append)
    assert successes == [{"id": "e1", "status": 201}, {"id": "e2", "status": 201}, {"id": "e4", "status": 201}]
    assert errors == [{"id": "e3", "status": 400, "message": "Invalid request data",
                       "error": "timestamp: an ISO 8601 date-time is required"}]
    assert sorted(stored) == ["events/proj/observation/g1/e4.json", "events/proj/trace/t1/e1.json"]
    assert json.loads(stored["events/proj/trace/t1/e1.json"])["body"]["id"] == "t1"
    assert [json.loads(job) for job in queued] == [
        {"projectId": "proj", "entity": "trace", "key": "events/proj/trace/t1/e1.json"},
        {"projectId": "proj", "entity": "observation", "key": "events/proj/observation/g1/e4.json"}]


@pytest.mark.parametrize("failure", [OSError("s3 down"), lf.RedisError("LOADING"), urllib.error.URLError("x")])
def test_an_event_that_cannot_be_stored_is_a_500_entry(failure):
    def fail(*args):
        raise failure

    successes, errors = lf.ingest([event(), event(event_id="e2")], "p", CONFIG, fail, lambda job: None)
    assert successes == [] and [error["status"] for error in errors] == [500, 500]
    assert errors[0]["message"] == "Internal Server Error" and errors[1]["id"] == "e2"
    successes, errors = lf.ingest([event()], "p", CONFIG, lambda *args: None, fail)
    assert successes == [] and errors[0]["status"] == 500


def test_an_invalid_non_object_event_has_no_id():
    assert lf.ingest(["x"], "p", CONFIG, None, None) == ([], [
        {"id": None, "status": 400, "message": "Invalid request data", "error": "event must be an object"}])


# ---- the worker ----------------------------------------------------------------------------------

@pytest.mark.parametrize("body, expected", [
    ({}, {}),
    ({"usage": {"input": 3, "output": 4, "unit": "TOKENS"}}, {"input": 3, "output": 4, "total": 7}),
    ({"usage": {"promptTokens": 3, "completionTokens": 4, "totalTokens": 9}}, {"input": 3, "output": 4, "total": 9}),
    ({"usage": {"input": 3, "output": None}, "usageDetails": {"output": 5}}, {"input": 3, "output": 5, "total": 8}),
    ({"usageDetails": {"output": 2}}, {"output": 2, "total": 2}),
    ({"usageDetails": {"input": 2}}, {"input": 2, "total": 2}),
])
def test_usage_in_either_of_the_sdks_shapes(body, expected):
    assert lf.usage_of(body) == expected


def test_rows_of_each_kind():
    table, row = lf.row_of(event(id="t1", name="chat", tags=["x"], userId="u"), "p")
    assert table == "traces" and row["name"] == "chat" and row["tags"] == ["x"] and row["userId"] == "u"
    assert (row["id"], row["projectId"], row["eventTs"]) == ("t1", "p", "2026-11-28T01:02:03.000Z")
    table, row = lf.row_of(event("generation-create", id="g", traceId="t1", model="llama", usage={"input": 1}), "p")
    assert table == "observations" and row["type"] == "GENERATION" and row["model"] == "llama"
    assert row["usage"] == {"input": 1, "total": 1} and row["traceId"] == "t1"
    assert lf.row_of(event("span-update", id="s"), "p")[1]["usage"] is None
    assert lf.row_of(event("event-create", id="v"), "p")[1]["type"] == "EVENT"
    table, row = lf.row_of(event("score-create", id="s", traceId="t", name="q", value=1), "p")
    assert table == "scores" and row["value"] == 1 and row["traceId"] == "t"


def test_a_job_moves_its_event_from_s3_to_clickhouse():
    written = []
    objects = {"events/p/trace/t1/e1.json": json.dumps(event(id="t1", name="n")).encode()}
    job = json.dumps({"projectId": "p", "entity": "trace", "key": "events/p/trace/t1/e1.json"})
    assert lf.process_job(job, CONFIG, objects.__getitem__, lambda query, body: written.append((query, body))) == "traces"
    assert written[0][0] == "INSERT INTO traces FORMAT JSONEachRow"
    assert json.loads(written[0][1])["name"] == "n"


# ---- reading back ---------------------------------------------------------------------------------

ROWS = [
    {"id": "t1", "projectId": "p", "eventTs": "2026-11-28T01:00:02Z", "output": "answer", "name": None},
    {"id": "t1", "projectId": "p", "eventTs": "2026-11-28T01:00:01Z", "name": "chat", "output": None},
    {"id": "t2", "projectId": "other", "eventTs": "2026-11-28T01:00:00Z", "name": "theirs"},
    {"id": "t3", "projectId": "p", "name": "no time"},
]


def test_rows_are_merged_by_id_in_event_order_within_the_project():
    merged = lf.merged(ROWS, "p")
    assert sorted(merged) == ["t1", "t3"]
    assert merged["t1"]["name"] == "chat" and merged["t1"]["output"] == "answer"


def test_the_trace_view_has_its_observations_with_usage():
    trace = {"id": "t1", "projectId": "p", "name": "chat"}
    observations = [{"id": "g", "traceId": "t1", "type": "GENERATION", "usage": {"input": 3, "output": 4, "total": 7}},
                    {"id": "s", "traceId": "t1", "type": "SPAN"}, {"id": "x", "traceId": "t9"}]
    view = lf.trace_view(trace, observations)
    assert view["name"] == "chat" and view["tags"] == [] and view["htmlPath"] == "/project/p/traces/t1"
    assert [o["id"] for o in view["observations"]] == ["g", "s"]
    assert view["observations"][0]["usage"] == {"input": 3, "output": 4, "total": 7, "unit": "TOKENS"}
    assert view["observations"][0]["usageDetails"] == {"input": 3, "output": 4, "total": 7}
    assert view["observations"][1]["usage"] == {"input": 0, "output": 0, "total": 0, "unit": "TOKENS"}


def test_reading_a_table():
    assert lf.read_table(lambda query: '{"a": 1}\n\n{"a": 2}\n', "t") == [{"a": 1}, {"a": 2}]

    def missing(query):
        raise urllib.error.HTTPError("u", 404, "no", {}, io.BytesIO(b""))

    assert lf.read_table(missing, "t") == []

    def broken(query):
        raise urllib.error.HTTPError("u", 401, "no", {}, io.BytesIO(b""))

    with pytest.raises(urllib.error.HTTPError):
        lf.read_table(broken, "t")


def basic(public, secret):
    return "Basic " + base64.b64encode(("%s:%s" % (public, secret)).encode()).decode()


@pytest.mark.parametrize("header, expected", [
    (basic("pk-lf-public", "sk-lf-secret"), "proj"),
    (basic("pk-lf-public", "sk-lf-wrong"), None),
    (basic("pk-lf-other", "sk-lf-secret"), None),
    (basic("", ""), None),
    ("Bearer x", None),
    ("Basic !!!", None),
    ("", None),
])
def test_the_key_pair_authenticates_the_project(header, expected):
    assert lf.authenticated_project(header, CONFIG["init"]) == expected


def test_without_initialisation_no_key_pair_is_accepted():
    assert lf.authenticated_project(basic("", ""), {}) is None


# ---- HTTP -----------------------------------------------------------------------------------------

@pytest.fixture()
def web():
    store = {"objects": {}, "queue": [], "rows": {"traces": [], "observations": []}, "database": True}

    def query(text, body=b""):
        table = text.split()[3] if text.startswith("SELECT") else None
        if table not in store["rows"]:
            raise urllib.error.HTTPError("u", 404, "no", {}, io.BytesIO(b""))
        if store["rows"][table] is None:
            raise urllib.error.URLError("connection refused")
        return "".join(json.dumps(row) + "\n" for row in store["rows"][table])

    handler = type("W", (lf.WebHandler,), {
        "config": CONFIG, "database_ok": staticmethod(lambda: store["database"]),
        "put": staticmethod(store["objects"].__setitem__), "push": staticmethod(store["queue"].append),
        "query": staticmethod(query)})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield "http://127.0.0.1:%d" % httpd.server_address[1], store
    httpd.shutdown()
    httpd.server_close()


def call(url, data=None, auth=basic("pk-lf-public", "sk-lf-secret"), method=None):
    request = urllib.request.Request(url, data=data, method=method or ("POST" if data is not None else "GET"),
                                     headers={"Authorization": auth, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as failed:
        return failed.code, json.loads(failed.read())


def test_health_follows_the_database(web):
    url, store = web
    assert call(url + "/api/public/health", auth="") == (200, {"status": "OK", "version": lf.VERSION})
    store["database"] = False
    assert call(url + "/api/public/health", auth="")[0] == 503
    assert call(url + "/api/public/ready/", auth="")[0] == 200


def test_the_projects_of_a_key_pair(web):
    assert call(web[0] + "/api/public/projects") == (200, {"data": [{"id": "proj", "name": "Stack", "metadata": {}}]})
    status, body = call(web[0] + "/api/public/projects", auth=basic("pk-lf-public", "sk-lf-wrong"))
    assert status == 401 and "Invalid credentials" in body["message"]


def test_unknown_paths(web):
    assert call(web[0] + "/api/other", auth="")[0] == 404
    assert call(web[0] + "/api/public/unknown")[0] == 404
    assert call(web[0] + "/api/public/other", data=b"{}")[0] == 404


def test_ingestion_answers_207_with_partial_errors(web):
    url, store = web
    batch = {"batch": [event(event_id="e1", id="t1"), event("bogus-create", event_id="e2")], "metadata": {}}
    status, body = call(url + "/api/public/ingestion", data=json.dumps(batch).encode())
    assert status == 207
    assert body["successes"] == [{"id": "e1", "status": 201}] and body["errors"][0]["id"] == "e2"
    assert list(store["objects"]) == ["events/proj/trace/t1/e1.json"] and len(store["queue"]) == 1


@pytest.mark.parametrize("data", [b"not json", b"[]", b'{"batch": {}}', b""])
def test_ingestion_without_a_batch_is_400(web, data):
    status, body = call(web[0] + "/api/public/ingestion", data=data, method="POST")
    assert status == 400 and body["error"] == "batch: expected array"


def test_ingestion_needs_the_key_pair(web):
    url, store = web
    status, _ = call(url + "/api/public/ingestion", data=json.dumps({"batch": [event()]}).encode(), auth=basic("pk-lf-public", "x"))
    assert status == 401 and store["queue"] == []


def test_traces_of_the_authenticated_project(web):
    url, store = web
    store["rows"]["traces"] = [dict(row, projectId="proj" if row["projectId"] == "p" else row["projectId"]) for row in ROWS]
    store["rows"]["observations"] = [{"id": "g", "traceId": "t1", "projectId": "proj", "usage": {"input": 1, "total": 1}}]
    status, body = call(url + "/api/public/traces")
    assert status == 200 and sorted(trace["id"] for trace in body["data"]) == ["t1", "t3"]
    assert body["meta"] == {"page": 1, "limit": 50, "totalItems": 2, "totalPages": 1}
    status, trace = call(url + "/api/public/traces/t1")
    assert status == 200 and trace["name"] == "chat" and trace["observations"][0]["usage"]["input"] == 1
    assert call(url + "/api/public/traces/t2")[0] == 404
    assert call(url + "/api/public/traces/t1", auth="")[0] == 401


def test_clickhouse_down_is_a_500(web):
    url, store = web
    store["rows"]["traces"] = None
    status, body = call(url + "/api/public/traces/t1")
    assert status == 500 and body["message"] == "Internal Server Error"


def test_no_trace_table_yet_is_an_empty_list(web):
    url, store = web
    del store["rows"]["traces"]
    assert call(url + "/api/public/traces") == (200, {"data": [], "meta": {"page": 1, "limit": 50, "totalItems": 0, "totalPages": 1}})


class PingRedis:
    def __init__(self, reply=None, error=None):
        self.reply, self.error = reply, error

    def call(self, *args):
        if self.error:
            raise self.error
        return self.reply


@pytest.mark.parametrize("redis, path, expected", [
    (PingRedis("PONG"), "/api/health", (200, "healthy")),
    (PingRedis("PONG"), "/api/ready", (200, "healthy")),
    (PingRedis("LOADING"), "/api/health", (503, "unhealthy")),
    (PingRedis(error=OSError("refused")), "/api/health", (503, "unhealthy")),
    (PingRedis(error=lf.RedisError("NOAUTH")), "/api/health", (503, "unhealthy")),
    (PingRedis("PONG"), "/other", (404, "unhealthy")),
])
def test_worker_health_follows_redis(redis, path, expected):
    handler = type("K", (lf.WorkerHandler,), {"redis": redis})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        status, body = call("http://127.0.0.1:%d%s" % (httpd.server_address[1], path), auth="")
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert (status, body["status"]) == expected


# ---- migrate -------------------------------------------------------------------------------------

class Socket:
    def close(self):
        pass


def test_migrate_needs_the_database_and_both_clickhouse_ports():
    connected, queries = [], []

    def connect(address, timeout=None):
        connected.append(address)
        return Socket()

    lf.migrate(CONFIG, lambda: True, queries.append, connect=connect)
    assert connected == [("clickhouse", 9000)] and queries == ["CREATE DATABASE IF NOT EXISTS default"]
    with pytest.raises(lf.ConfigError, match="DATABASE_URL"):
        lf.migrate(CONFIG, lambda: False, queries.append, connect=connect)

    def refused(address, timeout=None):
        raise OSError("refused")

    with pytest.raises(lf.ConfigError, match="clickhouse migrations: refused .CLICKHOUSE_MIGRATION_URL"):
        lf.migrate(CONFIG, lambda: True, queries.append, connect=refused)

    def unauthorised(text):
        raise urllib.error.URLError("516")

    with pytest.raises(lf.ConfigError, match="CLICKHOUSE_PASSWORD"):
        lf.migrate(CONFIG, lambda: True, unauthorised, connect=connect)


# ---- exact wording, shapes and wiring (what a user or the role reads) -----------------------------

@pytest.mark.parametrize("changes, message", [
    ({"SALT": None}, "SALT is required"),
    ({"ENCRYPTION_KEY": "abc"}, "ENCRYPTION_KEY is malformed (256 bits, 64 hex characters: openssl rand -hex 32)"),
    ({"CLICKHOUSE_MIGRATION_URL": None}, "CLICKHOUSE_MIGRATION_URL is required (clickhouse://host:9000)"),
    ({"LANGFUSE_S3_EVENT_UPLOAD_FORCE_PATH_STYLE": "false"},
     "LANGFUSE_S3_EVENT_UPLOAD_FORCE_PATH_STYLE must be true (the stand-in speaks path style)"),
    ({"LANGFUSE_INIT_ORG_ID": None}, "LANGFUSE_INIT_ORG_ID is required when any LANGFUSE_INIT_* is set"),
    ({"LANGFUSE_INIT_PROJECT_ID": None},
     "LANGFUSE_INIT_PROJECT_PUBLIC_KEY and _SECRET_KEY go together, with LANGFUSE_INIT_PROJECT_ID"),
    ({"LANGFUSE_INIT_PROJECT_PUBLIC_KEY": "x"}, "LANGFUSE_INIT_PROJECT_PUBLIC_KEY must start with pk-lf-"),
    ({"LANGFUSE_INIT_PROJECT_SECRET_KEY": "x"}, "LANGFUSE_INIT_PROJECT_SECRET_KEY must start with sk-lf-"),
    ({"LANGFUSE_INIT_USER_EMAIL": None}, "LANGFUSE_INIT_USER_EMAIL and LANGFUSE_INIT_USER_PASSWORD go together"),
    ({"REDIS_CONNECTION_STRING": None}, "REDIS_HOST is required (or REDIS_CONNECTION_STRING)"),
])
def test_the_exact_message_of_a_bad_setting(changes, message):
    with pytest.raises(lf.ConfigError) as failed:
        lf.settings(env(**changes), "web")
    assert str(failed.value) == message


def test_the_settings_each_role_reads():
    common = {"database_url", "salt", "encryption_key", "clickhouse_url", "clickhouse_user", "clickhouse_password",
              "bucket", "s3_endpoint", "s3_access_key", "s3_secret_key", "s3_region", "s3_prefix", "redis_url"}
    web, worker = lf.settings(BASE_ENV, "web"), lf.settings(BASE_ENV, "worker")
    assert set(worker) == common
    assert set(web) == common | {"nextauth_url", "clickhouse_migration_url", "init"}
    assert (web["database_url"], web["salt"], web["encryption_key"]) == (BASE_ENV["DATABASE_URL"], "salt", KEY)


def test_the_redis_url_without_a_password():
    assert lf.redis_url({"REDIS_HOST": "r"}) == "redis://r:6379/0"


def test_resp_error_messages():
    with pytest.raises(lf.RedisError) as closed:
        lf.resp_read(io.BytesIO(b""))
    with pytest.raises(lf.RedisError) as odd:
        lf.resp_read(io.BytesIO(b"?x\r\n"))
    assert (str(closed.value), str(odd.value)) == ("connection closed", "unexpected reply b'?x\\r\\n'")


def test_the_database_is_asked_select_1():
    asked = []

    class Recording(Connection):
        def run(self, sql):
            asked.append(sql)
            return [[1]]

    assert lf.database_answers("postgresql://u:p@db/lf", connect=lambda **kwargs: Recording([[1]]))
    assert asked == ["SELECT 1"]


def test_keys_keep_the_characters_s3_keeps():
    opener = Opener()
    lf.s3_put(CONFIG, "events/p~1/a-b_c.d e.json", b"{}", opener=opener)
    lf.s3_get(CONFIG, "events/p~1/a-b_c.d e.json", opener=opener)
    assert [request.full_url for request in opener.requests] == [
        "http://minio:9000/langfuse/events/p~1/a-b_c.d%20e.json"] * 2


@pytest.mark.parametrize("bad, problem", [
    (dict(event(), id=""), "id: a non-empty string is required"),
    (dict(event(), type="x"), "type: invalid discriminator value 'x'"),
    (dict(event(), timestamp="x"), "timestamp: an ISO 8601 date-time is required"),
    (dict(event(), body=None), "body: an object is required"),
    (event(id=5), "body.id: expected string"),
    (event(tags="a"), "body.tags: expected an array of strings"),
    (event("generation-create", usage=[1]), "body.usage: expected object"),
    (event("generation-create", usageDetails={"input": -1}), "body.usageDetails.input: expected a non-negative integer"),
])
def test_the_exact_problem_of_an_event(bad, problem):
    assert lf.event_problem(bad) == problem


def test_a_storage_failure_is_named_in_its_entry():
    def fail(*args):
        raise OSError("s3 down")

    assert lf.ingest([event()], "p", CONFIG, fail, None) == ([], [
        {"id": "e1", "status": 500, "message": "Internal Server Error", "error": "s3 down"}])


def test_every_field_of_a_trace_and_an_observation_comes_back():
    trace_body = {"id": "t", "name": "n", "timestamp": "ts", "input": "i", "output": "o", "metadata": {"m": 1},
                  "userId": "u", "sessionId": "s", "release": "r", "version": "v", "tags": ["x"], "public": True}
    observation_body = {"id": "g", "traceId": "t", "name": "n", "startTime": "a", "endTime": "b",
                        "completionStartTime": "c", "model": "m", "modelParameters": {"t": 1}, "input": "i",
                        "output": "o", "metadata": {"k": 2}, "level": "DEBUG", "statusMessage": "ok",
                        "parentObservationId": "s", "version": "v", "usage": {"input": 1}}
    _, trace = lf.row_of(event(**trace_body), "p")
    _, observation = lf.row_of(event("span-create", **observation_body), "p")
    assert {name: trace[name] for name in trace_body} == trace_body
    assert {name: observation[name] for name in observation_body if name != "usage"} == {
        name: value for name, value in observation_body.items() if name != "usage"}
    assert observation["type"] == "SPAN"
    _, score = lf.row_of(event("score-create", id="sc", traceId="t", name="q", value=1, comment="c", observationId="g"), "p")
    assert {name: score[name] for name in ("traceId", "name", "value", "comment", "observationId")} == {
        "traceId": "t", "name": "q", "value": 1, "comment": "c", "observationId": "g"}
    view = lf.trace_view(dict(trace), [observation])
    assert {name: view[name] for name in trace_body} == trace_body and view["projectId"] == "p"
    shown = view["observations"][0]
    expected = {name: observation_body[name] for name in ("id", "traceId", "name", "startTime", "endTime", "model",
                                                          "input", "output", "metadata", "level", "parentObservationId")}
    assert {name: shown[name] for name in expected} == expected and shown["type"] == "SPAN"


def test_rows_without_an_event_time_come_first():
    merged = lf.merged([{"id": "t", "projectId": "p", "eventTs": "2026", "name": "later"},
                        {"id": "t", "projectId": "p", "name": "earlier"}], "p")
    assert merged["t"]["name"] == "later"


def headers_of(url, auth=basic("pk-lf-public", "sk-lf-secret")):
    request = urllib.request.Request(url, headers={"Authorization": auth})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.headers, json.loads(response.read())
    except urllib.error.HTTPError as failed:
        return failed.code, failed.headers, json.loads(failed.read())


@pytest.mark.parametrize("path, auth, status, body", [
    ("/api/public/health", "", 200, {"status": "OK", "version": lf.VERSION}),
    ("/api/public/ready", "", 200, {"status": "OK", "version": lf.VERSION}),
    ("/other", "", 404, {"message": "Not found"}),
    ("/api/public/other", basic("pk-lf-public", "sk-lf-secret"), 404, {"message": "Not found"}),
    ("/api/public/projects", "", 401, {"message": "Invalid credentials. Confirm that you've configured the correct host."}),
    ("/api/public/traces/none", basic("pk-lf-public", "sk-lf-secret"), 404,
     {"message": "Trace not found within authorized project"}),
])
def test_the_exact_answers_of_the_web(web, path, auth, status, body):
    got_status, headers, got = headers_of(web[0] + path, auth)
    assert (got_status, got) == (status, body)
    assert headers["Content-Type"] == "application/json" and int(headers["Content-Length"]) > 0


def test_the_database_down_answer(web):
    url, store = web
    store["database"] = False
    assert headers_of(url + "/api/public/health", "")[::2] == (503, {"status": "Database not available", "version": lf.VERSION})


def test_a_post_elsewhere_and_a_bad_batch(web):
    assert call(web[0] + "/api/public/elsewhere", data=b"{}") == (404, {"message": "Not found"})
    assert call(web[0] + "/api/public/ingestion", data=b"[]") == (
        400, {"message": "Invalid request data", "error": "batch: expected array"})
    assert call(web[0] + "/api/public/ingestion", data=b"{}", auth="")[0] == 401


def test_clickhouse_down_names_the_failure(web):
    url, store = web
    store["rows"]["traces"] = None
    assert call(url + "/api/public/traces")[1] == {"message": "Internal Server Error",
                                                   "error": "<urlopen error connection refused>"}


@pytest.mark.parametrize("path", ["/api/health", "/api/ready"])
def test_the_worker_answers_json(path):
    handler = type("K", (lf.WorkerHandler,), {"redis": PingRedis("PONG")})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        status, headers, body = headers_of("http://127.0.0.1:%d%s" % (httpd.server_address[1], path), "")
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert (status, body, headers["Content-Type"]) == (200, {"status": "healthy"}, "application/json")
    assert headers["Content-Length"] == str(len(json.dumps(body)))


def test_the_worker_pings_redis():
    class Recorder(PingRedis):
        def call(self, *args):
            self.args = args
            return "PONG"

    redis = Recorder()
    handler = type("K", (lf.WorkerHandler,), {"redis": redis})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        headers_of("http://127.0.0.1:%d/api/health" % httpd.server_address[1], "")
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert redis.args == ("PING",)


def test_the_exact_migration_errors():
    with pytest.raises(lf.ConfigError) as database:
        lf.migrate(CONFIG, lambda: False, None)
    timeouts = []

    def refused(address, timeout=None):
        timeouts.append(timeout)
        raise OSError("refused")

    with pytest.raises(lf.ConfigError) as clickhouse:
        lf.migrate(CONFIG, lambda: True, None, connect=refused)
    assert str(database.value) == "prisma migrate deploy: cannot reach the database of DATABASE_URL"
    assert str(clickhouse.value) == ("clickhouse migrations: refused (CLICKHOUSE_MIGRATION_URL, CLICKHOUSE_URL, "
                                     "CLICKHOUSE_USER, CLICKHOUSE_PASSWORD)")
    assert timeouts == [5]


# ---- the worker loop ------------------------------------------------------------------------------

class Lists:
    """The Redis list commands the worker uses, in memory; `fail` makes the next N calls raise."""

    def __init__(self, **lists):
        self.lists = {name: list(items) for name, items in lists.items()}
        self.fail = 0
        self.calls = []

    def call(self, command, *args):
        self.calls.append((command,) + args)
        if self.fail:
            self.fail -= 1
            raise OSError("redis went away")
        if command in ("LMOVE", "BLMOVE"):
            source, target, side_from, side_to = args[:4]
            items = self.lists.get(source, [])
            if not items:
                return None
            item = items.pop(-1 if side_from == "RIGHT" else 0)
            destination = self.lists.setdefault(target, [])
            destination.insert(0 if side_to == "LEFT" else len(destination), item)
            return item
        if command == "LREM":
            self.lists[args[0]].remove(args[2])
            return 1
        raise AssertionError(command)


def run_worker(redis, process, until, limit=5.0):
    stop = threading.Event()
    config = dict(CONFIG)
    thread = threading.Thread(target=lf.work, args=(redis, config, "w1", None, None, stop), kwargs={"pause": 0.01},
                              daemon=True)
    saved = lf.process_job
    lf.process_job = process
    try:
        thread.start()
        deadline = threading.Event()
        for _ in range(int(limit / 0.01)):
            if until():
                break
            deadline.wait(0.01)
        stop.set()
        thread.join(2)
    finally:
        lf.process_job = saved
    assert not thread.is_alive()


def test_the_worker_takes_back_what_it_held_when_it_died_and_processes_in_order():
    done = []
    redis = Lists(**{lf.QUEUE: ["job-3"], lf.QUEUE + ":processing:w1": ["job-1", "job-2"]})
    run_worker(redis, lambda job, *args: done.append(job), until=lambda: len(done) == 3)
    assert done == ["job-2", "job-1", "job-3"]
    assert redis.lists[lf.QUEUE] == [] and redis.lists[lf.QUEUE + ":processing:w1"] == []
    assert redis.calls[0] == ("LMOVE", lf.QUEUE + ":processing:w1", lf.QUEUE, "LEFT", "RIGHT")
    assert ("BLMOVE", lf.QUEUE, lf.QUEUE + ":processing:w1", "RIGHT", "LEFT", 1) in redis.calls
    assert ("LREM", lf.QUEUE + ":processing:w1", 1, "job-3") in redis.calls


def test_a_job_that_fails_stays_queued_until_it_succeeds():
    attempts = []

    def process(job, *args):
        attempts.append(job)
        if len(attempts) < 3:
            raise urllib.error.URLError("clickhouse down")

    redis = Lists(**{lf.QUEUE: ["job-1"]})
    run_worker(redis, process, until=lambda: redis.lists.get(lf.QUEUE + ":processing:w1") == [] and len(attempts) >= 3)
    assert attempts == ["job-1"] * 3
    assert redis.lists[lf.QUEUE] == []
    assert ("LMOVE", lf.QUEUE + ":processing:w1", lf.QUEUE, "RIGHT", "RIGHT") in redis.calls


def test_the_worker_waits_out_a_redis_failure():
    done = []
    redis = Lists(**{lf.QUEUE: ["job-1"]})
    original = redis.call
    failures = [0]

    def flaky(command, *args):
        if command == "BLMOVE" and failures[0] < 2:
            failures[0] += 1
            raise lf.RedisError("LOADING")
        return original(command, *args)

    redis.call = flaky
    run_worker(redis, lambda job, *args: done.append(job), until=lambda: done == ["job-1"])
    assert done == ["job-1"] and failures[0] == 2


# ---- what the command starts ----------------------------------------------------------------------

def test_a_bad_setting_ends_the_start_with_its_name():
    err = io.StringIO()
    assert lf.build(["node", "./web/server.js"], env(SALT=None), err=err) == (1, None)
    assert err.getvalue() == "Invalid environment variables: SALT is required\n"


def test_the_worker_needs_no_web_setting_to_start(monkeypatch):
    code, started = lf.build(["node", "worker/dist/index.js"], env(NEXTAUTH_URL=None, PORT="0"))
    server, thread = started
    try:
        assert code is None and server.server_address[0] == "0.0.0.0" and server.server_address[1] > 0
        assert issubclass(server.RequestHandlerClass, lf.WorkerHandler)
        assert server.RequestHandlerClass.redis.database == 2 and not thread.is_alive()
        assert thread.daemon and thread._target is lf.work
        assert thread._args[2] == socket.gethostname()
    finally:
        server.server_close()


def test_migrate_ends_the_entrypoint_step(monkeypatch):
    monkeypatch.setattr(lf, "database_answers", lambda url: url == BASE_ENV["DATABASE_URL"])
    monkeypatch.setattr(lf.socket, "create_connection", lambda address, timeout=None: Socket())
    asked = []
    monkeypatch.setattr(lf, "clickhouse", lambda config, text, body=b"": asked.append((config["clickhouse_url"], text, body)))
    assert lf.build(["node", "migrate"], BASE_ENV) == (0, None)
    assert asked == [("http://clickhouse:8123", "CREATE DATABASE IF NOT EXISTS default", b"")]
    err = io.StringIO()
    monkeypatch.setattr(lf, "database_answers", lambda url: False)
    assert lf.build(["node", "migrate"], BASE_ENV, err=err) == (1, None)
    assert err.getvalue() == "Error: prisma migrate deploy: cannot reach the database of DATABASE_URL\n"


def test_the_web_serves_with_its_wiring(monkeypatch):
    server_redis = FakeRedisServer([b"+OK\r\n", b"+OK\r\n", b":1\r\n"])
    environ = env(HOSTNAME="127.0.0.1", PORT="0", REDIS_CONNECTION_STRING="redis://:rpw@127.0.0.1:%d/2" % server_redis.port)
    monkeypatch.setattr(lf, "database_answers", lambda url: url == BASE_ENV["DATABASE_URL"])
    uploads, queries = [], []
    monkeypatch.setattr(lf, "s3_put", lambda config, key, body: uploads.append((config["bucket"], key)))
    monkeypatch.setattr(lf, "clickhouse", lambda config, text, body=b"": queries.append(text) or "")
    code, (server, worker) = lf.build(["node", "./web/server.js", "--keepAliveTimeout", "110000"], environ)
    assert code is None and worker is None and server.server_address[0] == "127.0.0.1"
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        url = "http://127.0.0.1:%d" % server.server_address[1]
        assert call(url + "/api/public/health", auth="")[0] == 200
        status, body = call(url + "/api/public/ingestion", data=json.dumps({"batch": [event(id="t1")]}).encode())
        assert (status, body["successes"]) == (207, [{"id": "e1", "status": 201}])
        assert call(url + "/api/public/traces")[0] == 200
    finally:
        server.shutdown()
        server.server_close()
    assert uploads == [("langfuse", "events/proj/trace/t1/e1.json")]
    assert server_redis.received[-1][:2] == ["LPUSH", lf.QUEUE]
    assert queries == ["SELECT * FROM traces FORMAT JSONEachRow", "SELECT * FROM observations FORMAT JSONEachRow"]
