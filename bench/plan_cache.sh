#!/usr/bin/env bash
# The memory of act_pg's kept plans in one backend under the workload of
# issue 10 (bench/plan_cache.sql): 1,536 act.query shapes, 512
# act.query_stats shapes, 20 stores seeded, used and dropped. Prints, after
# each stage, the kept plans' contexts and bytes and the backend's total
# (pg_backend_memory_contexts). About half a minute.
#
#   bench/plan_cache.sh                          # as root
#   PGOPTIONS='-c act.plan_cache_size=2000' bench/plan_cache.sh   # another bound
#
# Builds and installs act_pg and runs in a throwaway cluster, under the
# lock of tools/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
export BENCH_DIR=$PWD/bench
source bench/lib.sh

exec 9>/tmp/act_pg.test.lock
flock 9
tools/build.sh
bench_cluster plan_cache
export PGDATABASE=postgres
psql -X -q -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION act_pg'
echo "act_pg $(git describe --always --dirty); act.plan_cache_size = $(psql -X -At -c 'SHOW act.plan_cache_size' 2>/dev/null || echo '(none)')"
psql -X -q -f bench/plan_cache.sql
