-- act.subscribe: new rows, upserts, source kinds, and bad input.
SELECT act.seed('subs');
SET act.store = 'subs.events';
CREATE FUNCTION pg_temp.try(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- No subscriptions yet: nothing new, watermark -1.
SELECT * FROM act.subscribe('[]');
SELECT * FROM act.subscribe('[{"stream":"s-1"}]');
SELECT stream, source, at, retry, blocked, error, leased_by, leased_until, priority, lane FROM subs.events_streams;

-- subscribed counts new rows only; new rows start at -1 with retry -1.
SELECT * FROM act.subscribe('[{"stream":"s-1"},{"stream":"s-2","source":"o-1","priority":2},
                              {"stream":"s-3","source":"^o-","lane":"fast"}]');
SELECT stream, source, at, retry, priority, lane FROM subs.events_streams ORDER BY stream;

-- An existing row keeps its highest priority and takes the lane given with
-- a priority at or above its own, 'default' when none is given; its source
-- stays.
SELECT * FROM act.subscribe('[{"stream":"s-2","source":"o-9","priority":1},{"stream":"s-3","priority":4}]');
SELECT stream, source, priority, lane FROM subs.events_streams ORDER BY stream;
-- A stream given twice in one call: its first source, highest priority,
-- and the last lane given with that priority.
SELECT * FROM act.subscribe('[{"stream":"s-4","source":"o-4","lane":"a"},
                              {"stream":"s-4","source":"o-5","priority":3,"lane":"b"},
                              {"stream":"s-4","priority":-1,"lane":"c"}]');
SELECT stream, source, priority, lane FROM subs.events_streams WHERE stream = 's-4';
-- JSON null is the same as an absent field.
SELECT * FROM act.subscribe('[{"stream":"s-5","source":null,"priority":null,"lane":null}]');
SELECT stream, source, priority, lane FROM subs.events_streams WHERE stream = 's-5';

-- The watermark is the highest "at" of all subscriptions.
SELECT count(*) FROM act.commit('o-1', '[{"name":"A","data":{}},{"name":"B","data":{}}]');
SELECT stream, at FROM act.claim(10, 0, 'w', 60000) WHERE stream = 's-2';
SELECT stream, at FROM act.ack('[{"stream":"s-2","by":"w","at":2}]');
SELECT * FROM act.subscribe('[{"stream":"s-1"}]');

-- A source with a regular-expression metacharacter is a pattern, any
-- other is one exact stream name.
SELECT * FROM act.subscribe('[{"stream":"k-1","source":"a.b"},{"stream":"k-2","source":"a*"},
    {"stream":"k-3","source":"a+"},{"stream":"k-4","source":"a?"},{"stream":"k-5","source":"a|b"},
    {"stream":"k-6","source":"(a)"},{"stream":"k-7","source":"[a]"},{"stream":"k-8","source":"a{2}"},
    {"stream":"k-9","source":"^a"},{"stream":"k-10","source":"a$"},{"stream":"k-11","source":"a\\d"},
    {"stream":"k-12","source":"Order-42_x:y/z@w#1 %&"}]');
SELECT stream, source, pattern FROM subs.events_streams WHERE stream LIKE 'k-%' ORDER BY length(stream), stream;

-- A new subscription to a literal source that already has events has work
-- up to the source's last event that is not a snapshot, and no further.
SELECT count(*) FROM act.commit('o-7', '[{"name":"A","data":{}},{"name":"__snapshot__","data":{}}]');
SELECT * FROM act.subscribe('[{"stream":"s-7","source":"o-7"}]');
SELECT stream, at, retry FROM act.claim(100, 0, 'w', 60000) WHERE stream = 's-7';
SELECT stream, at FROM act.ack(jsonb_build_array(jsonb_build_object('stream', 's-7', 'by', 'w',
    'at', (SELECT id FROM subs.events WHERE stream = 'o-7' AND name = 'A'))));
SELECT count(*) AS leased FROM act.claim(100, 0, 'w', 60000) WHERE stream = 's-7';

-- Bad input: 22004 for NULL, 22023 naming the element and field, 2201B for
-- a bad regular expression.
SELECT pg_temp.try($$SELECT act.subscribe(NULL)$$);
SELECT pg_temp.try($$SELECT act.subscribe('{}')$$);
SELECT pg_temp.try($$SELECT act.subscribe('"s"')$$);
SELECT pg_temp.try($$SELECT act.subscribe('[{"stream":"ok"}, 1]')$$);
SELECT pg_temp.try($$SELECT act.subscribe('[{"source":"o"}]')$$);
SELECT pg_temp.try($$SELECT act.subscribe('[{"stream":null}]')$$);
SELECT pg_temp.try($$SELECT act.subscribe('[{"stream":7}]')$$);
SELECT pg_temp.try($$SELECT act.subscribe('[{"stream":""}]')$$);
SELECT pg_temp.try(format('SELECT act.subscribe(%L)', jsonb_build_array(jsonb_build_object('stream', repeat('x', 1025)))));
SELECT pg_temp.try($$SELECT act.subscribe('[{"stream":"x","source":1}]')$$);
SELECT pg_temp.try($$SELECT act.subscribe('[{"stream":"x","source":""}]')$$);
SELECT pg_temp.try($$SELECT act.subscribe('[{"stream":"x","source":"(a"}]')$$);
SELECT pg_temp.try($$SELECT act.subscribe('[{"stream":"x","priority":"1"}]')$$);
SELECT pg_temp.try($$SELECT act.subscribe('[{"stream":"x","priority":1.5}]')$$);
SELECT pg_temp.try($$SELECT act.subscribe('[{"stream":"x","priority":2147483648}]')$$);
SELECT pg_temp.try($$SELECT act.subscribe('[{"stream":"x","lane":false}]')$$);
SELECT pg_temp.try($$SELECT act.subscribe('[{"stream":"x","lane":""}]')$$);
SELECT pg_temp.try($$SELECT act.subscribe('[{"stream":"x","sorce":"o"}]')$$);
-- Nothing of a refused call was written.
SELECT count(*) FROM subs.events_streams WHERE stream = 'x';
-- The hint shows a good element; the context, which element has a bad regular expression.
SELECT act.subscribe('[{"stream":"x","sorce":"o"}]');
SELECT act.subscribe('[{"stream":"x"},{"stream":"y","source":"a{2"}]');

RESET act.store;
SELECT act.drop('subs', 'events');

-- A store seeded before consumers had work marks (its rows written here
-- as that version left them): act.seed adds the marks in place, from the
-- events already there. u-1 is behind its source, u-2 at its last event,
-- u-3 past it (only a snapshot follows), u-4 a pattern, u-5 every stream.
SELECT act.seed('subs_old');
ALTER TABLE subs_old.events_streams DROP COLUMN mark, DROP COLUMN probed, DROP COLUMN pattern;
SELECT indexname FROM pg_indexes WHERE schemaname = 'subs_old' ORDER BY 1;
INSERT INTO subs_old.events (id, name, data, stream, version)
VALUES (1, 'A', '{}', 'o-1', 0), (2, 'B', '{}', 'o-1', 1), (3, '__snapshot__', '{}', 'o-1', 2);
SELECT setval(pg_get_serial_sequence('subs_old.events', 'id'), 3);
INSERT INTO subs_old.events_streams (stream, source, at) VALUES ('u-1', 'o-1', 1), ('u-2', 'o-1', 2), ('u-3', 'o-1', 3),
    ('u-4', '^o-', 3), ('u-5', NULL, 3);
SELECT act.seed('subs_old');
SET act.store = 'subs_old.events';
SELECT stream, source, at, mark, pattern FROM subs_old.events_streams ORDER BY stream;
SELECT indexname FROM pg_indexes WHERE schemaname = 'subs_old' ORDER BY 1;
SELECT stream, at FROM act.claim(10, 0, 'w', 60000);
RESET act.store;
SELECT act.drop('subs_old', 'events');
