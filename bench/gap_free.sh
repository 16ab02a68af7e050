#!/usr/bin/env bash
# Gap-free check: a consumer follows the log (every event with id > w, w
# moved to the highest id seen) while 8 writers commit one event at a time
# to their own streams; at the end it must have read every committed
# event. Through act.query(after => w) it must skip none; over the plain
# table (id > w, for contrast) events that commit out of id order are
# skipped. The writers' throughput while followed is a row of its own.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
scripts=$BENCH_DIR/pgbench
vars=(-D "data=$BENCH_DATA" -D "meta=$BENCH_META" -D v=-1 -D "events=$(bench_events 1)")

declare -A n_read n_committed n_polls
# follow VIA KEY SCRIPT TABLE: one run of 8 writers with a follower.
follow() {
    local via=$1 key=$2 script=$3 table=$4
    bench_reset
    bench_sql "UPDATE bench.follow_stop SET stop = false"
    local result=$BENCH_OUT/follow.$via
    psql -X -q -At -F ' ' -v ON_ERROR_STOP=1 -c "SELECT read, polls FROM bench.follow('$via')" >"$result" &
    local follower=$!
    local ok=0
    bench_pgbench "$key" 1 8 "$scripts/$script" "${vars[@]}" || ok=1
    bench_sql "UPDATE bench.follow_stop SET stop = true"
    wait "$follower"
    ((ok == 0))
    local n p
    read -r n p <"$result"
    n_read[$via]=$((${n_read[$via]:-0} + n))
    n_polls[$via]=$((${n_polls[$via]:-0} + p))
    n_committed[$via]=$((${n_committed[$via]:-0} + $(bench_sql "SELECT count(*) FROM $table")))
}

for run in $(seq "$BENCH_RUNS"); do
    echo "gap-free follower, run $run of $BENCH_RUNS"
    follow act followed_act commit_act.pgbench act.events
    follow plain followed_insert commit_insert.pgbench bench.plain
done

bench_row "commit 1 event, 8 clients, followed" tps act.commit followed_act \
    "plain INSERT" followed_insert
for via in act plain; do
    skipped=$((n_committed[$via] - n_read[$via]))
    if [ "$via" = act ]; then
        label="follower act.query(after), 8 writers"
        verdict=$([ "$skipped" -eq 0 ] && echo met || echo MISSED)
    else
        label="follower plain id > w, 8 writers"
        verdict="-"
    fi
    bench_check "$label" "skipped $skipped of ${n_committed[$via]} (${n_polls[$via]} polls)" "$verdict"
done
