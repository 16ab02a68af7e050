#!/usr/bin/env bash
# Runs act_pg's regression and isolation suites, and the fuzzer at a small
# N, against a build with AddressSanitizer and UndefinedBehaviorSanitizer,
# and fails on any sanitizer report or any server process killed by a
# signal (or otherwise crashed). The last line says which and how many.
#
#   tools/sanitize.sh            the check (pre-release, and in CI)
#   tools/sanitize.sh --canary   the same with a deliberate heap overflow
#                                compiled in (src/selftest.cpp): must fail
#
# Nothing is installed machine-wide, so it needs no lock: the build goes
# into a private copy of PostgreSQL 15's tree in /tmp/act_pg_sanitize.*,
# whose server finds its lib and share directories relative to its own
# executable, and runs there on a private socket. The folder is removed at
# the end unless ACT_SANITIZE_KEEP=1.
#
# The server is PostgreSQL's own (not built with ASan): the ASan runtime is
# preloaded into it, with tools/sanitize_preload.c so that it initializes
# before the first library constructor (see there). Leak detection is off:
# PostgreSQL frees memory contexts wholesale at exit, which looks like leaks.
set -uo pipefail
cd "$(dirname "$0")/.."
src=$PWD
canary=no
case "${1:-}" in
    --canary) canary=yes ;;
    "") ;;
    *) echo "usage: tools/sanitize.sh [--canary]" >&2; exit 2 ;;
esac

tools/deps.sh || exit 1
pg=/usr/lib/postgresql/15
real_pg_config=$pg/bin/pg_config
tmp=$(mktemp -d /tmp/act_pg_sanitize.XXXXXX)
chmod 755 "$tmp"
root=$tmp/root
bin=$root$pg/bin
port=${ACT_SANITIZE_PORT:-54329}

as_postgres() { runuser -u postgres -- "$@"; }
stop_server() {
    [ -f "$tmp/data/postmaster.pid" ] && as_postgres "$bin/pg_ctl" -D "$tmp/data" -m fast -w stop >/dev/null 2>&1
}
cleanup() {
    stop_server
    if [ "${ACT_SANITIZE_KEEP:-0}" = 1 ]; then echo "kept: $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
fail() {
    echo "sanitize: $*"
    exit 1
}

# The private tree: PostgreSQL computes its lib and share directories from
# the executable's path relative to the compiled-in bindir, so a copy that
# keeps /usr/lib/postgresql/15 and /usr/share/postgresql/15 side by side
# under $root is self-contained. Its pg_config proves it.
mkdir -p "$root/usr/lib/postgresql" "$root/usr/share/postgresql"
cp -a $pg "$root/usr/lib/postgresql/" && cp -a /usr/share/postgresql/15 "$root/usr/share/postgresql/" ||
    fail "cannot copy PostgreSQL's tree"
[ "$("$bin/pg_config" --pkglibdir)" = "$root$pg/lib" ] &&
    [ "$("$bin/pg_config" --sharedir)" = "$root/usr/share/postgresql/15" ] ||
    fail "the copied server does not find its directories under $root"

# The build, in a copy of the sources (the worktree's objects stay as they
# are). No LLVM bitcode: the JIT would not run sanitized code anyway.
build=$tmp/build
mkdir "$build"
cp -a Makefile act_pg.control ./*.sql src sql expected test "$build/"
# Objects of an earlier normal build (tools/build.sh builds in the tree)
# look newer than their sources: without this they would be linked as is.
make -C "$build" -s clean PG_CONFIG=$real_pg_config >/dev/null
flags="-g -O1 -fno-omit-frame-pointer -fno-strict-aliasing -fwrapv -fsanitize=address,undefined"
[ $canary = yes ] && flags="$flags -DACT_SANITIZE_CANARY"
make -C "$build" -s -j2 PG_CONFIG=$real_pg_config with_llvm=no CXXFLAGS="$flags" \
    LDFLAGS_SL="-fsanitize=address,undefined" >"$tmp/build.log" 2>&1 &&
    make -C "$build" -s install PG_CONFIG=$real_pg_config with_llvm=no DESTDIR="$root" >>"$tmp/build.log" 2>&1 ||
    { cat "$tmp/build.log"; fail "build failed"; }
# Instrumented code calls ASan's checks: a library without them was built
# from uninstrumented objects.
grep -q __asan_report <(nm -D "$root$pg/lib/act_pg.so") || fail "act_pg.so is not instrumented by ASan"
gcc -shared -fPIC -O2 -o "$tmp/sanitize_preload.so" tools/sanitize_preload.c -ldl ||
    fail "cannot build tools/sanitize_preload.c"

# The server, as postgres (initdb refuses root), on a socket in $tmp.
chown -R postgres: "$tmp"
as_postgres "$bin/initdb" -D "$tmp/data" -A trust -U postgres --no-sync >"$tmp/initdb.log" 2>&1 ||
    { cat "$tmp/initdb.log"; fail "initdb failed"; }
printf "listen_addresses = ''\nunix_socket_directories = '%s'\nport = %s\n" "$tmp" "$port" >>"$tmp/data/postgresql.conf"
# Reports go to the server's stderr, which pg_ctl writes to server.log.
as_postgres env LD_PRELOAD="$(gcc -print-file-name=libasan.so) $tmp/sanitize_preload.so" \
    ASAN_OPTIONS="detect_leaks=0" \
    UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
    "$bin/pg_ctl" -D "$tmp/data" -l "$tmp/server.log" -t 120 -w start >/dev/null 9>&- ||
    { cat "$tmp/server.log"; fail "the sanitized server did not start"; }
export PGHOST=$tmp PGPORT=$port PGUSER=postgres

# The suites, as tools/test.sh runs them (pg_regress makes its database).
started=$(date +%s)
(cd "$build" && make installcheck PG_CONFIG=$real_pg_config ISOLATION= &&
    make installcheck PG_CONFIG=$real_pg_config REGRESS=) >"$tmp/installcheck.log" 2>&1
suites=$?
grep -E '\.\.\. (ok|FAILED|failed)' "$tmp/installcheck.log"
ran=$(grep -cE '\.\.\. (ok|FAILED|failed)' "$tmp/installcheck.log")
for d in "$build/regression.diffs" "$build/output_iso/regression.diffs"; do
    [ -s "$d" ] && { echo "=== $d (first 40 lines)"; head -40 "$d"; }
done

# The fuzzer at a small N (ACT_SANITIZE_FUZZ_OPS, 0 to skip it), on its own
# database, drops included, as in the test command (test/t/007_fuzz.pl).
fuzz=0
if [ "${ACT_SANITIZE_FUZZ_OPS:-20000}" -gt 0 ]; then
    psql -X -q -c "CREATE DATABASE act_fuzz" postgres &&
        perl test/fuzz/fuzz.pl --seed 1 --ops "${ACT_SANITIZE_FUZZ_OPS:-20000}" --dbname act_fuzz \
            --server-log "$tmp/server.log" >"$tmp/fuzz.log" 2>&1
    fuzz=$?
    cat "$tmp/fuzz.log"
fi
echo "suites and fuzzer ran in $(($(date +%s) - started)) s"
stop_server

# ASan's reports begin "==PID==ERROR: AddressSanitizer", UBSan's
# "file:line:col: runtime error:".
report='ERROR: AddressSanitizer|ERROR: [A-Za-z]+Sanitizer|: runtime error: '
reports=$(grep -cE "$report" "$tmp/server.log")
# A server process that died: killed by a signal, or gone without its
# clean-up (a sanitizer exits so), which makes the postmaster restart all.
crash='terminated by signal|terminating any other active server processes'
signals=$(grep -cE "$crash" "$tmp/server.log")
if [ "$reports" -gt 0 ] || [ "$signals" -gt 0 ]; then
    echo "=== server.log, from the first report (60 lines)"
    grep -m1 -A60 -E "$report|$crash" "$tmp/server.log"
    fail "FAILED: $reports sanitizer report(s), $signals server crash(es)"
fi
[ "$suites" -eq 0 ] || fail "FAILED: the suites failed (no sanitizer report)"
[ "$fuzz" -eq 0 ] || fail "FAILED: the fuzzer failed (no sanitizer report)"
echo "sanitize: passed: $ran tests and the fuzzer, 0 sanitizer reports, 0 server crashes"
