-- Loops over a call's input answer a cancel: a large input with a short
-- statement_timeout stops with 57014, not after the whole input was read.
-- Each input ends with a bad element, so a loop that ignored the timeout
-- would reach it and raise 22023 instead. 200,000 elements take a check
-- loop well over 10 ms, also on a fast machine (2,000,000 events took 1.5 s).
SELECT act.seed('interrupts');
SET act.store = 'interrupts.events';
CREATE TEMP TABLE big AS
  SELECT (SELECT jsonb_agg(jsonb_build_object('name', 'E', 'data', jsonb_build_object('i', i)))
            || '[{"name": "E"}]' FROM generate_series(1, 200000) i) AS events,
         (SELECT jsonb_agg(jsonb_build_object('stream', 's-' || i))
            || '[{"stream": ""}]' FROM generate_series(1, 200000) i) AS targets;
\set VERBOSITY sqlstate
SET statement_timeout = '10ms';
SELECT count(*) FROM big, act.commit('s', big.events);
SELECT count(*) FROM big, act.truncate(big.targets);
RESET statement_timeout;
-- Without a timeout the same inputs meet their bad element.
SELECT count(*) FROM big, act.commit('s', big.events);
SELECT count(*) FROM big, act.truncate(big.targets);
\set VERBOSITY default
SELECT count(*) AS committed FROM interrupts.events;
RESET act.store;
SELECT act.drop('interrupts', 'events');
