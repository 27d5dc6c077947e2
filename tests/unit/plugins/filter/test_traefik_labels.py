import re

import pytest
from ansible.errors import AnsibleFilterError
from passlib.hash import bcrypt

from ansible_collections.selfhosted.ai_stack.plugins.filter.traefik_labels import traefik_labels

KEY = "k" * 40
APP = {"name": "app", "host": "app.example.com", "port": 8080}


def test_public_route_labels():
    labels = traefik_labels([APP], "example.com")
    assert labels == {
        "traefik.enable": "true",
        "traefik.docker.network": "aistack",
        "traefik.http.routers.app.rule": "Host(`app.example.com`)",
        "traefik.http.routers.app.entrypoints": "websecure",
        "traefik.http.routers.app.tls": "true",
        "traefik.http.routers.app.service": "app",
        "traefik.http.routers.app.middlewares": "public@file",
        "traefik.http.services.app.loadbalancer.server.port": "8080",
    }


def test_no_routes_no_labels():
    assert traefik_labels([], "example.com") == {}


def test_admin_class_path_prefix_and_extra_middlewares():
    route = dict(APP, host="example.com", path_prefix="/admin", middlewares=["strip@file"])
    route["class"] = "admin"
    labels = traefik_labels([route], "example.com", network="edge")
    assert labels["traefik.http.routers.app.rule"] == "Host(`example.com`) && PathPrefix(`/admin`)"
    assert labels["traefik.http.routers.app.middlewares"] == "admin@file,strip@file"
    assert labels["traefik.docker.network"] == "edge"


def test_internal_service_has_no_port_label():
    labels = traefik_labels([{"name": "dashboard", "host": "traefik.example.com", "service": "api@internal"}], "example.com")
    assert labels["traefik.http.routers.dashboard.service"] == "api@internal"
    assert not any(".services." in key for key in labels)


def test_auth_users_are_bcrypt_lines_escaped_for_compose():
    route = dict(APP, auth={"users": [{"name": "admin", "password": "pw-one"}, {"name": "ops", "password": "pw-two"}]})
    labels = traefik_labels([route], "example.com", salt_key=KEY)
    users = labels["traefik.http.middlewares.app-auth.basicauth.users"]
    assert "$$2y$$" in users
    lines = users.replace("$$", "$").split(",")
    assert [line.split(":", 1)[0] for line in lines] == ["admin", "ops"]
    assert bcrypt.verify("pw-one", lines[0].split(":", 1)[1])
    assert labels["traefik.http.routers.app.middlewares"] == "public@file,app-auth"
    # Deterministic: a re-run renders the same labels and recreates nothing.
    assert traefik_labels([route], "example.com", salt_key=KEY) == labels


def test_cdn_adds_a_router_for_cdn_traffic_only():
    labels = traefik_labels([APP], "example.com", cdn_trusted_ips=["173.245.48.0/20", "2400:cb00::/32", "10.0.0.7"])
    assert labels["traefik.http.routers.app.middlewares"] == "public@file"
    assert labels["traefik.http.routers.app-cdn.middlewares"] == "public-cdn@file"
    assert labels["traefik.http.routers.app-cdn.rule"] == (
        "(Host(`app.example.com`)) && (ClientIP(`173.245.48.0/20`) || ClientIP(`2400:cb00::/32`) || ClientIP(`10.0.0.7/32`))"
    )
    assert labels["traefik.http.routers.app-cdn.service"] == "app"
    # Traefik's default priority is the rule length: the CDN router must win for CDN traffic.
    assert len(labels["traefik.http.routers.app-cdn.rule"]) > len(labels["traefik.http.routers.app.rule"])


def test_allow_list_comes_first_and_follows_the_cdn():
    route = dict(APP, allowed_ips=["192.0.2.10", "198.51.100.0/24"])
    labels = traefik_labels([route], "example.com", cdn_trusted_ips=["10.0.0.0/8"])
    assert labels["traefik.http.middlewares.app-allow.ipallowlist.sourcerange"] == "192.0.2.10/32,198.51.100.0/24"
    assert "traefik.http.middlewares.app-allow.ipallowlist.ipstrategy.depth" not in labels
    assert labels["traefik.http.middlewares.app-allow-cdn.ipallowlist.ipstrategy.depth"] == "1"
    assert labels["traefik.http.routers.app.middlewares"] == "app-allow,public@file"
    assert labels["traefik.http.routers.app-cdn.middlewares"] == "app-allow-cdn,public-cdn@file"


def test_no_routes_need_no_domain():
    assert traefik_labels([], "") == {}


@pytest.mark.parametrize(
    "routes, kwargs, message",
    [
        ([dict(APP, host="app.other.org")], {}, "routes[0] (app): host 'app.other.org' is not under the domain 'example.com'"),
        ([dict(APP, host="evilexample.com")], {}, "is not under the domain"),
        ([dict(APP, **{"class": "internal"})], {}, "class 'internal' is unknown"),
        ([dict(APP, port=None)], {}, "port None"),
        ([dict(APP, port=70000)], {}, "port 70000"),
        ([dict(APP, port="8080")], {}, "port '8080'"),
        ([dict(APP, name="App_1")], {}, "name 'App_1'"),
        ([APP, APP], {}, "two routes are named 'app'"),
        ([dict(APP, auth={"users": [{"name": "admin", "password": ""}]})], {"salt_key": KEY}, "auth user 'admin' has no password"),
        ([dict(APP, auth={"users": [{"name": "admin"}]})], {"salt_key": KEY}, "auth user 'admin' has no password"),
        ([dict(APP, auth={"users": []})], {"salt_key": KEY}, "auth needs users"),
        ([dict(APP, auth={"users": [{"name": "admin", "password": "pw"}]})], {}, "salt_key"),
        ([dict(APP, middlewares="compress")], {}, "middlewares must be a list"),
        ([dict(APP, path_prefix="admin")], {}, "path_prefix 'admin'"),
        ([APP], {"cdn_trusted_ips": ["cloudflare"]}, "aistack_cdn_trusted_ips: 'cloudflare'"),
        ("app", {}, "must be a list of routes"),
        ([dict(APP, allowed_ips=["everyone"])], {}, "allowed_ips: 'everyone' is not an IP address"),
        ([dict(APP, allowed_ips=[])], {}, "allowed_ips is empty"),
    ],
)
def test_bad_routes_are_refused_naming_the_route(routes, kwargs, message):
    with pytest.raises(AnsibleFilterError, match=re.escape(message)):
        traefik_labels(routes, "example.com", **kwargs)


@pytest.mark.parametrize("domain", ["", None, "localhost", "Example.com", "exa mple.com"])
def test_bad_domain_is_refused(domain):
    with pytest.raises(AnsibleFilterError, match="aistack_domain"):
        traefik_labels([APP], domain)


def test_error_names_the_callers_variable():
    with pytest.raises(AnsibleFilterError, match=r"ollama_routes\[0\]"):
        traefik_labels([dict(APP, port=0)], "example.com", variable="ollama_routes")


SECRET = "Very-Secret-Passw0rd-42"


@pytest.mark.parametrize(
    "routes",
    [
        [dict(APP, auth={"users": [{"name": "ad:min", "password": SECRET}]})],
        [dict(APP, name="App", auth={"users": [{"name": "admin", "password": SECRET}]})],
        [[{"name": "admin", "password": SECRET}]],
        {"auth": {"users": [{"name": "admin", "password": SECRET}]}},
    ],
)
def test_problems_are_listed_without_quoting_a_password(routes):
    """The labels are built with no_log; the problem list is what the operator sees, so it must not leak."""
    problems = traefik_labels(routes, "example.com", salt_key=KEY, problems=True)
    assert len(problems) == 1
    assert SECRET not in problems[0]
    with pytest.raises(AnsibleFilterError) as raised:
        traefik_labels(routes, "example.com", salt_key=KEY)
    assert str(raised.value) == problems[0]


def test_good_routes_have_no_problems():
    assert traefik_labels([APP], "example.com", problems=True) == []


AUTH = {"users": [{"name": "admin", "password": SECRET}]}


# The whole message, as the operator reads it: the variable, the route and the fix.
@pytest.mark.parametrize("routes, kwargs, message", [
    ([APP], {"domain": "localhost"}, "aistack_domain is 'localhost': set it to the DNS domain the stack is served under, e.g. ai.example.com"),
    ([APP], {"cdn_trusted_ips": "10.0.0.0/8"}, "aistack_cdn_trusted_ips must be a list of IP addresses or CIDR ranges, got '10.0.0.0/8'"),
    ([APP], {"cdn_trusted_ips": ["cdn"]}, "aistack_cdn_trusted_ips: 'cdn' is not an IP address or CIDR range (example: 173.245.48.0/20)"),
    ("app", {}, "routes must be a list of routes, got a str"),
    (["app"], {}, "routes[0] must be a mapping with name, host and port, got a str"),
    ([dict(APP, name="App")], {}, "routes[0]: name 'App' must be lower-case letters, digits and '-'"),
    ([dict(APP, host=None)], {}, "routes[0] (app): host None is not a DNS name"),
    ([dict(APP, host="app.other.org")], {}, "routes[0] (app): host 'app.other.org' is not under the domain 'example.com' "
     "(aistack_domain); use app.example.com or change the domain"),
    ([dict(APP, **{"class": "x"})], {}, "routes[0] (app): class 'x' is unknown; use one of public, admin"),
    ([dict(APP, service=123)], {}, "routes[0] (app): service 123 must name a Traefik service with its provider, e.g. api@internal"),
    ([dict(APP, port=0)], {}, "routes[0] (app): port 0 must be the container's internal port (1-65535)"),
    ([dict(APP, port=65536)], {}, "routes[0] (app): port 65536 must be the container's internal port (1-65535)"),
    ([dict(APP, path_prefix="a b")], {}, "routes[0] (app): path_prefix 'a b' must start with / and contain no spaces or quotes"),
    ([dict(APP, middlewares=[5])], {}, "routes[0] (app): middlewares must be a list of middleware names such as my-headers@file, got [5]"),
    ([dict(APP, allowed_ips=[])], {}, "routes[0] (app): allowed_ips is empty; leave it out for no allow-list"),
    ([dict(APP, auth={"users": []})], {}, "routes[0] (app): auth needs users: [{name, password}]"),
    ([dict(APP, auth={"users": [{"name": "ad:min", "password": SECRET}]})], {},
     "routes[0] (app): every auth user needs a name without ':', got 'ad:min'"),
    ([dict(APP, auth={"users": [{"name": "admin"}]})], {},
     "routes[0] (app): auth user 'admin' has no password; set one or derive it with selfhosted.ai_stack.derive_secret"),
    ([APP, APP], {}, "routes: two routes are named 'app'; names are global in Traefik"),
])
def test_refusal_messages_in_full(routes, kwargs, message):
    arguments = dict({"domain": "example.com", "salt_key": KEY}, **kwargs)
    assert traefik_labels(routes, arguments.pop("domain"), problems=True, **arguments) == [message]


@pytest.mark.parametrize("port", [1, 65535])
def test_the_first_and_last_port_are_accepted(port):
    assert traefik_labels([dict(APP, port=port)], "example.com")["traefik.http.services.app.loadbalancer.server.port"] == str(port)


def test_the_realm_is_the_route_name_unless_set():
    plain = traefik_labels([dict(APP, auth=AUTH)], "example.com", salt_key=KEY)
    named = traefik_labels([dict(APP, auth=dict(AUTH, realm="stack"))], "example.com", salt_key=KEY)
    assert plain["traefik.http.middlewares.app-auth.basicauth.realm"] == "app"
    assert named["traefik.http.middlewares.app-auth.basicauth.realm"] == "stack"


def test_an_address_with_host_bits_is_taken_as_its_network():
    labels = traefik_labels([dict(APP, allowed_ips=["10.1.2.3/8"])], "example.com")
    assert labels["traefik.http.middlewares.app-allow.ipallowlist.sourcerange"] == "10.0.0.0/8"


def test_auth_without_a_salt_key_names_the_variable():
    with pytest.raises(AnsibleFilterError) as raised:
        traefik_labels([dict(APP, auth=AUTH)], "example.com", variable="myapp_routes")
    assert str(raised.value) == "myapp_routes: routes with auth need salt_key=aistack_secret_key"
