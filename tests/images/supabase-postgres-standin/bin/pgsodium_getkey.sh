#!/bin/bash
# Prints the pgsodium root key, creating it on first use: 32 random bytes as hex, in the directory
# the real image keeps it in (a volume in Supabase's compose file; in the container layer it would
# be new after every recreate, and what was encrypted with the old key unreadable).
set -euo pipefail
key=/etc/postgresql-custom/pgsodium_root.key
if [[ ! -f $key ]]; then
  umask 077
  od -A n -t x1 -N 32 /dev/urandom | tr -d ' \n' > "$key"
fi
cat "$key"
