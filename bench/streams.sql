-- The store bench_streams.events (see bench_streams_store in lib.sh):
-- 10,000 streams of 100 events, each written over a tenth of the log from
-- a random start, in one INSERT (ids follow the ORDER BY), as act.commit
-- would have left them (versions 0..99 in id order).
SELECT act.seed('bench_streams') \g /dev/null
SELECT setseed(0.42) \g /dev/null
INSERT INTO bench_streams.events (name, data, stream, version, meta)
SELECT 'Event' || (v % 7), jsonb_build_object('v', v), 'stream-' || s, v, '{"correlation": "", "causation": {}}'
  FROM (SELECT s, random() * 0.9 AS start FROM generate_series(1, 10000) s) o, generate_series(0, 99) v
 ORDER BY start + v * 0.001;
VACUUM ANALYZE bench_streams.events;
