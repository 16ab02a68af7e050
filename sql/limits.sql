-- Input act_pg accepts never fails later with an error it does not
-- document: a long meta.correlation, a stream at its last version, a NULL
-- notify for act.seed.
SELECT act.seed('limits');
SET act.store = 'limits.events';
\set SHOW_CONTEXT never
-- 3,008 bytes that do not compress: the index could not hold them.
SELECT string_agg(md5(i::text), '') AS long FROM generate_series(1, 94) i \gset

-- meta.correlation is an index key: at most 1024 bytes, checked by every
-- path that writes meta (commit, truncate, restore), 22023.
SELECT count(*) FROM act.commit('c', '[{"name":"A","data":{}}]', jsonb_build_object('correlation', :'long'));
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM act.commit('c', '[{"name":"A","data":{}}]', jsonb_build_object('correlation', repeat('é', 513)));
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM act.commit('c', '[{"name":"A","data":{}}]'::text, format('{"correlation": "%s"}', repeat('x', 1025)));
\echo :LAST_ERROR_SQLSTATE
-- Not a string: its text (what the index holds) counts.
SELECT count(*) FROM act.commit('c', '[{"name":"A","data":{}}]',
                                jsonb_build_object('correlation', jsonb_build_object('k', repeat('x', 1100))));
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM act.truncate(jsonb_build_array(jsonb_build_object('stream', 'c',
                                  'meta', jsonb_build_object('correlation', :'long'))));
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE limits.long_correlation AS
  SELECT 1::bigint AS id, 'A'::text AS name, '{}'::jsonb AS data, 'c'::text AS stream, 0 AS version,
         now() AS created, jsonb_build_object('correlation', :'long') AS meta;
SELECT act.restore('limits.long_correlation');
\echo :LAST_ERROR_SQLSTATE
-- 1024 bytes fit, and can be queried.
SELECT count(*) FROM act.commit('c', '[{"name":"A","data":{}}]', jsonb_build_object('correlation', repeat('y', 1024)));
SELECT count(*) FROM act.commit('c', '[{"name":"A","data":{}}]', jsonb_build_object('correlation', repeat('é', 512)));
SELECT count(*) FROM act.query(correlation => repeat('y', 1024));
SELECT count(*) FROM limits.events;

-- A stream's version is an int: a commit past 2147483647 is refused with
-- 54000, naming the stream, and writes nothing.
CREATE TABLE limits.near_full AS
  SELECT * FROM (VALUES (1::bigint, 'A'::text, '{}'::jsonb, 'full'::text, 2147483647, now(), '{}'::jsonb),
                        (2, 'A', '{}', 'almost', 2147483646, now(), '{}')) v(id, name, data, stream, version, created, meta);
SELECT act.restore('limits.near_full');
SELECT count(*) FROM act.commit('full', '[{"name":"B","data":{}}]');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM act.commit('almost', '[{"name":"B","data":{}},{"name":"C","data":{}}]');
\echo :LAST_ERROR_SQLSTATE
SELECT version FROM act.commit('almost', '[{"name":"B","data":{}}]');
SELECT count(*) FROM act.commit('almost', '[{"name":"C","data":{}}]', expected_version => 2147483647);
\echo :LAST_ERROR_SQLSTATE
SELECT stream, version FROM limits.events ORDER BY id;
-- act.truncate starts a full stream again from version 0.
SELECT stream, (committed).version FROM act.truncate('[{"stream":"full","snapshot":{}}]');
SELECT version FROM act.commit('full', '[{"name":"B","data":{}}]');

-- act.seed with a NULL notify: 22004 before it creates anything.
SELECT act.seed('limits_null', 'events', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS schemas FROM pg_namespace WHERE nspname = 'limits_null';
SELECT count(*) AS stores FROM act.stores WHERE schema = 'limits_null';
SELECT act.seed('limits', notify => NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT notify FROM act.stores WHERE schema = 'limits';

RESET act.store;
DROP TABLE limits.long_correlation, limits.near_full;
SELECT act.drop('limits', 'events');
DROP SCHEMA limits;
