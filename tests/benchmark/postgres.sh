#!/usr/bin/env bash
# Benchmark (not a test): the postgres role on a Docker-in-Docker target host.
# Prints the unchanged re-run time of the role (and its changed count), and the time of
# playbooks/backup.yml and playbooks/restore.yml for a database of ROWS rows (default 1 million).
#   make benchmark-postgres [ROWS=1000000]
set -euo pipefail
rows=${ROWS:-1000000}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root/roles/postgres"

seconds() { python3 -c "import sys; print(round(float(sys.argv[2]) - float(sys.argv[1]), 1))" "$1" "$2"; }
recap_changed() { sed 's/\x1b\[[0-9;]*m//g' | sed -n 's/.*aistack-postgres *: ok=[0-9]* *changed=\([0-9]*\).*/\1/p' | tail -n1; }

trap 'molecule destroy >/dev/null 2>&1 || true' EXIT
molecule destroy >/dev/null 2>&1 || true
molecule create >/dev/null 2>&1
molecule prepare >/dev/null 2>&1
molecule converge >/dev/null 2>&1

t0=$(date +%s.%N); out=$(molecule converge 2>&1); t1=$(date +%s.%N)
rerun=$(seconds "$t0" "$t1"); rerun_changed=$(echo "$out" | recap_changed)

inventory=$(grep -l aistack-postgres ~/.ansible/tmp/molecule.*.default/inventory/ansible_inventory.yml | head -n1)
psql() { docker exec aistack-postgres docker exec postgres-postgres-1 sh -c \
  'PGPASSWORD="$(cat /run/secrets/postgres-password)" psql -h 127.0.0.1 -U "$POSTGRES_USER" -v ON_ERROR_STOP=1 -tA -d app_one -c "$1"' sh "$1"; }
psql "create table bench (id bigint primary key, label text, value double precision)" >/dev/null
psql "insert into bench select i, md5(i::text), random() from generate_series(1, $rows) i" >/dev/null
before=$(psql "select count(*) || ':' || md5(string_agg(id::text || label, ',' order by id)) from bench")

play() { ansible-playbook "$root/playbooks/$1" -i "$inventory" -e aistack_hosts=all "${@:2}"; }
t0=$(date +%s.%N); play backup.yml >/dev/null; t1=$(date +%s.%N); backup=$(seconds "$t0" "$t1")
size=$(docker exec aistack-postgres sh -c 'du -b /var/backups/aistack/postgres/app_one/*.dump | tail -n1 | cut -f1')
psql "drop table bench" >/dev/null
t0=$(date +%s.%N); play restore.yml -e postgres_restore_database=app_one >/dev/null; t1=$(date +%s.%N); restore=$(seconds "$t0" "$t1")
after=$(psql "select count(*) || ':' || md5(string_agg(id::text || label, ',' order by id)) from bench")
[ "$before" = "$after" ] || { echo "restore changed the data: $before != $after" >&2; exit 1; }

printf 'postgres role on a Docker-in-Docker target host (two instances, wall clock)\n'
printf '  unchanged re-run of the role:   %6s s  (%s changed)\n' "$rerun" "$rerun_changed"
printf '  playbooks/backup.yml, %s rows: %6s s  (dump of app_one: %s bytes)\n' "$rows" "$backup" "$size"
printf '  playbooks/restore.yml, same:    %6s s  (rows and checksum identical)\n' "$restore"
