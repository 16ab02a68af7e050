-- act.claim: which subscriptions have work, leases, lanes, priority with
-- the fairness reserve, the lagging and leading frontiers, and bad input.
SELECT act.seed('cl');
SET act.store = 'cl.events';
CREATE FUNCTION pg_temp.try(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
-- Acknowledges every lease of `by` at the store's highest event id.
CREATE FUNCTION pg_temp.ack_all(by text) RETURNS SETOF text LANGUAGE sql AS $$
    SELECT stream FROM act.ack((SELECT coalesce(jsonb_agg(jsonb_build_object(
        'stream', stream, 'by', by, 'at', greatest(act.max_event_id(), 0))), '[]')
        FROM cl.events_streams WHERE leased_by = by))
$$;

-- No subscriptions: nothing to claim.
SELECT * FROM act.claim(10, 10, 'w1', 60000);

-- A new subscription (at -1) whose source has no events has no work (the
-- act framework's rule): all streams (no source), one exact stream, and a
-- pattern.
SELECT * FROM act.subscribe('[{"stream":"t-all"},{"stream":"t-lit","source":"o-1"},{"stream":"t-pat","source":"^o-"}]');
SELECT * FROM act.claim(10, 0, 'w1', 60000);
SELECT * FROM act.claim(10, 10, 'w2', 60000);

-- A snapshot is not work.
SELECT name FROM act.commit('o-1', '[{"name":"__snapshot__","data":{}}]');
SELECT * FROM act.claim(10, 10, 'w1', 60000);
-- An event of another stream is work for the subscription to all streams only.
SELECT name FROM act.commit('x-1', '[{"name":"A","data":{}}]');
SELECT stream, at, retry FROM act.claim(10, 10, 'w1', 60000);
SELECT * FROM pg_temp.ack_all('w1');
-- An event of o-1 is work for all three (a snapshot after it changes nothing).
SELECT name FROM act.commit('o-1', '[{"name":"A","data":{}},{"name":"__snapshot__","data":{}}]');
SELECT stream, at FROM act.claim(10, 10, 'w1', 60000);
SELECT * FROM pg_temp.ack_all('w1');
SELECT * FROM act.claim(10, 10, 'w1', 60000);
-- o-2 matches the pattern, and is not o-1.
SELECT name FROM act.commit('o-2', '[{"name":"A","data":{}}]');
SELECT stream FROM act.claim(10, 10, 'w1', 60000);
SELECT * FROM pg_temp.ack_all('w1');
-- "o-10" is not the exact stream "o-1", but matches "^o-".
SELECT name FROM act.commit('o-10', '[{"name":"A","data":{}}]');
SELECT stream FROM act.claim(10, 10, 'w1', 60000);
SELECT * FROM pg_temp.ack_all('w1');

-- An acknowledged watermark below the last event leaves work: the events
-- after it are claimed again.
SELECT name FROM act.commit('o-1', '[{"name":"B","data":{}},{"name":"C","data":{}}]');
SELECT stream FROM act.claim(10, 10, 'w1', 60000);
SELECT stream, at FROM act.ack((SELECT jsonb_agg(jsonb_build_object('stream', stream, 'by', 'w1',
    'at', (SELECT id FROM cl.events WHERE stream = 'o-1' AND name = 'B'))) FROM cl.events_streams));
SELECT stream FROM act.claim(10, 10, 'w1', 60000);
SELECT * FROM pg_temp.ack_all('w1');

-- A pattern subscription reads at most 1000 events per claim from where it
-- last looked: a match 1500 events later is found by the second claim.
SELECT count(*) FROM act.commit('x-2', (SELECT jsonb_agg(jsonb_build_object('name', 'N', 'data', jsonb_build_object()))
                                        FROM generate_series(1, 1500)));
SELECT name FROM act.commit('o-3', '[{"name":"A","data":{}}]');
SELECT stream FROM act.claim(10, 10, 'w1', 60000);
SELECT stream FROM act.claim(10, 10, 'w1', 60000);
SELECT * FROM pg_temp.ack_all('w1');

-- Blocked rows are not claimed; unblocked, they are.
SELECT name FROM act.commit('o-1', '[{"name":"D","data":{}}]');
SELECT stream FROM act.claim(10, 0, 'w1', 60000) ORDER BY stream;
SELECT stream, error FROM act.block('[{"stream":"t-lit","by":"w1","error":"failed"}]');
SELECT * FROM pg_temp.ack_all('w1');
SELECT name FROM act.commit('o-1', '[{"name":"E","data":{}}]');
SELECT stream FROM act.claim(10, 0, 'w1', 60000);
SELECT act.unblock(streams => '{t-lit}');
SELECT stream, retry FROM act.claim(10, 0, 'w1', 60000);
SELECT * FROM pg_temp.ack_all('w1');

-- Leases: retry counts claims since the last ack, from 0. An expired lease
-- (millis 0 expires at once) is taken over; the old holder's ack and block
-- then do nothing.
SELECT name FROM act.commit('o-1', '[{"name":"F","data":{}}]');
SELECT stream, by, retry FROM act.claim(10, 0, 'w1', 0) WHERE stream = 't-lit';
SELECT stream, by, retry FROM act.claim(10, 0, 'w2', 60000) WHERE stream = 't-lit';
SELECT * FROM act.ack('[{"stream":"t-lit","by":"w1","at":0}]');
SELECT * FROM act.block('[{"stream":"t-lit","by":"w1","error":"late"}]');
SELECT stream, at, blocked, leased_by, retry FROM cl.events_streams WHERE stream = 't-lit';
SELECT * FROM pg_temp.ack_all('w1');
SELECT * FROM pg_temp.ack_all('w2');
SELECT stream, at, retry, leased_by, leased_until FROM cl.events_streams ORDER BY stream;

-- Lanes: a lane claims its own rows only; an unknown lane matches nothing;
-- no lane claims every lane.
SELECT * FROM act.subscribe('[{"stream":"l-a1","lane":"a"},{"stream":"l-a2","lane":"a"},{"stream":"l-b1","lane":"b"}]');
SELECT stream, lane FROM act.claim(10, 0, 'w1', 60000, lane => 'a');
SELECT stream, lane FROM act.claim(10, 0, 'w1', 60000, lane => 'nope');
SELECT stream, lane FROM act.claim(10, 0, 'w1', 60000);
RESET act.store;
SELECT act.drop('cl', 'events');

-- Priority, the fairness reserve and the two frontiers, on subscriptions
-- to all streams with watermarks 2, 4, 5, 6, 7 (priority 1 but "e").
SELECT act.seed('cf');
SET act.store = 'cf.events';
SELECT count(*) FROM act.commit('x', (SELECT jsonb_agg(jsonb_build_object('name', 'N', 'data', jsonb_build_object()))
                                      FROM generate_series(1, 9)));
SELECT * FROM act.subscribe('[{"stream":"a","priority":1},{"stream":"b","priority":1},{"stream":"c","priority":1},
                              {"stream":"d","priority":1},{"stream":"e"}]');
CREATE FUNCTION pg_temp.rewind(by text) RETURNS SETOF text LANGUAGE sql AS $$
    SELECT stream || '@' || at FROM act.ack((SELECT jsonb_agg(jsonb_build_object('stream', stream, 'by', by,
        'at', CASE stream WHEN 'a' THEN 4 WHEN 'b' THEN 5 WHEN 'c' THEN 6 WHEN 'd' THEN 7 ELSE 2 END))
        FROM cf.events_streams WHERE leased_by = by))
$$;
SELECT count(*) FROM act.claim(10, 0, 'w', 60000);
SELECT * FROM pg_temp.rewind('w');
-- lagging 4: three slots by priority (a, b, c), one by watermark alone (e,
-- the oldest, though of lower priority).
SELECT stream, at, lagging FROM act.claim(4, 0, 'w', 60000);
SELECT * FROM pg_temp.rewind('w');
-- lagging 1: no reserve. lagging 2: one slot each.
SELECT stream, at, lagging FROM act.claim(1, 0, 'w', 60000);
SELECT * FROM pg_temp.rewind('w');
SELECT stream, at, lagging FROM act.claim(2, 0, 'w', 60000);
SELECT * FROM pg_temp.rewind('w');
-- lagging 8, more slots than streams: every one, priority first.
SELECT stream, at, lagging FROM act.claim(8, 0, 'w', 60000);
SELECT * FROM pg_temp.rewind('w');
-- lead: the newest watermarks.
SELECT stream, at, lagging FROM act.claim(0, 2, 'w', 60000);
SELECT * FROM pg_temp.rewind('w');
-- In both frontiers: returned once, as lagging.
SELECT stream, at, lagging FROM act.claim(3, 3, 'w', 60000);
SELECT * FROM pg_temp.rewind('w');
SELECT stream, at, lagging FROM act.claim(5, 5, 'w', 60000);
SELECT * FROM pg_temp.rewind('w');
-- The highest priority goes first, whatever its watermark.
SELECT act.prioritize(9, streams => '{e}');
SELECT stream, at, lagging FROM act.claim(1, 0, 'w', 60000);
SELECT * FROM pg_temp.rewind('w');
-- Zero slots claim nothing.
SELECT * FROM act.claim(0, 0, 'w', 60000);

-- Bad input.
SELECT pg_temp.try($$SELECT act.claim(NULL, 0, 'w', 1000)$$);
SELECT pg_temp.try($$SELECT act.claim(1, NULL, 'w', 1000)$$);
SELECT pg_temp.try($$SELECT act.claim(1, 0, NULL, 1000)$$);
SELECT pg_temp.try($$SELECT act.claim(1, 0, 'w', NULL)$$);
SELECT pg_temp.try($$SELECT act.claim(-1, 0, 'w', 1000)$$);
SELECT pg_temp.try($$SELECT act.claim(1, -1, 'w', 1000)$$);
SELECT pg_temp.try($$SELECT act.claim(1, 0, 'w', -1)$$);
SELECT pg_temp.try($$SELECT act.claim(1, 0, '', 1000)$$);
SELECT pg_temp.try(format('SELECT act.claim(1, 0, %L, 1000)', repeat('w', 1025)));
-- Nothing was leased by the refused calls.
SELECT count(*) FROM cf.events_streams WHERE leased_by IS NOT NULL;
RESET act.store;
SELECT act.drop('cf', 'events');
