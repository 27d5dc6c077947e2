#!/bin/bash
# Test image entrypoint following the official postgres image's contract (docker-library): as root,
# create PGDATA and the socket directory and run again as postgres; on an empty PGDATA, initdb with
# POSTGRES_USER, POSTGRES_PASSWORD(_FILE) and POSTGRES_INITDB_ARGS (read only then), start a
# temporary server on the local socket with the command's own options, create POSTGRES_DB, run
# /docker-entrypoint-initdb.d/* (*.sh executed, or sourced when not executable; *.sql through psql as
# POSTGRES_USER), stop it; then run the command. Local connections use peer authentication, which
# is stricter than the real image's trust: a role that needs trust fails here first.
set -Eeo pipefail
if [ "${1:0:1}" = '-' ]; then set -- postgres "$@"; fi
[ "$1" = postgres ] || exec "$@"
# Read as root (the file may be root's alone), then passed on in the environment, as file_env does.
if [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then POSTGRES_PASSWORD=$(< "$POSTGRES_PASSWORD_FILE"); unset POSTGRES_PASSWORD_FILE; fi
: "${POSTGRES_USER:=postgres}" "${POSTGRES_DB:=$POSTGRES_USER}"
export POSTGRES_USER POSTGRES_DB POSTGRES_PASSWORD
if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  chmod 3777 /var/run/postgresql
  exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
fi
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  [ -n "${POSTGRES_PASSWORD:-}" ] || { echo "POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE is required" >&2; exit 1; }
  # shellcheck disable=SC2086  # POSTGRES_INITDB_ARGS is a list of words, as in the real entrypoint
  initdb -D "$PGDATA" --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
    --auth-local=peer --auth-host=scram-sha-256 $POSTGRES_INITDB_ARGS >/dev/null
  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
  echo "listen_addresses = '*'" >> "$PGDATA/postgresql.conf"
  export PGPASSWORD="${PGPASSWORD:-$POSTGRES_PASSWORD}"
  options=("${@:2}" -c "listen_addresses=" -p "${PGPORT:-5432}")
  pg_ctl -D "$PGDATA" -o "$(printf '%q ' "${options[@]}")" -w start >/dev/null
  psql=(psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc)
  if [ "$POSTGRES_DB" != postgres ]; then "${psql[@]}" --dbname postgres -c "CREATE DATABASE \"$POSTGRES_DB\"" >/dev/null; fi
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sh) echo "$0: running $f"; if [ -x "$f" ]; then "$f"; else . "$f"; fi ;;
      *.sql) echo "$0: running $f"; "${psql[@]}" --dbname "$POSTGRES_DB" -f "$f" ;;
      *) ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  unset PGPASSWORD
fi
exec "$@"
