-- The plan-cache workload of issue 10, through one backend (bench/plan_cache.sh
-- runs it): 1,536 act.query shapes, then 512 act.query_stats shapes, then
-- 20 cycles of seed, use and drop of a store; every call a statement of
-- its own. After each stage, the backend's memory from
-- pg_backend_memory_contexts: the kept plans (CachedPlanSource with its
-- CachedPlanQuery, CachedPlan, SPI Plan) and the backend's total.
\set ON_ERROR_STOP 1
\o /dev/null
SELECT count(*) FROM act.commit('pc-1', '[{"name":"A","data":{}},{"name":"B","data":{}}]', '{"correlation":"c"}');
CREATE TEMP TABLE memory (stage text, plan_sources bigint, plans_bytes bigint, total_bytes bigint);
CREATE FUNCTION pg_temp.measure(stage text) RETURNS void LANGUAGE sql AS $$
    INSERT INTO memory
    SELECT stage, count(*) FILTER (WHERE name = 'CachedPlanSource'),
           sum(total_bytes) FILTER (WHERE name IN ('CachedPlanSource', 'CachedPlanQuery', 'CachedPlan', 'SPI Plan')),
           sum(total_bytes)
      FROM pg_backend_memory_contexts
$$;
SELECT pg_temp.measure('start');

-- Every act.query shape: stream none, regex or exact, times the nine
-- other arguments each given or not (3 * 2^9 = 1,536).
SELECT format('SELECT count(*) FROM act.query(stream => %s, stream_exact => %s, names => %s, after => %s,'
              ' before => %s, created_after => %s, created_before => %s, correlation => %s, max_rows => %s,'
              ' backward => %s, with_snaps => %s)',
              CASE i % 3 WHEN 0 THEN 'NULL' WHEN 1 THEN '''^pc-''' ELSE '''pc-1''' END, (i % 3 = 2)::text,
              CASE WHEN b & 1 <> 0 THEN '''{A}''' ELSE 'NULL' END,
              CASE WHEN b & 2 <> 0 THEN '0' ELSE 'NULL' END,
              CASE WHEN b & 4 <> 0 THEN '1000' ELSE 'NULL' END,
              CASE WHEN b & 8 <> 0 THEN '''2000-01-01''' ELSE 'NULL' END,
              CASE WHEN b & 16 <> 0 THEN '''3000-01-01''' ELSE 'NULL' END,
              CASE WHEN b & 32 <> 0 THEN '''c''' ELSE 'NULL' END,
              CASE WHEN b & 64 <> 0 THEN '10' ELSE 'NULL' END,
              (b & 128 <> 0)::text, (b & 256 <> 0)::text)
  FROM generate_series(0, 1535) i, LATERAL (SELECT i / 3 AS b) x
\gexec
SELECT pg_temp.measure('1,536 query shapes');

-- Every act.query_stats shape: no selection, a list, an exact stream or a
-- regex, times the seven other arguments each given or not (4 * 2^7 = 512).
SELECT format('SELECT count(*) FROM act.query_stats(streams => %s, stream => %s, stream_exact => %s, tail => %s,'
              ' count => %s, names => %s, exclude => %s, before => %s, after => %s, max_rows => %s)',
              CASE WHEN i % 4 = 1 THEN '''{pc-1}''' ELSE 'NULL' END,
              CASE i % 4 WHEN 2 THEN '''pc-1''' WHEN 3 THEN '''^pc''' ELSE 'NULL' END, (i % 4 = 2)::text,
              (b & 1 <> 0)::text, (b & 2 <> 0)::text, (b & 4 <> 0)::text,
              CASE WHEN b & 8 <> 0 THEN '''{B}''' ELSE 'NULL' END,
              CASE WHEN b & 16 <> 0 THEN '1000' ELSE 'NULL' END,
              CASE WHEN b & 32 <> 0 THEN '''a''' ELSE 'NULL' END,
              CASE WHEN b & 64 <> 0 THEN '10' ELSE 'NULL' END)
  FROM generate_series(0, 511) i, LATERAL (SELECT i / 4 AS b) x
\gexec
SELECT pg_temp.measure('+ 512 query_stats shapes');

-- 20 stores, each seeded, used by a small application (commit, reads,
-- stats, subscribe, claim, ack, subscription filters, truncate) and dropped.
SELECT unnest(ARRAY[
         format('SELECT act.seed(''plan_cache'', ''store_%s'')', c),
         format('SET act.store = ''plan_cache.store_%s''', c),
         'SELECT count(*) FROM act.commit(''s-1'', ''[{"name":"A","data":{}},{"name":"B","data":{}}]'')',
         'SELECT count(*) FROM act.commit(''s-2'', ''[{"name":"A","data":{}}]'', ''{}'', -1)',
         'SELECT count(*) FROM act.query(stream => ''s-1'', stream_exact => true)',
         'SELECT count(*) FROM act.query(after => 0, max_rows => 10)',
         'SELECT count(*) FROM act.query(stream => ''^s-'', names => ''{A}'', backward => true)',
         'SELECT act.max_event_id()',
         'SELECT count(*) FROM act.query_stats()',
         'SELECT count(*) FROM act.query_stats(stream => ''^s'', count => true, names => true)',
         'SELECT act.subscribe(''[{"stream":"w-1","source":"s-1"},{"stream":"w-2","source":"^s-"},{"stream":"w-3"}]'')',
         'SELECT count(*) FROM act.ack((SELECT coalesce(jsonb_agg(jsonb_build_object(''stream'', stream, ''by'', by, ''at'', 1)), ''[]'') FROM act.claim(3, 1, ''w'', 60000)))',
         'SELECT count(*) FROM act.block((SELECT coalesce(jsonb_agg(jsonb_build_object(''stream'', stream, ''by'', by, ''error'', ''e'')), ''[]'') FROM act.claim(1, 0, ''w'', 60000, ''default'')))',
         'SELECT act.unblock(blocked => true)',
         'SELECT act.prioritize(1, stream => ''^w-'')',
         'SELECT act.reset(streams => ''{w-1}'')',
         'SELECT count(*) FROM act.query_streams(source => ''s-1'', source_exact => true)',
         'SELECT count(*) FROM act.truncate(''[{"stream":"s-2","snapshot":{}}]'')',
         'RESET act.store',
         format('SELECT act.drop(''plan_cache'', ''store_%s'')', c)])
  FROM generate_series(1, 20) c
\gexec
SELECT act.max_event_id();
SELECT pg_temp.measure('+ 20 seed/use/drop cycles');

\o
SELECT stage, plan_sources, pg_size_pretty(plans_bytes) AS plans, pg_size_pretty(total_bytes) AS backend_total
  FROM memory;
