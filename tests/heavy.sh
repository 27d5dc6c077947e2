#!/usr/bin/env bash
# `make test-heavy`: the tests that need the real Open WebUI (issue 15), too heavy for `make test`:
# its image is built from PyPI here (tests/images/open-webui: about 3 minutes, 3.3 GB) and loaded into
# each target (about 2 minutes). Runs the open_webui scenario and the site scenario - the seed's
# request flow end to end, Open WebUI to Langfuse - with the real Open WebUI instead of its stand-in.
# Ends with one line "heavy: N passed, N failed" and the time each took.
set -uo pipefail
cd "$(dirname "$0")/.."
export AISTACK_TEST_OPEN_WEBUI_IMAGE=aistack-test/open-webui:v0.12.4
passed=() failed=()
run() {  # run NAME COMMAND...
  local name=$1 start=$SECONDS; shift
  printf '\n===== %s =====\n' "$name"
  if "$@"; then passed+=("$name"); printf -- '----- %s passed (%ss)\n' "$name" $((SECONDS - start))
  else failed+=("$name"); printf -- '----- %s FAILED (%ss)\n' "$name" $((SECONDS - start)); fi
}
run test-images bash -c 'tests/images/build.sh && tests/images/build.sh open-webui && python tests/images/contract.py'
if [ ${#failed[@]} -eq 0 ]; then
  run molecule-open_webui bash -c 'cd roles/open_webui && molecule test'
  run molecule-site molecule test -s site
fi
printf '\nheavy: %d passed, %d failed\n' "${#passed[@]}" "${#failed[@]}"
[ ${#failed[@]} -eq 0 ]
