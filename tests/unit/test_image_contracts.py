# Issue 10: a stand-in image may not be more forgiving than the real image it stands in for.
import importlib.util
import json
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "images" / "contract.py"
SPEC = importlib.util.spec_from_file_location("image_contract", SCRIPT)
contract = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(contract)

HAPROXY = {
    "stands_in_for": "haproxy:3.0", "user": "haproxy", "uid": 99,
    "entrypoint": ["docker-entrypoint.sh"], "cmd": ["haproxy", "-f", "/etc/h.cfg"],
    "stop_signal": "SIGUSR1", "workdir": "/var/lib/haproxy",
    "has": ["haproxy", "bash"], "lacks": ["curl", "wget"], "paths": ["/usr/local/etc/haproxy"],
    "env": {"PGDATA": "/data", "POSTGRES_USER": "admin"}, "users": {"haproxy": 99, "other": 101},
}
KEPT = {
    "user": "haproxy", "uid": 99, "entrypoint": ["docker-entrypoint.sh"], "cmd": ["haproxy", "-f", "/etc/h.cfg"],
    "stop_signal": "SIGUSR1", "workdir": "/var/lib/haproxy", "binaries": {"haproxy", "bash"},
    "paths": {"/usr/local/etc/haproxy"}, "env": {"PGDATA": "/data", "POSTGRES_USER": "admin", "PATH": "/bin"},
    "users": {"haproxy": 99, "other": 101, "root": 0},
}


def test_a_stand_in_that_keeps_the_contract_has_no_problems():
    assert contract.contract_problems("h", HAPROXY, KEPT) == []


@pytest.mark.parametrize("change, expected", [
    ({"uid": 0}, "h: starts as uid 0, the real image as uid 99"),
    ({"user": ""}, 'h: user is "", the real image\'s is "haproxy"'),
    ({"entrypoint": []}, 'h: entrypoint is [], the real image\'s is ["docker-entrypoint.sh"]'),
    ({"cmd": ["haproxy", "-W", "-f", "/etc/h.cfg"]}, "h: cmd is [\"haproxy\", \"-W\", \"-f\", \"/etc/h.cfg\"]"),
    ({"stop_signal": ""}, 'h: stop_signal is "", the real image\'s is "SIGUSR1"'),
    ({"workdir": "/"}, 'h: workdir is "/", the real image\'s is "/var/lib/haproxy"'),
    ({"binaries": {"haproxy", "bash", "curl"}}, "h: has curl, which the real image lacks"),
    ({"binaries": {"haproxy", "bash", "wget"}}, "h: has wget, which the real image lacks"),
    ({"binaries": {"bash"}}, "h: has no haproxy, which the roles call in the real image"),
    ({"paths": set()}, "h: has no /usr/local/etc/haproxy"),
    ({"env": {"PGDATA": "/data", "POSTGRES_USER": "postgres"}}, "h: sets POSTGRES_USER=postgres, the real image POSTGRES_USER=admin"),
    ({"env": {"PGDATA": "/data"}}, "h: sets POSTGRES_USER=None, the real image POSTGRES_USER=admin"),
    ({"users": {"haproxy": 99, "other": 999}}, "h: its user other has uid 999, the real image's 101"),
    ({"users": {"other": 101}}, "h: its user haproxy has uid None, the real image's 99"),
])
def test_each_broken_term_is_named(change, expected):
    problems = contract.contract_problems("h", HAPROXY, dict(KEPT, **change))
    assert len(problems) == 1
    assert problems[0].startswith(expected)


@pytest.mark.parametrize("field", ["user", "uid", "entrypoint", "cmd", "stop_signal", "workdir",
                                   "has", "lacks", "paths", "stands_in_for"])
def test_a_contract_without_a_field_is_refused(field):
    incomplete = {key: value for key, value in HAPROXY.items() if key != field}
    assert contract.contract_problems("h", incomplete, KEPT) == ["h: the contract has no %r" % field]


def run_probe(script):
    """Runs the probe in this machine's sh, with PATH limited to a directory of fake binaries."""
    return subprocess.run(["sh", "-c", script], capture_output=True, text=True, check=True).stdout


def test_the_probe_reports_the_uid_the_binaries_found_and_the_paths_that_exist(tmp_path):
    terms = {"has": ["sh"], "lacks": ["no-such-binary-here"], "paths": [str(tmp_path), str(tmp_path / "missing")],
             "users": {"root": 0, "no-such-user-here": 5}}
    observed = contract.parse_probe(run_probe(contract.probe_script(terms)))
    assert observed == {"uid": int(run_probe("id -u")), "binaries": {"sh"}, "paths": {str(tmp_path)}, "users": {"root": 0}}


def test_a_contract_without_env_or_users_asks_nothing_of_them():
    bare = {key: value for key, value in HAPROXY.items() if key not in ("env", "users")}
    assert contract.contract_problems("h", bare, dict(KEPT, env={}, users={})) == []


def test_the_probe_of_an_empty_contract_prints_the_uid_alone():
    assert run_probe(contract.probe_script({})).strip() == run_probe("id -u").strip()


def test_parse_probe_reads_names_with_spaces_whole():
    assert contract.parse_probe("99\nhas bash\npath /a b\nuser a b 7\n") == {
        "uid": 99, "binaries": {"bash"}, "paths": {"/a b"}, "users": {"a b": 7}}


@pytest.mark.parametrize("config, expected", [
    ({"User": "haproxy", "Entrypoint": ["e"], "Cmd": ["c"], "StopSignal": "SIGINT", "WorkingDir": "/w",
      "Env": ["A=1", "B=x=y", "C="]},
     {"user": "haproxy", "entrypoint": ["e"], "cmd": ["c"], "stop_signal": "SIGINT", "workdir": "/w",
      "env": {"A": "1", "B": "x=y", "C": ""}}),
    ({"User": "", "Entrypoint": None, "Cmd": None, "WorkingDir": "", "Env": None},
     {"user": "", "entrypoint": [], "cmd": [], "stop_signal": "", "workdir": "", "env": {}}),
])
def test_config_fields_reads_none_and_missing_as_empty(config, expected):
    assert contract.config_fields(config) == expected


class FakeDocker:
    """Answers `docker image inspect` and the probe's `docker run` as an image would."""

    def __init__(self, images):
        self.images = images
        self.calls = []

    def __call__(self, argv, **kwargs):
        self.calls.append(argv)
        assert kwargs.get("capture_output") is True and kwargs.get("text") is True
        if argv[:3] == ["docker", "image", "inspect"]:
            image = argv[3]
            if image not in self.images:
                return subprocess.CompletedProcess(argv, 1, "", "No such image")
            return subprocess.CompletedProcess(argv, 0, json.dumps([{"Config": self.images[image][0]}]), "")
        assert argv[:8] == ["docker", "run", "--rm", "--network", "none", "--entrypoint", "sh", argv[7]]
        assert argv[8] == "-c" and kwargs.get("check") is True
        return subprocess.CompletedProcess(argv, 0, self.images[argv[7]][1], "")


KEPT_CONFIG = {"User": "haproxy", "Entrypoint": ["docker-entrypoint.sh"], "Cmd": ["haproxy", "-f", "/etc/h.cfg"],
               "StopSignal": "SIGUSR1", "WorkingDir": "/var/lib/haproxy", "Env": ["PGDATA=/data", "POSTGRES_USER=admin"]}
KEPT_PROBE = "99\nhas haproxy\nhas bash\npath /usr/local/etc/haproxy\nuser haproxy 99\nuser other 101\n"


@pytest.fixture
def contracts_file(tmp_path, monkeypatch):
    path = tmp_path / "contracts.yml"
    path.write_text(json.dumps({"h": HAPROXY, "r": dict(HAPROXY, stands_in_for="redis")}))
    monkeypatch.setattr(contract, "CONTRACTS", path)
    return path


def test_main_passes_when_every_image_keeps_its_contract(contracts_file, monkeypatch, capsys):
    docker = FakeDocker({"h": (KEPT_CONFIG, KEPT_PROBE), "r": (KEPT_CONFIG, KEPT_PROBE)})
    monkeypatch.setattr(contract.subprocess, "run", docker)
    assert contract.main([]) == 0
    out = capsys.readouterr()
    assert out.out.splitlines() == ["[contract] h: keeps the contract of haproxy:3.0",
                                    "[contract] r: keeps the contract of redis"]
    assert out.err == ""
    assert [call[3] for call in docker.calls if call[1] == "image"] == ["h", "r"]


def test_main_fails_naming_the_broken_term_a_missing_image_and_an_unknown_one(contracts_file, monkeypatch, capsys):
    docker = FakeDocker({"h": (dict(KEPT_CONFIG, User=""), "0\nhas haproxy\nhas bash\nhas curl\npath /usr/local/etc/haproxy\nuser haproxy 99\nuser other 101\n")})
    monkeypatch.setattr(contract.subprocess, "run", docker)
    assert contract.main(["h", "r", "x"]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == ["[contract] h: BROKEN"]
    err = err.splitlines()
    assert err == [
        'CONTRACT BROKEN: h: user is "", the real image\'s is "haproxy"',
        "CONTRACT BROKEN: h: starts as uid 0, the real image as uid 99",
        "CONTRACT BROKEN: h: has curl, which the real image lacks (a role could come to depend on it)",
        "CONTRACT BROKEN: r: not built (tests/images/build.sh)",
        "CONTRACT BROKEN: x: no contract in contracts.yml",
    ]
    probe = [call for call in docker.calls if call[1] == "run"][0]
    assert "curl" in probe[-1] and "/usr/local/etc/haproxy" in probe[-1]


def test_main_without_images_leaves_out_those_a_scenario_builds(contracts_file, monkeypatch, capsys):
    contracts_file.write_text(json.dumps({"aistack-test/h:1": HAPROXY, "aistack-test/n:2.0": HAPROXY, "aistack-test/e:1": HAPROXY}))
    (contracts_file.parent / "n").mkdir()
    (contracts_file.parent / "n" / "built-by").write_text("n8n\n")
    (contracts_file.parent / "e").mkdir()  # a recipe without the file is built before the lanes
    (contracts_file.parent / "h" / "built-by").mkdir(parents=True)  # a folder is not the file
    docker = FakeDocker({"aistack-test/h:1": (KEPT_CONFIG, KEPT_PROBE), "aistack-test/e:1": (KEPT_CONFIG, KEPT_PROBE)})
    monkeypatch.setattr(contract.subprocess, "run", docker)
    assert contract.main([]) == 0
    assert [call[3] for call in docker.calls if call[1] == "image"] == ["aistack-test/e:1", "aistack-test/h:1"]
    assert contract.main(["aistack-test/n:2.0"]) == 1
    assert capsys.readouterr().err == "CONTRACT BROKEN: aistack-test/n:2.0: not built (tests/images/build.sh)\n"


@pytest.mark.parametrize("image, expected", [
    ("aistack-test/n8n:2.41.1", True),
    ("aistack-test/n8n-runners-standin:2.41.1", True),
    ("aistack-test/redis:7.0-bookworm", False),
    ("aistack-test/open-webui:v0.12.4", False),  # heavy: built by tests/heavy.sh, checked when named
])
def test_the_images_a_scenario_builds_are_those_whose_recipe_says_so(image, expected):
    assert contract.built_by_a_scenario(image) is expected


def test_the_written_contracts_are_complete():
    import yaml
    written = yaml.safe_load(contract.CONTRACTS.read_text())
    assert written, "contracts.yml lists no image"
    for image, terms in written.items():
        assert contract.contract_problems(image, terms, dict(
            terms, binaries=set(terms["has"]), paths=set(terms["paths"]))) == []


def test_run_as_a_script_it_exits_1_on_an_image_without_a_contract():
    import sys
    result = subprocess.run([sys.executable, str(SCRIPT), "no-such/image:1"], capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr == "CONTRACT BROKEN: no-such/image:1: no contract in contracts.yml\n"
