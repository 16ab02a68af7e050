-- act.query_stats: every option, the errors, and the plans.
SELECT act.seed('qs');
SET act.store = 'qs.events';
SELECT count(*) FROM act.commit('a-1', '[{"name":"A1","data":{"i":1}},{"name":"A2","data":{"i":2}}]', '{"correlation":"x"}');
SELECT count(*) FROM act.commit('b-1', '[{"name":"B1","data":{}}]');
SELECT count(*) FROM act.commit('a-1', '[{"name":"__snapshot__","data":{"state":2}},{"name":"A2","data":{"i":3}}]');
SELECT count(*) FROM act.commit('a-10', '[{"name":"A1","data":{}}]');
SELECT count(*) FROM act.commit('c-1', '[{"name":"__tombstone__","data":{}}]');
SELECT count(*) FROM act.commit('d-1', '[{"name":"D1","data":{}},{"name":"D2","data":{}}]');
SELECT id, name, stream, version FROM qs.events ORDER BY id;


-- No selector: every stream with events, by name; head only.
SELECT stream, (head).id, (head).name, (head).version, tail IS NULL AS no_tail, count, names FROM act.query_stats();
-- The head is a whole act.event.
SELECT (head).id, (head).name, (head).data, (head).stream, (head).version, (head).created IS NOT NULL AS created, (head).meta
  FROM act.query_stats(stream => 'a-1', stream_exact => true);
-- tail, count, names on request; snapshots and tombstones count.
SELECT stream, (head).id AS head, (tail).id AS tail, count, names IS NULL AS no_names FROM act.query_stats(tail => true, count => true);
SELECT stream, (head).id AS head, tail IS NULL AS no_tail, count IS NULL AS no_count, names FROM act.query_stats(names => true);
SELECT stream, (head).id AS head, (tail).id AS tail, count, names FROM act.query_stats(tail => true, count => true, names => true);

-- stream is a regular expression unless stream_exact.
SELECT stream, (head).id FROM act.query_stats(stream => 'a-1');
SELECT stream, (head).id FROM act.query_stats(stream => '^a-1$', count => true);
SELECT stream, (head).id FROM act.query_stats(stream => 'a-1', stream_exact => true);
SELECT stream, (head).id FROM act.query_stats(stream => '-1', stream_exact => true);
-- streams: exact names, in name order, each once; unknown and NULL names add nothing.
SELECT stream, (head).id, (tail).id AS tail FROM act.query_stats(streams => '{d-1,a-1,zz,a-1,NULL}', tail => true);
SELECT stream, (head).id, count FROM act.query_stats(streams => '{d-1,a-1,zz,a-1,NULL}', count => true);
-- An empty streams array returns nothing.
SELECT count(*) FROM act.query_stats(streams => '{}');
SELECT count(*) FROM act.query_stats(streams => '{}', count => true);

-- exclude drops names from every figure; a stream left with nothing is absent.
SELECT stream, (head).id AS head, (head).name, (tail).id AS tail, (tail).name AS tail_name
  FROM act.query_stats(tail => true, exclude => '{__snapshot__,__tombstone__,A1}');
SELECT stream, (head).id AS head, (tail).id AS tail, count, names
  FROM act.query_stats(tail => true, count => true, names => true, exclude => '{__snapshot__,__tombstone__,A1}');
SELECT count(*) FROM act.query_stats(exclude => '{}');  -- excludes nothing
-- before is an exclusive id cut: the stats as they were; later streams are absent.
SELECT stream, (head).id AS head, (head).name FROM act.query_stats(before => 4);
SELECT stream, (head).id AS head, count, names FROM act.query_stats(before => 4, count => true, names => true);
SELECT count(*) FROM act.query_stats(before => 0);
SELECT count(*) FROM act.query_stats(before => 0, count => true);

-- after and max_rows page by stream name.
SELECT stream FROM act.query_stats(max_rows => 2);
SELECT stream FROM act.query_stats(after => 'a-10', max_rows => 2);
SELECT stream FROM act.query_stats(after => 'c-1', max_rows => 2);
SELECT stream FROM act.query_stats(after => 'd-1');
SELECT stream FROM act.query_stats(after => 'a-10', max_rows => 2, count => true);
SELECT stream FROM act.query_stats(streams => '{d-1,c-1,b-1,a-1}', after => 'a-1', max_rows => 2);
SELECT stream FROM act.query_stats(stream => 'b-1', stream_exact => true, after => 'b-1');
SELECT stream FROM act.query_stats(stream => 'b-1', stream_exact => true, after => 'b-0');
SELECT count(*) FROM act.query_stats(max_rows => 0);
-- A page counts streams that have qualifying events only.
SELECT stream FROM act.query_stats(exclude => '{__snapshot__,__tombstone__,A1,A2}', max_rows => 2);
-- Paging through everything, two at a time.
DO $$
DECLARE
    last text;
    page text[];
    pages text := '';
BEGIN
    LOOP
        SELECT array_agg(stream) INTO page FROM act.query_stats(after => last, max_rows => 2);
        EXIT WHEN page IS NULL;
        pages := pages || array_to_string(page, ',') || ' | ';
        last := page[array_length(page, 1)];
    END LOOP;
    RAISE NOTICE 'pages: %', pages;
END $$;

-- Both plans agree: heads and tails alone and with count.
SELECT count(*) AS disagreements FROM (
    (SELECT stream, head, tail FROM act.query_stats(stream => '^[abd]', tail => true, exclude => '{A1}', before => 9)
     EXCEPT
     SELECT stream, head, tail FROM act.query_stats(stream => '^[abd]', tail => true, count => true, exclude => '{A1}', before => 9))
    UNION ALL
    (SELECT stream, head, tail FROM act.query_stats(stream => '^[abd]', tail => true, count => true, exclude => '{A1}', before => 9)
     EXCEPT
     SELECT stream, head, tail FROM act.query_stats(stream => '^[abd]', tail => true, exclude => '{A1}', before => 9))) d;

-- Bad input.
SELECT * FROM act.query_stats(streams => '{a-1}', stream => 'a');
SELECT * FROM act.query_stats(exclude => '{A1,NULL}');
SELECT * FROM act.query_stats(max_rows => -1);
SELECT * FROM act.query_stats(stream => '(');
BEGIN;
SET LOCAL act.store = 'nowhere.events';
SELECT * FROM act.query_stats();
ROLLBACK;

-- The plans. Heads and tails alone: streams are enumerated by a loose
-- index scan (one hop per stream) or taken from the list, and each head and
-- tail is one index probe; no scan of events. count and names: one scan.
SELECT act.seed('qs_plan');
SET act.store = 'qs_plan.events';
INSERT INTO qs_plan.events (name, data, stream, version)
SELECT CASE WHEN v % 5 = 4 THEN 'B' ELSE 'A' END, '{}', 's-' || lpad(s::text, 3, '0'), v
  FROM generate_series(1, 200) s, generate_series(0, 19) v ORDER BY v, s;
VACUUM ANALYZE qs_plan.events;
SELECT * FROM act._query_stats_plan();
SELECT * FROM act._query_stats_plan(tail => true, exclude => '{B}', before => 1000, after => 's-010', max_rows => 5);
SELECT * FROM act._query_stats_plan(stream => '^s-01', tail => true);
SELECT * FROM act._query_stats_plan(stream => 's-010', stream_exact => true, tail => true);
SELECT * FROM act._query_stats_plan(streams => '{s-001,s-002}', tail => true);
SELECT * FROM act._query_stats_plan(count => true, names => true, tail => true);
SELECT stream, (head).version AS head, (tail).version AS tail
  FROM act.query_stats(tail => true, exclude => '{B}', before => 1000, after => 's-010', max_rows => 3);
RESET act.store;
SELECT act.drop('qs', 'events'), act.drop('qs_plan', 'events');
