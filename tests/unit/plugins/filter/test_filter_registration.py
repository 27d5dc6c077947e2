# Each filter plugin registers its filter under the name the roles and the docs use.
import importlib

import pytest

FILTERS = ["compose_document", "derive_secret", "htpasswd", "jwt_hs256", "jwt_key_problem", "master_key_weakness", "ollama_model_memory",
           "redis_consumer_databases", "settings_problems", "traefik_labels"]


@pytest.mark.parametrize("name", FILTERS)
def test_the_filter_is_registered_under_its_name(name):
    plugin = importlib.import_module("ansible_collections.selfhosted.ai_stack.plugins.filter." + name)
    assert plugin.FilterModule().filters() == {name: getattr(plugin, name)}
