// act.commit: append events to a stream.
#include "boundary.hpp"
#include "errors.hpp"
#include "events.hpp"
#include "fence.hpp"
#include "spi.hpp"
#include "notify.hpp"
#include "store.hpp"
#include "stream_lock.hpp"
#include "work.hpp"


namespace act {
namespace {

// The last version this backend read or wrote per (store, stream hash), a
// lower bound for the next lookup of that stream's version. A backward
// index scan reads a whole leaf page of the stream's entries before its
// LIMIT 1 applies; from a bound it reads only the entries above it. Any
// hint is safe: one above the stream's version (a colliding hash, a
// rolled-back commit) finds nothing, and the lookup runs without it.
struct VersionHint {
    Oid store;
    uint32 hash;
    int32 version;
};
VersionHint hints[256];

VersionHint &hint_of(uint32 hash)
{
    return hints[hash % lengthof(hints)];
}

void remember_version(const Store *store, uint32 hash, int32 version)
{
    hint_of(hash) = VersionHint{store->events, hash, version};
}

// The stream's highest version at or above `from` (any, when `from` is
// 0), -1 when there is none: the last entry of the (stream, version)
// index, read backwards, whose row a snapshot taken now sees (taken after
// the stream's lock, so also right in REPEATABLE READ). A direct index
// scan: the executor's start and end around a one-row LIMIT cost more than
// the lookup itself.
int32 version_from(const Store *store, text *stream, int32 from)
{
    if (!OidIsValid(store->stream_index))
        ereport(ERROR,
                (errcode(ERRCODE_UNDEFINED_OBJECT),
                 errmsg("act_pg store \"%s.%s\" has no unique index on (stream, version)", store->schema,
                        store->table),
                 errhint("SELECT act.seed('%s', '%s') restores the store's indexes.", store->schema, store->table)));
    Relation events = table_open(store->events, AccessShareLock);
    Relation index = index_open(store->stream_index, AccessShareLock);
    ScanKeyData keys[2];
    ScanKeyEntryInitialize(&keys[0], 0, 1, BTEqualStrategyNumber, InvalidOid, index->rd_indcollation[0],
                           F_TEXTEQ, PointerGetDatum(stream));
    ScanKeyEntryInitialize(&keys[1], 0, 2, BTGreaterEqualStrategyNumber, InvalidOid, index->rd_indcollation[1],
                           F_INT4GE, Int32GetDatum(from));
    int nkeys = from > 0 ? 2 : 1;
    Snapshot snapshot = RegisterSnapshot(GetLatestSnapshot());
    IndexScanDesc scan = index_beginscan(events, index, snapshot, nkeys, 0);
    index_rescan(scan, keys, nkeys, nullptr, 0);
    TupleTableSlot *slot = table_slot_create(events, nullptr);
    int32 version = -1;
    if (index_getnext_slot(scan, BackwardScanDirection, slot)) {
        bool isnull;
        version = DatumGetInt32(slot_getattr(slot, store->version, &isnull));
    }
    ExecDropSingleTupleTableSlot(slot);
    index_endscan(scan);
    UnregisterSnapshot(snapshot);
    index_close(index, AccessShareLock);
    table_close(events, AccessShareLock);
    return version;
}

// The stream's current version, -1 when it has no events.
int32 stream_version(const Store *store, text *stream, uint32 hash)
{
    const VersionHint &h = hint_of(hash);
    int32 version = -1;
    if (h.store == store->events && h.hash == hash && h.version > 0)
        version = version_from(store, stream, h.version);
    if (version < 0)
        version = version_from(store, stream, 0);
    return version;
}

// Inserts the events and returns them into the result. A single event,
// the common commit, goes in as a VALUES row with its name and data as
// parameters: no set-returning function to unnest, materialize and
// project.
void insert(const Store *store, ReturnSetInfo *rsinfo, int64 first_id, text *stream, int32 version,
            Jsonb *meta, Jsonb *events, int32 count)
{
    uint32 one = count == 1 ? 1 : 0;
    uint32 variant = one | events::layout_variant(store);
    SPIPlanPtr plan = cached_plan(store, Plan::insert_events, variant);
    if (!plan) {
        Oid types[] = {INT8OID, TEXTOID, INT4OID, JSONBOID, JSONBOID, TEXTOID, JSONBOID};
        // A pii given as JSON null is no pii: SQL NULL.
        const char *pii = store->has_pii ? ", pii" : "";
        const char *rows = one ? (store->has_pii ? "VALUES ($1, $6, $5, $2, $3 + 1, $4, $7)"
                                                 : "VALUES ($1, $6, $5, $2, $3 + 1, $4)")
                               : psprintf("SELECT $1 + e.i - 1, e.v->>'name', e.v->'data', $2, $3 + e.i::int, $4%s"
                                          " FROM jsonb_array_elements($5) WITH ORDINALITY AS e(v, i)",
                                          store->has_pii ? ", nullif(e.v->'pii', 'null')" : "");
        plan = keep_plan(store, Plan::insert_events, variant,
                         psprintf("INSERT INTO %s (id, name, data, stream, version, meta%s) %s RETURNING %s",
                                  store->events_sql, pii, rows, events::columns(store, "")),
                         lengthof(types), types);
    }
    Datum args[] = {Int64GetDatum(first_id), PointerGetDatum(stream), Int32GetDatum(version),
                    JsonbPGetDatum(meta), JsonbPGetDatum(events), Datum(0), Datum(0)};
    char nulls[] = "       ";
    if (one) {
        text *name;
        Jsonb *data, *pii;
        events::fields(events, 0, &name, &data, &pii);
        args[4] = JsonbPGetDatum(data);
        args[5] = PointerGetDatum(name);
        args[6] = PointerGetDatum(pii);
        nulls[6] = pii ? ' ' : 'n';
    } else {
        nulls[5] = nulls[6] = 'n';
    }
    spi::rows_into(plan, args, nulls, rsinfo, false);
}

Datum commit(FunctionCallInfo fcinfo, text *stream, Jsonb *events, Jsonb *meta)
{
    events::check_stream(stream);
    bool any_pii;
    int32 count = events::check_events(events, &any_pii);
    events::check_meta(meta);
    bool expecting = !PG_ARGISNULL(3);
    int32 expected = expecting ? PG_GETARG_INT32(3) : 0;

    InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
    spi::connect();
    Store *store = current_store();
    if (any_pii && !store->has_pii)
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
                        errmsg("act_pg store \"%s.%s\" has no pii column", store->schema, store->table),
                        errdetail("Nothing was committed."),
                        errhint("ALTER EXTENSION act_pg UPDATE (or SELECT act.seed('%s', '%s')) adds it.",
                                store->schema, store->table)));
    if (count == 0) {
        spi::finish();
        return Datum(0);
    }
    uint32 hash = stream_lock_key(stream);
    lock_stream_key(store, hash);
    int32 version = stream_version(store, stream, hash);
    if (expecting && expected != version)
        ereport(ERROR,
                (errcode(ERRCODE_ACT_CONCURRENCY),
                 errmsg("concurrency conflict on stream \"%s\": expected version %d, actual %d",
                        text_to_cstring(stream), expected, version),
                 errdetail("Nothing was committed."),
                 errhint("Read the stream again, decide again, and commit with its current version.")));
    if (version > PG_INT32_MAX - count)
        ereport(ERROR,
                (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                 errmsg("stream \"%s\" has no room for %d more event%s: its version is %d, the last is %d",
                        text_to_cstring(stream), count, count == 1 ? "" : "s", version, PG_INT32_MAX),
                 errdetail("Nothing was committed."),
                 errhint("act.truncate the stream with a snapshot: its versions start again from 0.")));
    int64 first_id = fence::allocate(store, count);
    work::committed(store, stream, first_id, events);
    insert(store, reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo), first_id, stream, version,
           meta, events, count);
    remember_version(store, hash, version + count);
    notify::committed(store, stream, first_id, events);
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
