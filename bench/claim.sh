#!/usr/bin/env bash
# Claim cases: act.claim's time against the number of subscriptions, and
# what the work marks cost commit.
#
# 1. Claim: for 1,000, 10,000 and 100,000 subscriptions, each following its
#    own source stream of 3 events whose ids are a random permutation of the
#    log (so watermarks land anywhere in it), all caught up but 10 (pending
#    at their source's first event), pgbench times `act.claim(10, 0, ...)`
#    and the `act.ack` that gives the leases back (pgbench/claim.pgbench),
#    one client, the sizes alternating within each run (half-length runs,
#    after 1 s of warm-up); the figure is the claim statement's latency. Also 100,000
#    subscriptions to every stream (no source), watermarks at random in a
#    log of 300,000 events: all pending.
# 2. Commit: 8 clients commit one event each to a random stream s-1 ..
#    s-100000, with no subscriptions, and with 100,000 subscriptions to
#    those streams, all caught up (a subscription's first commit after its
#    ack marks it, later ones find it marked); alternating half-length runs.
#
# The fixtures write the stores' tables directly (for speed): the rows are
# what act.commit and act.subscribe would leave, marks included, and the
# first claim of each size must return exactly the 10 pending streams.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
scripts=$BENCH_DIR/pgbench

# The store <schema>.events with n source streams of 3 events each and n
# subscriptions, every tenth-of-n-th one pending.
seed() {
    local schema=$1 n=$2 every=$(($2 / 10))
    bench_sql_file - <<SQL
SELECT act.seed('$schema') \g /dev/null
TRUNCATE $schema.events, $schema.events_streams;
INSERT INTO $schema.events (id, name, data, stream, version)
SELECT id, 'E', '{}', 's-' || i, (row_number() OVER (PARTITION BY i ORDER BY id) - 1)::int
  FROM (SELECT i, row_number() OVER (ORDER BY random()) AS id
          FROM generate_series(1, $n) i, generate_series(1, 3)) x;
SELECT setval(pg_get_serial_sequence('$schema.events', 'id'), 3 * $n) \g /dev/null
INSERT INTO $schema.events_streams (stream, source, at, mark)
SELECT 't-' || i, 's-' || i, CASE WHEN i % $every = 0 THEN first ELSE last END, last
  FROM (SELECT substr(stream, 3)::int AS i, min(id) AS first, max(id) AS last
          FROM $schema.events GROUP BY stream) x;
VACUUM ANALYZE $schema.events;
VACUUM ANALYZE $schema.events_streams;
SQL
}

# The store claim_all.events: 300,000 events and 100,000 subscriptions to
# every stream (no source), watermarks at random in the log: all pending.
seed_all() {
    bench_sql_file - <<SQL
SELECT act.seed('claim_all') \g /dev/null
INSERT INTO claim_all.events (id, name, data, stream, version)
SELECT id, 'E', '{}', 's-' || (id % 100000), (id / 100000)::int FROM generate_series(1, 300000) id;
SELECT setval(pg_get_serial_sequence('claim_all.events', 'id'), 300000) \g /dev/null
INSERT INTO claim_all.events_streams (stream, at) SELECT 't-' || i, (random() * 299999)::bigint FROM generate_series(1, 100000) i;
VACUUM ANALYZE claim_all.events;
VACUUM ANALYZE claim_all.events_streams;
SQL
}

echo "claim: loading 1,000, 10,000 and 2 x 100,000 subscriptions"
seed_all
sizes=(1000 10000 100000)
for n in "${sizes[@]}"; do
    seed "claim_$n" "$n"
    # The first claim must lease exactly the pending streams.
    pending=$(PGOPTIONS="-c act.store=claim_$n.events" psql -X -q -At -v ON_ERROR_STOP=1 \
        -c "SELECT string_agg(stream, ',' ORDER BY stream) FROM act.claim(10, 0, 'check', 60000)" \
        -c "SELECT count(*) FROM act.ack((SELECT jsonb_agg(jsonb_build_object('stream', stream, 'by', 'check', 'at', at))
                                          FROM claim_$n.events_streams WHERE leased_by = 'check'))" | sed -n 1p)
    expected=$(seq "$((n / 10))" "$((n / 10))" "$n" | sed 's/^/t-/' | sort | paste -sd,)
    if [ "$pending" != "$expected" ]; then
        echo "claim at $n subscriptions returned [$pending], expected [$expected]" >&2
        exit 1
    fi
done

# The claim statement's own latency (pgbench -r), in ms.
claim_ms() {
    local key=$1 out ms
    out=$(bench_pgbench_run "$key" 1 "$bench_short" "$scripts/claim.pgbench" -r) || return 1
    ms=$(echo "$out" | awk '/act\.claim\(/ { print $1 }')
    bench_record "$key" "$ms"
    printf '  %-28s %12s ms\n' "$key" "$ms"
}

for run in $(seq "$BENCH_RUNS"); do
    echo "claim, run $run of $BENCH_RUNS"
    for n in "${sizes[@]}" all; do
        export PGOPTIONS="-c act.store=claim_$n.events"
        pgbench -n -M prepared -c 1 -T 1 -f "$scripts/claim.pgbench" >/dev/null 2>&1  # warm-up
        key=claim_$n
        [ "$n" = all ] || key=claim_$((n / 1000))k
        claim_ms "$key"
    done
done
unset PGOPTIONS

# Commit throughput with and without 100,000 subscriptions on the streams
# written, alternating runs, each from the same 300,000 events and (with)
# the same caught-up subscriptions.
echo "claim: loading 100,000 streams and subscriptions for commit"
seed commit_subs 100000
bench_sql "CREATE TABLE commit_subs.subscriptions AS SELECT * FROM commit_subs.events_streams"
for run in $(seq "$BENCH_RUNS"); do
    echo "commit with subscriptions, run $run of $BENCH_RUNS"
    for mode in without with; do
        bench_sql "DELETE FROM commit_subs.events WHERE id > 300000; TRUNCATE commit_subs.events_streams"
        if [ "$mode" = with ]; then
            bench_sql "INSERT INTO commit_subs.events_streams (stream, source, at, retry, blocked, error, leased_by,
                           leased_until, priority, lane, mark, probed)
                       SELECT stream, source, at, retry, blocked, error, leased_by, leased_until, priority, lane, mark, probed
                         FROM commit_subs.subscriptions"
        fi
        bench_sql "VACUUM ANALYZE commit_subs.events"
        bench_sql "VACUUM ANALYZE commit_subs.events_streams"
        bench_sql "CHECKPOINT"
        PGOPTIONS="-c act.store=commit_subs.events" BENCH_SECONDS=$bench_short \
            bench_pgbench "commit8_${mode}_subs" 1 8 "$scripts/commit_random.pgbench"
    done
done

bench_row "claim 10 of 1,000 subscriptions" ms act.claim claim_1k \
    "client lib (docs)" =200 ">1"
bench_row "claim 10 of 10,000 subscriptions" ms act.claim claim_10k \
    "client lib (docs)" =13000 ">1"
bench_row "claim 10 of 100,000 subscriptions" ms act.claim claim_100k \
    "act.claim at 1,000" claim_1k ">=0.67"
bench_row "claim 10 of 100,000 to every stream" ms act.claim claim_all \
    "act.claim at 1,000" claim_1k
bench_row "commit 1 event, 8 clients, 100k subs" tps act.commit commit8_with_subs \
    "act.commit, no subs" commit8_without_subs
