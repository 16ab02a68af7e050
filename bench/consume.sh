#!/usr/bin/env bash
# Consumer cycle: 4 workers (bench/consume.c, one connection each) repeat
# claim 10 streams -> read each one's source after its watermark, at most 10
# events -> ack them at the last event read, over 10,000 subscriptions, each
# following one stream of bench_streams.events (100 events). Events read
# per second, act_pg (act.claim, act.query(after => at), act.ack) against
# the client-side pattern over a plain subscriptions table with the same
# rows (claim as BEGIN; SELECT ... FOR UPDATE SKIP LOCKED; UPDATE; COMMIT,
# a plain SELECT, one ack UPDATE), reading the same events table.
#
# Two starting states, set afresh before every run:
#  - all behind: every watermark at -1 (a replay), 1,000,000 events
#    pending; half-length runs (bench_short);
#  - 1,000 behind: every tenth subscription at -1, the others caught up at
#    the last event of their source (all over the log); the workers drain
#    the 100,000 pending events (each stops at its first empty claim), or
#    stop after BENCH_SECONDS. The client-side pattern's claim slows down
#    as the drain goes on (more caught-up rows come before the pending
#    ones), so when the time is up first its rate is that of the drain's
#    faster start.
# After each act_pg run, the watermarks must have moved over exactly the
# events the workers read (no stream leased to two workers at once), and a
# drain must leave no subscription with work.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_streams_store
act_subs=bench_streams.events_streams
client_subs=bench.subs
export PGOPTIONS="-c act.store=bench_streams.events"

consume=$BENCH_OUT/consume
cc -O2 -Wall -Wextra -o "$consume" "$BENCH_DIR/consume.c" \
    -I"$(pg_config --includedir)" -L"$(pg_config --libdir)" -lpq

echo "consume: 10,000 subscriptions"
bench_sql "SELECT act.subscribe((SELECT jsonb_agg(jsonb_build_object('stream', 'sub-' || i, 'source', 'stream-' || i))
                                 FROM generate_series(1, 10000) i))" >/dev/null
# The client library's subscriptions table: the same columns without the
# work marks, and an index that serves its claim's ORDER BY.
bench_sql_file - <<SQL
CREATE TABLE $client_subs (LIKE $act_subs INCLUDING DEFAULTS);
ALTER TABLE $client_subs DROP COLUMN mark, DROP COLUMN probed, DROP COLUMN pattern, ADD PRIMARY KEY (stream);
CREATE INDEX subs_claim_ix ON $client_subs (priority DESC, at, stream) WHERE NOT blocked;
INSERT INTO $client_subs (stream, source) SELECT stream, source FROM $act_subs;
SQL

# start STATE: both subscriptions tables in the starting state (every
# subscription's mark stays at its source's last event).
start() {
    local at
    if [ "$1" = all ]; then at=-1; else at="CASE WHEN substr(stream, 5)::int % 10 = 0 THEN -1 ELSE mark END"; fi
    bench_sql "UPDATE $act_subs SET at = $at, retry = -1, leased_by = NULL, leased_until = NULL"
    bench_sql "UPDATE $client_subs c SET at = a.at, retry = -1, leased_by = NULL, leased_until = NULL
                 FROM $act_subs a WHERE a.stream = c.stream"
    bench_sql "VACUUM ANALYZE $act_subs"
    bench_sql "VACUUM ANALYZE $client_subs"
    bench_prewarm bench_streams.events "$act_subs" "$client_subs"
}

# The events below the watermarks, over every subscription.
consumed() {
    bench_sql "SELECT count(*) FROM $act_subs s JOIN bench_streams.events e ON e.stream = s.source AND e.id <= s.at"
}

read_total=0 advanced_total=0 left_behind=0 drained=0 timed_out=0
# run KEY STATE MODE SECONDS [-d]: one run of the workers from STATE.
run() {
    local key=$1 state=$2 mode=$3 seconds=$4 drain=${5:-} out before=0
    start "$state"
    [ "$mode" = act ] && before=$(consumed)
    local args=($drain "$mode" 4 "$seconds" 10 10)
    [ "$mode" = client ] && args+=(bench_streams.events "$client_subs")
    echo "=== $key: consume ${args[*]}" >>"$BENCH_OUT/pgbench.log"
    out=$("$consume" "${args[@]}")
    echo "$out (events read, cycles, empty claims, seconds)" >>"$BENCH_OUT/pgbench.log"
    local events cycles empty elapsed
    read -r events cycles empty elapsed <<<"$out"
    local rate
    rate=$(awk -v e="$events" -v s="$elapsed" 'BEGIN { printf "%.1f", e / s }')
    bench_record "$key" "$rate"
    printf '  %-28s %12s events/s (%s events, %s cycles, %s empty, %s s)\n' "$key" "$rate" \
        "$events" "$cycles" "$empty" "$elapsed"
    if [ "$mode" = act ]; then
        read_total=$((read_total + events))
        advanced_total=$((advanced_total + $(consumed) - before))
        # A drain ends when every worker has had an empty claim; a run
        # stopped by the time leaves work by design.
        if [ -n "$drain" ] && [ "$empty" = 4 ]; then
            drained=$((drained + 1))
            left_behind=$((left_behind + $(bench_sql "SELECT count(*) FROM $act_subs WHERE mark > at OR at < 0")))
        elif [ -n "$drain" ]; then
            timed_out=$((timed_out + 1))
        fi
    fi
}

for r in $(seq "$BENCH_RUNS"); do
    echo "consume, run $r of $BENCH_RUNS"
    run consume_all_act all act "$bench_short"
    run consume_all_client all client "$bench_short"
    run consume_some_act some act "$BENCH_SECONDS" -d
    run consume_some_client some client "$BENCH_SECONDS" -d
done

bench_row "consume 10k subs, all behind, 4 wkrs" events/s "act_pg cycle" consume_all_act \
    "client-side pattern" consume_all_client ">1"
bench_row "consume 10k subs, 1k behind, 4 wkrs" events/s "act_pg cycle" consume_some_act \
    "client-side pattern" consume_some_client ">1"
bench_check "consume: each event read once" "act_pg read $read_total events, watermarks moved over $advanced_total" \
    "$([ "$read_total" = "$advanced_total" ] && echo met || echo MISSED)"
bench_check "consume: drain leaves no work" \
    "act_pg left $left_behind subscriptions with work after $drained drains ($timed_out runs stopped by the time)" \
    "$([ "$left_behind" = 0 ] && [ "$drained" -gt 0 ] && echo met || echo MISSED)"
