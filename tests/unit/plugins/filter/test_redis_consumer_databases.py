# REQUIREMENTS B10: two queue users never share a namespace.
import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.selfhosted.ai_stack.plugins.filter.redis_consumer_databases import redis_consumer_databases


def test_free_numbers_from_one_in_list_order():
    consumers = [{"name": "n8n", "kind": "queue"}, {"name": "langfuse", "kind": "queue"}]
    assert redis_consumer_databases(consumers) == {"n8n": 1, "langfuse": 2}


def test_explicit_databases_are_kept_and_skipped_by_the_others():
    consumers = [
        {"name": "a", "kind": "queue"},
        {"name": "b", "kind": "cache", "database": 1},
        {"name": "c", "kind": "sessions"},
    ]
    assert redis_consumer_databases(consumers) == {"a": 2, "b": 1, "c": 3}


def test_assignment_is_stable_across_calls():
    consumers = [{"name": "x"}, {"name": "y", "database": 0}]
    assert redis_consumer_databases(consumers) == redis_consumer_databases(list(consumers))


def test_empty_list():
    assert redis_consumer_databases([]) == {}


@pytest.mark.parametrize(
    "consumers, databases, message",
    [
        ([{"name": "a"}, {"name": "a"}], 16, "lists 'a' twice"),
        ([{"name": "a", "database": 3}, {"name": "b", "database": 3}], 16, "both use database 3"),
        ([{"name": "a", "database": 16}], 16, "use 0 to 15"),
        ([{"name": "a", "database": -1}], 16, "use 0 to 15"),
        ([{"name": "a", "database": "1"}], 16, "use 0 to 15"),
        ([{"name": "a", "kind": "stream"}], 16, "kind 'stream'"),
        ([{"kind": "queue"}], 16, "needs a name"),
        ([{"name": "a"}, {"name": "b"}], 2, "no free database left for 'b'"),
        ("n8n", 16, "must be a list"),
        ([], 0, "redis_databases"),
    ],
)
def test_refusals(consumers, databases, message):
    with pytest.raises(AnsibleFilterError, match=message):
        redis_consumer_databases(consumers, databases)
