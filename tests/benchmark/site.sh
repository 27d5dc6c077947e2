#!/usr/bin/env bash
# Benchmark (not a test): the whole site playbook on the site scenario's target host (six roles,
# Docker-in-Docker over the docker connection). Prints the cold converge time, the unchanged re-run
# time, its changed count, its task count and its slowest tasks (issue 11: unchanged re-run <= 30 s).
#   make benchmark-site       (builds the test images first)
#   KEEP=1 tests/benchmark/site.sh   keeps the target host afterwards
set -euo pipefail
cd "$(dirname "$0")/../.."
log=$(mktemp -d)

converge() {  # $1: log name; prints "<seconds> <changed> <tasks>"
  local start end
  start=$(date +%s.%N)
  COLUMNS=400 ANSIBLE_CALLBACKS_ENABLED=ansible.posix.profile_tasks PROFILE_TASKS_TASK_OUTPUT_LIMIT=15 \
    molecule converge -s site >"$log/$1" 2>&1 || { tail -n 40 "$log/$1" >&2; exit 1; }
  end=$(date +%s.%N)
  sed -i 's/\x1b\[[0-9;]*m//g; s/^ *│ \{0,1\}//' "$log/$1"
  local changed tasks
  changed=$(sed -n 's/.*aistack-site *: ok=[0-9]* *changed=\([0-9]*\).*/\1/p' "$log/$1" | tail -n1)
  tasks=$(grep -c '^TASK \[' "$log/$1" || true)
  printf "%s %s %s\n" "$(python3 -c "print(round($end - $start, 1))")" "${changed:-?}" "$tasks"
}

[[ -n "${KEEP:-}" ]] || trap 'molecule destroy -s site >/dev/null 2>&1 || true' EXIT
molecule destroy -s site >/dev/null 2>&1 || true
molecule create -s site >/dev/null 2>&1
molecule prepare -s site >/dev/null 2>&1
read -r cold cold_changed cold_tasks < <(converge cold.log)
read -r warm warm_changed warm_tasks < <(converge warm.log)

printf 'site.yml on a Docker-in-Docker target host, 6 roles (molecule converge, wall clock)\n'
printf '  cold converge:     %6.1f s  (%s changed, %s tasks)\n' "$cold" "$cold_changed" "$cold_tasks"
printf '  unchanged re-run:  %6.1f s  (%s changed, %s tasks)\n' "$warm" "$warm_changed" "$warm_tasks"
printf '  of which the playbook itself (profile_tasks): %s\n' \
  "$(sed -n '/^TASKS RECAP/,$p' "$log/warm.log" | grep -oE '[0-9]+:[0-9]{2}:[0-9.]+ \*+$' | head -n1 | cut -d' ' -f1)"
printf '  slowest tasks of the unchanged re-run:\n'
sed -n '/^TASKS RECAP/,$p' "$log/warm.log" | grep -E ' -+ [0-9.]+s *$' | head -n 15 | sed 's/^/    /'
echo "  logs: $log"
