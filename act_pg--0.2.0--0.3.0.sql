-- act_pg 0.2.0 -> 0.3.0.
\echo Use "ALTER EXTENSION act_pg UPDATE TO '0.3.0'" to load this file. \quit

--------------------------------------------------------------------------
-- issue 12: the act 1.31 Store protocol (defer, work marks and the
-- correlate checkpoint and lease, windowed truncate, source_matches, PII)
--------------------------------------------------------------------------
-- New result columns go at the end of the composite types: readers of the
-- old columns by position keep working.
ALTER TYPE act.event ADD ATTRIBUTE pii jsonb CASCADE;
COMMENT ON TYPE act.event IS 'one committed event, as act.commit and act.query return it (pii: its personal data, kept apart from data; NULL when none or forgotten)';
ALTER TYPE act.subscribed ADD ATTRIBUTE correlated_at bigint, ADD ATTRIBUTE correlating boolean;
COMMENT ON TYPE act.subscribed IS 'act.subscribe''s result: new subscriptions, the highest watermark of all (-1 when none), the correlate checkpoint (-1 when never advanced), and whether the caller holds the correlation lease (NULL when it asked for none)';
ALTER TYPE act.subscription ADD ATTRIBUTE deferred_at timestamptz, ADD ATTRIBUTE correlated_at bigint;
COMMENT ON TYPE act.subscription IS 'a subscription row, as act.query_streams returns it (error '''' when none; deferred_at NULL when not deferred; correlated_at NULL when the caller never marked it)';
ALTER TYPE act.truncated ADD ATTRIBUTE before timestamptz;
COMMENT ON TYPE act.truncated IS 'one stream act.truncate changed: how many events it lost, and the event that now starts it (before: the window of a windowed target)';

-- The correlate checkpoint of each store (how far the framework's
-- correlate has read the log) and the correlation lease, one row per
-- correlator key; key '' is the shared checkpoint of callers that name no
-- correlator. Written by act.subscribe, and cleared by act.seed when it
-- creates a store (what a dropped store of that name left is stale).
CREATE TABLE act.correlation (
    schema     name        NOT NULL,
    table_name name        NOT NULL,
    key        text        NOT NULL,
    at         bigint      NOT NULL DEFAULT -1,
    by         text,
    until      timestamptz,
    PRIMARY KEY (schema, table_name, key)
);
COMMENT ON TABLE act.correlation IS 'correlate checkpoints and correlation leases per store and correlator key ('''' shared), written by act.subscribe';
SELECT pg_catalog.pg_extension_config_dump('act.correlation', '');

DROP FUNCTION act.subscribe(jsonb);
CREATE FUNCTION act.subscribe(streams jsonb, correlated_at bigint DEFAULT NULL, correlator jsonb DEFAULT NULL)
RETURNS act.subscribed
LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'act_subscribe';
COMMENT ON FUNCTION act.subscribe(jsonb, bigint, jsonb) IS
'register consumers [{"stream","source"?,"priority"?,"lane"?,"correlated_at"?}]: new rows start at -1; an existing row keeps its highest priority, takes the lane of a priority at or above it, and its work mark only rises; correlated_at advances the correlate checkpoint; correlator {"key","by","millis"} asks for the correlation lease';

COMMENT ON FUNCTION act.ack(jsonb) IS
'for leases [{"stream","by","at","lagging"?,"retry"?,"due"?}] still held by "by": raise the watermark to "at" (never lower it) and clear the lease; without "due", clear retry and schedule and return the lease; with "due" (ms since the epoch), defer the stream until then with the given retry';

CREATE FUNCTION act.defer(
    deferred_at  timestamptz,
    streams      text[]  DEFAULT NULL,
    stream       text    DEFAULT NULL,
    stream_exact boolean DEFAULT false,
    source       text    DEFAULT NULL,
    source_exact boolean DEFAULT false,
    blocked      boolean DEFAULT NULL,
    lane         text    DEFAULT NULL)
RETURNS int
LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'act_defer';
COMMENT ON FUNCTION act.defer(timestamptz, text[], text, boolean, text, boolean, boolean, text) IS
'hold subscriptions out of act.claim until deferred_at (retry -1, watermark and lease kept); same filters as act.reset; returns how many';

DROP FUNCTION act.query_streams(text[], text, boolean, text, boolean, boolean, text, text, int);
CREATE FUNCTION act.query_streams(
    streams      text[]  DEFAULT NULL,
    stream       text    DEFAULT NULL,
    stream_exact boolean DEFAULT false,
    source       text    DEFAULT NULL,
    source_exact boolean DEFAULT false,
    blocked      boolean DEFAULT NULL,
    lane         text    DEFAULT NULL,
    after        text    DEFAULT NULL,
    max_rows     int     DEFAULT 100,
    source_matches text[] DEFAULT NULL)
RETURNS SETOF act.subscription
LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'act_query_streams';
COMMENT ON FUNCTION act.query_streams(text[], text, boolean, text, boolean, boolean, text, text, int, text[]) IS
'subscription rows by stream name, after "after", at most max_rows; same filters as act.reset, and source_matches: rows that may consume from one of these streams; act.max_event_id() gives the store''s highest event id';

COMMENT ON FUNCTION act.truncate(jsonb) IS
'for each target {"stream", "snapshot"?, "meta"?}: delete the stream''s events, then write __snapshot__ (the snapshot as data) or __tombstone__ at version 0; for {"stream", "before", "max_id"?}: delete the events before the latest snapshot created before "before" (id <= max_id); subscriptions kept; one transaction';

CREATE FUNCTION act.forget_pii(stream text) RETURNS bigint
LANGUAGE c VOLATILE AS 'MODULE_PATHNAME', 'act_forget_pii';
COMMENT ON FUNCTION act.forget_pii(text) IS
'erase the personal data (pii) of every event of the stream; data and the rest of each event stay; returns how many events had some';

-- act.seed makes the new layout, and upgrades each store to it.
CREATE OR REPLACE FUNCTION act.seed(schema name DEFAULT 'act', table_name name DEFAULT 'events', notify boolean DEFAULT false)
RETURNS regclass
LANGUAGE plpgsql SET client_min_messages = warning AS $$
DECLARE
    events  text;
    streams text;
    store   regclass;
BEGIN
    PERFORM act._check_identifier('schema', schema, 63);
    -- "<table>_streams" must fit in 63 bytes too.
    PERFORM act._check_identifier('table', table_name, 55);
    events  := format('%I.%I', schema, table_name);
    streams := format('%I.%I', schema, table_name || '_streams');

    -- Seeding is idempotent; this lock makes it safe from many sessions.
    LOCK TABLE act.stores IN SHARE ROW EXCLUSIVE MODE;

    IF NOT EXISTS (SELECT FROM pg_catalog.pg_namespace WHERE nspname = schema) THEN
        EXECUTE format('CREATE SCHEMA %I', schema);
    END IF;
    IF to_regclass(events) IS NULL THEN
        DELETE FROM act.correlation c WHERE c.schema = seed.schema AND c.table_name = seed.table_name;
    END IF;
    EXECUTE format($ddl$
        CREATE TABLE IF NOT EXISTS %1$s (
            id      bigint      GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            name    text        NOT NULL,
            data    jsonb       NOT NULL,
            stream  text        NOT NULL,
            version int         NOT NULL,
            created timestamptz NOT NULL DEFAULT now(),
            meta    jsonb       NOT NULL DEFAULT '{}',
            pii     jsonb
        )$ddl$, events);
    EXECUTE format('CREATE UNIQUE INDEX IF NOT EXISTS %I ON %s (stream, version)', table_name || '_stream_ix', events);
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %s (name)', table_name || '_name_ix', events);
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %s (created, id)', table_name || '_created_id_ix', events);
    EXECUTE format($ddl$CREATE INDEX IF NOT EXISTS %I ON %s ((meta->>'correlation'))$ddl$, table_name || '_correlation_ix', events);

    EXECUTE format($ddl$
        CREATE TABLE IF NOT EXISTS %1$s (
            stream       text        PRIMARY KEY,
            source       text,
            at           bigint      NOT NULL DEFAULT -1,
            retry        int         NOT NULL DEFAULT -1,
            blocked      boolean     NOT NULL DEFAULT false,
            error        text,
            leased_by    text,
            leased_until timestamptz,
            priority     int         NOT NULL DEFAULT 0,
            lane         text        NOT NULL DEFAULT 'default'
        )$ddl$, streams);

    -- Claim's has-work state (src/work.hpp). A store seeded before it
    -- existed gets it here: commits wait while the literal subscriptions'
    -- marks are computed, so none is missed.
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_attribute
                   WHERE attrelid = streams::regclass AND attname = 'mark' AND NOT attisdropped) THEN
        EXECUTE format('LOCK TABLE %s IN SHARE MODE', events);
        EXECUTE format($ddl$
            ALTER TABLE %s
                ADD COLUMN mark    bigint,
                ADD COLUMN probed  bigint,
                ADD COLUMN pattern boolean GENERATED ALWAYS AS (source ~ '[][\\^$.|?*+(){}]') STORED
            $ddl$, streams);
        EXECUTE format($ddl$
            UPDATE %s s SET mark = CASE WHEN pattern THEN -1 ELSE coalesce(
                (SELECT id FROM %s e WHERE e.stream = s.source AND e.name <> '__snapshot__'
                 ORDER BY e.version DESC LIMIT 1), -1) END
            WHERE source IS NOT NULL
            $ddl$, streams, events);
    END IF;
    -- The act 1.31 protocol's columns (issue 12): events' personal data
    -- apart from data, subscriptions' defer schedule and the caller's work
    -- mark. Added here for every store, new or seeded before them, so that
    -- the columns come in one order; adding a column without a default
    -- rewrites nothing.
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_attribute
                   WHERE attrelid = streams::regclass AND attname = 'deferred_at' AND NOT attisdropped) THEN
        EXECUTE format('ALTER TABLE %s ADD COLUMN IF NOT EXISTS pii jsonb', events);
        EXECUTE format('ALTER TABLE %s ADD COLUMN deferred_at timestamptz, ADD COLUMN correlated_at bigint', streams);
    END IF;
    -- Index names keep their distinct part within 63 bytes for every
    -- table name act.seed accepts. Claim's two work indexes (src/work.hpp)
    -- list the rows it may lease: not blocked, not deferred, and with work
    -- by the caller's mark when there is one, else by act_pg's own. The
    -- 0.2.0 indexes (_sub_work_ix, _sub_all_ix) predate defer and the
    -- caller's marks.
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %s (source) WHERE NOT pattern',
                   table_name || '_sub_literal_ix', streams);
    EXECUTE format('DROP INDEX IF EXISTS %I.%I, %I.%I', schema, table_name || '_sub_work_ix',
                   schema, table_name || '_sub_all_ix');
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %s (lane, priority, at, stream)'
                   ' WHERE (correlated_at > at OR (correlated_at IS NULL AND mark > at)) AND NOT blocked AND deferred_at IS NULL',
                   table_name || '_sub_todo_ix', streams);
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %s (lane, priority, at, stream)'
                   ' WHERE source IS NULL AND correlated_at IS NULL AND NOT blocked AND deferred_at IS NULL',
                   table_name || '_sub_every_ix', streams);
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %s (deferred_at) WHERE deferred_at IS NOT NULL',
                   table_name || '_sub_defer_ix', streams);
    EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %s (lane) WHERE pattern',
                   table_name || '_sub_pattern_ix', streams);

    store := events::regclass;
    INSERT INTO act.stores AS s (schema, table_name, notify)
    VALUES (seed.schema, seed.table_name, seed.notify)
    ON CONFLICT ON CONSTRAINT stores_pkey DO UPDATE SET notify = excluded.notify
    WHERE s.notify IS DISTINCT FROM excluded.notify;
    PERFORM act._store_changed(store);
    RETURN store;
END $$;
SELECT act.seed(s.schema, s.table_name, s.notify) FROM act.stores s ORDER BY s.schema, s.table_name;

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
        ['act_admin', 'prioritize'], ['act_admin', 'defer'], ['act_admin', 'truncate'], ['act_admin', 'restore'],
        ['act_admin', 'forget_pii']];
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
