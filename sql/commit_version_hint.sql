-- act.commit remembers each stream's last version per backend and looks up
-- the next one from there; a remembered version that is too high (a
-- rolled-back batch) must not change the versions committed. In a store
-- of its own: other tests count the default store's events.
SELECT act.seed('hint_test');
SET act.store = 'hint_test.events';
SELECT version FROM act.commit('hint-1', '[{"name":"A","data":{}},{"name":"B","data":{}}]');
BEGIN;
SELECT version FROM act.commit('hint-1', '[{"name":"C","data":{}},{"name":"D","data":{}},{"name":"E","data":{}}]');
ROLLBACK;
-- Versions 2 to 4 were rolled back: the stream continues at 2.
SELECT version FROM act.commit('hint-1', '[{"name":"C","data":{}}]', expected_version => 1);
SELECT version FROM act.commit('hint-1', '[{"name":"D","data":{}}]', expected_version => 2);
-- The same in a savepoint, with a wrong expected version after it.
BEGIN;
SAVEPOINT s;
SELECT version FROM act.commit('hint-1', '[{"name":"E","data":{}},{"name":"F","data":{}}]');
ROLLBACK TO SAVEPOINT s;
SELECT version FROM act.commit('hint-1', '[{"name":"E","data":{}}]', expected_version => 5);
ROLLBACK;
SELECT version FROM act.commit('hint-1', '[{"name":"E","data":{}}]');
SELECT name, version FROM hint_test.events WHERE stream = 'hint-1' ORDER BY version;
-- The lookup reads the store's unique (stream, version) index: without it,
-- commit says so, and act.seed restores it.
DROP INDEX hint_test.events_stream_ix;
SELECT version FROM act.commit('hint-2', '[{"name":"A","data":{}}]');
SELECT act.seed('hint_test');
SELECT version FROM act.commit('hint-2', '[{"name":"A","data":{}}]');
RESET act.store;
SELECT act.drop('hint_test', 'events');
