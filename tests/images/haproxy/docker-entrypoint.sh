#!/bin/sh
# Starts the way the official haproxy image does: options alone mean "haproxy OPTIONS", and haproxy
# runs in master-worker mode (-W) in the foreground (-db). No root step: the image's user is uid 99.
set -e
case "${1:-}" in -*) set -- haproxy "$@" ;; esac
if [ "${1:-}" = haproxy ]; then
  shift
  set -- haproxy -W -db "$@"
fi
exec "$@"
