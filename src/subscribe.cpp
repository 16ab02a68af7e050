// act.subscribe: register consumer positions (subscription rows).
#include "boundary.hpp"
#include "errors.hpp"
#include "events.hpp"
#include "json.hpp"
#include "spi.hpp"
#include "store.hpp"
#include "work.hpp"

namespace act {
namespace {

const char *const hint = "Each subscription is an object {\"stream\": \"...\", \"source\": \"...\" (optional),"
                         " \"priority\": 0 (optional), \"lane\": \"default\" (optional)}.";

// The subscriptions given, as arrays for the plans' unnest().
struct Input {
    Datum arrays[4];  // streams text[], sources text[], priorities int[], lanes text[]
};

ArrayType *text_array(Datum *values, bool *nulls, int32 n)
{
    int dims[] = {n};
    int lbs[] = {1};
    return construct_md_array(values, nulls, 1, dims, lbs, TEXTOID, -1, false, TYPALIGN_INT);
}

Input read_input(Jsonb *streams)
{
    static const char *const fields[] = {"stream", "source", "priority", "lane", nullptr};
    int32 n = json::array_length(streams, "streams", hint);
    Datum *names = static_cast<Datum *>(palloc(sizeof(Datum) * Max(n, 1)));
    Datum *sources = static_cast<Datum *>(palloc(sizeof(Datum) * Max(n, 1)));
    bool *no_source = static_cast<bool *>(palloc(sizeof(bool) * Max(n, 1)));
    Datum *priorities = static_cast<Datum *>(palloc(sizeof(Datum) * Max(n, 1)));
    Datum *lanes = static_cast<Datum *>(palloc(sizeof(Datum) * Max(n, 1)));
    for (int32 i = 0; i < n; i++) {
        CHECK_FOR_INTERRUPTS();
        json::Element e = json::element(streams, i, "subscription", hint);
        json::only_fields(e, fields);
        names[i] = PointerGetDatum(json::string(e, "stream", true, false, events::max_name_bytes));
        text *source = json::string(e, "source", false, false, events::max_name_bytes);
        // A bad regular expression fails here, not in every later claim.
        if (source)
            check_regex(source, psprintf("field \"source\" of the subscription at index %d", i));
        sources[i] = PointerGetDatum(source);
        no_source[i] = source == nullptr;
        int64 priority = 0;
        json::integer(e, "priority", false, PG_INT32_MIN, PG_INT32_MAX, &priority);
        priorities[i] = Int32GetDatum(int32(priority));
        text *lane = json::string(e, "lane", false, false, events::max_name_bytes);
        lanes[i] = PointerGetDatum(lane ? lane : cstring_to_text("default"));
    }
    return Input{{PointerGetDatum(text_array(names, nullptr, n)), PointerGetDatum(text_array(sources, no_source, n)),
                  PointerGetDatum(construct_array(priorities, n, INT4OID, 4, true, TYPALIGN_INT)),
                  PointerGetDatum(text_array(lanes, nullptr, n))}};
}

// One row per stream: its first source, its highest priority, its last lane.
const char *input_sql =
    "SELECT stream, (array_agg(source ORDER BY n))[1] AS source, max(priority) AS priority,"
    " (array_agg(lane ORDER BY n DESC))[1] AS lane"
    " FROM unnest($1::text[], $2::text[], $3::int[], $4::text[]) WITH ORDINALITY AS i(stream, source, priority, lane, n)"
    " GROUP BY stream";
const Oid input_types[] = {TEXTARRAYOID, TEXTARRAYOID, INT4ARRAYOID, TEXTARRAYOID};

SPIPlanPtr plan(const Store *store, Plan kind, const char *sql, int nargs, const Oid *types)
{
    SPIPlanPtr p = cached_plan(store, kind, 0);
    return p ? p : keep_plan(store, kind, 0, sql, nargs, types);
}

// Inserts the new rows; returns how many. `literal` gets the new rows'
// streams whose source is a literal stream name, `sources` those sources.
int32 insert(const Store *store, const Input &input, ArrayType **literal, text ***sources, int *nsources)
{
    SPIPlanPtr p = plan(store, Plan::subscribe,
                        psprintf("INSERT INTO %s (stream, source, priority, lane, mark)"
                                 " SELECT stream, source, priority, lane, CASE WHEN source IS NOT NULL THEN -1 END"
                                 " FROM (%s) i ORDER BY stream ON CONFLICT (stream) DO NOTHING"
                                 " RETURNING stream, source, NOT pattern",
                                 store->streams_sql, input_sql),
                        4, input_types);
    uint64 rows = spi::execute(p, input.arrays, nullptr);
    SPITupleTable *table = SPI_tuptable;
    Datum *streams = static_cast<Datum *>(palloc(sizeof(Datum) * Max(rows, 1)));
    *sources = static_cast<text **>(palloc(sizeof(text *) * Max(rows, 1)));
    int n = 0;
    for (uint64 i = 0; i < rows; i++) {
        CHECK_FOR_INTERRUPTS();
        bool null, literal_null;
        Datum is_literal = SPI_getbinval(table->vals[i], table->tupdesc, 3, &literal_null);
        if (literal_null || !DatumGetBool(is_literal))
            continue;
        streams[n] = SPI_getbinval(table->vals[i], table->tupdesc, 1, &null);
        (*sources)[n] = DatumGetTextPP(SPI_getbinval(table->vals[i], table->tupdesc, 2, &null));
        n++;
    }
    *literal = construct_array(streams, n, TEXTOID, -1, false, TYPALIGN_INT);
    *nsources = n;
    return int32(rows);
}

// A new subscription to a literal source starts with its source's last
// event as its mark, read under the source's stream lock (work.hpp).
void mark_new(const Store *store, ArrayType *literal, text **sources, int n)
{
    if (n == 0)
        return;
    work::lock_sources(store, sources, n);
    Oid types[] = {TEXTARRAYOID};
    SPIPlanPtr p = plan(store, Plan::subscribe_marks,
                        psprintf("UPDATE %s s SET mark = %s WHERE s.stream = ANY($1)", store->streams_sql,
                                 work::source_head_sql(store, "s.source")),
                        1, types);
    Datum args[] = {PointerGetDatum(literal)};
    spi::execute(p, args, nullptr, true);
}

// Existing rows keep their highest priority and take the new lane. Rows
// are locked by stream first (README, Deadlocks).
void update_options(const Store *store, const Input &input)
{
    SPIPlanPtr p = plan(store, Plan::subscribe_options,
                        psprintf("UPDATE %1$s s SET priority = greatest(s.priority, i.priority), lane = i.lane"
                                 " FROM (SELECT i.* FROM (%2$s) i JOIN %1$s t ON t.stream = i.stream"
                                 "  WHERE t.priority < i.priority OR t.lane <> i.lane"
                                 "  ORDER BY i.stream FOR UPDATE OF t) i"
                                 " WHERE s.stream = i.stream AND (s.priority < i.priority OR s.lane <> i.lane)",
                                 store->streams_sql, input_sql),
                        4, input_types);
    spi::execute(p, input.arrays, nullptr);
}

int64 watermark(const Store *store)
{
    SPIPlanPtr p = plan(store, Plan::watermark, psprintf("SELECT max(at) FROM %s", store->streams_sql), 0, nullptr);
    return spi::int64_value(p, nullptr, nullptr, -1);
}

Datum subscribe(FunctionCallInfo fcinfo)
{
    require_arg(fcinfo, 0, "streams");
    Input input = read_input(PG_GETARG_JSONB_P(0));
    TupleDesc desc;
    if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE)
        elog(ERROR, "act_pg: act.subscribe must return a composite type");
    desc = BlessTupleDesc(desc);

    spi::connect();
    Store *store = current_store();
    ArrayType *literal;
    text **sources;
    int nsources;
    int32 subscribed = insert(store, input, &literal, &sources, &nsources);
    mark_new(store, literal, sources, nsources);
    update_options(store, input);
    Datum values[] = {Int32GetDatum(subscribed), Int64GetDatum(watermark(store))};
    bool nulls[] = {false, false};
    spi::finish();
    PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}

} // namespace
} // namespace act

ACT_FUNCTION(act_subscribe, act::subscribe)
