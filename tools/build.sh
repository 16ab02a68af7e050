#!/usr/bin/env bash
# Builds act_pg and installs it into the machine's PostgreSQL 15.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh
export PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
make -s -j2 >/dev/null
make -s install >/dev/null
