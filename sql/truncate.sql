-- act.truncate: snapshots and tombstones, deleted counts, subscriptions
-- kept, errors.
SELECT act.seed('tr');
SET act.store = 'tr.events';
SELECT count(*) FROM act.commit('t-a', '[{"name":"A1","data":{}},{"name":"A2","data":{}},{"name":"A3","data":{}}]');
SELECT count(*) FROM act.commit('t-b', '[{"name":"B1","data":{}}]');
SELECT count(*) FROM act.commit('t-keep', '[{"name":"K1","data":{}}]');
INSERT INTO tr.events_streams (stream, source) VALUES ('t-a', NULL), ('t-keep', 't-keep');

-- A snapshot with its meta, a tombstone with the default meta, and a stream
-- that has no events: seeded all the same, 0 deleted. Ids continue the
-- store's, in target order.
SELECT stream, deleted, (committed).id, (committed).name, (committed).data, (committed).stream AS event_stream,
       (committed).version, (committed).meta
  FROM act.truncate('[{"stream":"t-a","snapshot":{"total":3},"meta":{"correlation":"c-9","causation":{"action":"x"}}},
                      {"stream":"t-b"},
                      {"stream":"t-new","snapshot":null,"meta":null}]');
SELECT id, name, stream, version FROM tr.events ORDER BY id;
-- Subscription rows stay, the truncated streams' own too.
SELECT stream FROM tr.events_streams ORDER BY stream;
-- One transaction: one created for every seed.
SELECT count(DISTINCT created) FROM tr.events WHERE stream IN ('t-a', 't-b', 't-new');
-- Commits continue the seeded stream at version 1.
SELECT name, version FROM act.commit('t-a', '[{"name":"A4","data":{}}]', expected_version => 0);
SELECT stream, (head).name, count FROM act.query_stats(stream => '^t-a$', count => true);
-- Truncating again: the seed and the new event are deleted.
SELECT stream, deleted, (committed).name, (committed).version FROM act.truncate('[{"stream":"t-a"}]');
-- An empty array does nothing.
SELECT count(*) FROM act.truncate('[]');
-- Snapshots are read back by query's with_snaps.
SELECT count(*) FROM act.truncate('[{"stream":"t-s","snapshot":{"n":1}}]');
SELECT name, data FROM act.query(stream => 't-s', stream_exact => true, with_snaps => true);

-- Many targets: ids follow the targets' order.
SELECT count(*), bool_and(id = first + i - 1 AND stream = 'bulk-' || (1001 - i)) AS ids_in_target_order
  FROM (SELECT stream, (committed).id, row_number() OVER () AS i, min((committed).id) OVER () AS first
          FROM act.truncate((SELECT jsonb_agg(jsonb_build_object('stream', 'bulk-' || i) ORDER BY i DESC)
                               FROM generate_series(1, 1000) i))) t;

-- Targets are checked before anything is written: a bad one anywhere writes nothing.
SELECT count(*) FROM act.truncate('[{"stream":"t-keep"},{"stream":""}]');
SELECT stream, name FROM tr.events WHERE stream = 't-keep';
SELECT stream FROM tr.events_streams WHERE stream = 't-keep';

-- Bad input: each error names the element and the field.
SELECT * FROM act.truncate(NULL);
SELECT * FROM act.truncate('{"stream":"x"}');
SELECT * FROM act.truncate('"x"');
SELECT * FROM act.truncate('[1]');
SELECT * FROM act.truncate('[{"stream":"x"},{}]');
SELECT * FROM act.truncate('[{"stream":1}]');
SELECT * FROM act.truncate('[{"stream":""}]');
SELECT * FROM act.truncate(jsonb_build_array(jsonb_build_object('stream', repeat('x', 1025))));
SELECT * FROM act.truncate('[{"stream":"x","snapshot":[1]}]');
SELECT * FROM act.truncate('[{"stream":"x","snapshot":"state"}]');
SELECT * FROM act.truncate('[{"stream":"x","meta":"m"}]');
SELECT * FROM act.truncate('[{"stream":"x","data":{}}]');
SELECT * FROM act.truncate('[{"stream":"x"},{"stream":"y"},{"stream":"x"}]');
BEGIN;
SET LOCAL act.store = 'nowhere.events';
SELECT * FROM act.truncate('[{"stream":"x"}]');
ROLLBACK;
SELECT count(*) FROM tr.events WHERE stream IN ('x', 'y');
RESET act.store;
SELECT act.drop('tr', 'events');
