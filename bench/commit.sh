#!/usr/bin/env bash
# Commit cases: one event with 1 and 8 clients (each client its own
# stream), against the plain INSERT of the same row and the client-side
# pattern; a 50-event batch against one multi-row INSERT.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
scripts=$BENCH_DIR/pgbench
batch=50

one=$(bench_events 1)
many=$(bench_events $batch)

# One multi-row INSERT of the batch's rows, versions counted by the client.
batch_insert=$BENCH_OUT/batch_insert.pgbench
{
    echo "-- The physical limit of a $batch-event commit: one multi-row INSERT. Run with -D v=-1."
    echo "\\set v :v + $batch"
    echo "INSERT INTO bench.plain (name, data, stream, version, meta) VALUES"
    for ((i = batch - 1; i >= 0; i--)); do
        echo "('Happened', :data, 'bench-' || :client_id, :v - $i, :meta)$( ((i)) && echo , || echo ';')"
    done
} >"$batch_insert"

vars=(-D "data=$BENCH_DATA" -D "meta=$BENCH_META" -D v=-1)

for run in $(seq "$BENCH_RUNS"); do
    echo "commit, run $run of $BENCH_RUNS"
    for clients in 1 8; do
        bench_reset
        bench_pgbench "commit_${clients}_act" 1 "$clients" "$scripts/commit_act.pgbench" "${vars[@]}" -D "events=$one"
        bench_reset
        bench_pgbench "commit_${clients}_insert" 1 "$clients" "$scripts/commit_insert.pgbench" "${vars[@]}"
        bench_reset
        bench_pgbench "commit_${clients}_client" 1 "$clients" "$scripts/commit_client.pgbench" "${vars[@]}"
    done
    bench_reset
    bench_pgbench batch_act $batch 1 "$scripts/commit_act.pgbench" "${vars[@]}" -D "events=$many"
    bench_reset
    bench_pgbench batch_insert $batch 1 "$batch_insert" "${vars[@]}"
done

for clients in 1 8; do
    s=$([ "$clients" = 1 ] && echo "" || echo "s")
    bench_row "commit 1 event, $clients client$s" tps act.commit "commit_${clients}_act" \
        "plain INSERT" "commit_${clients}_insert" ">=0.8"
    bench_row "commit 1 event, $clients client$s" tps act.commit "commit_${clients}_act" \
        "client-side pattern" "commit_${clients}_client" ">1"
done
bench_row "commit $batch-event batch, 1 client" events/s act.commit batch_act \
    "multi-row INSERT" batch_insert ">=0.8"
