// act.ack and act.block: what a lease holder reports back.
//
// Both take the leases as act.claim returned them (other fields of a lease,
// such as source, retry and lane, are accepted and ignored) and act only on
// rows still leased by the given holder, so a worker whose lease expired and
// was taken over changes nothing. A stream listed twice counts once, with
// its last entry. Rows come back in stream order.
//
// ack raises a watermark and never lowers it: a lower "at" (a worker that
// read less than another before it) is accepted and changes nothing else of
// the batch. A lease with "due" (ms since the epoch, the framework's
// Lease.due) is deferred in the same statement: its watermark advances as
// any other, the stream is held out of act.claim until due, with the
// lease's own retry; it is not returned, as the framework's ack does not
// return it.
//
// ack also sets each literal subscription's work mark afresh (work.hpp):
// it takes the stream locks of their sources first, so a commit in flight
// to one of them is waited for, and one that follows sees the new
// watermark.
#include "boundary.hpp"
#include "errors.hpp"
#include "events.hpp"
#include "json.hpp"
#include "spi.hpp"
#include "store.hpp"
#include "work.hpp"

namespace act {
namespace {

enum class Report { ack, block };

const char *hint_of(Report r)
{
    return r == Report::ack
               ? "Each lease is an object {\"stream\": \"...\", \"by\": \"...\", \"at\": 42, \"lagging\": true (optional),"
                 " \"due\": ms since the epoch (optional), \"retry\": 0 (optional, with due)}."
               : "Each lease is an object {\"stream\": \"...\", \"by\": \"...\", \"error\": \"...\", \"lagging\": true (optional)}.";
}

// Milliseconds since the Unix epoch, as a timestamptz.
TimestampTz from_unix_millis(const json::Element &e, int64 ms)
{
    TimestampTz t = ms * 1000 - (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY;
    if (!IS_VALID_TIMESTAMP(t))
        json::invalid(e, "field \"due\" is out of the range of timestamptz");
    return t;
}

// A JS Date's range, in ms: inside it the arithmetic above cannot overflow.
constexpr int64 max_date_ms = INT64CONST(8640000000000000);

// The leases, as arrays for the plan's unnest(): stream, by, at or error,
// lagging; for ack also due (NULL when none) and retry.
constexpr int max_arrays = 6;
void read_leases(Jsonb *leases, Report r, Datum *arrays)
{
    const char *hint = hint_of(r);
    int32 n = json::array_length(leases, "leases", hint);
    Datum *streams = static_cast<Datum *>(palloc(sizeof(Datum) * Max(n, 1)));
    Datum *bys = static_cast<Datum *>(palloc(sizeof(Datum) * Max(n, 1)));
    Datum *values = static_cast<Datum *>(palloc(sizeof(Datum) * Max(n, 1)));
    Datum *laggings = static_cast<Datum *>(palloc(sizeof(Datum) * Max(n, 1)));
    Datum *dues = static_cast<Datum *>(palloc(sizeof(Datum) * Max(n, 1)));
    bool *no_due = static_cast<bool *>(palloc(sizeof(bool) * Max(n, 1)));
    Datum *retries = static_cast<Datum *>(palloc(sizeof(Datum) * Max(n, 1)));
    for (int32 i = 0; i < n; i++) {
        CHECK_FOR_INTERRUPTS();
        json::Element e = json::element(leases, i, "lease", hint);
        streams[i] = PointerGetDatum(json::string(e, "stream", true, false, events::max_name_bytes));
        bys[i] = PointerGetDatum(json::string(e, "by", true, false, events::max_name_bytes));
        if (r == Report::ack) {
            int64 at;
            json::integer(e, "at", true, -1, PG_INT64_MAX, &at);
            values[i] = Int64GetDatum(at);
            int64 due = 0, retry = -1;
            no_due[i] = !json::integer(e, "due", false, -max_date_ms, max_date_ms, &due);
            dues[i] = TimestampTzGetDatum(no_due[i] ? 0 : from_unix_millis(e, due));
            if (!no_due[i])
                json::integer(e, "retry", false, -1, PG_INT32_MAX, &retry);
            retries[i] = Int32GetDatum(int32(retry));
        } else {
            values[i] = PointerGetDatum(json::string(e, "error", true, true, 0));
        }
        bool lagging = false;
        json::boolean(e, "lagging", &lagging);
        laggings[i] = BoolGetDatum(lagging);
    }
    arrays[0] = PointerGetDatum(construct_array(streams, n, TEXTOID, -1, false, TYPALIGN_INT));
    arrays[1] = PointerGetDatum(construct_array(bys, n, TEXTOID, -1, false, TYPALIGN_INT));
    arrays[2] = r == Report::ack ? PointerGetDatum(construct_array(values, n, INT8OID, 8, true, TYPALIGN_DOUBLE))
                                 : PointerGetDatum(construct_array(values, n, TEXTOID, -1, false, TYPALIGN_INT));
    arrays[3] = PointerGetDatum(construct_array(laggings, n, BOOLOID, 1, true, TYPALIGN_CHAR));
    if (r == Report::ack) {
        int dims[] = {n};
        int lbs[] = {1};
        arrays[4] = PointerGetDatum(construct_md_array(dues, no_due, 1, dims, lbs, TIMESTAMPTZOID, 8, true,
                                                       TYPALIGN_DOUBLE));
        arrays[5] = PointerGetDatum(construct_array(retries, n, INT4OID, 4, true, TYPALIGN_INT));
    }
}

const char *build_sql(const Store *store, Report r)
{
    // One entry per stream: its last.
    const char *input = r == Report::ack
                            ? "SELECT DISTINCT ON (stream) stream, by, at, lagging, due, retry"
                              " FROM unnest($1::text[], $2::text[], $3::bigint[], $4::boolean[], $5::timestamptz[],"
                              "  $6::int[])"
                              " WITH ORDINALITY AS u(stream, by, at, lagging, due, retry, n) ORDER BY stream, n DESC"
                            : "SELECT DISTINCT ON (stream) stream, by, error, lagging"
                              " FROM unnest($1::text[], $2::text[], $3::text[], $4::boolean[])"
                              " WITH ORDINALITY AS u(stream, by, error, lagging, n) ORDER BY stream, n DESC";
    // The rows still leased by the holders, locked by stream first, the
    // order of every multi-row update of act_pg (README, Deadlocks).
    const char *leased = psprintf("SELECT i.* FROM (%s) i JOIN %s t ON t.stream = i.stream AND t.leased_by = i.by%s"
                                  " ORDER BY i.stream FOR UPDATE OF t",
                                  input, store->streams_sql, r == Report::block ? " AND NOT t.blocked" : "");
    if (r == Report::ack)
        // The watermark never goes back, so a pattern row's probe cursor
        // holds.
        return psprintf("WITH done AS (UPDATE %s s SET at = greatest(s.at, i.at),"
                        " retry = CASE WHEN i.due IS NULL THEN -1 ELSE i.retry END,"
                        " deferred_at = i.due, leased_by = NULL, leased_until = NULL,"
                        " mark = CASE WHEN NOT s.pattern THEN %s ELSE s.mark END"
                        " FROM (%s) i WHERE s.stream = i.stream AND s.leased_by = i.by"
                        " RETURNING s.stream, s.source, s.at, i.by, s.retry, i.lagging, s.lane, i.due)"
                        " SELECT stream, source, at, by, retry, lagging, lane FROM done WHERE due IS NULL"
                        " ORDER BY stream",
                        store->streams_sql, work::source_head_sql(store, "s.source"), leased);
    return psprintf("WITH done AS (UPDATE %s s SET blocked = true, error = i.error, deferred_at = NULL"
                    " FROM (%s) i WHERE s.stream = i.stream AND s.leased_by = i.by AND NOT s.blocked"
                    " RETURNING s.stream, s.source, s.at, i.by, s.retry, i.lagging, s.lane, s.error)"
                    " SELECT * FROM done ORDER BY stream",
                    store->streams_sql, leased);
}

// Takes the stream locks of the literal sources of the rows the leases
// (arrays[0] streams, arrays[1] holders) acknowledge.
void lock_acked_sources(const Store *store, const Datum *arrays)
{
    SPIPlanPtr plan = cached_plan(store, Plan::ack_sources, 0);
    if (!plan) {
        Oid types[] = {TEXTARRAYOID, TEXTARRAYOID};
        plan = keep_plan(store, Plan::ack_sources, 0,
                         psprintf("SELECT DISTINCT s.source FROM %s s"
                                  " JOIN unnest($1::text[], $2::text[]) AS i(stream, by)"
                                  " ON s.stream = i.stream AND s.leased_by = i.by WHERE NOT s.pattern",
                                  store->streams_sql),
                         2, types);
    }
    uint64 n = spi::execute(plan, arrays, nullptr, true);
    text **sources = static_cast<text **>(palloc(sizeof(text *) * Max(n, 1)));
    for (uint64 i = 0; i < n; i++) {
        CHECK_FOR_INTERRUPTS();
        bool null;
        sources[i] = DatumGetTextPP(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &null));
    }
    work::lock_sources(store, sources, int(n));
}

Datum report(FunctionCallInfo fcinfo, Report r)
{
    require_arg(fcinfo, 0, "leases");
    Datum arrays[max_arrays];
    read_leases(PG_GETARG_JSONB_P(0), r, arrays);

    InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
    spi::connect();
    Store *store = current_store();
    if (r == Report::ack)
        lock_acked_sources(store, arrays);
    Plan kind = r == Report::ack ? Plan::ack : Plan::block;
    SPIPlanPtr plan = cached_plan(store, kind, 0);
    if (!plan) {
        Oid types[] = {TEXTARRAYOID, TEXTARRAYOID, Oid(r == Report::ack ? INT8ARRAYOID : TEXTARRAYOID), BOOLARRAYOID,
                       TIMESTAMPTZARRAYOID, INT4ARRAYOID};
        plan = keep_plan(store, kind, 0, build_sql(store, r), r == Report::ack ? 6 : 4, types);
    }
    // From a snapshot taken after the locks, also in REPEATABLE READ.
    spi::execute(plan, arrays, nullptr, true);
    spi::returned_into(reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo));
    spi::finish();
    return Datum(0);
}

Datum ack(FunctionCallInfo fcinfo)
{
    return report(fcinfo, Report::ack);
}

Datum block(FunctionCallInfo fcinfo)
{
    return report(fcinfo, Report::block);
}

} // namespace
} // namespace act

ACT_FUNCTION(act_ack, act::ack)
ACT_FUNCTION(act_block, act::block)
