#include "store.hpp"

#include "boundary.hpp"

extern "C" {
PG_MODULE_MAGIC;
void _PG_init(void);
}

namespace act {

char *writer_setting = nullptr;

namespace {

char *store_setting = nullptr;
HTAB *stores = nullptr;  // Oid -> Store
HTAB *plans = nullptr;   // PlanKey -> PlanEntry

struct PlanKey {
    Oid store;
    Plan kind;
    uint32 variant;
};
struct PlanEntry {
    PlanKey key;
    SPIPlanPtr plan;
};

bool plain_identifier(const char *s, size_t len, size_t max_len)
{
    if (len == 0 || len > max_len || !(s[0] == '_' || (s[0] >= 'a' && s[0] <= 'z')))
        return false;
    for (size_t i = 1; i < len; i++)
        if (!(s[i] == '_' || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')))
            return false;
    return true;
}

void forget_store(Datum, Oid relid)
{
    HASH_SEQ_STATUS scan;
    hash_seq_init(&scan, stores);
    for (Store *s; (s = static_cast<Store *>(hash_seq_search(&scan)));)
        if (relid == InvalidOid || s->events == relid)
            s->stale = true;
}

[[noreturn]] void unknown_store(const char *schema, const char *table)
{
    ereport(ERROR,
            (errcode(ERRCODE_UNDEFINED_TABLE),
             errmsg("act_pg store \"%s.%s\" does not exist", schema, table),
             errhint("Create it with SELECT act.seed('%s', '%s'), or set act.store to an existing store.",
                     schema, table)));
    pg_unreachable();
}

bool registered_notify(const char *schema, const char *table, bool *notify)
{
    static SPIPlanPtr plan = nullptr;
    if (!plan) {
        Oid types[2] = {NAMEOID, NAMEOID};
        plan = SPI_prepare("SELECT notify FROM act.stores WHERE schema = $1 AND table_name = $2", 2, types);
        if (!plan)
            elog(ERROR, "act_pg: SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
        SPI_keepplan(plan);
    }
    NameData s, t;
    namestrcpy(&s, schema);
    namestrcpy(&t, table);
    Datum args[2] = {NameGetDatum(&s), NameGetDatum(&t)};
    if (SPI_execute_plan(plan, args, nullptr, true, 1) != SPI_OK_SELECT)
        elog(ERROR, "act_pg: reading act.stores failed");
    if (SPI_processed == 0)
        return false;
    bool isnull;
    *notify = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
    return true;
}

// The unique btree index on exactly (stream, version), which commit reads
// a stream's version from; InvalidOid when there is none (commit reports
// it).
Oid stream_index(Oid events, AttrNumber stream, AttrNumber version)
{
    Oid found = InvalidOid;
    Relation rel = table_open(events, AccessShareLock);
    List *indexes = RelationGetIndexList(rel);
    ListCell *lc;
    foreach (lc, indexes) {
        Relation index = index_open(lfirst_oid(lc), AccessShareLock);
        Form_pg_index form = index->rd_index;
        if (index->rd_rel->relam == BTREE_AM_OID && form->indisunique && form->indisvalid &&
            form->indnkeyatts == 2 && form->indkey.values[0] == stream && form->indkey.values[1] == version &&
            heap_attisnull(index->rd_indextuple, Anum_pg_index_indexprs, nullptr) &&
            heap_attisnull(index->rd_indextuple, Anum_pg_index_indpred, nullptr))
            found = RelationGetRelid(index);
        index_close(index, AccessShareLock);
    }
    list_free(indexes);
    table_close(rel, AccessShareLock);
    return found;
}

bool event_type_has_pii()
{
    Oid type = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid, CStringGetDatum("event"),
                               ObjectIdGetDatum(get_namespace_oid("act", false)));
    if (!OidIsValid(type))
        elog(ERROR, "act_pg: type act.event does not exist");
    TupleDesc desc = lookup_rowtype_tupdesc(type, -1);
    bool found = false;
    for (int i = 0; i < desc->natts; i++)
        if (!TupleDescAttr(desc, i)->attisdropped && strcmp(NameStr(TupleDescAttr(desc, i)->attname), "pii") == 0)
            found = true;
    ReleaseTupleDesc(desc);
    return found;
}

void load(Store *s, Oid nsp, const char *schema, const char *table)
{
    char streams[NAMEDATALEN];
    snprintf(streams, sizeof streams, "%s_streams", table);
    s->streams = get_relname_relid(streams, nsp);
    s->sequence = getIdentitySequence(s->events, 1, true);
    if (!OidIsValid(s->streams) || !OidIsValid(s->sequence) || !registered_notify(schema, table, &s->notify))
        unknown_store(schema, table);
    s->version = get_attnum(s->events, "version");
    // A store seeded by 0.1.0 has no marks until act.seed (run by ALTER
    // EXTENSION act_pg UPDATE) adds them; until then commits skip them.
    s->has_marks = get_attnum(s->streams, "mark") != InvalidAttrNumber;
    // Under an older version's SQL (before ALTER EXTENSION act_pg UPDATE),
    // neither the store nor act.event has pii: events are read without it.
    s->has_pii = get_attnum(s->events, "pii") != InvalidAttrNumber;
    s->event_pii = event_type_has_pii();
    s->stream_index = stream_index(s->events, get_attnum(s->events, "stream"), s->version);
    strlcpy(s->schema, schema, sizeof s->schema);
    strlcpy(s->table, table, sizeof s->table);
    // Plain identifiers never need quotes.
    snprintf(s->events_sql, sizeof s->events_sql, "%s.%s", schema, table);
    snprintf(s->streams_sql, sizeof s->streams_sql, "%s.%s", schema, streams);
    s->stale = false;
}

// act.store is checked where it is used, not by a GUC check hook: a value
// set before the library loads would otherwise be dropped with a warning,
// and calls would silently use the default store.
const char *split_store_name(const char *name)
{
    const char *dot = strchr(name, '.');
    if (!dot || !plain_identifier(name, dot - name, NAMEDATALEN - 1) ||
        !plain_identifier(dot + 1, strlen(dot + 1), NAMEDATALEN - 1 - strlen("_streams")))
        ereport(ERROR,
                (errcode(ERRCODE_INVALID_NAME), errmsg("invalid act.store: \"%s\"", name),
                 errdetail("act.store names a store as \"schema.table\", both plain lower-case identifiers."),
                 errhint("For example: SET act.store = 'act.events'.")));
    return dot;
}

} // namespace

Store *current_store()
{
    char schema[NAMEDATALEN], table[NAMEDATALEN];
    const char *dot = split_store_name(store_setting);
    strlcpy(schema, store_setting, Min(sizeof schema, size_t(dot - store_setting) + 1));
    strlcpy(table, dot + 1, sizeof table);

    Oid nsp = get_namespace_oid(schema, true);
    Oid relid = OidIsValid(nsp) ? get_relname_relid(table, nsp) : InvalidOid;
    if (!OidIsValid(relid))
        unknown_store(schema, table);
    // act_pg's functions run as the extension's owner; the session's role
    // must be allowed to read the store.
    if (pg_class_aclcheck(relid, GetOuterUserId(), ACL_SELECT) != ACLCHECK_OK)
        ereport(ERROR,
                (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                 errmsg("permission denied for act_pg store \"%s.%s\"", schema, table),
                 errhint("A role uses a store when it has SELECT on the store's events table: GRANT SELECT ON %s.%s TO ...",
                         schema, table)));

    bool found;
    Store *s = static_cast<Store *>(hash_search(stores, &relid, HASH_ENTER, &found));
    if (!found)
        s->stale = true;
    if (s->stale)
        load(s, nsp, schema, table);
    return s;
}

SPIPlanPtr cached_plan(const Store *store, Plan kind, uint32 variant)
{
    PlanKey key{store->events, kind, variant};
    auto *e = static_cast<PlanEntry *>(hash_search(plans, &key, HASH_FIND, nullptr));
    return e ? e->plan : nullptr;
}

SPIPlanPtr keep_plan(const Store *store, Plan kind, uint32 variant,
                     const char *sql, int nargs, const Oid *argtypes)
{
    SPIPlanPtr plan = SPI_prepare(sql, nargs, const_cast<Oid *>(argtypes));
    if (!plan)
        elog(ERROR, "act_pg: SPI_prepare failed: %s: %s", SPI_result_code_string(SPI_result), sql);
    SPI_keepplan(plan);
    PlanKey key{store->events, kind, variant};
    auto *e = static_cast<PlanEntry *>(hash_search(plans, &key, HASH_ENTER, nullptr));
    e->plan = plan;
    return plan;
}

namespace {

Datum store_changed(FunctionCallInfo fcinfo)
{
    CacheInvalidateRelcacheByRelid(PG_GETARG_OID(0));
    PG_RETURN_VOID();
}

} // namespace
} // namespace act

ACT_FUNCTION(act_store_changed, act::store_changed)

void _PG_init(void)
{
    DefineCustomStringVariable(
        "act.store", "The act_pg store that act_pg's functions use (\"schema.table\").",
        "Set it per transaction (SET LOCAL) or per role (ALTER ROLE ... SET) to select a tenant's store.",
        &act::store_setting, "act.events", PGC_USERSET, 0, nullptr, nullptr, nullptr);
    DefineCustomStringVariable(
        "act.writer", "Who commits: the \"by\" field of act_pg's commit notifications.",
        "Listeners compare it with their own to skip their own commits.",
        &act::writer_setting, "", PGC_USERSET, 0, nullptr, nullptr, nullptr);
    MarkGUCPrefixReserved("act");

    HASHCTL ctl = {};
    ctl.keysize = sizeof(Oid);
    ctl.entrysize = sizeof(act::Store);
    act::stores = hash_create("act_pg stores", 16, &ctl, HASH_ELEM | HASH_BLOBS);
    ctl.keysize = sizeof(act::PlanKey);
    ctl.entrysize = sizeof(act::PlanEntry);
    act::plans = hash_create("act_pg plans", 64, &ctl, HASH_ELEM | HASH_BLOBS);
    CacheRegisterRelcacheCallback(act::forget_store, 0);
}
