// act.query_stats: per-stream head, tail, count and names.
//
// Two plans, chosen by what is asked:
//  - heads (and tails) alone: the streams are enumerated through the
//    (stream, version) index, one probe per distinct stream that also
//    yields its tail (or taken from the caller's list), and each head is
//    one more probe. The cost grows with the streams, never with the events.
//  - count or names: one scan of the matching events, grouped by stream
//    (and name); each stream's head and tail are then the same probes.
#include "boundary.hpp"
#include "errors.hpp"
#include "events.hpp"
#include "spi.hpp"
#include "store.hpp"

namespace act {
namespace {

// act.query_stats's arguments, in order.
enum Arg { streams, stream, stream_exact, tail, count, names, exclude, before, after, max_rows, arg_count };

enum Shape : uint32 {
    by_list = 1 << 0,    // streams given
    by_stream = 1 << 1,  // one exact stream
    by_regex = 1 << 2,
    with_tail = 1 << 3,
    with_count = 1 << 4,
    with_names = 1 << 5,
    by_exclude = 1 << 6,
    by_before = 1 << 7,
    by_after = 1 << 8,
    limited = 1 << 9,
};

// Plan parameters.
enum Param { p_streams = 1, p_stream, p_exclude, p_before, p_after, p_max_rows };
const Oid param_types[] = {TEXTARRAYOID, TEXTOID, TEXTARRAYOID, INT8OID, TEXTOID, INT4OID};

constexpr const char *event_columns = "id, name, data, stream, version, created, meta";

void append_event(StringInfo sql, const Store *store, const char *alias)
{
    // Statistics never carry personal data: their readers pass no
    // disclosure check of the framework's.
    appendStringInfo(sql, "ROW(%s)::act.event", events::columns(store, alias, false));
}

// The events that count: exclude and before.
void append_event_filters(StringInfo sql, uint32 shape)
{
    if (shape & by_exclude)
        appendStringInfo(sql, " AND name <> ALL($%d)", p_exclude);
    if (shape & by_before)
        appendStringInfo(sql, " AND id < $%d", p_before);
}

// The head and tail columns: the head from the probe `h`, the tail from
// `tail` when asked.
void append_columns(StringInfo sql, const Store *store, uint32 shape, const char *tail)
{
    append_event(sql, store, "h");
    appendStringInfoString(sql, ", ");
    if (shape & with_tail)
        append_event(sql, store, tail);
    else
        appendStringInfoString(sql, "NULL::act.event");
}

// Joins to each stream `s` its head `h` (highest version, which within a
// stream is the highest id) or its tail `t`: one probe of the (stream,
// version) index.
void append_end(StringInfo sql, const Store *store, uint32 shape, bool head)
{
    appendStringInfo(sql, " CROSS JOIN LATERAL (SELECT %s FROM %s WHERE stream = s.stream", event_columns,
                     store->events_sql);
    append_event_filters(sql, shape);
    appendStringInfo(sql, " ORDER BY version%s LIMIT 1) %s", head ? " DESC" : "", head ? "h" : "t");
}

void append_ends(StringInfo sql, const Store *store, uint32 shape)
{
    append_end(sql, store, shape, true);
    if (shape & with_tail)
        append_end(sql, store, shape, false);
}

// Heads of the streams given by name (a list, or one exact stream).
const char *listed_heads_sql(const Store *store, uint32 shape)
{
    StringInfoData sql;
    initStringInfo(&sql);
    appendStringInfoString(&sql, "SELECT s.stream, ");
    append_columns(&sql, store, shape, "t");
    appendStringInfoString(&sql, ", NULL::bigint, NULL::jsonb FROM ");
    const char *name;
    if (shape & by_list) {
        appendStringInfo(&sql, "(SELECT DISTINCT x AS stream FROM unnest($%d) x WHERE x IS NOT NULL", p_streams);
        name = "x";
    } else {
        name = psprintf("$%d", p_stream);
        appendStringInfo(&sql, "(SELECT %s AS stream WHERE true", name);
    }
    if (shape & by_after)
        appendStringInfo(&sql, " AND %s > $%d", name, p_after);
    appendStringInfoString(&sql, ") s");
    append_ends(&sql, store, shape);
    if (shape & by_list)
        appendStringInfoString(&sql, " ORDER BY s.stream");
    if (shape & limited)
        appendStringInfo(&sql, " LIMIT $%d", p_max_rows);
    return sql.data;
}

// Heads of every stream (or those matching the regex): a loose index scan
// whose each step is one probe that finds the next stream with a
// qualifying event together with that event, its tail. The head is then
// one more probe. The regex is tested on the streams found, not inside the
// probe, which would walk every event of the streams that do not match.
const char *heads_sql(const Store *store, uint32 shape)
{
    if (shape & (by_list | by_stream))
        return listed_heads_sql(store, shape);
    StringInfoData filters;
    initStringInfo(&filters);
    append_event_filters(&filters, shape);

    StringInfoData sql;
    initStringInfo(&sql);
    appendStringInfo(&sql,
                     "WITH RECURSIVE s AS ("
                     "(SELECT %1$s FROM %2$s WHERE true%3$s%4$s ORDER BY stream, version LIMIT 1)"
                     " UNION ALL"
                     " SELECT n.* FROM s CROSS JOIN LATERAL (SELECT %1$s FROM %2$s e"
                     " WHERE e.stream > s.stream%4$s ORDER BY e.stream, e.version LIMIT 1) n)"
                     " SELECT s.stream, ",
                     event_columns, store->events_sql,
                     (shape & by_after) ? psprintf(" AND stream > $%d", p_after) : "", filters.data);
    append_columns(&sql, store, shape, "s");
    appendStringInfoString(&sql, ", NULL::bigint, NULL::jsonb FROM s");
    append_end(&sql, store, shape, true);
    if (shape & by_regex)
        appendStringInfo(&sql, " WHERE s.stream ~ $%d", p_stream);
    // The recursive scan yields the streams in order, and the nested loop
    // keeps it.
    if (shape & limited)
        appendStringInfo(&sql, " LIMIT $%d", p_max_rows);
    return sql.data;
}

const char *scan_sql(const Store *store, uint32 shape)
{
    StringInfoData events;  // the events that count
    initStringInfo(&events);
    appendStringInfo(&events, "%s WHERE true", store->events_sql);
    if (shape & by_list)
        appendStringInfo(&events, " AND stream = ANY($%d)", p_streams);
    if (shape & by_stream)
        appendStringInfo(&events, " AND stream = $%d", p_stream);
    if (shape & by_regex)
        appendStringInfo(&events, " AND stream ~ $%d", p_stream);
    if (shape & by_after)
        appendStringInfo(&events, " AND stream > $%d", p_after);
    append_event_filters(&events, shape);

    StringInfoData sql;
    initStringInfo(&sql);
    appendStringInfoString(&sql, "SELECT s.stream, ");
    append_columns(&sql, store, shape, "t");
    appendStringInfo(&sql, ", %s, %s FROM (", (shape & with_count) ? "s.count" : "NULL::bigint",
                     (shape & with_names) ? "s.names" : "NULL::jsonb");
    if (shape & with_names)
        appendStringInfo(&sql,
                         "SELECT stream, sum(n)::bigint AS count, jsonb_object_agg(name, n) AS names"
                         " FROM (SELECT stream, name, count(*) AS n FROM %s GROUP BY stream, name) n"
                         " GROUP BY stream",
                         events.data);
    else
        appendStringInfo(&sql, "SELECT stream, count(*) AS count FROM %s GROUP BY stream", events.data);
    if (shape & limited)
        appendStringInfo(&sql, " ORDER BY stream LIMIT $%d", p_max_rows);
    appendStringInfoString(&sql, ") s");
    append_ends(&sql, store, shape);
    appendStringInfoString(&sql, " ORDER BY s.stream");
    return sql.data;
}

const char *build_sql(const Store *store, uint32 shape)
{
    return (shape & (with_count | with_names)) ? scan_sql(store, shape) : heads_sql(store, shape);
}

uint32 shape_of(FunctionCallInfo fcinfo)
{
    auto given = [fcinfo](int arg) { return !PG_ARGISNULL(arg); };
    auto flag = [fcinfo](int arg) { return !PG_ARGISNULL(arg) && PG_GETARG_BOOL(arg); };
    uint32 shape = 0;
    if (given(streams))
        shape |= by_list;
    else if (given(stream))
        shape |= flag(stream_exact) ? by_stream : by_regex;
    if (flag(tail))
        shape |= with_tail;
    if (flag(count))
        shape |= with_count;
    if (flag(names))
        shape |= with_names;
    if (given(exclude))
        shape |= by_exclude;
    if (given(before))
        shape |= by_before;
    if (given(after))
        shape |= by_after;
    if (given(max_rows))
        shape |= limited;
    return shape;
}

void check_args(FunctionCallInfo fcinfo)
{
    if (!PG_ARGISNULL(streams) && !PG_ARGISNULL(stream))
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("query_stats takes either streams or stream, not both"),
                        errhint("Pass a list of exact names as streams, or a filter as stream (and stream_exact).")));
    if (!PG_ARGISNULL(exclude) && array_contains_nulls(PG_GETARG_ARRAYTYPE_P(exclude)))
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("exclude must not contain NULL")));
    if (!PG_ARGISNULL(max_rows))
        require_not_negative(PG_GETARG_INT32(max_rows), "max_rows");
}

// Runs the statement for the arguments: the stats, or with `explain` the
// plan of the statement the stats would run.
Datum run(FunctionCallInfo fcinfo, bool explain)
{
    check_args(fcinfo);
    uint32 shape = shape_of(fcinfo);
    if (shape & by_regex)
        check_regex(PG_GETARG_TEXT_PP(stream), "argument \"stream\"");

    InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
    spi::connect();
    Store *store = current_store();
    SPIPlanPtr plan;
    if (explain) {
        plan = SPI_prepare(psprintf("EXPLAIN (COSTS OFF) %s", build_sql(store, shape)), lengthof(param_types),
                           const_cast<Oid *>(param_types));
        if (!plan)
            elog(ERROR, "act_pg: SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
    } else {
        uint32 variant = shape | events::layout_variant(store);
        plan = cached_plan(store, Plan::stats, variant);
        if (!plan)
            plan = keep_plan(store, Plan::stats, variant, build_sql(store, shape), lengthof(param_types),
                             param_types);
    }

    const Arg given[] = {streams, stream, exclude, before, after, max_rows};
    Datum values[lengthof(param_types)];
    char nulls[lengthof(param_types)];
    for (size_t i = 0; i < lengthof(given); i++) {
        values[i] = PG_ARGISNULL(given[i]) ? Datum(0) : PG_GETARG_DATUM(given[i]);
        nulls[i] = PG_ARGISNULL(given[i]) ? 'n' : ' ';
    }
    // EXPLAIN is a utility statement, which SPI runs only when not read-only.
    spi::rows_into(plan, values, nulls, reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo), !explain);
    spi::finish();
    return Datum(0);
}

Datum query_stats(FunctionCallInfo fcinfo)
{
    return run(fcinfo, false);
}

Datum query_stats_plan(FunctionCallInfo fcinfo)
{
    return run(fcinfo, true);
}

} // namespace
} // namespace act

ACT_FUNCTION(act_query_stats, act::query_stats)
ACT_FUNCTION(act_query_stats_plan, act::query_stats_plan)
