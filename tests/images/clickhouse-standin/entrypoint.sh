#!/bin/sh
# As the real entrypoint: CLICKHOUSE_USER/CLICKHOUSE_PASSWORD name the user queries authenticate as;
# started as root it owns the data directories to clickhouse and drops to it.
set -e
if [ "$(id -u)" = 0 ]; then
  chown -R 101:101 /var/lib/clickhouse /var/log/clickhouse-server
  exec setpriv --reuid=101 --regid=101 --init-groups /opt/standin/bin/python3 /opt/standin/lib/clickhouse_standin.py "$@"
fi
exec /opt/standin/bin/python3 /opt/standin/lib/clickhouse_standin.py "$@"
