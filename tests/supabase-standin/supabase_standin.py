#!/usr/bin/env python3
"""Stand-ins for the Supabase services that cannot be obtained here (ENVIRONMENT.md): GoTrue (auth),
PostgREST (rest), storage-api (storage) and Studio (studio), one per image (tests/images/supabase-*-standin).

Each keeps what the supabase role relies on, with the real services' settings:
- it logs in to PostgreSQL as the role and password of its connection URL (GOTRUE_DB_DATABASE_URL,
  PGRST_DB_URI, DATABASE_URL) before it reports healthy, so a wrong service-role password or a
  missing role keeps it unhealthy, as the real service fails its migrations or its pool;
- it verifies the JWT of a request with the secret it is given (GOTRUE_JWT_SECRET, PGRST_JWT_SECRET,
  AUTH_JWT_SECRET), HS256, with PyJWT: GoTrue's admin API wants a role among GOTRUE_JWT_ADMIN_ROLES,
  PostgREST takes the role claim (anon without a token, PGRST_DB_ANON_ROLE), storage wants a token;
- health endpoints as upstream: GoTrue /health, PostgREST's admin server /live and /ready
  (PGRST_ADMIN_SERVER_PORT; `postgrest --ready` asks it), storage /status, Studio /api/platform/profile.
Beyond that each answers only what the scenario asks (tests/images/contracts.yml says what is not covered).
"""

import json
import os
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

import jwt

SERVICES = {
    "auth": {"port_env": "GOTRUE_API_PORT", "port": 9999, "url_env": "GOTRUE_DB_DATABASE_URL", "secret_env": "GOTRUE_JWT_SECRET"},
    "rest": {"port_env": "PGRST_SERVER_PORT", "port": 3000, "url_env": "PGRST_DB_URI", "secret_env": "PGRST_JWT_SECRET"},
    "storage": {"port_env": "PORT", "port": 5000, "url_env": "DATABASE_URL", "secret_env": "AUTH_JWT_SECRET"},
    "studio": {"port_env": "PORT", "port": 3000, "url_env": None, "secret_env": None},
}


def connection(url):
    """(user, password, host, port, database) of a postgres:// URL."""
    split = urlsplit(url or "")
    if split.scheme not in ("postgres", "postgresql") or not split.hostname or not split.username:
        raise ValueError("not a postgres:// URL with a user and a host")
    return (unquote(split.username), unquote(split.password or ""), split.hostname, split.port or 5432,
            split.path.lstrip("/") or "postgres")


def pg_login(url):
    """Log in as the URL's role; raises on a refused password or an unknown role."""
    import pg8000.native  # in the image's /opt/standin; not needed by the unit tests
    user, password, host, port, database = connection(url)
    pg8000.native.Connection(user, host=host, port=port, database=database, password=password, timeout=5).close()


def claims_of(authorization, secret):
    """The verified claims of a `Bearer <jwt>` header, None without one; raises jwt.InvalidTokenError."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise jwt.InvalidTokenError("not a bearer token")
    return jwt.decode(token.strip(), secret, algorithms=["HS256"], options={"verify_aud": False})


def route(service, method, path, headers, environ, db_ok):
    """(status, body) of one request to `service`; db_ok() says whether the database login works."""
    secret_env = SERVICES[service]["secret_env"]
    secret = environ.get(secret_env, "") if secret_env else ""
    try:
        claims = claims_of(headers.get("authorization"), secret) if secret else None
        bad_token = None
    except jwt.InvalidTokenError as error:
        claims, bad_token = None, str(error)
    if service == "auth":
        if path == "/health":
            return (200, {"version": "standin", "name": "GoTrue"}) if db_ok() else (503, {"msg": "database unavailable"})
        if path == "/settings":
            return 200, {"disable_signup": environ.get("GOTRUE_DISABLE_SIGNUP") == "true",
                         "mailer_autoconfirm": environ.get("GOTRUE_MAILER_AUTOCONFIRM") == "true"}
        if path.startswith("/admin/"):
            admins = [r.strip() for r in environ.get("GOTRUE_JWT_ADMIN_ROLES", "service_role").split(",")]
            if bad_token or claims is None:
                return 401, {"code": 401, "msg": "This endpoint requires a Bearer token"}
            if claims.get("role") not in admins:
                return 403, {"code": 403, "msg": "User not allowed"}
            return 200, {"users": [], "aud": environ.get("GOTRUE_JWT_AUD", "authenticated")}
        return 404, {"code": 404, "msg": "Not found"}
    if service == "rest":
        if bad_token:
            return 401, {"code": "PGRST301", "message": bad_token}
        role = (claims or {}).get("role") or environ.get("PGRST_DB_ANON_ROLE")
        if not role:
            return 401, {"code": "PGRST302", "message": "Anonymous access is disabled"}
        if not db_ok():
            return 503, {"code": "PGRST001", "message": "Database client error"}
        return 200, {"swagger": "2.0", "info": {"title": "standin"}, "x-role": role,
                     "x-schemas": environ.get("PGRST_DB_SCHEMAS", "public").split(",")}
    if service == "storage":
        if path == "/status":
            return (200, b"") if db_ok() else (503, {"error": "database unavailable"})
        if path.startswith("/bucket"):
            if bad_token or claims is None:
                return 400, {"statusCode": "403", "error": "Unauthorized", "message": bad_token or "headers must have required property 'authorization'"}
            return 200, []
        return 404, {"statusCode": "404", "error": "Not Found"}
    if path == "/api/platform/profile":
        return 200, {"id": 1, "username": "supabase", "primary_email": "admin@localhost"}
    return 200, b"<!doctype html><title>Supabase Studio (stand-in)</title>"


def admin_route(path, db_ok):
    """PostgREST's admin server: /live while it runs, /ready while its pool reaches the database."""
    if path == "/live":
        return 200
    if path == "/ready":
        return 200 if db_ok() else 503
    return 404


def make_handler(answer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):
            sys.stderr.write("supabase-standin: " + (fmt % args) + "\n")

        def handle_any(self):
            status, body = answer(self.command, urlsplit(self.path).path, {k.lower(): v for k, v in self.headers.items()})
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json" if not isinstance(body, bytes) else "text/html")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = handle_any

    return Handler


def database_check(service, url, login=None, clock=time.monotonic, every=5):
    """db_ok(): whether `url`'s role logs in, asked at most every `every` seconds; True without a URL."""
    login = login or pg_login
    cache = {"ok": False, "at": None}

    def db_ok():
        if url is None:
            return True
        if cache["at"] is None or clock() - cache["at"] >= every:
            try:
                login(url)
                cache["ok"] = True
            except Exception as error:  # noqa: BLE001 - any refusal is "not ready", logged
                cache["ok"] = False
                sys.stderr.write("supabase-standin: %s cannot log in to the database: %s\n" % (service, error))
            cache["at"] = clock()
        return cache["ok"]

    return db_ok


def servers(service, environ, login=None):
    """The HTTP servers of `service` (PostgREST's admin server second, when enabled), not started."""
    spec = SERVICES[service]
    db_ok = database_check(service, environ.get(spec["url_env"]) if spec["url_env"] else None, login)
    port = int(environ.get(spec["port_env"]) or spec["port"])
    result = [ThreadingHTTPServer(("0.0.0.0", port), make_handler(
        lambda method, path, headers: route(service, method, path, headers, environ, db_ok)))]
    if service == "rest" and environ.get("PGRST_ADMIN_SERVER_PORT"):
        result.append(ThreadingHTTPServer(("0.0.0.0", int(environ["PGRST_ADMIN_SERVER_PORT"])),
                                          make_handler(lambda method, path, headers: (admin_route(path, db_ok), b""))))
    return result


def serve(service, environ):
    main_server, *others = servers(service, environ)
    for other in others:
        threading.Thread(target=other.serve_forever, daemon=True).start()
    sys.stderr.write("supabase-standin: %s on :%d\n" % (service, main_server.server_port))
    main_server.serve_forever()


def postgrest_ready(environ):
    """`postgrest --ready`: exit 0 when the admin server's /ready answers 200."""
    port = environ.get("PGRST_ADMIN_SERVER_PORT")
    if not port:
        print("Admin server is not enabled (admin-server-port)", file=sys.stderr)
        return 1
    try:
        with urllib.request.urlopen("http://localhost:%s/ready" % port, timeout=5) as response:
            ok = response.status == 200
    except (urllib.error.URLError, OSError):
        ok = False
    print(("OK" if ok else "ERROR") + ": http://localhost:%s/ready" % port)
    return 0 if ok else 1


def main(argv, environ):
    if argv[:1] == ["rest"] and "--ready" in argv[1:]:
        return postgrest_ready(environ)
    if argv[:1] and argv[0] in SERVICES:
        serve(argv[0], environ)
        return 0
    print("usage: supabase_standin.py auth|rest [--ready]|storage|studio", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], os.environ))
