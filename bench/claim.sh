#!/usr/bin/env bash
# act.claim's cost against the number of subscriptions, and what the work
# marks cost commit.
#
#   bench/claim.sh     (as root) build, install, run in a throwaway cluster
#
# 1. Claim: for 1,000, 10,000 and 100,000 subscriptions, each following its
#    own source stream of 3 events whose ids are a random permutation of the
#    log (so watermarks land anywhere in it), all caught up but 10 (pending
#    at their source's first event), pgbench times `act.claim(10, 0, ...)`
#    and the `act.ack` that gives the leases back, one client, BENCH_RUNS
#    runs of BENCH_SECONDS per size, the sizes alternating. Prints the
#    median time per claim and the ratio 100k/1k.
# 2. Commit: 8 pgbench clients commit one event each to a random stream
#    s-1 .. s-100000, with no subscriptions, and with 100,000 subscriptions
#    to those streams, all caught up (a subscription's first commit after
#    its ack marks it, later ones find it marked); BENCH_RUNS alternating
#    runs of BENCH_SECONDS each.
#
# The fixture writes the store's tables directly (for speed): the rows are
# what act.commit and act.subscribe would leave, marks included, and the
# first claim of each size must return exactly the 10 pending streams.
#
# Run by bench/run.sh (BENCH_DIR set, cluster up, lib.sh present), it also
# records its figures there.
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_SECONDS=${BENCH_SECONDS:-10}
BENCH_RUNS=${BENCH_RUNS:-3}

if [ -z "${BENCH_DIR:-}" ] && [ -z "${CLAIM_BENCH_CLUSTER:-}" ]; then
    # Standalone: one bench or test run at a time on this machine.
    exec 9>/tmp/act_pg.test.lock
    flock 9
    tools/build.sh
    export BENCH_SECONDS BENCH_RUNS CLAIM_BENCH_CLUSTER=1
    exec pg_virtualenv -v 15 bash "$0" "$@"
fi
if [ -n "${BENCH_DIR:-}" ] && [ -f "$BENCH_DIR/lib.sh" ]; then
    # shellcheck source=/dev/null
    . "$BENCH_DIR/lib.sh"
fi
record() {
    if declare -F bench_record >/dev/null; then bench_record "$1" "$2"; fi
}

sql() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }
tmp=$(mktemp -d /tmp/act_pg_claim_bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# The store <schema>.events with n source streams of 3 events each and n
# subscriptions, every tenth-of-n-th one pending.
seed() {
    local schema=$1 n=$2 every=$(($2 / 10))
    sql <<SQL
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

started=$(date +%s)
# The store claim_all.events: 300,000 events and 100,000 subscriptions to
# every stream (no source), watermarks at random in the log: all pending.
seed_all() {
    sql <<SQL
SELECT act.seed('claim_all') \g /dev/null
INSERT INTO claim_all.events (id, name, data, stream, version)
SELECT id, 'E', '{}', 's-' || (id % 100000), (id / 100000)::int FROM generate_series(1, 300000) id;
SELECT setval(pg_get_serial_sequence('claim_all.events', 'id'), 300000) \g /dev/null
INSERT INTO claim_all.events_streams (stream, at) SELECT 't-' || i, (random() * 299999)::bigint FROM generate_series(1, 100000) i;
VACUUM ANALYZE claim_all.events;
VACUUM ANALYZE claim_all.events_streams;
SQL
}

sql -c "CREATE EXTENSION IF NOT EXISTS act_pg"
seed_all
sizes=(1000 10000 100000)
for n in "${sizes[@]}"; do
    seed "claim_$n" "$n"
    # The first claim must lease exactly the pending streams.
    pending=$(PGOPTIONS="-c act.store=claim_$n.events" sql \
        -c "SELECT string_agg(stream, ',' ORDER BY stream) FROM act.claim(10, 0, 'check', 60000)" \
        -c "SELECT count(*) FROM act.ack((SELECT jsonb_agg(jsonb_build_object('stream', stream, 'by', 'check', 'at', at))
                                          FROM claim_$n.events_streams WHERE leased_by = 'check'))" | sed -n 1p)
    expected=$(seq "$((n / 10))" "$((n / 10))" "$n" | sed 's/^/t-/' | sort | paste -sd,)
    if [ "$pending" != "$expected" ]; then
        echo "claim at $n subscriptions returned [$pending], expected [$expected]" >&2
        exit 1
    fi
done

cat >"$tmp/claim.pgbench" <<'EOF2'
SELECT jsonb_agg(jsonb_build_object('stream', stream, 'by', by, 'at', at)) AS leases FROM act.claim(10, 0, 'bench', 60000) \gset
SELECT count(*) FROM act.ack(:leases);
EOF2

# Runs alternate between the sizes, so a slow spell of the machine hits all.
declare -A claim_runs ack_runs
for run in $(seq "$BENCH_RUNS"); do
    for n in "${sizes[@]}" all; do
        export PGOPTIONS="-c act.store=claim_$n.events"
        pgbench -n -M prepared -c 1 -T 1 -f "$tmp/claim.pgbench" >/dev/null 2>&1  # warm-up
        out=$(pgbench -n -M prepared -r -c 1 -T "$BENCH_SECONDS" -f "$tmp/claim.pgbench" 2>&1)
        claim_runs[$n]+=" $(echo "$out" | awk '/act.claim\(/ { print $1 }')"
        ack_runs[$n]+=" $(echo "$out" | awk '/act.ack\(/ { print $1 }')"
    done
done
unset PGOPTIONS

echo "claim 10 of N subscriptions (each following its own stream of 3 events, ids interleaved at random),"
echo "1 client, median of ${BENCH_RUNS} runs of ${BENCH_SECONDS} s"
printf '%-14s %9s %9s   %s\n' subscriptions "claim ms" "ack ms" "claim runs"
declare -A claim_ms
for n in "${sizes[@]}"; do
    # shellcheck disable=SC2086
    claim_ms[$n]=$(median ${claim_runs[$n]})
    # shellcheck disable=SC2086
    printf '%-14s %9s %9s   [%s]\n' "$n" "${claim_ms[$n]}" "$(median ${ack_runs[$n]})" "${claim_runs[$n]# }"
    record "claim_$((n / 1000))k" "${claim_ms[$n]}"
done
# shellcheck disable=SC2086
printf '%-14s %9s %9s   [%s]\n' "100000 all" "$(median ${claim_runs[all]})" "$(median ${ack_runs[all]})" "${claim_runs[all]# }"
echo "  (100000 all: subscriptions to every stream, watermarks at random in the log, all pending)"
awk -v a="${claim_ms[100000]}" -v b="${claim_ms[1000]}" 'BEGIN { printf "ratio 100k/1k: %.2f\n\n", a / b }'
# shellcheck disable=SC2086
record claim_100k_all "$(median ${claim_runs[all]})"

# Commit throughput with and without 100,000 subscriptions on the streams
# written, alternating runs, each from the same 300,000 events and (with)
# the same caught-up subscriptions.
cat >"$tmp/commit.pgbench" <<'EOF2'
\set sid random(1, 100000)
SELECT count(*) FROM act.commit('s-' || :sid, '[{"name":"E","data":{}}]');
EOF2
seed commit_bench 100000
sql -c "CREATE TABLE commit_bench.subscriptions AS SELECT * FROM commit_bench.events_streams"
with=() without=()
for run in $(seq "$BENCH_RUNS"); do
    for mode in without with; do
        sql -c "DELETE FROM commit_bench.events WHERE id > 300000" -c "TRUNCATE commit_bench.events_streams"
        if [ "$mode" = with ]; then
            sql -c "INSERT INTO commit_bench.events_streams (stream, source, at, retry, blocked, error, leased_by,
                        leased_until, priority, lane, mark, probed)
                    SELECT stream, source, at, retry, blocked, error, leased_by, leased_until, priority, lane, mark, probed
                      FROM commit_bench.subscriptions"
        fi
        sql -c "VACUUM ANALYZE commit_bench.events" -c "VACUUM ANALYZE commit_bench.events_streams" -c "CHECKPOINT"
        tps=$(PGOPTIONS="-c act.store=commit_bench.events" \
              pgbench -n -M prepared -c 8 -j 2 -T "$BENCH_SECONDS" -f "$tmp/commit.pgbench" 2>&1 |
              sed -n 's/^tps = \([0-9.]*\) .*/\1/p')
        if [ "$mode" = with ]; then with+=("${tps%.*}"); else without+=("${tps%.*}"); fi
        record "commit8_${mode}_subs" "$tps"
    done
done
echo "commit 1 event to a random stream of 100,000, 8 clients, median of ${BENCH_RUNS} runs of ${BENCH_SECONDS} s"
echo "  (fsync $(sql -c "SHOW fsync"), synchronous_commit $(sql -c "SHOW synchronous_commit"))"
m_without=$(median "${without[@]}")
m_with=$(median "${with[@]}")
printf '%-24s %7s tps  [%s]\n' "no subscriptions" "$m_without" "${without[*]}"
printf '%-24s %7s tps  [%s]\n' "100,000 subscriptions" "$m_with" "${with[*]}"
awk -v a="$m_with" -v b="$m_without" 'BEGIN { printf "ratio with/without: %.2f\n", a / b }'
echo "($(($(date +%s) - started)) s)"
