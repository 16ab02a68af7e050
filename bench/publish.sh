#!/usr/bin/env bash
# The cost of publishing the horizon for hot standbys (README, "Running on
# replicas"): 8 clients commit one event each to their own streams while a
# session calls act.publish_horizon() every 10 ms, as the publisher worker
# does at its default act.publish_interval (and with its
# synchronous_commit = off), against the same commits with no publisher.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
scripts=$BENCH_DIR/pgbench
vars=(-D "data=$BENCH_DATA" -D "meta=$BENCH_META" -D v=-1 -D "events=$(bench_events 1)")

# A publisher for the length of one run (it stops by itself).
publisher() {
    psql -X -q -At -v ON_ERROR_STOP=1 -c "SET synchronous_commit = off" -c "
        DO \$\$
        DECLARE
            until timestamptz := clock_timestamp() + interval '$((BENCH_SECONDS + 1)) s';
        BEGIN
            WHILE clock_timestamp() < until LOOP
                PERFORM act.publish_horizon();
                COMMIT;
                PERFORM pg_sleep(0.01);
            END LOOP;
        END \$\$"
}

for run in $(seq "$BENCH_RUNS"); do
    echo "publish, run $run of $BENCH_RUNS"
    bench_reset
    publisher &
    pid=$!
    bench_pgbench commit_8_published 1 8 "$scripts/commit_act.pgbench" "${vars[@]}"
    wait "$pid"
    bench_reset
    bench_pgbench commit_8_unpublished 1 8 "$scripts/commit_act.pgbench" "${vars[@]}"
done

bench_row "commit 1 event, 8 clients, horizon published every 10 ms" tps act.commit commit_8_published \
    "act.commit, no publisher" commit_8_unpublished
