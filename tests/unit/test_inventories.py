# REQUIREMENTS SEC1: no secret in the repository in clear text.
import pathlib

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


@pytest.mark.parametrize("path", VAR_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_clear_text_master_key_or_password(path):
    data = yaml.safe_load(path.read_text()) or {}
    flat = {}

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                flat[key] = value
                walk(value)

    walk(data)
    for key, value in flat.items():
        if key == "aistack_secret_key" or key.endswith("_password"):
            assert isinstance(value, str) and "{{" in value, "%s in %s is not derived or vaulted" % (key, path)
