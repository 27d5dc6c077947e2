# REQUIREMENTS REL2 and issue 11: a daemon.json change is applied even after an interrupted run, and
# dockerd restarts (dropping Traefik's routes for a while) only for options it cannot reload.
import base64
import importlib.util
import json
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "roles" / "docker" / "files" / "daemon_json_state.py"
SPEC = importlib.util.spec_from_file_location("daemon_json_state", SCRIPT)
state = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(state)

BASE = {"log-driver": "json-file", "log-opts": {"max-size": "10m", "max-file": "3"}, "live-restore": True}


@pytest.mark.parametrize("wanted, on_disk, applied, written_after_start, expected", [
    # Nothing to do: the engine runs the recorded copy, which is what is wanted.
    (BASE, BASE, BASE, True, ("none", [])),
    (BASE, BASE, BASE, False, ("none", [])),
    # The engine started after the file was written (first install, a reboot, an interrupted record):
    # it runs the file; only the copy is missing or old.
    (BASE, BASE, None, False, ("record", [])),
    (BASE, BASE, dict(BASE, debug=True), False, ("record", [])),
    # Written, never applied (a run killed after the write): the copy tells what the engine runs.
    (dict(BASE, debug=True), dict(BASE, debug=True), BASE, True, ("reload", ["debug"])),
    (dict(BASE, labels=["a"], debug=True), dict(BASE, labels=["a"], debug=True), BASE, True, ("reload", ["debug", "labels"])),
    (dict(BASE, **{"log-opts": {"max-size": "10m", "max-file": "5"}}), BASE, BASE, False, ("restart", ["log-opts"])),
    # A reloadable and a start-only option together: restart.
    (dict(BASE, debug=True, mtu=1400), BASE, BASE, False, ("restart", ["debug", "mtu"])),
    # An option taken out counts as changed.
    (BASE, dict(BASE, debug=True), dict(BASE, debug=True), False, ("reload", ["debug"])),
    ({"log-driver": "json-file"}, BASE, BASE, False, ("restart", ["live-restore", "log-opts"])),
    # Nothing known of what the engine runs: restart.
    (BASE, BASE, None, True, ("restart", ["live-restore", "log-driver", "log-opts"])),
    (BASE, None, None, True, ("restart", ["live-restore", "log-driver", "log-opts"])),
    # The file differs from what is wanted (check mode, before the write): compare with the copy.
    (dict(BASE, debug=True), BASE, BASE, False, ("reload", ["debug"])),
])
def test_decide(wanted, on_disk, applied, written_after_start, expected):
    assert state.decide(wanted, on_disk, applied, written_after_start) == expected


@pytest.mark.parametrize("option", sorted(state.RELOADABLE))
def test_each_reloadable_option_alone_is_reloaded(option):
    assert state.decide(dict(BASE, **{option: "x"}), BASE, BASE, True) == ("reload", [option])


@pytest.mark.parametrize("option", ["log-opts", "default-address-pools", "data-root", "mtu", "features", "log-driver"])
def test_options_read_at_start_need_a_restart(option):
    assert state.decide(dict(BASE, **{option: "x"}), BASE, BASE, True) == ("restart", [option])


def test_the_documented_reloadable_options():
    assert state.RELOADABLE == {
        "debug", "labels", "live-restore", "max-concurrent-downloads", "max-concurrent-uploads",
        "max-download-attempts", "default-runtime", "runtimes", "authorization-plugins",
        "insecure-registries", "registry-mirrors", "shutdown-timeout"}


def test_read_json(tmp_path):
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text('{"debug": true}')
    bad.write_text("{")
    assert state.read_json(str(good)) == {"debug": True}
    assert state.read_json(str(bad)) is None
    assert state.read_json(str(tmp_path / "missing.json")) is None


class FakeRun:
    def __init__(self, stdout):
        self.stdout = stdout


@pytest.mark.parametrize("stdout, expected", [
    ("MainPID=42\nExecMainStartTimestamp=@1764200000\n", 1764200000),
    ("MainPID=0\nExecMainStartTimestamp=@1764200000\n", None),
    ("MainPID=42\nExecMainStartTimestamp=\n", None),
    ("ExecMainStartTimestamp=@1764200000\n", None),
])
def test_main_process_start(monkeypatch, stdout, expected):
    calls = []
    monkeypatch.setattr(state.subprocess, "run", lambda argv, **kwargs: calls.append((argv, kwargs)) or FakeRun(stdout))
    assert state.main_process_start("docker.service") == expected
    assert calls == [(["systemctl", "show", "--timestamp=unix", "-p", "ExecMainStartTimestamp", "-p", "MainPID", "docker.service"],
                      {"capture_output": True, "text": True, "check": False})]


@pytest.mark.parametrize("mtime, started, action", [
    (100.5, 100, "reload"),   # written in the second the engine started: not known to be loaded
    (100.0, 100, "reload"),
    (99.5, 100, "none"),      # written before the engine started: it runs the file
    (99.5, None, "reload"),   # the engine does not run
])
def test_main_prints_the_action(tmp_path, monkeypatch, capsys, mtime, started, action):
    wanted = dict(BASE, debug=True)
    daemon_json = tmp_path / "daemon.json"
    daemon_json.write_text(json.dumps(wanted))
    (tmp_path / "daemon.json.applied").write_text(json.dumps(BASE if action == "reload" else wanted))
    import os
    os.utime(daemon_json, (mtime, mtime))
    monkeypatch.setattr(state, "DAEMON_JSON", str(daemon_json))
    monkeypatch.setattr(state, "APPLIED_COPY", str(tmp_path / "daemon.json.applied"))
    monkeypatch.setattr(state, "main_process_start", lambda unit: started if unit == "docker.service" else 1 / 0)
    assert state.main(["x", base64.b64encode(json.dumps(wanted).encode()).decode()]) == 0
    assert json.loads(capsys.readouterr().out) == {"action": action, "options": ["debug"] if action == "reload" else []}


def test_a_missing_daemon_json_means_restart(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(state, "DAEMON_JSON", str(tmp_path / "daemon.json"))
    monkeypatch.setattr(state, "APPLIED_COPY", str(tmp_path / "daemon.json.applied"))
    monkeypatch.setattr(state, "main_process_start", lambda unit: 100)
    state.main(["x", base64.b64encode(b'{"debug": true}').decode()])
    assert json.loads(capsys.readouterr().out) == {"action": "restart", "options": ["debug"]}


def test_the_paths_the_role_tasks_use():
    assert (state.DAEMON_JSON, state.APPLIED_COPY, state.UNIT) == (
        "/etc/docker/daemon.json", "/etc/docker/daemon.json.applied", "docker.service")


def test_run_as_a_script_it_needs_the_wanted_options():
    import subprocess
    import sys
    assert subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, check=False).returncode != 0
