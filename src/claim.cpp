// act.claim: lease streams that have work to one of many competing workers.
//
// One statement picks and leases them. Subscriptions with work are read
// from two partial indexes on (lane, priority, at, stream) (see work.hpp):
// `todo` (a mark past the watermark: the caller's, or else act_pg's own)
// and `every` (source NULL and no caller's mark: work when at is below the
// head); neither lists blocked or deferred rows. Each index is walked level by level,
// one (lane, priority) pair at a time (a skip scan written as a recursive
// CTE), and each level gives its first rows by at ascending and by at
// descending, locked FOR UPDATE SKIP LOCKED as they are read. So the cost
// grows with the number of levels and of rows claimed, not with the number
// of subscriptions, and a row another worker holds is passed over, never
// waited for. From those few rows the statement takes the lagging set
// (priority DESC, at ASC, with the fairness reserve by at ASC alone) and the
// leading set (at DESC), and leases them. Rows a level locked but the
// statement did not lease stay locked until the claim's transaction ends,
// as the leased ones do: other workers pass over them meanwhile. The update
// names its rows also by `= ANY(ARRAY(...))`, which the planner knows to be
// a handful of keys: a join alone, estimated at hundreds of rows, made it
// scan every subscription of a small store.
#include "boundary.hpp"
#include "errors.hpp"
#include "events.hpp"
#include "fence.hpp"
#include "spi.hpp"
#include "store.hpp"
#include "work.hpp"

namespace act {
namespace {

enum Arg { lagging_arg, lead_arg, by_arg, millis_arg, lane_arg };

// Plan parameters.
//   $1 main slots, $2 fairness slots, $3 lead slots, $4 by, $5 millis,
//   $6 bound: watermarks below it may have work (the head),
//   $7 lane (in the by-lane variant only).
const Oid param_types[] = {INT4OID, INT4OID, INT4OID, TEXTOID, INT4OID, INT8OID, TEXTOID};

// The slots of `lagging` that go by at ASC alone: a quarter, at least one
// once there are two slots, so a stream of low priority is never starved.
int32 fairness_slots(int32 lagging)
{
    return lagging >= 2 ? Max(1, lagging / 4) : 0;
}

// The levels of one partial index: its distinct (lane, priority) pairs,
// found with one index probe each.
void append_levels(StringInfo sql, const Store *store, const char *name, const char *rows, const char *lane)
{
    appendStringInfo(sql,
                     "%1$s(lane, priority) AS ("
                     " (SELECT lane, priority FROM %2$s WHERE %3$s%4$s ORDER BY lane, priority LIMIT 1)"
                     " UNION ALL"
                     " SELECT n.lane, n.priority FROM %1$s l, LATERAL ("
                     "  SELECT lane, priority FROM %2$s WHERE %3$s%4$s AND (lane, priority) > (l.lane, l.priority)"
                     "  ORDER BY lane, priority LIMIT 1) n),",
                     name, store->streams_sql, rows, lane);
}

// The first rows of each level of `levels` in one direction, locked.
void append_firsts(StringInfo sql, const Store *store, const char *levels, const char *rows,
                   const char *range, const char *order, const char *limit)
{
    appendStringInfo(sql,
                     " SELECT c.* FROM %1$s l, LATERAL ("
                     "  SELECT stream, priority, at FROM %2$s"
                     "  WHERE lane = l.lane AND priority = l.priority AND %3$s AND %4$s"
                     "    AND (leased_by IS NULL OR leased_until <= statement_timestamp())"
                     "  ORDER BY %5$s LIMIT %6$s FOR UPDATE SKIP LOCKED) c",
                     levels, store->streams_sql, rows, range, order, limit);
}

const char *build_sql(const Store *store, bool by_lane)
{
    // Each predicate is the one of its index in act.seed, so that the
    // planner reads that index.
    const char *work = "(correlated_at > at OR (correlated_at IS NULL AND mark > at)) AND NOT blocked"
                       " AND deferred_at IS NULL";
    const char *all = "source IS NULL AND correlated_at IS NULL AND NOT blocked AND deferred_at IS NULL";
    const char *work_range = "at < $6";
    const char *all_range = "at < $6";
    const char *lane = by_lane ? " AND lane = $7" : "";

    StringInfoData sql;
    initStringInfo(&sql);
    appendStringInfoString(&sql, "WITH RECURSIVE ");
    append_levels(&sql, store, "work_levels", work, lane);
    append_levels(&sql, store, "all_levels", all, lane);
    appendStringInfoString(&sql, " up AS (");
    append_firsts(&sql, store, "work_levels", work, work_range, "at, stream", "$1 + $2");
    appendStringInfoString(&sql, " UNION ALL");
    append_firsts(&sql, store, "all_levels", all, all_range, "at, stream", "$1 + $2");
    appendStringInfoString(&sql, "), down AS (");
    append_firsts(&sql, store, "work_levels", work, work_range, "at DESC, stream DESC", "$3");
    appendStringInfoString(&sql, " UNION ALL");
    append_firsts(&sql, store, "all_levels", all, all_range, "at DESC, stream DESC", "$3");
    appendStringInfo(
        &sql,
        "), main AS (SELECT stream FROM up ORDER BY priority DESC, at, stream LIMIT $1),"
        " fair AS (SELECT stream FROM up WHERE stream NOT IN (SELECT stream FROM main)"
        "  ORDER BY at, stream LIMIT $2),"
        " lead AS (SELECT stream FROM down ORDER BY at DESC, stream DESC LIMIT $3),"
        " chosen AS (SELECT stream, bool_or(lagging) AS lagging FROM ("
        "  SELECT stream, true AS lagging FROM main UNION ALL SELECT stream, true FROM fair"
        "  UNION ALL SELECT stream, false FROM lead) x GROUP BY stream),"
        " leased AS (UPDATE %s s SET leased_by = $4,"
        "  leased_until = statement_timestamp() + $5 * interval '1 millisecond', retry = s.retry + 1"
        "  FROM chosen c WHERE s.stream = c.stream AND s.stream = ANY(ARRAY(SELECT stream FROM chosen))"
        "  RETURNING s.stream, s.source, s.at, s.leased_by, s.retry, c.lagging, s.lane, s.priority)"
        " SELECT stream, source, at, leased_by, retry, lagging, lane FROM leased"
        " ORDER BY lagging DESC, CASE WHEN lagging THEN priority END DESC, CASE WHEN lagging THEN at END,"
        "  at DESC, stream",
        store->streams_sql);
    return sql.data;
}

Datum claim(FunctionCallInfo fcinfo)
{
    require_arg(fcinfo, lagging_arg, "lagging");
    require_arg(fcinfo, lead_arg, "lead");
    require_arg(fcinfo, by_arg, "by");
    require_arg(fcinfo, millis_arg, "millis");
    int32 lagging = PG_GETARG_INT32(lagging_arg);
    int32 lead = PG_GETARG_INT32(lead_arg);
    int32 millis = PG_GETARG_INT32(millis_arg);
    require_not_negative(lagging, "lagging");
    require_not_negative(lead, "lead");
    require_not_negative(millis, "millis");
    text *by = PG_GETARG_TEXT_PP(by_arg);
    int by_bytes = int(VARSIZE_ANY_EXHDR(by));
    // act.ack and act.block take holders of this size.
    if (by_bytes == 0 || by_bytes > events::max_name_bytes)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("by must be 1 to %d bytes long, not %d", events::max_name_bytes, by_bytes),
                        errhint("by names the lease holder: a unique id of the worker.")));
    text *lane = PG_ARGISNULL(lane_arg) ? nullptr : PG_GETARG_TEXT_PP(lane_arg);

    InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
    spi::connect();
    Store *store = current_store();
    if (lagging == 0 && lead == 0) {
        spi::finish();
        return Datum(0);
    }
    int64 horizon = fence::horizon(store);
    int64 head = work::settled_head(store, horizon);
    work::release_deferred(store);
    work::probe_patterns(store, horizon, head, lane);

    uint32 variant = lane ? 1 : 0;
    SPIPlanPtr plan = cached_plan(store, Plan::claim, variant);
    if (!plan)
        plan = keep_plan(store, Plan::claim, variant, build_sql(store, lane != nullptr),
                         lane ? lengthof(param_types) : lengthof(param_types) - 1, param_types);
    int32 fair = fairness_slots(lagging);
    Datum values[] = {Int32GetDatum(lagging - fair), Int32GetDatum(fair), Int32GetDatum(lead),
                      PointerGetDatum(by), Int32GetDatum(millis), Int64GetDatum(head),
                      PointerGetDatum(lane)};
    spi::rows_into(plan, values, nullptr, reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo), false);
    spi::finish();
    return Datum(0);
}

} // namespace
} // namespace act

ACT_FUNCTION(act_claim, act::claim)
