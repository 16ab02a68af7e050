#!/usr/bin/env bash
# act.restore at scale: time, and the restoring backend's memory, for each
# size in SIZES (default 100,000 and 1,000,000 events). Memory staying flat
# means the private memory (RssAnon) does not grow with the size.
#
# Runs against the database psql reaches with the usual PG* variables, on
# this machine (it reads the backend's /proc/<pid>/status), with act_pg
# installed (tools/build.sh), e.g.:
#   pg_virtualenv -v 15 bench/restore.sh
# Per size it prints: the time of the restore, VmHWM (peak resident set,
# which also counts the shared buffers the backend touched), and the peaks
# of RssAnon (private memory) and RssShmem (shared buffers touched) sampled
# every 50 ms while the restore runs. Works in its own store,
# bench_restore.events, and table bench_restore.source, dropped at the end.
set -euo pipefail
SIZES=${SIZES:-100000 1000000}
out=$(mktemp -d /tmp/act_pg_bench_restore.XXXXXX)
trap 'rm -rf "$out"' EXIT

# The sampler: reads /proc/$1/status every 50 ms until $2 disappears, then
# writes the peaks of RssAnon and RssShmem (kB) to $3.
cat >"$out/sample.sh" <<'SH'
#!/usr/bin/env bash
pid=$1 flag=$2 result=$3 anon=0 shmem=0
while [ -e "$flag" ] && [ -r "/proc/$pid/status" ]; do
    read -r a s < <(awk '/^RssAnon:/ {a = $2} /^RssShmem:/ {s = $2} END {print a, s}' "/proc/$pid/status")
    [ "${a:-0}" -gt "$anon" ] && anon=$a
    [ "${s:-0}" -gt "$shmem" ] && shmem=$s
    sleep 0.05
done
echo "$anon $shmem" >"$result"
SH
chmod +x "$out/sample.sh"
export BENCH_OUT=$out

psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS act_pg;
SELECT act.drop('bench_restore', 'events') \g /dev/null
SELECT act.seed('bench_restore') \g /dev/null
SQL

echo "size | restore time (s) | VmHWM (MB) | peak RssAnon (MB) | peak RssShmem (MB)"
for n in $SIZES; do
    # The source: 1,000 streams, every other event caused by the one before.
    psql -X -q -v ON_ERROR_STOP=1 -v n="$n" <<'SQL'
SET client_min_messages = warning;
DROP TABLE IF EXISTS bench_restore.source;
CREATE TABLE bench_restore.source AS
SELECT i * 2 AS id, 'Event' || (i % 7) AS name,
       jsonb_build_object('amount', i, 'note', repeat('x', 40)) AS data,
       'stream-' || (i % 1000) AS stream, (i / 1000)::int AS version,
       timestamptz '2024-01-01' + i * interval '1 second' AS created,
       CASE WHEN i % 2 = 1
            THEN jsonb_build_object('correlation', 'c' || i, 'causation', jsonb_build_object('event', jsonb_build_object('id', (i - 1) * 2, 'name', 'Event' || ((i - 1) % 7))))
            ELSE jsonb_build_object('correlation', 'c' || i, 'causation', jsonb_build_object()) END AS meta
  FROM generate_series(0, :n - 1) i;
VACUUM ANALYZE bench_restore.source;
SQL
    rm -f "$out/peaks"
    touch "$out/running"
    psql -X -q -At -v ON_ERROR_STOP=1 -v out="$out" -v n="$n" <<'SQL' >"$out/result"
SET act.store = 'bench_restore.events';
SELECT pg_backend_pid() AS pid \gset
\setenv BENCH_PID :pid
\! "$BENCH_OUT/sample.sh" $BENCH_PID "$BENCH_OUT/running" "$BENCH_OUT/peaks" &
SELECT extract(epoch FROM clock_timestamp()) AS t0 \gset
SELECT act.restore('bench_restore.source') AS restored \gset
SELECT round((extract(epoch FROM clock_timestamp()) - :t0)::numeric, 1) AS seconds \gset
\! rm -f "$BENCH_OUT/running"
SELECT CASE WHEN :restored = :n AND (SELECT max(id) FROM bench_restore.events) = :n
            THEN 'ok' ELSE 'WRONG' END || ' ' || :seconds;
\! awk '/^VmHWM:/ {print $2}' /proc/$BENCH_PID/status
SQL
    while [ ! -s "$out/peaks" ]; do sleep 0.1; done
    read -r check seconds <<<"$(sed -n 1p "$out/result")"
    hwm=$(sed -n 2p "$out/result")
    read -r anon shmem <"$out/peaks"
    [ "$check" = ok ] || { echo "restore of $n events gave a wrong store"; exit 1; }
    echo "$n | $seconds | $((hwm / 1024)) | $((anon / 1024)) | $((shmem / 1024))"
done

psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
SET client_min_messages = warning;
DROP TABLE bench_restore.source;
SELECT act.drop('bench_restore', 'events') \g /dev/null
SQL
