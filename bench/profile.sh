#!/usr/bin/env bash
# Instruction counts per call of act.commit beside the plain INSERT of the
# same row, and of act.query of a 1,000-event stream beside the plain
# SELECT, under valgrind's callgrind (stable on a noisy machine, unlike
# time). A single-user backend reads one statement per line and runs each
# as its own transaction: parse of EXECUTE, execution, COMMIT. Only an id
# or a count goes to the output: the client's share is not the server's.
#
#   bench/profile.sh [calls]       # default 2000 commits of each kind, a tenth as many reads
#
# Prints instructions per call of each kind; the callgrind files stay in
# bench/out/ for callgrind_annotate --inclusive=yes (act_pg's own
# functions have symbols; most of the server's are static and show up
# under their exported callers).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
calls=${1:-2000}
export BENCH_DIR=$root/bench
source bench/lib.sh

exec 9>/tmp/act_pg.test.lock
flock 9
tools/build.sh
export BENCH_BUILD
BENCH_BUILD=$(bench_installed)
out=$root/bench/out
mkdir -p "$out"

bench_cluster profile
tmp=$bench_tmp
psql -X -q -d postgres -c "CREATE DATABASE bench"
psql -X -q -v ON_ERROR_STOP=1 -d bench -f bench/setup.sql
PGDATABASE=bench bench/read.sh load
bench_as_postgres pg_ctl -D "$tmp/data" -w stop >/dev/null

event=$(bench_events 1)
q() { sed "s/'/''/g" <<<"$1"; }
# count KIND N PREPARE EXECUTE: instructions of one single-user backend
# that runs N EXECUTEs, @i@ in EXECUTE replaced by the call's number, @s@
# by a number from 1 to 100 (one of the read streams).
count() {
    local kind=$1 n=$2 script=$tmp/$1.$2.sql
    {
        echo "$3;"
        for ((i = 0; i < n; i++)); do
            local statement=${4//@i@/$i}
            echo "${statement//@s@/$((i % 100 + 1))};"
        done
    } >"$script"
    chown postgres: "$script"
    bench_as_postgres valgrind --tool=callgrind --callgrind-out-file="$tmp/callgrind.$kind.$n" \
        postgres --single -D "$tmp/data" bench <"$script" >/dev/null 2>"$tmp/valgrind.$kind"
    cp "$tmp/callgrind.$kind.$n" "$out/callgrind.$kind.$n"
    callgrind_annotate "$out/callgrind.$kind.$n" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }'
}
# profile KIND PREPARE EXECUTE: the backend's start, the PREPARE and the
# first calls (plans, caches) cancel out between $calls and 2 * $calls.
profile() {
    local one two
    one=$(count "$1" "$calls" "$2" "$3")
    two=$(count "$1" $((2 * calls)) "$2" "$3")
    printf '%-8s %10d instructions per call\n' "$1" $(((two - one) / calls))
}
reads=$((calls / 10))
calls=$reads profile read_act "PREPARE r(text) AS SELECT count(*) FROM act.query(stream => \$1, stream_exact => true)" \
    "EXECUTE r('read-@s@')"
calls=$reads profile read_select "PREPARE r(text) AS SELECT count(*) FROM (SELECT id, name, data, stream, version, created, meta FROM bench.plain WHERE stream = \$1 ORDER BY id) e" \
    "EXECUTE r('read-@s@')"
truncate="TRUNCATE act.events, bench.plain;"
profile act "$truncate
PREPARE c(text, text, text) AS SELECT id FROM act.commit(\$1, \$2, \$3)" \
    "EXECUTE c('bench-1', '$(q "$event")', '$(q "$BENCH_META")')"
profile insert "$truncate
PREPARE i(jsonb, text, int, jsonb) AS INSERT INTO bench.plain (name, data, stream, version, meta) VALUES ('Happened', \$1, \$2, \$3, \$4)" \
    "EXECUTE i('$(q "$BENCH_DATA")', 'bench-1', @i@, '$(q "$BENCH_META")')"
bench_own_build
