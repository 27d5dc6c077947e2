#!/usr/bin/env bash
# Benchmark (not a test): the whole site playbook on the site scenario's target host (every role of
# site.yml, Docker-in-Docker over the docker connection). Prints the cold converge time, then the
# unchanged re-run as an operator runs it - `ansible-playbook site.yml` on the scenario's inventory,
# RUNS times (median), with its changed count - and the task count and slowest tasks of one more
# re-run under profile_tasks (issue 11: unchanged re-run <= 30 s). Molecule's own start-up (about
# 3-4 s) is not part of a re-run and not counted.
#   make benchmark-site       (builds the test images first)
#   KEEP=1 RUNS=5 tests/benchmark/site.sh   keeps the target host afterwards
set -euo pipefail
cd "$(dirname "$0")/../.."
log=$(mktemp -d)
runs=${RUNS:-3}

[[ -n "${KEEP:-}" ]] || trap 'molecule destroy -s site >/dev/null 2>&1 || true' EXIT
molecule destroy -s site >/dev/null 2>&1 || true
molecule create -s site >/dev/null 2>&1
# The scratch directory molecule made for this scenario: the newest one, written by create just now.
ephemeral=$(ls -dt "$HOME"/.ansible/tmp/molecule.*.site | head -n1)
export MOLECULE_EPHEMERAL_DIRECTORY=$ephemeral MOLECULE_SCENARIO_DIRECTORY=$PWD/molecule/site
export MOLECULE_FILE=$ephemeral/molecule.yml MOLECULE_INVENTORY_FILE=$ephemeral/inventory/ansible_inventory.yml
molecule prepare -s site >/dev/null 2>&1

start=$(date +%s.%N)
molecule converge -s site >"$log/cold.log" 2>&1 || { tail -n 40 "$log/cold.log" >&2; exit 1; }
cold=$(python3 -c "print(round($(date +%s.%N) - $start, 1))")

rerun() {  # $1: log name; prints "<seconds> <changed>"
  local begin changed
  begin=$(date +%s.%N)
  COLUMNS=400 ansible-playbook -i "$ephemeral/inventory" site.yml "${@:2}" >"$log/$1" 2>&1 || { tail -n 40 "$log/$1" >&2; exit 1; }
  changed=$(sed -n 's/.*aistack-site *: ok=[0-9]* *changed=\([0-9]*\).*/\1/p' "$log/$1" | tail -n1)
  printf "%s %s\n" "$(python3 -c "print(round($(date +%s.%N) - $begin, 1))")" "${changed:-?}"
}

times=()
printf 'site.yml on a Docker-in-Docker target host, %s roles\n' "$(grep -c 'ansible.builtin.import_role:' playbooks/site.yml)"
printf '  cold converge (molecule):   %6.1f s\n' "$cold"
for n in $(seq "$runs"); do
  read -r seconds changed < <(rerun "warm-$n.log")
  times+=("$seconds")
  printf '  unchanged re-run %d:         %6.1f s  (%s changed)\n' "$n" "$seconds" "$changed"
done
printf '  median of %d:                %6.1f s\n' "$runs" "$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}')"

ANSIBLE_CALLBACKS_ENABLED=ansible.posix.profile_tasks PROFILE_TASKS_TASK_OUTPUT_LIMIT=15 rerun profile.log >/dev/null
sed -i 's/\x1b\[[0-9;]*m//g' "$log/profile.log"
printf '  tasks of a re-run: %s\n' "$(grep -c '^TASK \[' "$log/profile.log" || true)"
printf '  slowest tasks (profile_tasks):\n'
sed -n '/^TASKS RECAP/,$p' "$log/profile.log" | grep -E ' -+ [0-9.]+s *$' | head -n 15 | sed 's/^/    /'
echo "  logs: $log"
