-- act.truncate with windowed targets ("before", "max_id"): the prefix
-- before the latest qualifying __snapshot__ goes, that snapshot and the
-- tail stay. Full targets keep the stream's subscription row.
SELECT act.seed('tw');
SET act.store = 'tw.events';
CREATE FUNCTION pg_temp.try(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
-- Events with fixed creation times: s gets A(1) snap(2) B(3) snap(4) C(5) snap(6).
SELECT count(*) FROM act.commit('s', '[{"name":"A","data":{}},{"name":"__snapshot__","data":{"n":1}},{"name":"B","data":{}},{"name":"__snapshot__","data":{"n":2}},{"name":"C","data":{},"pii":{"p":1}},{"name":"__snapshot__","data":{"n":3}}]');
UPDATE tw.events SET created = '2026-01-01 00:00+00'::timestamptz + (id || ' hours')::interval;
SELECT count(*) FROM act.commit('other', '[{"name":"__snapshot__","data":{}},{"name":"Z","data":{}}]');

-- No snapshot created before "before": no row, nothing deleted.
SELECT * FROM act.truncate('[{"stream":"s","before":"2026-01-01T01:30:00Z"}]');
-- The latest snapshot created before 04:30 is event 4: events 1 to 3 go.
SELECT stream, deleted, (committed).id, (committed).name, (committed).data, before
FROM act.truncate('[{"stream":"s","before":"2026-01-01T04:30:00Z"}]');
SELECT id, name FROM tw.events WHERE stream = 's' ORDER BY id;
-- max_id caps the boundary: before the end of time but id <= 5 is event 4
-- again; nothing is left below it.
SELECT stream, deleted, (committed).id FROM act.truncate('[{"stream":"s","before":"2100-01-01T00:00:00Z","max_id":5}]');
-- Without the cap, event 6: 4 and 5 go (and 5's pii with it). snapshot and
-- meta are ignored on a windowed target; a stream with no events gives no
-- row.
SELECT stream, deleted, (committed).id, (committed).name FROM act.truncate(
    '[{"stream":"s","before":"2100-01-01T00:00:00Z","snapshot":{"x":1},"meta":{"y":1}},{"stream":"nope","before":"2100-01-01T00:00:00Z"}]');
SELECT id, name, version FROM tw.events ORDER BY id;
-- Windowed and full targets in one call.
SELECT stream, deleted, (committed).name, before IS NULL AS full FROM act.truncate(
    '[{"stream":"other","before":"2100-01-01T00:00:00Z"},{"stream":"s","before":null}]');

-- Marks that pointed into a cut prefix are taken back: t's source had a
-- last event (B, id 10) behind a snapshot; once cut, t has no work.
SELECT count(*) FROM act.commit('src', '[{"name":"B","data":{}},{"name":"__snapshot__","data":{}}]');
SELECT subscribed FROM act.subscribe('[{"stream":"t","source":"src"}]');
SELECT stream, mark FROM tw.events_streams WHERE stream = 't';
SELECT stream, deleted FROM act.truncate('[{"stream":"src","before":"2100-01-01T00:00:00Z"}]');
SELECT stream, mark FROM tw.events_streams WHERE stream = 't';
SELECT stream FROM act.claim(10, 10, 'w', 60000);

-- A full truncate leaves the stream's own subscription row, with its
-- watermark.
SELECT count(*) FROM act.commit('kept', '[{"name":"A","data":{}}]');
SELECT subscribed FROM act.subscribe('[{"stream":"kept","source":"kept"}]');
SELECT stream FROM act.claim(10, 10, 'w', 60000);
SELECT stream, at FROM act.ack('[{"stream":"kept","by":"w","at":12}]');
SELECT stream, deleted, (committed).name FROM act.truncate('[{"stream":"kept"}]');
SELECT stream, source, at FROM act.query_streams(stream => 'kept', stream_exact => true);

-- Bad input: each names the target.
SELECT pg_temp.try($$SELECT * FROM act.truncate('[{"stream":"s","before":1}]')$$);
SELECT pg_temp.try($$SELECT * FROM act.truncate('[{"stream":"s","before":"yesterday-ish"}]')$$);
SELECT pg_temp.try($$SELECT * FROM act.truncate('[{"stream":"s","before":"2026-01-01","max_id":"1"}]')$$);
SELECT pg_temp.try($$SELECT * FROM act.truncate('[{"stream":"s","before":"2026-01-01","max_id":1.5}]')$$);
SELECT pg_temp.try($$SELECT * FROM act.truncate('[{"stream":"s","before":"2026-01-01","max_id":1e30}]')$$);
SELECT act.drop('tw', 'events');
