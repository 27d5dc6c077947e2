# tests/mutation.py --record: a file is not run again only while nothing its result depends on has
# changed - its bytes, its tests', the repository modules they import, the test helpers, its
# equivalent entries (CI budget; tests/README.md).
import importlib.util
import shutil
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "mutation.py"
SPEC = importlib.util.spec_from_file_location("mutation_runner", SCRIPT)
mutation = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(mutation)

PREFIX = "ansible_collections.selfhosted.ai_stack"
FILES = {
    "tests/mutation.py": "# the runner\n",
    "plugins/modules/m.py": "from %s.plugins.module_utils import u\nimport os\n" % PREFIX,
    "plugins/module_utils/u.py": "from %s.plugins.module_utils.deeper import d\n" % PREFIX,
    "plugins/module_utils/deeper.py": "d = 1\n",
    "plugins/modules/other.py": "x = 1\n",
    "tests/unit/test_m.py": "from %s.plugins.modules import m\nfrom module_runner import run\nimport ollama_double\n" % PREFIX,
    "tests/ollama-double/ollama_double.py": "VERSION = 1\n",
    "tests/unit/module_runner.py": "run = 1\n",
    "tests/unit/test_other.py": "x = 1\n",
    "services/s/s/a.py": "from .b import x\nfrom . import c\n",
    "services/s/s/b.py": "x = 1\n",
    "services/s/s/c.py": "y = 1\n",
    "services/s/s/unused.py": "z = 1\n",
    "services/s/tests/test_a.py": "from s.a import x\n",
    "services/s/tests/conftest.py": "import ollama_double\n",
}
MODULE = ("plugins/modules/m.py", ["tests/unit/test_m.py"])
SERVICE = ("services/s/s/a.py", ["services/s/tests/test_a.py"])


@pytest.fixture
def repo(tmp_path):
    for path, text in FILES.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    return tmp_path


def test_a_module_depends_on_what_it_imports_through_the_collection_and_the_test_helpers(repo):
    assert mutation.inputs(repo, *MODULE) == {
        "tests/mutation.py", "plugins/modules/m.py", "tests/unit/test_m.py", "tests/unit/module_runner.py",
        "plugins/module_utils/u.py", "plugins/module_utils/deeper.py", "tests/ollama-double/ollama_double.py"}


def test_a_service_file_depends_on_its_package_s_relative_imports_and_its_test_helpers(repo):
    assert mutation.inputs(repo, *SERVICE) == {
        "tests/mutation.py", "services/s/s/a.py", "services/s/s/b.py", "services/s/s/c.py",
        "services/s/tests/test_a.py", "services/s/tests/conftest.py", "tests/unit/module_runner.py",
        "tests/ollama-double/ollama_double.py"}


@pytest.mark.parametrize("changed", ["plugins/modules/m.py", "tests/unit/test_m.py", "plugins/module_utils/u.py",
                                     "plugins/module_utils/deeper.py", "tests/unit/module_runner.py", "tests/mutation.py",
                                     "tests/ollama-double/ollama_double.py"])
def test_a_change_to_anything_it_depends_on_changes_the_fingerprint(repo, changed):
    before = mutation.fingerprint(repo, *MODULE, {})
    with open(repo / changed, "a") as handle:
        handle.write("# changed\n")
    assert mutation.fingerprint(repo, *MODULE, {}) != before


@pytest.mark.parametrize("changed", ["plugins/modules/other.py", "tests/unit/test_other.py", "services/s/s/unused.py"])
def test_a_change_elsewhere_keeps_it(repo, changed):
    before = mutation.fingerprint(repo, *MODULE, {})
    with open(repo / changed, "a") as handle:
        handle.write("# changed\n")
    assert mutation.fingerprint(repo, *MODULE, {}) == before


def test_its_own_equivalent_entries_count_and_other_files_entries_do_not(repo):
    bare = mutation.fingerprint(repo, *MODULE, {})
    assert mutation.fingerprint(repo, *MODULE, {"plugins/modules/other.py:1  'x' -> 'y'": "why"}) == bare
    assert mutation.fingerprint(repo, *MODULE, {"plugins/modules/m.py:2  'os' -> 'XXosXX'": "why"}) != bare


def test_a_moved_file_is_a_change_though_its_bytes_are_the_same(repo):
    before = mutation.fingerprint(repo, *MODULE, {})
    shutil.move(repo / "plugins/module_utils/deeper.py", repo / "plugins/module_utils/deeper2.py")
    (repo / "plugins/module_utils/u.py").write_text("from %s.plugins.module_utils.deeper2 import d\n" % PREFIX)
    assert mutation.fingerprint(repo, *MODULE, {}) != before
