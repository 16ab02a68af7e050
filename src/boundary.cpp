#include "boundary.hpp"

#include <new>

namespace act {

ErrorData *take_pg_error(MemoryContext caller)
{
    // CopyErrorData must not run in ErrorContext, which FlushErrorState resets.
    MemoryContextSwitchTo(caller);
    ErrorData *data = CopyErrorData();
    FlushErrorState();
    return data;
}

Datum guard(FunctionCallInfo fcinfo, Datum (*body)(FunctionCallInfo)) noexcept
{
    ErrorData *pg = nullptr;
    int sqlstate = ERRCODE_INTERNAL_ERROR;
    char message[512] = "unknown C++ exception";

    try {
        return body(fcinfo);
    } catch (const pg_error &e) {
        pg = e.data();
    } catch (const std::bad_alloc &) {
        sqlstate = ERRCODE_OUT_OF_MEMORY;
        strlcpy(message, "out of memory", sizeof message);
    } catch (const std::exception &e) {
        strlcpy(message, e.what(), sizeof message);
    } catch (...) {
    }

    // The exception object is gone now: raising is safe.
    if (pg)
        ReThrowError(pg);
    ereport(ERROR, (errcode(sqlstate), errmsg("act_pg: %s", message)));
    pg_unreachable();
}

} // namespace act
