#!/usr/bin/env bash
# Instruction counts per call of act.commit beside the plain INSERT of the
# same row, under valgrind's callgrind (stable on a noisy machine, unlike
# time). A single-user backend reads one statement per line and runs each
# as its own transaction: parse of EXECUTE, execution, COMMIT.
#
#   bench/profile.sh [calls]       # default 2000 calls of each kind
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
bin=$(/usr/lib/postgresql/15/bin/pg_config --bindir)
export PATH="$bin:$PATH"
out=$root/bench/out
mkdir -p "$out"

tmp=$(mktemp -d /tmp/act_pg_profile.XXXXXX)
as_postgres() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
[ "$(id -u)" = 0 ] && chown postgres: "$tmp"
trap 'as_postgres pg_ctl -D "$tmp/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
as_postgres initdb -D "$tmp/data" -A trust -U postgres --no-sync >/dev/null
echo "listen_addresses = ''" >>"$tmp/data/postgresql.conf"
echo "unix_socket_directories = '$tmp'" >>"$tmp/data/postgresql.conf"
as_postgres pg_ctl -D "$tmp/data" -l "$tmp/server.log" -w start >/dev/null
export PGHOST=$tmp PGUSER=postgres
psql -X -q -d postgres -c "CREATE DATABASE bench"
psql -X -q -v ON_ERROR_STOP=1 -d bench -f bench/setup.sql
as_postgres pg_ctl -D "$tmp/data" -w stop >/dev/null

event=$(bench_events 1)
q() { sed "s/'/''/g" <<<"$1"; }
# count KIND N PREPARE EXECUTE: instructions of one single-user backend
# that runs N EXECUTEs, @i@ in EXECUTE replaced by the call's number.
count() {
    local kind=$1 n=$2 script=$tmp/$1.$2.sql
    {
        echo "TRUNCATE act.events, bench.plain;"
        echo "$3;"
        for ((i = 0; i < n; i++)); do echo "${4//@i@/$i};"; done
    } >"$script"
    chown postgres: "$script"
    as_postgres valgrind --tool=callgrind --callgrind-out-file="$tmp/callgrind.$kind.$n" \
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
profile act "PREPARE c(text, text, text) AS SELECT id FROM act.commit(\$1, \$2, \$3)" \
    "EXECUTE c('bench-1', '$(q "$event")', '$(q "$BENCH_META")')"
profile insert "PREPARE i(jsonb, text, int, jsonb) AS INSERT INTO bench.plain (name, data, stream, version, meta) VALUES ('Happened', \$1, \$2, \$3, \$4)" \
    "EXECUTE i('$(q "$BENCH_DATA")', 'bench-1', @i@, '$(q "$BENCH_META")')"
bench_own_build
