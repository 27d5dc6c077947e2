-- supabase/postgres stand-in: as the real image's migrations do, `postgres` stops being a superuser;
-- supabase_admin stays the only one.
grant all on database postgres to postgres;
grant all on schema extensions, auth, storage to postgres;
alter role postgres nosuperuser createdb createrole login replication bypassrls;
