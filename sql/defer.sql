-- act.defer and due-marked act.ack: deferred subscriptions are held out of
-- act.claim until due; ack, block, reset and unblock clear the schedule.
SELECT act.seed('df');
SET act.store = 'df.events';
CREATE FUNCTION pg_temp.try(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
-- Milliseconds since the epoch of a time, as the framework's Lease.due.
CREATE FUNCTION pg_temp.ms(t timestamptz) RETURNS bigint LANGUAGE sql AS $$
    SELECT (extract(epoch FROM t) * 1000)::bigint
$$;
CREATE FUNCTION pg_temp.rows() RETURNS TABLE (stream text, at bigint, retry int, deferred_at timestamptz, leased_by text)
LANGUAGE sql AS $$
    SELECT stream, at, retry, deferred_at, leased_by FROM df.events_streams ORDER BY stream
$$;
SELECT count(*) FROM act.commit('o', '[{"name":"A","data":{}},{"name":"B","data":{}}]');
SELECT subscribed FROM act.subscribe('[{"stream":"t-1","source":"o"},{"stream":"t-2","source":"o"},{"stream":"t-3","source":"o","lane":"slow"}]');

-- defer by name: held until the time; the retry count starts again; the
-- count is of the rows matched (an unknown name counts for nothing).
SELECT act.defer('2100-01-01 00:00+00', streams => ARRAY['t-1', 'nope']);
SELECT * FROM pg_temp.rows();
SELECT stream, at, retry FROM act.claim(10, 10, 'w1', 60000);
-- query_streams shows the schedule.
SELECT stream, deferred_at FROM act.query_streams(stream => 't-1', stream_exact => true);
-- Due (a time in the past): the next claim releases and leases it.
SELECT act.defer('2000-01-01 00:00+00', streams => ARRAY['t-1']);
SELECT stream, at, retry FROM act.claim(10, 10, 'w1', 60000);
SELECT * FROM pg_temp.rows();

-- ack with "due": the watermark advances, the lease is cleared, the stream
-- is held with the lease's retry; it is not returned. The plain ack of the
-- same batch is returned and clears retry.
SELECT * FROM act.ack(jsonb_build_array(
    jsonb_build_object('stream', 't-1', 'by', 'w1', 'at', 1, 'retry', 3, 'due', pg_temp.ms('2100-01-01 00:00+00')),
    jsonb_build_object('stream', 't-2', 'by', 'w1', 'at', 2)));
SELECT * FROM pg_temp.rows();
SELECT stream FROM act.claim(10, 10, 'w1', 60000);
-- A due in the past: claimable at once, from the advanced watermark, and
-- the retry budget keeps counting.
SELECT act.defer('2000-01-01 00:00+00', streams => ARRAY['t-1']);
UPDATE df.events_streams SET retry = 3 WHERE stream = 't-1';
SELECT stream, at, retry FROM act.claim(10, 10, 'w2', 60000);
-- "retry" absent with "due": -1 (a deliberate defer is not a failure).
SELECT * FROM act.ack(jsonb_build_array(jsonb_build_object('stream', 't-1', 'by', 'w2', 'at', 1, 'due', pg_temp.ms('2100-01-01 00:00+00'))));
SELECT * FROM pg_temp.rows();
-- A plain ack clears the schedule (t-1 is deferred but still leased by w1
-- here after a defer of a leased row).
SELECT act.defer('2000-01-01 00:00+00', streams => ARRAY['t-1']);
SELECT stream FROM act.claim(1, 0, 'w3', 60000);
SELECT act.defer('2100-01-01 00:00+00', streams => ARRAY['t-1']);
SELECT stream, leased_by, deferred_at IS NOT NULL AS deferred FROM df.events_streams WHERE stream = 't-1';
SELECT stream, at FROM act.ack('[{"stream":"t-1","by":"w3","at":2}]');
SELECT * FROM pg_temp.rows();

-- defer by filter (regex, exact, lane, blocked); none means all.
SELECT act.defer('2100-01-01 00:00+00', stream => '^t-[12]$');
SELECT act.defer('2100-01-01 00:00+00', lane => 'slow');
SELECT act.defer('2100-01-01 00:00+00', blocked => true);
SELECT act.defer('2100-01-01 00:00+00');
SELECT stream, deferred_at FROM act.query_streams();
-- reset and unblock clear it.
SELECT act.reset(streams => ARRAY['t-1']);
SELECT stream, deferred_at FROM act.query_streams(stream => 't-1', stream_exact => true);
SELECT count(*) FROM act.commit('o', '[{"name":"C","data":{}}]');
SELECT act.defer('2000-01-01 00:00+00', streams => ARRAY['t-2']);
SELECT stream FROM act.claim(10, 10, 'w4', 60000) WHERE stream = 't-2';
SELECT act.defer('2100-01-01 00:00+00', streams => ARRAY['t-2']);
SELECT stream, error FROM act.block('[{"stream":"t-2","by":"w4","error":"boom"}]');
SELECT stream, blocked, deferred_at FROM act.query_streams(stream => 't-2', stream_exact => true);
SELECT act.defer('2100-01-01 00:00+00', streams => ARRAY['t-2']);
SELECT act.unblock(streams => ARRAY['t-2']);
SELECT stream, blocked, deferred_at FROM act.query_streams(stream => 't-2', stream_exact => true);

-- A deferred row leaves claim's work indexes: claim reads the index of
-- deferred rows only for those that are due.
SELECT act.defer('2100-01-01 00:00+00');
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT stream FROM df.events_streams WHERE deferred_at <= statement_timestamp();
RESET enable_seqscan;
SELECT indexrelid::regclass, pg_get_expr(indpred, indrelid) FROM pg_index
WHERE indrelid = 'df.events_streams'::regclass AND indpred IS NOT NULL ORDER BY 1;

-- Bad input.
SELECT pg_temp.try($$SELECT act.defer(NULL)$$);
SELECT pg_temp.try($$SELECT act.defer(now(), stream => '(')$$);
SELECT pg_temp.try($$SELECT act.ack('[{"stream":"t-1","by":"w","at":1,"due":"soon"}]')$$);
SELECT pg_temp.try($$SELECT act.ack('[{"stream":"t-1","by":"w","at":1,"due":1.5}]')$$);
SELECT pg_temp.try($$SELECT act.ack('[{"stream":"t-1","by":"w","at":1,"due":8640000000000001}]')$$);
SELECT pg_temp.try($$SELECT act.ack('[{"stream":"t-1","by":"w","at":1,"due":-8640000000000000}]')$$);
SELECT pg_temp.try($$SELECT act.ack('[{"stream":"t-1","by":"w","at":1,"due":0,"retry":-2}]')$$);
SELECT pg_temp.try($$SELECT act.ack('[{"stream":"t-1","by":"w","at":1,"due":0,"retry":"x"}]')$$);
-- Without "due", "retry" is ignored, as every other field of a lease.
SELECT pg_temp.try($$SELECT act.ack('[{"stream":"t-1","by":"w","at":1,"retry":"x"}]')$$);
SELECT act.drop('df', 'events');
