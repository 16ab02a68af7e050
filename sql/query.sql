-- act.query: every filter, in both directions.
SELECT act.seed('q');
SET act.store = 'q.events';
SELECT act.max_event_id() AS empty_store;
SELECT count(*) FROM act.commit('a-1', '[{"name":"A1","data":{"i":1}},{"name":"A2","data":{"i":2}}]', '{"correlation":"x"}');
SELECT count(*) FROM act.commit('b-1', '[{"name":"B1","data":{}}]', '{"correlation":"y"}');
SELECT count(*) FROM act.commit('a-1', '[{"name":"__snapshot__","data":{"state":2}},{"name":"A3","data":{}}]');
SELECT count(*) FROM act.commit('a-10', '[{"name":"A1","data":{}}]');
SELECT act.max_event_id();

SELECT id, name, stream, version FROM act.query();
SELECT id, name FROM act.query(backward => true);
-- stream is a regular expression unless stream_exact.
SELECT id, stream FROM act.query(stream => 'a-1');
SELECT id, stream FROM act.query(stream => '^a-1$');
SELECT id, stream FROM act.query(stream => 'a-1', stream_exact => true);
SELECT id, stream FROM act.query(stream => '-1', stream_exact => true);
-- names; an empty array matches nothing.
SELECT id, name FROM act.query(names => '{A1,B1}');
SELECT count(*) FROM act.query(names => '{}');
-- after and before are exclusive; before => 0 matches nothing.
SELECT id FROM act.query(after => 2, before => 6);
SELECT id FROM act.query(after => 2, before => 6, backward => true);
SELECT count(*) FROM act.query(before => 0);
-- created bounds are strict.
SELECT count(*) FROM act.query(created_after => (SELECT min(created) FROM q.events));
SELECT count(*) FROM act.query(created_before => (SELECT max(created) FROM q.events));
SELECT count(*) FROM act.query(created_after => now() - interval '1 hour', created_before => now() + interval '1 hour');
-- correlation
SELECT id, name FROM act.query(correlation => 'x');
-- max_rows caps rows, from either end.
SELECT id FROM act.query(max_rows => 2);
SELECT id FROM act.query(max_rows => 2, backward => true);
SELECT count(*) FROM act.query(max_rows => 0);
-- Snapshots: left out, or with_snaps; an exact stream then starts at its latest snapshot.
SELECT id, name FROM act.query(stream => 'a-1', stream_exact => true);
SELECT id, name FROM act.query(stream => 'a-1', stream_exact => true, with_snaps => true);
SELECT id, name FROM act.query(stream => 'a-1', stream_exact => true, with_snaps => true, backward => true);
SELECT id, name FROM act.query(stream => 'a-1', stream_exact => true, with_snaps => true, after => 0);
SELECT id, name FROM act.query(stream => 'a-1', with_snaps => true);
-- Filters combine.
SELECT id FROM act.query(stream => '^a', names => '{A1}', after => 0, correlation => 'x', backward => true, max_rows => 5);
-- Named arguments in any order, positional arguments in the documented order.
SELECT id FROM act.query('^b');

-- Bad input.
SELECT * FROM act.query(max_rows => -1);
SELECT * FROM act.query(stream => '[');
SELECT * FROM act.query(stream => '*');

-- Inside the writing transaction, after-reads show only settled events
-- (own uncommitted events included, others' in flight not).
BEGIN;
SELECT id FROM act.commit('t-1', '[{"name":"T","data":{}}]');
SELECT id, stream FROM act.query(after => 6);
ROLLBACK;
RESET act.store;
