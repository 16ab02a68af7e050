#include "store.hpp"

#include "boundary.hpp"
#include "inflight.hpp"
#include "publisher.hpp"
#include "replica.hpp"
#include "spi.hpp"

extern "C" {
PG_MODULE_MAGIC;
void _PG_init(void);
}

namespace act {

char *writer_setting = nullptr;

namespace {

char *store_setting = nullptr;
HTAB *stores = nullptr;  // Oid -> Store

bool plain_identifier(const char *s, size_t len, size_t max_len)
{
    if (len == 0 || len > max_len || !(s[0] == '_' || (s[0] >= 'a' && s[0] <= 'z')))
        return false;
    for (size_t i = 1; i < len; i++)
        if (!(s[i] == '_' || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')))
            return false;
    return true;
}

// Counting invalidations, not only flagging them, lets load() see one that
// arrives while it reads (opening a relation accepts invalidations).
void forget_store(Datum, Oid relid)
{
    HASH_SEQ_STATUS scan;
    hash_seq_init(&scan, stores);
    for (Store *s; (s = static_cast<Store *>(hash_seq_search(&scan)));)
        if (relid == InvalidOid || s->events == relid) {
            s->stale = true;
            s->invalidations++;
        }
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

// Reads the store's registry row with a snapshot taken now, not the
// transaction's: a REPEATABLE READ transaction older than the last act.seed
// would otherwise cache options that no later invalidation corrects.
bool registered_notify(const char *schema, const char *table, bool *notify)
{
    static SPIPlanPtr plan = nullptr;
    if (!plan) {
        Oid types[2] = {NAMEOID, NAMEOID};
        plan = SPI_prepare("SELECT notify::int FROM act.stores WHERE schema = $1 AND table_name = $2", 2, types);
        if (!plan)
            elog(ERROR, "act_pg: SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
        SPI_keepplan(plan);
    }
    NameData s, t;
    namestrcpy(&s, schema);
    namestrcpy(&t, table);
    Datum args[2] = {NameGetDatum(&s), NameGetDatum(&t)};
    int64 value = spi::int64_value(plan, args, nullptr, -1, true);
    *notify = value == 1;
    return value >= 0;
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

// Fills the entry; it stays stale when an invalidation arrived meanwhile,
// so the next call reads again.
void load(Store *s, Oid nsp, const char *schema, const char *table)
{
    uint32 seen = s->invalidations;
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
    s->stale = s->invalidations != seen;
}

// act.store is checked where it is used, not by a GUC check hook: a value
// set before the library loads would otherwise be dropped with a warning,
// and calls would silently use the default store. A name is never cut to
// fit: a part that is too long is refused, as act.seed refuses it.
const char *split_store_name(const char *name)
{
    const char *dot = strchr(name, '.');
    const char *table = dot ? dot + 1 : "";
    size_t schema_len = dot ? size_t(dot - name) : strlen(name);
    if (schema_len > NAMEDATALEN - 1 || strlen(table) > NAMEDATALEN - 1 - strlen("_streams"))
        ereport(ERROR,
                (errcode(ERRCODE_NAME_TOO_LONG), errmsg("invalid act.store: name too long"),
                 errdetail("A store's schema name is at most %d bytes and its table name at most %d.",
                           NAMEDATALEN - 1, int(NAMEDATALEN - 1 - strlen("_streams")))));
    if (!dot || !plain_identifier(name, schema_len, NAMEDATALEN - 1) ||
        !plain_identifier(table, strlen(table), NAMEDATALEN - 1 - strlen("_streams")))
        ereport(ERROR,
                (errcode(ERRCODE_INVALID_NAME), errmsg("invalid act.store: \"%s\"", name),
                 errdetail("act.store names a store as \"schema.table\", both plain lower-case identifiers."),
                 errhint("For example: SET act.store = 'act.events'.")));
    return dot;
}

// Called by RangeVarGetRelidExtended before it locks the relation, so a
// role never locks a table it may not read.
void check_select(const RangeVar *name, Oid relid, Oid, void *)
{
    // act_pg's functions run as the extension's owner; the session's role
    // must be allowed to read the store.
    if (OidIsValid(relid) && pg_class_aclcheck(relid, GetOuterUserId(), ACL_SELECT) != ACLCHECK_OK)
        ereport(ERROR,
                (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                 errmsg("permission denied for act_pg store \"%s.%s\"", name->schemaname, name->relname),
                 errhint("A role uses a store when it has SELECT on the store's events table: GRANT SELECT ON %s.%s TO ...",
                         name->schemaname, name->relname)));
}

} // namespace

// The events table is locked before anything is read about the store, and
// the lock is held to the end of the transaction: act.drop (which locks it
// first) then either waits for this call or has committed, and the name
// no longer resolves (42P01), never to a relation that is gone.
Store *current_store(LOCKMODE lockmode)
{
    char schema[NAMEDATALEN], table[NAMEDATALEN];
    const char *dot = split_store_name(store_setting);
    strlcpy(schema, store_setting, Min(sizeof schema, size_t(dot - store_setting) + 1));
    strlcpy(table, dot + 1, sizeof table);
    // pg_temp and the system schemas hold no store; pg_temp would name the
    // caller's own temporary schema.
    if (strncmp(schema, "pg_", 3) == 0 || strcmp(schema, "information_schema") == 0)
        unknown_store(schema, table);

    RangeVar *name = makeRangeVar(schema, table, -1);
    Oid relid = RangeVarGetRelidExtended(name, lockmode, RVR_MISSING_OK, check_select, nullptr);
    if (!OidIsValid(relid))
        unknown_store(schema, table);

    // A transaction that locked the store before accepts no invalidation
    // when it locks it again: options changed since apply from this call.
    AcceptInvalidationMessages();
    bool found;
    Store *s = static_cast<Store *>(hash_search(stores, &relid, HASH_ENTER, &found));
    if (!found) {
        s->stale = true;
        s->invalidations = 0;
    }
    if (s->stale)
        load(s, get_rel_namespace(relid), schema, table);
    replica::refuse_subscribed(s);
    return s;
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
    act::publisher::init();
    act::init_plan_cache();
    MarkGUCPrefixReserved("act");

    HASHCTL ctl = {};
    ctl.keysize = sizeof(Oid);
    ctl.entrysize = sizeof(act::Store);
    act::stores = hash_create("act_pg stores", 16, &ctl, HASH_ELEM | HASH_BLOBS);
    CacheRegisterRelcacheCallback(act::forget_store, 0);
    act::inflight::init();
}
