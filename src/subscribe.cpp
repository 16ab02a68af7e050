// act.subscribe: register consumer positions (subscription rows), raise
// the caller's work marks, and keep the correlate checkpoint and the
// correlation lease of the act framework (act.correlation).
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
                         " \"priority\": 0 (optional), \"lane\": \"default\" (optional), \"correlated_at\": 42 (optional)}.";
const char *const correlator_hint = "The correlator is an object {\"key\": \"...\", \"by\": \"...\", \"millis\": 10000}.";

// The subscriptions given, as arrays for the plans' unnest().
struct Input {
    Datum arrays[5];  // streams text[], sources text[], priorities int[], lanes text[], marks bigint[]
};

ArrayType *text_array(Datum *values, bool *nulls, int32 n)
{
    int dims[] = {n};
    int lbs[] = {1};
    return construct_md_array(values, nulls, 1, dims, lbs, TEXTOID, -1, false, TYPALIGN_INT);
}

Input read_input(Jsonb *streams)
{
    static const char *const fields[] = {"stream", "source", "priority", "lane", "correlated_at", nullptr};
    int32 n = json::array_length(streams, "streams", hint);
    Datum *names = static_cast<Datum *>(palloc(sizeof(Datum) * Max(n, 1)));
    Datum *sources = static_cast<Datum *>(palloc(sizeof(Datum) * Max(n, 1)));
    bool *no_source = static_cast<bool *>(palloc(sizeof(bool) * Max(n, 1)));
    Datum *priorities = static_cast<Datum *>(palloc(sizeof(Datum) * Max(n, 1)));
    Datum *lanes = static_cast<Datum *>(palloc(sizeof(Datum) * Max(n, 1)));
    Datum *marks = static_cast<Datum *>(palloc(sizeof(Datum) * Max(n, 1)));
    bool *no_mark = static_cast<bool *>(palloc(sizeof(bool) * Max(n, 1)));
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
        int64 mark = 0;
        no_mark[i] = !json::integer(e, "correlated_at", false, PG_INT64_MIN, PG_INT64_MAX, &mark);
        marks[i] = Int64GetDatum(mark);
    }
    int dims[] = {n};
    int lbs[] = {1};
    return Input{{PointerGetDatum(text_array(names, nullptr, n)), PointerGetDatum(text_array(sources, no_source, n)),
                  PointerGetDatum(construct_array(priorities, n, INT4OID, 4, true, TYPALIGN_INT)),
                  PointerGetDatum(text_array(lanes, nullptr, n)),
                  PointerGetDatum(construct_md_array(marks, no_mark, 1, dims, lbs, INT8OID, 8, true, TYPALIGN_DOUBLE))}};
}

// One row per stream: its first source, its highest priority and the last
// lane given with it, its highest mark.
const char *input_sql =
    "SELECT stream, (array_agg(source ORDER BY n))[1] AS source, max(priority) AS priority,"
    " (array_agg(lane ORDER BY priority DESC, n DESC))[1] AS lane, max(mark) AS mark"
    " FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::bigint[])"
    " WITH ORDINALITY AS i(stream, source, priority, lane, mark, n)"
    " GROUP BY stream";
const Oid input_types[] = {TEXTARRAYOID, TEXTARRAYOID, INT4ARRAYOID, TEXTARRAYOID, INT8ARRAYOID};
constexpr int input_count = lengthof(input_types);

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
                        psprintf("INSERT INTO %s (stream, source, priority, lane, mark, correlated_at)"
                                 " SELECT stream, source, priority, lane, CASE WHEN source IS NOT NULL THEN -1 END, mark"
                                 " FROM (%s) i ORDER BY stream ON CONFLICT (stream) DO NOTHING"
                                 " RETURNING stream, source, NOT pattern",
                                 store->streams_sql, input_sql),
                        input_count, input_types);
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

// Existing rows keep their highest priority, take the lane given with a
// priority at or above theirs (the highest priority owns the lane), and
// keep their highest mark (greatest() passes over a NULL). Rows are locked
// by stream first (README, Deadlocks).
void update_options(const Store *store, const Input &input)
{
    SPIPlanPtr p = plan(store, Plan::subscribe_options,
                        psprintf("UPDATE %1$s s SET priority = greatest(s.priority, i.priority),"
                                 " lane = CASE WHEN i.priority >= s.priority THEN i.lane ELSE s.lane END,"
                                 " correlated_at = greatest(s.correlated_at, i.mark)"
                                 " FROM (SELECT i.* FROM (%2$s) i JOIN %1$s t ON t.stream = i.stream"
                                 "  WHERE t.priority < i.priority OR (i.priority >= t.priority AND t.lane <> i.lane)"
                                 "  OR i.mark > t.correlated_at OR (t.correlated_at IS NULL AND i.mark IS NOT NULL)"
                                 "  ORDER BY i.stream FOR UPDATE OF t) i"
                                 " WHERE s.stream = i.stream AND (s.priority < i.priority"
                                 "  OR (i.priority >= s.priority AND s.lane <> i.lane)"
                                 "  OR i.mark > s.correlated_at OR (s.correlated_at IS NULL AND i.mark IS NOT NULL))",
                                 store->streams_sql, input_sql),
                        input_count, input_types);
    spi::execute(p, input.arrays, nullptr);
}

int64 watermark(const Store *store)
{
    SPIPlanPtr p = plan(store, Plan::watermark, psprintf("SELECT max(at) FROM %s", store->streams_sql), 0, nullptr);
    return spi::int64_value(p, nullptr, nullptr, -1);
}

// The correlator asking for the lease.
struct Correlator {
    text *key;
    text *by;
    int32 millis;
};

Correlator read_correlator(Jsonb *value)
{
    static const char *const fields[] = {"key", "by", "millis", nullptr};
    json::Element e = json::object(value, "correlator", correlator_hint);
    json::only_fields(e, fields);
    Correlator c;
    c.key = json::string(e, "key", true, false, events::max_name_bytes);
    c.by = json::string(e, "by", true, false, events::max_name_bytes);
    int64 millis;
    json::integer(e, "millis", true, PG_INT32_MIN, PG_INT32_MAX, &millis);
    c.millis = int32(millis);
    return c;
}

// Advances the shared checkpoint to `at` when higher, and returns it (-1
// when it never advanced). $1, $2 the store, $3 the new checkpoint or NULL.
int64 shared_checkpoint(const Store *store, Datum *args, const char *nulls)
{
    Oid types[] = {NAMEOID, NAMEOID, INT8OID};
    SPIPlanPtr p = plan(store, Plan::correlation,
                        "WITH up AS (INSERT INTO act.correlation AS c (schema, table_name, key, at)"
                        "  SELECT $1, $2, '', $3 WHERE $3 IS NOT NULL"
                        "  ON CONFLICT (schema, table_name, key) DO UPDATE SET at = excluded.at"
                        "  WHERE c.at < excluded.at RETURNING c.at)"
                        " SELECT coalesce((SELECT at FROM up),"
                        "  (SELECT at FROM act.correlation WHERE schema = $1 AND table_name = $2 AND key = ''), -1)",
                        3, types);
    spi::execute(p, args, nulls);
    bool null;
    return DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &null));
}

// Takes or renews the correlation lease of `c.key` for `c.by` when it is
// free, expired or already `c.by`'s, in one INSERT .. ON CONFLICT, which
// decides on the latest row version: of two callers racing for a free
// lease, one gets it. Either way the key's checkpoint rises to `at` (from
// the shared one when the key has none yet). Returns the key's checkpoint;
// `correlating` whether `c.by` holds the lease now.
int64 correlate(const Store *store, Datum *args, const char *nulls, const Correlator &c, bool *correlating)
{
    Oid types[] = {NAMEOID, NAMEOID, INT8OID, TEXTOID, TEXTOID, INT4OID};
    SPIPlanPtr p = cached_plan(store, Plan::correlation, 1);
    if (!p)
        p = keep_plan(
            store, Plan::correlation, 1,
            "INSERT INTO act.correlation AS c (schema, table_name, key, at, by, until)"
            " SELECT $1, $2, $4, greatest(coalesce((SELECT at FROM act.correlation"
            "   WHERE schema = $1 AND table_name = $2 AND key = ''), -1), $3), $5,"
            "  CASE WHEN $6 > 0 THEN statement_timestamp() + $6 * interval '1 millisecond' ELSE '-infinity' END"
            " ON CONFLICT (schema, table_name, key) DO UPDATE SET at = greatest(c.at, $3),"
            "  by = CASE WHEN c.until < statement_timestamp() OR c.by = $5 THEN excluded.by ELSE c.by END,"
            "  until = CASE WHEN c.until < statement_timestamp() OR c.by = $5 THEN excluded.until ELSE c.until END"
            " RETURNING c.at, c.by = $5",
            6, types);
    Datum all[] = {args[0], args[1], args[2], PointerGetDatum(c.key), PointerGetDatum(c.by), Int32GetDatum(c.millis)};
    char all_nulls[] = {nulls[0], nulls[1], nulls[2], ' ', ' ', ' ', '\0'};
    spi::execute(p, all, all_nulls);
    bool null;
    int64 at = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &null));
    *correlating = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &null));
    return at;
}

Datum subscribe(FunctionCallInfo fcinfo)
{
    require_arg(fcinfo, 0, "streams");
    Input input = read_input(PG_GETARG_JSONB_P(0));
    bool has_correlator = !PG_ARGISNULL(2);
    Correlator correlator{};
    if (has_correlator)
        correlator = read_correlator(PG_GETARG_JSONB_P(2));
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
    NameData schema, table;
    namestrcpy(&schema, store->schema);
    namestrcpy(&table, store->table);
    Datum args[] = {NameGetDatum(&schema), NameGetDatum(&table), PG_ARGISNULL(1) ? Datum(0) : PG_GETARG_DATUM(1)};
    char arg_nulls[] = {' ', ' ', PG_ARGISNULL(1) ? 'n' : ' ', '\0'};
    int64 checkpoint = shared_checkpoint(store, args, arg_nulls);
    bool correlating = false;
    if (has_correlator)
        checkpoint = correlate(store, args, arg_nulls, correlator, &correlating);
    Datum values[] = {Int32GetDatum(subscribed), Int64GetDatum(watermark(store)), Int64GetDatum(checkpoint),
                      BoolGetDatum(correlating)};
    bool nulls[] = {false, false, false, !has_correlator};
    spi::finish();
    PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}

} // namespace
} // namespace act

ACT_FUNCTION(act_subscribe, act::subscribe)
