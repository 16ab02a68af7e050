#!/usr/bin/env bash
# The Node client's overhead per Store method (bench/client.mjs): builds and
# installs act_pg, installs the client's dependencies and builds it, and
# runs the script against a throwaway cluster, under the machine-wide lock
# that tools/test.sh takes. BENCH_RUNS (5) and BENCH_CALLS (500) set the
# size: about 1 minute with the defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
exec 9>/tmp/act_pg.test.lock
flock 9
tools/build.sh >/dev/null
(cd clients/node && npm ci --no-audit --no-fund >/dev/null && npm run build >/dev/null)
pg_virtualenv -v 15 sh -c 'psql -qXc "CREATE EXTENSION act_pg" && NODE_ENV=test LOG_LEVEL=fatal node bench/client.mjs' 9>&-
