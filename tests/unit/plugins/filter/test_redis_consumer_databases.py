# REQUIREMENTS B10: two queue users never share a namespace; a consumer's number is fixed.
import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.selfhosted.ai_stack.plugins.filter.redis_consumer_databases import FilterModule, redis_consumer_databases


def test_every_consumer_keeps_the_number_it_names():
    consumers = [
        {"name": "n8n", "kind": "queue", "database": 1},
        {"name": "cache", "kind": "cache", "database": 5},
        {"name": "langfuse", "kind": "queue", "database": 2},
    ]
    assert redis_consumer_databases(consumers) == {"n8n": 1, "cache": 5, "langfuse": 2}


def test_turning_one_consumer_off_moves_no_other():
    both = [{"name": "n8n", "database": 1}, {"name": "langfuse", "database": 2}]
    without_n8n = [{"name": "langfuse", "database": 2}]
    assert redis_consumer_databases(both)["langfuse"] == redis_consumer_databases(without_n8n)["langfuse"] == 2


def test_database_zero_and_the_last_one_are_valid():
    assert redis_consumer_databases([{"name": "a", "database": 0}, {"name": "b", "database": 15}], 16) == {"a": 0, "b": 15}


@pytest.mark.parametrize("kind", ["queue", "sessions", "cache"])
def test_every_kind_is_accepted(kind):
    assert redis_consumer_databases([{"name": "a", "kind": kind, "database": 1}]) == {"a": 1}


def test_sixteen_databases_by_default():
    assert redis_consumer_databases([{"name": "a", "database": 15}]) == {"a": 15}
    with pytest.raises(AnsibleFilterError, match="use 0 to 15"):
        redis_consumer_databases([{"name": "a", "database": 16}])


def test_one_database_is_enough_for_one_consumer():
    assert redis_consumer_databases([{"name": "a", "database": 0}], 1) == {"a": 0}


def test_the_filter_is_registered():
    assert FilterModule().filters()["redis_consumer_databases"] is redis_consumer_databases


def test_empty_list():
    assert redis_consumer_databases([]) == {}


@pytest.mark.parametrize(
    "consumers, databases, message",
    [
        ([{"name": "a", "database": 1}, {"name": "a", "database": 2}], 16, "^redis_consumers lists 'a' twice"),
        ([{"name": "a", "database": 3}, {"name": "b", "database": 3}], 16, "^redis_consumers: 'a' and 'b' both use database 3"),
        ([{"name": "a"}], 16, "^redis_consumers: 'a' has no database; give it a fixed number"),
        ([{"name": "a", "database": 16}], 16, "^redis_consumers: 'a' asks for database .*; use 0 to 15"),
        ([{"name": "a", "database": 2}], 2, "^redis_consumers: 'a' asks for database 2; use 0 to 1"),
        ([{"name": "a", "database": -1}], 16, "^redis_consumers: 'a' asks for database .*; use 0 to 15"),
        ([{"name": "a", "database": "1"}], 16, "^redis_consumers: 'a' asks for database .*; use 0 to 15"),
        ([{"name": "a", "database": True}], 16, "^redis_consumers: 'a' asks for database .*; use 0 to 15"),
        ([{"name": "a", "kind": "stream", "database": 1}], 16, "^redis_consumers: 'a' has kind 'stream'; use one of queue, sessions, cache$"),
        ([{"kind": "queue", "database": 1}], 16, "^every entry of redis_consumers needs a name"),
        ([{"name": "", "database": 1}], 16, "^every entry of redis_consumers needs a name"),
        (["n8n"], 16, "^every entry of redis_consumers needs a name"),
        ("n8n", 16, "^redis_consumers must be a list"),
        ([], 0, "^redis_databases must be a positive whole number"),
        ([], True, "^redis_databases must be a positive whole number"),
    ],
)
def test_refusals(consumers, databases, message):
    with pytest.raises(AnsibleFilterError, match=message):
        redis_consumer_databases(consumers, databases)
