-- act.commit: versions, batches, expected versions, and bad input.
SELECT id > 0 AS has_id, name, data, stream, version, meta
  FROM act.commit('c-1', '[{"name":"Opened","data":{"by":"ann"}},{"name":"Noted","data":{"n":1}}]',
                  '{"correlation":"k1","causation":{}}');
-- Versions continue the stream; ids increase in batch order; one created per batch.
SELECT name, version FROM act.commit('c-1', '[{"name":"Closed","data":{}}]', expected_version => 1);
SELECT count(DISTINCT created) AS created_values, bool_and(id > lag) AS ids_increase
  FROM (SELECT id, created, lag(id, 1, 0::bigint) OVER (ORDER BY version) FROM act.events WHERE stream = 'c-1') e;
-- A new stream starts at version 0, and expects -1.
SELECT version FROM act.commit('c-2', '[{"name":"A","data":{}}]', expected_version => -1);
-- An empty array commits nothing.
SELECT count(*) FROM act.commit('c-3', '[]');
SELECT count(*) FROM act.events WHERE stream = 'c-3';
-- The jsonb form and the text form are the same function.
SELECT version FROM act.commit('c-2', '[{"name":"B","data":{}}]'::jsonb, '{}'::jsonb, 0);

-- Wrong expected version: AC001, nothing written, earlier events intact.
SELECT * FROM act.commit('c-1', '[{"name":"Late","data":{}}]', expected_version => 1);
DO $$
BEGIN
    PERFORM act.commit('c-new', '[{"name":"Late","data":{}}]', expected_version => 0);
EXCEPTION WHEN SQLSTATE 'AC001' THEN
    RAISE NOTICE 'caught AC001: %', SQLERRM;
END $$;
SELECT name, version FROM act.events WHERE stream IN ('c-1', 'c-new') ORDER BY id;

-- A failed batch writes none of its events.
BEGIN;
SELECT version FROM act.commit('c-4', '[{"name":"A","data":{}}]');
SELECT * FROM act.commit('c-4', '[{"name":"B","data":{}}]', expected_version => 7);
ROLLBACK;
SELECT count(*) FROM act.events WHERE stream = 'c-4';

-- Malformed event arrays: the element and the field are named.
SELECT * FROM act.commit('c-5', '{"name":"A","data":{}}');
SELECT * FROM act.commit('c-5', '"A"');
SELECT * FROM act.commit('c-5', '[1]');
SELECT * FROM act.commit('c-5', '[{"name":"A","data":{}}, {"data":{}}]');
SELECT * FROM act.commit('c-5', '[{"name":7,"data":{}}]');
SELECT * FROM act.commit('c-5', '[{"name":"","data":{}}]');
SELECT * FROM act.commit('c-5', '[{"name":"A"}]');
SELECT * FROM act.commit('c-5', '[{"name":"A","data":[1]}]');
SELECT * FROM act.commit('c-5', '[{"name":"A","data":{},"extra":1}]');
SELECT * FROM act.commit('c-5', '[{"name":"A","data":{}}', '{}');
SELECT * FROM act.commit('c-5', '[{"name":"A","data":{}}]', '[]');
SELECT * FROM act.commit('', '[{"name":"A","data":{}}]');
SELECT * FROM act.commit(repeat('s', 1025), '[{"name":"A","data":{}}]');
SELECT * FROM act.commit('c-5', format('[{"name":"%s","data":{}}]', repeat('n', 1025)));
SELECT * FROM act.commit(NULL, '[]');
SELECT * FROM act.commit('c-5', NULL);
SELECT * FROM act.commit('c-5', '[]', NULL);
SELECT count(*) FROM act.events WHERE stream = 'c-5';

-- NUL characters: named with the stream and the events.
SELECT * FROM act.commit('c-6', '[{"name":"A","data":{"s":"a\u0000b"}},{"name":"B","data":{}}]');
SELECT * FROM act.commit('c-6', '[{"name":"N\u0000","data":{}}]');
SELECT * FROM act.commit('c-6', '[{"name":"A","data":{}}]', '{"correlation":"\u0000"}');
-- An escaped backslash before u0000 is not a NUL.
SELECT data FROM act.commit('c-6', '[{"name":"A","data":{"s":"\\u0000"}}]');
