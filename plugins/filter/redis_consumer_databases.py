# -*- coding: utf-8 -*-
# Copyright: selfhosted.ai_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: redis_consumer_databases
short_description: Give every Redis consumer its own logical database
version_added: 0.1.0
description:
  - Takes the list of Redis consumers (C(redis_consumers)) and returns a mapping from consumer name to
    logical database number.
  - Every consumer names its own fixed C(database). A number never depends on list order, so turning
    one consumer off moves no other to a different database (which would lose its queue).
  - Two queue users in one namespace steal each other's jobs (REQUIREMENTS B10), so a duplicate name,
    a missing number, a database used twice, a number out of range or an unknown kind fails, naming the
    consumer.
positional: databases
options:
  _input:
    description: Consumers, each C({name, kind, database}); kind is C(queue), C(sessions) or C(cache).
    type: list
    elements: dict
    required: true
  databases:
    description: How many logical databases Redis has (C(redis_databases)).
    type: int
    default: 16
"""

EXAMPLES = r"""
n8n_redis_database: "{{ (redis_consumers | selfhosted.ai_stack.redis_consumer_databases(redis_databases))['n8n'] }}"
"""

RETURN = r"""
_value:
  description: Consumer name to database number.
  type: dict
"""

from ansible.errors import AnsibleFilterError

KINDS = ("queue", "sessions", "cache")


def redis_consumer_databases(consumers, databases=16):
    if not isinstance(consumers, list):
        raise AnsibleFilterError("redis_consumers must be a list of {name, kind, database}")
    if isinstance(databases, bool) or not isinstance(databases, int) or databases < 1:
        raise AnsibleFilterError("redis_databases must be a positive whole number, got %r" % (databases,))
    assigned = {}
    used = {}
    for consumer in consumers:
        if not isinstance(consumer, dict) or not isinstance(consumer.get("name"), str) or not consumer["name"]:
            raise AnsibleFilterError("every entry of redis_consumers needs a name, got %r" % (consumer,))
        name = consumer["name"]
        if name in assigned:
            raise AnsibleFilterError("redis_consumers lists %r twice; each consumer once" % name)
        kind = consumer.get("kind", "queue")
        if kind not in KINDS:
            raise AnsibleFilterError("redis_consumers: %r has kind %r; use one of %s" % (name, kind, ", ".join(KINDS)))
        database = consumer.get("database")
        if database is None:
            raise AnsibleFilterError(
                "redis_consumers: %r has no database; give it a fixed number (aistack_redis_databases), "
                "so that no other consumer's change can move it" % name)
        if isinstance(database, bool) or not isinstance(database, int) or not 0 <= database < databases:
            raise AnsibleFilterError(
                "redis_consumers: %r asks for database %r; use 0 to %d (redis_databases)" % (name, database, databases - 1))
        if database in used:
            raise AnsibleFilterError(
                "redis_consumers: %r and %r both use database %d; two consumers in one namespace take each "
                "other's jobs (B10): give one another database" % (used[database], name, database))
        used[database] = name
        assigned[name] = database
    return assigned


class FilterModule(object):
    def filters(self):
        return {"redis_consumer_databases": redis_consumer_databases}
