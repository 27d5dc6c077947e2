#!/usr/bin/env bash
# ansible-test sanity for plugins/ (DESIGN "Tests" 1). ansible-test wants the collection at
# .../ansible_collections/selfhosted/ai_stack under git, so the working tree (tracked and
# untracked, not ignored) is copied there and committed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tree="$root/.cache/sanity/ansible_collections/selfhosted/ai_stack"

rm -rf "$tree"
mkdir -p "$tree"
(cd "$root" && git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$tree")
git -C "$tree" init -q
git -C "$tree" add -A
git -C "$tree" -c user.name=sanity -c user.email=sanity@localhost commit -qm sanity

# ansible-test bootstraps pip with a script from a host that is unreachable here; the stand-in
# does the same with the ensurepip that ships with Python.
pip_version=$(python - <<'PY'
from types import SimpleNamespace
from ansible_test._internal.python_requirements import get_venv_packages
import sys
print(get_venv_packages(SimpleNamespace(version="%d.%d" % sys.version_info[:2]))["pip"])
PY
)
standin=~/.ansible/test/cache/get_pip_${pip_version//./_}.py
mkdir -p ~/.ansible/test/cache
[ -f "$standin" ] || printf 'import ensurepip, sys\nsys.exit(ensurepip._main(["--upgrade", "--default-pip"]))\n' > "$standin"

cd "$tree"
python_version=$(python -c 'import sys; print("%d.%d" % sys.version_info[:2])')
ansible-test sanity --venv --python "$python_version" --color no plugins/
