-- act.restore: wipe and reload a store from a table or view, in one transaction.
SELECT act.seed('rs');
SET act.store = 'rs.events';
SELECT count(*) FROM act.commit('old-1', '[{"name":"O1","data":{}},{"name":"O2","data":{}}]');
SELECT count(*) FROM act.commit('old-2', '[{"name":"O3","data":{}}]');
INSERT INTO rs.events_streams (stream) VALUES ('old-1'), ('proj');

-- What the store is, physically: rows and where they sit, subscriptions,
-- the sequence, the tables' files.
CREATE FUNCTION pg_temp.fingerprint() RETURNS text LANGUAGE sql AS $$
    SELECT md5(concat_ws('#',
        (SELECT string_agg(e.ctid::text || e::text, '|' ORDER BY e.id) FROM rs.events e),
        (SELECT string_agg(s.ctid::text || s::text, '|' ORDER BY s.stream) FROM rs.events_streams s),
        pg_sequence_last_value('rs.events_id_seq'),
        pg_relation_filenode('rs.events'), pg_relation_filenode('rs.events_streams'),
        pg_relation_filenode('rs.events_id_seq')))
$$;

-- A source: sparse ids, given created times and versions, causation ids
-- that point into the source (rewritten), outside it, or are not numbers
-- (both left as they are).
CREATE TABLE rs_source (id bigint, name text, data jsonb, stream text, version int, created timestamptz, meta jsonb);
INSERT INTO rs_source VALUES
    (10, 'Opened', '{"by":"ann"}', 'acct-1', 0, '2024-01-01 10:00:00+00', '{"correlation":"c1","causation":{}}'),
    (20, 'Deposited', '{"amount":5}', 'acct-1', 1, '2024-01-01 11:00:00+00', '{"correlation":"c1","causation":{"event":{"id":10,"name":"Opened","stream":"acct-1"}}}'),
    (25, 'Noted', '{}', 'audit', 0, '2024-01-02 09:00:00+00', '{"correlation":"c2","causation":{"event":{"id":20,"name":"Deposited","stream":"acct-1"}}}'),
    (40, '__snapshot__', '{"balance":5}', 'acct-1', 2, '2024-01-03 00:00:00+00', '{"correlation":"","causation":{"event":{"id":999}}}'),
    (41, 'Noted', '{}', 'audit', 1, '2024-01-03 00:00:01+00', '{"causation":{"event":{"id":"25"}}}'),
    (30, 'Opened', '{"by":"bob"}', 'acct-2', 0, '2024-01-02 12:00:00+00', '{}');
SELECT act.restore('rs_source');
SELECT id, name, data, stream, version, created, meta FROM rs.events ORDER BY id;
-- Subscriptions are wiped; the next commit continues after the last id.
SELECT count(*) AS subscriptions FROM rs.events_streams;
SELECT id, version FROM act.commit('acct-2', '[{"name":"Closed","data":{}}]', expected_version => 0);

-- From a view: any query, e.g. a filtered copy of the store's events.
CREATE TABLE rs_backup AS TABLE rs.events;
CREATE VIEW rs_no_audit AS SELECT * FROM rs_backup WHERE stream <> 'audit';
SELECT act.restore('rs_no_audit');
SELECT id, name, stream, version FROM rs.events ORDER BY id;
-- Twice in one statement; a schema-qualified name.
SELECT act.restore('rs_backup'), act.restore('public.rs_no_audit');
-- An empty source empties the store; ids start again at 1.
CREATE TABLE rs_empty (LIKE rs_source);
SELECT act.restore('rs_empty');
SELECT id FROM act.commit('again', '[{"name":"A","data":{}}]');

-- A failure leaves the store exactly as it was, down to the files.
SELECT act.restore('rs_source');
INSERT INTO rs.events_streams (stream) VALUES ('proj');
SELECT pg_temp.fingerprint() AS before \gset
-- ... the last event of the source is bad:
CREATE TABLE rs_bad_last AS SELECT * FROM rs_source;
INSERT INTO rs_bad_last VALUES (50, 'Late', '[1]', 'acct-9', 0, now(), '{}');
SELECT act.restore('rs_bad_last');
SELECT pg_temp.fingerprint() = :'before' AS unchanged;
-- ... the last event repeats a stream version:
UPDATE rs_bad_last SET data = '{}', stream = 'acct-2' WHERE id = 50;
SELECT act.restore('rs_bad_last');
SELECT pg_temp.fingerprint() = :'before' AS unchanged;
-- ... or the transaction rolls back after a restore.
BEGIN;
SELECT act.restore('rs_empty');
SELECT count(*) FROM rs.events;
ROLLBACK;
SELECT pg_temp.fingerprint() = :'before' AS unchanged;
SELECT id FROM act.commit('after-failures', '[{"name":"A","data":{}}]');
SELECT pg_temp.fingerprint() AS before \gset

-- Each bad event is named by its source id.
CREATE TABLE rs_bad (LIKE rs_source);
INSERT INTO rs_bad VALUES (1, 'A', '{}', 's', 0, now(), '{}');
INSERT INTO rs_bad VALUES (NULL, 'A', '{}', 's', 1, now(), '{}');
SELECT act.restore('rs_bad');
UPDATE rs_bad SET id = 1;
SELECT act.restore('rs_bad');
UPDATE rs_bad SET id = 2, name = '' WHERE version = 1;
SELECT act.restore('rs_bad');
UPDATE rs_bad SET name = repeat('n', 1025) WHERE id = 2;
SELECT act.restore('rs_bad');
UPDATE rs_bad SET name = NULL WHERE id = 2;
SELECT act.restore('rs_bad');
UPDATE rs_bad SET name = 'A', data = NULL WHERE id = 2;
SELECT act.restore('rs_bad');
UPDATE rs_bad SET data = '"x"' WHERE id = 2;
SELECT act.restore('rs_bad');
UPDATE rs_bad SET data = '{}', stream = '' WHERE id = 2;
SELECT act.restore('rs_bad');
UPDATE rs_bad SET stream = NULL WHERE id = 2;
SELECT act.restore('rs_bad');
UPDATE rs_bad SET stream = 's', version = -1 WHERE id = 2;
SELECT act.restore('rs_bad');
UPDATE rs_bad SET version = NULL WHERE id = 2;
SELECT act.restore('rs_bad');
UPDATE rs_bad SET version = 1, created = NULL WHERE id = 2;
SELECT act.restore('rs_bad');
UPDATE rs_bad SET created = now(), meta = '[]' WHERE id = 2;
SELECT act.restore('rs_bad');
UPDATE rs_bad SET meta = NULL WHERE id = 2;
SELECT act.restore('rs_bad');
SELECT pg_temp.fingerprint() = :'before' AS unchanged_after_failures;

-- Bad sources.
SELECT act.restore(NULL);
SELECT act.restore('rs.events');
SELECT act.restore('rs.events_streams');
CREATE VIEW rs_self AS SELECT * FROM rs.events WHERE id > 1;
SELECT act.restore('rs_self');
CREATE VIEW rs_self_streams AS SELECT r.* FROM rs_source r WHERE NOT EXISTS (SELECT FROM rs.events_streams);
SELECT act.restore('rs_self_streams');
CREATE TABLE rs_no_meta AS SELECT id, name, data, stream, version, created FROM rs_source;
SELECT act.restore('rs_no_meta');
SELECT act.restore('no_such_table');
BEGIN;
SET LOCAL act.store = 'nowhere.events';
SELECT act.restore('rs_source');
ROLLBACK;
SELECT pg_temp.fingerprint() = :'before' AS unchanged_after_bad_sources;

RESET act.store;
DROP VIEW rs_no_audit, rs_self, rs_self_streams;
DROP TABLE rs_source, rs_backup, rs_empty, rs_bad_last, rs_bad, rs_no_meta;
SELECT act.drop('rs', 'events');
