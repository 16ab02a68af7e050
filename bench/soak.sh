#!/usr/bin/env bash
# Soak: SOAK_OPS (default 200,000) mixed operations through ONE backend,
# sampling that backend's private memory (RssAnon) and peak (VmHWM) from
# /proc as it runs. A leak shows as RssAnon growing with the number of
# operations; a flat line is the pass. Prints the samples and a summary.
set -euo pipefail
cd "$(dirname "$0")/.."
ops=${SOAK_OPS:-200000}
exec 9>/tmp/act_pg.test.lock   # installs the extension: one run at a time
flock 9
tools/build.sh

work=$(mktemp -d /tmp/act_pg_soak.XXXXXX)
chmod 755 "$work"
# The operation mix, as one SQL script: commits with and without expected
# versions (some conflicting), reads of every shape, subscriptions,
# claims and acks, stats.
awk -v ops="$ops" 'BEGIN {
    srand(42);
    print "\\set ON_ERROR_STOP 0";
    print "\\set VERBOSITY terse";
    print "SELECT act.subscribe(jsonb_build_array(jsonb_build_object(\x27stream\x27, \x27soak-all\x27)));";
    for (i = 0; i < ops; i++) {
        s = "soak-" int(rand() * 500);
        r = rand();
        if (r < 0.35)
            printf "SELECT count(*) FROM act.commit(\x27%s\x27, \x27[{\"name\":\"E\",\"data\":{\"i\":%d}}]\x27);\n", s, i;
        else if (r < 0.40)
            printf "SELECT count(*) FROM act.commit(\x27%s\x27, \x27[{\"name\":\"E\",\"data\":{}}]\x27, expected_version => 0);\n", s;
        else if (r < 0.55)
            printf "SELECT count(*) FROM act.query(stream => \x27%s\x27, stream_exact => true);\n", s;
        else if (r < 0.65)
            printf "SELECT count(*) FROM act.query(after => %d, max_rows => 50);\n", i / 3;
        else if (r < 0.70)
            printf "SELECT count(*) FROM act.query(stream => \x27^soak-1\x27, names => \x27{E}\x27, backward => true, max_rows => 5);\n";
        else if (r < 0.80)
            printf "SELECT count(*) FROM act.claim(lagging => 2, lead => 2, by => \x27w\x27, millis => 1000);\n";
        else if (r < 0.90)
            printf "SELECT count(*) FROM act.ack(jsonb_build_array(jsonb_build_object(\x27stream\x27, \x27soak-all\x27, \x27by\x27, \x27w\x27, \x27at\x27, %d)));\n", i / 3;
        else if (r < 0.95)
            printf "SELECT count(*) FROM act.query_stats(stream => \x27^soak-4\x27);\n";
        else
            printf "SELECT act.max_event_id();\n";
        if (i % 10000 == 0)
            printf "\\echo progress %d\n", i;
    }
    print "\\echo progress done";
}' > "$work/soak.sql"

# The sampler runs beside psql, reading the backend's /proc status.
sample() {
    local pid=$1
    while kill -0 "$pid" 2>/dev/null; do
        awk -v t="$(date +%s)" '/^(RssAnon|VmHWM):/ { v[$1] = $2 } END { print t, v["RssAnon:"], v["VmHWM:"] }' \
            "/proc/$pid/status" 2>/dev/null || true
        sleep 2
    done
}

run() {
    psql -X -q -At -c 'CREATE EXTENSION act_pg'
    # One connection: its backend pid first, then the whole mix.
    { echo 'SELECT pg_backend_pid();'; echo '\o /dev/null'; cat "$work/soak.sql"; } |
        psql -X -q -At >"$work/psql.out" 2>"$work/psql.err" &
    local client=$!
    local pid=""
    for _ in $(seq 100); do
        pid=$(head -1 "$work/psql.out" 2>/dev/null || true)
        [ -n "$pid" ] && break
        sleep 0.1
    done
    sample "$pid" >"$work/samples" &
    local start=$SECONDS
    wait "$client"
    echo "elapsed $((SECONDS - start)) s"
}
export -f run sample
export work
pg_virtualenv -v 15 bash -c run | tee "$work/run.out"

errors=$(grep -c ERROR "$work/psql.err" || true)
echo "operations: $ops, statements that raised errors (expected conflicts and the like): $errors"
echo "samples (unix time, RssAnon kB, VmHWM kB):"
cat "$work/samples"
first=$(sed -n 2p "$work/samples"); last=$(tail -1 "$work/samples")
echo "private memory after warm-up: ${first#* } ; at the end: ${last#* } (RssAnon kB, VmHWM kB)"
