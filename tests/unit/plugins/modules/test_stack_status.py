import json
from urllib.parse import quote

import pytest

from ansible_collections.selfhosted.ai_stack.plugins.module_utils.stack_health import (
    describe_problems,
    is_healthy,
    summarize_container,
)
from ansible_collections.selfhosted.ai_stack.plugins.modules import stack_status
from module_runner import argument_spec_of, run_module as run_module_with


def inspect(name, project="redis", running=True, health=None, log_output=None, restarts=0, exit_code=0):
    state = {"Status": "running" if running else "exited", "Running": running, "ExitCode": exit_code}
    if health:
        state["Health"] = {"Status": health, "Log": [{"Output": "first"}, {"Output": log_output}] if log_output else []}
    return {
        "Name": "/" + name,
        "RestartCount": restarts,
        "State": state,
        "Config": {
            "Image": "redis:7",
            "Labels": {"com.docker.compose.project": project, "com.docker.compose.service": name.split("-")[1]},
        },
    }


@pytest.mark.parametrize(
    "attrs, health, healthy",
    [
        (inspect("redis-redis-1", health="healthy"), "healthy", True),
        (inspect("redis-redis-1", health="unhealthy", log_output="NOAUTH"), "unhealthy", False),
        (inspect("redis-redis-1", health="starting"), "starting", False),
        (inspect("redis-redis-1"), "none", True),
        (inspect("redis-redis-1", running=False), "stopped", False),
        # Issue 12: an exited container is unhealthy whatever its last health block said.
        (inspect("redis-redis-1", running=False, health="healthy"), "healthy", False),
    ],
)
def test_summary_and_health(attrs, health, healthy):
    summary = summarize_container(attrs)
    assert summary["name"] == "redis-redis-1"
    assert summary["project"] == "redis"
    assert summary["service"] == "redis"
    assert summary["health"] == health
    assert is_healthy(summary) is healthy


def test_last_health_output_only_when_not_healthy():
    bad = summarize_container(inspect("redis-redis-1", health="unhealthy", log_output="NOAUTH Authentication required.\n"))
    good = summarize_container(inspect("redis-redis-1", health="healthy", log_output="PONG"))
    assert bad["last_health_output"] == "NOAUTH Authentication required."
    assert good["last_health_output"] is None


def test_problems_name_the_container_and_the_healthcheck_output():
    summaries = [
        summarize_container(inspect("redis-redis-1", health="healthy")),
        summarize_container(inspect("redis-redis-2", health="unhealthy", log_output="NOAUTH", restarts=3)),
        summarize_container(inspect("redis-worker-1", running=False, exit_code=137)),
    ]
    problems = describe_problems(summaries)
    assert len(problems) == 2
    assert "redis-redis-2" in problems[0] and "NOAUTH" in problems[0] and "3 restarts" in problems[0]
    assert "redis-worker-1" in problems[1] and "exit code 137" in problems[1]


def test_the_whole_summary_of_an_unhealthy_container():
    assert summarize_container(inspect("redis-redis-2", health="unhealthy", log_output="NOAUTH", restarts=3)) == {
        "name": "redis-redis-2", "project": "redis", "service": "redis", "image": "redis:7", "state": "running",
        "health": "unhealthy", "restarts": 3, "exit_code": 0, "last_health_output": "NOAUTH"}


def test_only_the_leading_slash_is_taken_from_the_name():
    assert summarize_container({"Name": "/X-worker-1", "State": {}})["name"] == "X-worker-1"


def test_a_container_without_name_restarts_or_health_output():
    summary = summarize_container({"State": {"Status": "running", "Running": True,
                                             "Health": {"Status": "unhealthy", "Log": [{"Output": None}]}}})
    assert (summary["name"], summary["restarts"], summary["last_health_output"]) == ("", 0, "")


def test_the_health_output_keeps_its_last_2000_characters():
    summary = summarize_container(inspect("redis-redis-1", health="unhealthy", log_output="a" + "b" * 2000))
    assert summary["last_health_output"] == "b" * 2000


def test_problem_lines_in_full():
    assert describe_problems([
        summarize_container(inspect("redis-redis-2", health="unhealthy", log_output="NOAUTH", restarts=3)),
        summarize_container(inspect("redis-worker-1", running=False, exit_code=137)),
    ]) == [
        "redis-redis-2 (service redis of redis): state running, health unhealthy, 3 restarts; last healthcheck said: NOAUTH",
        "redis-worker-1 (service worker of redis): state exited, health stopped, 0 restarts; exit code 137 (see docker logs redis-worker-1)",
    ]


LIST_PATH = "/containers/json?all=1&filters=" + quote(json.dumps({"label": ["com.docker.compose.project"]}), safe="")


def listing(items):
    """The Engine's answers: the list (Id and Labels of each container) and each container's inspect."""
    answers = {LIST_PATH: (200, [{"Id": "id-%d" % n, "Labels": attrs["Config"]["Labels"]} for n, attrs in enumerate(items)])}
    answers.update(("/containers/id-%d/json" % n, (200, attrs)) for n, attrs in enumerate(items))
    return answers


def run_module(monkeypatch, capsys, engine, items, **params):
    """The module against an Engine API double that holds `items` (inspect data); returns (code, result, double)."""
    double = engine(listing(items))
    params.setdefault("docker_host", "unix://" + double.server_address)
    code, out = run_module_with(stack_status, monkeypatch, capsys, params)
    return code, out, double


def test_only_the_projects_asked_for_are_inspected_and_they_are_sorted(monkeypatch, capsys, engine):
    items = [inspect("traefik-traefik-1", project="traefik", health="healthy"), inspect("redis-redis-1", health="healthy"),
             inspect("n8n-worker-1", project="n8n", health="healthy")]
    code, out, double = run_module(monkeypatch, capsys, engine, items, projects=["redis", "traefik"])
    assert [c["name"] for c in out["containers"]] == ["redis-redis-1", "traefik-traefik-1"]
    assert double.requested == [LIST_PATH, "/containers/id-0/json", "/containers/id-1/json"]


def test_without_projects_every_compose_container_is_reported(monkeypatch, capsys, engine):
    items = [inspect("redis-redis-1", health="healthy"), inspect("n8n-worker-1", project="n8n", health="healthy")]
    code, out, _double = run_module(monkeypatch, capsys, engine, items)
    assert code == 0 and [c["name"] for c in out["containers"]] == ["n8n-worker-1", "redis-redis-1"]


def test_a_container_removed_between_list_and_inspect_is_left_out(monkeypatch, capsys, engine):
    double = engine({LIST_PATH: (200, [{"Id": "gone", "Labels": {"com.docker.compose.project": "redis"}}])})
    code, out = run_module_with(stack_status, monkeypatch, capsys, {"docker_host": "unix://" + double.server_address})
    assert code == 0 and out["containers"] == [] and out["unhealthy"] == []


def test_module_fails_on_unhealthy_when_asked(monkeypatch, capsys, engine):
    items = [inspect("redis-redis-1", health="unhealthy", log_output="NOAUTH")]
    code, out, _double = run_module(monkeypatch, capsys, engine, items, fail_on_unhealthy=True)
    assert code == 1
    assert out["failed"] is True
    assert "redis-redis-1" in out["msg"] and "NOAUTH" in out["msg"]
    assert out["changed"] is False


def test_module_reports_without_failing_by_default(monkeypatch, capsys, engine):
    items = [inspect("redis-redis-1", health="unhealthy", log_output="NOAUTH")]
    code, out, _double = run_module(monkeypatch, capsys, engine, items)
    assert code == 0
    assert out["unhealthy"] and out["containers"][0]["health"] == "unhealthy"


def test_the_default_docker_host_is_the_engine_socket(monkeypatch):
    assert argument_spec_of(stack_status, monkeypatch)["docker_host"]["default"] == "unix:///var/run/docker.sock"


def test_a_docker_host_that_is_not_a_unix_socket_is_refused(monkeypatch, capsys):
    code, out = run_module_with(stack_status, monkeypatch, capsys, {"docker_host": "tcp://10.0.0.9:2375"})
    assert code == 1 and out["msg"] == "docker_host must be a unix:// socket, not tcp://10.0.0.9:2375"


def test_the_module_names_the_docker_host_it_could_not_read(monkeypatch, capsys):
    code, out = run_module_with(stack_status, monkeypatch, capsys, {"docker_host": "unix:///nonexistent/docker.sock"})
    assert code == 1
    assert out["msg"].startswith("cannot read containers from unix:///nonexistent/docker.sock: ")


def test_the_module_lists_every_problem_in_its_failure(monkeypatch, capsys, engine):
    items = [inspect("redis-redis-1", health="unhealthy", log_output="NOAUTH"), inspect("redis-worker-1", running=False)]
    code, out, _double = run_module(monkeypatch, capsys, engine, items, fail_on_unhealthy=True)
    assert out["msg"] == "not healthy: " + " | ".join(describe_problems([summarize_container(i) for i in items]))


def test_the_module_runs_in_check_mode(monkeypatch, capsys, engine):
    items = [inspect("redis-redis-1", health="healthy")]
    code, out, _double = run_module(monkeypatch, capsys, engine, items, _ansible_check_mode=True)
    assert code == 0 and not out.get("skipped") and out["containers"][0]["name"] == "redis-redis-1"


def test_the_module_reports_only_the_projects_asked_for(monkeypatch, capsys, engine):
    items = [inspect("redis-redis-1", health="healthy"), inspect("n8n-worker-1", project="n8n", running=False)]
    code, out, _double = run_module(monkeypatch, capsys, engine, items, projects=["redis"], fail_on_unhealthy=True)
    assert code == 0 and [c["name"] for c in out["containers"]] == ["redis-redis-1"]
