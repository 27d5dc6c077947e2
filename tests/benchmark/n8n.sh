#!/usr/bin/env bash
# Benchmark (not a test): n8n in queue mode on a Docker-in-Docker target host of this machine - the
# webhook executions per second through Traefik over HTTPS with 1, 2 and 3 workers (a burst of
# BURST_COUNT calls, BURST_CONCURRENCY at once, of the scenario's workflow: webhook -> Code node in a
# task runner -> answer) and the p95 latency of one synchronous call at a time.
#   make benchmark-n8n          (builds the test images first)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo/roles/n8n"
count=${BURST_COUNT:-200}
concurrency=${BURST_CONCURRENCY:-10}
target=aistack-n8n
on_target() { docker exec "$target" "$@"; }
burst() {  # burst COUNT CONCURRENCY: the JSON summary of webhook_burst.py
  on_target python3 /root/webhook_burst.py https://n8n.example.test/webhook/aistack-test \
    --cafile /opt/aistack/traefik/certs/ca.crt --count "$1" --concurrency "$2"
}
field() { python3 -c "import json, sys; print(json.load(sys.stdin)['$1'])"; }

trap 'molecule destroy >/dev/null 2>&1 || true' EXIT
molecule destroy >/dev/null 2>&1 || true
molecule create >/dev/null 2>&1
molecule prepare >/dev/null 2>&1
printf '%-8s %12s %8s %8s %14s  %s\n' workers "calls/s" "p50 ms" "p95 ms" "sync p95 ms" "HTTP statuses (burst, sync)"
for workers in 1 2 3; do
  out=$(molecule converge -- -e n8n_worker_count=$workers 2>&1) || { echo "$out" | tail -n 40 >&2; exit 1; }
  if [ "$workers" = 1 ]; then  # /root: the target's /tmp is a tmpfs over what docker cp writes
    docker cp molecule/default/files/webhook_burst.py "$target:/root/webhook_burst.py"
    docker cp molecule/default/files/workflow.json "$target:/root/workflow.json"
    on_target sh -c 'grep -q n8n.example.test /etc/hosts || echo "127.0.0.1 n8n.example.test" >> /etc/hosts'
    on_target docker cp /root/workflow.json n8n-n8n-1:/tmp/workflow.json
    on_target docker exec n8n-n8n-1 n8n import:workflow --input=/tmp/workflow.json >/dev/null 2>&1
    on_target docker exec n8n-n8n-1 n8n publish:workflow --id=aistackWebhook01 >/dev/null 2>&1
    on_target docker restart n8n-n8n-1 >/dev/null
    until [ "$(on_target docker inspect --format '{{.State.Health.Status}}' n8n-n8n-1)" = healthy ]; do sleep 2; done
  fi
  burst 20 "$concurrency" >/dev/null  # warm-up: the runners' first tasks, the connections
  result=$(burst "$count" "$concurrency")
  sync=$(burst 50 1)
  printf '%-8s %12s %8s %8s %14s  %s\n' "$workers" "$(echo "$result" | field per_second)" \
    "$(echo "$result" | field p50_ms)" "$(echo "$result" | field p95_ms)" "$(echo "$sync" | field p95_ms)" \
    "$(echo "$result" | field statuses) $(echo "$sync" | field statuses)"
done
printf '(%s calls, %s at once, on %s cores)\n' "$count" "$concurrency" "$(nproc)"
