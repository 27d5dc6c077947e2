#!/usr/bin/env python3
"""Mutation score of the collection's Python (DEVELOPERS: >= 85 % of mutants killed).

mutmut and cosmic-ray mutate a copy of the tree, but the tests import the collection through
.cache/collections/ansible_collections/selfhosted/ai_stack, a link to the checkout, so their mutants
would never run. This runner makes one copy of plugins/ and tests/unit/ per CPU, each with its own
link, and runs the mutants (comparison, boolean, arithmetic and constant changes as mutmut makes them,
a removed `not`) in them side by side: the file's unit tests per mutant. The checkout is never
touched. Docstrings and DOCUMENTATION/EXAMPLES/RETURN (ansible-test sanity checks those) are not mutated.

  python tests/mutation.py plugins/plugin_utils/settings.py=tests/unit/plugins/filter/test_settings_problems.py ...
Prints each surviving mutant, the score per file and `mutation score: K/N killed (P %)`; exits 1 below
--min (default 85). Mutants listed in tests/mutation-equivalent.txt (`path:line  what  # why`) cannot be
told apart from the original by any test (more bytes read than used, unreachable code); they are shown
as equivalent and left out of the score. An entry that no longer matches a mutant is reported as stale.

With --record FILE (tests/mutation-record.json), a file whose fingerprint - its bytes, its tests', the
repository files they import, the test helpers, its equivalent entries, this runner, the Python and
pytest versions - equals the one recorded after its last run is not run again: its recorded counts
enter the score. Every other file is run and its result recorded. Any change to what a file's result
depends on runs it again, so the gate can cover more files within the CI budget.
"""

import argparse
import ast
import concurrent.futures
import copy
import hashlib
import json
import os
import multiprocessing
import queue
import shutil
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import importlib

import pytest

# Imported once here, so that every forked test run finds them loaded (the code under test is not:
# each run imports the mutated copy). A service's own virtualenv has none of Ansible's.
WARM_IMPORTS = ("ansible.module_utils.basic", "jinja2", "yaml",  # the collection
                "numpy", "fastapi", "fastapi.testclient", "httpx", "psycopg", "psycopg_pool", "prometheus_client",
                "llama_index.core.node_parser", "llama_index.embeddings.ollama", "llama_index.llms.ollama")  # services/
for _name in WARM_IMPORTS:
    try:
        importlib.import_module(_name)
    except ImportError:
        pass

SWAPS = {
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq,
    ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is,
    ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.FloorDiv: ast.Mult,
    ast.Mod: ast.Mult, ast.And: ast.Or, ast.Or: ast.And,
}

# A mutant's test run that takes this long (the unmutated run takes seconds) loops forever: killed.
MUTANT_TIMEOUT = 60


def _docstring_nodes(tree):
    """Docstrings and the plugin documentation strings (checked by ansible-test sanity, not by tests)."""
    skip = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") in ("DOCUMENTATION", "EXAMPLES", "RETURN") for t in node.targets):
            skip.add(id(node.value))
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            skip.add(id(body[0].value))
    return skip


def mutants(source):
    """Every single-point mutation of `source`, as (line, description, mutated source)."""
    tree = ast.parse(source)
    skip = _docstring_nodes(tree)
    targets = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            targets += [(node, "ops", i) for i, op in enumerate(node.ops) if type(op) in SWAPS]
        elif isinstance(node, (ast.BinOp, ast.BoolOp)) and type(node.op) in SWAPS:
            targets.append((node, "op", None))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            targets.append((node, "not", None))
        elif isinstance(node, ast.Constant) and id(node) not in skip and not isinstance(node.value, bytes):
            if isinstance(node.value, (bool, int, float, str)) and node.value is not None:
                targets.append((node, "const", None))
    for index, (node, kind, position) in enumerate(targets):
        mutated = copy.deepcopy(tree)
        twin = [n for n in ast.walk(mutated)][[n for n in ast.walk(tree)].index(node)]
        if kind == "ops":
            old = type(twin.ops[position]).__name__
            twin.ops[position] = SWAPS[type(twin.ops[position])]()
            what = "%s -> %s" % (old, type(twin.ops[position]).__name__)
        elif kind == "op":
            old = type(twin.op).__name__
            twin.op = SWAPS[type(twin.op)]()
            what = "%s -> %s" % (old, type(twin.op).__name__)
        elif kind == "not":
            parent = _parent_of(mutated, twin)
            _replace(parent, twin, twin.operand)
            what = "not removed"
        else:
            value = twin.value
            if isinstance(value, bool):
                twin.value = not value
            elif isinstance(value, (int, float)):
                twin.value = value + 1
            else:
                twin.value = "XX" + value + "XX"  # as mutmut does
            what = "%r -> %r" % (value, twin.value)
        yield node.lineno, what, ast.unparse(mutated)
        del index


def _parent_of(tree, child):
    for node in ast.walk(tree):
        for field, value in ast.iter_fields(node):
            if value is child or (isinstance(value, list) and any(v is child for v in value)):
                return node
    raise ValueError("no parent")


def _replace(parent, old, new):
    for field, value in ast.iter_fields(parent):
        if value is old:
            setattr(parent, field, new)
            return
        if isinstance(value, list):
            for i, item in enumerate(value):
                if item is old:
                    value[i] = new
                    return


def _make_copy(root, where):
    # roles: scripts run on the host; tests/images: the contract check; services: our own services,
    # whose tests use the Ollama double
    for part in ("plugins", "tests/unit", "tests/images", "roles", "services", "tests/fixtures",
                 *("tests/" + folder for folder in DOUBLE_DIRS)):
        shutil.copytree(root / part, where / part, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache", ".ruff_cache"))
    link = where / ".cache" / "collections" / "ansible_collections" / "selfhosted" / "ai_stack"
    link.parent.mkdir(parents=True)
    link.symlink_to(where)
    return where


def service_dir(source):
    """`services/<name>` for a service's file (its tests run there, importing its package), else None."""
    parts = Path(source).parts
    return Path(*parts[:2]) if len(parts) > 2 and parts[0] == "services" else None


def _pytest_in_child(copy_root, tests, workdir=None):
    """Runs in a child forked from this process: pytest and the libraries are imported already, so a
    mutant costs its tests' time, not a new interpreter's imports (about a second each on 2 cores)."""
    os.chdir(str(copy_root / workdir) if workdir else str(copy_root))
    if workdir:
        sys.path.insert(0, os.getcwd())
        tests = [str(Path(test).relative_to(workdir)) for test in tests]
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    code = pytest.main(["-x", "-q", "-p", "no:cacheprovider", *tests])
    os._exit(int(code))


def _tests_fail(copy_root, tests, workdir=None):
    """Whether the tests fail in `copy_root`; a mutant that makes them hang (loops forever) counts as killed."""
    child = multiprocessing.get_context("fork").Process(target=_pytest_in_child, args=(copy_root, tests, workdir))
    child.start()
    child.join(MUTANT_TIMEOUT)
    if child.is_alive():
        child.kill()
        child.join()
        return True
    return child.exitcode != 0


# Folders of tests/ whose modules the tests import by putting the folder on sys.path: every test
# double and stand-in (tests/*-double, tests/*-standin), so a new one is copied and fingerprinted too.
DOUBLE_DIRS = tuple(sorted(path.name for pattern in ("*-double", "*-standin")
                           for path in (Path(__file__).resolve().parent).glob(pattern) if path.is_dir()))


def _imported_files(root, path):
    """The repository's Python files `path` imports: the collection's (ansible_collections.selfhosted.
    ai_stack.*), a service's own package, the test doubles, relative imports; a `from X import Y` may
    name a module Y."""
    tree = ast.parse((root / path).read_text())
    here = Path(path).parent
    service = service_dir(path)
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [(None, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = here.parents[node.level - 2] if node.level > 1 else here
            module = node.module or ""
            for alias in node.names:
                dotted = (module + "." + alias.name).lstrip(".")
                names += [(base if node.level else None, dotted), (base if node.level else None, module)]
    found = set()
    for base, dotted in names:
        relative = Path(*dotted.split(".")) if dotted else None
        if relative is None:
            continue
        if base is not None:
            candidates = [base / relative]
        else:
            parts = dotted.split(".")
            prefix = ["ansible_collections", "selfhosted", "ai_stack"]
            candidates = [Path(*parts[3:])] if parts[:3] == prefix and len(parts) > 3 else []
            if service is not None:
                candidates.append(service / relative)
            # the test doubles that tests put on sys.path (tests/ollama-double, tests/docling-standin)
            candidates += [Path("tests") / folder / relative for folder in DOUBLE_DIRS]
        for candidate in candidates:
            for file in (candidate.with_suffix(".py"), candidate / "__init__.py"):
                if (root / file).is_file():
                    found.add(str(file))
    return found


def inputs(root, source, tests):
    """Every repository file a source's mutation result depends on (see --record)."""
    files = {"tests/mutation.py", source, *tests}
    helper_dirs = [Path("tests/unit")] + ([service_dir(source) / "tests"] if service_dir(source) else [])
    for directory in helper_dirs:
        files |= {str(directory / p.name) for p in (root / directory).glob("*.py") if not p.name.startswith("test_")}
    pending = sorted(files)  # the helpers' imports count too (the service's conftest imports the Ollama double)
    while pending:
        for module in sorted(_imported_files(root, pending.pop())):
            if module not in files:
                files.add(module)
                pending.append(module)
    return files


def fingerprint(root, source, tests, equivalent):
    """A digest of what the mutation result of `source` depends on (see --record)."""
    digest = hashlib.sha256()
    digest.update(("python %d.%d pytest %s\n" % (sys.version_info[0], sys.version_info[1], pytest.__version__)).encode())
    for path in sorted(inputs(root, source, tests)):
        digest.update(path.encode() + b"\0" + (root / path).read_bytes() + b"\0")
    for key in sorted(key for key in equivalent if key.split(":", 1)[0] == source):
        digest.update(key.encode() + b"\n")
    return digest.hexdigest()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pairs", nargs="*", help="source.py=tests.py[,more_tests.py]")
    parser.add_argument("--targets", type=Path, help="a file of such pairs, one per line (# comments)")
    parser.add_argument("--min", type=float, default=85.0, help="the overall score needed")
    parser.add_argument("--min-utils", type=float, default=85.0,
                        help="the score needed by plugins/plugin_utils and plugins/module_utils together")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--record", type=Path, help="results by fingerprint: unchanged files are not run again")
    args = parser.parse_args()
    root = Path(__file__).resolve().parents[1]
    pairs = list(args.pairs)
    if args.targets:
        pairs += [line.split("#", 1)[0].strip() for line in args.targets.read_text().splitlines()]
    pairs = [pair for pair in pairs if pair]
    if not pairs:
        parser.error("name source=tests pairs or --targets")
    equivalent = load_equivalent(root / EQUIVALENT_FILE)
    record = json.loads(args.record.read_text()) if args.record and args.record.exists() else {}
    recorded, fresh = {}, {}
    for source, tests in (pair.split("=", 1) for pair in pairs):
        mark = fingerprint(root, source, tests.split(","), equivalent)
        if args.record and record.get(source, {}).get("fingerprint") == mark:
            recorded[source] = record[source]
        else:
            fresh[source] = (tests.split(","), mark)
    work = [(source, tests, line, what, text)
            for source, (tests, _) in fresh.items()
            for line, what, text in mutants((root / source).read_text())]
    with tempfile.TemporaryDirectory(prefix="aistack-mutation-") as scratch:
        copies = queue.Queue()
        for index in range(max(1, args.jobs)):
            copies.put(_make_copy(root, Path(scratch) / str(index)))

        def run(item):
            source, tests, line, what, text = item
            copy_root = copies.get()
            target = copy_root / source
            original = target.read_text()
            try:
                target.write_text(text)
                killed = _tests_fail(copy_root, tests, service_dir(source))
            finally:
                target.write_text(original)
                copies.put(copy_root)
            return item, killed

        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            outcomes = list(pool.map(run, work))
    per_file = defaultdict(lambda: [0, 0, 0])  # killed, survived, equivalent
    survivors = defaultdict(list)
    for source in fresh:  # a file without mutants is listed too
        per_file[source] = [0, 0, 0]
    for (source, _, line, what, _), killed in outcomes:
        key = "%s:%d  %s" % (source, line, what)
        if killed:
            per_file[source][0] += 1
        elif key in equivalent:
            per_file[source][2] += 1
            equivalent[key] = None
        else:
            per_file[source][1] += 1
            survivors[source].append(key)
            print("survived  " + key)
    for source, entry in sorted(recorded.items()):
        per_file[source] = [entry["killed"], entry["survived"], entry["equivalent"]]
        print("recorded  %s: unchanged since its recorded run (%s)" % (source, entry["fingerprint"][:12]))
        for key in entry.get("survivors", []):
            print("survived  " + key + "  (recorded)")
    if args.record:
        for source, (_, mark) in fresh.items():
            killed, alive, same = per_file[source]
            record[source] = {"fingerprint": mark, "killed": killed, "survived": alive, "equivalent": same,
                              "survivors": survivors[source]}
        args.record.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
    sources = set(fresh)
    for key, reason in sorted(equivalent.items()):
        if reason is not None and key.split(":", 1)[0] in sources:
            print("stale equivalent entry (no such mutant survives): " + key)
    for source, (dead, alive, same) in sorted(per_file.items()):
        print("%-48s %3d mutants  %3d killed  %3d survived  %3d equivalent  %5.1f %%"
              % (source, dead + alive + same, dead, alive, same, percent(dead, dead + alive)))
    utils = {source: counts for source, counts in per_file.items() if source.startswith(UTILS)}
    utils_score = 100.0
    if utils and len(utils) < len(per_file):
        utils_killed = sum(counts[0] for counts in utils.values())
        utils_total = utils_killed + sum(counts[1] for counts in utils.values())
        utils_score = percent(utils_killed, utils_total)
        print("plugin_utils + module_utils: %d/%d killed (%.1f %%)" % (utils_killed, utils_total, utils_score))
    killed = sum(counts[0] for counts in per_file.values())
    total = killed + sum(counts[1] for counts in per_file.values())
    score = percent(killed, total)
    print("mutation score: %d/%d killed (%.1f %%)" % (killed, total, score))
    return 0 if score >= args.min and (not utils or utils_score >= args.min_utils) else 1


UTILS = ("plugins/plugin_utils/", "plugins/module_utils/")


EQUIVALENT_FILE = "tests/mutation-equivalent.txt"


def percent(part, whole):
    return 100.0 * part / whole if whole else 100.0


def load_equivalent(path):
    """`path:line  what` -> reason, from the list of mutants no test can tell from the original."""
    entries = {}
    if path.exists():
        for raw in path.read_text().splitlines():
            text, _, reason = raw.partition("#")
            if text.strip():
                entries[text.strip()] = reason.strip() or "no reason given"
    return entries


if __name__ == "__main__":
    sys.exit(main())
