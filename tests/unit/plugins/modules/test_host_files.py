# A role's host files in one call (issue 11, REQUIREMENTS B8): content, owner, group, mode, reads.
import grp
import json
import os
import pwd
import stat

import pytest

from ansible_collections.selfhosted.ai_stack.plugins.modules import host_files
from module_runner import run_module

USER = pwd.getpwuid(os.getuid()).pw_name
GROUP = grp.getgrgid(os.getgid()).gr_name


def run_params(monkeypatch, capsys, params):
    return run_module(host_files, monkeypatch, capsys, params)


def run(monkeypatch, capsys, directories=(), files=(), read=(), check=False, diff=False):
    """As the current user, so the tests need no root."""
    mine = {"owner": USER, "group": GROUP}
    params = dict(directories=[dict(mine, **d) for d in directories], files=[dict(mine, **f) for f in files],
                  read=list(read), _ansible_check_mode=check, _ansible_diff=diff)
    return run_params(monkeypatch, capsys, params)


def mode_of(path):
    return stat.S_IMODE(os.stat(str(path)).st_mode)


def layout(tmp_path):
    directories = [{"path": str(tmp_path / "etc" / "app.d"), "mode": "0750"}]
    files = [{"path": str(tmp_path / "etc" / "app.d" / "limits.conf"), "content": "nofile 1\n", "mode": "0644",
              "secret": False},
             {"path": str(tmp_path / "key"), "content": "Zq8pL3vN0tInOutput\n"}]
    return directories, files


def test_first_run_creates_the_directories_and_files_with_their_modes(tmp_path, monkeypatch, capsys):
    directories, files = layout(tmp_path)
    code, out = run(monkeypatch, capsys, directories, files)
    assert code == 0 and out["changed"] is True
    assert out["changed_files"] == [directories[0]["path"], files[0]["path"], files[1]["path"]]
    assert (tmp_path / "etc" / "app.d" / "limits.conf").read_text() == "nofile 1\n"
    assert mode_of(tmp_path / "etc" / "app.d") == 0o750 and mode_of(tmp_path / "etc" / "app.d" / "limits.conf") == 0o644
    assert mode_of(tmp_path / "key") == 0o600
    assert sorted(os.listdir(str(tmp_path))) == ["etc", "key"]


def test_second_run_changes_nothing_and_reads_what_was_written(tmp_path, monkeypatch, capsys):
    directories, files = layout(tmp_path)
    run(monkeypatch, capsys, directories, files)
    missing = str(tmp_path / "none")
    code, out = run(monkeypatch, capsys, directories, files, read=[files[0]["path"], missing])
    assert code == 0 and out["changed"] is False and out["changed_files"] == []
    assert out["contents"] == {files[0]["path"]: "nofile 1\n", missing: None}


def test_a_directory_mode_change_alone_is_reported_by_path(tmp_path, monkeypatch, capsys):
    directories, files = layout(tmp_path)
    run(monkeypatch, capsys, directories, files)
    os.chmod(directories[0]["path"], 0o755)
    code, out = run(monkeypatch, capsys, directories, files)
    assert out["changed"] is True and out["changed_files"] == [directories[0]["path"]]
    assert mode_of(directories[0]["path"]) == 0o750


def test_an_unchanged_directory_after_a_changed_one_keeps_the_change(tmp_path, monkeypatch, capsys):
    directories = [{"path": str(tmp_path / "a")}, {"path": str(tmp_path / "b")}]
    run(monkeypatch, capsys, directories)
    os.chmod(str(tmp_path / "a"), 0o700)
    code, out = run(monkeypatch, capsys, directories)
    assert out["changed"] is True and out["changed_files"] == [str(tmp_path / "a")]


def test_only_the_changed_file_is_written_and_the_diff_hides_secrets(tmp_path, monkeypatch, capsys):
    directories, files = layout(tmp_path)
    run(monkeypatch, capsys, directories, files)
    changed = [dict(files[0], content="nofile 2\n"), dict(files[1], content="Other9SecretValue0\n")]
    code, out = run(monkeypatch, capsys, directories, changed, diff=True)
    assert out["changed_files"] == [files[0]["path"], files[1]["path"]]
    assert out["diff"] == [{"before_header": files[0]["path"], "after_header": files[0]["path"],
                            "before": "nofile 1\n", "after": "nofile 2\n"}]
    assert "Other9SecretValue0" not in json.dumps(out) and "Zq8pL3vN0tInOutput" not in json.dumps(out)


def test_check_mode_reports_everything_and_writes_nothing(tmp_path, monkeypatch, capsys):
    directories, files = layout(tmp_path)
    code, out = run(monkeypatch, capsys, directories, files, read=[files[0]["path"]], check=True)
    assert code == 0 and out["changed"] is True
    assert out["changed_files"] == [directories[0]["path"], files[0]["path"], files[1]["path"]]
    assert out["contents"] == {files[0]["path"]: None}
    assert os.listdir(str(tmp_path)) == []


def test_check_mode_on_written_files_reports_only_the_difference(tmp_path, monkeypatch, capsys):
    directories, files = layout(tmp_path)
    run(monkeypatch, capsys, directories, files)
    code, out = run(monkeypatch, capsys, directories, [files[0], dict(files[1], mode="0640")], check=True)
    assert out["changed"] is True and out["changed_files"] == [files[1]["path"]]
    assert mode_of(files[1]["path"]) == 0o600


def test_a_file_whose_directory_is_missing_and_unlisted_is_refused(tmp_path, monkeypatch, capsys):
    path = str(tmp_path / "missing" / "x.conf")
    code, out = run(monkeypatch, capsys, files=[{"path": path, "content": "listen 80\n"}])
    assert code == 1
    assert out["msg"] == "host_files: the directory of %s does not exist; list it in directories" % path


@pytest.mark.parametrize("directories, files, msg", [
    ([{"path": "etc/app"}], [], "host_files: etc/app is not an absolute path"),
    ([], [{"path": "x.conf", "content": "listen 80\n"}], "host_files: x.conf is not an absolute path"),
    ([{"path": "/tmp/a"}], [{"path": "/tmp/a", "content": "listen 80\n"}, {"path": "/tmp/b", "content": "listen 80\n"},
                            {"path": "/tmp/b", "content": "listen 81\n"}], "host_files: /tmp/a, /tmp/b listed more than once"),
])
def test_relative_or_repeated_paths_are_refused_before_any_write(monkeypatch, capsys, directories, files, msg):
    code, out = run_params(monkeypatch, capsys, dict(directories=directories, files=files))
    assert code == 1 and out["msg"] == msg


@pytest.mark.skipif(os.getuid() != 0, reason="the defaults chown to root")
def test_defaults_are_root_owned_0755_directories_and_0600_files(tmp_path, monkeypatch, capsys):
    params = {"directories": [{"path": str(tmp_path / "d")}],
              "files": [{"path": str(tmp_path / "d" / "env"), "content": "KEY=Zq8pL3vN0tInOutput\n"}],
              "_ansible_diff": True}
    code, out = run_params(monkeypatch, capsys, params)
    assert code == 0 and out["diff"] == [] and "Zq8pL3vN0tInOutput" not in json.dumps(out)
    for path, mode in ((tmp_path / "d", 0o755), (tmp_path / "d" / "env", 0o600)):
        info = os.stat(str(path))
        assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (0, 0, mode)


def test_every_relative_path_is_named(monkeypatch, capsys):
    code, out = run_params(monkeypatch, capsys, dict(directories=[{"path": "a"}, {"path": "b"}]))
    assert code == 1 and out["msg"] == "host_files: a, b is not an absolute path"


def test_a_read_of_bytes_that_are_not_utf8_does_not_fail(tmp_path, monkeypatch, capsys):
    (tmp_path / "raw").write_bytes(b"ok \xff\n")
    code, out = run(monkeypatch, capsys, read=[str(tmp_path / "raw")])
    assert code == 0 and out["contents"][str(tmp_path / "raw")].startswith("ok ")


@pytest.mark.parametrize("params, missing", [
    ({"directories": [{"mode": "0755"}]}, "path"),
    ({"files": [{"content": "listen 80\n"}]}, "path"),
    ({"files": [{"path": "/tmp/x.conf"}]}, "content"),
])
def test_required_options(monkeypatch, capsys, params, missing):
    code, out = run_params(monkeypatch, capsys, params)
    assert code == 1 and "missing required arguments: %s" % missing in out["msg"]


def test_check_mode_is_supported(tmp_path, monkeypatch, capsys):
    code, out = run_params(monkeypatch, capsys, {"read": [str(tmp_path)], "_ansible_check_mode": True})
    assert code == 0 and out.get("skipped") is not True and out["changed"] is False


def test_a_file_its_validate_command_refuses_is_not_written(tmp_path, monkeypatch, capsys):
    path = tmp_path / "daemon.json"
    path.write_text("{}\n")
    entry = {"path": str(path), "content": "{broken\n", "mode": "0644", "secret": False,
             "validate": "python3 -c 'import json,sys; json.load(open(sys.argv[1]))' %s"}
    directory = {"path": str(tmp_path / "made"), "mode": "0750"}
    code, out = run(monkeypatch, capsys, directories=[directory], files=[entry])
    assert code == 1 and out["msg"].startswith("%s was not written: python3 refused it: Traceback" % path)
    assert out["changed_files"] == [directory["path"]]
    assert path.read_text() == "{}\n" and sorted(os.listdir(str(tmp_path))) == ["daemon.json", "made"]


def test_a_file_its_validate_command_accepts_is_written_and_check_mode_does_not_validate(tmp_path, monkeypatch,
                                                                                        capsys):
    path = tmp_path / "daemon.json"
    seen = tmp_path / "seen"
    entry = {"path": str(path), "content": "{\"debug\": true}\n", "mode": "0644", "secret": False,
             "validate": "python3 -c 'import json,sys; json.load(open(sys.argv[1])); open(sys.argv[2], \"a\").write(\"x\")' %%s %s" % seen}
    code, out = run(monkeypatch, capsys, files=[entry], check=True)
    assert code == 0 and out["changed_files"] == [str(path)] and not seen.exists() and not path.exists()
    code, out = run(monkeypatch, capsys, files=[entry])
    assert code == 0 and out["changed_files"] == [str(path)] and seen.read_text() == "x"
    assert path.read_text() == "{\"debug\": true}\n"
    code, out = run(monkeypatch, capsys, files=[entry])
    assert out["changed"] is False and seen.read_text() == "x"


# units: one `systemctl show` after the writes, so roles start or restart a service only when needed.
SHOW_DOCKER = ("MainPID=936\nExecMainStartTimestampMonotonic=400000000\nLoadState=loaded\nActiveState=active\n"
               "UnitFileState=enabled\nNeedDaemonReload=no\n")
SHOW_MISSING = ("MainPID=0\nExecMainStartTimestampMonotonic=0\nLoadState=not-found\nActiveState=inactive\n"
                "UnitFileState=\nNeedDaemonReload=no\n")
SHOW_TIMER = "LoadState=loaded\nActiveState=inactive\nUnitFileState=disabled\nNeedDaemonReload=yes\n"
SHOW_STOPPED = ("MainPID=0\nExecMainStartTimestampMonotonic=300000000\nLoadState=loaded\nActiveState=failed\n"
                "UnitFileState=enabled\nNeedDaemonReload=no\n")


@pytest.mark.parametrize("block, expected", [
    (SHOW_DOCKER, dict(load_state="loaded", active_state="active", unit_file_state="enabled",
                       need_daemon_reload=False, started=900.0)),
    (SHOW_MISSING, dict(load_state="not-found", active_state="inactive", unit_file_state="",
                        need_daemon_reload=False, started=None)),
    (SHOW_TIMER, dict(load_state="loaded", active_state="inactive", unit_file_state="disabled",
                      need_daemon_reload=True, started=None)),
    (SHOW_STOPPED, dict(load_state="loaded", active_state="failed", unit_file_state="enabled",
                        need_daemon_reload=False, started=None)),
])
def test_a_unit_state_is_read_from_its_block(block, expected):
    # started: now 1000, monotonic clock at 500 s, main process started at 400 s of it -> 900
    assert host_files.parse_units(["u"], block + "\n", 1000.0, 500.0) == {"u": expected}


@pytest.mark.parametrize("block, started", [
    # the microseconds count: 400.123456 s of the monotonic clock, kept to the millisecond
    ("MainPID=9\nExecMainStartTimestampMonotonic=400123456\n", 900.123),
    ("MainPID=9\nExecMainStartTimestampMonotonic=1\n", 500.0),
    # an hour of monotonic time: a microsecond read as anything else shows in the milliseconds
    ("MainPID=9\nExecMainStartTimestampMonotonic=3600500000\n", 4100.5),
    # a property whose value holds "=" (systemctl prints ExecStart so) is read up to its first "="
    ("MainPID=9\nExecStart={ path=/usr/bin/dockerd ; argv[]=/usr/bin/dockerd -H fd:// }\n"
     "ExecMainStartTimestampMonotonic=1\n", 500.0),
    ("MainPID=9\nExecMainStartTimestampMonotonic=0\n", None),  # a main process without a start time
    ("MainPID=9\nExecMainStartTimestampMonotonic=\n", None),
    ("ExecMainStartTimestampMonotonic=400000000\n", None),  # no main process at all
])
def test_started_needs_a_main_process_and_its_start_time(block, started):
    unit = host_files.parse_units(["u"], block, 1000.0, 500.0)["u"]
    assert unit["started"] == started
    assert (unit["load_state"], unit["active_state"], unit["unit_file_state"]) == ("", "", "")


def test_blocks_are_matched_to_units_in_order():
    units = host_files.parse_units(["docker.service", "gone.service"], SHOW_DOCKER + "\n" + SHOW_MISSING, 1000.0, 500.0)
    assert [units[name]["load_state"] for name in ("docker.service", "gone.service")] == ["loaded", "not-found"]


def test_a_block_count_that_does_not_match_is_refused():
    with pytest.raises(ValueError, match="answered 1 blocks for 2 units"):
        host_files.parse_units(["a.service", "b.service"], SHOW_DOCKER, 1000.0, 500.0)


def fake_systemctl(tmp_path, monkeypatch, output, rc=0):
    """A `systemctl` first on PATH that records its arguments and prints output."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "systemctl"
    script.write_text("#!/bin/sh\necho \"$@\" >> %s\nprintf '%%s' '%s'\nexit %d\n" % (tmp_path / "calls", output, rc))
    script.chmod(0o755)
    monkeypatch.setenv("PATH", "%s:%s" % (bin_dir, os.environ["PATH"]))
    return tmp_path / "calls"


def test_units_are_read_with_one_systemctl_show(tmp_path, monkeypatch, capsys):
    calls = fake_systemctl(tmp_path, monkeypatch, SHOW_DOCKER + "\n" + SHOW_MISSING)
    code, out = run_params(monkeypatch, capsys, dict(units=["docker.service", "gone.service"]))
    assert code == 0 and out["changed"] is False
    assert calls.read_text() == ("show -p LoadState,ActiveState,UnitFileState,NeedDaemonReload,MainPID,"
                                 "ExecMainStartTimestampMonotonic -- docker.service gone.service\n")
    assert out["units"]["docker.service"]["active_state"] == "active"
    assert out["units"]["gone.service"] == dict(load_state="not-found", active_state="inactive", unit_file_state="",
                                                need_daemon_reload=False, started=None)


def test_without_units_systemctl_is_not_called(tmp_path, monkeypatch, capsys):
    calls = fake_systemctl(tmp_path, monkeypatch, SHOW_DOCKER)
    code, out = run_params(monkeypatch, capsys, dict())
    assert code == 0 and out["units"] == {} and not calls.exists()


@pytest.mark.parametrize("output, rc, msg", [
    ("", 1, "host_files: systemctl show failed"),
    ("Unit name a.service is not valid.", 1, "host_files: systemctl show failed: Unit name a.service is not valid."),
    (SHOW_DOCKER, 0, "host_files: systemctl show answered 1 blocks for 2 units"),
])
def test_a_failing_or_short_systemctl_answer_fails_the_task(tmp_path, monkeypatch, capsys, output, rc, msg):
    fake_systemctl(tmp_path, monkeypatch, output, rc)
    code, out = run_params(monkeypatch, capsys, dict(units=["a.service", "b.service"]))
    assert code == 1 and out["msg"].startswith(msg)


def test_mtimes_are_those_of_the_files_after_the_writes(tmp_path, monkeypatch, capsys):
    directories, files = layout(tmp_path)
    code, out = run(monkeypatch, capsys, directories, files, check=True)
    assert out["mtimes"] == {files[0]["path"]: None, files[1]["path"]: None}
    run(monkeypatch, capsys, directories, files)
    os.utime(files[0]["path"], (1000, 1234.5))
    code, out = run(monkeypatch, capsys, directories, files)
    assert out["mtimes"][files[0]["path"]] == 1234.5
    assert out["mtimes"][files[1]["path"]] == os.stat(files[1]["path"]).st_mtime
