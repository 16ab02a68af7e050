// act.reset, act.unblock, act.prioritize, act.defer and act.query_streams:
// the operations on subscription rows chosen by a list of names or a
// filter.
//
// Every one takes the same trailing filter arguments (see Filter); all that
// are given must hold (an empty filter matches every row), and each shape of
// filter is prepared once per store.
#include "boundary.hpp"
#include "errors.hpp"
#include "spi.hpp"
#include "store.hpp"

namespace act {
namespace {

// The filter arguments, in order, from a function's first filter argument.
enum Filter { f_streams, f_stream, f_stream_exact, f_source, f_source_exact, f_blocked, f_lane, filter_count };

enum class Op : uint32 { reset, unblock, prioritize, query, defer };

enum Shape : uint32 {
    by_streams = 1 << 0,
    stream_regex = 1 << 1,
    stream_equal = 1 << 2,
    source_regex = 1 << 3,
    source_equal = 1 << 4,
    by_blocked = 1 << 5,
    by_lane = 1 << 6,
    by_after = 1 << 7,  // query only
    limited = 1 << 8,   // query only
    by_matches = 1 << 9,  // query only
};

// Plan parameters: $1 streams, $2 stream, $3 source, $4 blocked, $5 lane,
// then the operation's own: $6 priority (prioritize), deferred_at (defer)
// or after (query), $7 max_rows and $8 source_matches (query).
constexpr int param_count = 8;

// The shape of the filter at argument `first`; its regular expressions
// checked.
uint32 shape_of(FunctionCallInfo fcinfo, int first)
{
    auto given = [&](int arg) { return !PG_ARGISNULL(first + arg); };
    auto flag = [&](int arg) { return given(arg) && PG_GETARG_BOOL(first + arg); };
    uint32 shape = 0;
    if (given(f_streams))
        shape |= by_streams;
    if (given(f_stream))
        shape |= flag(f_stream_exact) ? stream_equal : stream_regex;
    if (given(f_source))
        shape |= flag(f_source_exact) ? source_equal : source_regex;
    if (given(f_blocked))
        shape |= by_blocked;
    if (given(f_lane))
        shape |= by_lane;
    if (shape & stream_regex)
        check_regex(PG_GETARG_TEXT_PP(first + f_stream), "argument \"stream\"");
    if (shape & source_regex)
        check_regex(PG_GETARG_TEXT_PP(first + f_source), "argument \"source\"");
    return shape;
}

// The WHERE clause of a shape. A row with no source never matches a
// source filter: NULL is neither equal to nor matched by anything.
const char *where_sql(uint32 shape)
{
    StringInfoData sql;
    initStringInfo(&sql);
    appendStringInfoString(&sql, "true");
    if (shape & by_streams)
        appendStringInfoString(&sql, " AND stream = ANY($1)");
    if (shape & stream_regex)
        appendStringInfoString(&sql, " AND stream ~ $2");
    if (shape & stream_equal)
        appendStringInfoString(&sql, " AND stream = $2");
    if (shape & source_regex)
        appendStringInfoString(&sql, " AND source ~ $3");
    if (shape & source_equal)
        appendStringInfoString(&sql, " AND source = $3");
    if (shape & by_blocked)
        appendStringInfoString(&sql, " AND blocked = $4");
    if (shape & by_lane)
        appendStringInfoString(&sql, " AND lane = $5");
    // source_matches: the rows that may consume from one of the streams
    // named, by act_pg's own rule for a source (equal when literal, a
    // match when a pattern), and those with no source.
    if (shape & by_matches)
        appendStringInfoString(&sql, " AND (source IS NULL OR source = '' OR (NOT pattern AND source = ANY($8))"
                                     " OR (pattern AND EXISTS (SELECT FROM unnest($8) AS m(name) WHERE m.name ~ source)))");
    return sql.data;
}

// An update of the rows that `where` chooses, which locks them by stream
// first, the order of every multi-row update of act_pg (README,
// Deadlocks).
const char *update_sql(const Store *store, const char *set, const char *where)
{
    return psprintf("UPDATE %1$s s SET %2$s FROM (SELECT stream FROM %1$s WHERE %3$s ORDER BY stream FOR UPDATE) l"
                    " WHERE s.stream = l.stream",
                    store->streams_sql, set, where);
}

const char *build_sql(const Store *store, Op op, uint32 shape)
{
    const char *where = where_sql(shape);
    switch (op) {
    case Op::reset:
        return update_sql(store,
                          "at = -1, retry = -1, blocked = false, error = NULL, leased_by = NULL,"
                          " leased_until = NULL, probed = NULL, deferred_at = NULL",
                          where);
    case Op::unblock:
        return update_sql(store, "retry = -1, blocked = false, error = NULL, leased_by = NULL, leased_until = NULL,"
                          " deferred_at = NULL",
                          psprintf("blocked AND %s", where));
    case Op::prioritize:
        return update_sql(store, "priority = $6", psprintf("priority <> $6 AND %s", where));
    case Op::defer:
        // A defer is not a failure: the retry count starts again.
        return update_sql(store, "deferred_at = $6, retry = -1", where);
    case Op::query:
        return psprintf("SELECT stream, source, at, retry, blocked, coalesce(error, '') AS error, leased_by,"
                        " leased_until, priority, lane, deferred_at, correlated_at FROM %s WHERE %s%s"
                        " ORDER BY stream%s",
                        store->streams_sql, where, (shape & by_after) ? " AND stream > $6" : "",
                        (shape & limited) ? " LIMIT $7" : "");
    }
    pg_unreachable();
}

// Runs `op` with the filter at argument `first` and the operation's own
// values ($6, $7, $8); rows go to the result set when `rsinfo` is given.
uint64 run(FunctionCallInfo fcinfo, Op op, int first, uint32 shape, NullableDatum own, NullableDatum max_rows,
           ReturnSetInfo *rsinfo, NullableDatum matches = {Datum(0), true})
{
    spi::connect();
    Store *store = current_store();
    uint32 variant = (uint32(op) << 16) | shape;
    SPIPlanPtr plan = cached_plan(store, Plan::subscriptions, variant);
    if (!plan) {
        Oid own_type = op == Op::prioritize ? INT4OID : op == Op::defer ? TIMESTAMPTZOID : TEXTOID;
        Oid types[param_count] = {TEXTARRAYOID, TEXTOID, TEXTOID, BOOLOID, TEXTOID, own_type, INT4OID, TEXTARRAYOID};
        plan = keep_plan(store, Plan::subscriptions, variant, build_sql(store, op, shape), param_count, types);
    }
    const int args[] = {f_streams, f_stream, f_source, f_blocked, f_lane};
    Datum values[param_count];
    char nulls[param_count];
    for (int i = 0; i < int(lengthof(args)); i++) {
        bool null = PG_ARGISNULL(first + args[i]);
        values[i] = null ? Datum(0) : PG_GETARG_DATUM(first + args[i]);
        nulls[i] = null ? 'n' : ' ';
    }
    values[5] = own.value;
    nulls[5] = own.isnull ? 'n' : ' ';
    values[6] = max_rows.value;
    nulls[6] = max_rows.isnull ? 'n' : ' ';
    values[7] = matches.value;
    nulls[7] = matches.isnull ? 'n' : ' ';
    uint64 rows = rsinfo ? spi::rows_into(plan, values, nulls, rsinfo, false) : spi::execute(plan, values, nulls);
    spi::finish();
    return rows;
}

constexpr NullableDatum none = {Datum(0), true};

Datum reset(FunctionCallInfo fcinfo)
{
    PG_RETURN_INT32(int32(run(fcinfo, Op::reset, 0, shape_of(fcinfo, 0), none, none, nullptr)));
}

Datum unblock(FunctionCallInfo fcinfo)
{
    PG_RETURN_INT32(int32(run(fcinfo, Op::unblock, 0, shape_of(fcinfo, 0), none, none, nullptr)));
}

Datum prioritize(FunctionCallInfo fcinfo)
{
    require_arg(fcinfo, 0, "priority");
    PG_RETURN_INT32(int32(run(fcinfo, Op::prioritize, 1, shape_of(fcinfo, 1), fcinfo->args[0], none, nullptr)));
}

Datum defer(FunctionCallInfo fcinfo)
{
    require_arg(fcinfo, 0, "deferred_at");
    PG_RETURN_INT32(int32(run(fcinfo, Op::defer, 1, shape_of(fcinfo, 1), fcinfo->args[0], none, nullptr)));
}

Datum query_streams(FunctionCallInfo fcinfo)
{
    constexpr int after = filter_count, max_rows = filter_count + 1, matches = filter_count + 2;
    uint32 shape = shape_of(fcinfo, 0);
    if (!PG_ARGISNULL(matches))
        shape |= by_matches;
    if (!PG_ARGISNULL(after))
        shape |= by_after;
    if (!PG_ARGISNULL(max_rows)) {
        require_not_negative(PG_GETARG_INT32(max_rows), "max_rows");
        shape |= limited;
    }
    InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
    run(fcinfo, Op::query, 0, shape, fcinfo->args[after], fcinfo->args[max_rows],
        reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo), fcinfo->args[matches]);
    return Datum(0);
}

} // namespace
} // namespace act

ACT_FUNCTION(act_reset, act::reset)
ACT_FUNCTION(act_unblock, act::unblock)
ACT_FUNCTION(act_prioritize, act::prioritize)
ACT_FUNCTION(act_defer, act::defer)
ACT_FUNCTION(act_query_streams, act::query_streams)
