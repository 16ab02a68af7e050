-- The baselines' tables, made once per bench run after CREATE EXTENSION.
CREATE EXTENSION act_pg;
CREATE SCHEMA bench;

-- The physical limit: the same columns, identity, defaults and indexes as
-- an act_pg events table, written by plain INSERTs.
CREATE TABLE bench.plain (LIKE act.events INCLUDING ALL);

-- The client-side pattern's table (the client library's commit), the same
-- layout again.
CREATE TABLE bench.client (LIKE act.events INCLUDING ALL);

-- The gap-free check: a consumer that follows the log, taking every event
-- with id > w and moving w to the highest id it saw, until bench.follow_stop
-- says the writers are done; then it reads once more. Returns how many
-- events it read and how many polls that took. Each statement of a
-- VOLATILE function in READ COMMITTED reads a fresh snapshot, as a client's
-- separate queries would.
CREATE TABLE bench.follow_stop (stop boolean NOT NULL);
INSERT INTO bench.follow_stop VALUES (false);

CREATE FUNCTION bench.follow(via text, OUT read bigint, OUT polls bigint)
LANGUAGE plpgsql AS $$
DECLARE
    w        bigint := 0;
    hi       bigint;
    n        bigint;
    stopping boolean;
BEGIN
    read := 0;
    polls := 0;
    LOOP
        -- Read the flag first: once it is set, every writer has committed,
        -- so the poll that follows sees all that will ever be there.
        SELECT stop INTO stopping FROM bench.follow_stop;
        IF via = 'act' THEN
            SELECT max(id), count(*) INTO hi, n FROM act.query(after => w);
        ELSIF via = 'events' THEN
            SELECT max(id), count(*) INTO hi, n FROM act.events WHERE id > w;
        ELSE
            SELECT max(id), count(*) INTO hi, n FROM bench.plain WHERE id > w;
        END IF;
        read := read + n;
        w := coalesce(hi, w);
        polls := polls + 1;
        EXIT WHEN stopping;
    END LOOP;
END $$;

-- The plain-SQL claimers' table (bench/locks.sh): leases taken with FOR
-- UPDATE SKIP LOCKED, as act.claim takes subscriptions.
CREATE TABLE bench.leases (stream text PRIMARY KEY, at bigint NOT NULL, retry int NOT NULL DEFAULT -1,
                           leased_by text, leased_until timestamptz NOT NULL DEFAULT '-infinity');
