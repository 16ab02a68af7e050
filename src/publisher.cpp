#include "publisher.hpp"

#include "boundary.hpp"
#include "fence.hpp"
#include "spi.hpp"
#include "store.hpp"

extern "C" {
#include "access/xlog.h"
#include "commands/extension.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/varlena.h"

PGDLLEXPORT void act_publisher_main(Datum);
}

namespace act::publisher {
namespace {

char *databases_setting = nullptr;
int interval_setting = 10;

struct StoreName {
    char schema[NAMEDATALEN];
    char table[NAMEDATALEN];
};

// The stores of act.stores, copied out of SPI's memory.
List *store_names()
{
    if (SPI_execute("SELECT schema, table_name FROM act.stores ORDER BY schema, table_name", true, 0) !=
        SPI_OK_SELECT)
        elog(ERROR, "act_pg: reading act.stores failed");
    List *names = NIL;
    for (uint64 i = 0; i < SPI_processed; i++) {
        auto *n = static_cast<StoreName *>(palloc(sizeof(StoreName)));
        strlcpy(n->schema, SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1), NAMEDATALEN);
        strlcpy(n->table, SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2), NAMEDATALEN);
        names = lappend(names, n);
    }
    return names;
}

// The store named, resolved as act.store would name it (same checks).
Store *store_named(const StoreName *n)
{
    int level = NewGUCNestLevel();
    set_config_option("act.store", psprintf("%s.%s", n->schema, n->table), PGC_USERSET, PGC_S_SESSION,
                      GUC_ACTION_SAVE, true, 0, false);
    Store *store = current_store();
    AtEOXact_GUC(true, level);
    return store;
}

// Raises the row only: a horizon never moves back except by act.restore,
// which deletes the row. Any horizon written here was true when computed,
// so publishers racing each other are safe whichever commits last.
bool write_horizon(const StoreName *n, int64 horizon)
{
    static SPIPlanPtr plan = nullptr;
    if (!plan) {
        Oid types[3] = {NAMEOID, NAMEOID, INT8OID};
        plan = SPI_prepare("INSERT INTO act.horizons AS h (schema, table_name, horizon, published) "
                           "VALUES ($1, $2, $3, now()) ON CONFLICT (schema, table_name) DO UPDATE "
                           "SET horizon = excluded.horizon, published = excluded.published "
                           "WHERE h.horizon < excluded.horizon",
                           3, types);
        if (!plan)
            elog(ERROR, "act_pg: SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
        SPI_keepplan(plan);
    }
    NameData schema, table;
    namestrcpy(&schema, n->schema);
    namestrcpy(&table, n->table);
    Datum args[3] = {NameGetDatum(&schema), NameGetDatum(&table), Int64GetDatum(horizon)};
    return spi::execute(plan, args, nullptr) > 0;
}

Datum publish_horizon(FunctionCallInfo fcinfo)
{
    if (RecoveryInProgress())
        ereport(ERROR, (errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
                        errmsg("act.publish_horizon() runs on the primary, not on a standby")));
    spi::connect();
    int32 moved = 0;
    ListCell *lc;
    foreach (lc, store_names()) {
        const auto *n = static_cast<const StoreName *>(lfirst(lc));
        Store *store = store_named(n);
        // Held to COMMIT: act.restore, which locks the sequence first,
        // renumbers the ids and deletes the row, waits for this
        // publication, and this one for a restore in flight.
        LockRelationOid(store->sequence, AccessShareLock);
        moved += write_horizon(n, fence::horizon(store)) ? 1 : 0;
    }
    spi::finish();
    PG_RETURN_INT32(moved);
}

void publish_once()
{
    SetCurrentStatementStartTimestamp();
    StartTransactionCommand();
    PushActiveSnapshot(GetTransactionSnapshot());
    // Until CREATE EXTENSION, and after DROP EXTENSION, there is nothing to do.
    if (OidIsValid(get_extension_oid("act_pg", true))) {
        pgstat_report_activity(STATE_RUNNING, "SELECT act.publish_horizon()");
        spi::connect();
        if (SPI_execute("SELECT act.publish_horizon()", false, 0) != SPI_OK_SELECT)
            elog(ERROR, "act_pg: act.publish_horizon() failed");
        spi::finish();
    }
    PopActiveSnapshot();
    CommitTransactionCommand();
    pgstat_report_stat(false);
    pgstat_report_activity(STATE_IDLE, nullptr);
}

} // namespace

void init()
{
    DefineCustomIntVariable(
        "act.publish_interval", "How often the publisher workers publish the horizon.",
        "Standby readers of act.query(after) lag the primary by about this much.", &interval_setting, 10, 1,
        60000, PGC_SIGHUP, GUC_UNIT_MS, nullptr, nullptr, nullptr);
    // A setting read when the server starts can only be defined then.
    if (!process_shared_preload_libraries_in_progress)
        return;
    DefineCustomStringVariable(
        "act.publish_databases", "Databases whose act_pg stores get their horizon published for hot standbys.",
        "A comma-separated list; act_pg must be in shared_preload_libraries. One background worker per database "
        "calls act.publish_horizon() on the primary.",
        &databases_setting, "", PGC_POSTMASTER, 0, nullptr, nullptr, nullptr);
    if (!*databases_setting)
        return;

    char *list = pstrdup(databases_setting);
    List *names = NIL;
    if (!SplitIdentifierString(list, ',', &names))
        ereport(FATAL, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("invalid act.publish_databases: \"%s\"", databases_setting),
                        errhint("List database names separated by commas; quote a name with capitals.")));
    ListCell *lc;
    foreach (lc, names) {
        const char *db = static_cast<const char *>(lfirst(lc));
        BackgroundWorker worker = {};
        snprintf(worker.bgw_name, BGW_MAXLEN, "act_pg horizon publisher for %s", db);
        snprintf(worker.bgw_type, BGW_MAXLEN, "act_pg horizon publisher");
        worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
        // A standby has nothing to publish; its worker starts at promotion.
        worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
        worker.bgw_restart_time = 1;
        snprintf(worker.bgw_library_name, BGW_MAXLEN, "act_pg");
        snprintf(worker.bgw_function_name, BGW_MAXLEN, "act_publisher_main");
        strlcpy(worker.bgw_extra, db, BGW_EXTRALEN);
        RegisterBackgroundWorker(&worker);
    }
}

} // namespace act::publisher

ACT_FUNCTION(act_publish_horizon, act::publisher::publish_horizon)

// The worker. An error ends it (PostgreSQL logs it) and the postmaster
// starts it again a second later.
void act_publisher_main(Datum)
{
    pqsignal(SIGHUP, SignalHandlerForConfigReload);
    pqsignal(SIGTERM, die);
    BackgroundWorkerUnblockSignals();
    BackgroundWorkerInitializeConnection(MyBgworkerEntry->bgw_extra, nullptr, 0);
    // A horizon lost in a crash is only an older one: the next is published
    // a moment later, so the worker does not wait for its WAL flush.
    SetConfigOption("synchronous_commit", "off", PGC_SUSET, PGC_S_OVERRIDE);
    for (;;) {
        (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, act::publisher::interval_setting,
                        PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
        CHECK_FOR_INTERRUPTS();
        if (ConfigReloadPending) {
            ConfigReloadPending = false;
            ProcessConfigFile(PGC_SIGHUP);
        }
        act::publisher::publish_once();
    }
}
