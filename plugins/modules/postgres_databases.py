#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: selfhosted.ai_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: postgres_databases
short_description: The superuser's password and each consumer's owner, database, privileges, extensions and schemas, in one step
version_added: 0.3.0
description:
  - Reads every role, database, PUBLIC privilege and extension it manages in one C(psql) session inside
    the PostgreSQL container (C(docker exec) as the C(postgres) OS user, the local socket or the
    loopback address, no password and no published port), and runs
    only the statements needed in a second one. An unchanged server costs one session (issue 11).
  - Each owner is C(LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE) with a C(scram-sha-256) password; each
    database is C(UTF8) from C(template0) and owned by its user; PUBLIC loses C(CONNECT) and
    C(TEMPORARY), so only the owner connects (SEC5); the listed extensions are created, and the listed
    schemas, owned by the owner.
  - Passwords are compared with the stored SCRAM verifier, never sent on a command line, and the
    superuser's is set again after a master-key rotation (the image applies it only at initdb).
  - Nothing is ever dropped. A database that exists with another encoding is refused, not re-encoded.
author:
  - selfhosted.ai_stack contributors (@selfhosted)
options:
  container:
    description: Name of the running PostgreSQL container.
    type: str
    required: true
  superuser:
    description: The superuser psql connects as (as the C(postgres) OS user).
    type: str
    required: true
  host:
    description:
      - Connect over TCP to this address inside the container instead of the local socket.
      - For images whose socket authenticates the C(postgres) OS user as a role that is not the
        superuser and that trust loopback TCP, as C(supabase/postgres) does (C(127.0.0.1)).
    type: str
  superuser_password:
    description: The password the superuser must have.
    type: str
    required: true
  databases:
    description: The managed databases.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Database name.
        type: str
        required: true
      user:
        description: Owner; defaults to I(name).
        type: str
      password:
        description: The owner's password (printable ASCII).
        type: str
        required: true
      extensions:
        description: Extensions to create in the database.
        type: list
        elements: str
        default: []
      schemas:
        description:
          - Schemas to create in the database, owned by the owner (one that exists with another owner is
            given to the owner).
        type: list
        elements: str
        default: []
  role_passwords:
    description:
      - Roles that exist already (made by the image's initialisation, such as Supabase's C(authenticator))
        whose password must be this one; nothing else of them is changed. A role that does not exist is refused.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Role name.
        type: str
        required: true
      password:
        description: The password it must have (printable ASCII).
        type: str
        required: true
  docker:
    description: The Docker CLI.
    type: path
    default: docker
attributes:
  check_mode:
    description: Reads and reports what would change; on a host where the container does not run yet, reports a change.
    support: full
"""

EXAMPLES = r"""
- name: Create the users, databases and extensions
  selfhosted.ai_stack.postgres_databases:
    container: postgres-postgres-1
    superuser: postgres
    superuser_password: "{{ postgres_superuser_password }}"
    databases:
      - {name: rag, password: "{{ rag_db_password }}", extensions: [vector]}
  no_log: true

- name: The same on Supabase's own instance (supabase/postgres)
  selfhosted.ai_stack.postgres_databases:
    container: postgres-supabase-postgres-1
    superuser: supabase_admin
    host: 127.0.0.1
    superuser_password: "{{ supabase_admin_password }}"
    databases: []
  no_log: true
"""

RETURN = r"""
changes:
  description: What was (in check mode, would be) changed, one line per statement; never a password.
  returned: always
  type: list
  elements: str
  sample: ["created user rag", "created database rag", "revoked CONNECT, TEMPORARY on database rag from PUBLIC"]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.selfhosted.ai_stack.plugins.module_utils.postgres_state import (
    Refusal, apply_script, parse_state, plan, read_script)

NOT_RUNNING = ("No such container", "is not running")


def psql(module, script):
    params = module.params
    argv = [params["docker"], "exec", "-i", "-u", "postgres", params["container"],
            "psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-U", params["superuser"], "-d", "postgres"]
    if params["host"]:
        argv += ["-h", params["host"]]
    return module.run_command(argv, data=script, binary_data=True)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            container=dict(type="str", required=True),
            superuser=dict(type="str", required=True),
            host=dict(type="str"),
            superuser_password=dict(type="str", required=True, no_log=True),
            databases=dict(type="list", elements="dict", default=[], options=dict(
                name=dict(type="str", required=True),
                user=dict(type="str"),
                password=dict(type="str", required=True, no_log=True),
                extensions=dict(type="list", elements="str", default=[]),
                schemas=dict(type="list", elements="str", default=[]),
            )),
            role_passwords=dict(type="list", elements="dict", default=[], no_log=False, options=dict(
                name=dict(type="str", required=True),
                password=dict(type="str", required=True, no_log=True),
            )),
            docker=dict(type="path", default="docker"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    rc, out, err = psql(module, read_script(params["superuser"], params["databases"], params["role_passwords"]))
    if rc != 0:
        if module.check_mode and any(text in err for text in NOT_RUNNING):
            module.exit_json(changed=True, changes=["%s does not run yet: every database would be created"
                                                    % params["container"]])
        module.fail_json(msg="reading the databases of %s failed: %s" % (params["container"], err.strip()))
    try:
        steps = plan(parse_state(out), params["superuser"], params["superuser_password"], params["databases"],
                     params["role_passwords"])
    except Refusal as exc:
        module.fail_json(msg="%s: %s" % (params["container"], exc))
    except ValueError as exc:
        module.fail_json(msg="cannot read what psql printed in %s: %s" % (params["container"], exc))
    changes = [what for what, database, statement in steps]
    if steps and not module.check_mode:
        rc, out, err = psql(module, apply_script(steps))
        if rc != 0:
            module.fail_json(msg="changing the databases of %s failed: %s" % (params["container"], err.strip()),
                             changes=changes)
    module.exit_json(changed=bool(steps), changes=changes)


if __name__ == "__main__":
    main()
