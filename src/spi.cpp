#include "spi.hpp"

#include "store.hpp"

namespace act::spi {
namespace {

ParamListInfo params(SPIPlanPtr plan, const Datum *values, const char *nulls)
{
    int n = SPI_getargcount(plan);
    ParamListInfo list = makeParamList(n);
    for (int i = 0; i < n; i++) {
        ParamExternData &p = list->params[i];
        p.value = values[i];
        p.isnull = nulls && nulls[i] == 'n';
        p.pflags = PARAM_FLAG_CONST;
        p.ptype = SPI_getargtypeid(plan, i);
    }
    return list;
}

void check(int rc, const char *what)
{
    if (rc < 0)
        elog(ERROR, "act_pg: %s failed: %s", what, SPI_result_code_string(rc));
}

} // namespace

void connect()
{
    check(SPI_connect(), "SPI_connect");
    plan_call_begins();
}

void finish()
{
    check(SPI_finish(), "SPI_finish");
}

uint64 rows_into(SPIPlanPtr plan, const Datum *values, const char *nulls, ReturnSetInfo *rsinfo,
                 bool read_only)
{
    DestReceiver *dest = CreateTuplestoreDestReceiver();
    SetTuplestoreDestReceiverParams(dest, rsinfo->setResult, rsinfo->econtext->ecxt_per_query_memory,
                                    false, nullptr, nullptr);
    SPIExecuteOptions options = {};
    options.params = params(plan, values, nulls);
    options.read_only = read_only;
    options.dest = dest;
    check(SPI_execute_plan_extended(plan, &options), "running a plan");
    uint64 rows = SPI_processed;
    dest->rDestroy(dest);
    return rows;
}

int64 int64_value(SPIPlanPtr plan, const Datum *values, const char *nulls, int64 missing,
                  bool latest_snapshot)
{
    if (latest_snapshot)
        PushActiveSnapshot(GetLatestSnapshot());
    int rc = SPI_execute_plan(plan, const_cast<Datum *>(values), nulls, true, 1);
    if (latest_snapshot)
        PopActiveSnapshot();
    check(rc, "running a plan");
    if (SPI_processed == 0)
        return missing;
    bool isnull;
    Datum d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
    int64 value = isnull ? missing
                         : (SPI_gettypeid(SPI_tuptable->tupdesc, 1) == INT4OID ? DatumGetInt32(d) : DatumGetInt64(d));
    SPI_freetuptable(SPI_tuptable);
    return value;
}

uint64 execute(SPIPlanPtr plan, const Datum *values, const char *nulls, bool latest_snapshot)
{
    Snapshot snapshot = latest_snapshot ? GetLatestSnapshot() : InvalidSnapshot;
    check(SPI_execute_snapshot(plan, const_cast<Datum *>(values), nulls, snapshot, InvalidSnapshot, false, true, 0),
          "running a plan");
    return SPI_processed;
}

void returned_into(ReturnSetInfo *rsinfo)
{
    for (uint64 i = 0; i < SPI_processed; i++) {
        CHECK_FOR_INTERRUPTS();
        tuplestore_puttuple(rsinfo->setResult, SPI_tuptable->vals[i]);
    }
}

} // namespace act::spi
