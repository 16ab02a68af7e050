#!/usr/bin/env bash
# Read case: one whole 1,000-event stream, out of 100 such streams whose
# commits interleave (50 events at a time), by act.query and by the plain
# SELECT of the same rows. `read.sh load` only loads them (for
# bench/profile.sh).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
scripts=$BENCH_DIR/pgbench

echo "read: loading 100 streams of 1,000 events"
bench_reset
bench_sql "DO \$\$
BEGIN
    FOR round IN 1..20 LOOP
        FOR s IN 1..100 LOOP
            PERFORM act.commit('read-' || s, '$(bench_events 50)'::jsonb, '$BENCH_META'::jsonb);
        END LOOP;
    END LOOP;
END \$\$"
# The same rows, ids and physical order in the plain table.
bench_sql "INSERT INTO bench.plain SELECT * FROM act.events ORDER BY id"
bench_sql "VACUUM ANALYZE act.events"
bench_sql "VACUUM ANALYZE bench.plain"
[ "${1:-}" = load ] && exit 0

for run in $(seq "$BENCH_RUNS"); do
    echo "read, run $run of $BENCH_RUNS"
    bench_pgbench read_act 1 1 "$scripts/read_act.pgbench"
    bench_pgbench read_select 1 1 "$scripts/read_select.pgbench"
done

bench_row "read a 1,000-event stream, 1 client" reads/s act.query read_act \
    "plain SELECT" read_select ">=0.9"
