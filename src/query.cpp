// act.query and act.max_event_id: reading events.
#include "boundary.hpp"
#include "errors.hpp"
#include "events.hpp"
#include "fence.hpp"
#include "spi.hpp"
#include "store.hpp"

namespace act {
namespace {

// act.query's arguments, in order.
enum Arg { stream, stream_exact, names, after, before, created_after, created_before, correlation,
           max_rows, backward, with_snaps, arg_count };

// The shape of a query: which clauses its SQL has. Each shape is prepared
// once per store, so every plan is made for the filters it has.
enum Shape : uint32 {
    by_regex = 1 << 0,
    by_stream = 1 << 1,
    by_names = 1 << 2,
    by_after = 1 << 3,
    by_before = 1 << 4,
    by_created_after = 1 << 5,
    by_created_before = 1 << 6,
    by_correlation = 1 << 7,
    limited = 1 << 8,
    descending = 1 << 9,
    snaps = 1 << 10,
    from_snapshot = 1 << 11,  // exact stream, with snapshots, no after
    below_horizon = 1 << 12,  // gap-free: after, and not one exact stream
};

// Plan parameters: the first nine of act.query's (as given), then the horizon.
constexpr int horizon_param = 9;
const Oid param_types[] = {TEXTOID, BOOLOID, TEXTARRAYOID, INT8OID, INT8OID, TIMESTAMPTZOID,
                           TIMESTAMPTZOID, TEXTOID, INT4OID, INT8OID};

const char *build_sql(const Store *store, uint32 shape)
{
    StringInfoData sql;
    initStringInfo(&sql);
    appendStringInfo(&sql, "SELECT %s FROM %s WHERE true", events::columns(store, ""), store->events_sql);
    if (shape & by_regex)
        appendStringInfoString(&sql, " AND stream ~ $1");
    if (shape & by_stream)
        appendStringInfoString(&sql, " AND stream = $1");
    if (shape & by_names)
        appendStringInfoString(&sql, " AND name = ANY($3)");
    if (shape & by_after)
        appendStringInfoString(&sql, " AND id > $4");
    if (shape & by_before)
        appendStringInfoString(&sql, " AND id < $5");
    if (shape & by_created_after)
        appendStringInfoString(&sql, " AND created > $6");
    if (shape & by_created_before)
        appendStringInfoString(&sql, " AND created < $7");
    if (shape & by_correlation)
        appendStringInfoString(&sql, " AND meta->>'correlation' = $8");
    if (!(shape & snaps))
        appendStringInfoString(&sql, " AND name <> '__snapshot__'");
    if (shape & from_snapshot)
        appendStringInfo(&sql,
                         " AND version >= coalesce((SELECT version FROM %s WHERE stream = $1"
                         " AND name = '__snapshot__' ORDER BY version DESC LIMIT 1), 0)",
                         store->events_sql);
    if (shape & below_horizon)
        appendStringInfoString(&sql, " AND id < $10");
    // Within one stream, version order is id order, and the (stream,
    // version) index reads it without a sort.
    const char *key = (shape & by_stream) ? "version" : "id";
    appendStringInfo(&sql, " ORDER BY %s%s", key, (shape & descending) ? " DESC" : "");
    if (shape & limited)
        appendStringInfoString(&sql, " LIMIT $9");
    return sql.data;
}

uint32 shape_of(FunctionCallInfo fcinfo)
{
    auto given = [fcinfo](int arg) { return !PG_ARGISNULL(arg); };
    auto flag = [fcinfo](int arg) { return !PG_ARGISNULL(arg) && PG_GETARG_BOOL(arg); };
    uint32 shape = 0;
    if (given(stream))
        shape |= flag(stream_exact) ? by_stream : by_regex;
    if (given(names))
        shape |= by_names;
    if (given(after))
        shape |= by_after;
    if (given(before))
        shape |= by_before;
    if (given(created_after))
        shape |= by_created_after;
    if (given(created_before))
        shape |= by_created_before;
    if (given(correlation))
        shape |= by_correlation;
    if (given(max_rows))
        shape |= limited;
    if (flag(backward))
        shape |= descending;
    if (flag(with_snaps)) {
        shape |= snaps;
        if ((shape & by_stream) && !(shape & by_after))
            shape |= from_snapshot;
    }
    // One stream's writers commit in id order (they queue on the stream),
    // so only reads across streams need the horizon.
    if ((shape & by_after) && !(shape & by_stream))
        shape |= below_horizon;
    return shape;
}

Datum query(FunctionCallInfo fcinfo)
{
    if (!PG_ARGISNULL(max_rows))
        require_not_negative(PG_GETARG_INT32(max_rows), "max_rows");
    uint32 shape = shape_of(fcinfo);
    if (shape & by_regex)
        check_regex(PG_GETARG_TEXT_PP(stream), "argument \"stream\"");

    InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
    spi::connect();
    Store *store = current_store();
    uint32 variant = shape | events::layout_variant(store);
    SPIPlanPtr plan = cached_plan(store, Plan::query, variant);
    if (!plan)
        plan = keep_plan(store, Plan::query, variant, build_sql(store, shape), lengthof(param_types), param_types);

    Datum values[lengthof(param_types)];
    char nulls[lengthof(param_types)];
    for (int i = 0; i < arg_count - 2; i++) {
        values[i] = PG_ARGISNULL(i) ? Datum(0) : PG_GETARG_DATUM(i);
        nulls[i] = PG_ARGISNULL(i) ? 'n' : ' ';
    }
    values[horizon_param] = Datum(0);
    nulls[horizon_param] = 'n';

    // The rows are read from a snapshot taken after the horizon, so every
    // id below it that will ever be visible is visible now.
    if (shape & below_horizon) {
        values[horizon_param] = Int64GetDatum(fence::horizon(store));
        nulls[horizon_param] = ' ';
        PushActiveSnapshot(GetLatestSnapshot());
    }
    spi::rows_into(plan, values, nulls, reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo),
                   (shape & below_horizon) != 0);
    if (shape & below_horizon)
        PopActiveSnapshot();
    spi::finish();
    return Datum(0);
}

Datum max_event_id(FunctionCallInfo fcinfo)
{
    spi::connect();
    Store *store = current_store();
    SPIPlanPtr plan = cached_plan(store, Plan::max_event_id, 0);
    if (!plan) {
        Oid types[] = {INT8OID};
        plan = keep_plan(store, Plan::max_event_id, 0,
                         psprintf("SELECT id FROM %s WHERE id < $1 ORDER BY id DESC LIMIT 1", store->events_sql),
                         1, types);
    }
    Datum args[] = {Int64GetDatum(fence::horizon(store))};
    int64 id = spi::int64_value(plan, args, nullptr, -1, true);
    spi::finish();
    PG_RETURN_INT64(id);
}

} // namespace
} // namespace act

ACT_FUNCTION(act_query, act::query)
ACT_FUNCTION(act_max_event_id, act::max_event_id)
