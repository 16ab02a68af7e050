// act.restore: wipe the store and load a sequence of events from a table
// or view, in one transaction.
//
// The source is read with the caller's rights, not the extension owner's:
// its query runs with the session's role as the current user, so the
// caller's privileges and row-level security policies apply, and any
// function the source calls (in a view, a cast) runs as the caller. The
// rows go into a tuplestore, which spills to disk past work_mem; then, as
// the owner, one INSERT ... SELECT reads that tuplestore (an ephemeral
// named relation), numbers the events and rewrites causation ids: the sort
// and the hash join spill to disk too, so memory stays flat at any size.
// The wipe is TRUNCATE ... RESTART IDENTITY, which PostgreSQL undoes with
// the transaction, sequence included: any error leaves the store as it was.
//
// The fence: restore renumbers every id, so it must run alone. It locks the
// events table ACCESS EXCLUSIVE when it resolves the store (every other
// call holds a lock on it from its start, so restore waits for all of
// them, writers that drew ids included), then the sequence and the
// subscriptions. Until it commits, nobody reads or writes the store;
// readers' horizons then start from the new ids.
#include "boundary.hpp"
#include "errors.hpp"
#include "events.hpp"
#include "spi.hpp"
#include "store.hpp"

namespace act {
namespace {

// Whether `sql` reads the store's own tables: restore would wipe its source.
bool reads_store(const Store *store, const char *sql)
{
    SPIPlanPtr plan = SPI_prepare(sql, 0, nullptr);
    if (!plan)
        elog(ERROR, "act_pg: SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
    bool reads = false;
    ListCell *lc;
    foreach (lc, SPI_plan_get_plan_sources(plan)) {
        auto *source = static_cast<CachedPlanSource *>(lfirst(lc));
        reads = reads || list_member_oid(source->relationOids, store->events) ||
                list_member_oid(source->relationOids, store->streams);
    }
    SPI_freeplan(plan);
    return reads;
}

// The rows of the source as act.event's columns, read as the caller; with
// `pii`, the source's pii column too.
const char *source_sql(const char *source, bool pii)
{
    return psprintf("SELECT s.id::bigint AS id, s.name::text AS name, s.data::jsonb AS data, s.stream::text AS stream,"
                    " s.version::int AS version, s.created::timestamptz AS created, s.meta::jsonb AS meta%s"
                    " FROM %s s",
                    pii ? ", s.pii::jsonb AS pii" : "", source);
}

// The source's events (read_source's tuplestore) numbered from 1 in id
// order (n.new_id) and inserted in that order; act._restore_meta checks
// each and rewrites its meta.causation.event.id to the new id of the source
// event it names (c.new_id, found by a hash join that spills to disk when
// large). With `pii`, the source's pii comes along (JSON null as SQL NULL).
const char *load_sql(const Store *store, bool pii)
{
    return psprintf(
        "WITH n AS MATERIALIZED ("
        "SELECT row_number() OVER w AS new_id, lag(s.id) OVER w AS previous_id, s.id, s.name, s.data, s.stream,"
        " s.version, s.created, s.meta%2$s"
        " FROM act_restore_source s WINDOW w AS (ORDER BY s.id))"
        " INSERT INTO %1$s (id, name, data, stream, version, created, meta%3$s)"
        " SELECT n.new_id, n.name, n.data, n.stream, n.version, n.created,"
        " act._restore_meta(n.id, n.previous_id, n.name, n.data, n.stream, n.version, n.created, n.meta, c.new_id)%4$s"
        " FROM n LEFT JOIN n c ON to_jsonb(c.id) = n.meta #> '{causation,event,id}'"
        " ORDER BY n.new_id",
        store->events_sql, pii ? ", nullif(s.pii, 'null') AS pii" : "", pii ? ", pii" : "", pii ? ", n.pii" : "");
}

// Runs the source's query as the session's role and keeps its rows in a
// tuplestore, registered with SPI as the relation act_restore_source. The
// caller's identity lasts only for this read: an error on the way leaves
// it to the transaction's abort, which restores the owner.
void read_source(const char *source, bool pii)
{
    Oid owner;
    int security;
    GetUserIdAndSecContext(&owner, &security);
    SetUserIdAndSecContext(GetOuterUserId(), security | SECURITY_LOCAL_USERID_CHANGE);
    Portal portal = SPI_cursor_open_with_args(nullptr, source_sql(source, pii), 0, nullptr, nullptr, nullptr, false, 0);
    TupleDesc desc = CreateTupleDescCopy(portal->tupDesc);
    Tuplestorestate *rows = tuplestore_begin_heap(false, false, work_mem);
    for (;;) {
        CHECK_FOR_INTERRUPTS();
        SPI_cursor_fetch(portal, true, 1000);
        if (SPI_processed == 0)
            break;
        for (uint64 i = 0; i < SPI_processed; i++)
            tuplestore_puttuple(rows, SPI_tuptable->vals[i]);
        SPI_freetuptable(SPI_tuptable);
    }
    SPI_cursor_close(portal);
    SetUserIdAndSecContext(owner, security);

    auto *relation = static_cast<EphemeralNamedRelation>(palloc0(sizeof(EphemeralNamedRelationData)));
    relation->md.name = pstrdup("act_restore_source");
    relation->md.reliddesc = InvalidOid;
    relation->md.tupdesc = desc;
    relation->md.enrtype = ENR_NAMED_TUPLESTORE;
    relation->md.enrtuples = double(tuplestore_tuple_count(rows));
    relation->reldata = rows;
    if (SPI_register_relation(relation) != SPI_OK_REL_REGISTER)
        elog(ERROR, "act_pg: registering the restore source failed");
}

// A source's optional pii column: whether there is one; it must cast to
// jsonb (checked before the read, from the catalog).
bool has_pii(Oid source_oid, const char *source)
{
    AttrNumber attnum = get_attnum(source_oid, "pii");
    if (attnum == InvalidAttrNumber)
        return false;
    Oid type = get_atttype(source_oid, attnum), jsonb = JSONBOID;
    if (!can_coerce_type(1, &type, &jsonb, COERCION_EXPLICIT))
        ereport(ERROR, (errcode(ERRCODE_CANNOT_COERCE),
                        errmsg("the restore source %s has a column \"pii\" of type %s, which does not cast to jsonb",
                               source, format_type_be(type))));
    return true;
}

// Each pii the caller read is an object or null: checked on the rows read
// (act_restore_source), before the store is touched, naming the event.
void check_pii_values()
{
    if (SPI_execute("SELECT s.id FROM act_restore_source s WHERE jsonb_typeof(s.pii) NOT IN ('object', 'null')"
                    " ORDER BY 1 LIMIT 1",
                    true, 1) != SPI_OK_SELECT)
        elog(ERROR, "act_pg: checking the restore source's pii failed");
    if (SPI_processed > 0) {
        bool null;
        int64 id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &null));
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("invalid event in the restore source: id " INT64_FORMAT ": pii is not an object", id),
                        errdetail("Nothing was restored: the store is as it was.")));
    }
}

// A source is a relation that SELECT reads rows from.
void check_kind(Oid source, const char *name)
{
    char kind = get_rel_relkind(source);
    if (kind != RELKIND_RELATION && kind != RELKIND_PARTITIONED_TABLE && kind != RELKIND_VIEW &&
        kind != RELKIND_MATVIEW && kind != RELKIND_FOREIGN_TABLE)
        ereport(ERROR,
                (errcode(ERRCODE_WRONG_OBJECT_TYPE), errmsg("the restore source %s is not a table or view", name),
                 errhint("A source is a table or a view (for a query, create a view) with the columns of act.event.")));
}

// The source must have act.event's columns, each of a type that casts to
// theirs: checked here, so that the error names the column.
void check_columns(Oid source, const char *name)
{
    static const struct {
        const char *name;
        Oid type;
    } columns[] = {{"id", INT8OID},      {"name", TEXTOID},           {"data", JSONBOID}, {"stream", TEXTOID},
                   {"version", INT4OID}, {"created", TIMESTAMPTZOID}, {"meta", JSONBOID}};  // as load_sql casts
    const char *hint = "A source has the columns of act.event, each cast to its type: id bigint, name text,"
                       " data jsonb, stream text, version int, created timestamptz, meta jsonb.";
    for (const auto &column : columns) {
        AttrNumber attnum = get_attnum(source, column.name);
        if (attnum == InvalidAttrNumber)
            ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
                            errmsg("the restore source %s has no column \"%s\"", name, column.name), errhint("%s", hint)));
        Oid type = get_atttype(source, attnum);
        if (!can_coerce_type(1, &type, &column.type, COERCION_EXPLICIT))
            ereport(ERROR, (errcode(ERRCODE_CANNOT_COERCE),
                            errmsg("the restore source %s has a column \"%s\" of type %s, which does not cast to %s",
                                   name, column.name, format_type_be(type), format_type_be(column.type)),
                            errhint("%s", hint)));
    }
}

void restore_context(void *source)
{
    errcontext("act.restore from %s", static_cast<const char *>(source));
}

Datum restore(FunctionCallInfo fcinfo)
{
    require_arg(fcinfo, 0, "source");
    Oid source_oid = PG_GETARG_OID(0);
    spi::connect();
    Store *store = current_store(AccessExclusiveLock);
    char *rel_name = get_rel_name(source_oid);
    if (!rel_name)
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE), errmsg("relation with OID %u does not exist", source_oid)));
    const char *source = quote_qualified_identifier(get_namespace_name(get_rel_namespace(source_oid)), rel_name);
    check_kind(source_oid, source);
    // Checked here for a clear message; the read itself runs as the
    // caller, so PostgreSQL checks it again, columns and policies included.
    if (pg_class_aclcheck(source_oid, GetOuterUserId(), ACL_SELECT) != ACLCHECK_OK)
        ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                        errmsg("permission denied for the restore source %s", source)));
    check_columns(source_oid, source);
    bool pii = has_pii(source_oid, source);
    if (pii && !store->has_pii)
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
                        errmsg("act_pg store \"%s.%s\" has no pii column", store->schema, store->table),
                        errhint("ALTER EXTENSION act_pg UPDATE (or SELECT act.seed('%s', '%s')) adds it.",
                                store->schema, store->table)));
    if (reads_store(store, psprintf("SELECT FROM %s", source)))
        ereport(ERROR,
                (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                 errmsg("the restore source %s reads the store %s it would replace", source, store->events_sql),
                 errhint("Copy the events first, e.g. CREATE TABLE backup AS TABLE %s, and restore from the copy.",
                         store->events_sql)));

    LockRelationOid(store->sequence, AccessExclusiveLock);
    LockRelationOid(store->streams, AccessExclusiveLock);

    ErrorContextCallback context;
    context.callback = restore_context;
    context.arg = const_cast<char *>(source);
    context.previous = error_context_stack;
    error_context_stack = &context;
    read_source(source, pii);
    if (pii)
        check_pii_values();
    if (SPI_execute(psprintf("TRUNCATE %s, %s RESTART IDENTITY", store->events_sql, store->streams_sql), false, 0) !=
        SPI_OK_UTILITY)
        elog(ERROR, "act_pg: truncating the store failed");
    // A merge join on causation ids sorts every event by a jsonb key: with
    // a hash join (batched to disk past work_mem) the load of 1,000,000
    // events took 14 s instead of 21 s (bench/restore.sh). The setting
    // lasts for this statement only.
    int guc_level = NewGUCNestLevel();
    set_config_option("enable_mergejoin", "off", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
    if (SPI_execute(load_sql(store, pii), false, 0) != SPI_OK_INSERT)
        elog(ERROR, "act_pg: restoring the events failed");
    int64 restored = int64(SPI_processed);
    AtEOXact_GUC(true, guc_level);
    error_context_stack = context.previous;

    // The next commit continues after the last restored id.
    if (restored > 0)
        DirectFunctionCall2(setval_oid, ObjectIdGetDatum(store->sequence), Int64GetDatum(restored));
    // The horizon published for standbys (replica.hpp) counted the old ids
    // (a database not yet updated to 0.3.0 has none).
    if (OidIsValid(get_relname_relid("horizons", get_namespace_oid("act", false))) &&
        SPI_execute(psprintf("DELETE FROM act.horizons WHERE schema = '%s' AND table_name = '%s'", store->schema,
                             store->table),
                    false, 0) != SPI_OK_DELETE)
        elog(ERROR, "act_pg: deleting the published horizon failed");
    spi::finish();
    PG_RETURN_INT64(restored);
}

[[noreturn]] void bad_source_event(FunctionCallInfo fcinfo, const char *problem)
{
    const char *id = PG_ARGISNULL(0) ? "NULL" : psprintf(INT64_FORMAT, PG_GETARG_INT64(0));
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("invalid event in the restore source: id %s: %s", id, problem),
                    errdetail("Nothing was restored: the store is as it was.")));
    pg_unreachable();
}

bool is_name(FunctionCallInfo fcinfo, int arg)
{
    if (PG_ARGISNULL(arg))
        return false;
    size_t len = VARSIZE_ANY_EXHDR(PG_GETARG_TEXT_PP(arg));
    return len > 0 && len <= size_t(events::max_name_bytes);
}

bool is_object(FunctionCallInfo fcinfo, int arg)
{
    return !PG_ARGISNULL(arg) && JB_ROOT_IS_OBJECT(PG_GETARG_JSONB_P(arg));
}

// act._restore_meta(id, previous_id, name, data, stream, version, created,
// meta, caused_by): checks one event of a restore source as act.commit
// would, and returns its meta, with causation.event.id set to caused_by
// when that is not NULL.
Datum restore_meta(FunctionCallInfo fcinfo)
{
    enum { id, previous_id, name, data, stream, version, created, meta, caused_by };
    if (PG_ARGISNULL(id))
        bad_source_event(fcinfo, "id is null");
    if (!PG_ARGISNULL(previous_id) && PG_GETARG_INT64(previous_id) == PG_GETARG_INT64(id))
        bad_source_event(fcinfo, "id is not unique in the source");
    if (!is_name(fcinfo, name))
        bad_source_event(fcinfo, psprintf("name is not a name of 1 to %d bytes", events::max_name_bytes));
    if (!is_object(fcinfo, data))
        bad_source_event(fcinfo, "data is not an object");
    if (!is_name(fcinfo, stream))
        bad_source_event(fcinfo, psprintf("stream is not a name of 1 to %d bytes", events::max_name_bytes));
    if (PG_ARGISNULL(version) || PG_GETARG_INT32(version) < 0)
        bad_source_event(fcinfo, "version is not a number from 0");
    if (PG_ARGISNULL(created))
        bad_source_event(fcinfo, "created is null");
    if (!is_object(fcinfo, meta))
        bad_source_event(fcinfo, "meta is not an object");
    if (const char *problem = events::correlation_problem(PG_GETARG_JSONB_P(meta)))
        bad_source_event(fcinfo, psprintf("meta: %s", problem));
    if (PG_ARGISNULL(caused_by))
        PG_RETURN_DATUM(PG_GETARG_DATUM(meta));
    Datum path[] = {CStringGetTextDatum("causation"), CStringGetTextDatum("event"), CStringGetTextDatum("id")};
    ArrayType *keys = construct_array(path, lengthof(path), TEXTOID, -1, false, TYPALIGN_INT);
    JsonbValue new_id;
    new_id.type = jbvNumeric;
    new_id.val.numeric = int64_to_numeric(PG_GETARG_INT64(caused_by));
    PG_RETURN_DATUM(DirectFunctionCall4(jsonb_set, PG_GETARG_DATUM(meta), PointerGetDatum(keys),
                                        JsonbPGetDatum(JsonbValueToJsonb(&new_id)), BoolGetDatum(false)));
}

} // namespace
} // namespace act

ACT_FUNCTION(act_restore, act::restore)
ACT_FUNCTION(act_restore_meta, act::restore_meta)
