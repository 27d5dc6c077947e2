#!/usr/bin/env bash
# Benchmark (not a test): playbooks/rag_ingest.yml over a directory of N Markdown files (issue 13:
# "the unchanged re-run over 100 files: one call per file, 0 changed"), against the real RAG API
# (MiniLM embeddings, real PostgreSQL + pgvector from the test image) and the Docling stand-in, all
# on this machine's loopback; the playbook runs on the controller, as an operator's would. Prints the
# first run, the unchanged re-run, its changed count and the API calls the re-run made.
#   make benchmark-rag-ingest          FILES=100 by default
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
files=${FILES:-100}
work=$(mktemp -d)
key=$(python3 -c 'import secrets; print(secrets.token_hex(24))')
pg=rag-ingest-bench-$$
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; docker rm -f "$pg" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

tests/rag_api.sh --venv-only
docker run -d --rm --name "$pg" -e POSTGRES_PASSWORD=bench -p 127.0.0.1::5432 \
  "aistack-test/postgres:$(cat tests/images/postgres/tag)" postgres -c fsync=off >/dev/null
for _ in $(seq 60); do docker exec -u postgres "$pg" pg_isready -q -h 127.0.0.1 && break; sleep 0.5; done
sleep 1
docker exec -u postgres "$pg" psql -q -c "create database rag" -c '\c rag' -c "create extension vector"
port=$(docker port "$pg" 5432/tcp | head -n1 | cut -d: -f2)

read -r docling_port api_port < <(python3 -c 'import socket
def free():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); return s.getsockname()[1]
print(free(), free())')
DOCLING_SERVE_API_KEY=$key python3 tests/docling-standin/docling_standin.py run --host 127.0.0.1 --port "$docling_port" \
  >"$work/docling.log" 2>&1 & pids+=($!)
(cd services/rag_api && RAG_DATABASE_URL="postgresql://postgres:bench@127.0.0.1:$port/rag" RAG_API_KEY=$key \
  RAG_EMBEDDING_BACKEND=minilm RAG_EMBEDDING_DIMENSION=384 RAG_CHUNK_SIZE=160 RAG_CHUNK_OVERLAP=20 \
  RAG_DOCLING_URL=http://127.0.0.1:$docling_port RAG_DOCLING_API_KEY=$key RAG_OLLAMA_URL=http://127.0.0.1:9 \
  RAG_LISTEN_HOST=127.0.0.1 RAG_LISTEN_PORT=$api_port HF_HUB_OFFLINE=1 \
  exec "$root/.cache/rag-venv/bin/python" -m rag_api) >"$work/rag.log" 2>&1 & pids+=($!)
for _ in $(seq 120); do curl -sf "127.0.0.1:$api_port/health" >/dev/null && break; sleep 1; done

mkdir -p "$work/docs"
python3 - "$work/docs" "$files" <<'EOF'
import random, sys
r = random.Random(5)
words = "pump valve pressure filter sensor controller backup restore invoice billing ledger customer".split()
for i in range(int(sys.argv[2])):
    with open(f"{sys.argv[1]}/doc-{i:04d}.md", "w") as f:
        f.write(f"# Document {i}\n\n" + " ".join(r.choice(words) for _ in range(300)) + f" CODE-{i}\n")
EOF
cat >"$work/inventory.yml" <<EOF
all: {children: {aistack: {hosts: {localhost: {ansible_connection: local, ansible_python_interpreter: $root/.venv/bin/python}}}}}
EOF
printf '{"rag_api_api_key": "%s", "rag_api_ingest_url": "http://127.0.0.1:%s", "rag_api_ingest_directory": "%s", "aistack_secret_key": "unused"}' \
  "$key" "$api_port" "$work/docs" >"$work/vars.json"

ingest() {  # prints "<seconds> <changed>"
  local start end
  start=$(date +%s.%N)
  .venv/bin/ansible-playbook playbooks/rag_ingest.yml -i "$work/inventory.yml" -e "@$work/vars.json" >"$work/$1.log" 2>&1 \
    || { tail -n 30 "$work/$1.log" >&2; exit 1; }
  end=$(date +%s.%N)
  printf "%s %s\n" "$(python3 -c "print(round($end - $start, 1))")" \
    "$(sed -n 's/^localhost *: ok=[0-9]* *changed=\([0-9]*\).*/\1/p' "$work/$1.log")"
}
calls() {  # calls ENDPOINT METHOD STATUS: how many the API has answered so far
  curl -s "127.0.0.1:$api_port/metrics" | grep -F "rag_request_duration_seconds_count{endpoint=\"$1\",method=\"$2\",status=\"$3\"}" |
    awk '{print $2}' | grep . || echo 0
}

read -r first first_changed < <(ingest first)
gets_before=$(calls '/documents/{document_id:path}' GET 200); gets_before=${gets_before:-0}
posts_before=$(calls /index-document POST 200)
read -r again again_changed < <(ingest again)
gets_after=$(calls '/documents/{document_id:path}' GET 200)
posts_after=$(calls /index-document POST 200)
echo "rag_ingest.yml over $files files (controller, real RAG API with MiniLM, Docling stand-in):"
echo "  first run:       ${first} s (changed=${first_changed}, ${posts_before%.*} files indexed)"
echo "  unchanged re-run: ${again} s (changed=${again_changed}); API calls in it: $(python3 -c "print(int($gets_after - $gets_before))") GET /documents/{id}, $(python3 -c "print(int($posts_after - $posts_before))") POST /index-document"
