#!/usr/bin/env bash
# Runs the test suites and ends with one summary line: "suites: N passed, N failed".
#   tests/run_all.sh                    every role scenario and the checks, two at a time
#   tests/run_all.sh checks             unit, lint, service, mutation gates, sanity, build (one after another)
#   tests/run_all.sh unit|lint|mutation|sanity|build
#   tests/run_all.sh molecule [ROLE]    every role scenario, or one
# Called by `make test` (which sets PATH, ANSIBLE_CONFIG and ANSIBLE_COLLECTIONS_PATH).
set -uo pipefail
cd "$(dirname "$0")/.."

passed=() failed=() failed_logs=()
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
# Our own service: its venv, real PostgreSQL; then the mutation gate of its pure modules
suite_service() { run rag-api-service tests/rag_api.sh && run rag-api-mutation tests/rag_api.sh mutation-gate; }
# The mutation gate (>= 85 % killed; tests/mutation.py): the newer Python, as the time budget allows.
# Every file is scored by `make mutation-report` (tests/mutation-targets.txt; tests/README.md).
MUTATION_TARGETS=(
  plugins/plugin_utils/settings.py=tests/unit/plugins/filter/test_settings_problems.py
  plugins/filter/settings_problems.py=tests/unit/plugins/filter/test_settings_problems.py
  plugins/filter/master_key_weakness.py=tests/unit/plugins/filter/test_master_key_weakness.py
  plugins/filter/redis_consumer_databases.py=tests/unit/plugins/filter/test_redis_consumer_databases.py
  plugins/plugin_utils/pull_follow.py=tests/unit/plugins/plugin_utils/test_pull_follow.py
  plugins/modules/compose_files.py=tests/unit/plugins/modules/test_compose_files.py
  plugins/modules/compose_files_info.py=tests/unit/plugins/modules/test_compose_files_info.py
  plugins/module_utils/compose_files.py=tests/unit/plugins/modules/test_compose_files.py,tests/unit/plugins/modules/test_compose_files_info.py
  plugins/modules/host_files.py=tests/unit/plugins/modules/test_host_files.py
  plugins/modules/host_resources.py=tests/unit/plugins/modules/test_host_resources.py
  plugins/filter/build_context_digest.py=tests/unit/plugins/filter/test_build_context_digest.py
  plugins/modules/stack_status.py=tests/unit/plugins/modules/test_stack_status.py
  plugins/modules/postgres_databases.py=tests/unit/plugins/modules/test_postgres_databases.py
  plugins/module_utils/file_writer.py=tests/unit/plugins/modules/test_compose_files.py,tests/unit/plugins/modules/test_host_files.py
  plugins/module_utils/compose_state.py=tests/unit/plugins/module_utils/test_compose_state.py,tests/unit/plugins/modules/test_compose_files.py
  plugins/module_utils/engine_api.py=tests/unit/plugins/module_utils/test_engine_api.py,tests/unit/plugins/modules/test_compose_files.py
  plugins/module_utils/postgres_state.py=tests/unit/plugins/module_utils/test_postgres_state.py,tests/unit/plugins/modules/test_postgres_databases.py
  roles/docker/files/daemon_json_state.py=tests/unit/roles/test_daemon_json_state.py
  tests/images/contract.py=tests/unit/test_image_contracts.py
  tests/langfuse-standin/sigv4.py=tests/unit/test_minio_standin.py,tests/unit/test_langfuse_standin.py
  tests/langfuse-standin/minio_standin.py=tests/unit/test_minio_standin.py
  tests/langfuse-standin/clickhouse_standin.py=tests/unit/test_clickhouse_standin.py
  tests/langfuse-standin/langfuse_standin.py=tests/unit/test_langfuse_standin.py
  roles/pipelines/files/pipelines/langfuse_filter.py=tests/unit/roles/test_langfuse_filter.py
  tests/pipelines-standin/pipelines_standin.py=tests/unit/test_pipelines_standin.py
  tests/open-webui-standin/open_webui_standin.py=tests/unit/test_open_webui_standin.py
  roles/n8n/molecule/default/files/webhook_burst.py=tests/unit/test_webhook_burst.py
  roles/prometheus/molecule/default/files/webhook_sink.py=tests/unit/test_webhook_sink.py
  plugins/plugin_utils/jwt_hs256.py=tests/unit/plugins/filter/test_jwt_hs256.py
  plugins/filter/jwt_hs256.py=tests/unit/plugins/filter/test_jwt_hs256.py,tests/unit/plugins/filter/test_filter_registration.py
  plugins/filter/jwt_key_problem.py=tests/unit/plugins/filter/test_jwt_hs256.py,tests/unit/plugins/filter/test_filter_registration.py
  tests/kong-standin/kong_standin.py=tests/unit/test_kong_standin.py
  tests/supabase-standin/supabase_standin.py=tests/unit/test_supabase_standin.py
)
# --record: a file whose fingerprint (its code, its tests, what they import) equals the one recorded
# after its last run is not run again (tests/mutation-record.json, tests/README.md). A change runs it.
suite_mutation() { run mutation python tests/mutation.py --record tests/mutation-record.json "${MUTATION_TARGETS[@]}"; }
suite_sanity() { run ansible-test-sanity tests/sanity.sh; }
suite_build()  { run galaxy-build ansible-galaxy collection build --force --output-path .cache/dist; }
# The scenarios, longest first (tests/molecule/README.md), so that the two lanes end together.
# `checks` is not a scenario: the unit tests, lint, the service's tests, the mutation gates, sanity and the build run
# as one job in a lane (tests/run_all.sh checks), since a scenario leaves part of the CPU idle while
# it waits on containers; run before the scenarios they added about 14 minutes.
SCENARIO_ORDER=(n8n site checks open_webui rag_api ollama supabase langfuse prometheus traefik postgres redis compose_project docker host_tuning)
# Two at a time: a scenario keeps about one core busy (most of it waits on containers). Scenarios
# that change this machine's kernel settings (sysctls, THP) take KERNEL_LOCK, never side by side.
MOLECULE_JOBS=${MOLECULE_JOBS:-2}
LOG_DIR=.cache/test-logs
KERNEL_LOCK=$PWD/$LOG_DIR/kernel.lock

# The platform's `changes_kernel: true` (tests/molecule/create.yml records and restores for it too).
scenario_changes_kernel() {  # scenario_changes_kernel ROLE
  [ "$1" != checks ] || return 1
  local file=roles/$1/molecule/default/molecule.yml
  [ "$1" != site ] || file=molecule/site/molecule.yml
  grep -Eq '^ +changes_kernel: true' "$file"
}

# The test images a scenario builds in its own lane (their recipe's `built-by` file names the
# scenario: the real n8n, minutes to build), so the other lanes do not wait for them; their
# contracts are checked there too.
scenario_images() {  # scenario_images ROLE: aistack-test/<recipe>:<tag> of each
  local marker recipe
  for marker in tests/images/*/built-by; do
    [ -e "$marker" ] && [ "$(cat "$marker")" = "$1" ] || continue
    recipe=$(dirname "$marker")
    echo "aistack-test/$(basename "$recipe"):$(cat "$recipe/tag")"
  done
}

scenario_command() {  # scenario_command ROLE: the command that tests one scenario
  local lock=() images=() build=""
  if [ "$1" = checks ]; then echo "tests/run_all.sh checks"; return; fi
  if scenario_changes_kernel "$1"; then lock=(flock "$KERNEL_LOCK"); fi
  mapfile -t images < <(scenario_images "$1")
  if [ ${#images[@]} -gt 0 ]; then
    local recipes=("${images[@]#aistack-test/}")
    build="tests/images/build.sh ${recipes[*]%%:*} && python tests/images/contract.py ${images[*]} && "
  fi
  if [ "$1" = site ]; then
    echo "$build${lock[*]} molecule test -s site"
  else
    echo "$build(cd roles/$1 && ${lock[*]} molecule test)"
  fi
}

# Runs the scenarios MOLECULE_JOBS at a time, each into its own log; prints a line per finished
# scenario and, at the end, the log of each one that failed.
run_scenarios_side_by_side() {
  mkdir -p "$LOG_DIR"
  local -A name_of=() start_of=()
  local role pid name rc running=0
  finish_one() {
    wait -n -p pid; rc=$?
    name=${name_of[$pid]}; running=$((running - 1))
    if [ "$name" = molecule-checks ]; then  # its own suites, as its summary lists them
      while read -r state suite; do
        if [ "$state" = PASSED ]; then passed+=("$suite"); else failed+=("$suite"); fi
      done < <(sed -n 's/^\(PASSED\|FAILED\)  /\1 /p' "$LOG_DIR/$name.log")
      grep -a '^----- ' "$LOG_DIR/$name.log" || true
      [ "$rc" -eq 0 ] || { failed_logs+=("$LOG_DIR/$name.log"); grep -q '^FAILED' "$LOG_DIR/$name.log" || failed+=("checks (exit $rc)"); }
    elif [ "$rc" -eq 0 ]; then
      passed+=("$name"); printf -- '----- %s passed (%ss)\n' "$name" $((SECONDS - ${start_of[$pid]}))
    else
      failed+=("$name"); failed_logs+=("$LOG_DIR/$name.log")
      printf -- '----- %s FAILED (%ss, log %s)\n' "$name" $((SECONDS - ${start_of[$pid]})) "$LOG_DIR/$name.log"
    fi
  }
  for role in "$@"; do
    [ "$running" -lt "$MOLECULE_JOBS" ] || finish_one
    bash -c "$(scenario_command "$role")" > "$LOG_DIR/molecule-$role.log" 2>&1 &
    name_of[$!]=molecule-$role; start_of[$!]=$SECONDS; running=$((running + 1))
    printf '===== molecule-%s started =====\n' "$role"
  done
  while [ "$running" -gt 0 ]; do finish_one; done
  local log
  for log in "${failed_logs[@]}"; do printf '\n===== %s =====\n' "$log"; cat "$log"; done
}

suite_molecule() {  # suite_molecule [ROLE|with-checks]
  # Each stand-in must keep the contract of the real image it stands in for (tests/images/contracts.yml).
  run test-images bash -c 'tests/images/build.sh && python tests/images/contract.py' || return
  if [ -n "${1:-}" ] && [ "$1" != with-checks ]; then
    run "molecule-$1" bash -c "$(scenario_command "$1")"
    return
  fi
  local known=" ${SCENARIO_ORDER[*]} " role jobs=()
  for role in $(scenario_roles); do  # a new role's scenario must be placed in SCENARIO_ORDER
    [[ $known == *" $role "* ]] || { failed+=("molecule-$role (not in SCENARIO_ORDER)"); }
  done
  for role in "${SCENARIO_ORDER[@]}"; do
    [ "$role" != checks ] || [ "${1:-}" = with-checks ] && jobs+=("$role")
  done
  run_scenarios_side_by_side "${jobs[@]}"
}

case "${1:-all}" in
  # The lanes: the unit tests run first in the checks job, beside the longest scenario, instead of
  # alone before the lanes (about a minute of wall clock).
  all) suite_molecule with-checks ;;
  checks) suite_unit; suite_lint; suite_service; suite_mutation; suite_sanity; suite_build ;;
  lint|unit|service|mutation|sanity|build) "suite_$1" ;;
  molecule) suite_molecule "${2:-}" ;;
  *) echo "usage: $0 [all|checks|lint|unit|service|mutation|sanity|build|molecule [ROLE]]" >&2; exit 2 ;;
esac

printf '\n===== summary =====\n'
for name in "${passed[@]}"; do printf 'PASSED  %s\n' "$name"; done
for name in "${failed[@]}"; do printf 'FAILED  %s\n' "$name"; done
# The lines that say why, after the summary: only the end of CI's output may be kept.
for log in "${failed_logs[@]}"; do
  printf '\n===== why: %s =====\n' "$log"
  # the last failed task's message (an expected refusal earlier in the log is not it; list items,
  # such as a command's arguments, left out), then the step that failed
  sed 's/\x1b\[[0-9;]*m//g' "$log" | awk '/fatal:|^E  /{n=0; delete b} {if (n < 40) b[n++]=$0} END {for (i=0; i<n; i++) print b[i]}' \
    | grep -a -v -E '^[[:space:]│]*(- |$)' | cut -c1-400
  sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -a -E 'Executed: Failed|^FAILED' | tail -n 5 | cut -c1-400
done
printf 'suites: %d passed, %d failed\n' "${#passed[@]}" "${#failed[@]}"
[ ${#failed[@]} -eq 0 ]
