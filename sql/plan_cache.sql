-- The plans a backend keeps (act.plan_cache_size, least recently used
-- first) and that a store's plans go with the store.
--
-- Counted in pg_backend_memory_contexts: each kept statement is one
-- CachedPlanSource whose identifier is its SQL text, which names the store.
SELECT act.seed('plan_cache');
SET act.store = 'plan_cache.events';
SELECT count(*) FROM act.commit('pc-1', '[{"name":"A","data":{}},{"name":"B","data":{}}]',
                                '{"correlation":"c-1"}');
CREATE VIEW pg_temp.kept AS
  SELECT count(*) AS plans FROM pg_backend_memory_contexts
   WHERE name = 'CachedPlanSource' AND ident LIKE '%plan_cache.events %';

-- 48 shapes of act.query, each a statement of its own (all 11 filters on
-- or off), twice: the second pass prepares again what the bound evicted,
-- and both passes read the same rows.
SET act.plan_cache_size = 8;
SHOW act.plan_cache_size;
CREATE TEMP TABLE shapes AS
  SELECT i, format('SELECT count(*) FROM act.query(stream => %s, stream_exact => %s, names => %s, after => %s,'
                   ' before => %s, correlation => %s, max_rows => %s, backward => %s, with_snaps => %s)',
                   CASE i % 3 WHEN 0 THEN 'NULL' WHEN 1 THEN '''^pc-''' ELSE '''pc-1''' END, (i % 3 = 2)::text,
                   CASE WHEN i / 3 % 2 = 1 THEN '''{A,B}''' ELSE 'NULL' END,
                   CASE WHEN i / 6 % 2 = 1 THEN '0' ELSE 'NULL' END,
                   CASE WHEN i / 12 % 2 = 1 THEN '1000' ELSE 'NULL' END,
                   CASE WHEN i / 24 % 2 = 1 THEN '''c-1''' ELSE 'NULL' END,
                   CASE WHEN i % 4 = 1 THEN '10' ELSE 'NULL' END, (i % 5 = 1)::text, (i % 7 = 1)::text) AS sql
    FROM generate_series(0, 47) i;
CREATE TEMP TABLE counts (pass int, i int, rows bigint);
\set ECHO none
SELECT format('INSERT INTO counts SELECT 1, %s, (%s)', i, sql) FROM shapes ORDER BY i \gexec
\set ECHO all
SELECT plans <= 8 AS bounded FROM pg_temp.kept;
\set ECHO none
SELECT format('INSERT INTO counts SELECT 2, %s, (%s)', i, sql) FROM shapes ORDER BY i \gexec
\set ECHO all
SELECT plans <= 8 AS bounded FROM pg_temp.kept;
SELECT count(*) AS shapes, count(*) FILTER (WHERE a.rows = b.rows) AS same_rows
  FROM counts a JOIN counts b ON a.i = b.i AND a.pass = 1 AND b.pass = 2;

-- One statement with many calls: each call ends before the next begins,
-- so the bound holds within the statement too.
SELECT sum(n) FROM generate_series(1, 40) i,
  LATERAL (SELECT count(*) AS n FROM act.query(stream => 'pc-1', stream_exact => true, max_rows => i,
           names => CASE WHEN i % 2 = 0 THEN ARRAY['A'] END, backward => i % 3 = 0, with_snaps => i % 5 = 0,
           after => CASE WHEN i % 7 = 0 THEN 0 END)) q;
SELECT plans <= 8 AS bounded FROM pg_temp.kept;

-- Calls nest: a trigger on a store's table that calls act_pg runs inside
-- act.commit's INSERT. The inner calls prepare plans past the bound of 1,
-- and evict none that the outer call holds; one inner call fails (no such
-- store, caught), and its end is counted all the same: afterwards the
-- bound holds again.
SET act.plan_cache_size = 1;
CREATE FUNCTION plan_cache.nested() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM count(*) FROM act.query(stream => NEW.stream, stream_exact => true);
    PERFORM count(*) FROM act.query(stream => NEW.stream, stream_exact => true, backward => true);
    PERFORM count(*) FROM act.query_stats(streams => ARRAY[NEW.stream], count => true);
    BEGIN
        PERFORM set_config('act.store', 'plan_cache.none', true);
        PERFORM count(*) FROM act.query();
    EXCEPTION WHEN undefined_table THEN
        NULL;
    END;
    RETURN NEW;
END $$;
CREATE TRIGGER nested BEFORE INSERT ON plan_cache.events FOR EACH ROW EXECUTE FUNCTION plan_cache.nested();
SELECT name, version FROM act.commit('pc-2', '[{"name":"A","data":{}},{"name":"B","data":{}}]');
SELECT name, version FROM act.commit('pc-2', '[{"name":"C","data":{}}]');
DROP TRIGGER nested ON plan_cache.events;
DROP FUNCTION plan_cache.nested();
SET act.plan_cache_size = 8;
\set ECHO none
\o /dev/null
SELECT format('SELECT count(*) FROM (%s) x', sql) FROM shapes WHERE i < 20 ORDER BY i \gexec
\o
\set ECHO all
SELECT plans <= 8 AS bounded FROM pg_temp.kept;

-- A larger bound keeps more; the default is back after RESET.
SET act.plan_cache_size = 1000;
\set ECHO none
\o /dev/null
SELECT format('SELECT count(*) FROM (%s) x', sql) FROM shapes ORDER BY i \gexec
\o
\set ECHO all
SELECT plans > 8 AS kept_more FROM pg_temp.kept;
RESET act.plan_cache_size;
SHOW act.plan_cache_size;
SET act.plan_cache_size = 0;

-- A dropped store leaves no plans: they are freed by the next call.
SELECT act.seed('plan_cache', 'gone');
SET act.store = 'plan_cache.gone';
SELECT count(*) FROM act.commit('g', '[{"name":"A","data":{}}]');
SELECT count(*) FROM act.query(stream => 'g', stream_exact => true);
SELECT count(*) FROM act.query_stats();
SELECT count(*) > 0 AS kept_while_there FROM pg_backend_memory_contexts
 WHERE name = 'CachedPlanSource' AND ident LIKE '%plan_cache.gone%';
RESET act.store;
SELECT act.drop('plan_cache', 'gone');
SELECT act.max_event_id() IS NOT NULL AS next_call;
SELECT count(*) AS plans_of_dropped_store FROM pg_backend_memory_contexts
 WHERE name = 'CachedPlanSource' AND ident LIKE '%plan_cache.gone%';

-- A store that changes (act.seed again, here with notify) gets new plans:
-- the old ones are freed, and calls go on.
SET act.store = 'plan_cache.events';
SELECT count(*) FROM act.query(stream => 'pc-1', stream_exact => true);
SELECT act.seed('plan_cache', notify => true);
SELECT count(*) FROM act.query(stream => 'pc-1', stream_exact => true);
SELECT plans <= 2 AS old_plans_freed FROM pg_temp.kept;
RESET act.store;
SELECT act.drop('plan_cache', 'events');
