# The Engine API reads of compose_files, against a unix-socket double of the Engine (issue 11).
import json
import os

import pytest

from ansible_collections.selfhosted.ai_stack.plugins.module_utils import engine_api


@pytest.mark.parametrize("host, path", [
    ("unix:///var/run/docker.sock", "/var/run/docker.sock"),
    ("unix:///run/user/1000/docker.sock", "/run/user/1000/docker.sock"),
    ("tcp://127.0.0.1:2375", None),
    ("/var/run/docker.sock", None),
])
def test_socket_path_reads_only_unix_hosts(host, path):
    assert engine_api.socket_path(host) == path


def test_project_containers_asks_for_every_container_with_the_project_label(engine):
    filters = json.dumps({"label": ["com.docker.compose.project=redis"]})
    url = "/containers/json?all=1&filters=" + engine_api.quote(filters, safe="")
    server = engine({url: (200, [{"Id": "1"}])})
    client = engine_api.EngineClient(server.server_address)
    assert client.project_containers("redis") == [{"Id": "1"}]
    assert server.requested == [url]
    assert "%22com.docker.compose.project%3Dredis%22" in url


def test_project_containers_of_an_unknown_project_is_empty(engine):
    server = engine({})
    assert engine_api.EngineClient(server.server_address).project_containers("nothing") == []


def test_image_id_keeps_the_reference_readable_and_is_none_for_a_missing_image(engine):
    server = engine({"/images/aistack-test/redis:7.0/json": (200, {"Id": "sha256:abc"})})
    client = engine_api.EngineClient(server.server_address)
    assert client.image_id("aistack-test/redis:7.0") == "sha256:abc"
    assert client.image_id("gone:1") is None
    assert server.requested == ["/images/aistack-test/redis:7.0/json", "/images/gone:1/json"]


def test_image_is_the_inspect_document_or_none(engine):
    document = {"Id": "sha256:abc", "Config": {"Labels": {"org.aistack.build-sha": "x"}}}
    server = engine({"/images/app:1/json": (200, document)})
    client = engine_api.EngineClient(server.server_address)
    assert client.image("app:1") == document
    assert client.image("gone:1") is None


def test_network_exists_only_when_the_engine_knows_it(engine):
    server = engine({"/networks/aistack": (200, {"Name": "aistack"})})
    client = engine_api.EngineClient(server.server_address)
    assert client.network_exists("aistack") is True
    assert client.network_exists("other") is False


def test_get_returns_the_status_and_the_decoded_body(engine):
    server = engine({"/a": (200, {"x": [1]}), "/b": (500, {"message": "boom"})})
    client = engine_api.EngineClient(server.server_address)
    assert client.get("/a") == (200, {"x": [1]})
    assert client.get("/b") == (500, None)


def test_a_missing_socket_is_engine_unavailable(socket_dir):
    client = engine_api.EngineClient(os.path.join(socket_dir, "none.sock"), timeout=2)
    with pytest.raises(engine_api.EngineUnavailable):
        client.get("/_ping")


def test_the_timeout_reaches_the_socket(socket_dir):
    assert engine_api.EngineClient("/x").timeout == 10
    connection = engine_api._UnixConnection("/x", 3)
    assert connection.timeout == 3 and connection.socket_path == "/x"
