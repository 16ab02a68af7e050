-- Hostile input to the consuming and maintenance functions: each gets a
-- clear error with a documented SQLSTATE, nothing is half-written, and the
-- backend keeps serving. (Writing and reading: hostile_writes.sql.)
\set SHOW_CONTEXT never
\set VERBOSITY sqlstate
SELECT act.seed('hostile_consumers');
SET act.store = 'hostile_consumers.events';
SELECT count(*) FROM act.commit('hc-1', '[{"name":"A","data":{}},{"name":"B","data":{}}]');
SELECT count(*) FROM act.commit(repeat('a', 255), '[{"name":"A","data":{}}]');
SELECT * FROM act.subscribe(jsonb_build_array(
    jsonb_build_object('stream', 'p-1', 'source', 'hc-1'),
    jsonb_build_object('stream', 'p-all'),
    jsonb_build_object('stream', 'p-pattern', 'source', '^hc-', 'lane', 'patterns'),
    jsonb_build_object('stream', repeat('a', 255), 'source', repeat('a', 255), 'priority', 2)));
SELECT stream, at, retry FROM act.claim(1, 0, 'w1', 600000);

-- The store as it is now: every bad input below leaves it so.
CREATE TEMP TABLE hc_events AS TABLE hostile_consumers.events;
CREATE TEMP TABLE hc_streams AS TABLE hostile_consumers.events_streams;
SELECT pg_sequence_last_value('hostile_consumers.events_id_seq') AS last_id \gset

-- Malformed JSON (22P02).
SELECT * FROM act.subscribe('[');
SELECT * FROM act.ack('[{"stream":"p-1",}]');
SELECT * FROM act.block('');
SELECT * FROM act.truncate('[{stream:"hc-1"}]');
-- Wrongly typed JSON (22023): not an array, not objects, fields of the wrong type.
SELECT * FROM act.subscribe('{"stream":"x"}');
SELECT * FROM act.subscribe('"[]"');
SELECT * FROM act.subscribe('[null]');
SELECT * FROM act.subscribe('[["x"]]');
SELECT * FROM act.subscribe('[{"stream":42}]');
SELECT * FROM act.subscribe('[{"stream":"x","source":true}]');
SELECT * FROM act.subscribe('[{"stream":"x","priority":"1"}]');
SELECT * FROM act.subscribe('[{"stream":"x","priority":1.5}]');
SELECT * FROM act.subscribe('[{"stream":"x","lane":["a"]}]');
SELECT * FROM act.ack('{"stream":"p-1","by":"w1","at":1}');
SELECT * FROM act.ack('[1]');
SELECT * FROM act.ack('[{"stream":"p-1","by":"w1","at":"1"}]');
SELECT * FROM act.ack('[{"stream":"p-1","by":"w1","at":1.5}]');
SELECT * FROM act.ack('[{"stream":"p-1","by":{},"at":1}]');
SELECT * FROM act.ack('[{"stream":"p-1","by":"w1","at":1,"lagging":"yes"}]');
SELECT * FROM act.block('true');
SELECT * FROM act.block('[{"stream":"p-1","by":"w1","error":{}}]');
SELECT * FROM act.truncate('{"stream":"hc-1"}');
SELECT * FROM act.truncate('["hc-1"]');
SELECT * FROM act.truncate('[{"stream":["hc-1"]}]');
SELECT * FROM act.truncate('[{"stream":"hc-1","snapshot":[]}]');
SELECT * FROM act.truncate('[{"stream":"hc-1","snapshot":"x"}]');
SELECT * FROM act.truncate('[{"stream":"hc-1","meta":5}]');
-- Missing and extra fields (22023).
SELECT * FROM act.subscribe('[{}]');
SELECT * FROM act.subscribe('[{"source":"hc-1"}]');
SELECT * FROM act.subscribe('[{"stream":"x","at":5}]');
SELECT * FROM act.ack('[{"by":"w1","at":1}]');
SELECT * FROM act.ack('[{"stream":"p-1","at":1}]');
SELECT * FROM act.ack('[{"stream":"p-1","by":"w1"}]');
SELECT * FROM act.ack('[{"stream":"p-1","by":"w1","at":null}]');
SELECT * FROM act.block('[{"stream":"p-1","by":"w1"}]');
SELECT * FROM act.truncate('[{"snapshot":{}}]');
SELECT * FROM act.truncate('[{"stream":"hc-1","data":{}}]');
SELECT * FROM act.truncate('[{"stream":"hc-1"},{"stream":"hc-1"}]');
-- Empty and very long (1 MB) names (22023).
SELECT * FROM act.subscribe('[{"stream":""}]');
SELECT * FROM act.subscribe('[{"stream":"x","source":""}]');
SELECT * FROM act.subscribe('[{"stream":"x","lane":""}]');
SELECT * FROM act.subscribe(jsonb_build_array(jsonb_build_object('stream', repeat('s', 1024 * 1024))));
SELECT * FROM act.subscribe(jsonb_build_array(jsonb_build_object('stream', 'x', 'source', repeat('s', 1024 * 1024))));
SELECT * FROM act.subscribe(jsonb_build_array(jsonb_build_object('stream', 'x', 'lane', repeat('l', 1024 * 1024))));
SELECT * FROM act.claim(1, 1, '', 1000);
SELECT * FROM act.claim(1, 1, repeat('w', 1024 * 1024), 1000);
SELECT * FROM act.ack('[{"stream":"","by":"w1","at":1}]');
SELECT * FROM act.ack('[{"stream":"p-1","by":"","at":1}]');
SELECT * FROM act.ack(jsonb_build_array(jsonb_build_object('stream', 'p-1', 'by', repeat('w', 1024 * 1024), 'at', 1)));
SELECT * FROM act.block(jsonb_build_array(jsonb_build_object('stream', repeat('s', 1024 * 1024), 'by', 'w1', 'error', 'e')));
SELECT * FROM act.truncate('[{"stream":""}]');
SELECT * FROM act.truncate(jsonb_build_array(jsonb_build_object('stream', repeat('s', 1024 * 1024))));
-- ... which filters and lanes simply do not match: no error, no row.
SELECT * FROM act.claim(1, 1, 'w2', 1000, '');
SELECT * FROM act.claim(1, 1, 'w2', 1000, repeat('l', 1024 * 1024));
SELECT act.reset(streams => ARRAY['', repeat('s', 1024 * 1024)]);
SELECT count(*) FROM act.query_streams(after => repeat('z', 1024 * 1024));
SELECT count(*) FROM act.query_stats(streams => ARRAY['', repeat('s', 1024 * 1024)]);
SELECT count(*) FROM act.query_stats(stream => repeat('s', 1024 * 1024), stream_exact => true);
-- An unknown lane matches nothing.
SELECT * FROM act.claim(10, 10, 'w2', 1000, 'no-such-lane');
SELECT act.prioritize(9, lane => 'no-such-lane');
-- Deeply nested data: too deep for the parser (54001); deep but fine is kept.
SELECT * FROM act.truncate(('[{"stream":"hc-1","snapshot":{"x":' || repeat('[', 100000) || repeat(']', 100000) || '}}]')::jsonb);
SELECT * FROM act.subscribe(('[{"stream":"x","source":' || repeat('[', 100000) || repeat(']', 100000) || '}]')::jsonb);
BEGIN;
SELECT stream, deleted, (committed).name, (committed).version, length((committed).data::text)
FROM act.truncate(('[{"stream":"hc-1","snapshot":{"x":' || repeat('[', 2000) || repeat(']', 2000) || '}}]')::jsonb);
ROLLBACK;
-- (The seed's id was drawn: a sequence does not roll back.)
SELECT pg_sequence_last_value('hostile_consumers.events_id_seq') AS last_id \gset
-- NUL characters (22P05): jsonb cannot hold \u0000.
SELECT * FROM act.subscribe('[{"stream":"x\u0000"}]');
SELECT * FROM act.ack('[{"stream":"p-1","by":"w1\u0000","at":1}]');
SELECT * FROM act.block('[{"stream":"p-1","by":"w1","error":"\u0000"}]');
SELECT * FROM act.truncate('[{"stream":"hc-1","snapshot":{"s":"\u0000"}}]');
-- NULL in every argument (22004), or the documented meaning of NULL.
SELECT * FROM act.subscribe(NULL);
SELECT * FROM act.claim(NULL, 1, 'w2', 1000);
SELECT * FROM act.claim(1, NULL, 'w2', 1000);
SELECT * FROM act.claim(1, 1, NULL, 1000);
SELECT * FROM act.claim(1, 1, 'w2', NULL);
SELECT * FROM act.ack(NULL);
SELECT * FROM act.block(NULL);
SELECT act.prioritize(NULL);
SELECT act.prioritize(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
SELECT * FROM act.query_stats(exclude => ARRAY[NULL]);
SELECT * FROM act.truncate(NULL);
SELECT * FROM act.truncate('[{"stream":null}]');
SELECT act.restore(NULL);
SELECT count(*) FROM act.query_streams(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
SELECT count(*) FROM act.query_stats(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
BEGIN;  -- no filter: every row
SELECT act.reset(NULL, NULL, NULL, NULL, NULL, NULL, NULL), act.unblock(NULL, NULL, NULL, NULL, NULL, NULL, NULL),
       act.prioritize(1, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
ROLLBACK;
-- Negative, zero and huge numbers.
SELECT * FROM act.claim(-1, 1, 'w2', 1000);
SELECT * FROM act.claim(1, -1, 'w2', 1000);
SELECT * FROM act.claim(1, 1, 'w2', -1);
SELECT * FROM act.claim(-2147483648, 0, 'w2', 1000);
SELECT * FROM act.claim(0, 0, 'w2', 1000);
BEGIN;
SELECT stream, retry, lagging FROM act.claim(2147483647, 2147483647, 'w2', 2147483647) ORDER BY stream;
SELECT stream, leased_until > now() + interval '24 days' AS leased_24_days FROM act.query_streams(stream => '^p-');
ROLLBACK;
BEGIN;
SELECT stream, retry, lagging FROM act.claim(1, 1, 'w2', 0) ORDER BY stream;
SELECT stream, leased_until <= statement_timestamp() AS expired FROM act.query_streams(stream => '^p-');
ROLLBACK;
SELECT * FROM act.ack('[{"stream":"p-1","by":"w1","at":-2}]');
SELECT * FROM act.ack('[{"stream":"p-1","by":"w1","at":9223372036854775808}]');
SELECT * FROM act.ack('[{"stream":"p-1","by":"w1","at":-1e400}]');
SELECT * FROM act.subscribe('[{"stream":"x","priority":2147483648}]');
SELECT * FROM act.subscribe('[{"stream":"x","priority":-2147483649}]');
SELECT * FROM act.subscribe('[{"stream":"x","priority":1e100000}]');
SELECT * FROM act.query_streams(max_rows => -1);
SELECT count(*) FROM act.query_streams(max_rows => 0);
SELECT count(*) FROM act.query_streams(max_rows => 2147483647);
SELECT * FROM act.query_stats(max_rows => -1);
SELECT count(*) FROM act.query_stats(max_rows => 0);
SELECT count(*) FROM act.query_stats(before => -9223372036854775808);
SELECT count(*) FROM act.query_stats(before => 9223372036854775807);
BEGIN;
SELECT act.prioritize(-2147483648, streams => '{p-1}'), act.prioritize(2147483647, streams => '{p-all}');
SELECT stream, priority FROM act.query_streams(stream => '^p-') ORDER BY stream;
ROLLBACK;
-- Invalid regular expressions (2201B), in every regular-expression filter.
SELECT * FROM act.subscribe('[{"stream":"x","source":"("}]');
SELECT act.reset(stream => '(');
SELECT act.reset(source => 'a{2,1}');
SELECT act.unblock(stream => '\');
SELECT act.unblock(source => '[z-a]');
SELECT act.prioritize(1, stream => '(?<x>a)');
SELECT act.prioritize(1, source => '*');
SELECT * FROM act.query_streams(stream => 'a**');
SELECT * FROM act.query_streams(source => '(');
SELECT * FROM act.query_stats(stream => '(');
SELECT act.reset(stream => repeat('s', 1024 * 1024));
-- ... also when no row reaches the match (a generic plan compiles the
-- expression only then).
SET plan_cache_mode = force_generic_plan;
SELECT act.reset(streams => '{}', stream => '(');
SELECT act.unblock(lane => 'no-such-lane', source => '(');
SELECT act.prioritize(1, stream => 'no-such-stream', stream_exact => true, source => '[');
SELECT count(*) FROM act.query_streams(streams => '{}', stream => ')');
SELECT count(*) FROM act.query_stats(stream => '(', before => 0);
RESET plan_cache_mode;
-- A regular expression that takes very long is cancelled by
-- statement_timeout (57014), in each filter (and in claim's probe of a
-- pattern source: at the end). Its compile alone takes about 330 ms here,
-- so the timeout leaves a wide margin.
SET statement_timeout = '50ms';
SELECT * FROM act.subscribe('[{"stream":"slow","source":"^(a?){255}(a?){255}a{255}\\1\\2$"}]');
SELECT * FROM act.query_stats(stream => '^(a?){255}(a?){255}a{255}\1\2$');
SELECT * FROM act.query_streams(stream => '^(a?){255}(a?){255}a{255}\1\2$');
SELECT act.reset(source => '^(a?){255}(a?){255}a{255}\1\2$');
SELECT act.unblock(stream => '^(a?){255}(a?){255}a{255}\1\2$');
SELECT act.prioritize(5, source => '^(a?){255}(a?){255}a{255}\1\2$');
RESET statement_timeout;
-- act.restore: sources that are not a table or view (42809), lack a
-- column (42703), have a column that does not cast (42846), or bad rows
-- (22023, 23505, 22003, 22P02); unknown (42P01).
SELECT act.restore('act.event');
SELECT act.restore('hostile_consumers.events_pkey');
SELECT act.restore('hostile_consumers.events_id_seq');
SELECT act.restore('no_such_table');
SELECT act.restore(0);
CREATE TEMP TABLE hc_no_created (id bigint, name text, data jsonb, stream text, version int, meta jsonb);
SELECT act.restore('hc_no_created');
CREATE TEMP TABLE hc_point_id (id point, name text, data jsonb, stream text, version int, created timestamptz, meta jsonb);
SELECT act.restore('hc_point_id');
CREATE TEMP TABLE hc_int_created (id bigint, name text, data jsonb, stream text, version int, created int, meta jsonb);
SELECT act.restore('hc_int_created');
CREATE TEMP TABLE hc_rows (id bigint, name text, data text, stream text, version bigint, created timestamptz, meta jsonb);
INSERT INTO hc_rows VALUES (1, 'A', '{}', 'r', 0, now(), '{}'), (2, 'B', '{}', 'r', 1, now(), '{}');
BEGIN;
SELECT act.restore('hc_rows');
ROLLBACK;
UPDATE hc_rows SET version = 4294967296 WHERE id = 2;
SELECT act.restore('hc_rows');
UPDATE hc_rows SET version = 1, data = 'not json' WHERE id = 2;
SELECT act.restore('hc_rows');
UPDATE hc_rows SET data = '[]' WHERE id = 2;
SELECT act.restore('hc_rows');
UPDATE hc_rows SET data = '{}', version = 0 WHERE id = 2;
SELECT act.restore('hc_rows');
UPDATE hc_rows SET version = -1 WHERE id = 2;
SELECT act.restore('hc_rows');
UPDATE hc_rows SET version = 1, id = 1 WHERE id = 2;
SELECT act.restore('hc_rows');
CREATE TEMP TABLE "hc'; DROP TABLE act.events; --" (LIKE hc_rows);
INSERT INTO "hc'; DROP TABLE act.events; --" VALUES (1, 'A', '{}', 'r', 0, now(), '{}');
BEGIN;
SELECT act.restore('"hc''; DROP TABLE act.events; --"');
ROLLBACK;
CREATE TEMP VIEW hc_reads_store AS SELECT * FROM hostile_consumers.events;
SELECT act.restore('hc_reads_store');
DROP VIEW hc_reads_store;

-- Nothing was half-written, and the backend serves on.
\set VERBOSITY default
SELECT (SELECT count(*) FROM (TABLE hc_events EXCEPT TABLE hostile_consumers.events) a)
     + (SELECT count(*) FROM (TABLE hostile_consumers.events EXCEPT TABLE hc_events) b) AS events_changed,
       (SELECT count(*) FROM (TABLE hc_streams EXCEPT TABLE hostile_consumers.events_streams) a)
     + (SELECT count(*) FROM (TABLE hostile_consumers.events_streams EXCEPT TABLE hc_streams) b) AS subscriptions_changed,
       pg_sequence_last_value('hostile_consumers.events_id_seq') = :last_id AS same_last_id;
SELECT length(stream), at FROM act.ack(jsonb_build_array(jsonb_build_object('stream', repeat('a', 255), 'by', 'w1', 'at', 3)));
SELECT stream, at, retry FROM act.claim(10, 0, 'w2', 600000) ORDER BY stream;
SELECT stream, deleted, (committed).name FROM act.truncate('[{"stream":"hc-1"}]');
SELECT to_regclass('act.events') IS NOT NULL AS default_store_intact;
RESET act.store;
SELECT act.drop('hostile_consumers', 'events');

-- A pattern source that takes very long to match: every claim of its lane
-- probes it, and statement_timeout cancels that claim (57014) without
-- moving the probe. (A new backend: compiled expressions are cached per
-- backend, and the compile is the slow part.)
SELECT act.seed('hostile_consumers_slow');
SET act.store = 'hostile_consumers_slow.events';
SELECT count(*) FROM act.commit(repeat('a', 255), '[{"name":"A","data":{}}]');
SELECT subscribed FROM act.subscribe('[{"stream":"slow","source":"^(a?){255}(a?){255}a{255}\\1\\2$"}]');
SELECT stream, at FROM act.claim(1, 0, 'w1', 600000);
SELECT stream, at FROM act.ack('[{"stream":"slow","by":"w1","at":1}]');
-- A new event for the probe to match.
SELECT count(*) FROM act.commit(repeat('a', 255), '[{"name":"B","data":{}}]');
\c -
\set SHOW_CONTEXT never
\set VERBOSITY sqlstate
SET act.store = 'hostile_consumers_slow.events';
SET statement_timeout = '50ms';
SELECT * FROM act.claim(1, 0, 'w1', 600000);
RESET statement_timeout;
\set VERBOSITY default
SELECT stream, at, mark, probed, leased_by FROM hostile_consumers_slow.events_streams;
RESET act.store;
SELECT act.drop('hostile_consumers_slow', 'events');
