#!/usr/bin/env bash
# The main job: builds and installs act_pg, starts a throwaway PostgreSQL
# cluster, creates the extension and runs the quickstart session
# (tools/quickstart.sql), printing its output. The cluster is dropped after.
set -euo pipefail
cd "$(dirname "$0")/.."
exec 9>/tmp/act_pg.test.lock   # one throwaway cluster at a time (tools/test.sh too)
flock 9
tools/build.sh
pg_virtualenv -v 15 psql -X -v ON_ERROR_STOP=0 --echo-all -f tools/quickstart.sql 2>&1 9>&-
