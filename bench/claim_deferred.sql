-- act.claim's latency with deferred subscriptions (issue 12): deferred rows
-- are out of claim's work indexes, so they must not slow it. 10 pending
-- subscriptions alone, then beside 100,000 more pending ones, then with
-- those 100,000 deferred, then with all deferred; each figure is the mean
-- of 200 claims of 10 (each rolled back, so every claim sees the same rows).
-- Run in a database with act_pg (it creates and drops the store bd):
--   psql -X -At -f bench/claim_deferred.sql
SELECT act.seed('bd');
SET act.store = 'bd.events';
CREATE FUNCTION pg_temp.claim_ms(n int) RETURNS numeric LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz; i int;
BEGIN
  t0 := clock_timestamp();
  FOR i IN 1..n LOOP
    BEGIN
      PERFORM act.claim(10, 0, 'w', 60000);
      RAISE EXCEPTION 'rollback';
    EXCEPTION WHEN raise_exception THEN NULL;
    END;
  END LOOP;
  RETURN round((extract(epoch FROM clock_timestamp() - t0) * 1000 / n)::numeric, 3);
END $$;
SELECT count(*) FROM act.commit('o', '[{"name":"E","data":{}}]');
SELECT subscribed FROM act.subscribe((SELECT jsonb_agg(jsonb_build_object('stream', 't' || i, 'source', 'o')) FROM generate_series(1, 10) i));
VACUUM ANALYZE bd.events_streams;
\echo 10 subscriptions with work, claim(10) ms:
SELECT pg_temp.claim_ms(200);
SELECT subscribed FROM act.subscribe((SELECT jsonb_agg(jsonb_build_object('stream', 'd' || i, 'source', 'o')) FROM generate_series(1, 100000) i));
VACUUM ANALYZE bd.events_streams;
\echo 100,010 subscriptions with work, claim(10) ms:
SELECT pg_temp.claim_ms(200);
SELECT act.defer(now() + interval '1 day', stream => '^d');
VACUUM ANALYZE bd.events_streams;
\echo 100,000 of them deferred (10 not), claim(10) ms:
SELECT pg_temp.claim_ms(200);
SELECT act.defer(now() + interval '1 day');
VACUUM ANALYZE bd.events_streams;
\echo all 100,010 deferred, claim(10) ms:
SELECT pg_temp.claim_ms(200);
SELECT act.drop('bd', 'events');
