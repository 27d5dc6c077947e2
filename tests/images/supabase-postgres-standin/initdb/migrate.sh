#!/bin/sh
# supabase/postgres stand-in: the initialisation the real image's migrate.sh does, in the same order
# and as the same users. First, as supabase_admin, it creates `postgres`: with another POSTGRES_USER
# there is no supabase_admin, this fails, and so does the container's first start, as upstream.
set -eu
psql -v ON_ERROR_STOP=1 --no-password --no-psqlrc -U supabase_admin -d postgres \
  -c "create role postgres superuser login password '$POSTGRES_PASSWORD'"
export PGDATABASE="${POSTGRES_DB:-postgres}" PGHOST="${POSTGRES_HOST:-localhost}" PGPASSWORD="${POSTGRES_PASSWORD:-}"
here=$(dirname "$0")
for sql in "$here"/init-scripts/*.sql; do
  echo "$0: running $sql"
  psql -v ON_ERROR_STOP=1 --no-password --no-psqlrc -U postgres -f "$sql"
done
psql -v ON_ERROR_STOP=1 --no-password --no-psqlrc -U postgres -c "alter user supabase_admin with password '$PGPASSWORD'"
for sql in "$here"/migrations/*.sql; do
  echo "$0: running $sql"
  psql -v ON_ERROR_STOP=1 --no-password --no-psqlrc -U supabase_admin -f "$sql"
done
