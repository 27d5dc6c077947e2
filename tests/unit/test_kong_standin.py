# Kong's stand-in (tests/kong-standin): what of Kong 2.8's DB-less behaviour it keeps, checked against
# a real HTTP upstream. The supabase scenario relies on it for the routes' key-auth, ACL and basic-auth.
import base64
import importlib.util
import json
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

SPEC = importlib.util.spec_from_file_location(
    "kong_standin", Path(__file__).resolve().parents[1] / "kong-standin" / "kong_standin.py")
kong = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(kong)

PLUGINS = ["request-transformer", "cors", "key-auth", "acl", "basic-auth"]


def config(upstream="http://upstream:9999", **extra):
    base = {
        "_format_version": "2.1",
        "consumers": [{"username": "DASHBOARD"},
                      {"username": "anon", "keyauth_credentials": [{"key": "anon-key"}]},
                      {"username": "service_role", "keyauth_credentials": [{"key": "service-key"}]}],
        "acls": [{"consumer": "anon", "group": "anon"}, {"consumer": "service_role", "group": "admin"}],
        "basicauth_credentials": [{"consumer": "DASHBOARD", "username": "supabase", "password": "pw"}],
        "services": [
            {"name": "rest", "url": upstream + "/", "plugins": [
                {"name": "cors"}, {"name": "key-auth", "config": {"hide_credentials": True}},
                {"name": "acl", "config": {"hide_groups_header": True, "allow": ["admin", "anon"]}}],
             "routes": [{"name": "rest", "strip_path": True, "paths": ["/rest/v1/"]}]},
            {"name": "graphql", "url": upstream + "/rpc/graphql", "plugins": [
                {"name": "key-auth"}, {"name": "request-transformer", "config": {"add": {"headers": ["Content-Profile:graphql_public"]}}},
                {"name": "acl", "config": {"allow": ["admin", "anon"]}}],
             "routes": [{"name": "graphql", "strip_path": True, "paths": ["/graphql/v1"]}]},
            {"name": "meta", "url": upstream + "/", "plugins": [
                {"name": "key-auth"}, {"name": "acl", "config": {"hide_groups_header": True, "allow": ["admin"]}}],
             "routes": [{"name": "meta", "strip_path": True, "paths": ["/pg/"]}]},
            {"name": "open", "url": upstream + "/verify", "plugins": [{"name": "cors"}],
             "routes": [{"name": "open", "strip_path": True, "paths": ["/auth/v1/verify"]}]},
            {"name": "dashboard", "url": upstream + "/", "plugins": [
                {"name": "cors"}, {"name": "basic-auth", "config": {"hide_credentials": True}}],
             "routes": [{"name": "dashboard", "strip_path": True, "paths": ["/"]}]},
        ]}
    base.update(extra)
    return base


def load(cfg, plugins=PLUGINS):
    return kong.load_config(json.dumps(cfg), plugins)


# ---- start: the declarative file is checked as Kong checks it -------------------------------------
@pytest.mark.parametrize("change, message", [
    ({"_format_version": "3.0"}, "_format_version: expected one of: 1.1, 2.1"),
    ({"consumers": [{"keyauth_credentials": [{"key": "k"}]}]},
     "consumers: at least one of these fields must be non-empty: 'custom_id', 'username'"),
    ({"consumers": [{"username": "anon", "keyauth_credentials": [{"key": ""}]}]},
     "consumers.anon.keyauth_credentials: key: required field missing"),
    ({"acls": [{"consumer": "nobody", "group": "anon"}]}, "acls: consumer 'nobody' is not a known consumer or has no group"),
    ({"acls": [{"consumer": "anon", "group": ""}]}, "acls: consumer 'anon' is not a known consumer or has no group"),
    ({"basicauth_credentials": [{"consumer": "DASHBOARD", "username": "u"}]},
     "basicauth_credentials: consumer 'DASHBOARD' unknown, or username/password missing"),
    ({"basicauth_credentials": [{"consumer": "DASHBOARD", "password": "p"}]},
     "basicauth_credentials: consumer 'DASHBOARD' unknown, or username/password missing"),
    ({"basicauth_credentials": [{"consumer": "x", "username": "u", "password": "p"}]},
     "basicauth_credentials: consumer 'x' unknown, or username/password missing"),
    ({"services": [{"name": "x", "url": "not a url", "routes": [{"paths": ["/x"]}]}]}, "services.x: url: missing or invalid"),
    ({"services": [{"name": "x", "url": "ftp://h/", "routes": [{"paths": ["/x"]}]}]}, "services.x: url: missing or invalid"),
    ({"services": [{"name": "x", "url": "http:///p", "routes": [{"paths": ["/x"]}]}]}, "services.x: url: missing or invalid"),
    ({"services": [{"name": "x", "url": "http://h/", "routes": [{"name": "r", "paths": ["x"]}]}]}, "services.x.routes.r: paths: must start with /"),
    ({"services": [{"name": "x", "url": "http://h/", "routes": [{"name": "r", "paths": []}]}]}, "services.x.routes.r: paths: must start with /"),
])
def test_a_bad_declarative_file_stops_the_start(change, message):
    with pytest.raises(kong.ConfigError) as refused:
        load(config(**change))
    assert str(refused.value) == message


@pytest.mark.parametrize("scheme", ["http", "https", "ws", "wss"])
def test_every_scheme_kong_proxies_is_accepted(scheme):
    cfg = load(config(services=[{"name": "x", "url": scheme + "://h:1/", "routes": [{"paths": ["/x"]}]}]))
    assert cfg["routes"][0]["url"].scheme == scheme


def test_a_route_strips_its_path_unless_told_not_to():
    routes = load(config(services=[{"name": "x", "url": "http://h/", "routes": [{"paths": ["/a"]}, {"paths": ["/bb"], "strip_path": False}]}]))["routes"]
    assert [(r["path"], r["strip"]) for r in routes] == [("/bb", False), ("/a", True)]


def test_the_plugins_run_in_kong_s_order_of_priority():
    names = ["request-termination", "request-transformer", "acl", "key-auth", "basic-auth", "cors", "ip-restriction"]
    service = {"name": "x", "url": "http://h/", "plugins": [{"name": n} for n in names], "routes": [{"paths": ["/x"]}]}
    route = load(config(services=[service]), plugins=names)["routes"][0]
    assert [p["name"] for p in route["plugins"]] == list(reversed(names))


def test_the_route_keeps_its_service_name_and_url():
    route = next(r for r in load(config())["routes"] if r["path"] == "/graphql/v1")
    assert route["service"] == "graphql" and route["url"].geturl() == "http://upstream:9999/rpc/graphql"


def test_a_plugin_kong_was_not_told_to_load_stops_the_start():
    with pytest.raises(kong.ConfigError) as refused:
        load(config(), plugins=["cors", "key-auth", "acl", "request-transformer"])
    assert str(refused.value) == ("services.dashboard.plugins: plugin 'basic-auth' not enabled; add it to the 'plugins' "
                                  "configuration property")


@pytest.mark.parametrize("text, message", [
    ("{not json", "failed parsing declarative configuration: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
    ("[]", "failed parsing declarative configuration: expected an object")])
def test_a_file_that_is_not_an_object_stops_the_start(text, message):
    with pytest.raises(kong.ConfigError) as refused:
        kong.load_config(text, PLUGINS)
    assert str(refused.value) == message


def test_consumers_get_their_keys_groups_and_basic_credentials():
    consumers = load(config())["consumers"]
    assert consumers["anon"] == {"keys": ["anon-key"], "groups": ["anon"], "basic": []}
    assert consumers["DASHBOARD"]["basic"] == [("supabase", "pw")]


# ---- routing --------------------------------------------------------------------------------------
@pytest.mark.parametrize("path, service", [
    ("/rest/v1/todos", "rest"), ("/auth/v1/verify?token=x", "open"), ("/pg/tables", "meta"),
    ("/", "dashboard"), ("/project/default", "dashboard"), ("/graphql/v1", "graphql")])
def test_the_longest_matching_prefix_wins(path, service):
    assert kong.match_route(load(config())["routes"], path.split("?")[0])["service"] == service


def test_no_route_when_nothing_matches():
    cfg = config(services=[config()["services"][0]])
    assert kong.match_route(load(cfg)["routes"], "/storage/v1/x") is None


@pytest.mark.parametrize("service_path, path, strip, wanted", [
    ("/", "/rest/v1/todos", True, "/todos"),
    ("/", "/rest/v1/", True, "/"),
    ("/rpc/graphql", "/graphql/v1", True, "/rpc/graphql"),
    ("/rpc/graphql", "/graphql/v1x", True, "/rpc/graphql/x"),
    ("/verify", "/auth/v1/verify/", True, "/verify/"),
    ("/", "/rest/v1/todos", False, "/rest/v1/todos"),
    ("", "/rest/v1/a", True, "/a"),
])
def test_the_upstream_path_is_the_service_path_then_the_rest(service_path, path, strip, wanted):
    route = {"path": "/rest/v1/" if path.startswith("/rest") else ("/graphql/v1" if path.startswith("/graphql") else "/auth/v1/verify"),
             "strip": strip, "url": kong.urlsplit("http://h" + service_path)}
    assert kong.upstream_path(route, path) == wanted


# ---- plugins --------------------------------------------------------------------------------------
def auth(service, headers=None, query=()):
    cfg = load(config())
    route = next(r for r in cfg["routes"] if r["service"] == service)
    return kong.authenticate(route["plugins"], cfg["consumers"], headers or {}, query)


def basic(user, password):
    return "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()


@pytest.mark.parametrize("service, headers, query, status, message", [
    ("rest", {}, (), 401, "No API key found in request"),
    ("rest", {"apikey": "forged"}, (), 401, "Invalid authentication credentials"),
    ("rest", {"apikey": "anon-key"}, (), 200, ""),
    ("rest", {}, [("apikey", "service-key")], 200, ""),
    ("meta", {"apikey": "anon-key"}, (), 403, "You cannot consume this service"),
    ("meta", {"apikey": "service-key"}, (), 200, ""),
    ("dashboard", {}, (), 401, "Unauthorized"),
    ("dashboard", {"authorization": "Bearer x"}, (), 401, "Unauthorized"),
    ("dashboard", {"authorization": basic("supabase", "wrong")}, (), 401, "Invalid authentication credentials"),
    ("dashboard", {"authorization": "Basic !!notbase64"}, (), 401, "Invalid authentication credentials"),
    ("dashboard", {"authorization": basic("supabase", "pw")}, (), 200, ""),
    ("open", {}, (), 200, ""),
])
def test_each_route_lets_in_only_its_consumers(service, headers, query, status, message):
    got = auth(service, headers, query)
    assert got[:2] == (status, message)


def test_key_auth_names_the_consumer_and_hides_the_key_where_told():
    status, _, consumer, headers, query = auth("rest", {"apikey": "service-key", "authorization": "Bearer t"},
                                               [("apikey", "service-key"), ("select", "*")])
    assert (status, consumer) == (200, "service_role")
    assert "apikey" not in headers and query == [("select", "*")]
    assert headers["x-consumer-username"] == "service_role" and headers["authorization"] == "Bearer t"
    assert "x-consumer-groups" not in headers


def test_key_auth_keeps_the_key_without_hide_credentials_and_sends_the_groups():
    _, _, _, headers, _ = auth("graphql", {"apikey": "anon-key"})
    assert headers["apikey"] == "anon-key" and headers["x-consumer-groups"] == "anon"
    assert headers["content-profile"] == "graphql_public"


def test_basic_auth_hides_the_credentials():
    status, _, consumer, headers, _ = auth("dashboard", {"authorization": basic("supabase", "pw")})
    assert (status, consumer) == (200, "DASHBOARD") and "authorization" not in headers


def test_request_transformer_does_not_replace_a_header_the_client_sent():
    _, _, _, headers, _ = auth("graphql", {"apikey": "anon-key", "content-profile": "public"})
    assert headers["content-profile"] == "public"


def test_acl_refuses_a_request_without_a_consumer():
    assert kong.authenticate([{"name": "acl", "config": {"allow": ["admin"]}}], {}, {}, [])[:2] == (
        403, "You cannot consume this service")


# ---- the proxy over HTTP ----------------------------------------------------------------------------
class Upstream(BaseHTTPRequestHandler):
    seen = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        Upstream.seen.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
        body = json.dumps({"path": self.path}).encode()
        self.send_response(418 if self.path.startswith("/teapot") else 200)
        self.send_header("content-type", "application/json")
        self.send_header("x-upstream", "yes")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET


@pytest.fixture()
def gateway():
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    threading.Thread(target=upstream.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True).start()
    cfg = load(config("http://127.0.0.1:%d" % upstream.server_port))
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), kong.make_handler(cfg))
    threading.Thread(target=proxy.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True).start()
    Upstream.seen.clear()
    yield "http://127.0.0.1:%d" % proxy.server_port
    proxy.shutdown()
    upstream.shutdown()


def call(url, headers=None, method="GET"):
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_an_allowed_request_reaches_the_upstream_with_the_consumer(gateway):
    status, headers, body = call(gateway + "/rest/v1/todos?select=id&apikey=anon-key")
    assert status == 200 and json.loads(body) == {"path": "/todos?select=id"}
    assert headers["x-upstream"] == "yes" and headers["access-control-allow-origin"] == "*"
    path, sent = Upstream.seen[-1]
    assert sent["x-consumer-username"] == "anon" and sent["x-forwarded-prefix"] == "/rest/v1/"


def test_the_upstream_s_error_status_is_passed_on(gateway):
    assert call(gateway + "/pg/teapot", {"apikey": "service-key"})[0] == 418


@pytest.mark.parametrize("path, headers, status, message", [
    ("/pg/tables", {"apikey": "anon-key"}, 403, "You cannot consume this service"),
    ("/rest/v1/todos", {}, 401, "No API key found in request"),
    ("/nothing-here", {}, None, None),
])
def test_a_refused_request_never_reaches_the_upstream(gateway, path, headers, status, message):
    if status is None:  # the dashboard route takes every other path: without credentials, 401
        status, message = 401, "Unauthorized"
    got, answer_headers, body = call(gateway + path, headers)
    assert (got, json.loads(body)) == (status, {"message": message})
    assert Upstream.seen == []


def test_studio_asks_for_basic_credentials(gateway):
    status, headers, _ = call(gateway + "/")
    assert status == 401 and headers["www-authenticate"] == 'Basic realm="kong"'
    assert call(gateway + "/", {"authorization": basic("supabase", "pw")})[0] == 200
    assert "authorization" not in Upstream.seen[-1][1]


def test_a_preflight_is_answered_by_cors(gateway):
    status, headers, _ = call(gateway + "/rest/v1/todos", method="OPTIONS")
    assert status == 200 and headers["access-control-allow-origin"] == "*"
    assert Upstream.seen == []


def test_no_route_is_404():
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), kong.make_handler(load(config(services=[config()["services"][0]]))))
    threading.Thread(target=proxy.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True).start()
    try:
        status, _, body = call("http://127.0.0.1:%d/storage/v1/x" % proxy.server_port)
        assert (status, json.loads(body)) == (404, {"message": "no Route matched with those values"})
    finally:
        proxy.shutdown()


def test_an_upstream_that_does_not_answer_is_502():
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), kong.make_handler(load(config("http://127.0.0.1:9"))))
    threading.Thread(target=proxy.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True).start()
    try:
        status, _, body = call("http://127.0.0.1:%d/auth/v1/verify" % proxy.server_port)
        assert status == 502 and "invalid response" in json.loads(body)["message"]
    finally:
        proxy.shutdown()


# ---- the command line -------------------------------------------------------------------------------
def test_health_is_0_while_the_proxy_answers_and_1_without_it(gateway):
    port = int(gateway.rsplit(":", 1)[1])
    assert kong.health(port) == 0
    assert kong.health(9) == 1


@pytest.mark.parametrize("argv", [[], ["migrations", "up"]])
def test_an_unknown_command_fails(argv):
    assert kong.main(argv, {}) == 1


def test_docker_start_fails_on_a_bad_file(tmp_path):
    path = tmp_path / "kong.json"
    path.write_text(json.dumps(config(_format_version="0.1")))
    assert kong.main(["docker-start"], {"KONG_DECLARATIVE_CONFIG": str(path), "KONG_PLUGINS": ",".join(PLUGINS)}) == 1
    assert kong.main(["docker-start"], {"KONG_DECLARATIVE_CONFIG": str(tmp_path / "missing.json")}) == 1


@pytest.mark.parametrize("url, path, query, wanted", [
    ("http://rest:3000/", "/rest/v1/todos", [("select", "id"), ("a", "")], "http://rest:3000/todos?select=id&a="),
    ("http://rest/", "/rest/v1/todos", [], "http://rest:80/todos"),
])
def test_the_target_is_the_service_s_host_port_path_and_query(url, path, query, wanted):
    route = {"path": "/rest/v1/", "strip": True, "url": kong.urlsplit(url)}
    assert kong.target_url(route, path, query) == wanted


def test_the_consumer_groups_are_joined_when_not_hidden():
    consumers = {"c": {"keys": ["k"], "groups": ["anon", "admin"], "basic": []}}
    _, _, _, headers, _ = kong.authenticate([{"name": "key-auth"}, {"name": "acl", "config": {"allow": ["admin"]}}], consumers, {"apikey": "k"}, [])
    assert headers["x-consumer-groups"] == "anon, admin" and headers["x-consumer-id"] == "c"


def test_hop_by_hop_headers_and_the_client_s_host_stay_at_the_gateway(gateway):
    call(gateway + "/rest/v1/x", {"apikey": "anon-key", "Host": "supabase.example.test", "Keep-Alive": "5", "TE": "trailers",
                                  "Trailers": "x", "Upgrade": "h2c", "Proxy-Authorization": "x", "Proxy-Authenticate": "x",
                                  "X-Kept": "yes"})
    sent = Upstream.seen[-1][1]
    assert sent["x-kept"] == "yes" and sent["host"].startswith("127.0.0.1:")
    assert not {"keep-alive", "te", "trailers", "upgrade", "proxy-authorization", "proxy-authenticate"} & set(sent)


def test_answers_carry_kong_s_headers(gateway):
    status, headers, body = call(gateway + "/pg/x", {"apikey": "anon-key"})
    assert headers["Server"] == "kong/2.8.1" and headers["content-type"] == "application/json; charset=utf-8"
    assert headers["content-length"] == str(len(body))


def test_a_preflight_lists_the_methods(gateway):
    _, headers, _ = call(gateway + "/rest/v1/todos", method="OPTIONS")
    assert headers["access-control-allow-methods"] == "GET,HEAD,PUT,PATCH,POST,DELETE,OPTIONS"


def test_a_post_body_reaches_the_upstream(gateway):
    request = urllib.request.Request(gateway + "/rest/v1/rpc", data=b'{"a": 1}', method="POST",
                                     headers={"apikey": "service-key", "content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert json.loads(response.read()) == {"path": "/rpc"}


def test_an_upstream_that_does_not_answer_says_so_exactly():
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), kong.make_handler(load(config("http://127.0.0.1:9"))))
    threading.Thread(target=proxy.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True).start()
    try:
        _, _, body = call("http://127.0.0.1:%d/auth/v1/verify" % proxy.server_port)
        assert json.loads(body) == {"message": "An invalid response was received from the upstream server"}
    finally:
        proxy.shutdown()


def test_health_says_where_kong_runs(gateway, capsys):
    kong.health(int(gateway.rsplit(":", 1)[1]))
    assert capsys.readouterr().out == "Kong is healthy at /usr/local/kong\n"
    kong.health(9)
    assert capsys.readouterr().out.startswith("Error: Kong is not running at 127.0.0.1:9 (")


def test_health_asks_the_proxy_port_of_the_setting(monkeypatch):
    asked = []
    monkeypatch.setattr(kong, "health", lambda port: asked.append(port) or 0)
    assert kong.main(["health"], {"KONG_PROXY_PORT": "8123"}) == 0 and kong.main(["health"], {}) == 0
    assert asked == [8123, 8000]


class FakeServer:
    started = []

    def __init__(self, address, handler):
        self.address = address

    def serve_forever(self):
        FakeServer.started.append(self.address)


@pytest.mark.parametrize("command", ["docker-start", "start"])
def test_docker_start_serves_the_file_on_the_proxy_port(tmp_path, monkeypatch, capsys, command):
    path = tmp_path / "kong.json"
    path.write_text(json.dumps(config()))
    FakeServer.started = []
    monkeypatch.setattr(kong, "ThreadingHTTPServer", FakeServer)
    assert kong.main([command], {"KONG_DECLARATIVE_CONFIG": str(path), "KONG_PLUGINS": " cors , key-auth,acl,basic-auth,request-transformer"}) == 0
    assert FakeServer.started == [("0.0.0.0", 8000)]
    assert capsys.readouterr().err == "kong-standin: 5 routes from %s on :8000\n" % path


def test_the_bundled_plugins_are_every_plugin_kong_ships(tmp_path, monkeypatch):
    path = tmp_path / "kong.json"
    path.write_text(json.dumps(config()))
    monkeypatch.setattr(kong, "ThreadingHTTPServer", FakeServer)
    assert kong.main(["docker-start"], {"KONG_DECLARATIVE_CONFIG": str(path), "KONG_PROXY_PORT": "8001"}) == 0
    assert kong.main(["docker-start"], {"KONG_DECLARATIVE_CONFIG": str(path), "KONG_PLUGINS": "bundled,cors"}) == 0


def test_a_bad_file_is_reported_with_its_path(tmp_path, capsys):
    path = tmp_path / "kong.json"
    path.write_text("[]")
    assert kong.main(["docker-start"], {"KONG_DECLARATIVE_CONFIG": str(path)}) == 1
    assert capsys.readouterr().err == "Error: %s: failed parsing declarative configuration: expected an object\n" % path


def test_usage_names_the_commands(capsys):
    assert kong.main(["migrations"], {}) == 1
    assert capsys.readouterr().err == "Usage: kong COMMAND [OPTIONS] (docker-start, health)\n"
