-- Privileges: only act_pg's functions write a store; reader, writer and
-- worker roles; tenants cannot use each other's stores.
SELECT act.seed('priv_a');
SELECT act.seed('priv_b');
CREATE ROLE priv_reader IN ROLE act_reader;
CREATE ROLE priv_writer IN ROLE act_writer;
CREATE ROLE priv_worker IN ROLE act_worker;
CREATE ROLE priv_tenant_b IN ROLE act_writer;
GRANT SELECT ON priv_a.events, priv_a.events_streams TO priv_reader, priv_writer, priv_worker;
GRANT USAGE ON SCHEMA priv_a TO priv_reader, priv_writer, priv_worker;
GRANT SELECT ON priv_b.events TO priv_tenant_b;
SET act.store = 'priv_a.events';
SELECT count(*) FROM act.commit('p-1', '[{"name":"Seeded","data":{}}]');

-- Functions run as the extension's owner, with a pinned search_path.
SELECT proname, prosecdef, proconfig FROM pg_proc
 WHERE pronamespace = 'act'::regnamespace AND proname IN ('commit', 'query', 'seed') ORDER BY 1, 2;
-- No role but the owner may write a store's tables.
SELECT count(*) AS write_grants FROM information_schema.role_table_grants
 WHERE table_schema IN ('act', 'priv_a') AND privilege_type IN ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE')
   AND grantee <> (SELECT tableowner FROM pg_tables WHERE schemaname = 'act' AND tablename = 'events');

-- A reader reads, and nothing else.
SET ROLE priv_reader;
SELECT name FROM act.query(stream => 'p-1', stream_exact => true);
SELECT act.max_event_id() > 0 AS has_events;
SELECT name FROM priv_a.events;                        -- direct reads are allowed
SELECT * FROM act.commit('p-1', '[{"name":"ByReader","data":{}}]');
INSERT INTO priv_a.events (name, data, stream, version) VALUES ('Forged', '{}', 'p-1', 1);
SELECT act.seed('priv_c');
RESET ROLE;

-- A writer commits, but cannot write the tables by hand.
SET ROLE priv_writer;
SELECT name, version FROM act.commit('p-1', '[{"name":"ByWriter","data":{}}]', expected_version => 0);
INSERT INTO priv_a.events (name, data, stream, version) VALUES ('Forged', '{}', 'p-1', 2);
UPDATE priv_a.events SET version = 9;
DELETE FROM priv_a.events;
TRUNCATE priv_a.events;
UPDATE priv_a.events_streams SET at = 100;
RESET ROLE;

-- A worker may also commit.
SET ROLE priv_worker;
SELECT name, version FROM act.commit('p-1', '[{"name":"ByWorker","data":{}}]', expected_version => 1);
DELETE FROM priv_a.events_streams;
RESET ROLE;

-- Another tenant's role can neither read nor write this store.
SET ROLE priv_tenant_b;
SELECT * FROM act.query();
SELECT * FROM act.commit('p-1', '[{"name":"ByTenantB","data":{}}]');
SELECT * FROM priv_a.events;
SET act.store = 'priv_b.events';
SELECT name FROM act.commit('b-1', '[{"name":"InOwnStore","data":{}}]');
SELECT name FROM act.query();
SET act.store = 'priv_a.events';
RESET ROLE;

-- act.restore runs as the owner, but reads its source only where the
-- caller may: an admin cannot restore a store from a table it cannot read.
CREATE ROLE priv_admin IN ROLE act_admin;
GRANT SELECT ON priv_a.events TO priv_admin;
CREATE TABLE priv_secret AS SELECT * FROM priv_a.events;
SET ROLE priv_admin;
SELECT act.restore('priv_secret');
RESET ROLE;

-- Nothing that was refused changed anything.
SELECT name, version FROM priv_a.events ORDER BY id;
SELECT count(*) FROM to_regnamespace('priv_c') n WHERE n IS NOT NULL;

-- SET search_path cannot redirect act_pg's SQL to another schema's objects.
CREATE SCHEMA priv_evil;
CREATE FUNCTION priv_evil.jsonb_array_elements(jsonb) RETURNS SETOF jsonb LANGUAGE sql AS $$ SELECT '{}'::jsonb $$;
SET search_path = priv_evil, pg_catalog;
SELECT name FROM act.commit('p-2', '[{"name":"StillRight","data":{}}]');
RESET search_path;
DROP SCHEMA priv_evil CASCADE;

RESET act.store;
SELECT act.drop('priv_a', 'events');
SELECT act.drop('priv_b', 'events');
DROP TABLE priv_secret;
DROP OWNED BY priv_reader, priv_writer, priv_worker, priv_tenant_b, priv_admin;
DROP ROLE priv_reader, priv_writer, priv_worker, priv_tenant_b, priv_admin;
