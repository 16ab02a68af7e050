#!/usr/bin/env bash
# Runs every act_pg test suite: pg_regress (sql/, expected/), isolation
# (test/specs) against a throwaway cluster, TAP (test/t) with clusters of
# its own, and the Node client's tests (clients/node) against another.
# Prints each suite's output, the failures' diffs, and last a line
# "N passed, N failed" (one per regression file, spec, TAP file and client
# test file).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
# One test run at a time on this machine: runs share the installed
# extension and pg_virtualenv's cluster name. (Servers get `9>&-`: one left
# running must not hold the lock.)
exec 9>/tmp/act_pg.test.lock
flock 9
if ! tools/build.sh; then
    echo "build failed"
    echo "0 passed, 1 failed"
    exit 1
fi

out=$(mktemp -d /tmp/act_pg_test.XXXXXX)
chmod 755 "$out"

# pg_regress and the isolation tester, in a throwaway cluster.
rm -rf results output_iso regression.diffs regression.out
export PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
pg_virtualenv -v 15 sh -c 'make installcheck ISOLATION=; r=$?; make installcheck REGRESS= || r=1; exit $r' \
    >"$out/installcheck.log" 2>&1 9>&-
installcheck_status=$?
# The isolation specs again, with act_pg in shared_preload_libraries (its
# shared in-flight registry, src/inflight.hpp).
if [ -s output_iso/regression.diffs ]; then mv output_iso output_iso.locks; fi
pg_virtualenv -v 15 -o shared_preload_libraries=act_pg sh -c 'make installcheck REGRESS=' \
    >>"$out/installcheck.log" 2>&1 9>&- || installcheck_status=1
cat "$out/installcheck.log"
[ -d output_iso.locks ] && { echo "=== output_iso.locks/regression.diffs"; cat output_iso.locks/regression.diffs; rm -rf output_iso.locks; }
for d in regression.diffs output_iso/regression.diffs; do
    [ -s "$d" ] && { echo "=== $d"; cat "$d"; }
done
passed=$(grep -cE '\.\.\. ok' "$out/installcheck.log")
failed=$(grep -cE '\.\.\. FAILED|\.\.\. failed' "$out/installcheck.log")
# A suite that failed before its tests ran (no cluster, no extension) counts too.
if [ "$installcheck_status" -ne 0 ] && [ "$failed" -eq 0 ]; then
    failed=1
fi

# TAP: PostgreSQL::Test::Cluster runs initdb, which refuses root, so the
# tests run as postgres from a copy it can write to.
if compgen -G "test/t/*.pl" >/dev/null; then
    mkdir "$out/tap"
    cp -r "$root/sql" "$root/expected" "$root/test" "$out/tap/"
    chown -R postgres: "$out"
    pgxs=$(/usr/lib/postgresql/15/bin/pg_config --pgxs)
    perl_lib=$(dirname "$pgxs")/../test/perl
    runuser -u postgres -- env -C "$out/tap/test" PATH="/usr/lib/postgresql/15/bin:$PATH" \
        TESTDIR="$out/tap/test" PG_REGRESS="$(dirname "$pgxs")/../test/regress/pg_regress" \
        prove -I "$perl_lib" --ext .pl t/ >"$out/tap.log" 2>&1 9>&-
    cat "$out/tap.log"
    # prove: "t/NAME.pl .. ok" per passing file; a failing one is listed
    # in the summary as "t/NAME.pl (Wstat: ...)".
    passed=$((passed + $(grep -cE '^t/\S+ \.+ ok$' "$out/tap.log")))
    failed=$((failed + $(grep -cE '^t/\S+ +\(Wstat' "$out/tap.log")))
fi

# The Node client (clients/node): its locked dependencies (npm ci), a build,
# then each test file against a throwaway cluster with act_pg (one count per
# file; the file's own TAP output shows its tests).
if (cd clients/node && npm ci --no-audit --no-fund && npm run build:test) >"$out/node_build.log" 2>&1; then
    pg_virtualenv -v 15 sh -c 'cd clients/node && for f in build/test/*.test.js; do
            if NODE_ENV=test LOG_LEVEL=fatal node --test "$f"; then echo "client $f .. ok"; else echo "client $f .. FAILED"; fi
        done' >"$out/node.log" 2>&1 9>&-
    cat "$out/node.log"
    passed=$((passed + $(grep -cE '^client \S+ \.\. ok$' "$out/node.log")))
    failed=$((failed + $(grep -cE '^client \S+ \.\. FAILED$' "$out/node.log")))
else
    cat "$out/node_build.log"
    echo "client build failed (Node 20 and npm are needed)"
    failed=$((failed + 1))
fi

echo "${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
