# The compose_project role writes a project's files in one call (issue 11, REQUIREMENTS B8/SEC5).
import grp
import json
import os
import pwd
import stat

import pytest

from ansible_collections.selfhosted.ai_stack.plugins.module_utils.compose_files import subdirectories
from ansible_collections.selfhosted.ai_stack.plugins.modules import compose_files
from module_runner import argument_spec_of, run_module

USER = pwd.getpwuid(os.getuid()).pw_name
GROUP = grp.getgrgid(os.getgid()).gr_name


def run_params(monkeypatch, capsys, params):
    """Runs the module with exactly these arguments; returns (exit code, result)."""
    return run_module(compose_files, monkeypatch, capsys, params)


def run(monkeypatch, capsys, directory, files, check=False, diff=False, **extra):
    """Runs the module as the current user (owner and group), so the tests need no root."""
    entries = [dict({"owner": USER, "group": GROUP}, **entry) for entry in files]
    params = dict(directory=str(directory), files=entries, directory_owner=USER, directory_group=GROUP,
                  _ansible_check_mode=check, _ansible_diff=diff, **extra)
    return run_params(monkeypatch, capsys, params)


def mode_of(path):
    return stat.S_IMODE(os.stat(str(path)).st_mode)


FILES = [
    {"path": "compose.yml", "content": "services: {}\n"},
    {"path": "conf/app/app.conf", "content": "port 1\n", "mode": "0640", "secret": False},
]


def test_first_run_creates_directory_subdirectories_and_files(tmp_path, monkeypatch, capsys):
    project = tmp_path / "base" / "redis"
    code, out = run(monkeypatch, capsys, project, FILES)
    assert code == 0 and out["changed"] is True and out["directory_created"] is True
    assert out["changed_files"] == ["compose.yml", "conf/app/app.conf"]
    assert (project / "compose.yml").read_text() == "services: {}\n"
    assert (project / "conf" / "app" / "app.conf").read_text() == "port 1\n"
    assert mode_of(project) == 0o750 and mode_of(project / "conf") == 0o750 and mode_of(project / "conf" / "app") == 0o750
    assert mode_of(project / "compose.yml") == 0o600 and mode_of(project / "conf" / "app" / "app.conf") == 0o640
    assert sorted(os.listdir(str(project))) == ["compose.yml", "conf"]  # no temporary file left


def test_second_run_changes_nothing(tmp_path, monkeypatch, capsys):
    run(monkeypatch, capsys, tmp_path / "p", FILES)
    code, out = run(monkeypatch, capsys, tmp_path / "p", FILES)
    assert code == 0 and out["changed"] is False and out["changed_files"] == [] and out["directory_created"] is False


def test_only_the_changed_file_is_reported_and_unlisted_files_stay(tmp_path, monkeypatch, capsys):
    run(monkeypatch, capsys, tmp_path, FILES)
    (tmp_path / "backup.tar").write_text("keep")
    changed = [FILES[0], dict(FILES[1], content="port 2\n")]
    code, out = run(monkeypatch, capsys, tmp_path, changed)
    assert out["changed"] is True and out["changed_files"] == ["conf/app/app.conf"]
    assert (tmp_path / "conf" / "app" / "app.conf").read_text() == "port 2\n"
    assert (tmp_path / "backup.tar").read_text() == "keep"


def test_a_mode_or_directory_mode_change_alone_is_a_change(tmp_path, monkeypatch, capsys):
    run(monkeypatch, capsys, tmp_path, FILES)
    os.chmod(str(tmp_path / "compose.yml"), 0o644)
    code, out = run(monkeypatch, capsys, tmp_path, FILES)
    assert out["changed_files"] == ["compose.yml"] and mode_of(tmp_path / "compose.yml") == 0o600
    os.chmod(str(tmp_path / "conf"), 0o755)
    code, out = run(monkeypatch, capsys, tmp_path, FILES)
    assert out["changed"] is True and out["changed_files"] == [] and mode_of(tmp_path / "conf") == 0o750


def test_diff_shows_plain_files_and_never_secrets(tmp_path, monkeypatch, capsys):
    run(monkeypatch, capsys, tmp_path, FILES)
    changed = [dict(FILES[0], content="services: {a: 1}\n"), dict(FILES[1], content="port 2\n")]
    code, out = run(monkeypatch, capsys, tmp_path, changed, diff=True)
    assert out["changed_files"] == ["compose.yml", "conf/app/app.conf"]
    assert out["diff"] == [{"before_header": str(tmp_path / "conf/app/app.conf"),
                            "after_header": str(tmp_path / "conf/app/app.conf"),
                            "before": "port 1\n", "after": "port 2\n"}]
    assert "services: {a: 1}" not in json.dumps(out)


def test_check_mode_on_a_new_project_writes_nothing(tmp_path, monkeypatch, capsys):
    code, out = run(monkeypatch, capsys, tmp_path / "p", FILES, check=True)
    assert code == 0 and out["changed"] is True and out["directory_created"] is True
    assert out["changed_files"] == ["compose.yml", "conf/app/app.conf"]
    assert not (tmp_path / "p").exists()


def test_check_mode_on_a_deployed_project_reports_without_writing(tmp_path, monkeypatch, capsys):
    run(monkeypatch, capsys, tmp_path, FILES)
    os.chmod(str(tmp_path / "compose.yml"), 0o644)
    run(monkeypatch, capsys, tmp_path, [{"path": "same.conf", "content": "same\n"}])
    changed = [FILES[0], dict(FILES[1], content="port 2\n"), {"path": "new/extra.conf", "content": "extra 1\n"},
               {"path": "same.conf", "content": "same\n"}]
    code, out = run(monkeypatch, capsys, tmp_path, changed, check=True)
    assert out["changed"] is True and out["directory_created"] is False
    assert out["changed_files"] == ["compose.yml", "conf/app/app.conf", "new/extra.conf"]
    assert (tmp_path / "conf" / "app" / "app.conf").read_text() == "port 1\n"
    assert mode_of(tmp_path / "compose.yml") == 0o644 and not (tmp_path / "new").exists()


@pytest.mark.parametrize("path, why", [
    ("", "is empty"), ("/etc/passwd", "is absolute"), ("../x", "leaves the project directory"),
    ("a/../../x", "leaves the project directory"), ("conf/", "names a directory"),
])
def test_paths_outside_the_project_are_refused_before_any_write(tmp_path, monkeypatch, capsys, path, why):
    code, out = run(monkeypatch, capsys, tmp_path / "p", [FILES[0], {"path": path, "content": "listen 80\n"}])
    assert code == 1
    assert out["msg"] == "compose_files: path %r %s; give a relative path inside %s" % (path, why, tmp_path / "p")
    assert not (tmp_path / "p").exists()


def test_paths_listed_twice_are_refused(tmp_path, monkeypatch, capsys):
    files = [FILES[0], FILES[1], dict(FILES[1], content="other"), dict(FILES[0], content="other")]
    code, out = run(monkeypatch, capsys, tmp_path / "p", files)
    assert code == 1 and out["msg"] == "compose_files: compose.yml, conf/app/app.conf listed more than once"
    assert not (tmp_path / "p").exists()


@pytest.mark.parametrize("params, missing", [
    ({"files": FILES}, "directory"),
    ({"directory": "/tmp/x", "files": [{"content": "listen 80\n"}]}, "path"),
    ({"directory": "/tmp/x", "files": [{"path": "app.conf"}]}, "content"),
])
def test_required_options(monkeypatch, capsys, params, missing):
    code, out = run_params(monkeypatch, capsys, params)
    assert code == 1 and "missing required arguments: %s" % missing in out["msg"]


@pytest.mark.skipif(os.getuid() != 0, reason="the defaults chown to root")
def test_defaults_root_owned_0600_files_in_a_0750_directory_and_secret(tmp_path, monkeypatch, capsys):
    params = {"directory": str(tmp_path / "p"), "files": [{"path": "a/env", "content": "KEY=Zq8pL3vN0tInOutput\n"}],
              "_ansible_diff": True}
    code, out = run_params(monkeypatch, capsys, params)
    assert code == 0 and out["changed"] is True and out["diff"] == []
    for path, mode in ((tmp_path / "p", 0o750), (tmp_path / "p" / "a", 0o750), (tmp_path / "p" / "a" / "env", 0o600)):
        info = os.stat(str(path))
        assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (0, 0, mode)


def test_secret_content_is_masked_in_the_result(tmp_path, monkeypatch, capsys):
    secret = "Zq8pL3vN0tInOutput"
    code, out = run(monkeypatch, capsys, tmp_path, [{"path": "env", "content": secret}], diff=True)
    assert out["changed"] is True and secret not in json.dumps(out)


@pytest.mark.parametrize("paths, expected", [
    (["compose.yml"], []),
    (["a/b/c.conf", "a/d.conf", "e/f"], ["a", "e", "a/b"]),
])
def test_subdirectories_parents_first(paths, expected):
    assert subdirectories(paths) == expected


@pytest.mark.parametrize("check", [False, True])
def test_creating_the_directory_alone_is_a_change(tmp_path, monkeypatch, capsys, check):
    # 0700 is also the mode it is created with, so only the creation itself can report the change.
    code, out = run(monkeypatch, capsys, tmp_path / "p", [], check=check, directory_mode="0700")
    assert code == 0 and out["changed"] is True and out["directory_created"] is True


# Whether the project already runs these files (issue 11: an unchanged re-run skips `docker compose up`).

@pytest.fixture
def engine(request):
    import shutil
    import tempfile
    from engine_api_double import EngineApiDouble
    directory = tempfile.mkdtemp(prefix="engine", dir="/tmp")
    servers = []

    def start(answers):
        server = EngineApiDouble(os.path.join(directory, "docker.sock"), answers)
        servers.append(server)
        return "unix://" + server.server_address
    yield start
    for server in servers:
        server.stop()
    shutil.rmtree(directory)


def project_answers(status="Up 1 minute (healthy)", networks=("aistack",)):
    from ansible_collections.selfhosted.ai_stack.plugins.module_utils.engine_api import quote
    filters = json.dumps({"label": ["com.docker.compose.project=p"]})
    containers = [{"Names": ["/p-app-1"], "State": "running", "Status": status, "Image": "app:1", "ImageID": "sha256:a",
                   "Labels": {"com.docker.compose.project": "p", "com.docker.compose.service": "app"}}]
    answers = {"/containers/json?all=1&filters=" + quote(filters, safe=""): (200, containers),
               "/images/app:1/json": (200, {"Id": "sha256:a"})}
    answers.update(("/networks/" + name, (200, {"Name": name})) for name in networks)
    return answers


def deploy(monkeypatch, capsys, directory, docker_host, check=False, files=FILES, **extra):
    params = dict(project="p", services={"app": "app:1"}, network="aistack", docker_host=docker_host, **extra)
    return run(monkeypatch, capsys, directory, files, check=check, **params)


def test_without_a_project_nothing_is_read_from_the_engine(tmp_path, monkeypatch, capsys):
    code, out = run(monkeypatch, capsys, tmp_path, FILES)
    assert code == 0 and not {"digest", "deployed", "deployment_problems", "network_exists"} & set(out)


def test_a_project_never_applied_is_not_deployed_even_when_it_runs(tmp_path, monkeypatch, capsys, engine):
    code, out = deploy(monkeypatch, capsys, tmp_path, engine(project_answers()))
    assert code == 0 and out["deployed"] is False and out["network_exists"] is True
    assert out["deployment_problems"] == ["no apply of %s has finished yet" % tmp_path]


def test_the_applied_files_running_healthy_are_deployed(tmp_path, monkeypatch, capsys, engine):
    host = engine(project_answers())
    code, out = deploy(monkeypatch, capsys, tmp_path, host)
    (tmp_path / ".applied").write_text(out["digest"] + "\n")
    code, out = deploy(monkeypatch, capsys, tmp_path, host)
    assert code == 0 and out["changed"] is False
    assert out["deployed"] is True and out["deployment_problems"] == [] and out["network_exists"] is True
    assert out["marker"] == str(tmp_path / ".applied")
    assert out["image_labels"] == {"app:1": {}}


@pytest.mark.parametrize("image, labels", [
    ({"Id": "sha256:a", "Config": {"Labels": {"org.aistack.build-sha": "abc"}}}, {"app:1": {"org.aistack.build-sha": "abc"}}),
    ({"Id": "sha256:a", "Config": {"Labels": None}}, {"app:1": {}}),
    (None, {}),  # the Engine lacks the image: left out
])
def test_the_labels_of_the_project_images_are_returned(tmp_path, monkeypatch, capsys, engine, image, labels):
    answers = project_answers()
    if image is None:
        del answers["/images/app:1/json"]
    else:
        answers["/images/app:1/json"] = (200, image)
    code, out = deploy(monkeypatch, capsys, tmp_path, engine(answers))
    assert code == 0 and out["image_labels"] == labels


def test_a_file_written_but_never_applied_is_not_deployed(tmp_path, monkeypatch, capsys, engine):
    # A run killed between the write and the apply leaves the files right; the marker still tells.
    host = engine(project_answers())
    code, out = deploy(monkeypatch, capsys, tmp_path, host)
    (tmp_path / ".applied").write_text(out["digest"] + "\n")
    changed = [FILES[0], dict(FILES[1], content="port 2\n")]
    deploy(monkeypatch, capsys, tmp_path, host, files=changed)
    code, out = deploy(monkeypatch, capsys, tmp_path, host, files=changed)
    assert out["changed"] is False and out["deployed"] is False
    assert out["deployment_problems"] == ["the files changed since the last apply"]


@pytest.mark.parametrize("status, problem", [
    ("Up 1 minute (unhealthy)", "p-app-1 is unhealthy"),
    ("Up 1 second (health: starting)", "p-app-1 is starting"),
])
def test_applied_but_not_healthy_is_not_deployed(tmp_path, monkeypatch, capsys, engine, status, problem):
    host = engine(project_answers(status=status))
    code, out = deploy(monkeypatch, capsys, tmp_path, host)
    (tmp_path / ".applied").write_text(out["digest"])
    code, out = deploy(monkeypatch, capsys, tmp_path, host)
    assert out["deployed"] is False and out["deployment_problems"] == [problem]


def test_check_mode_reports_the_deployment_without_writing(tmp_path, monkeypatch, capsys, engine):
    code, out = deploy(monkeypatch, capsys, tmp_path / "p", engine(project_answers(networks=())), check=True)
    assert out["deployed"] is False and out["network_exists"] is False and not (tmp_path / "p").exists()


@pytest.mark.parametrize("docker_host", ["unix:///nonexistent/docker.sock", "tcp://127.0.0.1:2375"])
def test_no_engine_is_not_deployed(tmp_path, monkeypatch, capsys, docker_host):
    (tmp_path / ".applied").write_text("x")
    code, out = deploy(monkeypatch, capsys, tmp_path, docker_host)
    assert code == 0 and out["deployed"] is False and out["network_exists"] is False
    assert out["deployment_problems"] == ["the files changed since the last apply",
                                          "the Docker Engine does not answer at %s" % docker_host]
    assert out["image_labels"] == {}


def test_the_network_alone_can_be_asked_for(tmp_path, monkeypatch, capsys, engine):
    host = engine(project_answers(networks=("aistack",)))
    code, out = run(monkeypatch, capsys, tmp_path, FILES, network="aistack", docker_host=host)
    assert out["network_exists"] is True and "deployed" not in out
    code, out = run(monkeypatch, capsys, tmp_path, FILES, network="other", docker_host=host)
    assert out["network_exists"] is False
    code, out = run(monkeypatch, capsys, tmp_path, FILES, network="aistack", docker_host="unix:///nonexistent.sock")
    assert out["network_exists"] is False


def test_a_project_without_a_network_reports_none(tmp_path, monkeypatch, capsys, engine):
    host = engine(project_answers())
    code, out = run(monkeypatch, capsys, tmp_path, FILES, project="p", services={"app": "app:1"}, docker_host=host)
    assert "network_exists" not in out and out["deployed"] is False


def test_a_marker_that_is_not_text_is_a_change_not_a_crash(tmp_path, monkeypatch, capsys, engine):
    (tmp_path / ".applied").write_bytes(b"\xff\xfe\n")
    code, out = deploy(monkeypatch, capsys, tmp_path, engine(project_answers()))
    assert code == 0 and out["deployment_problems"] == ["the files changed since the last apply"]


def test_the_engine_is_read_on_its_standard_socket_by_default(monkeypatch):
    spec = argument_spec_of(compose_files, monkeypatch)
    assert spec["docker_host"]["default"] == "unix:///var/run/docker.sock"
