#!/bin/sh
# Starts the way the official traefik image does: options, or a Traefik subcommand, first mean
# "traefik ..."; anything else runs as given.
set -e
case "${1:-}" in -*) set -- traefik "$@" ;; esac
if traefik "${1:-}" --help >/dev/null 2>&1; then
  set -- traefik "$@"
fi
exec "$@"
