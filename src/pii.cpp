// act.forget_pii: erase the personal data of a stream's events.
//
// An event's personal data (the framework's `pii`) lives in its own column
// of the events table, never inside data, so erasing it rewrites that
// column alone. The old row versions stay on disk until VACUUM removes
// them (README: "Personal data").
#include "boundary.hpp"
#include "errors.hpp"
#include "events.hpp"
#include "spi.hpp"
#include "store.hpp"

namespace act {
namespace {

Datum forget_pii(FunctionCallInfo fcinfo)
{
    require_arg(fcinfo, 0, "stream");
    text *stream = PG_GETARG_TEXT_PP(0);
    events::check_stream(stream);
    spi::connect();
    Store *store = current_store();
    SPIPlanPtr plan = cached_plan(store, Plan::forget_pii, 0);
    if (!plan) {
        Oid types[] = {TEXTOID};
        plan = keep_plan(store, Plan::forget_pii, 0,
                         psprintf("UPDATE %s SET pii = NULL WHERE stream = $1 AND pii IS NOT NULL", store->events_sql),
                         1, types);
    }
    Datum args[] = {PointerGetDatum(stream)};
    uint64 n = spi::execute(plan, args, nullptr);
    spi::finish();
    PG_RETURN_INT64(int64(n));
}

} // namespace
} // namespace act

ACT_FUNCTION(act_forget_pii, act::forget_pii)
