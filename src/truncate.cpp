// act.truncate: empty streams and seed each with a snapshot or a tombstone,
// or cut a stream's prefix before a snapshot the application wrote
// (a windowed target). Subscription rows are never deleted: a retired
// stream's row keeps each consumer's last watermark, and with no more
// commits to its source it has no more work.
#include "boundary.hpp"
#include "errors.hpp"
#include "events.hpp"
#include "fence.hpp"
#include "json.hpp"
#include "notify.hpp"
#include "spi.hpp"
#include "store.hpp"
#include "stream_lock.hpp"
#include "work.hpp"

namespace act {
namespace {

// One element of `targets`, checked (all but a stream given twice, which
// lock_streams refuses).
struct Target {
    text *stream;
    Jsonb *snapshot;  // nullptr: a tombstone
    Jsonb *meta;      // nullptr: the default meta
    uint32 lock_key;
    bool windowed;       // "before" given: snapshot and meta are ignored
    TimestampTz before;
    bool has_max_id;
    int64 max_id;
};

const char *const target_hint = "Each target is an object {\"stream\": \"name\", \"snapshot\"?: {...}, \"meta\"?: {...}}"
                                " or {\"stream\": \"name\", \"before\": \"2026-01-01T00:00:00Z\", \"max_id\"?: 42}.";

[[noreturn]] void bad_target(int index, const char *problem)
{
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("invalid truncate target at index %d: %s", index, problem), errhint("%s", target_hint)));
    pg_unreachable();
}

// The error context of a "before" that is not a timestamp.
void before_context(void *index)
{
    errcontext("field \"before\" of the truncate target at index %d", *static_cast<int32 *>(index));
}

// "before": a string that reads as a timestamptz (ISO 8601, as
// JSON.stringify writes a Date); a bad one is the timestamp parser's own
// error (22007, 22008), with the target's index as its context.
TimestampTz read_before(int32 index, const JsonbValue &v)
{
    if (v.type != jbvString)
        bad_target(index, "field \"before\" is not a string");
    char *s = pnstrdup(v.val.string.val, v.val.string.len);
    ErrorContextCallback context{error_context_stack, before_context, &index};
    error_context_stack = &context;
    Datum t = DirectFunctionCall3(timestamptz_in, CStringGetDatum(s), ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
    error_context_stack = context.previous;
    return DatumGetTimestampTz(t);
}

// An optional object field: absent or JSON null gives nullptr.
Jsonb *optional_object(int index, JsonbContainer *object, const char *key)
{
    JsonbValue v;
    if (!events::field(object, key, &v) || v.type == jbvNull)
        return nullptr;
    if (!events::is_object(v))
        bad_target(index, psprintf("field \"%s\" is not an object", key));
    return JsonbValueToJsonb(&v);
}

Target *check_targets(Jsonb *targets, int32 *count)
{
    if (!JB_ROOT_IS_ARRAY(targets) || JB_ROOT_IS_SCALAR(targets))
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("targets must be a JSON array"),
                        errhint("Pass [{\"stream\": \"name\", \"snapshot\"?: {...}, \"meta\"?: {...}}, ...].")));
    int32 n = int32(JB_ROOT_COUNT(targets));
    Target *checked = static_cast<Target *>(palloc0(sizeof(Target) * Max(n, 1)));
    for (int32 i = 0; i < n; i++) {
        CHECK_FOR_INTERRUPTS();
        JsonbValue *e = getIthJsonbValueFromContainer(&targets->root, uint32(i));
        if (!events::is_object(*e))
            bad_target(i, "not an object");
        JsonbContainer *object = e->val.binary.data;
        static const char *const known[] = {"stream", "snapshot", "meta", "before", "max_id", nullptr};
        if (const char *key = events::unknown_key(object, known))
            bad_target(i, psprintf("unknown field \"%s\"", key));
        JsonbValue v;
        if (!events::field(object, "stream", &v))
            bad_target(i, "field \"stream\" is missing");
        if (v.type != jbvString)
            bad_target(i, "field \"stream\" is not a string");
        if (v.val.string.len == 0)
            bad_target(i, "field \"stream\" is empty");
        if (v.val.string.len > events::max_name_bytes)
            bad_target(i, psprintf("field \"stream\" is too long: %d bytes (at most %d)", v.val.string.len,
                                   events::max_name_bytes));
        Target &t = checked[i];
        t.stream = cstring_to_text_with_len(v.val.string.val, v.val.string.len);
        t.snapshot = optional_object(i, object, "snapshot");
        t.meta = optional_object(i, object, "meta");
        if (const char *problem = t.meta ? events::correlation_problem(t.meta) : nullptr)
            bad_target(i, psprintf("field \"meta\": %s", problem));
        t.lock_key = stream_lock_key(t.stream);
        if (events::field(object, "before", &v) && v.type != jbvNull) {
            t.windowed = true;
            t.before = read_before(i, v);
        }
        json::Element element{"truncate target", target_hint, i, object};
        t.has_max_id = json::integer(element, "max_id", false, PG_INT64_MIN, PG_INT64_MAX, &t.max_id);
        pfree(e);
    }
    *count = n;
    return checked;
}

// Target positions, sorted by lock key (then position).
struct Keyed {
    uint32 key;
    int32 index;
};

int compare_keyed(const void *a, const void *b)
{
    const auto *x = static_cast<const Keyed *>(a), *y = static_cast<const Keyed *>(b);
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index ? 1 : 0;
}

bool same_stream(const Target &a, const Target &b)
{
    return VARSIZE_ANY_EXHDR(a.stream) == VARSIZE_ANY_EXHDR(b.stream) &&
           memcmp(VARDATA_ANY(a.stream), VARDATA_ANY(b.stream), VARSIZE_ANY_EXHDR(a.stream)) == 0;
}

// Refuses a stream given twice, then takes the targets' stream locks
// (lock_stream_keys): two truncates of the same streams listed in
// different orders never deadlock. Streams that share a key are compared
// by name.
void lock_streams(const Store *store, const Target *targets, int32 count)
{
    Keyed *order = static_cast<Keyed *>(palloc(sizeof(Keyed) * Max(count, 1)));
    for (int32 i = 0; i < count; i++)
        order[i] = Keyed{targets[i].lock_key, i};
    qsort(order, size_t(count), sizeof(Keyed), compare_keyed);
    uint32 *keys = static_cast<uint32 *>(palloc(sizeof(uint32) * Max(count, 1)));
    int nkeys = 0;
    for (int32 run = 0; run < count;) {
        CHECK_FOR_INTERRUPTS();
        int32 end = run + 1;
        while (end < count && order[end].key == order[run].key)
            end++;
        for (int32 a = run; a < end; a++)
            for (int32 b = a + 1; b < end; b++)
                if (same_stream(targets[order[a].index], targets[order[b].index]))
                    ereport(ERROR,
                            (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                             errmsg("invalid truncate target at index %d: stream \"%s\" is also the target at index %d",
                                    order[b].index, text_to_cstring(targets[order[b].index].stream), order[a].index),
                             errhint("Give each stream once.")));
        keys[nkeys++] = order[run].key;
        run = end;
    }
    pfree(order);
    lock_stream_keys(store, keys, nkeys);
    pfree(keys);
}

// Locks, by stream, every subscription row the truncate changes: the
// targets' own rows (deleted) and the rows that follow a target (their
// marks taken back, work::truncated). The statements per target then take
// no row in another order (README, Deadlocks).
void lock_subscriptions(const Store *store, const Target *targets, int32 count)
{
    uint32 variant = store->has_marks ? 1 : 0;
    SPIPlanPtr plan = cached_plan(store, Plan::truncate_lock, variant);
    if (!plan) {
        Oid types[] = {TEXTARRAYOID};
        const char *following = store->has_marks
                                    ? " OR (NOT s.pattern AND s.source = ANY($1))"
                                      " OR (s.pattern AND EXISTS (SELECT FROM unnest($1) t(stream) WHERE t.stream ~ s.source))"
                                    : "";
        plan = keep_plan(store, Plan::truncate_lock, variant,
                         psprintf("SELECT FROM %s s WHERE s.stream = ANY($1)%s ORDER BY s.stream FOR UPDATE",
                                  store->streams_sql, following),
                         1, types);
    }
    Datum *streams = static_cast<Datum *>(palloc(sizeof(Datum) * Max(count, 1)));
    for (int32 i = 0; i < count; i++)
        streams[i] = PointerGetDatum(targets[i].stream);
    Datum args[] = {PointerGetDatum(construct_array(streams, count, TEXTOID, -1, false, TYPALIGN_INT))};
    spi::execute(plan, args, nullptr);
    SPI_freetuptable(SPI_tuptable);
}

// Deletes the events of `stream`; returns how many. From a snapshot taken
// after the stream locks, also in REPEATABLE READ: the transaction's own
// snapshot would miss what was committed to the stream since, leave it
// beside the seed and break version order.
uint64 delete_events(const Store *store, text *stream)
{
    SPIPlanPtr plan = cached_plan(store, Plan::truncate_events, 0);
    if (!plan) {
        Oid types[] = {TEXTOID};
        plan = keep_plan(store, Plan::truncate_events, 0, psprintf("DELETE FROM %s WHERE stream = $1", store->events_sql),
                         1, types);
    }
    Datum args[] = {PointerGetDatum(stream)};
    return spi::execute(plan, args, nullptr, true);
}

// A windowed target: the stream's latest __snapshot__ created before
// `before` (and with id <= max_id when given) is the boundary; its events
// below it go. Puts (stream, deleted, boundary, before) into the result, or
// nothing when no snapshot qualifies. Returns whether one did.
bool cut_window(const Store *store, ReturnSetInfo *rsinfo, const Target &t)
{
    uint32 variant = events::layout_variant(store);
    SPIPlanPtr plan = cached_plan(store, Plan::truncate_window, variant);
    if (!plan) {
        Oid types[] = {TEXTOID, TIMESTAMPTZOID, INT8OID};
        plan = keep_plan(store, Plan::truncate_window, variant,
                         psprintf("WITH b AS (SELECT %2$s FROM %1$s"
                                  "  WHERE stream = $1 AND name = '__snapshot__' AND created < $2"
                                  "   AND ($3::bigint IS NULL OR id <= $3)"
                                  "  ORDER BY id DESC LIMIT 1),"
                                  " d AS (DELETE FROM %1$s e USING b WHERE e.stream = $1 AND e.id < b.id RETURNING 1)"
                                  " SELECT b.stream, (SELECT count(*) FROM d),"
                                  "  ROW(%3$s)::act.event, $2"
                                  " FROM b",
                                  store->events_sql, events::columns(store, ""), events::columns(store, "b")),
                         lengthof(types), types);
    }
    Datum args[] = {PointerGetDatum(t.stream), TimestampTzGetDatum(t.before), Int64GetDatum(t.max_id)};
    char nulls[] = {' ', ' ', t.has_max_id ? ' ' : 'n', '\0'};
    return spi::rows_into(plan, args, nulls, rsinfo, false) > 0;
}

void seed(const Store *store, ReturnSetInfo *rsinfo, int64 id, const Target &t, const char *name,
          uint64 deleted, Jsonb *default_meta)
{
    uint32 variant = events::layout_variant(store);
    SPIPlanPtr plan = cached_plan(store, Plan::truncate_seed, variant);
    if (!plan) {
        Oid types[] = {INT8OID, TEXTOID, JSONBOID, TEXTOID, JSONBOID, INT8OID};
        plan = keep_plan(store, Plan::truncate_seed, variant,
                         psprintf("INSERT INTO %s (id, name, data, stream, version, meta)"
                                  " VALUES ($1, $2, $3, $4, 0, $5)"
                                  " RETURNING stream, $6, ROW(%s)::act.event, NULL::timestamptz",
                                  store->events_sql, events::columns(store, "")),
                         lengthof(types), types);
    }
    Jsonb *data = t.snapshot ? t.snapshot
                             : DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum("{}")));
    Datum args[] = {Int64GetDatum(id), CStringGetTextDatum(name), JsonbPGetDatum(data), PointerGetDatum(t.stream),
                    JsonbPGetDatum(t.meta ? t.meta : default_meta), Int64GetDatum(int64(deleted))};
    spi::rows_into(plan, args, nullptr, rsinfo, false);
}

Datum truncate(FunctionCallInfo fcinfo)
{
    require_arg(fcinfo, 0, "targets");
    int32 count;
    Target *targets = check_targets(PG_GETARG_JSONB_P(0), &count);
    Jsonb *default_meta =
        DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum("{\"correlation\": \"\", \"causation\": {}}")));
    auto *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);

    InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
    spi::connect();
    Store *store = current_store();
    lock_streams(store, targets, count);
    lock_subscriptions(store, targets, count);
    for (int32 i = 0; i < count; i++) {
        CHECK_FOR_INTERRUPTS();
        const Target &t = targets[i];
        if (t.windowed) {
            // Marks that pointed into the cut prefix are taken back.
            if (cut_window(store, rsinfo, t))
                work::truncated(store, t.stream);
            continue;
        }
        uint64 deleted = delete_events(store, t.stream);
        const char *name = t.snapshot ? "__snapshot__" : "__tombstone__";
        int64 id = fence::allocate(store, 1);
        seed(store, rsinfo, id, t, name, deleted, default_meta);
        work::truncated(store, t.stream);
        notify::seeded(store, t.stream, id, name);
    }
    spi::finish();
    return Datum(0);
}

} // namespace
} // namespace act

ACT_FUNCTION(act_truncate, act::truncate)
