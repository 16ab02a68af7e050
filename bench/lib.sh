# Helpers for bench/run.sh and the case scripts (bench/<case>.sh), which
# source this file. run.sh exports the connection (PGHOST, PGPORT, PGUSER,
# PGDATABASE) and:
#   BENCH_DIR      this folder
#   BENCH_OUT      where results and pgbench logs go (bench/out)
#   BENCH_SECONDS  length of one timed run
#   BENCH_RUNS     runs of each measurement (the table shows the median)
#
# A case script measures with bench_pgbench (or its own program that calls
# bench_record), then declares what the table shows with bench_row (a
# figure beside its baseline) and bench_check (a pass/fail finding).

# The length of a run for a figure that is an average over thousands of
# short operations (a claim, a query_stats call): half of BENCH_SECONDS, at
# least 2 s.
bench_short=$((${BENCH_SECONDS:-6} / 2 > 2 ? ${BENCH_SECONDS:-6} / 2 : 2))

# Runs a command as postgres (the server refuses root).
bench_as_postgres() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Starts a throwaway PostgreSQL 15 cluster with initdb's defaults (fsync,
# synchronous_commit and full_page_writes on) in a new folder
# /tmp/act_pg_NAME.XXXXXX, reached through a Unix socket in that folder;
# sets bench_tmp to the folder, puts the server's programs first in PATH
# and exports PGHOST, PGPORT and PGUSER. The cluster and the folder go when
# the calling script exits. With BENCH_PRELOAD set (bench/run.sh
# --preload), act_pg is in shared_preload_libraries. bench_cluster NAME
bench_cluster() {
    PATH="$(/usr/lib/postgresql/15/bin/pg_config --bindir):$PATH"
    export PATH
    bench_tmp=$(mktemp -d "/tmp/act_pg_$1.XXXXXX")
    if [ "$(id -u)" = 0 ]; then chown postgres: "$bench_tmp"; fi
    trap bench_cluster_remove EXIT
    bench_as_postgres initdb -D "$bench_tmp/data" -A trust -U postgres --no-sync >/dev/null
    printf "listen_addresses = ''\nunix_socket_directories = '%s'\n" "$bench_tmp" >>"$bench_tmp/data/postgresql.conf"
    if [ -n "${BENCH_PRELOAD:-}" ]; then
        echo "shared_preload_libraries = 'act_pg'" >>"$bench_tmp/data/postgresql.conf"
    fi
    # Without the caller's descriptor 9 (the lock of tools/test.sh): a
    # server left behind by a killed run must not hold the lock.
    bench_as_postgres pg_ctl -D "$bench_tmp/data" -l "$bench_tmp/server.log" -w start >/dev/null 9>&-
    export PGHOST=$bench_tmp PGPORT=5432 PGUSER=postgres
}
bench_cluster_remove() {
    bench_as_postgres pg_ctl -D "$bench_tmp/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$bench_tmp"
}

# Runs SQL, quietly, stopping at the first error.
bench_sql() {
    psql -X -q -At -v ON_ERROR_STOP=1 -c "$1"
}

# Runs a SQL file from bench/, quietly.
bench_sql_file() {
    psql -X -q -At -v ON_ERROR_STOP=1 -f "$1"
}

# Fails unless the installed act_pg library is the one `tools/build.sh`
# installed at the start of this run (BENCH_BUILD, its checksum): the lock
# keeps other runs from installing theirs meanwhile, and this tells when
# something did anyway.
bench_installed() {
    md5sum <"$(/usr/lib/postgresql/15/bin/pg_config --pkglibdir)/act_pg.so"
}
bench_own_build() {
    if [ "$(bench_installed)" != "$BENCH_BUILD" ]; then
        echo "act_pg.so was replaced during the run: the figures are not all of this build" >&2
        return 1
    fi
}

# Appends one figure of a measurement: bench_record KEY VALUE.
bench_record() {
    echo "$1 $2" >>"$BENCH_OUT/measurements"
}

# One timed pgbench run for the figure KEY, with prepared statements (as
# an application with a driver's statement cache), -j 2 threads when there
# are several clients: prints pgbench's output and appends it to the log;
# fails, with its last lines, when pgbench does.
#   bench_pgbench_run KEY CLIENTS SECONDS SCRIPT [pgbench options...]
bench_pgbench_run() {
    local key=$1 clients=$2 seconds=$3 script=$4
    shift 4
    local threads=$((clients < 2 ? clients : 2)) log="$BENCH_OUT/pgbench.log" out
    echo "=== $key: pgbench -c $clients -T $seconds -f $script $* (${PGOPTIONS:-})" >>"$log"
    if ! out=$(pgbench -n -M prepared -c "$clients" -j "$threads" -T "$seconds" -f "$script" "$@" 2>&1); then
        echo "$out" >>"$log"
        echo "pgbench failed for $key (see $log):" >&2
        echo "$out" | tail -5 >&2
        return 1
    fi
    echo "$out" >>"$log"
    echo "$out"
}

# A pgbench run of BENCH_SECONDS, recorded under KEY as transactions per
# second times SCALE (the events or rows one transaction stands for; 1 for
# plain tps): bench_pgbench KEY SCALE CLIENTS SCRIPT [pgbench options...]
bench_pgbench() {
    local key=$1 scale=$2 clients=$3 script=$4 out tps figure
    shift 4
    out=$(bench_pgbench_run "$key" "$clients" "$BENCH_SECONDS" "$script" "$@") || return 1
    tps=$(echo "$out" | sed -n 's/^tps = \([0-9.]*\) .*/\1/p')
    figure=$(awk -v t="$tps" -v s="$scale" 'BEGIN { printf "%.1f", t * s }')
    bench_record "$key" "$figure"
    printf '  %-28s %12s\n' "$key" "$figure"
}

# A pgbench run of one client for SECONDS, recorded under KEY as the time of
# one transaction in milliseconds (pgbench's latency average):
#   bench_pgbench_ms KEY SECONDS SCRIPT [pgbench options...]
bench_pgbench_ms() {
    local key=$1 seconds=$2 script=$3 out ms
    shift 3
    out=$(bench_pgbench_run "$key" 1 "$seconds" "$script" "$@") || return 1
    ms=$(echo "$out" | sed -n 's/^latency average = \([0-9.]*\) ms.*/\1/p')
    bench_record "$key" "$ms"
    printf '  %-28s %12s ms\n' "$key" "$ms"
}

# A table row: a figure of act_pg beside its baseline.
#   bench_row LABEL UNIT ACT_NAME ACT_KEY BASE_NAME BASE_KEY [TARGET]
# UNIT is a rate ("tps", "events/s", ...) or a time ("ms"): the ratio is
# act/baseline for rates and baseline/act for times, so above 1 means
# act_pg is faster. TARGET is the ratio the issue asks for, as ">=0.8"
# (at least) or ">1" (ahead). A BASE_KEY "=VALUE" is a fixed figure, not
# measured in this run (a documented one): the table marks it "fixed".
bench_row() {
    echo "row|$1|$2|$3|$4|$5|$6|${7:-}" >>"$BENCH_OUT/rows"
}

# A table row for a finding: bench_check LABEL RESULT VERDICT, where
# VERDICT is "met", "MISSED" or "-" (information only).
bench_check() {
    echo "check|$1|$2|$3" >>"$BENCH_OUT/rows"
}

# Empties the tables that the commit cases write, and starts from a
# checkpoint, so every timed run begins in the same state.
bench_reset() {
    bench_sql "TRUNCATE act.events, act.events_streams, bench.plain, bench.client; CHECKPOINT"
}

# The store bench_streams.events, loaded once per bench run by the first
# case that needs it: STREAMS (10,000) streams "stream-N" of EVENTS (100)
# events each, 1,000,000 events. Each stream is written over a tenth of the
# log, starting at a random point (the same for every run), so streams end
# all over the log, and their events interleave with some 10,000 others'.
bench_streams_store() {
    if [ "$(bench_sql "SELECT count(*) FROM act.stores WHERE schema = 'bench_streams'")" = 1 ]; then
        return
    fi
    echo "loading bench_streams.events: 10,000 streams of 100 events"
    bench_sql_file "$BENCH_DIR/streams.sql"
}

# Reads the tables named, and their indexes, through the operating
# system's cache (pg_prewarm's "read" mode), so that a run does not start
# on pages the machine has dropped meanwhile: this virtual machine gives
# back idle page cache within minutes. bench_prewarm TABLE...
bench_prewarm() {
    local t
    bench_sql "CREATE EXTENSION IF NOT EXISTS pg_prewarm" 2>/dev/null
    for t; do
        bench_sql "SELECT sum(pg_prewarm(c, 'read')) FROM (SELECT '$t'::regclass AS c
                   UNION ALL SELECT indexrelid::regclass FROM pg_index WHERE indrelid = '$t'::regclass) r" >/dev/null
    done
}

# The event, meta and batch literals the commit scripts send, as a driver
# would send them: JSON text in parameters.
BENCH_DATA='{"sku": "A-1", "qty": 2, "note": "an event of a typical size"}'
BENCH_META='{"correlation": "c-1", "causation": {}}'

# A JSON array of N events {"name": "Happened", "data": BENCH_DATA}.
bench_events() {
    local n=$1 i json="["
    for ((i = 0; i < n; i++)); do
        ((i)) && json+=", "
        json+="{\"name\": \"Happened\", \"data\": $BENCH_DATA}"
    done
    echo "$json]"
}
