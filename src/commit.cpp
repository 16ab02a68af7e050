// act.commit: append events to a stream.
#include "boundary.hpp"
#include "errors.hpp"
#include "events.hpp"
#include "fence.hpp"
#include "spi.hpp"
#include "store.hpp"
#include "stream_lock.hpp"
#include "work.hpp"

namespace act {
namespace {

// The stream's current version, -1 when it has no events, read from a
// snapshot taken after its lock (so also right in REPEATABLE READ).
int32 stream_version(const Store *store, text *stream)
{
    SPIPlanPtr plan = cached_plan(store, Plan::stream_version, 0);
    if (!plan) {
        Oid types[] = {TEXTOID};
        plan = keep_plan(store, Plan::stream_version, 0,
                         psprintf("SELECT version FROM %s WHERE stream = $1 ORDER BY version DESC LIMIT 1",
                                  store->events_sql),
                         1, types);
    }
    Datum args[] = {PointerGetDatum(stream)};
    return int32(spi::int64_value(plan, args, nullptr, -1, true));
}

void insert(const Store *store, ReturnSetInfo *rsinfo, int64 first_id, text *stream, int32 version,
            Jsonb *meta, Jsonb *events)
{
    SPIPlanPtr plan = cached_plan(store, Plan::insert_events, 0);
    if (!plan) {
        Oid types[] = {INT8OID, TEXTOID, INT4OID, JSONBOID, JSONBOID};
        plan = keep_plan(store, Plan::insert_events, 0,
                         psprintf("INSERT INTO %s (id, name, data, stream, version, meta)"
                                  " SELECT $1 + e.i - 1, e.v->>'name', e.v->'data', $2, $3 + e.i::int, $4"
                                  " FROM jsonb_array_elements($5) WITH ORDINALITY AS e(v, i)"
                                  " RETURNING id, name, data, stream, version, created, meta",
                                  store->events_sql),
                         5, types);
    }
    Datum args[] = {Int64GetDatum(first_id), PointerGetDatum(stream), Int32GetDatum(version),
                    JsonbPGetDatum(meta), JsonbPGetDatum(events)};
    spi::rows_into(plan, args, nullptr, rsinfo, false);
}

Datum commit(FunctionCallInfo fcinfo, text *stream, Jsonb *events, Jsonb *meta)
{
    events::check_stream(stream);
    int32 count = events::check_events(events);
    events::check_meta(meta);
    bool expecting = !PG_ARGISNULL(3);
    int32 expected = expecting ? PG_GETARG_INT32(3) : 0;

    InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
    spi::connect();
    Store *store = current_store();
    if (count == 0) {
        spi::finish();
        return Datum(0);
    }
    lock_stream(store, stream);
    int32 version = stream_version(store, stream);
    if (expecting && expected != version)
        ereport(ERROR,
                (errcode(ERRCODE_ACT_CONCURRENCY),
                 errmsg("concurrency conflict on stream \"%s\": expected version %d, actual %d",
                        text_to_cstring(stream), expected, version),
                 errdetail("Nothing was committed."),
                 errhint("Read the stream again, decide again, and commit with its current version.")));
    int64 first_id = fence::allocate(store, count);
    work::committed(store, stream, first_id, events);
    insert(store, reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo), first_id, stream, version,
           meta, events);
    spi::finish();
    return Datum(0);
}

Datum commit_jsonb(FunctionCallInfo fcinfo)
{
    require_arg(fcinfo, 0, "stream");
    require_arg(fcinfo, 1, "events");
    require_arg(fcinfo, 2, "meta");
    return commit(fcinfo, PG_GETARG_TEXT_PP(0), PG_GETARG_JSONB_P(1), PG_GETARG_JSONB_P(2));
}

Datum commit_text(FunctionCallInfo fcinfo)
{
    require_arg(fcinfo, 0, "stream");
    require_arg(fcinfo, 1, "events");
    require_arg(fcinfo, 2, "meta");
    text *stream = PG_GETARG_TEXT_PP(0);
    const char *name = text_to_cstring(stream);
    text *events = PG_GETARG_TEXT_PP(1);
    return commit(fcinfo, stream, events::parse(name, events, events, "events"),
                  events::parse(name, PG_GETARG_TEXT_PP(2), events, "meta"));
}

} // namespace
} // namespace act

ACT_FUNCTION(act_commit, act::commit_jsonb)
ACT_FUNCTION(act_commit_text, act::commit_text)
