#!/usr/bin/env bash
# Builds the offline test images on the local Docker engine, skipping any image whose
# recipe has not changed since it was built (label org.aistack.recipe-sha).
#
#   tests/images/build.sh                 # every recipe
#   tests/images/build.sh redis           # one recipe and what it is built FROM
#
# Base images come from debootstrap (no container registry is reachable here); every
# other image is a Dockerfile in tests/images/<name>/ tagged aistack-test/<name>:<tag file>.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
mirror=${AISTACK_DEBIAN_MIRROR:-http://deb.debian.org/debian}
export DOCKER_BUILDKIT=0

log() { printf '[images] %s\n' "$*" >&2; }

image_sha() { docker image inspect --format '{{ index .Config.Labels "org.aistack.recipe-sha" }}' "$1" 2>/dev/null || true; }

build_base() {  # aistack-test/debian:<suite> from a debootstrap minbase rootfs
  local suite=$1 ref="aistack-test/debian:$1" sha
  sha=$(printf 'debootstrap minbase %s %s' "$suite" "$mirror" | sha256sum | cut -c1-16)
  if [ "$(image_sha "$ref")" = "$sha" ]; then log "$ref is up to date"; return; fi
  local root
  root=$(mktemp -d /var/tmp/aistack-rootfs.XXXXXX)
  log "debootstrap $suite (minbase) into $root"
  debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$root.log" 2>&1 || { tail -n 30 "$root.log" >&2; exit 1; }
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  tar -C "$root" -c . | docker import --change "LABEL org.aistack.recipe-sha=$sha" --change 'CMD ["/bin/bash"]' - "$ref" >/dev/null
  rm -rf "$root" "$root.log"
  log "built $ref"
}

recipe_ref() { echo "aistack-test/$1:$(cat "$here/$1/tag")"; }

build_recipe() {
  local name=$1 dir="$here/$1" parent ref sha
  [ -f "$dir/Dockerfile" ] || { log "no recipe tests/images/$name"; exit 2; }
  parent=$(sed -n 's|^FROM aistack-test/\([^: ]*\):\([^ ]*\).*|\1 \2|p' "$dir/Dockerfile" | head -n1)
  case "$parent" in
    "") ;;
    debian\ *) build_base "${parent#debian }" ;;
    *) build_recipe "${parent%% *}" ;;
  esac
  ref=$(recipe_ref "$name")
  # The recipe's hash covers its own files and its parent's hash, so a changed base rebuilds children.
  # An optional `include` file lists repository files the recipe needs (e.g. a test double's source),
  # or absolute paths on this machine (a wheel pip's find-links folder holds).
  local includes=()
  [ -f "$dir/include" ] && mapfile -t includes < <(grep -v '^#' "$dir/include" | sed '/^$/d')
  sha=$( { tar -C "$dir" --sort=name --mtime=@0 --owner=0 --group=0 -c . ;
           [ ${#includes[@]} -eq 0 ] || tar -P -C "$repo" --sort=name --mtime=@0 --owner=0 --group=0 -c "${includes[@]}" ;
           [ -z "$parent" ] || image_sha "aistack-test/${parent%% *}:${parent#* }"; } | sha256sum | cut -c1-16)
  if [ "$(image_sha "$ref")" = "$sha" ]; then log "$ref is up to date"; return; fi
  local ctx
  ctx=$(mktemp -d)
  cp -a "$dir/." "$ctx/"
  for path in "${includes[@]}"; do
    case "$path" in /*) cp -a "$path" "$ctx/" ;; *) cp -a "$repo/$path" "$ctx/" ;; esac
  done
  # Test images only: lets builds reach PyPI/npm through this machine's CA bundle.
  cp /etc/ssl/certs/ca-certificates.crt "$ctx/host-ca-certificates.crt"
  log "building $ref"
  if ! docker build -q --label "org.aistack.recipe-sha=$sha" -t "$ref" "$ctx" >"$ctx.log" 2>&1; then
    tail -n 40 "$ctx.log" >&2; exit 1
  fi
  rm -rf "$ctx" "$ctx.log"
  log "built $ref"
}

if [ $# -eq 0 ]; then
  # Built only when named: a recipe with a `heavy` file (the real Open WebUI: gigabytes; tests/heavy.sh),
  # and one with a `built-by` file, which that scenario's lane builds (tests/run_all.sh).
  set -- $(cd "$here" && for d in */; do [ -f "$d/Dockerfile" ] && [ ! -f "$d/heavy" ] && [ ! -f "$d/built-by" ] && echo "${d%/}"; done)
fi
for name in "$@"; do build_recipe "$name"; done
