#!/usr/bin/env bash
# The act_pg benchmark: builds and installs act_pg, starts a throwaway
# PostgreSQL 15 cluster with default durability, runs each case script
# (bench/<case>.sh) and prints one table: act_pg beside its baseline,
# measured in the same run, median of several runs. See bench/README.md.
#
#   bench/run.sh [--quick] [--preload] [case ...]
#
# --quick: 3 runs of 3 seconds (default: BENCH_RUNS=5 of BENCH_SECONDS=6).
# --preload: the cluster has act_pg in shared_preload_libraries (the
# shared in-flight registry, src/inflight.hpp); default: a plain CREATE
# EXTENSION (in-flight ids as advisory locks).
# Cases: those named, else all of the list below, in its order.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

# The cases, in table order: each one is bench/<name>.sh.
all_cases=(commit read gap_free claim consume query_stats locks publish)

quick=0
cases=()
for arg; do
    case $arg in
    --quick) quick=1 ;;
    --preload) export BENCH_PRELOAD=1 ;;
    -h | --help) sed -n '2,14s/^# \{0,1\}//p' "$0"; exit 0 ;;
    -*) echo "unknown option: $arg" >&2; exit 2 ;;
    *) cases+=("$arg") ;;
    esac
done
((${#cases[@]})) || cases=("${all_cases[@]}")
for c in "${cases[@]}"; do
    [ -f "bench/$c.sh" ] || { echo "no such case: bench/$c.sh" >&2; exit 2; }
done

export BENCH_SECONDS=${BENCH_SECONDS:-$( ((quick)) && echo 3 || echo 6)}
export BENCH_RUNS=${BENCH_RUNS:-$( ((quick)) && echo 3 || echo 5)}
export BENCH_DIR=$root/bench
export BENCH_OUT=$root/bench/out
source bench/lib.sh

# The machine-wide lock of tools/test.sh: this run installs the extension.
exec 9>/tmp/act_pg.test.lock
flock 9
tools/build.sh
export BENCH_BUILD
BENCH_BUILD=$(bench_installed)

rm -rf "$BENCH_OUT"
mkdir -p "$BENCH_OUT"

bench_cluster bench
export PGDATABASE=bench
psql -X -q -d postgres -c "CREATE DATABASE bench"
psql -X -q -v ON_ERROR_STOP=1 -f bench/setup.sql

settings=$(psql -X -At -c "SELECT string_agg(name || '=' || current_setting(name), ' ' ORDER BY name)
    FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'wal_sync_method',
                                    'shared_buffers', 'max_wal_size', 'checkpoint_timeout', 'shared_preload_libraries')")
{
    echo "act_pg $(git describe --always --dirty) on $(psql -X -At -c 'SHOW server_version'), $(nproc) cores;" \
        "$BENCH_RUNS runs of ${BENCH_SECONDS}s per figure (${bench_short}s for short operations), median shown, runs in brackets"
    echo "settings: $settings (PostgreSQL defaults); pgbench -M prepared (and bench/consume.c) over a Unix socket"
} >"$BENCH_OUT/header"
cat "$BENCH_OUT/header"

failed=()
for c in "${cases[@]}"; do
    echo "== $c"
    bash "bench/$c.sh" || failed+=("$c")
done

bench_own_build || failed+=("(the build measured)")
echo
{
    cat "$BENCH_OUT/header"
    echo
    touch "$BENCH_OUT/measurements" "$BENCH_OUT/rows"
    awk -f bench/table.awk "$BENCH_OUT/measurements" "$BENCH_OUT/rows"
    ((${#failed[@]} == 0)) || echo "FAILED cases: ${failed[*]} (see bench/out/pgbench.log)"
} | tee "$BENCH_OUT/table.txt"
((${#failed[@]} == 0))
