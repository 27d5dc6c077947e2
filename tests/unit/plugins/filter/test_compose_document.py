# DESIGN "How one component is deployed": hardened defaults on every service, refusals before change.
import copy
from collections.abc import Mapping

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.selfhosted.ai_stack.plugins.filter.compose_document import compose_document
from ansible_collections.selfhosted.ai_stack.plugins.plugin_utils.compose import CONFIG_HASH_LABEL, image_is_pinned, plain_copy


def service(**overrides):
    base = {
        "image": "redis:7.4.6-bookworm",
        "healthcheck": {"test": ["CMD", "true"]},
        "deploy": {"resources": {"limits": {"cpus": "1", "memory": "96M"}, "reservations": {"memory": "32M"}}},
    }
    base.update(overrides)
    return base


def test_hardened_defaults_are_added():
    doc = compose_document("redis", {"redis": service()}, "aistack", ["data"])
    svc = doc["services"]["redis"]
    assert doc["name"] == "redis"
    assert svc["restart"] == "unless-stopped"
    assert svc["logging"] == {"driver": "json-file", "options": {"max-size": "10m", "max-file": "3"}}
    assert svc["security_opt"] == ["no-new-privileges:true"]
    assert svc["cap_drop"] == ["ALL"]
    assert svc["networks"] == ["aistack"]
    assert doc["networks"] == {"aistack": {"external": True, "name": "aistack"}}
    assert doc["volumes"] == {"data": {}}


def test_other_networks_are_private_to_the_project():
    services = {"edge": service(networks=["aistack", "docker-api"]), "proxy": service(networks=["docker-api"])}
    doc = compose_document("traefik", services, "aistack")
    assert doc["networks"] == {"aistack": {"external": True, "name": "aistack"}, "docker-api": {"internal": True}}
    assert doc["services"]["proxy"]["networks"] == ["docker-api"]


def test_component_values_win_but_no_new_privileges_stays():
    doc = compose_document("x", {"x": service(restart="always", security_opt=["apparmor:unconfined"], cap_add=["CHOWN"])}, "net")
    svc = doc["services"]["x"]
    assert svc["restart"] == "always"
    assert svc["security_opt"] == ["no-new-privileges:true", "apparmor:unconfined"]
    assert svc["cap_add"] == ["CHOWN"]


def test_input_is_not_modified():
    services = {"x": service()}
    before = copy.deepcopy(services)
    compose_document("x", services, "net")
    assert services == before


def test_config_hash_follows_file_contents():
    one = compose_document("x", {"x": service()}, "net", file_contents=["a=1"])
    same = compose_document("x", {"x": service()}, "net", file_contents=["a=1"])
    other = compose_document("x", {"x": service()}, "net", file_contents=["a=2"])
    label = lambda doc: doc["services"]["x"]["labels"][CONFIG_HASH_LABEL]  # noqa: E731
    assert label(one) == label(same)
    assert label(one) != label(other)


def test_a_changed_file_relabels_only_the_services_that_mount_it():
    services = {
        "edge": service(volumes=["./edge.yml:/etc/edge.yml:ro", "./dynamic:/etc/dynamic:ro", "data:/data"]),
        "proxy": service(volumes=["./proxy.cfg:/etc/proxy.cfg:ro"]),
        "plain": service(),
    }

    def labels(edge="a", dynamic="b", proxy="c"):
        files = [{"path": "edge.yml", "content": edge}, {"path": "dynamic/tls.yml", "content": dynamic},
                 {"path": "proxy.cfg", "content": proxy}]
        doc = compose_document("p", services, "net", file_contents=files)
        return dict((name, svc["labels"][CONFIG_HASH_LABEL]) for name, svc in doc["services"].items())

    base = labels()
    assert labels(dynamic="changed") == dict(base, edge=labels(dynamic="changed")["edge"])
    assert labels(dynamic="changed")["edge"] != base["edge"]
    assert labels(proxy="changed")["edge"] == base["edge"] and labels(proxy="changed")["proxy"] != base["proxy"]
    assert labels(edge="x", dynamic="y", proxy="z")["plain"] == base["plain"]


def test_existing_labels_are_kept():
    doc = compose_document("x", {"x": service(labels={"traefik.enable": "true"})}, "net")
    assert doc["services"]["x"]["labels"]["traefik.enable"] == "true"


def test_publish_allowed_only_for_listed_services():
    doc = compose_document("traefik", {"traefik": service(ports=["80:80"])}, "net", publish=["traefik"])
    assert doc["services"]["traefik"]["ports"] == ["80:80"]


def test_publish_is_keyed_on_the_service_not_the_project():
    # Issue 12: another service of the publishing project may not publish.
    services = {"traefik": service(ports=["80:80"]), "docker-api-proxy": service(ports=["2375:2375"])}
    with pytest.raises(AnsibleFilterError, match="service 'docker-api-proxy' publishes ports"):
        compose_document("traefik", services, "net", publish=["traefik"])


@pytest.mark.parametrize(
    "overrides, message",
    [
        (dict(healthcheck=None), "has no healthcheck"),
        (dict(healthcheck={"disable": True, "test": ["NONE"]}), "has no healthcheck"),
        (dict(healthcheck={"interval": "5s"}), "has no healthcheck"),
        (dict(healthcheck={"test": ["NONE"]}), "has no healthcheck"),
        (dict(healthcheck={"test": "NONE"}), "has no healthcheck"),
        (dict(image="redis"), "not pinned"),
        (dict(image="redis:latest"), "not pinned"),
        (dict(image="registry:5000/redis"), "not pinned"),
        (dict(image=None), "not pinned"),
        (dict(deploy={}), "deploy.resources"),
        (dict(deploy={"resources": {"limits": {"cpus": "1", "memory": "1G"}}}), "reservations.memory"),
        (dict(container_name="redis"), "container_name"),
        (dict(ports=["6379:6379"]), "only Traefik publishes"),
        (dict(privileged=True), "privileged"),
    ],
)
def test_refusals(overrides, message):
    with pytest.raises(AnsibleFilterError, match=message) as err:
        compose_document("redis", {"redis": service(**overrides)}, "aistack")
    assert "'redis'" in str(err.value)
    # The document is built with no_log; problems=True is how the role says why without printing it.
    assert compose_document("redis", {"redis": service(**overrides)}, "aistack", problems=True) == [str(err.value)]


def test_a_good_document_has_no_problems():
    assert compose_document("redis", {"redis": service()}, "aistack", problems=True) == []


@pytest.mark.parametrize("project, services", [("Bad Name", {"x": service()}), ("ok", {}), ("ok", {"Bad": service()})])
def test_bad_project_or_service_names(project, services):
    with pytest.raises(AnsibleFilterError):
        compose_document(project, services, "aistack")


@pytest.mark.parametrize(
    "image, pinned",
    [
        ("redis:7.4.6", True),
        ("docker.io/library/redis:7.4.6-bookworm", True),
        ("registry:5000/team/redis:1.2", True),
        ("redis@sha256:" + "a" * 64, True),
        ("redis:7@sha256:" + "b" * 64, True),
        ("redis", False),
        ("redis:latest", False),
        ("registry:5000/redis", False),
        ("", False),
        (None, False),
    ],
)
def test_image_is_pinned(image, pinned):
    assert image_is_pinned(image) is pinned


class _ReadOnlyMapping(Mapping):
    """Stands for ansible-core's lazy template containers: a Mapping that is not a dict."""

    def __init__(self, data):
        self._data = data

    def __getitem__(self, key):
        return self._data[key]

    def __iter__(self):
        return iter(self._data)

    def __len__(self):
        return len(self._data)

    def __deepcopy__(self, memo):
        raise AssertionError("deepcopy of a template container copies its whole context")


def test_plain_copy_makes_plain_independent_containers():
    inner = {"a": [1, (2, 3)], "b": {"c": "d"}}
    copied = plain_copy(_ReadOnlyMapping(inner))
    assert copied == {"a": [1, [2, 3]], "b": {"c": "d"}}
    assert type(copied) is dict and type(copied["a"][1]) is list
    copied["a"].append(4)
    copied["b"]["c"] = "changed"
    assert inner == {"a": [1, (2, 3)], "b": {"c": "d"}}


def test_services_given_as_mappings_are_copied_without_deepcopy():
    svc = _ReadOnlyMapping(dict(service(), environment=_ReadOnlyMapping({"A": "1"})))
    doc = compose_document("redis", {"redis": svc}, "aistack")
    assert doc["services"]["redis"]["environment"] == {"A": "1"}
    assert type(doc["services"]["redis"]["environment"]) is dict


@pytest.mark.parametrize("entry, message", [
    ({"path": "/etc/passwd", "content": "x"}, "offending path: '/etc/passwd'"),
    ({"path": "conf/../../x", "content": "x"}, "offending path: 'conf/../../x'"),
    ({"path": "", "content": "x"}, "offending path: ''"),
    ({"content": "x"}, "offending path: None"),
    ({"path": "redis.conf"}, "file redis.conf has no `content`"),
])
def test_files_outside_the_project_or_without_content_are_refused(entry, message):
    with pytest.raises(AnsibleFilterError, match="compose project 'redis'") as info:
        compose_document("redis", {"redis": service()}, "aistack", file_contents=[{"path": "ok.conf", "content": ""}, entry])
    assert message in str(info.value)


def test_files_inside_the_project_are_accepted():
    files = [{"path": "conf/redis.conf", "content": ""}, {"path": "a..b/c", "content": "x"}, "plain string"]
    assert compose_document("redis", {"redis": service()}, "aistack", file_contents=files)["name"] == "redis"


def test_a_service_without_network_joins_none():
    doc = compose_document("traefik", {"proxy": service(network_mode="none"), "edge": service()}, "aistack")
    assert "networks" not in doc["services"]["proxy"] and doc["services"]["proxy"]["network_mode"] == "none"
    assert doc["services"]["edge"]["networks"] == ["aistack"]
    assert doc["networks"] == {"aistack": {"external": True, "name": "aistack"}}


def test_host_network_is_refused_even_for_a_publishing_service():
    with pytest.raises(AnsibleFilterError, match="network_mode host"):
        compose_document("traefik", {"traefik": service(network_mode="host")}, "aistack", publish=["traefik"])


def test_every_container_gets_a_process_limit_unless_it_sets_its_own():
    own = {"limits": {"cpus": "1", "memory": "1G", "pids": 8192}, "reservations": {"memory": "64M"}}
    doc = compose_document("x", {"a": service(), "b": service(deploy={"resources": own}), "c": service(pids_limit=50)}, "net")
    limits = dict((name, doc["services"][name]["deploy"]["resources"]["limits"]) for name in "abc")
    assert limits["a"]["pids"] == 1024 and "pids_limit" not in doc["services"]["a"]
    assert limits["b"]["pids"] == 8192
    # Compose refuses pids_limit together with limits.pids
    assert "pids" not in limits["c"] and doc["services"]["c"]["pids_limit"] == 50


@pytest.mark.parametrize("cpus, shares", [("0.5", 512), (2, 2048), ("0.25", 256), ("0.001", 2), ("1.0004", 1024)])
def test_a_cpu_reservation_becomes_cpu_shares_the_engine_enforces(cpus, shares):
    resources = {"limits": {"cpus": "2", "memory": "1G"}, "reservations": {"memory": "64M", "cpus": cpus}}
    doc = compose_document("x", {"x": service(deploy={"resources": resources})}, "net")
    svc = doc["services"]["x"]
    assert svc["cpu_shares"] == shares
    assert svc["deploy"]["resources"]["reservations"] == {"memory": "64M"}
    assert resources["reservations"]["cpus"] == cpus  # the input is not modified


def test_without_a_cpu_reservation_the_engine_default_weight_stays():
    svc = compose_document("x", {"x": service()}, "net")["services"]["x"]
    assert "cpu_shares" not in svc and "cpus" not in svc["deploy"]["resources"]["reservations"]


def test_explicit_cpu_shares_win_over_the_reservation():
    resources = {"limits": {"cpus": "2", "memory": "1G"}, "reservations": {"memory": "64M", "cpus": "0.5"}}
    svc = compose_document("x", {"x": service(deploy={"resources": resources}, cpu_shares=100)}, "net")["services"]["x"]
    assert svc["cpu_shares"] == 100


def test_a_cpu_reservation_that_is_not_a_number_is_refused():
    resources = {"limits": {"cpus": "2", "memory": "1G"}, "reservations": {"memory": "64M", "cpus": "half"}}
    with pytest.raises(AnsibleFilterError, match="compose project 'x', service 'x': deploy.resources.reservations.cpus 'half' is not a number of CPUs"):
        compose_document("x", {"x": service(deploy={"resources": resources})}, "net")


def test_the_config_hash_label_is_16_hex_characters_under_its_documented_name():
    doc = compose_document("x", {"x": service()}, "net", file_contents=["a=1"])
    label = doc["services"]["x"]["labels"]["org.aistack.config-hash"]
    assert len(label) == 16 and int(label, 16) >= 0


@pytest.mark.parametrize("mount", [
    {"type": "bind", "source": "./conf", "target": "/etc/conf", "read_only": True},  # long syntax
    "./conf:/etc/conf:ro",
    "./conf/:/etc/conf:ro",
    "./:/app:ro",  # the whole project directory
])
def test_every_way_of_mounting_a_file_counts_for_the_hash(mount):
    def label(content):
        files = [{"path": "conf/app.yml", "content": content}]
        return compose_document("x", {"x": service(volumes=[mount])}, "net", file_contents=files)["services"]["x"]["labels"][CONFIG_HASH_LABEL]
    assert label("a") != label("b")


def test_a_mounted_directory_does_not_take_the_files_of_a_shorter_namesake():
    def label(content):
        files = [{"path": "data/app.yml", "content": content}, {"path": "dataX/other.yml", "content": "o"}]
        doc = compose_document("x", {"x": service(volumes=["./dataX/:/d:ro"])}, "net", file_contents=files)
        return doc["services"]["x"]["labels"][CONFIG_HASH_LABEL]
    assert label("a") == label("b")


def test_a_disabled_healthcheck_is_refused_even_with_a_test():
    with pytest.raises(AnsibleFilterError, match="has no healthcheck"):
        compose_document("x", {"x": service(healthcheck={"disable": True, "test": ["CMD", "true"]})}, "net")


@pytest.mark.parametrize("image", [123, "redis@sha256:abc", ""])
def test_an_image_that_is_no_reference_is_not_pinned(image):
    assert image_is_pinned(image) is False


WHERE = "compose project 'p', service 's'"


# The whole message, as the operator reads it: the project, the service and the fix.
@pytest.mark.parametrize("project, services, kwargs, message", [
    ("p", {"S": service()}, {}, WHERE.replace("'s'", "'S'") + ": service names use lower-case letters, digits, '-' and '_'"),
    ("p", {"s": "redis"}, {}, WHERE + ": a service definition must be a mapping"),
    ("p", {"s": service(image="redis")}, {}, WHERE + ": image 'redis' is not pinned; set the role's *_container_image "
     "to repository:tag (not latest) or repository@sha256:digest"),
    ("p", {"s": service(healthcheck=None)}, {}, WHERE + " has no healthcheck: every container needs one (REQUIREMENTS REL2)"),
    ("p", {"s": service(deploy={})}, {}, WHERE + ": deploy.resources needs limits.cpus, limits.memory and "
     "reservations.memory (REQUIREMENTS REL5); set them from the role's *_resources variables"),
    ("p", {"s": service(container_name="s")}, {}, WHERE + ": container_name breaks replicas and Swarm; remove it"),
    ("p", {"s": service(ports=["80:80"])}, {}, WHERE + " publishes ports ['80:80']: only Traefik publishes host ports "
     "(REQUIREMENTS B7); reach the service through the internal network or a Traefik route"),
    ("p", {"s": service(network_mode="host")}, {}, WHERE + ": network_mode host would let the service listen on the "
     "host's ports (REQUIREMENTS B7); use the stack network or network_mode none"),
    ("p", {"s": service(privileged=True)}, {}, WHERE + ": privileged containers are not allowed"),
    ("p", {"s": service(deploy={"resources": {"limits": {"cpus": "1", "memory": "1G"}, "reservations": {"memory": "1G", "cpus": "x"}}})},
     {}, WHERE + ": deploy.resources.reservations.cpus 'x' is not a number of CPUs"),
    ("P", {"s": service()}, {}, "compose project name 'P': use lower-case letters, digits, '-' and '_'"),
    ("p", {}, {}, "compose project 'p' has no services"),
    ("p", {"s": service()}, {"file_contents": [{"path": "../x", "content": ""}]},
     "compose project 'p': every file needs a relative `path` inside the project directory (offending path: '../x' leaves the project directory)"),
    ("p", {"s": service()}, {"file_contents": [{"path": "conf/", "content": ""}]},
     "compose project 'p': every file needs a relative `path` inside the project directory (offending path: 'conf/' names a directory)"),
    ("p", {"s": service()}, {"file_contents": [{"path": 5, "content": ""}]},
     "compose project 'p': every file needs a relative `path` inside the project directory (offending path: 5 is not a string)"),
    ("p", {"s": service()}, {"file_contents": [{"path": "x.yml"}]}, "compose project 'p': file x.yml has no `content`"),
])
def test_refusal_messages_in_full(project, services, kwargs, message):
    assert compose_document(project, services, "net", problems=True, **kwargs) == [message]


# ---- healthcheck start interval: a deployment waits for healthy containers ----------------------

def test_a_start_interval_joins_every_healthcheck_that_sets_none():
    services = {"a": service(), "b": service(healthcheck={"test": ["CMD", "true"], "start_interval": "5s"})}
    original = copy.deepcopy(services)
    doc = compose_document("p", services, "aistack", start_interval="1s")
    assert doc["services"]["a"]["healthcheck"] == {"test": ["CMD", "true"], "start_interval": "1s"}
    assert doc["services"]["b"]["healthcheck"]["start_interval"] == "5s"
    assert services == original


@pytest.mark.parametrize("start_interval", [None, ""])
def test_without_a_start_interval_healthchecks_stay_as_given(start_interval):
    doc = compose_document("p", {"a": service()}, "aistack", start_interval=start_interval)
    assert doc["services"]["a"]["healthcheck"] == {"test": ["CMD", "true"]}


@pytest.mark.parametrize("start_interval", ["2s", "500ms", "1m", "10s"])
def test_start_interval_durations_accepted(start_interval):
    doc = compose_document("p", {"a": service()}, "aistack", start_interval=start_interval)
    assert doc["services"]["a"]["healthcheck"]["start_interval"] == start_interval


@pytest.mark.parametrize("start_interval", ["1", "0s", "1h", "1.5s", "s", " 1s", "1s ", "1s\n", 1, "01s"])
def test_a_start_interval_that_is_no_duration_is_refused(start_interval):
    assert compose_document("p", {"a": service()}, "aistack", problems=True, start_interval=start_interval) == [
        "compose project 'p': the healthcheck start interval %r is not a duration such as 2s or 500ms" % (start_interval,)]
    with pytest.raises(AnsibleFilterError, match="is not a duration"):
        compose_document("p", {"a": service()}, "aistack", start_interval=start_interval)
