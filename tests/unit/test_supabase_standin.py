# The GoTrue, PostgREST and storage-api stand-ins (tests/supabase-standin): tokens verified with the
# service's own secret (PyJWT), health that depends on the database login, PostgREST's admin server.
import importlib.util
import json
import threading
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
    threading.Thread(target=server.serve_forever, daemon=True).start()
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
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = "http://127.0.0.1:%d" % server.server_port
        with urllib.request.urlopen(urllib.request.Request(base + "/admin/users", headers=bearer("service_role"))) as response:
            assert response.headers["content-type"] == "application/json" and json.loads(response.read())["users"] == []
        with urllib.request.urlopen(base + "/") as response:
            assert response.headers["content-type"] == "text/html"
    finally:
        server.shutdown()
