# Issue 17: Supabase's opt-in parts as the role's validation phase builds them (tests/unit/playbooks/
# role_rendered.yml: the real validate.yml against this machine, nothing changed). Logflare and
# Vector cannot run here (ENVIRONMENT.md): what is checked is what they are given - Vector reads the
# logs through a read-only Docker API proxy, never the socket (B8), routes each service's lines to the
# Logflare source Studio's Logs pages query, and sends with the token Logflare is given (L0).
import json
import re

import pytest

import role_validation

FULL = {"supabase_analytics_enabled": True, "supabase_realtime_enabled": True, "supabase_imgproxy_enabled": True,
        "supabase_functions_enabled": True}
# The Logflare source Studio queries for each service's logs (upstream's docker/volumes/logs/vector.yml).
SOURCES = {"supabase-kong": "cloudflare.logs.prod", "supabase-auth": "gotrue.logs.prod",
           "supabase-rest": "postgREST.logs.prod", "supabase-storage": "storage.logs.prod.2",
           "supabase-realtime": "realtime.logs.prod", "supabase-functions": "deno-relay-logs"}


def validation(extra_vars):
    return role_validation.validation("supabase", extra_vars)


def rendered(extra_vars):
    msg = role_validation.shown("supabase", extra_vars)
    files = {f["path"]: f for f in msg["files"]["files"]}
    return msg["document"]["services"], files, msg["shared_instance_databases"]


@pytest.fixture(scope="module")
def full():
    return rendered(FULL)


@pytest.fixture(scope="module")
def default():
    return rendered({})


def env_file(files, name):
    return dict(line.split("=", 1) for line in files[name]["content"].splitlines())


def test_the_full_profile_passes_validation_with_every_part(full):
    services, files, _ = full
    assert sorted(services) == ["supabase-analytics", "supabase-auth", "supabase-docker-api-proxy", "supabase-functions",
                                "supabase-imgproxy", "supabase-kong", "supabase-meta", "supabase-realtime", "supabase-rest",
                                "supabase-storage", "supabase-studio", "supabase-vector"]


def test_only_the_proxy_mounts_the_docker_socket_and_it_has_no_network(full):
    services, _, _ = full
    mounting = [name for name, service in services.items()
                if any(volume.startswith("/var/run/docker.sock:") for volume in service.get("volumes", []))]
    assert mounting == ["supabase-docker-api-proxy"]
    proxy = services["supabase-docker-api-proxy"]
    assert proxy["network_mode"] == "none" and proxy["read_only"] is True and proxy["user"] == "99:99"
    assert "/var/run/docker.sock:/var/run/docker.sock:ro" in proxy["volumes"]


def proxy_allows(files, method, path):
    """The proxy's two ACLs, as HAProxy evaluates them: the method list and the path's regular expression."""
    config = files["haproxy.cfg"]["content"]
    methods = re.search(r"^\s*acl read_method method (.+)$", config, re.M).group(1).split()
    pattern = re.search(r"^\s*acl read_path path_reg (.+)$", config, re.M).group(1)
    assert re.search(r"^\s*http-request deny deny_status 403 unless read_method read_path$", config, re.M)
    return method in methods and re.search(pattern, path) is not None


@pytest.mark.parametrize("method, path, allowed", [
    ("GET", "/v1.47/containers/json", True),
    ("GET", "/v1.47/events", True),
    ("GET", "/containers/3f2a9c/json", True),
    ("GET", "/v1.47/containers/supabase-supabase-auth-1/logs", True),
    ("HEAD", "/_ping", True),
    ("POST", "/v1.47/containers/3f2a9c/logs", False),
    ("POST", "/v1.47/containers/create", False),
    ("POST", "/v1.47/containers/3f2a9c/exec", False),
    ("GET", "/v1.47/containers/3f2a9c/archive", False),
    ("GET", "/v1.47/containers/3f2a9c/export", False),
    ("GET", "/v1.47/containers/3f2a9c/logs/x", False),
    ("GET", "/v1.47/images/json", False),
    ("DELETE", "/v1.47/containers/3f2a9c", False),
])
def test_the_proxy_lets_through_only_the_reads_vector_needs(full, method, path, allowed):
    assert proxy_allows(full[1], method, path) is allowed


def vector(files):
    return json.loads(files["vector/vector.json"]["content"])


def test_vector_reads_the_logs_through_the_proxy_s_socket(full):
    services, files, _ = full
    source = vector(files)["sources"]["containers"]
    assert source["type"] == "docker_logs" and source["docker_host"] == "unix:///run/docker-api/docker.sock"
    assert "bind unix@/run/docker-api/docker.sock mode 660" in files["haproxy.cfg"]["content"]
    assert "./docker-api:/run/docker-api:ro" in services["supabase-vector"]["volumes"]
    assert "./docker-api:/run/docker-api" in services["supabase-docker-api-proxy"]["volumes"]
    # root without capabilities in Vector: the socket's group (the proxy's) is its way in
    assert services["supabase-vector"]["group_add"] == [services["supabase-docker-api-proxy"]["user"].split(":")[1]]
    assert source["include_containers"] == ["supabase-", "supabase-db-postgres-1"]
    assert source["exclude_containers"] == ["supabase-supabase-vector-"]


def test_each_service_s_lines_reach_the_source_studio_queries(full):
    services, files, _ = full
    config = vector(files)
    routes = config["transforms"]["by_service"]["route"]
    reached = {}
    for route, condition in routes.items():
        name = json.loads(condition.split(" == ", 1)[1])
        parse = "parse_" + route
        assert config["transforms"][parse]["inputs"] == ["by_service." + route]
        (sink,) = [s for s in config["sinks"].values() if s["inputs"] == [parse]]
        reached[name] = sink["uri"].split("source_name=", 1)[1]
    # every service that has a source is routed (by its Compose service label), the database by its container
    assert reached == dict(SOURCES, **{"supabase-db-postgres-1": "postgres.logs"})
    assert all(name in services for name in SOURCES)


def test_every_input_of_vector_s_graph_exists(full):
    config = vector(full[1])
    outputs = set(config["sources"]) | set(config["transforms"])
    outputs |= {"by_service." + route for route in config["transforms"]["by_service"]["route"]}
    inputs = [i for part in list(config["transforms"].values()) + list(config["sinks"].values()) for i in part["inputs"]]
    assert inputs and set(inputs) <= outputs


def test_vector_sends_with_the_token_logflare_is_given_and_studio_reads_with(full):
    services, files, _ = full
    analytics = env_file(files, "analytics.env")
    studio = env_file(files, "studio.env")
    tokens = {s["request"]["headers"]["x-api-key"] for s in vector(files)["sinks"].values()}
    assert tokens == {analytics["LOGFLARE_PUBLIC_ACCESS_TOKEN"]} == {studio["LOGFLARE_PUBLIC_ACCESS_TOKEN"]}
    assert studio["LOGFLARE_PRIVATE_ACCESS_TOKEN"] == analytics["LOGFLARE_PRIVATE_ACCESS_TOKEN"] != tokens.pop()
    assert {s["uri"].split("/api/")[0] for s in vector(files)["sinks"].values()} == {"http://supabase-analytics:4000"}
    assert services["supabase-studio"]["environment"]["LOGFLARE_URL"] == "http://supabase-analytics:4000"
    assert services["supabase-studio"]["environment"]["NEXT_PUBLIC_ENABLE_LOGS"] == "true"


def test_logflare_writes_to_a_database_of_its_own_as_its_owner(full):
    services, files, _ = full
    environment = services["supabase-analytics"]["environment"]
    assert (environment["DB_DATABASE"], environment["DB_USERNAME"], environment["DB_SCHEMA"]) == (
        "_supabase", "supabase_analytics", "_analytics")
    analytics = env_file(files, "analytics.env")
    assert analytics["POSTGRES_BACKEND_URL"] == "postgresql://supabase_analytics:%s@supabase-db:5432/_supabase" % (
        analytics["DB_PASSWORD"])


@pytest.mark.parametrize("path", ["analytics.env", "vector/vector.json", "studio.env"])
def test_the_files_with_logflare_s_tokens_are_root_s_alone(full, path):
    assert (full[1][path]["owner"], full[1][path]["mode"]) == ("0", "0600")


def test_without_analytics_nothing_touches_docker_and_studio_shows_no_logs(default):
    services, files, shared = default
    assert not {"supabase-analytics", "supabase-vector", "supabase-docker-api-proxy"} & set(services)
    assert not [v for s in services.values() for v in s.get("volumes", []) if "docker.sock" in v]
    assert "haproxy.cfg" not in files and "vector/vector.json" not in files
    assert "LOGFLARE_PUBLIC_ACCESS_TOKEN" not in env_file(files, "studio.env")
    assert services["supabase-studio"]["environment"]["NEXT_PUBLIC_ENABLE_LOGS"] == "false"
    assert [entry["name"] for entry in shared if entry["name"] == "_supabase"] == []


def test_on_the_shared_instance_the_postgres_role_makes_the_analytics_database():
    _, _, shared = rendered({"supabase_analytics_enabled": True, "supabase_database_instance": "shared",
                             "postgres_container_image_name": "supabase/postgres", "postgres_container_image_tag": "17.6.1.084"})
    (entry,) = [entry for entry in shared if entry["name"] == "_supabase"]
    assert (entry["name"], entry["user"], entry["schemas"]) == ("_supabase", "supabase_analytics", ["_analytics"])
    assert re.fullmatch("[A-Za-z0-9]{40}", entry["password"])


@pytest.mark.parametrize("bad, named", [
    ({"supabase_logflare_public_access_token": "short"}, "supabase_logflare_public_access_token and"),
    ({"supabase_logflare_private_access_token": "x" * 40, "supabase_logflare_public_access_token": "x" * 40},
     "must be two different tokens"),
    ({"supabase_analytics_database": {"name": "_supabase", "user": "supabase_analytics", "password": "p" * 40, "schemas": []}},
     "supabase_analytics_database needs the schema Logflare writes to"),
])
def test_bad_analytics_settings_are_refused_in_the_validation_phase(bad, named):
    tasks, failed = validation(dict(bad, supabase_analytics_enabled=True))
    assert len(failed) == 1 and named in failed[0]
    assert "Show the document and its files" not in [t["task"]["name"] for t in tasks]


def test_realtime_is_healthy_when_its_seeded_tenant_is(full):
    services, files, _ = full
    test = services["supabase-realtime"]["healthcheck"]["test"]
    (anon,) = [c["keyauth_credentials"][0]["key"] for c in json.loads(files["kong/kong.json"]["content"])["consumers"]
               if c["username"] == "anon"]
    assert test[-1] == "http://localhost:4000/api/tenants/realtime-dev/health"
    assert "Authorization: Bearer " + anon in test
