-- supabase/postgres stand-in: the roles and schemas Supabase's services log in as or rely on
-- (names as in the real image; their grants and the services' own schema objects are left out).
create role anon nologin noinherit;
create role authenticated nologin noinherit;
create role service_role nologin noinherit bypassrls;
create role authenticator login noinherit;
grant anon, authenticated, service_role to authenticator;
create role supabase_auth_admin login noinherit createrole;
create role supabase_storage_admin login noinherit createrole;
create role supabase_replication_admin login replication;
create role supabase_read_only_user login bypassrls;
create role pgbouncer login;
create role dashboard_user nosuperuser createdb createrole replication;
create schema if not exists extensions;
create extension if not exists pg_stat_statements with schema extensions;
create schema if not exists auth authorization supabase_auth_admin;
create schema if not exists storage authorization supabase_storage_admin;
