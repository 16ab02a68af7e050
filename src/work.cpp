#include "work.hpp"

#include "events.hpp"
#include "json.hpp"
#include "spi.hpp"
#include "stream_lock.hpp"

namespace act::work {
namespace {

bool is_snapshot(text *name)
{
    constexpr char snapshot[] = "__snapshot__";
    return VARSIZE_ANY_EXHDR(name) == sizeof snapshot - 1 &&
           memcmp(VARDATA_ANY(name), snapshot, sizeof snapshot - 1) == 0;
}

// Sources of probe_patterns' SQL, in the order of its parameters: the
// horizon, the head, the lane.
const char *probe_sql(const Store *store, bool by_lane)
{
    return psprintf(
        "UPDATE %1$s s SET probed = coalesce(p.hit, p.upto), mark = coalesce(p.hit, s.mark)"
        " FROM (SELECT c.stream, w.upto, w.hit"
        "  FROM (SELECT stream, source, at, probed FROM %1$s"
        "         WHERE pattern AND NOT blocked AND mark <= at AND correlated_at IS NULL AND deferred_at IS NULL"
        "           AND greatest(at, probed) < $2%3$s"
        "           AND (leased_by IS NULL OR leased_until <= statement_timestamp())"
        "         FOR UPDATE SKIP LOCKED) c,"
        "  LATERAL (SELECT max(e.id) AS upto, min(e.id) FILTER (WHERE e.stream ~ c.source) AS hit"
        "    FROM (SELECT id, stream FROM %2$s"
        "           WHERE id > greatest(c.at, c.probed) AND id < $1 AND name <> '__snapshot__'"
        "           ORDER BY id LIMIT %4$d) e) w"
        "  WHERE w.upto IS NOT NULL) p"
        " WHERE s.stream = p.stream",
        store->streams_sql, store->events_sql, by_lane ? " AND lane = $3" : "", probe_limit);
}

} // namespace

void committed(const Store *store, text *stream, int64 first_id, Jsonb *events)
{
    for (int32 i = int32(JB_ROOT_COUNT(events)) - 1; i >= 0; i--) {
        CHECK_FOR_INTERRUPTS();
        json::Element e = json::element(events, i, "event", "");
        if (!is_snapshot(json::string(e, "name", true, false, events::max_name_bytes))) {
            raise_marks(store, stream, first_id + i);
            return;
        }
    }
}

void raise_marks(const Store *store, text *source, int64 last_id)
{
    if (!store->has_marks)
        return;
    // A store still in the 0.2.0 layout (before ALTER EXTENSION UPDATE)
    // has no caller marks: its commits keep working.
    uint32 layout = store->has_pii ? 1 : 0;
    SPIPlanPtr plan = cached_plan(store, Plan::raise_marks, layout);
    if (!plan) {
        Oid types[] = {TEXTOID, INT8OID};
        plan = keep_plan(store, Plan::raise_marks, layout,
                         // Rows locked by stream first (README, Deadlocks).
                         psprintf("UPDATE %1$s s SET mark = $2 FROM (SELECT stream FROM %1$s"
                                  "  WHERE source = $1 AND NOT pattern AND mark <= at AND at < $2"
                                  "%2$s"
                                  "  ORDER BY stream FOR UPDATE) l"
                                  " WHERE s.stream = l.stream",
                                  store->streams_sql, layout ? "   AND correlated_at IS NULL" : ""),
                         2, types);
    }
    Datum args[] = {PointerGetDatum(source), Int64GetDatum(last_id)};
    // A subscription that act.subscribe created, or act.ack moved, after
    // this transaction's snapshot (both hold the source's stream lock until
    // they commit) is still seen, also in REPEATABLE READ.
    spi::execute(plan, args, nullptr, true);
}

void lock_sources(const Store *store, text **sources, int n)
{
    uint32 *keys = static_cast<uint32 *>(palloc(sizeof(uint32) * Max(n, 1)));
    for (int i = 0; i < n; i++)
        keys[i] = stream_lock_key(sources[i]);
    lock_stream_keys(store, keys, distinct_keys(keys, n));
    pfree(keys);
}

void truncated(const Store *store, text *stream)
{
    if (!store->has_marks)
        return;
    SPIPlanPtr plan = cached_plan(store, Plan::truncate_marks, 0);
    if (!plan) {
        Oid types[] = {TEXTOID};
        plan = keep_plan(store, Plan::truncate_marks, 0,
                         psprintf("UPDATE %s s SET mark = CASE WHEN s.pattern THEN -1 ELSE %s END,"
                                  " probed = CASE WHEN s.pattern THEN NULL ELSE s.probed END"
                                  " WHERE (NOT s.pattern AND s.source = $1) OR (s.pattern AND $1 ~ s.source)",
                                  store->streams_sql, source_head_sql(store, "$1")),
                         1, types);
    }
    Datum args[] = {PointerGetDatum(stream)};
    spi::execute(plan, args, nullptr);
}

const char *source_head_sql(const Store *store, const char *source)
{
    return psprintf("coalesce((SELECT e.id FROM %s e WHERE e.stream = %s AND e.name <> '__snapshot__'"
                    " ORDER BY e.version DESC LIMIT 1), -1)",
                    store->events_sql, source);
}

int64 settled_head(const Store *store, int64 horizon)
{
    SPIPlanPtr plan = cached_plan(store, Plan::settled_head, 0);
    if (!plan) {
        Oid types[] = {INT8OID};
        plan = keep_plan(store, Plan::settled_head, 0,
                         psprintf("SELECT id FROM %s WHERE id < $1 AND name <> '__snapshot__'"
                                  " ORDER BY id DESC LIMIT 1",
                                  store->events_sql),
                         1, types);
    }
    Datum args[] = {Int64GetDatum(horizon)};
    return spi::int64_value(plan, args, nullptr, -1, true);
}

void release_deferred(const Store *store)
{
    SPIPlanPtr plan = cached_plan(store, Plan::release_deferred, 0);
    if (!plan)
        plan = keep_plan(store, Plan::release_deferred, 0,
                         psprintf("UPDATE %1$s s SET deferred_at = NULL"
                                  " FROM (SELECT stream FROM %1$s WHERE deferred_at <= statement_timestamp()"
                                  "  ORDER BY deferred_at LIMIT %2$d FOR UPDATE SKIP LOCKED) d"
                                  " WHERE s.stream = d.stream",
                                  store->streams_sql, release_limit),
                         0, nullptr);
    spi::execute(plan, nullptr, nullptr);
}

void probe_patterns(const Store *store, int64 horizon, int64 head, text *lane)
{
    uint32 variant = lane ? 1 : 0;
    SPIPlanPtr plan = cached_plan(store, Plan::probe_patterns, variant);
    if (!plan) {
        Oid types[] = {INT8OID, INT8OID, TEXTOID};
        plan = keep_plan(store, Plan::probe_patterns, variant, probe_sql(store, lane != nullptr), lane ? 3 : 2,
                         types);
    }
    Datum args[] = {Int64GetDatum(horizon), Int64GetDatum(head), PointerGetDatum(lane)};
    // Events below the horizon are settled only for a snapshot taken after
    // it: an older one could let the cursor pass an event for good.
    spi::execute(plan, args, nullptr, true);
}

} // namespace act::work
