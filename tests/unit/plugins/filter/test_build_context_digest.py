# issue 11: the RAG API's build context is hashed in the controller's process. The digest must equal
# the shell pipeline the role used before (roles/rag_api/tasks/build.yml until 0.3.0), so an upgraded
# controller does not rebuild an unchanged image.
import os
import subprocess

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.selfhosted.ai_stack.plugins.filter.build_context_digest import FilterModule, build_context_digest

ENTRIES = ["Dockerfile", ".dockerignore", "requirements.txt", "rag_api"]


def shell_digest(source, entries, extra, values):
    """The pipeline of the role before the filter, run as it was."""
    extra_part = "".join("sha256sum < '%s';" % path for path in extra if path)
    script = (
        "set -o pipefail; cd '%s' && { find %s -type f ! -path '*/__pycache__/*' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum; "
        "%s printf '%%s\\n' %s; } | sha256sum | cut -c1-32"
        % (source, " ".join(entries), extra_part, " ".join("'%s'" % value for value in values))
    )
    return subprocess.run(["bash", "-c", script], check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def context(tmp_path):
    files = {
        "Dockerfile": "FROM base\n",
        ".dockerignore": "**/__pycache__\n",
        "requirements.txt": "fastapi==1\n",
        "rag_api/__init__.py": "",
        "rag_api/app.py": "app = 1\n",
        "rag_api/Zeta.py": "upper case sorts first\n",
        "rag_api/sub/deep.py": "x = 2\n",
        "rag_api/sub_b.py": "'/' sorts before '_'\n",
        "rag_api/__pycache__/app.cpython-311.pyc": "compiled",
        "rag_api/sub/__pycache__/deep.pyc": "compiled",
        "unrelated.txt": "not in the context\n",
    }
    for path, text in files.items():
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    os.symlink("app.py", tmp_path / "rag_api" / "link.py")
    ca = tmp_path.parent / (tmp_path.name + "-ca.crt")
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    return tmp_path, str(ca)


@pytest.mark.parametrize("extra, values", [
    ([], ["aistack-test/python:3-trixie", "True"]),
    (["CA"], ["python:3.12-slim", "False"]),
    ([""], ["python:3.12-slim", "False"]),
    (["CA"], ["one value"]),
])
def test_the_digest_equals_the_shell_pipeline(context, extra, values):
    source, ca = context
    extra = [ca if path == "CA" else path for path in extra]
    digest = build_context_digest(str(source), ENTRIES, extra=extra, values=values)
    assert digest == shell_digest(source, ENTRIES, extra, values)
    assert len(digest) == 32


@pytest.mark.parametrize("change", ["edit", "add", "rename", "value", "extra", "pycache", "outside", "symlink"])
def test_what_changes_the_digest_and_what_does_not(context, change):
    source, ca = context
    before = build_context_digest(str(source), ENTRIES, extra=[ca], values=["base"])
    values = ["base"]
    if change == "edit":
        (source / "rag_api" / "sub" / "deep.py").write_text("x = 3\n")
    elif change == "add":
        (source / "rag_api" / "new.py").write_text("")
    elif change == "rename":
        os.rename(source / "rag_api" / "app.py", source / "rag_api" / "main.py")
    elif change == "value":
        values = ["other-base"]
    elif change == "extra":
        with open(ca, "a") as handle:
            handle.write("more\n")
    elif change == "pycache":
        (source / "rag_api" / "__pycache__" / "new.pyc").write_text("compiled")
    elif change == "outside":
        (source / "unrelated.txt").write_text("changed\n")
    elif change == "symlink":
        os.remove(source / "rag_api" / "link.py")
    after = build_context_digest(str(source), ENTRIES, extra=[ca], values=values)
    assert (after != before) == (change in ("edit", "add", "rename", "value", "extra"))


def test_a_missing_entry_is_named(context):
    source, _ca = context
    with pytest.raises(AnsibleFilterError) as raised:
        build_context_digest(str(source), ["Dockerfile", "rag_api/missing"])
    assert str(raised.value) == "build_context_digest: %s/rag_api/missing is missing from the build context" % source


def test_names_that_are_not_utf8_and_a_top_level_pycache_hash_as_find_lists_them(context):
    # find's -path '*/__pycache__/*' needs a directory above __pycache__: a top-level one is kept.
    source, ca = context
    (source / "__pycache__").mkdir()
    (source / "__pycache__" / "top.pyc").write_text("kept by find")
    os.mkdir(os.path.join(str(source).encode(), b"rag_api/\xff-dir"))
    with open(os.path.join(str(source).encode(), b"rag_api/\xff-dir/\xfe.py"), "w") as handle:
        handle.write("latin-1 name\n")
    entries = ENTRIES + ["__pycache__"]
    assert build_context_digest(str(source), entries, extra=[ca], values=["v"]) == shell_digest(source, entries, [ca], ["v"])


def test_registered_under_its_name():
    assert FilterModule().filters()["build_context_digest"] is build_context_digest
