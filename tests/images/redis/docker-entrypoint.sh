#!/bin/sh
# Starts the way the official redis image does: an option or a .conf file first means
# "redis-server ...", and as root it hands /data to redis and re-runs itself as redis.
set -e
case "${1:-}" in -*|*.conf) set -- redis-server "$@" ;; esac
if [ "${1:-}" = redis-server ] && [ "$(id -u)" = 0 ]; then
  find . \! -user redis -exec chown redis '{}' +
  exec gosu redis "$0" "$@"
fi
# Files Redis writes (RDB, AOF) are not for other users.
[ "$(umask)" != 0022 ] || umask 0077
exec "$@"
