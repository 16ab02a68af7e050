#!/usr/bin/env bash
# Soak: SOAK_OPS (default 200,000) mixed operations through ONE backend,
# with that backend's private memory (RssAnon), shared memory touched
# (RssShmem) and peak resident size (VmHWM) read from /proc every 10,000
# operations. A leak shows as RssAnon
# growing with the number of operations; a flat line is the pass.
#
#   bench/soak.sh                  # as root; about 6 minutes
#   SOAK_OPS=20000 bench/soak.sh   # shorter
#
# The mix, one statement each, in autocommit: commits of 1 event and of 10
# (a twentieth with an expected version that mostly conflicts), stream
# reads, gap-free reads after an id, regular-expression reads backward,
# claims that read each lease's source and ack it (two operations),
# query_stats, query_streams, subscribe, block/unblock, prioritize, reset,
# truncate and max_event_id, over 500 streams with literal, pattern and
# all-stream subscriptions. The first 10,000 operations are the warm-up
# (plans, caches); RssAnon after them is the start figure.
#
# Builds and installs act_pg under the lock of tools/test.sh, starts a
# throwaway cluster (bench_cluster), and gives the lock back once the
# soak's backend has loaded the library. synchronous_commit is off in that
# session: what is measured is memory, not commit latency.
set -euo pipefail
cd "$(dirname "$0")/.."
export BENCH_DIR=$PWD/bench
source bench/lib.sh
ops=${SOAK_OPS:-200000}
every=10000

exec 9>/tmp/act_pg.test.lock
flock 9
tools/build.sh
bench_cluster soak
work=$bench_tmp
export PGDATABASE=postgres
psql -X -q -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION act_pg'

# The script: awk writes one line per operation (srand(42): the same mix
# on every run). \gset keeps a claim's leases for the ack that follows.
awk -v ops="$ops" -v every="$every" -v work="$work" '
function stream() { return "soak-" int(rand() * 500) }
# A psql line that appends "op RssAnon RssShmem VmHWM" of the backend to
# samples.
function sample(op) {
    printf "\\! awk -v op=%d %s/^(RssAnon|RssShmem|VmHWM):/ { v[$1] = $2 } END { print op, v[\"RssAnon:\"], v[\"RssShmem:\"], v[\"VmHWM:\"] }%s" \
           " /proc/$SOAK_PID/status >>%s/samples\n", op, q, q, work
}
BEGIN {
    srand(42);
    q = "\x27";
    print "\\set ON_ERROR_STOP 0";
    print "\\set VERBOSITY terse";
    print "SET synchronous_commit = off;";
    print "SELECT pg_backend_pid() AS pid \\gset";
    print "\\setenv SOAK_PID :pid";
    print "\\o /dev/null";
    # Subscriptions: every stream, a pattern, and one per literal stream.
    print "SELECT act.subscribe(jsonb_build_array(jsonb_build_object(" q "stream" q ", " q "all" q "), " \
          "jsonb_build_object(" q "stream" q ", " q "ones" q ", " q "source" q ", " q "^soak-1" q ")));";
    print "SELECT act.subscribe((SELECT jsonb_agg(jsonb_build_object(" q "stream" q ", " q "p-" q " || i, " \
          q "source" q ", " q "soak-" q " || i)) FROM generate_series(0, 499) i));";
    print "\\! touch " work "/loaded";
    sample(0);
    next_sample = every;
    batch = "[";
    for (k = 0; k < 10; k++)
        batch = batch (k ? ", " : "") "{\"name\": \"E\", \"data\": {\"k\": " k "}}";
    batch = batch "]";
    for (i = 1; i <= ops; i++) {
        s = stream();
        r = rand();
        if (r < 0.25)
            printf "SELECT count(*) FROM act.commit(%s%s%s, %s[{\"name\": \"E\", \"data\": {\"i\": %d}}]%s);\n", q, s, q, q, i, q;
        else if (r < 0.30)
            printf "SELECT count(*) FROM act.commit(%s%s%s, %s%s%s::jsonb, %s{\"correlation\": \"c-%d\"}%s::jsonb);\n", q, s, q, q, batch, q, q, i, q;
        else if (r < 0.32)
            printf "SELECT count(*) FROM act.commit(%s%s%s, %s[{\"name\": \"E\", \"data\": {}}]%s, expected_version => 3);\n", q, s, q, q, q;
        else if (r < 0.44)
            printf "SELECT count(*) FROM act.query(stream => %s%s%s, stream_exact => true);\n", q, s, q;
        else if (r < 0.52)
            printf "SELECT count(*) FROM act.query(after => act.max_event_id() - 200, max_rows => 50);\n";
        else if (r < 0.55)
            printf "SELECT count(*) FROM act.query(stream => %s^soak-1%s, names => %s{E}%s, backward => true, max_rows => 5);\n", q, q, q, q;
        else if (r < 0.70) {
            # A claim that reads the source of each lease, then the ack: two operations.
            printf "SELECT coalesce(jsonb_agg(jsonb_build_object(%sstream%s, l.stream, %sby%s, l.by, %sat%s, coalesce(r.hi, l.at))), %s[]%s) AS leases" \
                   " FROM act.claim(lagging => 4, lead => 1, by => %sw%s, millis => 60000) l" \
                   " LEFT JOIN LATERAL (SELECT max(id) AS hi FROM act.query(stream => l.source, stream_exact => l.source NOT LIKE %s^%%%s," \
                   " after => l.at, max_rows => 20)) r ON true \\gset\n", q, q, q, q, q, q, q, q, q, q, q, q;
            printf "SELECT count(*) FROM act.ack(:%sleases%s);\n", q, q;
            i++;
        } else if (r < 0.76)
            printf "SELECT count(*) FROM act.query_stats(stream => %s^soak-4%s, tail => true, count => true, names => true);\n", q, q;
        else if (r < 0.79)
            printf "SELECT count(*) FROM act.query_stats(streams => ARRAY[%s%s%s, %s%s%s]);\n", q, s, q, q, stream(), q;
        else if (r < 0.82)
            printf "SELECT count(*) FROM act.query_streams(stream => %s^p-1%s, max_rows => 20);\n", q, q;
        else if (r < 0.84)
            printf "SELECT act.subscribe(jsonb_build_array(jsonb_build_object(%sstream%s, %sq-%d%s, %ssource%s, %s%s%s, %spriority%s, %d)));\n", q, q, q, i % 2000, q, q, q, q, s, q, q, q, i % 3;
        else if (r < 0.86) {
            printf "SELECT count(*) FROM act.block((SELECT coalesce(jsonb_agg(jsonb_build_object(%sstream%s, stream, %sby%s, by, %serror%s, %sfailed%s)), %s[]%s) FROM act.claim(1, 0, %sb%s, 60000)));\n", q, q, q, q, q, q, q, q, q, q, q, q;
            printf "SELECT act.unblock(blocked => true);\n";
            i++;
        } else if (r < 0.87)
            printf "SELECT act.prioritize(%d, stream => %s^p-2%s);\n", i % 4, q, q;
        else if (r < 0.875)
            printf "SELECT act.reset(streams => ARRAY[%sp-%d%s]);\n", q, int(rand() * 500), q;
        else if (r < 0.88)
            printf "SELECT count(*) FROM act.truncate(jsonb_build_array(jsonb_build_object(%sstream%s, %s%s%s, %ssnapshot%s, jsonb_build_object(%sn%s, %d))));\n", q, q, q, s, q, q, q, q, q, i;
        else
            printf "SELECT act.max_event_id();\n";
        if (i >= next_sample || i >= ops) {
            sample(i);
            next_sample += every;
        }
    }
}' >"$work/soak.sql"
chmod 644 "$work/soak.sql"

echo "soak: $ops operations through one backend"
start=$SECONDS
psql -X -q -f "$work/soak.sql" >"$work/psql.out" 2>"$work/psql.err" &
client=$!
# The backend has loaded act_pg once the subscriptions are made: another
# run may install its build from now on.
while [ ! -e "$work/loaded" ] && kill -0 "$client" 2>/dev/null; do sleep 0.2; done
flock -u 9
shown=$SECONDS
while kill -0 "$client" 2>/dev/null; do
    sleep 1
    if ((SECONDS - shown >= 30)); then
        shown=$SECONDS
        printf '  after %s operations, %s s\n' "$(tail -1 "$work/samples" | cut -d' ' -f1)" "$((SECONDS - start))"
    fi
done
wait "$client"

errors=$(grep -c ERROR "$work/psql.err" || true)
echo "elapsed $((SECONDS - start)) s; statements that raised an error: $errors, by kind:"
sed -n 's/^psql:[^ ]* ERROR: *//p' "$work/psql.err" | sed 's/[0-9][0-9]*/N/g' | sort | uniq -c | sort -rn | head -5
echo "operations RssAnon_kB RssShmem_kB VmHWM_kB (every $every operations)"
cat "$work/samples"
awk -v every="$every" '
    { op[NR] = $1; anon[NR] = $2; shmem[NR] = $3; hwm[NR] = $4 }
    END {
        # The start: the first sample at or after the warm-up.
        for (s = 1; s < NR && op[s] < every; s++) {}
        printf "RssAnon after warm-up (%d operations): %d kB; at the end (%d operations): %d kB; change %+d kB\n",
               op[s], anon[s], op[NR], anon[NR], anon[NR] - anon[s]
        printf "VmHWM after warm-up: %d kB; at the end: %d kB (peak resident size, with the shared buffers touched:" \
               " RssShmem %d kB, then %d kB)\n", hwm[s], hwm[NR], shmem[s], shmem[NR]
    }' "$work/samples"
