-- The lock mode's horizon when the reader is behind (src/inflight.hpp):
-- 200 batch commits, each followed by act.max_event_id(), whose time
-- alone is summed: milliseconds per read. 250 events a batch: the reader
-- probes the 250 ids drawn since its last horizon; 300: it is past the
-- probe window and copies the lock table. One transaction, so the
-- reader's own marks never stop the probe: every id is probed. Run it in
-- any database with act_pg, as a superuser, alone and beside a session
-- that holds many locks, to see the copy grow and the probe not:
--   psql -X -At -f bench/horizon_probe.sql
BEGIN;
CREATE FUNCTION pg_temp.per_read(n int) RETURNS numeric LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz;
    spent interval := '0';
    batch jsonb := (SELECT coalesce(jsonb_agg(jsonb_build_object('name', 'E', 'data', '{}'::jsonb)), '[]') FROM generate_series(1, n));
BEGIN
    PERFORM act.max_event_id();
    FOR i IN 1 .. 200 LOOP
        PERFORM count(*) FROM act.commit('horizon-probe', batch);
        t0 := clock_timestamp();
        PERFORM act.max_event_id();
        spent := spent + (clock_timestamp() - t0);
    END LOOP;
    RETURN round(extract(epoch FROM spent)::numeric * 1000 / 200, 3);
END $$;
SELECT 'probe 250 ids' AS horizon, pg_temp.per_read(250) AS ms
UNION ALL
SELECT 'copy the lock table (300 ids behind)', pg_temp.per_read(300)
UNION ALL
SELECT 'nothing drawn since', pg_temp.per_read(0);
ROLLBACK;
