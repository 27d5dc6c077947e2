# -*- coding: utf-8 -*-
# Copyright: selfhosted.ai_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the postgres_databases module reads from the server and the statements that make it match.

One psql session reads every role, database, PUBLIC privilege and extension the role manages; the
plan is computed here, and a second session runs only the statements needed (issue 11: one module
call per run instead of six round trips per database).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import hashlib
import hmac
import json

SCRAM_PREFIX = "SCRAM-SHA-256$"
OWNER_FLAGS = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE"


def ident(name):
    return '"%s"' % name.replace('"', '""')


def literal(text):
    return "'%s'" % text.replace("'", "''")


def scram_matches(stored, password):
    """Whether a pg_authid.rolpassword SCRAM-SHA-256 verifier was made from `password`.

    md5 hashes, plain text and anything unreadable count as no match, so the password is set again
    (with scram-sha-256). Printable ASCII passwords need no SASLprep (the role validates that).
    """
    if not stored or not stored.startswith(SCRAM_PREFIX):
        return False
    try:
        iterations_salt, keys = stored[len(SCRAM_PREFIX):].split("$", 1)
        iterations, salt = iterations_salt.split(":", 1)
        stored_key, server_key = keys.split(":", 1)
        salted = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), base64.b64decode(salt), int(iterations))
    except (ValueError, TypeError, binascii.Error):
        return False
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    wanted_stored = base64.b64encode(hashlib.sha256(client_key).digest()).decode("ascii")
    wanted_server = base64.b64encode(hmac.new(salted, b"Server Key", hashlib.sha256).digest()).decode("ascii")
    return hmac.compare_digest(wanted_stored, stored_key) and hmac.compare_digest(wanted_server, server_key)


def owner_of(database):
    return database.get("user") or database["name"]


def text_array(items):
    return "ARRAY[%s]::text[]" % ", ".join(literal(item) for item in items)


def read_script(superuser, databases, role_passwords=()):
    """psql input printing one JSON line for the roles and databases, then one per existing database
    with its extensions and schemas (\\if skips the databases that do not exist yet)."""
    roles = [superuser] + [owner_of(d) for d in databases] + [r["name"] for r in role_passwords]
    names = [d["name"] for d in databases]
    lines = [
        "SELECT json_build_object("
        "'roles', (SELECT coalesce(json_object_agg(rolname, json_build_object("
        "'login', rolcanlogin, 'superuser', rolsuper, 'createdb', rolcreatedb, 'createrole', rolcreaterole, "
        "'password', rolpassword)), '{}') FROM pg_authid WHERE rolname = ANY(%s)), "
        "'databases', (SELECT coalesce(json_object_agg(datname, json_build_object("
        "'owner', pg_get_userbyid(datdba), 'encoding', pg_encoding_to_char(encoding), "
        "'public', (SELECT coalesce(json_agg(privilege_type ORDER BY privilege_type), '[]') "
        "FROM aclexplode(coalesce(datacl, acldefault('d', datdba))) WHERE grantee = 0))), '{}') "
        "FROM pg_database WHERE datname = ANY(%s)));" % (text_array(roles), text_array(names)),
    ]
    for name in names:
        lines += [
            "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = %s) AS aistack_exists \\gset" % literal(name),
            "\\if :aistack_exists",
            "\\c %s" % ident(name),
            "SELECT json_build_object('extensions_of', current_database(), 'extensions', "
            "(SELECT coalesce(json_agg(extname ORDER BY extname), '[]') FROM pg_extension), 'schemas', "
            "(SELECT coalesce(json_object_agg(nspname, pg_get_userbyid(nspowner)), '{}') FROM pg_namespace));",
            "\\endif",
        ]
    return "\n".join(lines) + "\n"


def parse_state(output):
    """The read script's output as {'roles': …, 'databases': …, 'extensions': {db: [names]},
    'schemas': {db: {name: owner}}}."""
    state = {"roles": {}, "databases": {}, "extensions": {}, "schemas": {}}
    for line in output.splitlines():
        line = line.strip()
        if not line:
            continue
        item = json.loads(line)
        if "extensions_of" in item:
            state["extensions"][item["extensions_of"]] = item["extensions"]
            state["schemas"][item["extensions_of"]] = item.get("schemas") or {}
        else:
            state["roles"] = item["roles"] or {}
            state["databases"] = item["databases"] or {}
    return state


class Refusal(Exception):
    """The server holds something the module must not change by itself."""


def plan(state, superuser, superuser_password, databases, role_passwords=()):
    """[(what, database to run it in or None, statement)] that makes the server match."""
    steps = []
    roles, existing = state["roles"], state["databases"]
    if not scram_matches((roles.get(superuser) or {}).get("password"), superuser_password):
        steps.append(("set the password of %s" % superuser, None,
                      "ALTER ROLE %s WITH PASSWORD %s;" % (ident(superuser), literal(superuser_password))))
    # Roles the image's initialisation made (Supabase's service roles): only their password is ours.
    for role in role_passwords:
        if role["name"] not in roles:
            raise Refusal("role %s does not exist: the image's initialisation creates it (is this the image "
                          "the role expects?)" % role["name"])
        if not scram_matches(roles[role["name"]].get("password"), role["password"]):
            steps.append(("set the password of %s" % role["name"], None, "ALTER ROLE %s WITH PASSWORD %s;" % (
                ident(role["name"]), literal(role["password"]))))
    for database in databases:
        name, user = database["name"], owner_of(database)
        role = roles.get(user)
        if role is None:
            steps.append(("created user %s" % user, None, "CREATE ROLE %s WITH %s PASSWORD %s;" % (
                ident(user), OWNER_FLAGS, literal(database["password"]))))
        else:
            flags = (role.get("login"), role.get("superuser"), role.get("createdb"), role.get("createrole"))
            if flags != (True, False, False, False):
                steps.append(("set the attributes of %s to %s" % (user, OWNER_FLAGS), None,
                              "ALTER ROLE %s WITH %s;" % (ident(user), OWNER_FLAGS)))
            if not scram_matches(role.get("password"), database["password"]):
                steps.append(("set the password of %s" % user, None, "ALTER ROLE %s WITH PASSWORD %s;" % (
                    ident(user), literal(database["password"]))))
        current = existing.get(name)
        if current is None:
            steps.append(("created database %s" % name, None,
                          "CREATE DATABASE %s OWNER %s ENCODING 'UTF8' TEMPLATE template0;" % (ident(name), ident(user))))
            public = ["CONNECT", "TEMPORARY"]
        else:
            if current.get("encoding") != "UTF8":
                raise Refusal("database %s is encoded %s, not UTF8; the role does not re-encode a database "
                              "(dump it, drop it and let the role create it again)" % (name, current.get("encoding")))
            if current.get("owner") != user:
                steps.append(("made %s the owner of database %s" % (user, name), None,
                              "ALTER DATABASE %s OWNER TO %s;" % (ident(name), ident(user))))
            public = [p for p in current.get("public") or [] if p in ("CONNECT", "TEMPORARY")]
        if public:
            steps.append(("revoked %s on database %s from PUBLIC" % (", ".join(public), name), None,
                          "REVOKE CONNECT, TEMPORARY ON DATABASE %s FROM PUBLIC;" % ident(name)))
        present = state["extensions"].get(name) or []
        for extension in database.get("extensions") or []:
            if extension not in present:
                steps.append(("created extension %s in database %s" % (extension, name), name,
                              "CREATE EXTENSION IF NOT EXISTS %s;" % ident(extension)))
        schemas = state.get("schemas", {}).get(name) or {}
        for schema in database.get("schemas") or []:
            if schema not in schemas:
                steps.append(("created schema %s in database %s" % (schema, name), name,
                              "CREATE SCHEMA IF NOT EXISTS %s AUTHORIZATION %s;" % (ident(schema), ident(user))))
            elif schemas[schema] != user:
                steps.append(("made %s the owner of schema %s in database %s" % (user, schema, name), name,
                              "ALTER SCHEMA %s OWNER TO %s;" % (ident(schema), ident(user))))
    return steps


def apply_script(steps):
    """psql input running the steps: server-wide ones first, then each database's in that database."""
    lines = ["SET password_encryption = 'scram-sha-256';"]
    lines += [statement for what, database, statement in steps if database is None]
    connected = None
    for what, database, statement in steps:
        if database is None:
            continue
        if database != connected:
            lines.append("\\c %s" % ident(database))
            connected = database
        lines.append(statement)
    return "\n".join(lines) + "\n"
