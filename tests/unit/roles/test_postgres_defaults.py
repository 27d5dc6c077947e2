# Issue 10: the postgres role follows the image it is given - supabase/postgres gets that image's
# contract (superuser, config file, key volume, worker room, loopback management), any other the
# official image's. Rendered from the role's own defaults and vars, as Ansible renders them.
from pathlib import Path

import pytest
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

ROLE = Path(__file__).resolve().parents[3] / "roles" / "postgres"


def trusted(value):
    """Role files are trusted templates when Ansible loads them as a role's; here too."""
    if isinstance(value, str):
        return trust_as_template(value)
    if isinstance(value, dict):
        return {key: trusted(item) for key, item in value.items()}
    if isinstance(value, list):
        return [trusted(item) for item in value]
    return value


def render(expression, **inventory):
    loader = DataLoader()
    variables = trusted(dict(loader.load_from_file(str(ROLE / "defaults" / "main.yml"))))
    variables.update(trusted(dict(loader.load_from_file(str(ROLE / "vars" / "main.yml")))))
    variables.update(aistack_container_image_registry_prefix="", postgres_resources_limits_cpus=1, **inventory)
    return Templar(loader, variables=variables).template(trust_as_template("{{ %s }}" % expression))


@pytest.mark.parametrize("name, flavor", [
    ("supabase/postgres", "supabase"),
    ("mirror/supabase/postgres", "supabase"),
    ("pgvector/pgvector", "official"),
    ("postgres", "official"),
    ("supabase/postgres-meta", "official"),
    ("my-supabase/postgres", "official"),
])
def test_the_flavor_follows_the_image_name(name, flavor):
    assert render("postgres_image_flavor", postgres_container_image_name=name) == flavor


@pytest.mark.parametrize("expression, official, supabase", [
    ("postgres_superuser", "postgres", "supabase_admin"),
    ("postgres_command | join(' ')", "postgres", "postgres -c config_file=/etc/postgresql/postgresql.conf"),
    ("postgres_compose_volumes | join(' ')", "data", "data config"),
    ("postgres_max_worker_processes", "2", "6"),
])
def test_the_supabase_flavor_switches_to_that_image_s_contract(expression, official, supabase):
    assert str(render(expression, postgres_image_flavor="official")) == official
    assert str(render(expression, postgres_image_flavor="supabase")) == supabase
