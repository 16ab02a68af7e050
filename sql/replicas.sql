-- Horizons published for hot standbys (README, "Running on replicas"):
-- act.publish_horizon() writes each store's horizon when it moved; the row
-- goes with act.drop and act.restore. The standby side and the publisher
-- worker are tested by test/t/011_standby_follower.pl.
SELECT act.seed('repl');
SET act.store = 'repl.events';
SELECT count(*) FROM generate_series(1, 3) g, act.commit('r-' || g, '[{"name":"E","data":{}}]');
SELECT act.publish_horizon() > 0 AS published;
SELECT horizon, published <= now() AS dated FROM act.horizons WHERE schema = 'repl';
SELECT horizon = act.max_event_id() + 1 AS one_past_max FROM act.horizons WHERE schema = 'repl';
-- Unchanged: nothing written.
SELECT act.publish_horizon();
SELECT count(*) FROM act.commit('r-1', '[{"name":"E","data":{}}]');
SELECT act.publish_horizon();
SELECT horizon FROM act.horizons WHERE schema = 'repl';

-- In a transaction that wrote events, its own ids do not hold the
-- horizon back: the row commits (or rolls back) with them. (Another
-- writer in flight does: test/specs/publish_horizon.spec.)
BEGIN;
SELECT id FROM act.commit('r-2', '[{"name":"InFlight","data":{}}]');
SELECT act.publish_horizon();
SELECT horizon FROM act.horizons WHERE schema = 'repl';
ROLLBACK;
SELECT horizon FROM act.horizons WHERE schema = 'repl';

-- act.restore renumbers ids: the published horizon is deleted with it.
CREATE TABLE repl_copy AS SELECT * FROM repl.events WHERE stream = 'r-1';
SELECT act.restore('repl_copy');
SELECT count(*) FROM act.horizons WHERE schema = 'repl';
SELECT act.publish_horizon() > 0 AS published;
SELECT horizon FROM act.horizons WHERE schema = 'repl';

-- Only the admin role may publish; readers may read the horizons.
CREATE ROLE repl_reader IN ROLE act_reader;
CREATE ROLE repl_admin IN ROLE act_admin;
SET ROLE repl_reader;
SELECT count(*) > 0 AS readable FROM act.horizons;
SELECT act.publish_horizon();
RESET ROLE;
-- An admin that may not use every store is refused (42501) and publishes nothing.
SET ROLE repl_admin;
DO $$ BEGIN PERFORM act.publish_horizon();
EXCEPTION WHEN insufficient_privilege THEN RAISE NOTICE 'refused: %', SQLSTATE; END $$;
RESET ROLE;

-- act.drop takes the row with the store.
SELECT act.drop('repl', 'events');
SELECT count(*) FROM act.horizons WHERE schema = 'repl';
DROP TABLE repl_copy;
DROP ROLE repl_reader, repl_admin;
RESET act.store;
