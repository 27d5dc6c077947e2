#!/usr/bin/env python3
"""A stand-in for Kong 2.8 in DB-less mode (kong:2.8.1, Supabase's API gateway).

Kong cannot be obtained here (ENVIRONMENT.md). This keeps the part of its contract the supabase role
relies on, read from the same declarative file (KONG_DECLARATIVE_CONFIG, format 2.1, JSON or the YAML
subset JSON is):

- start: the file is checked as Kong checks it at start (format version, every service's url and
  routes, every plugin among KONG_PLUGINS, credentials and ACL groups of known consumers); a bad file
  stops the start with Kong's kind of message;
- routing: the longest matching path prefix wins; strip_path removes it; the service's URL path is
  put in front of the rest (Kong's path_handling v0);
- plugins, in Kong's order of priority: cors (preflight answered, headers added), basic-auth
  (401 + WWW-Authenticate, hide_credentials), key-auth (`apikey` header or query argument, 401
  "No API key found in request" / "Invalid authentication credentials", hide_credentials), acl
  (403 "You cannot consume this service", hide_groups_header), request-transformer (add headers);
- the X-Consumer-* headers upstreams read, 404 "no Route matched with those values", 502 when the
  upstream does not answer;
- `kong health` exits 0 while the proxy answers, as the real command does.

Websocket upgrades (realtime's /socket) are not proxied: the scenarios do not enable realtime.
Command line as the image's: `kong docker-start`, `kong health`.
"""

import base64
import json
import os
import sys
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit

FORMAT_VERSIONS = ("1.1", "2.1")
PRIORITY = {"cors": 2000, "basic-auth": 1100, "key-auth": 1003, "acl": 950, "request-transformer": 801,
            "request-termination": 2, "ip-restriction": 3000}
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
              "transfer-encoding", "upgrade", "host", "content-length"}


class ConfigError(ValueError):
    pass


def load_config(text, enabled_plugins):
    """The declarative configuration as Kong reads it at start; ConfigError names what is wrong."""
    try:
        config = json.loads(text)
    except ValueError as error:
        raise ConfigError("failed parsing declarative configuration: %s" % error)
    if not isinstance(config, dict):
        raise ConfigError("failed parsing declarative configuration: expected an object")
    if str(config.get("_format_version")) not in FORMAT_VERSIONS:
        raise ConfigError("_format_version: expected one of: %s" % ", ".join(FORMAT_VERSIONS))
    consumers = {}
    for consumer in config.get("consumers") or []:
        name = consumer.get("username")
        if not name:
            raise ConfigError("consumers: at least one of these fields must be non-empty: 'custom_id', 'username'")
        consumers[name] = {"keys": [c.get("key") for c in consumer.get("keyauth_credentials") or []],
                           "groups": [], "basic": []}
        if any(not key for key in consumers[name]["keys"]):
            raise ConfigError("consumers.%s.keyauth_credentials: key: required field missing" % name)
    for acl in config.get("acls") or []:
        owner = consumers.get(acl.get("consumer"))
        if owner is None or not acl.get("group"):
            raise ConfigError("acls: consumer %r is not a known consumer or has no group" % acl.get("consumer"))
        owner["groups"].append(acl["group"])
    for credential in config.get("basicauth_credentials") or []:
        owner = consumers.get(credential.get("consumer"))
        if owner is None or not credential.get("username") or not credential.get("password"):
            raise ConfigError("basicauth_credentials: consumer %r unknown, or username/password missing"
                              % credential.get("consumer"))
        owner["basic"].append((credential["username"], credential["password"]))
    routes = []
    for service in config.get("services") or []:
        url = urlsplit(service.get("url") or "")
        if url.scheme not in ("http", "https", "ws", "wss") or not url.hostname:
            raise ConfigError("services.%s: url: missing or invalid" % service.get("name"))
        plugins = sorted(service.get("plugins") or [], key=lambda p: -PRIORITY.get(p.get("name"), 0))
        for plugin in plugins:
            if plugin.get("name") not in enabled_plugins:
                raise ConfigError("services.%s.plugins: plugin '%s' not enabled; add it to the 'plugins' "
                                  "configuration property" % (service.get("name"), plugin.get("name")))
        for route in service.get("routes") or []:
            paths = route.get("paths") or []
            if not paths or any(not str(p).startswith("/") for p in paths):
                raise ConfigError("services.%s.routes.%s: paths: must start with /"
                                  % (service.get("name"), route.get("name")))
            for path in paths:
                routes.append({"path": path, "strip": route.get("strip_path", True), "service": service["name"],
                               "url": url, "plugins": plugins})
    routes.sort(key=lambda r: -len(r["path"]))
    return {"routes": routes, "consumers": consumers}


def match_route(routes, path):
    for route in routes:
        if path.startswith(route["path"]):
            return route
    return None


def upstream_path(route, path):
    """Kong's path_handling v0: the service's path, then what is left after the stripped prefix."""
    rest = path[len(route["path"]):] if route["strip"] else path
    base = route["url"].path or "/"
    if not rest:
        return base
    if base.endswith("/") and rest.startswith("/"):
        return base + rest[1:]
    if not base.endswith("/") and not rest.startswith("/"):
        return base + "/" + rest
    return base + rest


def target_url(route, path, query):
    """Where the request goes: the service's host and port (80 by default), the upstream path, the query."""
    url = route["url"]
    target = "http://%s:%d%s" % (url.hostname, url.port or 80, upstream_path(route, path))
    return target + ("?" + urlencode(query) if query else "")


def authenticate(plugins, consumers, headers, query):
    """(status, message, consumer name, headers, query) after the auth plugins, in priority order."""
    headers, query = dict(headers), list(query)
    consumer = None
    for plugin in plugins:
        name, config = plugin.get("name"), plugin.get("config") or {}
        if name == "basic-auth":
            value = headers.get("authorization", "")
            if not value.lower().startswith("basic "):
                return 401, "Unauthorized", None, headers, query
            try:
                user, _, password = base64.b64decode(value[6:].strip()).decode("utf-8").partition(":")
            except ValueError:
                return 401, "Invalid authentication credentials", None, headers, query
            consumer = next((n for n, c in consumers.items() if (user, password) in c["basic"]), None)
            if consumer is None:
                return 401, "Invalid authentication credentials", None, headers, query
            if config.get("hide_credentials"):
                headers.pop("authorization", None)
        elif name == "key-auth":
            key = headers.get("apikey") or dict(query).get("apikey")
            if not key:
                return 401, "No API key found in request", None, headers, query
            consumer = next((n for n, c in consumers.items() if key in c["keys"]), None)
            if consumer is None:
                return 401, "Invalid authentication credentials", None, headers, query
            if config.get("hide_credentials"):
                headers.pop("apikey", None)
                query = [(k, v) for k, v in query if k != "apikey"]
        elif name == "acl":
            groups = consumers[consumer]["groups"] if consumer else []
            if not set(groups) & set(config.get("allow") or []):
                return 403, "You cannot consume this service", consumer, headers, query
            if not config.get("hide_groups_header"):
                headers["x-consumer-groups"] = ", ".join(groups)
        elif name == "request-transformer":
            for line in (config.get("add") or {}).get("headers") or []:
                key, _, value = line.partition(":")
                headers.setdefault(key.strip().lower(), value.strip())
    if consumer:
        headers["x-consumer-username"] = consumer
        headers["x-consumer-id"] = consumer
    return 200, "", consumer, headers, query


def make_handler(config):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):
            sys.stderr.write("kong-standin: " + (fmt % args) + "\n")

        def version_string(self):
            return "kong/2.8.1"

        def answer(self, status, body, extra=None):
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            headers = {"content-type": "application/json; charset=utf-8"}
            headers.update(extra or {})
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def handle_any(self):
            split = urlsplit(self.path)
            route = match_route(config["routes"], split.path)
            if route is None:
                return self.answer(404, {"message": "no Route matched with those values"})
            names = [p.get("name") for p in route["plugins"]]
            cors = {"access-control-allow-origin": "*"} if "cors" in names else {}
            if self.command == "OPTIONS" and cors:
                return self.answer(200, b"", dict(cors, **{"access-control-allow-methods": "GET,HEAD,PUT,PATCH,POST,DELETE,OPTIONS"}))
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, message, _, headers, query = authenticate(
                route["plugins"], config["consumers"], headers, parse_qsl(split.query, keep_blank_values=True))
            if status != 200:
                extra = dict(cors)
                if status == 401 and "basic-auth" in names:
                    extra["www-authenticate"] = 'Basic realm="kong"'
                return self.answer(status, {"message": message}, extra)
            target = target_url(route, split.path, query)
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else None
            forward = {k: v for k, v in headers.items() if k not in HOP_BY_HOP}
            forward["x-forwarded-prefix"] = route["path"]
            request = urllib.request.Request(target, data=body, method=self.command, headers=forward)
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    status, data, got = response.status, response.read(), response.headers
            except urllib.error.HTTPError as error:
                status, data, got = error.code, error.read(), error.headers
            except (urllib.error.URLError, OSError):
                return self.answer(502, {"message": "An invalid response was received from the upstream server"}, cors)
            extra = {k.lower(): v for k, v in got.items() if k.lower() not in HOP_BY_HOP}
            extra.update(cors)
            self.answer(status, data, extra)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = handle_any

    return Handler


def health(port):
    try:
        urllib.request.urlopen("http://127.0.0.1:%d/" % port, timeout=5)
    except urllib.error.HTTPError:
        pass  # any HTTP answer (404: no route at /) means the proxy runs
    except (urllib.error.URLError, OSError) as error:
        print("Error: Kong is not running at 127.0.0.1:%d (%s)" % (port, error))
        return 1
    print("Kong is healthy at /usr/local/kong")
    return 0


def main(argv, environ):
    port = int(environ.get("KONG_PROXY_PORT", "8000"))
    if argv[:1] == ["health"]:
        return health(port)
    if argv[:1] not in (["docker-start"], ["start"]):
        print("Usage: kong COMMAND [OPTIONS] (docker-start, health)", file=sys.stderr)
        return 1
    enabled = [p.strip() for p in environ.get("KONG_PLUGINS", "bundled").split(",")]
    if "bundled" in enabled:
        enabled += list(PRIORITY)
    path = environ.get("KONG_DECLARATIVE_CONFIG", "")
    try:
        with open(path, encoding="utf-8") as handle:
            config = load_config(handle.read(), enabled)
    except (OSError, ConfigError) as error:
        print("Error: %s: %s" % (path, error), file=sys.stderr)
        return 1
    server = ThreadingHTTPServer(("0.0.0.0", port), make_handler(config))
    print("kong-standin: %d routes from %s on :%d" % (len(config["routes"]), path, port), file=sys.stderr)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], os.environ))
