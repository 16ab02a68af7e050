-- Stores: the default store, act.seed, act.drop and the act.store setting.
SELECT schema, table_name, notify FROM act.stores ORDER BY 1, 2;
SELECT act.seed('tenant1');
SELECT act.seed('tenant1');  -- idempotent
SELECT act.seed('tenant2', 'log', notify => true);
SELECT schema, table_name, notify FROM act.stores ORDER BY 1, 2;
\d tenant1.events
\d tenant1.events_streams

-- Names that are not plain identifiers are refused, never run as SQL.
SELECT act.seed('tenant1; DROP TABLE act.events; --');
SELECT act.seed('Tenant1');
SELECT act.seed('tenant1', 'events"; drop');
SELECT act.seed('tenant1', repeat('x', 56));
SELECT act.seed(NULL);
SELECT act.drop('act', 'events');
SELECT to_regclass('act.events') IS NOT NULL AS default_store_still_there;

-- act.store selects the store of a call.
SELECT stream, version FROM act.commit('s-default', '[{"name":"A","data":{}}]');
BEGIN;
SET LOCAL act.store = 'tenant1.events';
SELECT stream, version FROM act.commit('s-tenant', '[{"name":"B","data":{}}]');
SELECT stream, name FROM act.query();
COMMIT;
SELECT stream, name FROM act.query(stream => '^s-');  -- back on act.events
SELECT stream FROM tenant1.events;

-- A role that always uses its tenant's store.
CREATE ROLE act_tenant2_app;
ALTER ROLE act_tenant2_app SET act.store = 'tenant2.log';
SELECT setconfig FROM pg_db_role_setting WHERE setrole = 'act_tenant2_app'::regrole;
DROP ROLE act_tenant2_app;

-- Unknown and malformed store names.
SET act.store = 'nowhere.events';
SELECT * FROM act.query();
SET act.store = 'tenant1';
SELECT * FROM act.query();
SET act.store = 'tenant1.events; DROP TABLE act.events';
SELECT * FROM act.commit('x', '[]');
RESET act.store;

-- act.drop removes the tables and the registry row, never the schema.
SELECT act.drop('tenant1', 'events');
SELECT act.drop('tenant1', 'events');  -- already gone: not a store
SELECT act.drop('tenant1', 'events', if_exists => true);
SELECT to_regclass('tenant1.events') AS events, to_regclass('tenant1.events_streams') AS streams,
       (SELECT count(*) FROM pg_namespace WHERE nspname = 'tenant1') AS schema_kept;
SET act.store = 'tenant1.events';
SELECT * FROM act.query();
RESET act.store;
SELECT act.drop('tenant2', 'log');
SELECT schema, table_name, notify FROM act.stores ORDER BY 1, 2;
