#!/usr/bin/env bash
# Benchmark (not a test): the ollama role (two instances, test double) with three models present.
# Prints the cold converge time, the unchanged re-run time, its changed-task count and the HTTP
# calls the re-run made to each instance (counted by the double, by client).
#   make benchmark-ollama          (builds the test images first)
set -euo pipefail
cd "$(dirname "$0")/../../roles/ollama"
models='{"ollama_models": ["llama3.1:8b", "nomic-embed-text", "llama3.2:3b"]}'
host=aistack-ollama

converge() {  # prints "<seconds> <changed>"
  local start end out changed
  start=$(date +%s.%N)
  out=$(molecule converge -- -e "$models" 2>&1) || { echo "$out" | tail -n 40 >&2; exit 1; }
  end=$(date +%s.%N)
  changed=$(echo "$out" | sed 's/\x1b\[[0-9;]*m//g' | sed -n "s/.*$host *: ok=[0-9]* *changed=\([0-9]*\).*/\1/p" | tail -n1)
  printf "%s %s\n" "$(python3 -c "print(round($end - $start, 1))")" "${changed:-?}"
}

double() {  # double <instance> <path> [POST]: asks the double inside its container
  docker exec "$host" docker exec "ollama-$1-1" python3 -c "
import sys, urllib.request
req = urllib.request.Request('http://127.0.0.1:11434$2', data=b'{}' if '${3:-}' else None)
sys.stdout.write(urllib.request.urlopen(req).read().decode())"
}

calls() {  # the role's calls to one instance: "<total> (<by endpoint>)"
  double "$1" /_double/calls-by-agent | python3 -c "
import json, sys
calls = json.load(sys.stdin).get('selfhosted.ai_stack-ollama', {})
print('%d (%s)' % (sum(calls.values()), ', '.join('%s %d' % kv for kv in sorted(calls.items())) or 'none'))"
}

trap 'molecule destroy >/dev/null 2>&1 || true' EXIT
molecule destroy >/dev/null 2>&1 || true
molecule create >/dev/null 2>&1
molecule prepare >/dev/null 2>&1
read -r cold cold_changed < <(converge)
for i in 1 2; do double "ollama-$i" /_double/reset POST >/dev/null; done
read -r warm warm_changed < <(converge)
calls1=$(calls ollama-1); calls2=$(calls ollama-2)
read -r warm2 warm2_changed < <(converge)

printf 'ollama role, 2 instances, 3 models, on a Docker-in-Docker target host (molecule converge, wall clock)\n'
printf '  cold converge (3 pulls per instance):  %6.1f s  (%s changed)\n' "$cold" "$cold_changed"
printf '  unchanged re-run:                      %6.1f s  (%s changed)\n' "$warm" "$warm_changed"
printf '  unchanged re-run #2:                   %6.1f s  (%s changed)\n' "$warm2" "$warm2_changed"
printf '  HTTP calls of the unchanged re-run:    ollama-1 %s, ollama-2 %s\n' "$calls1" "$calls2"
