-- act.truncate takes back the work its deleted events gave consumers: a
-- stream truncated to a snapshot has no work for them, one truncated to a
-- tombstone has (found by the randomized model check).
SELECT act.seed('tm');
SET act.store = 'tm.events';
SELECT subscribed FROM act.subscribe('[{"stream":"proj-lit","source":"src"},{"stream":"proj-pat","source":"^sr"}]');
SELECT count(*) FROM act.commit('src', '[{"name":"A","data":{}}]');
-- both are caught up
SELECT count(*) FROM act.claim(10, 0, 'w', 60000);
SELECT count(*) FROM act.ack(jsonb_build_array(jsonb_build_object('stream', 'proj-lit', 'by', 'w', 'at', 1),
                                               jsonb_build_object('stream', 'proj-pat', 'by', 'w', 'at', 1)));
SELECT count(*) FROM act.claim(10, 0, 'w', 60000);
-- new events: work for both
SELECT count(*) FROM act.commit('src', '[{"name":"B","data":{}}]');
-- truncated to a snapshot before anyone claimed: no work left
SELECT stream, deleted, (committed).name FROM act.truncate('[{"stream":"src","snapshot":{"n":2}}]');
SELECT stream FROM act.claim(10, 0, 'w', 60000) ORDER BY stream;
-- truncated to a tombstone: work for both
SELECT stream, deleted, (committed).name FROM act.truncate('[{"stream":"src"}]');
SELECT stream, at FROM act.claim(10, 0, 'w', 60000) ORDER BY stream;
RESET act.store;
SELECT act.drop('tm', 'events');
