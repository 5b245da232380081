-- Database roles for a supportdesk team on PostgreSQL. Run once, as the role that owns the
-- database and runs `supportdesk init` / `supportdesk db upgrade` (the migrations), e.g.:
--   psql "postgresql://lead@db.example/supportdesk" -f deploy/roles.sql
-- Then set each role's password (never in a file under version control):
--   \password supportdesk_console
--   \password supportdesk_supervisor
-- The grants go to whichever database psql is connected to (its name is not written here),
-- and running the file again, or for a second database on the same server (roles belong to
-- the whole server), keeps the roles that exist.

-- Consoles and the poller: read and write rows, never change the schema.
-- Supervisors' screens: read only, by privilege and by session default.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'supportdesk_console') THEN
        CREATE ROLE supportdesk_console LOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'supportdesk_supervisor') THEN
        CREATE ROLE supportdesk_supervisor LOGIN;
    END IF;
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO supportdesk_console', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO supportdesk_supervisor', current_database());
END
$$;

GRANT USAGE ON SCHEMA public TO supportdesk_console;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO supportdesk_console;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO supportdesk_console;

GRANT USAGE ON SCHEMA public TO supportdesk_supervisor;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO supportdesk_supervisor;
ALTER ROLE supportdesk_supervisor SET default_transaction_read_only = on;

-- Tables that later migrations create get the same grants.
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO supportdesk_console;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO supportdesk_console;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT SELECT ON TABLES TO supportdesk_supervisor;
