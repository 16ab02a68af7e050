-- act.query_streams, act.reset, act.unblock and act.prioritize: names or
-- filters, and what each changes.
SELECT act.seed('sb');
SET act.store = 'sb.events';
CREATE FUNCTION pg_temp.try(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
SELECT count(*) FROM act.commit('order-1', '[{"name":"A","data":{}},{"name":"B","data":{}}]');
SELECT * FROM act.subscribe('[{"stream":"proj-orders","source":"order-1"},{"stream":"proj-all"},
    {"stream":"proj-pattern","source":"^order-","lane":"slow"},{"stream":"react-1","source":"order-1","priority":2},
    {"stream":"react-2","lane":"slow"}]');
-- Positions: all leased, then proj-orders and react-2 blocked, proj-all and
-- react-1 acknowledged at 2.
SELECT count(*) FROM act.claim(10, 0, 'w', 60000);
SELECT stream FROM act.block('[{"stream":"proj-orders","by":"w","error":"e1"},{"stream":"react-2","by":"w","error":"e2"}]');
SELECT stream FROM act.ack('[{"stream":"proj-all","by":"w","at":2},{"stream":"react-1","by":"w","at":2}]');

-- query_streams: rows by stream name, error '' when none.
SELECT stream, source, at, retry, blocked, error, leased_by, leased_until > now() AS leased, priority, lane
  FROM act.query_streams();
SELECT act.max_event_id();
-- Each filter.
SELECT stream FROM act.query_streams(streams => '{react-1,proj-all,nope}');
SELECT stream FROM act.query_streams(streams => '{}');
SELECT stream FROM act.query_streams(stream => 'all');
SELECT stream FROM act.query_streams(stream => '^react-');
SELECT stream FROM act.query_streams(stream => 'react', stream_exact => true);
SELECT stream FROM act.query_streams(stream => 'react-1', stream_exact => true);
SELECT stream FROM act.query_streams(source => 'order');
SELECT stream FROM act.query_streams(source => 'order-1', source_exact => true);
SELECT stream FROM act.query_streams(source => '^order-', source_exact => true);
-- A row with no source never matches a source filter, not even one that
-- matches any text.
SELECT stream FROM act.query_streams(source => '');
SELECT stream FROM act.query_streams(blocked => true);
SELECT stream FROM act.query_streams(blocked => false);
SELECT stream FROM act.query_streams(lane => 'slow');
SELECT stream FROM act.query_streams(lane => 'nope');
-- Filters combine; exact flags without their filter are ignored.
SELECT stream FROM act.query_streams(stream => '^proj-', source => 'order', blocked => false, lane => 'slow');
SELECT stream FROM act.query_streams(streams => '{proj-all,proj-orders,react-1}', stream => 'proj', blocked => false);
SELECT count(*) FROM act.query_streams(stream_exact => true, source_exact => true);
-- Keyset paging.
SELECT stream FROM act.query_streams(max_rows => 2);
SELECT stream FROM act.query_streams(after => 'proj-orders', max_rows => 2);
SELECT stream FROM act.query_streams(after => 'react-2');
SELECT count(*) FROM act.query_streams(max_rows => 0);
SELECT count(*) FROM act.query_streams(max_rows => NULL);

-- prioritize sets the priority outright and counts the rows it changed.
SELECT act.prioritize(2, stream => '^react-');
SELECT act.prioritize(-5, streams => '{proj-all}');
SELECT act.prioritize(0);
SELECT stream, priority FROM act.query_streams();

-- unblock: blocked rows only; retry -1, error and lease cleared, watermark kept.
SELECT act.unblock(lane => 'default');
SELECT stream, at, retry, blocked, error, leased_by FROM act.query_streams();
SELECT act.unblock(streams => '{proj-orders}');
SELECT act.unblock();
SELECT stream, at, retry, blocked, error, leased_by FROM act.query_streams();

-- reset: watermark and retry -1, unblocked, error and lease cleared; counts
-- the rows it matched.
SELECT stream FROM act.block('[{"stream":"proj-pattern","by":"w","error":"e3"}]');
SELECT act.reset(source => 'order-1', source_exact => true);
SELECT stream, at, retry, blocked, error, leased_by FROM act.query_streams();
SELECT act.reset(blocked => true);
SELECT act.reset(streams => '{}');
SELECT act.reset();
SELECT stream, at, retry, blocked, error, leased_by, leased_until FROM act.query_streams();
-- Reset rows have work again.
SELECT stream, at, retry FROM act.claim(10, 0, 'w', 60000);

-- Bad input.
SELECT pg_temp.try($$SELECT act.query_streams(max_rows => -1)$$);
SELECT pg_temp.try($$SELECT act.query_streams(stream => '(')$$);
SELECT pg_temp.try($$SELECT act.query_streams(source => '*')$$);
SELECT pg_temp.try($$SELECT act.reset(stream => '[')$$);
SELECT pg_temp.try($$SELECT act.unblock(source => '(')$$);
SELECT pg_temp.try($$SELECT act.prioritize(NULL)$$);
SELECT pg_temp.try($$SELECT act.prioritize(1, stream => '(')$$);

-- Who may call what (README, Privileges): a reader reads positions, a
-- worker also consumes, only an admin resets, unblocks and prioritizes.
CREATE ROLE sb_reader IN ROLE act_reader;
CREATE ROLE sb_worker IN ROLE act_worker;
GRANT SELECT ON sb.events, sb.events_streams TO sb_reader, sb_worker;
GRANT USAGE ON SCHEMA sb TO sb_reader, sb_worker;
SET ROLE sb_reader;
SELECT count(*) FROM act.query_streams();
SELECT pg_temp.try($$SELECT act.subscribe('[]')$$);
SELECT pg_temp.try($$SELECT act.claim(1, 0, 'r', 1000)$$);
SELECT pg_temp.try($$SELECT act.ack('[]')$$);
SELECT pg_temp.try($$SELECT act.block('[]')$$);
RESET ROLE;
SET ROLE sb_worker;
SELECT * FROM act.subscribe('[]');
SELECT stream FROM act.ack('[{"stream":"proj-all","by":"w","at":0}]');
SELECT pg_temp.try($$SELECT act.reset()$$);
SELECT pg_temp.try($$SELECT act.unblock()$$);
SELECT pg_temp.try($$SELECT act.prioritize(1)$$);
-- Writing the table directly is refused.
SELECT pg_temp.try($$UPDATE sb.events_streams SET at = 100$$);
RESET ROLE;
DROP OWNED BY sb_reader, sb_worker;
DROP ROLE sb_reader, sb_worker;

RESET act.store;
SELECT act.drop('sb', 'events');
