# The validation phase reads every Compose project in one call (issue 11): what compose_files would
# report in check mode, for many projects, never writing.
import grp
import json
import os
import pwd

import pytest

from ansible_collections.selfhosted.ai_stack.plugins.modules import compose_files, compose_files_info
from module_runner import argument_spec_of, run_module

USER = pwd.getpwuid(os.getuid()).pw_name
GROUP = grp.getgrgid(os.getgid()).gr_name
FILES = [
    {"path": "compose.yml", "content": "services: {}\n", "owner": USER, "group": GROUP},
    {"path": "conf/app.conf", "content": "port 1\n", "owner": USER, "group": GROUP, "mode": "0640", "secret": False},
]


def project(directory, name="p", files=FILES, **extra):
    return dict(directory=str(directory), project=name, files=files, services={"app": "app:1"},
                network="aistack", directory_owner=USER, directory_group=GROUP, **extra)


def info(monkeypatch, capsys, projects, docker_host, check=False, diff=False):
    return run_module(compose_files_info, monkeypatch, capsys,
                      dict(projects=projects, docker_host=docker_host, _ansible_check_mode=check, _ansible_diff=diff))


def write(monkeypatch, capsys, spec, docker_host):
    """compose_files writes the project, and the marker records an apply of exactly these files."""
    params = dict(spec, docker_host=docker_host)
    code, out = run_module(compose_files, monkeypatch, capsys, params)
    assert code == 0
    with open(os.path.join(spec["directory"], ".applied"), "w") as marker:
        marker.write(out["digest"] + "\n")
    return out


def answers(name="p", status="Up 1 minute (healthy)"):
    from ansible_collections.selfhosted.ai_stack.plugins.module_utils.engine_api import quote
    filters = json.dumps({"label": ["com.docker.compose.project=%s" % name]})
    containers = [{"Names": ["/%s-app-1" % name], "State": "running", "Status": status, "Image": "app:1",
                   "ImageID": "sha256:a", "Labels": {"com.docker.compose.project": name,
                                                     "com.docker.compose.service": "app"}}]
    return {"/containers/json?all=1&filters=" + quote(filters, safe=""): (200, containers),
            "/images/app:1/json": (200, {"Id": "sha256:a"}), "/networks/aistack": (200, {"Name": "aistack"})}


@pytest.fixture
def host(engine):
    both = answers("p")
    both.update(answers("q", status="Up 1 minute (unhealthy)"))
    return "unix://" + engine(both).server_address


@pytest.mark.parametrize("check", [False, True])
def test_each_project_is_reported_by_name_as_compose_files_check_mode_reports_it(tmp_path, monkeypatch, capsys,
                                                                                   host, check):
    p, q = project(tmp_path / "p"), project(tmp_path / "q", name="q")
    written = write(monkeypatch, capsys, p, host)
    write(monkeypatch, capsys, q, host)
    code, out = info(monkeypatch, capsys, [p, q], host, check=check)
    assert code == 0 and out["changed"] is False and sorted(out["projects"]) == ["p", "q"]
    assert out["projects"]["p"] == {"changed_files": [], "directory_created": False, "digest": written["digest"],
                                    "marker": str(tmp_path / "p" / ".applied"), "deployed": True,
                                    "deployment_problems": [], "network_exists": True, "image_labels": {"app:1": {}}}
    assert out["projects"]["q"]["deployed"] is False
    assert out["projects"]["q"]["deployment_problems"] == ["q-app-1 is unhealthy"]


def test_nothing_is_written_outside_check_mode_either(tmp_path, monkeypatch, capsys, host):
    p = project(tmp_path / "p")
    write(monkeypatch, capsys, p, host)
    os.chmod(str(tmp_path / "p" / "compose.yml"), 0o644)
    changed = project(tmp_path / "p", files=[FILES[0], dict(FILES[1], content="port 2\n")])
    code, out = info(monkeypatch, capsys, [changed, project(tmp_path / "new", name="q")], host, diff=True)
    assert out["changed"] is False
    assert out["projects"]["p"]["changed_files"] == ["compose.yml", "conf/app.conf"]
    assert out["projects"]["p"]["deployed"] is False
    assert out["projects"]["p"]["deployment_problems"] == ["the files changed since the last apply"]
    assert "diff" not in out["projects"]["p"]
    assert (tmp_path / "p" / "conf" / "app.conf").read_text() == "port 1\n"
    assert oct(os.stat(str(tmp_path / "p" / "compose.yml")).st_mode & 0o777) == "0o644"
    assert out["projects"]["q"]["directory_created"] is True and not (tmp_path / "new").exists()


def test_contents_never_appear_in_the_result(tmp_path, monkeypatch, capsys, host):
    secret = "s3cr3t-password-value"
    code, out = info(monkeypatch, capsys, [project(tmp_path, files=[{"path": "env", "content": secret}])], host)
    assert code == 0 and secret not in json.dumps(out)


def test_a_project_needs_its_name(tmp_path, monkeypatch, capsys, host):
    spec = project(tmp_path)
    del spec["project"]
    code, out = info(monkeypatch, capsys, [spec], host)
    assert code == 1 and "project" in out["msg"]


def test_the_engine_is_read_on_its_standard_socket_by_default(monkeypatch):
    spec = argument_spec_of(compose_files_info, monkeypatch)
    assert spec["docker_host"]["default"] == "unix:///var/run/docker.sock"
    assert spec["projects"]["required"] is True
