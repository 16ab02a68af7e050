#!/usr/bin/env bash
# act.query_stats: heads only (index probes) against count + names (one
# scan of the events), over STREAMS streams of EVENTS events each (default
# 10,000 x 100 = 1,000,000 events, committed interleaved across streams).
#
# Runs against the database psql reaches with the usual PG* variables, with
# act_pg installed (tools/build.sh), e.g.:
#   pg_virtualenv -v 15 bench/query_stats.sh
# Prints the median of RUNS runs of each call, and their ratio. Works in its
# own store, bench_stats.events, dropped at the end.
set -euo pipefail
STREAMS=${STREAMS:-10000}
EVENTS=${EVENTS:-100}
RUNS=${RUNS:-5}

psql -X -q -v ON_ERROR_STOP=1 -v streams="$STREAMS" -v events="$EVENTS" -v runs="$RUNS" <<'SQL'
\pset footer off
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS act_pg;
SELECT act.drop('bench_stats', 'events') \g /dev/null
SELECT act.seed('bench_stats') \g /dev/null
SET act.store = 'bench_stats.events';

\echo loading :streams streams x :events events
INSERT INTO bench_stats.events (name, data, stream, version, meta)
SELECT 'Event' || (v % 7), jsonb_build_object('v', v), 'stream-' || s, v, '{"correlation":"","causation":{}}'
  FROM generate_series(0, :events - 1) v, generate_series(1, :streams) s
 ORDER BY v, s;
VACUUM ANALYZE bench_stats.events;

-- The median time of `runs` runs of a query, in milliseconds.
CREATE FUNCTION pg_temp.median_ms(query text, runs int) RETURNS numeric
LANGUAGE plpgsql AS $$
DECLARE
    times numeric[] := '{}';
    t0 timestamptz;
    n bigint;
BEGIN
    FOR i IN 1..runs LOOP
        t0 := clock_timestamp();
        EXECUTE query INTO n;
        times := times || (extract(epoch FROM clock_timestamp() - t0) * 1000)::numeric;
    END LOOP;
    RETURN (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY t) FROM unnest(times) t)::numeric(12, 1);
END $$;

\echo streams reported (must be :streams):
SELECT (SELECT count(*) FROM act.query_stats()) AS heads_only,
       (SELECT count(*) FROM act.query_stats(count => true, names => true)) AS count_names;

WITH t AS (
    SELECT pg_temp.median_ms('SELECT count(*) FROM act.query_stats()', :runs) AS heads,
           pg_temp.median_ms('SELECT count(*) FROM act.query_stats(tail => true)', :runs) AS heads_tails,
           pg_temp.median_ms('SELECT count(*) FROM act.query_stats(count => true, names => true)', :runs) AS count_names,
           pg_temp.median_ms('SELECT count(*) FROM act.query_stats(streams => ARRAY[''stream-1'', ''stream-5000''], tail => true)', :runs) AS two_streams)
SELECT heads AS "heads only (ms)", heads_tails AS "heads+tails (ms)", count_names AS "count+names (ms)",
       round(count_names / nullif(heads, 0), 1) AS "ratio count+names / heads",
       two_streams AS "2 listed streams, heads+tails (ms)"
  FROM t;

SELECT act.drop('bench_stats', 'events') \g /dev/null
SQL
