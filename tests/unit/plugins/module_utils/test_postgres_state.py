# The plan of the postgres_databases module (issue 11, REQUIREMENTS SEC5, B8): what it reads, what it
# changes, and that a password is compared with the stored SCRAM verifier.
import json

import pytest

from ansible_collections.selfhosted.ai_stack.plugins.module_utils import postgres_state as ps

PASSWORD = "Correct-Horse-Battery-Staple-1"
# Made by PostgreSQL 17 (pgvector image) for PASSWORD: SET password_encryption = 'scram-sha-256' / 'md5'.
SCRAM = ("SCRAM-SHA-256$4096:a/HoXBhy1V4riiNtuwPgHg==$xrPRdbqBQGVPg3E/fqe5vhfF+Ei0KEIL3LZgGyZr6Yw="
         ":CIgfe6O/FryvZzXRJ79X5XRRG/3SkDfUZu2nI0lX6sc=")
MD5 = "md5af8659bbec793546e8838efb7ea94f9e"


@pytest.mark.parametrize("stored, password, matches", [
    (SCRAM, PASSWORD, True),
    (SCRAM, PASSWORD + "x", False),
    (SCRAM, PASSWORD.lower(), False),
    (SCRAM.replace("xrPRdbq", "xrPRdbr"), PASSWORD, False),  # stored key differs
    (SCRAM.replace("CIgfe6O", "CIgfe6P"), PASSWORD, False),  # server key differs
    (SCRAM.replace("4096:", "4097:"), PASSWORD, False),
    (MD5, PASSWORD, False),
    (PASSWORD, PASSWORD, False),
    (None, PASSWORD, False),
    ("", PASSWORD, False),
    ("SCRAM-SHA-256$4096:a/HoXBhy1V4riiNtuwPgHg==", PASSWORD, False),
    ("SCRAM-SHA-256$x:a/HoXBhy1V4riiNtuwPgHg==$a:b", PASSWORD, False),
    ("SCRAM-SHA-256$4096:***$a:b", PASSWORD, False),
    ("SCRAM-SHA-256$4096$a:b", PASSWORD, False),
    ("SCRAM-SHA-256$4096:a/HoXBhy1V4riiNtuwPgHg==$ab", PASSWORD, False),
])
def test_scram_matches_only_the_verifier_of_this_password(stored, password, matches):
    assert ps.scram_matches(stored, password) is matches


@pytest.mark.parametrize("function, text, quoted", [
    (ps.ident, "rag", '"rag"'), (ps.ident, 'a"b', '"a""b"'),
    (ps.literal, "pw", "'pw'"), (ps.literal, "it's", "'it''s'"),
])
def test_quoting(function, text, quoted):
    assert function(text) == quoted


def test_read_script_asks_for_every_role_and_database_and_each_database_s_extensions_and_schemas():
    script = ps.read_script("postgres", [{"name": "rag", "user": "rag_owner"}, {"name": "n8n"}])
    lines = script.splitlines()
    assert "rolname = ANY(ARRAY['postgres', 'rag_owner', 'n8n']::text[])" in lines[0]
    assert "datname = ANY(ARRAY['rag', 'n8n']::text[])" in lines[0]
    assert lines[1:6] == [
        "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'rag') AS aistack_exists \\gset",
        "\\if :aistack_exists", '\\c "rag"',
        "SELECT json_build_object('extensions_of', current_database(), 'extensions', "
        "(SELECT coalesce(json_agg(extname ORDER BY extname), '[]') FROM pg_extension), 'schemas', "
        "(SELECT coalesce(json_object_agg(nspname, pg_get_userbyid(nspowner)), '{}') FROM pg_namespace));",
        "\\endif"]
    assert lines[6] == "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'n8n') AS aistack_exists \\gset"
    assert len(lines) == 11 and script.endswith("\\endif\n")


def test_parse_state_reads_the_roles_databases_and_extensions():
    output = "\n".join([
        json.dumps({"roles": {"rag": {"login": True}}, "databases": {"rag": {"owner": "rag"}}}),
        "",
        json.dumps({"extensions_of": "rag", "extensions": ["plpgsql", "vector"], "schemas": {"public": "pg_database_owner"}}),
        json.dumps({"extensions_of": "n8n", "extensions": [], "schemas": None}),
    ]) + "\n"
    assert ps.parse_state(output) == {"roles": {"rag": {"login": True}}, "databases": {"rag": {"owner": "rag"}},
                                      "extensions": {"rag": ["plpgsql", "vector"], "n8n": []},
                                      "schemas": {"rag": {"public": "pg_database_owner"}, "n8n": {}}}


def test_parse_state_of_a_server_without_any_of_them():
    assert ps.parse_state(json.dumps({"roles": None, "databases": None}) + "\n") == {
        "roles": {}, "databases": {}, "extensions": {}, "schemas": {}}


def test_parse_state_refuses_what_is_not_json():
    with pytest.raises(ValueError):
        ps.parse_state("ERROR\n")


OWNER = {"login": True, "superuser": False, "createdb": False, "createrole": False, "password": SCRAM}
DONE = {"roles": {"postgres": dict(OWNER, superuser=True), "rag": OWNER},
        "databases": {"rag": {"owner": "rag", "encoding": "UTF8", "public": []}},
        "extensions": {"rag": ["plpgsql", "vector"]}, "schemas": {"rag": {"public": "pg_database_owner", "logs": "rag"}}}
RAG = {"name": "rag", "password": PASSWORD, "extensions": ["vector"], "schemas": ["logs"]}


def state(**changes):
    result = json.loads(json.dumps(DONE))
    for key, value in changes.items():
        result[key].update(value)
    return result


def test_a_server_that_matches_needs_nothing():
    assert ps.plan(DONE, "postgres", PASSWORD, [RAG]) == []


def test_an_empty_server_gets_everything_in_order():
    empty = {"roles": {"postgres": dict(OWNER, superuser=True)}, "databases": {}, "extensions": {}, "schemas": {}}
    steps = ps.plan(empty, "postgres", PASSWORD, [dict(RAG, user="rag_owner")])
    assert steps == [
        ("created user rag_owner", None,
         "CREATE ROLE \"rag_owner\" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '%s';" % PASSWORD),
        ("created database rag", None, "CREATE DATABASE \"rag\" OWNER \"rag_owner\" ENCODING 'UTF8' TEMPLATE template0;"),
        ("revoked CONNECT, TEMPORARY on database rag from PUBLIC", None,
         'REVOKE CONNECT, TEMPORARY ON DATABASE "rag" FROM PUBLIC;'),
        ("created extension vector in database rag", "rag", 'CREATE EXTENSION IF NOT EXISTS "vector";'),
        ("created schema logs in database rag", "rag", 'CREATE SCHEMA IF NOT EXISTS "logs" AUTHORIZATION "rag_owner";'),
    ]


@pytest.mark.parametrize("changed, what", [
    ({"roles": {"postgres": dict(OWNER, superuser=True, password=MD5)}}, ["set the password of postgres"]),
    ({"roles": {"postgres": dict(OWNER, superuser=True), "rag": dict(OWNER, password=None)}}, ["set the password of rag"]),
    ({"roles": {"postgres": dict(OWNER, superuser=True), "rag": dict(OWNER, createdb=True)}},
     ["set the attributes of rag to LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE"]),
    ({"roles": {"postgres": dict(OWNER, superuser=True), "rag": dict(OWNER, login=False)}},
     ["set the attributes of rag to LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE"]),
    ({"roles": {"postgres": dict(OWNER, superuser=True), "rag": dict(OWNER, superuser=True)}},
     ["set the attributes of rag to LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE"]),
    ({"roles": {"postgres": dict(OWNER, superuser=True), "rag": dict(OWNER, createrole=True)}},
     ["set the attributes of rag to LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE"]),
    ({"databases": {"rag": {"owner": "postgres", "encoding": "UTF8", "public": []}}}, ["made rag the owner of database rag"]),
    ({"databases": {"rag": {"owner": "rag", "encoding": "UTF8", "public": ["CONNECT", "TEMPORARY"]}}},
     ["revoked CONNECT, TEMPORARY on database rag from PUBLIC"]),
    ({"databases": {"rag": {"owner": "rag", "encoding": "UTF8", "public": ["TEMPORARY"]}}},
     ["revoked TEMPORARY on database rag from PUBLIC"]),
    ({"databases": {"rag": {"owner": "rag", "encoding": "UTF8", "public": ["CREATE"]}}}, []),
    ({"databases": {"rag": {"owner": "rag", "encoding": "UTF8"}}}, []),
    ({"extensions": {"rag": ["plpgsql"]}}, ["created extension vector in database rag"]),
    ({"extensions": {"rag": None}}, ["created extension vector in database rag"]),
    ({"schemas": {"rag": {"public": "pg_database_owner"}}}, ["created schema logs in database rag"]),
    ({"schemas": {"rag": None}}, ["created schema logs in database rag"]),
    ({"schemas": {"rag": {"logs": "postgres"}}}, ["made rag the owner of schema logs in database rag"]),
])
def test_each_difference_is_one_step(changed, what):
    assert [step[0] for step in ps.plan(state(**changed), "postgres", PASSWORD, [RAG])] == what


def test_a_missing_superuser_gets_its_password_set():
    steps = ps.plan(state(roles={"postgres": None}), "postgres", PASSWORD, [])
    assert steps == [("set the password of postgres", None, "ALTER ROLE \"postgres\" WITH PASSWORD '%s';" % PASSWORD)]


def test_the_statements_that_fix_an_owner():
    broken = state(roles={"rag": dict(OWNER, createdb=True, password=MD5)},
                   databases={"rag": {"owner": "postgres", "encoding": "UTF8", "public": []}})
    assert [step[2] for step in ps.plan(broken, "postgres", PASSWORD, [RAG])] == [
        'ALTER ROLE "rag" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;',
        "ALTER ROLE \"rag\" WITH PASSWORD '%s';" % PASSWORD,
        'ALTER DATABASE "rag" OWNER TO "rag";']


def test_a_database_in_another_encoding_is_refused():
    with pytest.raises(ps.Refusal) as refusal:
        ps.plan(state(databases={"rag": {"owner": "rag", "encoding": "LATIN1", "public": []}}), "postgres", PASSWORD, [RAG])
    assert str(refusal.value) == ("database rag is encoded LATIN1, not UTF8; the role does not re-encode a database "
                                  "(dump it, drop it and let the role create it again)")


def test_the_statement_that_gives_a_schema_to_its_owner():
    steps = ps.plan(state(schemas={"rag": {"logs": "postgres"}}), "postgres", PASSWORD, [RAG])
    assert steps == [("made rag the owner of schema logs in database rag", "rag", 'ALTER SCHEMA "logs" OWNER TO "rag";')]


def test_a_state_read_before_schemas_were_read_creates_them():
    older = state()
    del older["schemas"]
    assert [step[0] for step in ps.plan(older, "postgres", PASSWORD, [RAG])] == ["created schema logs in database rag"]


def test_a_database_without_extensions_gets_none():
    assert ps.plan(state(extensions={"rag": []}), "postgres", PASSWORD, [dict(RAG, extensions=[])]) == []
    assert ps.plan(state(extensions={"rag": []}), "postgres", PASSWORD, [{"name": "rag", "password": PASSWORD}]) == []


def test_apply_script_runs_server_wide_steps_first_then_each_database_once():
    steps = [("a", None, "A;"), ("x1", "one", "X1;"), ("b", None, "B;"), ("x2", "one", "X2;"), ("y", "two", "Y;")]
    assert ps.apply_script(steps) == (
        "SET password_encryption = 'scram-sha-256';\nA;\nB;\n"
        '\\c "one"\nX1;\nX2;\n\\c "two"\nY;\n')


# Supabase's service roles (issue 17): the image makes them; the supabase role owns only their passwords.
SERVICE = {"login": True, "superuser": False, "createdb": False, "createrole": True, "password": SCRAM}


def test_the_read_script_asks_for_the_roles_whose_password_is_set():
    script = ps.read_script("supabase_admin", [], [{"name": "authenticator", "password": PASSWORD}])
    assert "ARRAY['supabase_admin', 'authenticator']::text[]" in script


@pytest.mark.parametrize("stored, steps", [
    (SCRAM, []),
    (MD5, [("set the password of authenticator", None, "ALTER ROLE \"authenticator\" WITH PASSWORD '%s';" % PASSWORD)]),
    (None, [("set the password of authenticator", None, "ALTER ROLE \"authenticator\" WITH PASSWORD '%s';" % PASSWORD)]),
])
def test_a_service_role_gets_only_its_password_set_when_it_differs(stored, steps):
    server = state(roles={"authenticator": dict(SERVICE, password=stored)})
    assert ps.plan(server, "postgres", PASSWORD, [RAG], [{"name": "authenticator", "password": PASSWORD}]) == steps


def test_a_service_role_that_the_image_did_not_make_is_refused():
    with pytest.raises(ps.Refusal, match="role supabase_auth_admin does not exist: the image's initialisation creates it"):
        ps.plan(DONE, "postgres", PASSWORD, [], [{"name": "supabase_auth_admin", "password": PASSWORD}])


def test_every_service_role_is_checked_in_order():
    server = state(roles={"a": dict(SERVICE, password=MD5), "b": SERVICE, "c": dict(SERVICE, password=None)})
    wanted = [{"name": name, "password": PASSWORD} for name in ("a", "b", "c")]
    assert [step[0] for step in ps.plan(server, "postgres", PASSWORD, [], wanted)] == [
        "set the password of a", "set the password of c"]
