#!/usr/bin/env bash
# Makes sure a Docker Engine answers on this machine: installs Debian's docker.io (and
# debootstrap for the test images) when missing, starts dockerd when no daemon answers
# (these machines have no systemd as PID 1), and waits for `docker info`.
set -euo pipefail

log() { printf '[engine] %s\n' "$*" >&2; }
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo

missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]} from Debian's packages"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if docker info >/dev/null 2>&1; then
  log "Docker Engine $(docker info --format '{{.ServerVersion}}') answers"
  exit 0
fi

if command -v systemctl >/dev/null 2>&1 && [ "$(cat /proc/1/comm 2>/dev/null)" = systemd ]; then
  $SUDO systemctl start docker
else
  log "starting dockerd in the background (log: /var/log/aistack-dockerd.log)"
  $SUDO sh -c 'nohup dockerd >/var/log/aistack-dockerd.log 2>&1 &'
fi
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    log "Docker Engine $(docker info --format '{{.ServerVersion}}') answers"
    exit 0
  fi
  sleep 1
done
log "dockerd did not answer within 60 s; last lines of its log:"
tail -n 20 /var/log/aistack-dockerd.log >&2 || true
exit 1
