# When an unchanged re-run may skip `docker compose up` (issue 11, REQUIREMENTS B8, REL2).
import pytest

from ansible_collections.selfhosted.ai_stack.plugins.module_utils import compose_state

ENTRIES = [
    {"path": "compose.yml", "content": "services: {}\n", "owner": "root", "group": "root", "mode": "0600"},
    {"path": "conf/app.conf", "content": "port 1\n", "owner": "99", "group": "99", "mode": "0400"},
]


def test_digest_is_a_sha256_independent_of_the_order_of_the_files():
    digest = compose_state.files_digest(ENTRIES)
    assert len(digest) == 64 and int(digest, 16) >= 0
    assert compose_state.files_digest(list(reversed(ENTRIES))) == digest


@pytest.mark.parametrize("field, value", [
    ("path", "conf/other.conf"), ("content", "port 2\n"), ("owner", "0"), ("group", "0"), ("mode", "0440"),
])
def test_digest_changes_with_every_attribute_of_a_file(field, value):
    changed = [ENTRIES[0], dict(ENTRIES[1], **{field: value})]
    assert compose_state.files_digest(changed) != compose_state.files_digest(ENTRIES)


def test_digest_tells_which_file_holds_which_content():
    swapped = [dict(ENTRIES[0], content=ENTRIES[1]["content"]), dict(ENTRIES[1], content=ENTRIES[0]["content"])]
    assert compose_state.files_digest(swapped) != compose_state.files_digest(ENTRIES)


@pytest.mark.parametrize("status, health", [
    ("Up 5 minutes (healthy)", "healthy"),
    ("Up 2 seconds (health: starting)", "starting"),
    ("Up 3 minutes (unhealthy)", "unhealthy"),
    ("Up 3 minutes", "none"),
    ("Exited (1) 2 minutes ago", "none"),
    ("", "none"),
])
def test_health_is_read_from_the_status_text(status, health):
    assert compose_state.container_health(status) == health


def container(service, state="running", status="Up 1 minute (healthy)", image="redis:7", image_id="sha256:a",
              name=None):
    return {"Names": ["/" + (name or "p-%s-1" % service)], "State": state, "Status": status, "Image": image,
            "ImageID": image_id, "Labels": {"com.docker.compose.project": "p", "com.docker.compose.service": service}}


IMAGES = {"redis:7": "sha256:a", "exporter:1": "sha256:b"}
SERVICES = {"redis": "redis:7", "exporter": "exporter:1"}


@pytest.mark.parametrize("containers, images, problems", [
    ([container("redis"), container("exporter", status="Up 1 minute", image="exporter:1", image_id="sha256:b")],
     IMAGES, []),
    ([container("redis")], IMAGES, ["exporter has no container"]),
    ([], IMAGES, ["redis has no container", "exporter has no container"]),
    ([container("redis", state="exited", status="Exited (137) 1 minute ago"), container("exporter", image="exporter:1",
                                                                                        image_id="sha256:b")],
     IMAGES, ["p-redis-1 is exited"]),
    ([container("redis", status="Up 1 minute (unhealthy)"), container("exporter", image="exporter:1",
                                                                      image_id="sha256:b")],
     IMAGES, ["p-redis-1 is unhealthy"]),
    ([container("redis", status="Up 1 second (health: starting)"), container("exporter", image="exporter:1",
                                                                             image_id="sha256:b")],
     IMAGES, ["p-redis-1 is starting"]),
    ([container("redis", image_id="sha256:old"), container("exporter", image="exporter:1", image_id="sha256:b")],
     IMAGES, ["p-redis-1 does not run the image redis:7 names now"]),
    ([container("redis"), container("exporter", image="exporter:1", image_id="sha256:b")],
     {"redis:7": None, "exporter:1": "sha256:b"}, ["p-redis-1 does not run the image redis:7 names now"]),
    # The Engine names the old image by its id once its tag moved to a new one: the reference counts.
    ([container("redis", image="sha256:a"), container("exporter", image="exporter:1", image_id="sha256:b")],
     {"redis:7": "sha256:new", "exporter:1": "sha256:b"}, ["p-redis-1 does not run the image redis:7 names now"]),
    ([container("redis"), container("exporter", image="exporter:1", image_id="sha256:b"),
      dict(container("redis", state="exited", name="p-redis-run-1"),
           Labels={"com.docker.compose.service": "redis", "com.docker.compose.oneoff": "True"})],
     IMAGES, []),
    ([container("redis"), container("exporter", image="exporter:1", image_id="sha256:b"),
      dict(container("redis", state="exited", name="p-redis-2"),
           Labels={"com.docker.compose.service": "redis", "com.docker.compose.oneoff": "False"})],
     IMAGES, ["p-redis-2 is exited"]),
    ([container("redis"), container("exporter", image="exporter:1", image_id="sha256:b"), container("old")],
     IMAGES, ["p-old-1 belongs to no service of the project"]),
    ([container("redis"), container("redis", name="p-redis-2", state="created", status="Created"),
      container("exporter", image="exporter:1", image_id="sha256:b")],
     IMAGES, ["p-redis-2 is created"]),
])
def test_deployment_problems_name_every_container_that_differs(containers, images, problems):
    assert compose_state.deployment_problems(SERVICES, containers, images) == problems


def test_names_lose_only_their_leading_slash():
    problems = compose_state.deployment_problems({"redis": "redis:7"}, [container("redis", state="exited", name="Xp-redis-1")],
                                                 IMAGES)
    assert problems == ["Xp-redis-1 is exited"]


def test_a_container_without_labels_or_names_is_reported_not_a_crash():
    unnamed = dict(container("redis", state="exited"), Names=None)
    assert compose_state.deployment_problems({"redis": "redis:7"}, [unnamed], IMAGES) == ["? is exited"]
    assert compose_state.deployment_problems({}, [{"State": "running"}], {}) == [
        "? belongs to no service of the project"]
    assert compose_state.deployment_problems({"redis": "redis:7"}, [{"State": "running"}], {}) == [
        "redis has no container", "? belongs to no service of the project"]
