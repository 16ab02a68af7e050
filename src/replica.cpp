#include "replica.hpp"

extern "C" {
#include "catalog/pg_subscription.h"
#include "catalog/pg_subscription_rel.h"
#include "utils/catcache.h"
#include "utils/syscache.h"
}

namespace act::replica {
namespace {

// The subscription that writes `relid`, InvalidOid when none. The
// syscache list is invalidated with pg_subscription_rel, so a
// subscription created or dropped later is seen by the next call.
Oid subscription_of(Oid relid)
{
    CatCList *list = SearchSysCacheList1(SUBSCRIPTIONRELMAP, ObjectIdGetDatum(relid));
    Oid sub = InvalidOid;
    if (list->n_members > 0)
        sub = reinterpret_cast<Form_pg_subscription_rel>(GETSTRUCT(&list->members[0]->tuple))->srsubid;
    ReleaseSysCacheList(list);
    return sub;
}

const char *subscription_name(Oid sub)
{
    const char *name = get_subscription_name(sub, true);
    return name ? name : "(dropped)";
}

} // namespace

int64 published_horizon(const Store *store)
{
    static SPIPlanPtr plan = nullptr;
    if (!plan) {
        Oid types[2] = {NAMEOID, NAMEOID};
        plan = SPI_prepare("SELECT horizon FROM act.horizons WHERE schema = $1 AND table_name = $2", 2, types);
        if (!plan)
            elog(ERROR, "act_pg: SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
        SPI_keepplan(plan);
    }
    NameData schema, table;
    namestrcpy(&schema, store->schema);
    namestrcpy(&table, store->table);
    Datum args[2] = {NameGetDatum(&schema), NameGetDatum(&table)};
    if (SPI_execute_plan(plan, args, nullptr, true, 1) != SPI_OK_SELECT)
        elog(ERROR, "act_pg: reading act.horizons failed");
    if (SPI_processed == 0)
        return 1;
    bool isnull;
    return DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}

void refuse_subscribed(const Store *store)
{
    Oid sub = subscription_of(store->events);
    if (!OidIsValid(sub))
        sub = subscription_of(store->streams);
    if (!OidIsValid(sub))
        return;
    ereport(ERROR,
            (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
             errmsg("act_pg store \"%s\" is a logical replication target", store->events_sql),
             errdetail("The subscription \"%s\" writes its tables. A subscriber has neither the publisher's "
                       "in-flight ids nor its sequence, so act_pg would read past events still to come and "
                       "hand out ids the publisher uses.",
                       subscription_name(sub)),
             errhint("Use the store on the publisher, or read it on a physical standby of the publisher.")));
}

} // namespace act::replica
