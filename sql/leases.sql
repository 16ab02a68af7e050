-- act.ack and act.block: only the lease holder changes a row; lease
-- arrays are checked element by element.
SELECT act.seed('ls');
SET act.store = 'ls.events';
CREATE FUNCTION pg_temp.try(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
SELECT count(*) FROM act.commit('x', '[{"name":"A","data":{}},{"name":"B","data":{}},{"name":"C","data":{}}]');
SELECT * FROM act.subscribe('[{"stream":"s-1"},{"stream":"s-2","source":"x"},{"stream":"s-3","lane":"slow"},{"stream":"s-4"}]');
SELECT stream, retry FROM act.claim(10, 0, 'w1', 60000);

-- ack moves the watermark, clears retry and the lease, and returns the
-- lease with "lagging" as given (false when absent).
SELECT * FROM act.ack('[{"stream":"s-1","by":"w1","at":3,"lagging":true},{"stream":"s-2","by":"w1","at":2}]');
SELECT stream, at, retry, leased_by, leased_until FROM ls.events_streams WHERE stream IN ('s-1', 's-2') ORDER BY 1;
-- Not the holder, not leased any more, or not a subscription: nothing.
SELECT * FROM act.ack('[{"stream":"s-3","by":"w2","at":3},{"stream":"s-1","by":"w1","at":1},{"stream":"nope","by":"w1","at":1}]');
SELECT stream, at, leased_by FROM ls.events_streams WHERE stream IN ('s-1', 's-3') ORDER BY 1;
-- A stream given twice counts once, with its last entry; a watermark lower
-- than the stored one is accepted and leaves it (it never moves back).
SELECT stream, at FROM act.claim(10, 0, 'w1', 60000) WHERE stream = 's-2';
SELECT * FROM act.ack('[{"stream":"s-2","by":"w1","at":3},{"stream":"s-2","by":"w1","at":1}]');
-- The leases act.claim returned can be passed back as they are, with the
-- new watermark: their other fields are ignored.
SELECT * FROM act.ack((SELECT jsonb_agg(to_jsonb(l) || '{"at": 3}') FROM act.claim(10, 0, 'w3', 60000) l));
-- An empty array changes nothing.
SELECT * FROM act.ack('[]');

-- block: rows leased by "by" (s-3 and s-4 still are) and not blocked yet;
-- the lease stays.
SELECT * FROM act.block('[{"stream":"s-4","by":"w1","error":"handler failed","lagging":true},{"stream":"s-1","by":"w2","error":"not mine"}]');
SELECT stream, blocked, error, leased_by, retry FROM ls.events_streams ORDER BY 1;
-- Already blocked: nothing. An empty error is still an error text.
SELECT * FROM act.block('[{"stream":"s-4","by":"w1","error":"again"},{"stream":"s-3","by":"w1","error":""}]');
SELECT stream, blocked, error FROM ls.events_streams WHERE stream IN ('s-3', 's-4') ORDER BY 1;
SELECT * FROM act.block('[]');

-- Bad input: 22004 for NULL, 22023 naming the element and field.
SELECT pg_temp.try($$SELECT act.ack(NULL)$$);
SELECT pg_temp.try($$SELECT act.block(NULL)$$);
SELECT pg_temp.try($$SELECT act.ack('{"stream":"s-1"}')$$);
SELECT pg_temp.try($$SELECT act.ack('[{"stream":"s-1","by":"w","at":1}, []]')$$);
SELECT pg_temp.try($$SELECT act.ack('[{"by":"w","at":1}]')$$);
SELECT pg_temp.try($$SELECT act.ack('[{"stream":1,"by":"w","at":1}]')$$);
SELECT pg_temp.try($$SELECT act.ack('[{"stream":"","by":"w","at":1}]')$$);
SELECT pg_temp.try($$SELECT act.ack('[{"stream":"s-1","at":1}]')$$);
SELECT pg_temp.try($$SELECT act.ack('[{"stream":"s-1","by":null,"at":1}]')$$);
SELECT pg_temp.try($$SELECT act.ack('[{"stream":"s-1","by":"","at":1}]')$$);
SELECT pg_temp.try($$SELECT act.ack('[{"stream":"s-1","by":"w"}]')$$);
SELECT pg_temp.try($$SELECT act.ack('[{"stream":"s-1","by":"w","at":"1"}]')$$);
SELECT pg_temp.try($$SELECT act.ack('[{"stream":"s-1","by":"w","at":1.5}]')$$);
SELECT pg_temp.try($$SELECT act.ack('[{"stream":"s-1","by":"w","at":-2}]')$$);
SELECT pg_temp.try($$SELECT act.ack('[{"stream":"s-1","by":"w","at":9223372036854775808}]')$$);
SELECT pg_temp.try($$SELECT act.ack('[{"stream":"s-1","by":"w","at":1,"lagging":"yes"}]')$$);
SELECT pg_temp.try($$SELECT act.block('[{"stream":"s-1","by":"w"}]')$$);
SELECT pg_temp.try($$SELECT act.block('[{"stream":"s-1","by":"w","error":{"message":"x"}}]')$$);
SELECT pg_temp.try($$SELECT act.block('[{"stream":"s-1","by":"w","error":"x","lagging":1}]')$$);
-- The hint shows a good element.
SELECT act.ack('[{"stream":"s-1","by":"w","at":"1"}]');
SELECT act.block('[{"stream":"s-1","by":"w"}]');
-- Nothing of a refused call was written.
SELECT stream, at, blocked, error, leased_by FROM ls.events_streams ORDER BY 1;

RESET act.store;
SELECT act.drop('ls', 'events');
