#!/usr/bin/env bash
# Runs the test suites and ends with one summary line: "suites: N passed, N failed".
#   tests/run_all.sh                    lint, unit, sanity, build, images, every role scenario
#   tests/run_all.sh unit|lint|mutation|sanity|build
#   tests/run_all.sh molecule [ROLE]    every role scenario, or one
# Called by `make test` (which sets PATH, ANSIBLE_CONFIG and ANSIBLE_COLLECTIONS_PATH).
set -uo pipefail
cd "$(dirname "$0")/.."

passed=() failed=()
run() {  # run NAME COMMAND...
  local name=$1; shift
  local start=$SECONDS
  printf '\n===== %s =====\n' "$name"
  if "$@"; then
    passed+=("$name"); printf -- '----- %s passed (%ss)\n' "$name" $((SECONDS - start))
  else
    failed+=("$name"); printf -- '----- %s FAILED (%ss)\n' "$name" $((SECONDS - start))
  fi
}

scenario_roles() {
  for f in roles/*/molecule/default/molecule.yml; do
    f=${f#roles/}; echo "${f%%/*}"
  done
}

suite_lint()   { run yamllint yamllint --strict .; run ansible-lint ansible-lint --profile production --strict; run syntax-check ansible-playbook --syntax-check site.yml -i inventories/local; }
suite_unit()   { run pytest python -m pytest -q tests/unit; }
# The mutation gate (>= 85 % killed; tests/mutation.py): the newer Python, as the time budget allows.
# Every file is scored by `make mutation-report` (tests/mutation-targets.txt; tests/README.md).
MUTATION_TARGETS=(
  plugins/plugin_utils/settings.py=tests/unit/plugins/filter/test_settings_problems.py
  plugins/filter/settings_problems.py=tests/unit/plugins/filter/test_settings_problems.py
  plugins/filter/master_key_weakness.py=tests/unit/plugins/filter/test_master_key_weakness.py
  plugins/filter/redis_consumer_databases.py=tests/unit/plugins/filter/test_redis_consumer_databases.py
  plugins/plugin_utils/pull_follow.py=tests/unit/plugins/plugin_utils/test_pull_follow.py
  plugins/modules/compose_files.py=tests/unit/plugins/modules/test_compose_files.py
  roles/docker/files/daemon_json_state.py=tests/unit/roles/test_daemon_json_state.py
)
suite_mutation() { run mutation python tests/mutation.py "${MUTATION_TARGETS[@]}"; }
suite_sanity() { run ansible-test-sanity tests/sanity.sh; }
suite_build()  { run galaxy-build ansible-galaxy collection build --force --output-path .cache/dist; }
suite_molecule() {
  run test-images tests/images/build.sh || return
  local role
  for role in ${1:-$(scenario_roles)}; do
    if [ "$role" = site ]; then
      run molecule-site molecule test -s site
    else
      run "molecule-$role" bash -c "cd roles/$role && molecule test"
    fi
  done
  [ -n "${1:-}" ] || run molecule-site molecule test -s site
}

case "${1:-all}" in
  all) suite_lint; suite_unit; suite_mutation; suite_sanity; suite_build; suite_molecule ;;
  lint|unit|mutation|sanity|build) "suite_$1" ;;
  molecule) suite_molecule "${2:-}" ;;
  *) echo "usage: $0 [all|lint|unit|mutation|sanity|build|molecule [ROLE]]" >&2; exit 2 ;;
esac

printf '\n===== summary =====\n'
for name in "${passed[@]}"; do printf 'PASSED  %s\n' "$name"; done
for name in "${failed[@]}"; do printf 'FAILED  %s\n' "$name"; done
printf 'suites: %d passed, %d failed\n' "${#passed[@]}" "${#failed[@]}"
[ ${#failed[@]} -eq 0 ]
