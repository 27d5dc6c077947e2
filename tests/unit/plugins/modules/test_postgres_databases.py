# The postgres_databases module around its psql sessions (issue 11). `docker` here is a double that
# records each session's input and answers with the output a test gives; the statements themselves
# run against real PostgreSQL in the postgres and site scenarios.
import json
import os
import stat
import sys

import pytest

from ansible_collections.selfhosted.ai_stack.plugins.modules import postgres_databases
from module_runner import argument_spec_of, run_module

PASSWORD = "Correct-Horse-Battery-Staple-1"
SCRAM = ("SCRAM-SHA-256$4096:a/HoXBhy1V4riiNtuwPgHg==$xrPRdbqBQGVPg3E/fqe5vhfF+Ei0KEIL3LZgGyZr6Yw="
         ":CIgfe6O/FryvZzXRJ79X5XRRG/3SkDfUZu2nI0lX6sc=")
OWNER = {"login": True, "superuser": False, "createdb": False, "createrole": False, "password": SCRAM}
MATCHING = "\n".join([
    json.dumps({"roles": {"postgres": dict(OWNER, superuser=True), "rag": OWNER},
                "databases": {"rag": {"owner": "rag", "encoding": "UTF8", "public": []}}}),
    json.dumps({"extensions_of": "rag", "extensions": ["plpgsql", "vector"]})]) + "\n"
EMPTY = json.dumps({"roles": {"postgres": dict(OWNER, superuser=True)}, "databases": {}}) + "\n"

DOUBLE = """#!%s
import json, os, sys
directory = os.path.dirname(os.path.abspath(__file__))
calls = os.path.join(directory, "calls.json")
seen = json.load(open(calls)) if os.path.exists(calls) else []
seen.append({"argv": sys.argv[1:], "stdin": sys.stdin.read()})
json.dump(seen, open(calls, "w"))
answer = json.load(open(os.path.join(directory, "answers.json")))[len(seen) - 1]
sys.stdout.write(answer["out"]); sys.stderr.write(answer["err"]); sys.exit(answer["rc"])
""" % sys.executable


def docker_double(tmp_path, answers):
    (tmp_path / "answers.json").write_text(json.dumps([{"rc": rc, "out": out, "err": err} for rc, out, err in answers]))
    path = tmp_path / "docker"
    path.write_text(DOUBLE)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def calls(tmp_path):
    path = tmp_path / "calls.json"
    return json.loads(path.read_text()) if path.exists() else []


def run(monkeypatch, capsys, tmp_path, answers, check=False, databases=None, **extra):
    params = dict(container="postgres-postgres-1", superuser="postgres", superuser_password=PASSWORD,
                  databases=[{"name": "rag", "password": PASSWORD, "extensions": ["vector"]}] if databases is None
                  else databases, docker=docker_double(tmp_path, answers), _ansible_check_mode=check, **extra)
    return run_module(postgres_databases, monkeypatch, capsys, params)


PSQL = ["exec", "-i", "-u", "postgres", "postgres-postgres-1", "psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
        "-U", "postgres", "-d", "postgres"]


def test_a_matching_server_costs_one_read_session(tmp_path, monkeypatch, capsys):
    code, out = run(monkeypatch, capsys, tmp_path, [(0, MATCHING, "")])
    assert code == 0 and out["changed"] is False and out["changes"] == []
    (session,) = calls(tmp_path)
    assert session["argv"] == PSQL and session["stdin"].startswith("SELECT json_build_object(")


def test_an_empty_server_gets_a_second_session_with_the_statements(tmp_path, monkeypatch, capsys):
    code, out = run(monkeypatch, capsys, tmp_path, [(0, EMPTY, ""), (0, "", "")])
    assert code == 0 and out["changed"] is True
    assert out["changes"] == ["created user rag", "created database rag",
                              "revoked CONNECT, TEMPORARY on database rag from PUBLIC",
                              "created extension vector in database rag"]
    read, apply = calls(tmp_path)
    assert apply["argv"] == PSQL
    assert apply["stdin"].startswith("SET password_encryption = 'scram-sha-256';\nCREATE ROLE \"rag\"")
    assert apply["stdin"].endswith('\\c "rag"\nCREATE EXTENSION IF NOT EXISTS "vector";\n')
    assert PASSWORD not in json.dumps(out) and PASSWORD not in " ".join(apply["argv"])


def test_with_a_host_both_sessions_connect_to_it_over_tcp(tmp_path, monkeypatch, capsys):
    # supabase/postgres: the socket maps the postgres OS user to the demoted `postgres` role.
    code, out = run(monkeypatch, capsys, tmp_path, [(0, EMPTY, ""), (0, "", "")], host="127.0.0.1")
    assert code == 0 and out["changed"] is True
    assert [session["argv"] for session in calls(tmp_path)] == [PSQL + ["-h", "127.0.0.1"]] * 2


def test_check_mode_reads_and_reports_without_the_second_session(tmp_path, monkeypatch, capsys):
    code, out = run(monkeypatch, capsys, tmp_path, [(0, EMPTY, "")], check=True)
    assert code == 0 and out["changed"] is True and len(out["changes"]) == 4 and len(calls(tmp_path)) == 1


@pytest.mark.parametrize("err", ["Error response from daemon: No such container: postgres-postgres-1\n",
                                 "Error response from daemon: Container abc is not running\n"])
def test_check_mode_before_the_first_deployment_reports_a_change(tmp_path, monkeypatch, capsys, err):
    code, out = run(monkeypatch, capsys, tmp_path, [(1, "", err)], check=True)
    assert code == 0 and out["changed"] is True
    assert out["changes"] == ["postgres-postgres-1 does not run yet: every database would be created"]


def test_without_check_mode_a_missing_container_fails(tmp_path, monkeypatch, capsys):
    code, out = run(monkeypatch, capsys, tmp_path, [(1, "", "Error: No such container: postgres-postgres-1\n")])
    assert code == 1
    assert out["msg"] == "reading the databases of postgres-postgres-1 failed: Error: No such container: postgres-postgres-1"


def test_check_mode_still_fails_on_another_read_error(tmp_path, monkeypatch, capsys):
    code, out = run(monkeypatch, capsys, tmp_path, [(2, "", "psql: error: FATAL: role \"x\" does not exist\n")], check=True)
    assert code == 1 and out["msg"].startswith("reading the databases of postgres-postgres-1 failed: psql: error")


def test_a_failed_change_names_what_it_tried_and_hides_the_password(tmp_path, monkeypatch, capsys):
    err = "ERROR:  syntax error\nLINE 1: CREATE ROLE \"rag\" WITH LOGIN PASSWORD '%s';\n" % PASSWORD
    code, out = run(monkeypatch, capsys, tmp_path, [(0, EMPTY, ""), (3, "", err)])
    assert code == 1 and out["msg"].startswith("changing the databases of postgres-postgres-1 failed: ERROR:")
    assert out["changes"][0] == "created user rag" and PASSWORD not in json.dumps(out)


def test_output_that_is_not_json_fails_with_its_reason(tmp_path, monkeypatch, capsys):
    code, out = run(monkeypatch, capsys, tmp_path, [(0, "garbage\n", "")])
    assert code == 1 and out["msg"].startswith("cannot read what psql printed in postgres-postgres-1: ")


def test_a_refusal_fails_without_a_second_session(tmp_path, monkeypatch, capsys):
    latin = json.dumps({"roles": {"postgres": dict(OWNER, superuser=True), "rag": OWNER},
                        "databases": {"rag": {"owner": "rag", "encoding": "LATIN1", "public": []}}}) + "\n"
    code, out = run(monkeypatch, capsys, tmp_path, [(0, latin, "")])
    assert code == 1 and out["msg"].startswith("postgres-postgres-1: database rag is encoded LATIN1")
    assert len(calls(tmp_path)) == 1


def test_the_default_docker_is_the_one_on_the_path(monkeypatch):
    spec = argument_spec_of(postgres_databases, monkeypatch)
    assert spec["docker"]["default"] == "docker" and spec["superuser_password"]["no_log"] is True
    assert spec["databases"]["options"]["password"]["no_log"] is True
    assert os.path.basename(spec["docker"]["default"]) == "docker"


@pytest.mark.parametrize("missing", ["container", "superuser", "superuser_password"])
def test_required_options(monkeypatch, capsys, missing):
    params = dict(container="c", superuser="postgres", superuser_password=PASSWORD)
    del params[missing]
    code, out = run_module(postgres_databases, monkeypatch, capsys, params)
    assert code == 1 and "missing required arguments: %s" % missing in out["msg"]


@pytest.mark.parametrize("entry, missing", [({"password": PASSWORD}, "name"), ({"name": "rag"}, "password")])
def test_a_database_needs_its_name_and_password(tmp_path, monkeypatch, capsys, entry, missing):
    code, out = run(monkeypatch, capsys, tmp_path, [(0, MATCHING, "")], databases=[entry])
    assert code == 1 and "missing required arguments: %s" % missing in out["msg"] and calls(tmp_path) == []


def test_a_database_s_owner_extensions_and_schemas_are_read_as_given(tmp_path, monkeypatch, capsys):
    code, out = run(monkeypatch, capsys, tmp_path, [(0, EMPTY, ""), (0, "", "")],
                    databases=[{"name": "rag", "user": "rag_owner", "password": PASSWORD, "extensions": ["vector", 5],
                                "schemas": ["logs"]}])
    assert code == 0 and out["changes"] == [
        "created user rag_owner", "created database rag", "revoked CONNECT, TEMPORARY on database rag from PUBLIC",
        "created extension vector in database rag", "created extension 5 in database rag",
        "created schema logs in database rag"]
    assert 'CREATE SCHEMA IF NOT EXISTS "logs" AUTHORIZATION "rag_owner";' in calls(tmp_path)[1]["stdin"]
