# The GoTrue, PostgREST and storage-api stand-ins (tests/supabase-standin): tokens verified with the
# service's own secret (PyJWT), health that depends on the database login, PostgREST's admin server.
import importlib.util
import json
import threading
import urllib.error
import urllib.request
from http.server import ThreadingHTTPServer
from pathlib import Path

import jwt
import pytest

SPEC = importlib.util.spec_from_file_location(
    "supabase_standin", Path(__file__).resolve().parents[1] / "supabase-standin" / "supabase_standin.py")
standin = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(standin)

SECRET = "s" * 40
ENV = {"GOTRUE_JWT_SECRET": SECRET, "PGRST_JWT_SECRET": SECRET, "AUTH_JWT_SECRET": SECRET,
       "GOTRUE_JWT_ADMIN_ROLES": "service_role", "PGRST_DB_ANON_ROLE": "anon", "PGRST_DB_SCHEMAS": "public,storage",
       "GOTRUE_DISABLE_SIGNUP": "true", "GOTRUE_MAILER_AUTOCONFIRM": "false"}


def bearer(role, secret=SECRET):
    return {"authorization": "Bearer " + jwt.encode({"role": role, "iss": "supabase"}, secret, algorithm="HS256")}


def up():
    return True


def down():
    return False


@pytest.mark.parametrize("url, parts", [
    ("postgres://authenticator:pw@supabase-db:5432/postgres", ("authenticator", "pw", "supabase-db", 5432, "postgres")),
    ("postgresql://u%40x:p%3Aw@h/db", ("u@x", "p:w", "h", 5432, "db")),
    ("postgres://u@h:6543", ("u", "", "h", 6543, "postgres")),
])
def test_a_connection_url_gives_the_role_and_password(url, parts):
    assert standin.connection(url) == parts


@pytest.mark.parametrize("url", ["", None, "mysql://u:p@h/db", "postgres://h/db", "postgres://u:p@/db"])
def test_a_url_without_role_or_host_is_refused(url):
    with pytest.raises(ValueError):
        standin.connection(url)


# ---- GoTrue ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("headers, status", [
    ({}, 401),
    ({"authorization": "Basic abc"}, 401),
    ({"authorization": "Bearer"}, 401),
    (bearer("service_role", "another-secret-of-forty-characters-long!!"), 401),
    (bearer("anon"), 403),
    (bearer("authenticated"), 403),
    (bearer("service_role"), 200),
])
def test_gotrue_s_admin_api_wants_a_service_role_token_signed_with_its_secret(headers, status):
    assert standin.route("auth", "GET", "/admin/users", headers, ENV, up)[0] == status


def test_gotrue_s_admin_roles_come_from_its_setting():
    env = dict(ENV, GOTRUE_JWT_ADMIN_ROLES="supabase_admin, service_role")
    assert standin.route("auth", "GET", "/admin/users", bearer("supabase_admin"), env, up)[0] == 200


@pytest.mark.parametrize("db, status", [(up, 200), (down, 503)])
def test_gotrue_is_healthy_only_while_its_role_logs_in(db, status):
    assert standin.route("auth", "GET", "/health", {}, ENV, db)[0] == status


def test_gotrue_s_settings_say_whether_sign_up_is_off():
    assert standin.route("auth", "GET", "/settings", {}, ENV, up) == (200, {"disable_signup": True, "mailer_autoconfirm": False})
    env = dict(ENV, GOTRUE_DISABLE_SIGNUP="false", GOTRUE_MAILER_AUTOCONFIRM="true")
    assert standin.route("auth", "GET", "/settings", {}, env, up) == (200, {"disable_signup": False, "mailer_autoconfirm": True})


def test_gotrue_answers_404_elsewhere():
    assert standin.route("auth", "GET", "/nope", {}, ENV, up)[0] == 404


# ---- PostgREST ------------------------------------------------------------------------------------
@pytest.mark.parametrize("headers, status, role", [
    ({}, 200, "anon"),
    (bearer("service_role"), 200, "service_role"),
    (bearer("authenticated"), 200, "authenticated"),
    (bearer("anon", "x" * 40), 401, None),
])
def test_postgrest_takes_the_role_of_a_verified_token_or_anon(headers, status, role):
    got, body = standin.route("rest", "GET", "/", headers, ENV, up)
    assert got == status
    if role:
        assert body["x-role"] == role and body["x-schemas"] == ["public", "storage"]
    else:
        assert body["code"] == "PGRST301"


def test_postgrest_without_an_anonymous_role_wants_a_token():
    env = {k: v for k, v in ENV.items() if k != "PGRST_DB_ANON_ROLE"}
    assert standin.route("rest", "GET", "/", {}, env, up)[0] == 401


def test_postgrest_without_its_database_is_503():
    assert standin.route("rest", "GET", "/", {}, ENV, down) == (503, {"code": "PGRST001", "message": "Database client error"})


@pytest.mark.parametrize("path, db, status", [("/live", down, 200), ("/ready", up, 200), ("/ready", down, 503), ("/x", up, 404)])
def test_postgrest_s_admin_server(path, db, status):
    assert standin.admin_route(path, db) == status


# ---- storage-api ----------------------------------------------------------------------------------
@pytest.mark.parametrize("headers, status", [({}, 400), (bearer("anon", "y" * 40), 400), (bearer("anon"), 200)])
def test_storage_wants_a_token_signed_with_its_secret(headers, status):
    assert standin.route("storage", "GET", "/bucket", headers, ENV, up)[0] == status


@pytest.mark.parametrize("db, status", [(up, 200), (down, 503)])
def test_storage_status_follows_its_database_login(db, status):
    assert standin.route("storage", "GET", "/status", {}, ENV, db)[0] == status


def test_storage_answers_404_elsewhere():
    assert standin.route("storage", "GET", "/nope", {}, ENV, up)[0] == 404


# ---- Studio and the command line ----------------------------------------------------------------
def test_studio_answers_its_health_endpoint_and_a_page():
    assert standin.route("studio", "GET", "/api/platform/profile", {}, {}, up)[0] == 200
    assert standin.route("studio", "GET", "/", {}, {}, up)[1].startswith(b"<!doctype html>")


def serve_admin(db):
    server = ThreadingHTTPServer(("127.0.0.1", 0), standin.make_handler(lambda m, p, h: (standin.admin_route(p, db), b"")))
    threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True).start()
    return server


@pytest.mark.parametrize("db, code", [(up, 0), (down, 1)])
def test_postgrest_ready_asks_the_admin_server(db, code):
    server = serve_admin(db)
    try:
        assert standin.main(["rest", "--ready"], {"PGRST_ADMIN_SERVER_PORT": str(server.server_port)}) == code
    finally:
        server.shutdown()


def test_postgrest_ready_without_an_admin_server_fails():
    assert standin.main(["rest", "--ready"], {}) == 1
    assert standin.main(["rest", "--ready"], {"PGRST_ADMIN_SERVER_PORT": "9"}) == 1


def test_an_unknown_service_is_a_usage_error():
    assert standin.main(["kong"], {}) == 2 and standin.main([], {}) == 2


def test_the_handler_sends_json_and_html():
    server = ThreadingHTTPServer(("127.0.0.1", 0), standin.make_handler(
        lambda m, p, h: standin.route("auth" if p.startswith("/admin") else "studio", m, p, h, ENV, up)))
    threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True).start()
    try:
        base = "http://127.0.0.1:%d" % server.server_port
        with urllib.request.urlopen(urllib.request.Request(base + "/admin/users", headers=bearer("service_role"))) as response:
            assert response.headers["content-type"] == "application/json" and json.loads(response.read())["users"] == []
        with urllib.request.urlopen(base + "/") as response:
            assert response.headers["content-type"] == "text/html"
    finally:
        server.shutdown()


# ---- exact answers (what a client reads) -----------------------------------------------------------
@pytest.mark.parametrize("service, path, headers, env, db, answer", [
    ("auth", "/health", {}, ENV, up, (200, {"version": "standin", "name": "GoTrue"})),
    ("auth", "/health", {}, ENV, down, (503, {"msg": "database unavailable"})),
    ("auth", "/admin/users", {}, ENV, up, (401, {"code": 401, "msg": "This endpoint requires a Bearer token"})),
    ("auth", "/admin/users", bearer("anon"), ENV, up, (403, {"code": 403, "msg": "User not allowed"})),
    ("auth", "/admin/users", bearer("service_role"), ENV, up, (200, {"users": [], "aud": "authenticated"})),
    ("auth", "/admin/users", bearer("service_role"), dict(ENV, GOTRUE_JWT_AUD="api"), up, (200, {"users": [], "aud": "api"})),
    ("auth", "/admin/users", bearer("service_role"), {"GOTRUE_JWT_SECRET": SECRET}, up, (200, {"users": [], "aud": "authenticated"})),
    ("auth", "/nope", {}, ENV, up, (404, {"code": 404, "msg": "Not found"})),
    ("rest", "/", {}, {k: v for k, v in ENV.items() if k != "PGRST_DB_ANON_ROLE"}, up,
     (401, {"code": "PGRST302", "message": "Anonymous access is disabled"})),
    ("rest", "/", {}, {"PGRST_JWT_SECRET": SECRET, "PGRST_DB_ANON_ROLE": "anon"}, up,
     (200, {"swagger": "2.0", "info": {"title": "standin"}, "x-role": "anon", "x-schemas": ["public"]})),
    ("storage", "/status", {}, ENV, up, (200, b"")),
    ("storage", "/status", {}, ENV, down, (503, {"error": "database unavailable"})),
    ("storage", "/bucket", {}, ENV, up,
     (400, {"statusCode": "403", "error": "Unauthorized", "message": "headers must have required property 'authorization'"})),
    ("storage", "/bucket/avatars", bearer("anon"), ENV, up, (200, [])),
    ("storage", "/object/x", bearer("anon"), ENV, up, (404, {"statusCode": "404", "error": "Not Found"})),
    ("studio", "/api/platform/profile", {}, {}, down, (200, {"id": 1, "username": "supabase", "primary_email": "admin@localhost"})),
])
def test_each_answer_is_exactly_what_the_client_reads(service, path, headers, env, db, answer):
    assert standin.route(service, "GET", path, headers, env, db) == answer


def test_a_bad_storage_token_says_why():
    status, body = standin.route("storage", "GET", "/bucket", bearer("anon", "y" * 40), ENV, up)
    assert (status, body["statusCode"], body["error"], body["message"]) == (400, "403", "Unauthorized", "Signature verification failed")


def test_a_bad_rest_token_says_why():
    assert standin.route("rest", "GET", "/", bearer("anon", "x" * 40), ENV, up) == (
        401, {"code": "PGRST301", "message": "Signature verification failed"})


def test_a_token_with_an_audience_is_accepted():
    token = jwt.encode({"role": "authenticated", "aud": "authenticated"}, SECRET, algorithm="HS256")
    assert standin.claims_of("Bearer " + token, SECRET)["aud"] == "authenticated"


@pytest.mark.parametrize("header, message", [("Basic abc", "not a bearer token"), ("Bearer", "not a bearer token"),
                                             ("Bearer ", "not a bearer token")])
def test_what_is_not_a_bearer_token_is_refused(header, message):
    with pytest.raises(jwt.InvalidTokenError) as refused:
        standin.claims_of(header, SECRET)
    assert str(refused.value) == message


def test_no_header_means_no_claims():
    assert standin.claims_of(None, SECRET) is None and standin.claims_of("", SECRET) is None


def test_a_url_error_names_what_is_missing():
    with pytest.raises(ValueError) as refused:
        standin.connection("postgres://h/db")
    assert str(refused.value) == "not a postgres:// URL with a user and a host"


# ---- the database check ---------------------------------------------------------------------------
class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_the_database_login_is_asked_at_most_every_five_seconds():
    calls, clock = [], Clock()
    check = standin.database_check("rest", "postgres://authenticator:pw@db/postgres", calls.append, clock)
    assert check() is True and check() is True and len(calls) == 1
    clock.now += 4.9
    assert check() is True and len(calls) == 1
    clock.now += 0.1
    assert check() is True and len(calls) == 2


def test_a_refused_login_is_not_ready_and_logged(capsys):
    def refuse(url):
        raise RuntimeError("password authentication failed")
    check = standin.database_check("auth", "postgres://u:p@db/postgres", refuse, Clock())
    assert check() is False
    assert capsys.readouterr().err == "supabase-standin: auth cannot log in to the database: password authentication failed\n"


def test_a_login_that_comes_back_makes_it_ready_again():
    clock, answers = Clock(), [RuntimeError("down"), None]

    def login(url):
        answer = answers.pop(0)
        if answer:
            raise answer
    check = standin.database_check("storage", "postgres://u:p@db/postgres", login, clock)
    assert check() is False
    clock.now += 5
    assert check() is True


def test_without_a_url_the_database_is_not_asked():
    calls = []
    assert standin.database_check("studio", None, calls.append, Clock())() is True and calls == []


# ---- the servers, as the image starts them -----------------------------------------------------------
def free_port():
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url, headers=None):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.mark.parametrize("service, port_env, url_env, path", [
    ("auth", "GOTRUE_API_PORT", "GOTRUE_DB_DATABASE_URL", "/health"),
    ("rest", "PGRST_SERVER_PORT", "PGRST_DB_URI", "/"),
    ("storage", "PORT", "DATABASE_URL", "/status"),
])
def test_each_service_listens_where_its_setting_says_and_logs_in_with_its_url(service, port_env, url_env, path):
    port, logins = free_port(), []
    env = dict(ENV, **{port_env: str(port), url_env: "postgres://role:pw@db/postgres"})
    (server,) = standin.servers(service, env, logins.append)
    threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True).start()
    try:
        assert server.server_address == ("0.0.0.0", port)
        assert get("http://127.0.0.1:%d%s" % (port, path))[0] == 200
        assert logins == ["postgres://role:pw@db/postgres"]
    finally:
        server.shutdown()


@pytest.mark.parametrize("service, default", [("auth", 9999), ("rest", 3000), ("storage", 5000), ("studio", 3000)])
def test_each_service_has_its_upstream_port_by_default(service, default, monkeypatch):
    bound = []
    monkeypatch.setattr(standin, "ThreadingHTTPServer", lambda address, handler: bound.append(address) or address)
    standin.servers(service, {}, lambda url: None)
    assert bound == [("0.0.0.0", default)]


def test_postgrest_s_admin_server_runs_beside_it_when_enabled(monkeypatch):
    bound = []
    monkeypatch.setattr(standin, "ThreadingHTTPServer", lambda address, handler: bound.append(address) or address)
    standin.servers("rest", {"PGRST_ADMIN_SERVER_PORT": "3001"}, lambda url: None)
    standin.servers("auth", {"PGRST_ADMIN_SERVER_PORT": "3001"}, lambda url: None)
    assert bound == [("0.0.0.0", 3000), ("0.0.0.0", 3001), ("0.0.0.0", 9999)]


def test_the_admin_server_answers_ready_from_the_database_check():
    port, admin_port = free_port(), free_port()
    env = {"PGRST_SERVER_PORT": str(port), "PGRST_ADMIN_SERVER_PORT": str(admin_port), "PGRST_DB_URI": "postgres://a:b@db/postgres"}

    def refuse(url):
        raise RuntimeError("no")
    main_server, admin = standin.servers("rest", env, refuse)
    threading.Thread(target=admin.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True).start()
    try:
        assert get("http://127.0.0.1:%d/ready" % admin_port)[0] == 503
        assert get("http://127.0.0.1:%d/live" % admin_port)[0] == 200
        assert standin.main(["rest", "--ready"], env) == 1
    finally:
        admin.shutdown()
        main_server.server_close()


def test_head_sends_no_body():
    server = ThreadingHTTPServer(("127.0.0.1", 0), standin.make_handler(lambda m, p, h: (200, {"a": 1})))
    threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True).start()
    try:
        request = urllib.request.Request("http://127.0.0.1:%d/" % server.server_port, method="HEAD")
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.read() == b"" and response.headers["content-length"] == "8"
    finally:
        server.shutdown()


def test_postgrest_ready_prints_what_it_asked(capsys):
    server = serve_admin(up)
    try:
        assert standin.main(["rest", "--ready"], {"PGRST_ADMIN_SERVER_PORT": str(server.server_port)}) == 0
        assert capsys.readouterr().out == "OK: http://localhost:%d/ready\n" % server.server_port
    finally:
        server.shutdown()
    assert standin.main(["rest", "--ready"], {}) == 1
    assert capsys.readouterr().err == "Admin server is not enabled (admin-server-port)\n"


def test_usage_is_printed_for_an_unknown_service(capsys):
    assert standin.main(["kong"], {}) == 2
    assert capsys.readouterr().err == "usage: supabase_standin.py auth|rest [--ready]|storage|studio\n"


def test_a_service_name_starts_its_server(monkeypatch):
    started = []
    monkeypatch.setattr(standin, "serve", lambda service, environ: started.append(service))
    assert standin.main(["storage"], {}) == 0 and started == ["storage"]
    assert standin.main(["rest"], {}) == 0 and started == ["storage", "rest"]
