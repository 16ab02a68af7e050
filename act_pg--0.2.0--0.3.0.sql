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

--------------------------------------------------------------------------
-- Issue 9: stores are act_pg's own objects. act.stores records who seeded
-- each store; act.seed and act.drop take text (a name is refused, never
-- cut to 63 bytes), create only where the caller may, never adopt or drop
-- a relation act_pg did not create, and drop only for the store's seeder
-- or schema owner.
--------------------------------------------------------------------------

-- Stores seeded before 0.3.0 are recorded as the extension owner's: its
-- members, the stores' schema owners and superusers may drop them.
ALTER TABLE act.stores ADD COLUMN owner regrole;
UPDATE act.stores SET owner = (SELECT e.extowner FROM pg_catalog.pg_extension e WHERE e.extname = 'act_pg');
ALTER TABLE act.stores ALTER COLUMN owner SET NOT NULL;
COMMENT ON TABLE act.stores IS 'the event stores of this database (written by act.seed and act.drop); owner: the role that seeded the store';

DROP FUNCTION act.seed(name, name, boolean);
DROP FUNCTION act.drop(name, name);
DROP FUNCTION act._check_identifier(text, text, int);

-- The role that called act_pg: the session's current role (SET ROLE
-- counts). current_user inside act_pg's functions is the extension's owner.
CREATE FUNCTION act._caller() RETURNS regrole
    LANGUAGE c STABLE AS 'MODULE_PATHNAME', 'act_caller';

-- A store's name: schema and table are plain identifiers that need no
-- quoting, short enough that every name act.seed derives from them fits in
-- 63 bytes (never cut to fit), and never in a system schema.
CREATE FUNCTION act._check_store_name(schema text, table_name text) RETURNS void
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    part record;
BEGIN
    FOR part IN SELECT * FROM (VALUES ('schema', $1, 63), ('table', $2, 55)) AS p(what, ident, max_len) LOOP
        IF part.ident IS NULL THEN
            RAISE EXCEPTION 'a store''s % name must not be NULL', part.what
                USING ERRCODE = 'null_value_not_allowed';
        END IF;
        IF octet_length(part.ident) > part.max_len THEN
            RAISE EXCEPTION '% name too long: % bytes', part.what, octet_length(part.ident)
                USING ERRCODE = 'name_too_long',
                      DETAIL = format('A store''s %s name is at most %s bytes; act_pg never shortens a name.', part.what, part.max_len);
        END IF;
        IF part.ident !~ '^[a-z_][a-z0-9_]*$' THEN
            RAISE EXCEPTION 'invalid % name: %', part.what, quote_literal(part.ident)
                USING ERRCODE = 'invalid_name',
                      DETAIL = format('A %s name is a plain identifier: a lower-case letter or "_", then lower-case letters, digits or "_".', part.what);
        END IF;
    END LOOP;
    IF schema LIKE 'pg\_%' OR schema = 'information_schema' THEN
        RAISE EXCEPTION 'schema % is a system schema', schema
            USING ERRCODE = 'reserved_name',
                  DETAIL = 'No act_pg store lives in information_schema or a schema whose name starts with pg_.';
    END IF;
END $$;

-- act_pg never adopts, alters or drops a relation it did not create: a
-- relation of a new store's names is refused, and so is one of a
-- registered store's names that the extension's owner does not own.
CREATE FUNCTION act._check_relations(schema text, table_name text, registered boolean) RETURNS void
LANGUAGE plpgsql STABLE AS $$
DECLARE
    taken text;
BEGIN
    SELECT c.relname INTO taken
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = schema AND c.relname = ANY (act._store_relations(table_name))
       AND (NOT registered OR c.relowner <> current_user::regrole)
     ORDER BY c.relname LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'relation %.% exists and is not part of an act_pg store', schema, taken
            USING ERRCODE = 'duplicate_table',
                  HINT = 'act_pg never adopts, alters or drops a table, sequence or index it did not create: choose another store name, or move that relation.';
    END IF;
END $$;

-- Who may re-seed or drop a store, as for DROP TABLE: the role that seeded
-- it, the owner of its schema, their members, and superusers.
CREATE FUNCTION act._check_entitled(schema text, table_name text, owner regrole, action text) RETURNS void
LANGUAGE plpgsql STABLE AS $$
DECLARE
    caller constant regrole := act._caller();
BEGIN
    IF NOT pg_catalog.pg_has_role(caller, owner, 'USAGE')
       AND NOT pg_catalog.pg_has_role(caller, (SELECT n.nspowner FROM pg_catalog.pg_namespace n WHERE n.nspname = schema), 'USAGE') THEN
        RAISE EXCEPTION 'permission denied to % act_pg store %.%', action, schema, table_name
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = format('Only %s, which seeded it, the owner of schema %s, their members and superusers may %s it.',
                                  owner, schema, action);
    END IF;
END $$;

-- The channel of a store's commit notifications, as src/notify.cpp names
-- it: cut to 63 bytes, as the parser cuts the name in LISTEN.
CREATE FUNCTION act._channel(schema text, table_name text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT left('act_commit_' || schema || '_' || table_name, 63) $$;

CREATE FUNCTION act.drop(schema text, table_name text, if_exists boolean DEFAULT false) RETURNS boolean
LANGUAGE plpgsql SET client_min_messages = warning AS $$
DECLARE
    seeded act.stores;
BEGIN
    PERFORM act._check_store_name(schema, table_name);
    IF schema = 'act' AND table_name = 'events' THEN
        RAISE EXCEPTION 'the default store act.events belongs to the extension'
            USING ERRCODE = 'dependent_objects_still_exist',
                  HINT = 'DROP EXTENSION act_pg removes it, or empty it with act.restore.';
    END IF;
    LOCK TABLE act.stores IN SHARE ROW EXCLUSIVE MODE;
    SELECT * INTO seeded FROM act.stores s WHERE s.schema = drop.schema AND s.table_name = drop.table_name;
    IF NOT FOUND THEN
        IF if_exists THEN
            RETURN false;
        END IF;
        RAISE EXCEPTION 'act_pg store "%.%" does not exist', schema, table_name
            USING ERRCODE = 'undefined_table',
                  HINT = 'act.drop drops only stores that act.seed made (listed in act.stores), never another table.';
    END IF;
    PERFORM act._check_entitled(schema, table_name, seeded.owner, 'drop');
    PERFORM act._check_relations(schema, table_name, true);
    DELETE FROM act.stores s WHERE s.schema = drop.schema AND s.table_name = drop.table_name;
    EXECUTE format('DROP TABLE IF EXISTS %I.%I, %I.%I',
                   schema, table_name, schema, table_name || '_streams');
    RETURN true;
END $$;
COMMENT ON FUNCTION act.drop(text, text, boolean) IS
'drop a registered store''s two tables (never the schema): its seeder, schema owner or a superuser; true when dropped, false when no such store and if_exists';


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


--------------------------------------------------------------------------
-- The functions several issues changed, defined once, as act_pg.sql has
-- them; then every store is brought to the 0.3.0 layout, and the privilege
-- model is applied to every function (CREATE OR REPLACE resets SECURITY
-- DEFINER).
--------------------------------------------------------------------------

CREATE FUNCTION act._create_missing(schema text, relname text, ddl text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF pg_catalog.to_regclass(pg_catalog.format('%I.%I', schema, relname)) IS NULL THEN
        EXECUTE ddl;
    END IF;
END $$;

CREATE OR REPLACE FUNCTION act._store_relations(table_name text) RETURNS name[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT array_agg(left(table_name || suffix, 63)::name)
      FROM unnest(ARRAY['', '_id_seq', '_pkey', '_stream_ix', '_name_ix', '_created_id_ix', '_correlation_ix',
                        '_streams', '_streams_pkey', '_sub_literal_ix', '_sub_work_ix', '_sub_all_ix',
                        '_sub_pattern_ix', '_sub_todo_ix', '_sub_every_ix', '_sub_defer_ix']) AS suffix
$$;

CREATE OR REPLACE FUNCTION act.seed(schema text DEFAULT 'act', table_name text DEFAULT 'events', notify boolean DEFAULT false)
RETURNS regclass
LANGUAGE plpgsql SET client_min_messages = warning AS $$
DECLARE
    caller     constant regrole := act._caller();
    events     text;
    streams    text;
    seeded     act.stores;
    registered boolean;
    new_schema boolean;
    store      regclass;
BEGIN
    PERFORM act._check_store_name(schema, table_name);
    IF notify IS NULL THEN
        RAISE EXCEPTION 'notify must not be NULL' USING ERRCODE = 'null_value_not_allowed',
            HINT = 'Pass true (commits send pg_notify) or false.';
    END IF;
    events  := format('%I.%I', schema, table_name);
    streams := format('%I.%I', schema, table_name || '_streams');

    -- Seeding is idempotent; this lock makes it safe from many sessions.
    LOCK TABLE act.stores IN SHARE ROW EXCLUSIVE MODE;
    SELECT * INTO seeded FROM act.stores s WHERE s.schema = seed.schema AND s.table_name = seed.table_name;
    registered := FOUND;
    IF registered THEN
        -- Brought up to date in place: only what is missing is made.
        PERFORM act._check_entitled(schema, table_name, seeded.owner, 'seed');
    ELSE
        -- A new store goes only where the caller may create objects itself.
        new_schema := NOT EXISTS (SELECT FROM pg_catalog.pg_namespace n WHERE n.nspname = schema);
        IF new_schema AND NOT pg_catalog.has_database_privilege(caller, pg_catalog.current_database(), 'CREATE')
           OR NOT new_schema AND NOT pg_catalog.has_schema_privilege(caller, schema, 'CREATE') THEN
            RAISE EXCEPTION 'permission denied to seed act_pg store %.%', schema, table_name
                USING ERRCODE = 'insufficient_privilege',
                      DETAIL = CASE WHEN new_schema
                               THEN format('Role %s may not create schema %s: it needs CREATE on database %s.', caller, schema, pg_catalog.current_database())
                               ELSE format('Role %s needs CREATE on schema %s.', caller, schema) END;
        END IF;
    END IF;
    PERFORM act._check_relations(schema, table_name, registered);
    -- Listeners tell stores apart by channel (act._channel).
    IF notify AND EXISTS (SELECT FROM act.stores s
                          WHERE s.notify AND (s.schema, s.table_name) <> (seed.schema, seed.table_name)
                            AND act._channel(s.schema, s.table_name) = act._channel(seed.schema, seed.table_name)) THEN
        RAISE EXCEPTION 'the notification channel % of store %.% is already used by another store',
                        act._channel(seed.schema, seed.table_name), schema, table_name
            USING ERRCODE = 'duplicate_object',
                  HINT = 'Seed this store without notify, or under another name.';
    END IF;

    IF new_schema THEN
        EXECUTE format('CREATE SCHEMA %I', schema);
        IF caller <> current_user::regrole THEN
            EXECUTE format('GRANT USAGE ON SCHEMA %I TO %s WITH GRANT OPTION', schema, caller);
        END IF;
    END IF;
    IF to_regclass(events) IS NULL THEN
        DELETE FROM act.correlation c WHERE c.schema = seed.schema AND c.table_name = seed.table_name;
    END IF;
    PERFORM act._create_missing(schema, table_name, format($ddl$
        CREATE TABLE %1$s (
            id      bigint      GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            name    text        NOT NULL,
            data    jsonb       NOT NULL,
            stream  text        NOT NULL,
            version int         NOT NULL,
            created timestamptz NOT NULL DEFAULT now(),
            meta    jsonb       NOT NULL DEFAULT '{}',
            pii     jsonb
        )$ddl$, events));
    PERFORM act._create_missing(schema, table_name || '_stream_ix', format('CREATE UNIQUE INDEX %I ON %s (stream, version)', table_name || '_stream_ix', events));
    PERFORM act._create_missing(schema, table_name || '_name_ix', format('CREATE INDEX %I ON %s (name)', table_name || '_name_ix', events));
    PERFORM act._create_missing(schema, table_name || '_created_id_ix', format('CREATE INDEX %I ON %s (created, id)', table_name || '_created_id_ix', events));
    PERFORM act._create_missing(schema, table_name || '_correlation_ix', format($ddl$CREATE INDEX %I ON %s ((meta->>'correlation'))$ddl$, table_name || '_correlation_ix', events));

    PERFORM act._create_missing(schema, table_name || '_streams', format($ddl$
        CREATE TABLE %1$s (
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
        )$ddl$, streams));

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
    PERFORM act._create_missing(schema, table_name || '_sub_literal_ix', format('CREATE INDEX %I ON %s (source) WHERE NOT pattern',
                   table_name || '_sub_literal_ix', streams));
    EXECUTE format('DROP INDEX IF EXISTS %I.%I, %I.%I', schema, table_name || '_sub_work_ix',
                   schema, table_name || '_sub_all_ix');
    PERFORM act._create_missing(schema, table_name || '_sub_todo_ix', format('CREATE INDEX %I ON %s (lane, priority, at, stream)'
                   ' WHERE (correlated_at > at OR (correlated_at IS NULL AND mark > at)) AND NOT blocked AND deferred_at IS NULL',
                   table_name || '_sub_todo_ix', streams));
    PERFORM act._create_missing(schema, table_name || '_sub_every_ix', format('CREATE INDEX %I ON %s (lane, priority, at, stream)'
                   ' WHERE source IS NULL AND correlated_at IS NULL AND NOT blocked AND deferred_at IS NULL',
                   table_name || '_sub_every_ix', streams));
    PERFORM act._create_missing(schema, table_name || '_sub_defer_ix', format('CREATE INDEX %I ON %s (deferred_at) WHERE deferred_at IS NOT NULL',
                   table_name || '_sub_defer_ix', streams));
    PERFORM act._create_missing(schema, table_name || '_sub_pattern_ix', format('CREATE INDEX %I ON %s (lane) WHERE pattern',
                   table_name || '_sub_pattern_ix', streams));

    -- The role that seeds a store may use it, and grant it to its tenants.
    IF NOT registered AND caller <> current_user::regrole THEN
        EXECUTE format('GRANT SELECT ON %s, %s TO %s WITH GRANT OPTION', events, streams, caller);
    END IF;
    store := events::regclass;
    INSERT INTO act.stores AS s (schema, table_name, notify, owner)
    VALUES (seed.schema, seed.table_name, seed.notify, caller)
    ON CONFLICT ON CONSTRAINT stores_pkey DO UPDATE SET notify = excluded.notify
    WHERE s.notify IS DISTINCT FROM excluded.notify;
    PERFORM act._store_changed(store);
    RETURN store;
END $$;

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
        ['act_admin', 'forget_pii'], ['act_admin', 'publish_horizon']];
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

COMMENT ON FUNCTION act.seed(text, text, boolean) IS
'create the store <schema>.<table_name> (events) and <schema>.<table_name>_streams (subscriptions) where the caller may create objects; idempotent for a registered store (its seeder, schema owner or a superuser), safe from concurrent sessions';

SELECT act.seed(s.schema::text, s.table_name::text, s.notify) FROM act.stores s ORDER BY s.schema, s.table_name;
SELECT act._apply_privileges();
