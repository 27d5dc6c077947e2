# DESIGN "validate": every documented setting is checked by its kind before any change on the host.
import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.selfhosted.ai_stack.plugins.filter.settings_problems import FilterModule, settings_problems


GOOD = {
    "redis_identifier": "redis",
    "redis_save": "3600 1 300 100 60 10000",
    "redis_maxmemory_mb": 1024,
    "redis_resources_limits_cpus": 1.5,
    "traefik_https_host_port": 443,
    "ollama_host_memory_share": 0.75,
    "aistack_base_path": "/opt/aistack",
    "postgres_backup_directory": "/var/backups/aistack/postgres",
    "traefik_docker_socket": "/var/run/docker.sock",
    "redis_container_image": "redis:7.4.6-bookworm",
    "ollama_container_image": "ollama/ollama@sha256:" + "a" * 64,
    "aistack_container_image_registry_prefix": "registry.example.com:5000/mirror/",
    "postgres_command": ["postgres", "-c", "config_file=/etc/postgresql/postgresql.conf"],
    "postgres_settings_custom": {"work_mem": "64MB"},
    "traefik_selfsigned_ca_common_name": "aistack local CA (ai.example.com)",
    "redis_enabled": True,
    "redis_databases": 16,
}


def test_good_settings_pass():
    assert settings_problems(GOOD, 24000, 2) == []


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("redis_save", "3600 1\nappendonly no", "redis_save contains a line break"),
        ("redis_save", "3600 1\rx", "redis_save contains a line break"),
        ("redis_save", "a\x00b", "redis_save contains a line break"),
        ("traefik_acme_email", 'ops@example.com" x', "traefik_acme_email contains a quote"),
        ("traefik_acme_email", "ops@example.com'", "traefik_acme_email contains a quote"),
        ("traefik_acme_email", "a\\b", "traefik_acme_email contains a quote or backslash"),
        ("redis_save", "1; rm -rf /", "redis_save contains a ; or backtick"),
        ("redis_save", "`id`", "redis_save contains a ; or backtick"),
        ("redis_save", "${HOME}", r"redis_save contains a \$"),
        ("postgres_command", ["postgres", "-c", "x=1\ny=2"], r"postgres_command\[2\] contains a line break"),
        ("postgres_settings_custom", {"work_mem": "1MB;"}, r"postgres_settings_custom.work_mem contains a ;"),
        ("postgres_settings_custom", {"bad\nkey": "1"}, "postgres_settings_custom key contains a line break"),
        ("traefik_https_host_port", 0, "traefik_https_host_port must be a port number from 1 to 65535"),
        ("traefik_https_host_port", 65536, "must be a port number"),
        ("traefik_https_host_port", 80.5, "must be a port number"),
        ("traefik_https_host_port", "https", "must be a port number"),
        ("traefik_https_host_port", True, "must be a port number"),
        ("redis_maxmemory_mb", 24001, r"redis_maxmemory_mb is 24001 MiB, more than this host's memory \(24000 MiB\)"),
        ("redis_maxmemory_mb", -1, "redis_maxmemory_mb must be a number of MiB"),
        ("redis_maxmemory_mb", "lots", "redis_maxmemory_mb must be a number of MiB"),
        ("redis_resources_limits_cpus", 3, "redis_resources_limits_cpus is 3, more than this host's 2 CPUs"),
        ("redis_resources_limits_cpus", 0, "redis_resources_limits_cpus must be a positive number of CPUs"),
        ("ollama_host_memory_share", 1.5, "ollama_host_memory_share is a share of the host"),
        ("ollama_host_memory_share", 0, "ollama_host_memory_share is a share"),
        ("ollama_host_memory_share", "most", "ollama_host_memory_share is a share"),
        ("aistack_base_path", "opt/aistack", "aistack_base_path must be an absolute path"),
        ("aistack_base_path", "/", "aistack_base_path must not be / itself"),
        ("aistack_base_path", "//", "aistack_base_path must be a plain absolute path"),
        ("aistack_base_path", "/opt/../etc", "aistack_base_path must be a plain absolute path"),
        ("aistack_base_path", "/opt//aistack", "aistack_base_path must be a plain absolute path"),
        ("postgres_backup_directory", 5, "postgres_backup_directory must be an absolute path"),
        ("traefik_docker_socket", "docker.sock", "traefik_docker_socket must be an absolute path"),
        ("supabase_docker_socket", "/run/docker.sock:/x", "supabase_docker_socket must not contain a space or : .a bind mount"),
        ("traefik_docker_socket", "/run/my docker.sock", "traefik_docker_socket must not contain a space or :"),
        ("traefik_docker_socket", "/run//docker.sock", "traefik_docker_socket must be a plain absolute path"),
        ("redis_container_image", "redis", "redis_container_image must be a pinned image"),
        ("redis_container_image", "redis:latest", "redis_container_image must be a pinned image"),
        ("redis_container_image", None, "redis_container_image must be a pinned image"),
        ("aistack_container_image_registry_prefix", "registry.example.com", "must be empty or a registry path ending in /"),
        ("aistack_container_image_registry_prefix", "Registry.example.com/", "must be empty or a registry path ending in /"),
        ("aistack_container_image_registry_prefix", "/mirror/", "must be empty or a registry path ending in /"),
        ("aistack_container_image_registry_prefix", 5, "must be empty or a registry path ending in /"),
    ],
)
def test_each_kind_is_refused_naming_the_variable(name, value, message):
    problems = settings_problems(dict(GOOD, **{name: value}), 24000, 2)
    assert len(problems) == 1
    assert problems[0].startswith(name)
    assert __import__("re").search(message, problems[0])


def test_messages_never_echo_a_value():
    secret = "s3cr3t-value-with\nnewline"
    problems = settings_problems({"redis_password": secret})
    assert problems and "s3cr3t" not in problems[0]


@pytest.mark.parametrize("path", ["/opt/aistack", "/opt/aistack/", "/mnt/X", "/srv/a.b-c_d"])
def test_plain_absolute_paths_pass(path):
    assert settings_problems({"aistack_base_path": path}) == []


def test_only_a_mounted_path_is_refused_a_space_or_colon():
    # a directory read on the controller may have a space; a socket a container mounts may not
    assert settings_problems({"rag_api_ingest_directory": "/home/me/My Documents"}) == []
    assert settings_problems({"supabase_docker_socket": "/run/docker.sock"}) == []


@pytest.mark.parametrize("name, value", [("traefik_https_host_port", 1), ("traefik_https_host_port", 65535),
                                         ("traefik_https_host_port", "8443"), ("redis_maxmemory_mb", 0),
                                         ("redis_resources_limits_cpus", 0.5), ("redis_resources_limits_cpus", 1)])
def test_boundaries_that_pass(name, value):
    assert settings_problems({name: value}, 24000, 2) == []


def test_sizes_pass_at_the_host_limit_and_without_host_facts():
    assert settings_problems({"redis_maxmemory_mb": 24000, "redis_resources_limits_cpus": 2}, 24000, 2) == []
    assert settings_problems({"redis_maxmemory_mb": 10 ** 9, "redis_resources_limits_cpus": 64}) == []
    assert settings_problems({"redis_maxmemory_mb": "512", "ollama_host_memory_share": "1"}, "1024") == []


def test_an_empty_registry_prefix_and_none_pass():
    assert settings_problems({"a_registry_prefix": ""}) == settings_problems({"a_registry_prefix": None}) == []


def test_the_first_matching_suffix_decides():
    # _share is not a path; a name ending in _mb is a size even when it also looks like something else
    assert settings_problems({"swap_share": 0.5, "x_path_mb": 10}, 100) == []


def test_every_problem_is_listed_in_name_order():
    problems = settings_problems({"b_port": 0, "a_path": "x"})
    assert [p.split(" ")[0] for p in problems] == ["a_path", "b_port"]


def test_not_a_mapping_is_refused():
    with pytest.raises(AnsibleFilterError, match="^settings_problems expects a mapping of variable names to values$"):
        settings_problems(["redis_save"])


def test_the_filter_is_registered():
    assert FilterModule().filters()["settings_problems"] is settings_problems


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("aistack_network_name", "bad name", "aistack_network_name must be a Docker network name"),
        ("aistack_network_name", "-aistack", "must be a Docker network name"),
        ("aistack_network_name", "a" * 64, "must be a Docker network name"),
        ("aistack_network_name", "", "must be a Docker network name"),
        ("aistack_domain", "https://ai.example.com", "aistack_domain must be a lower-case DNS name"),
        ("aistack_domain", "ai.example.com.", "must be a lower-case DNS name"),
        ("aistack_domain", "AI.example.com", "must be a lower-case DNS name"),
        ("aistack_domain", "ai.example.com:443", "must be a lower-case DNS name"),
        ("aistack_domain", "localhost", "must be a lower-case DNS name"),
        ("aistack_domain", 5, "must be a lower-case DNS name"),
    ],
)
def test_network_names_and_domains(name, value, message):
    problems = settings_problems({name: value})
    assert len(problems) == 1 and problems[0].startswith(name) and message in problems[0]


@pytest.mark.parametrize("name, value", [("aistack_network_name", "aistack"), ("aistack_network_name", "a" * 63),
                                         ("aistack_network_name", "my_net.1-x"), ("aistack_domain", ""),
                                         ("aistack_domain", None), ("aistack_domain", "aistack.localhost"),
                                         ("aistack_domain", "a-b.c9.example.com")])
def test_good_network_names_and_domains_pass(name, value):
    assert settings_problems({name: value}) == []
