-- act_pg 0.2.0 -> 0.3.0.
\echo Use "ALTER EXTENSION act_pg UPDATE TO '0.3.0'" to load this file. \quit

--------------------------------------------------------------------------
-- issue 11: running on replicas (horizons published for hot standbys)
--------------------------------------------------------------------------

-- The horizon (src/fence.hpp) each store's primary last published. On a
-- hot standby, act.query(after) and act.max_event_id read below the row
-- it replayed last: every id below it was settled before the row was
-- written, and replay keeps commit order. Written by
-- act.publish_horizon only; a row goes with its store (act.drop) and is
-- deleted by act.restore, which renumbers the ids.
CREATE TABLE act.horizons (
    schema     name        NOT NULL,
    table_name name        NOT NULL,
    horizon    bigint      NOT NULL,
    published  timestamptz NOT NULL,
    PRIMARY KEY (schema, table_name),
    FOREIGN KEY (schema, table_name) REFERENCES act.stores ON DELETE CASCADE
);
COMMENT ON TABLE act.horizons IS 'per store, the horizon the primary last published for hot standbys, and when it moved (written by act.publish_horizon)';

-- Called on the primary by the publisher worker (act.publish_databases,
-- act.publish_interval: act_pg in shared_preload_libraries), a scheduler
-- or a client loop.
CREATE FUNCTION act.publish_horizon() RETURNS int
LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'act_publish_horizon';
COMMENT ON FUNCTION act.publish_horizon() IS
'on the primary: publish every store''s horizon to act.horizons for hot standby readers; returns how many moved';

GRANT SELECT ON act.horizons TO act_reader;

CREATE OR REPLACE FUNCTION act._apply_privileges() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    f regprocedure;
    grants constant text[][] := ARRAY[
        ['act_reader', 'query'], ['act_reader', 'max_event_id'], ['act_reader', 'query_stats'],
        ['act_reader', 'query_streams'],
        ['act_writer', 'commit'],
        ['act_worker', 'subscribe'], ['act_worker', 'claim'], ['act_worker', 'ack'], ['act_worker', 'block'],
        ['act_admin', 'seed'], ['act_admin', 'drop'], ['act_admin', 'reset'], ['act_admin', 'unblock'],
        ['act_admin', 'prioritize'], ['act_admin', 'truncate'], ['act_admin', 'restore'],
        ['act_admin', 'publish_horizon']];
    i int;
BEGIN
    FOR f IN SELECT p.oid FROM pg_catalog.pg_proc p WHERE p.pronamespace = 'act'::regnamespace LOOP
        EXECUTE format('ALTER FUNCTION %s SECURITY DEFINER SET search_path = pg_catalog, pg_temp', f);
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
    FOR i IN 1 .. array_length(grants, 1) LOOP
        FOR f IN SELECT p.oid FROM pg_catalog.pg_proc p
                 WHERE p.pronamespace = 'act'::regnamespace AND p.proname = grants[i][2] LOOP
            EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', f, grants[i][1]);
        END LOOP;
    END LOOP;
END $$;
SELECT act._apply_privileges();
