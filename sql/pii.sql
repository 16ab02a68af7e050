-- Personal data (the act framework's pii): kept in its own column apart
-- from data, returned by act.commit and act.query, never by
-- act.query_stats, and erased by act.forget_pii.
SELECT act.seed('pi');
SET act.store = 'pi.events';
CREATE FUNCTION pg_temp.try(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- One event (the single-row plan) and a batch; null is no pii.
SELECT id, name, data, pii FROM act.commit('u-1', '[{"name":"Registered","data":{"plan":"pro"},"pii":{"email":"a@example.com"}}]');
SELECT id, name, data, pii FROM act.commit('u-1', '[{"name":"Renamed","data":{},"pii":{"name":"Ann"}},{"name":"Paid","data":{"n":1}},{"name":"Noted","data":{},"pii":null}]');
SELECT id, name, data, pii FROM act.commit('u-2', '[{"name":"Registered","data":{},"pii":{"email":"b@example.com"}}]');
SELECT id, name, data, pii FROM act.commit('u-3', '[{"name":"Plain","data":{}}]', '{}'::text) ;
-- The text form of act.commit takes it too.
SELECT id, pii FROM act.commit('u-3', '[{"name":"Texted","data":{},"pii":{"phone":"1"}}]'::text, '{}'::text);
-- Kept apart: data never holds it.
SELECT id, data ? 'email' AS in_data, pii FROM pi.events ORDER BY id;
SELECT id, stream, pii FROM act.query(stream => '^u-');
SELECT stream, (head).pii AS head_pii, (tail).pii AS tail_pii FROM act.query_stats(tail => true);

-- forget_pii: the stream's events lose their pii (and nothing else);
-- other streams keep theirs; a second call finds none.
SELECT act.forget_pii('u-1');
SELECT act.forget_pii('u-1');
SELECT act.forget_pii('nope');
SELECT id, stream, name, data, pii FROM act.query(stream => '^u-');

-- Bad input.
SELECT pg_temp.try($$SELECT * FROM act.commit('x', '[{"name":"A","data":{},"pii":"secret"}]')$$);
SELECT pg_temp.try($$SELECT * FROM act.commit('x', '[{"name":"A","data":{},"pii":[1]}]')$$);
SELECT pg_temp.try($$SELECT * FROM act.commit('x', '[{"name":"A","data":{},"pii":{},"other":1}]')$$);
SELECT pg_temp.try($$SELECT * FROM act.commit('x', '[{"name":"A","data":{},"pii":{"n":"\u0000"}}]'::text)$$);
SELECT pg_temp.try($$SELECT act.forget_pii(NULL)$$);
SELECT pg_temp.try($$SELECT act.forget_pii('')$$);

-- act.restore takes a source's pii column when it has one (JSON null is
-- none), and none without one.
CREATE TABLE pg_temp.backup AS SELECT * FROM pi.events;
UPDATE pg_temp.backup SET pii = 'null' WHERE id = 6;
SELECT act.restore('pg_temp.backup');
SELECT id, stream, name, pii FROM act.query(stream => '^u-');
CREATE TABLE pg_temp.plain AS SELECT id, name, data, stream, version, created, meta FROM pi.events;
SELECT act.restore('pg_temp.plain');
SELECT count(*) FILTER (WHERE pii IS NOT NULL) AS with_pii FROM pi.events;
CREATE TABLE pg_temp.bad AS SELECT * FROM pg_temp.backup;
UPDATE pg_temp.bad SET pii = '[1]' WHERE id = 5;
SELECT pg_temp.try($$SELECT act.restore('pg_temp.bad')$$);
CREATE TABLE pii_badtype AS SELECT id, name, data, stream, version, created, meta, 1 AS pii FROM pg_temp.backup;
SELECT pg_temp.try($$SELECT act.restore('pii_badtype')$$);
SELECT count(*) FROM pi.events;
DROP TABLE pii_badtype;
SELECT act.drop('pi', 'events');
