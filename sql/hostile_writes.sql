-- Hostile input to the store's writing and reading functions: each gets a
-- clear error with a documented SQLSTATE, nothing is half-written, and the
-- backend keeps serving. (Consumers and maintenance: hostile_consumers.sql.)
\set SHOW_CONTEXT never
\set VERBOSITY sqlstate
SELECT act.seed('hostile');
SET act.store = 'hostile.events';
SELECT count(*) FROM act.commit('h-1', '[{"name":"Good","data":{}}]');

-- Malformed JSON (22P02), in the text and the jsonb form.
SELECT * FROM act.commit('h-1', '[');
SELECT * FROM act.commit('h-1', '');
SELECT * FROM act.commit('h-1', '[{"name":"A","data":{}},]');
SELECT * FROM act.commit('h-1', '[{"name":"A","data":{}}]', '{"a":}');
SELECT * FROM act.commit('h-1', '[{name:"A"}]'::jsonb);
-- Wrongly typed JSON (22023).
SELECT * FROM act.commit('h-1', 'null');
SELECT * FROM act.commit('h-1', '{}');
SELECT * FROM act.commit('h-1', '42');
SELECT * FROM act.commit('h-1', 'true');
SELECT * FROM act.commit('h-1', '"[]"');
SELECT * FROM act.commit('h-1', '[null]');
SELECT * FROM act.commit('h-1', '[[]]');
SELECT * FROM act.commit('h-1', '[{"name":null,"data":{}}]');
SELECT * FROM act.commit('h-1', '[{"name":["A"],"data":{}}]');
SELECT * FROM act.commit('h-1', '[{"name":"A","data":null}]');
SELECT * FROM act.commit('h-1', '[{"name":"A","data":"x"}]');
SELECT * FROM act.commit('h-1', '[{"name":"A","data":{}}]', 'null');
SELECT * FROM act.commit('h-1', '[{"name":"A","data":{}}]', '"meta"');
-- Missing and extra fields (22023).
SELECT * FROM act.commit('h-1', '[{}]');
SELECT * FROM act.commit('h-1', '[{"data":{}}]');
SELECT * FROM act.commit('h-1', '[{"name":"A","data":{},"version":9}]');
SELECT * FROM act.commit('h-1', '[{"name":"A","data":{},"id":1}]');
-- Empty and very long names (22023).
SELECT * FROM act.commit('', '[{"name":"A","data":{}}]');
SELECT * FROM act.commit('h-1', '[{"name":"","data":{}}]');
SELECT * FROM act.commit(repeat('s', 1024 * 1024), '[{"name":"A","data":{}}]');
SELECT * FROM act.commit('h-1', format('[{"name":"%s","data":{}}]', repeat('n', 1024 * 1024)));
-- Deeply nested data: too deep for the parser (54001); deep but fine is kept.
SELECT * FROM act.commit('h-1', '[{"name":"A","data":{"x":' || repeat('[', 100000) || repeat(']', 100000) || '}}]');
SELECT version FROM act.commit('h-deep', '[{"name":"A","data":{"x":' || repeat('[', 500) || repeat(']', 500) || '}}]');
-- NUL characters (22P05).
SELECT * FROM act.commit('h-1', '[{"name":"A\u0000","data":{}}]');
SELECT * FROM act.commit('h-1', '[{"name":"A","data":{"\u0000":1}}]');
SELECT * FROM act.commit('h-1', '[{"name":"A","data":{}}]', '{"c":"\u0000"}');
SELECT * FROM act.commit('h-1', '[{"name":"A","data":{"s":"\u0000"}}]'::jsonb);
-- NULL in every argument (22004), or the documented meaning of NULL.
SELECT * FROM act.commit(NULL, '[{"name":"A","data":{}}]');
SELECT * FROM act.commit('h-1', NULL::jsonb);
SELECT * FROM act.commit('h-1', '[{"name":"A","data":{}}]'::jsonb, NULL::jsonb);
SELECT version FROM act.commit('h-1', '[{"name":"NullVersion","data":{}}]', '{}', NULL);  -- NULL: no check
SELECT count(*) FROM act.query(NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
-- Negative, zero and huge numbers.
SELECT * FROM act.commit('h-1', '[{"name":"A","data":{}}]', expected_version => -2);
SELECT * FROM act.commit('h-1', '[{"name":"A","data":{}}]', expected_version => 2147483647);
SELECT * FROM act.commit('h-1', '[{"name":"A","data":{}}]', expected_version => 2147483648);
SELECT * FROM act.query(max_rows => -1);
SELECT count(*) FROM act.query(max_rows => 0);
SELECT count(*) FROM act.query(max_rows => 2147483647);
SELECT count(*) FROM act.query(after => -9223372036854775808);
SELECT count(*) FROM act.query(after => 9223372036854775807);
SELECT count(*) FROM act.query(before => -1);
SELECT count(*) FROM act.query(created_after => 'infinity');
SELECT count(*) FROM act.query(created_before => '-infinity');
-- Invalid regular expressions (2201B).
SELECT * FROM act.query(stream => '(');
SELECT * FROM act.query(stream => 'a{2,1}');
SELECT * FROM act.query(stream => '\');
SELECT * FROM act.query(stream => '(?<x>a)');
-- ... also when no row reaches the match (a generic plan compiles the
-- expression only then).
SET plan_cache_mode = force_generic_plan;
SELECT * FROM act.query(stream => '(', before => 0);
SELECT * FROM act.query(stream => ')', names => '{}');
RESET plan_cache_mode;
-- A regular expression that takes very long is cancelled by statement_timeout (57014).
SELECT count(*) FROM act.commit(repeat('a', 255), '[{"name":"A","data":{}}]');
SET statement_timeout = '300ms';
SELECT count(*) FROM act.query(stream => '^(a?){255}(a?){255}a{255}\1\2$');
RESET statement_timeout;
-- Identifiers that try SQL injection (42602), in act.seed, act.drop and act.store.
SELECT act.seed('x; DROP TABLE act.events');
SELECT act.seed('hostile', 'events; DROP TABLE act.events');
SELECT act.seed('"act"');
SELECT act.seed('pg_catalog"."events');
SELECT act.drop('hostile', 'events"; --');
SET act.store = 'hostile.events; DROP TABLE act.events';
SELECT * FROM act.query();
SET act.store = 'hostile."events"';
SELECT * FROM act.query();
SET act.store = '';
SELECT * FROM act.query();
SET act.store = 'a.b.c';
SELECT * FROM act.query();
SET act.store = 'hostile.events';

-- Nothing was half-written, and the backend serves on.
\set VERBOSITY default
SELECT stream, name, version FROM hostile.events WHERE stream <> repeat('a', 255) ORDER BY id;
SELECT to_regclass('act.events') IS NOT NULL AS default_store_intact;
SELECT count(*) FROM act.commit('h-1', '[{"name":"After","data":{}}]', expected_version => 1);
RESET act.store;
SELECT act.drop('hostile', 'events');
