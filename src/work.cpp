#include "work.hpp"

#include "events.hpp"
#include "json.hpp"
#include "spi.hpp"

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
        "         WHERE pattern AND NOT blocked AND at >= 0 AND mark <= at"
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
        json::Element e = json::element(events, i, "event", "");
        if (!is_snapshot(json::string(e, "name", true, false, events::max_name_bytes))) {
            raise_marks(store, stream, first_id + i);
            return;
        }
    }
}

void raise_marks(const Store *store, text *source, int64 last_id)
{
    SPIPlanPtr plan = cached_plan(store, Plan::raise_marks, 0);
    if (!plan) {
        Oid types[] = {TEXTOID, INT8OID};
        plan = keep_plan(store, Plan::raise_marks, 0,
                         psprintf("UPDATE %s SET mark = $2 WHERE source = $1 AND NOT pattern AND mark < $2",
                                  store->streams_sql),
                         2, types);
    }
    Datum args[] = {PointerGetDatum(source), Int64GetDatum(last_id)};
    // A subscription that act.subscribe created after this transaction's
    // snapshot (it holds the source's stream lock until it commits) is
    // still seen, also in REPEATABLE READ.
    spi::execute(plan, args, nullptr, true);
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
