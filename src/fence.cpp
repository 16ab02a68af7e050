#include "fence.hpp"

#include "inflight.hpp"
#include "replica.hpp"

extern "C" {
#include "access/xlog.h"
}

namespace act::fence {
namespace {

constexpr uint16 alloc_tag = 0x4101;

LOCKTAG alloc_lock(const Store *store)
{
    LOCKTAG tag;
    SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, store->events, 0, alloc_tag);
    return tag;
}

// The sequence's last value, or 0 before the first id was drawn.
int64 last_value(Oid sequence)
{
    LOCAL_FCINFO(fcinfo, 1);
    InitFunctionCallInfoData(*fcinfo, nullptr, 1, InvalidOid, nullptr, nullptr);
    fcinfo->args[0].value = ObjectIdGetDatum(sequence);
    fcinfo->args[0].isnull = false;
    Datum last = pg_sequence_last_value(fcinfo);
    return fcinfo->isnull ? 0 : DatumGetInt64(last);
}

} // namespace

int64 allocate(const Store *store, int64 count)
{
    LOCKTAG alloc = alloc_lock(store);
    LockAcquire(&alloc, ExclusiveLock, false, false);
    int slot = inflight::reserve(store);
    int64 first = nextval_internal(store->sequence, false);
    if (count > 1)
        DirectFunctionCall2(setval_oid, ObjectIdGetDatum(store->sequence), Int64GetDatum(first + count - 1));
    if (slot >= 0)
        inflight::publish(store, slot, first);
    LockRelease(&alloc, ExclusiveLock, false);
    return first;
}

// Only the sequence's read needs the allocation lock: every id up to it
// has its in-flight mark published by then, and a mark is cleared only
// after its commit is visible, so the marks can be read after the lock is
// released without holding writers back. In the shared mode a writer
// reserves its mark before it draws, so the read needs no lock at all.
int64 horizon(const Store *store)
{
    if (RecoveryInProgress())
        return replica::published_horizon(store);
    if (inflight::shared()) {
        int64 last = last_value(store->sequence);
        pg_memory_barrier();
        return inflight::lowest(store, last);
    }
    LOCKTAG alloc = alloc_lock(store);
    LockAcquire(&alloc, ShareLock, false, false);
    int64 last = last_value(store->sequence);
    LockRelease(&alloc, ShareLock, false);
    return inflight::lowest(store, last);
}

} // namespace act::fence
