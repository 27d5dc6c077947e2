# The collection as users get it: declared dependencies, what the built tarball holds, links inside it.
import re
import subprocess
import tarfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
GALAXY = yaml.safe_load((ROOT / "galaxy.yml").read_text())
FQCN = re.compile(r"\b([a-z_]+\.[a-z_]+)\.[a-z_0-9]+\b")
OWN = {"ansible.builtin", "ansible.legacy", "selfhosted.ai_stack", "ansible.module_utils", "ansible.plugins", "ansible.errors",
       "ansible.utils", "ansible.template", "ansible.parsing", "ansible.module_utils"}


def _used_collections():
    used = set()
    for top in ("roles", "playbooks", "plugins"):
        for path in (ROOT / top).rglob("*"):
            if path.suffix not in (".yml", ".j2", ".py") or "molecule" in path.parts:
                continue
            for match in FQCN.finditer(path.read_text()):
                name = match.group(1)
                if name.split(".")[0] in ("community", "ansible") and name not in OWN:
                    used.add(name)
    return used


def test_every_collection_used_is_a_declared_dependency():
    used = _used_collections()
    assert {"community.docker", "community.crypto"} <= used
    assert used <= set(GALAXY["dependencies"])


def test_requirements_yml_lists_the_same_collections_as_galaxy_yml():
    requirements = yaml.safe_load((ROOT / "requirements.yml").read_text())["collections"]
    assert {c["name"]: c["version"] for c in requirements} == GALAXY["dependencies"]


def test_no_placeholder_metadata():
    for key in ("repository", "documentation", "issues", "homepage"):
        value = GALAXY.get(key)
        assert value is None or not re.search(r"example\.(invalid|com|org)|placeholder|changeme", value), key


@pytest.fixture(scope="module")
def tarball(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(["ansible-galaxy", "collection", "build", "--force", "--output-path", str(out), str(ROOT)],
                   check=True, capture_output=True)
    (path,) = out.glob("selfhosted-ai_stack-*.tar.gz")
    with tarfile.open(path) as archive:
        return set(archive.getnames())


def test_the_tarball_ships_what_users_run(tarball):
    for needed in ("roles/aistack/defaults/main.yml", "roles/redis/tasks/main.yml", "plugins/filter/derive_secret.py",
                   "playbooks/site.yml", "playbooks/credentials.yml", "docs/adding-a-component.md",
                   "meta/runtime.yml", "site.yml", "README.md", "inventories/prod/hosts.yml",
                   # the RAG API's build context: the role builds the image from it on the target
                   "services/rag_api/Dockerfile", "services/rag_api/requirements.txt", "services/rag_api/rag_api/app.py",
                   "services/rag_api/rag_api/migrations/0001_initial.sql", "services/rag_api/extra-ca-certificates.crt"):
        assert needed in tarball


@pytest.mark.parametrize("unwanted", [r"^tests/", r"^molecule/", r"/molecule/", r"^Makefile$", r"pytest_cache",
                                      r"__pycache__", r"^\.ci/", r"^\.config/", r"^\.cache/", r"^ansible\.cfg$",
                                      r"^requirements\.txt$", r"^services/[^/]+/tests/", r"requirements-test\.txt$"])
def test_the_tarball_leaves_out_the_test_harness(tarball, unwanted):
    assert not [name for name in tarball if re.search(unwanted, name)]


def test_links_in_the_readmes_point_inside_the_artifact(tarball):
    for readme in [ROOT / "README.md", *sorted((ROOT / "roles").glob("*/README.md")), *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#]+)\)", readme.read_text()):
            if re.match(r"[a-z]+://", target):
                continue
            resolved = (readme.parent / target).resolve().relative_to(ROOT).as_posix()
            assert resolved in tarball, "%s links to %s, which the built collection does not hold" % (readme.name, target)
