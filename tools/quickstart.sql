-- act_pg quickstart: one SQL call per operation.
CREATE EXTENSION act_pg;

-- Commit two events to a new stream (expected_version -1: the stream is new).
SELECT id, name, stream, version, data
  FROM act.commit('order-42',
                  '[{"name":"OrderPlaced","data":{"sku":"A-1","qty":2}},
                    {"name":"OrderPaid","data":{"amount":40}}]',
                  meta => '{"correlation":"c-1","causation":{}}',
                  expected_version => -1);

-- Another writer that read version 1 appends: fine.
SELECT id, name, version FROM act.commit('order-42', '[{"name":"OrderShipped","data":{}}]', expected_version => 1);

-- A writer that still thinks the stream is at version 1 loses: SQLSTATE AC001.
SELECT id, name, version FROM act.commit('order-42', '[{"name":"OrderCancelled","data":{}}]', expected_version => 1);

-- Read the stream back, and everything after id 1.
SELECT id, name, version FROM act.query(stream => 'order-42', stream_exact => true);
SELECT id, name, stream FROM act.query(after => 1);

-- A consumer: subscribe a projection to the stream, lease the streams that
-- have work, read their events, acknowledge the last one read.
SELECT * FROM act.subscribe('[{"stream":"order-42-projection","source":"order-42"}]');
SELECT stream, source, at, retry FROM act.claim(lagging => 10, lead => 0, by => 'worker-1', millis => 30000);
SELECT id, name FROM act.query(stream => 'order-42', stream_exact => true, after => -1);
SELECT stream, at FROM act.ack('[{"stream":"order-42-projection","by":"worker-1","at":3}]');
-- Nothing left to do until the next commit to order-42.
SELECT count(*) AS leased FROM act.claim(10, 0, 'worker-1', 30000);

-- Per-stream figures: the head (latest event) always; tail, count and names on request.
SELECT stream, (head).name AS head, (tail).name AS tail, count, names
  FROM act.query_stats(tail => true, count => true, names => true);
