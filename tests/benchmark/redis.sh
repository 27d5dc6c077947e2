#!/usr/bin/env bash
# Benchmark (not a test): the redis role on a fresh target host.
# Prints the cold converge time, the unchanged re-run time and the changed-task count of the re-run.
#   make benchmark          (builds the test images first)
set -euo pipefail
cd "$(dirname "$0")/../../roles/redis"

converge() {  # prints "<seconds> <changed>"
  local start end out
  start=$(date +%s.%N)
  out=$(molecule converge 2>&1) || { echo "$out" | tail -n 40 >&2; exit 1; }
  end=$(date +%s.%N)
  local changed
  changed=$(echo "$out" | sed 's/\x1b\[[0-9;]*m//g' | sed -n 's/.*aistack-redis *: ok=[0-9]* *changed=\([0-9]*\).*/\1/p' | tail -n1)
  printf "%s %s\n" "$(python3 -c "print(round($end - $start, 1))")" "${changed:-?}"
}

trap 'molecule destroy >/dev/null 2>&1 || true' EXIT
molecule destroy >/dev/null 2>&1 || true
molecule create >/dev/null 2>&1
molecule prepare >/dev/null 2>&1
read -r cold cold_changed < <(converge)
read -r warm warm_changed < <(converge)
read -r warm2 warm2_changed < <(converge)

printf 'redis role on a Docker-in-Docker target host (molecule converge, wall clock)\n'
printf '  cold converge:        %6.1f s  (%s changed)\n' "$cold" "$cold_changed"
printf '  unchanged re-run:     %6.1f s  (%s changed)\n' "$warm" "$warm_changed"
printf '  unchanged re-run #2:  %6.1f s  (%s changed)\n' "$warm2" "$warm2_changed"
