#!/usr/bin/env bash
# query_stats cases: act.query_stats over the 10,000 streams of 100 events
# of bench_streams.events, heads only (one index probe or two per stream)
# and with count + names (one scan of the events), each against the SQL of
# the client library's two paths (DISTINCT ON; a CTE grouped by stream and
# name): one client, time per call, every stream's row sent to the client.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
scripts=$BENCH_DIR/pgbench
bench_streams_store
export PGOPTIONS="-c act.store=bench_streams.events"

# Both must report every stream.
n=$(bench_sql "SELECT (SELECT count(*) FROM act.query_stats()) || ' ' ||
                      (SELECT count(*) FROM act.query_stats(count => true, names => true) WHERE count = 100)")
if [ "$n" != "10000 10000" ]; then
    echo "query_stats: expected 10000 streams of 100 events both ways, got $n" >&2
    exit 1
fi

for run in $(seq "$BENCH_RUNS"); do
    echo "query_stats, run $run of $BENCH_RUNS"
    for kind in heads counts; do
        bench_prewarm bench_streams.events
        bench_pgbench_ms "stats_${kind}_act" "$bench_short" "$scripts/stats_${kind}_act.pgbench"
        bench_prewarm bench_streams.events
        bench_pgbench_ms "stats_${kind}_select" "$bench_short" "$scripts/stats_${kind}_select.pgbench"
    done
done

bench_row "query_stats heads, 10k streams" ms act.query_stats stats_heads_act \
    "DISTINCT ON" stats_heads_select ">1"
bench_row "query_stats count+names, 10k streams" ms act.query_stats stats_counts_act \
    "CTE + GROUP BY" stats_counts_select ">1"
