# REQUIREMENTS SEC1: no secret in the repository in clear text.
import pathlib
import re

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
VAULT_FILES = sorted(ROOT.glob("inventories/**/vault*.yml"))
VAR_FILES = sorted(p for p in ROOT.glob("inventories/**/*.yml") if p not in VAULT_FILES)


def test_there_is_a_vault_example():
    assert VAULT_FILES


@pytest.mark.parametrize("path", VAULT_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_vault_files_are_encrypted(path):
    assert path.read_text().startswith("$ANSIBLE_VAULT;1.1;AES256\n")


SECRET_KEY_SUFFIXES = ("_password", "_secret", "_secret_key", "_token", "_api_key")


def protected(value):
    """True when the value holds no secret itself: the whole value is one reference to the vault, a
    secret derived from the master key, or the password lookup that keeps a random key outside the
    repository. A literal inside a template (`{{ 'hunter2' }}`) is still clear text."""
    if not isinstance(value, str):
        return False
    text = value.strip()
    if not (text.startswith("{{") and text.endswith("}}")):
        return False
    expression = text[2:-2].strip()
    return bool(
        re.fullmatch(r"vault_\w+", expression)
        or re.fullmatch(r"aistack_secret_key\s*\|\s*selfhosted\.ai_stack\.derive_secret\(\s*'[^']*'(\s*,\s*'[a-z0-9]+')?(\s*,\s*\d+)?\s*\)", expression)
        or re.match(r"lookup\(\s*'ansible\.builtin\.password'\s*,\s*'~/", expression))


@pytest.mark.parametrize("value, safe", [
    ("{{ vault_aistack_secret_key }}", True),
    ("{{ aistack_secret_key | selfhosted.ai_stack.derive_secret('app/database', 'alnum', 40) }}", True),
    ("{{ lookup('ansible.builtin.password', '~/.config/x/key', length=64) }}", True),
    ("{{ 'hunter2' }}", False),
    ("hunter2{{ '' }}", False),
    ("{{ vault_x }}-and-a-suffix", False),
    ("{{ 'hunter2' if true else vault_x }}", False),
    ("{{ vault_x ~ 'pepper' }}", False),
    ("plain", False),
    (12345678, False),
])
def test_what_counts_as_protected(value, safe):
    assert protected(value) is safe


def secret_values(node, found=None):
    """(key, value) of every secret-looking key, in mappings and in lists of mappings."""
    found = [] if found is None else found
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("aistack_secret_key", "password", "secret", "token") or str(key).endswith(SECRET_KEY_SUFFIXES):
                found.append((key, value))
            secret_values(value, found)
    elif isinstance(node, list):
        for item in node:
            secret_values(item, found)
    return found


def test_secrets_inside_lists_are_found():
    data = {"postgres_managed_databases_custom": [{"name": "app", "password": "x", "db_password": "hunter2"}]}
    assert secret_values(data) == [("password", "x"), ("db_password", "hunter2")]


@pytest.mark.parametrize("path", VAR_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_clear_text_master_key_or_password(path):
    data = yaml.safe_load(path.read_text()) or {}
    for key, value in secret_values(data):
        assert protected(value), "%s in %s is neither vaulted nor derived: %r" % (key, path, value)
