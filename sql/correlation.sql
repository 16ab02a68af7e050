-- act.subscribe's correlate checkpoint, correlation lease and the caller's
-- work marks (the act framework's correlated_at).
SELECT act.seed('co');
SET act.store = 'co.events';
CREATE FUNCTION pg_temp.try(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- The shared checkpoint: -1 until advanced; only a higher value moves it.
SELECT * FROM act.subscribe('[]');
SELECT * FROM act.subscribe('[]', 5);
SELECT * FROM act.subscribe('[]', 3);
SELECT * FROM act.subscribe('[]', -7);
SELECT * FROM act.subscribe('[]');

-- A correlator: a key with no row starts from the shared checkpoint (5),
-- and gets the lease.
SELECT * FROM act.subscribe('[]', NULL, '{"key":"app","by":"w1","millis":60000}');
-- Another worker of the same key: no lease; it still advances the key's
-- checkpoint, and the shared one with it.
SELECT * FROM act.subscribe('[]', 9, '{"key":"app","by":"w2","millis":60000}');
SELECT * FROM act.subscribe('[]');
-- The holder renews (and reads 9).
SELECT * FROM act.subscribe('[]', NULL, '{"key":"app","by":"w1","millis":60000}');
-- A key of its own: its own lease and checkpoint, from the shared one.
SELECT * FROM act.subscribe('[]', 12, '{"key":"partial","by":"w2","millis":60000}');
SELECT * FROM act.subscribe('[]', NULL, '{"key":"app","by":"w1","millis":60000}');
-- millis <= 0 hands the lease back at once: the next asker gets it.
SELECT correlating FROM act.subscribe('[]', NULL, '{"key":"app","by":"w1","millis":0}');
SELECT correlating FROM act.subscribe('[]', NULL, '{"key":"app","by":"w2","millis":60000}');
SELECT correlating FROM act.subscribe('[]', NULL, '{"key":"app","by":"w1","millis":60000}');
-- An expired lease goes to whoever asks.
UPDATE act.correlation SET until = now() - interval '1 second' WHERE schema = 'co' AND key = 'app';
SELECT correlating FROM act.subscribe('[]', NULL, '{"key":"app","by":"w1","millis":60000}');
SELECT key, at, by, until > now() AS held FROM act.correlation WHERE schema = 'co' ORDER BY key;

-- Work marks: a stream is claimable when at < correlated_at; the mark
-- only rises, including from NULL and for zero and negatives.
SELECT count(*) FROM act.commit('o', '[{"name":"A","data":{}},{"name":"B","data":{}},{"name":"C","data":{}}]');
SELECT * FROM act.subscribe('[{"stream":"m-1","source":"o","correlated_at":1},{"stream":"m-2","source":"o","correlated_at":-1},{"stream":"m-3","source":"o"}]');
SELECT stream, at, correlated_at FROM act.query_streams(stream => '^m-');
SELECT subscribed FROM act.subscribe('[{"stream":"m-1","correlated_at":0},{"stream":"m-2","correlated_at":-5},{"stream":"m-3","correlated_at":-1}]');
SELECT stream, at, correlated_at FROM act.query_streams(stream => '^m-');
-- m-1 has work by its mark; m-2 and m-3 (marked at -1, at -1) have none
-- though their source has events: a caller's mark replaces act_pg's own.
SELECT stream, at FROM act.claim(10, 10, 'w1', 60000);
SELECT stream, at FROM act.ack('[{"stream":"m-1","by":"w1","at":1}]');
SELECT stream FROM act.claim(10, 10, 'w1', 60000);
SELECT subscribed FROM act.subscribe('[{"stream":"m-2","correlated_at":2}]');
SELECT stream, at FROM act.claim(10, 10, 'w1', 60000);
SELECT stream, at FROM act.ack('[{"stream":"m-2","by":"w1","at":2}]');
-- A row without a mark keeps act_pg's own: a commit to its source makes
-- it claimable.
SELECT subscribed FROM act.subscribe('[{"stream":"u-1","source":"o"}]');
SELECT stream, at FROM act.claim(10, 10, 'w1', 60000);

-- Priority keeps the maximum; the lane follows a priority at or above the
-- stored one only.
SELECT subscribed FROM act.subscribe('[{"stream":"p","priority":5,"lane":"a"}]');
SELECT subscribed FROM act.subscribe('[{"stream":"p","priority":1,"lane":"b"}]');
SELECT stream, priority, lane FROM act.query_streams(stream => 'p', stream_exact => true);
SELECT subscribed FROM act.subscribe('[{"stream":"p","priority":5,"lane":"c"}]');
SELECT stream, priority, lane FROM act.query_streams(stream => 'p', stream_exact => true);

-- act.seed of a new store clears what a dropped store of its name left.
SELECT act.seed('co2');
SET act.store = 'co2.events';
SELECT correlated_at FROM act.subscribe('[]', 4);
SELECT act.drop('co2', 'events');
SELECT act.seed('co2');
SELECT correlated_at FROM act.subscribe('[]');
SELECT act.drop('co2', 'events');
SET act.store = 'co.events';

-- Bad input.
SELECT pg_temp.try($$SELECT act.subscribe('[]', NULL, '[]')$$);
SELECT pg_temp.try($$SELECT act.subscribe('[]', NULL, '{"key":"k","by":"w"}')$$);
SELECT pg_temp.try($$SELECT act.subscribe('[]', NULL, '{"key":"","by":"w","millis":1}')$$);
SELECT pg_temp.try($$SELECT act.subscribe('[]', NULL, '{"key":"k","by":"w","millis":1,"x":1}')$$);
SELECT pg_temp.try($$SELECT act.subscribe('[]', NULL, '{"key":"k","by":"w","millis":1e12}')$$);
SELECT pg_temp.try($$SELECT act.subscribe('[{"stream":"m-1","correlated_at":"x"}]')$$);
SELECT pg_temp.try($$SELECT act.subscribe('[{"stream":"m-1","correlated_at":1.5}]')$$);
SELECT act.drop('co', 'events');
SELECT count(*) FROM act.correlation WHERE schema = 'co';
