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

// `last` was read without the allocation lock: an id up to it may still
// be being drawn, its mark not placed yet. Writers draw and mark under the
// lock, so when the lock is free now, every id up to `last` is marked (a
// conditional request, released at once: it never waits, and a writer
// seldom finds it held). When a writer holds it, the reader reads below
// what it knows to be marked instead of waiting: its horizon lags for this
// call only. A reader that knows nothing of the store yet (its first
// horizon of it, or the first after the events table changed) waits for
// the lock.
int64 settled_last(const Store *store, int64 last)
{
    LOCKTAG alloc = alloc_lock(store);
    if (LockAcquire(&alloc, ShareLock, false, true) != LOCKACQUIRE_NOT_AVAIL) {
        LockRelease(&alloc, ShareLock, false);
        return last;
    }
    int64 known = inflight::marked_through(store, last);
    if (known >= 0)
        return Min(known, last);
    LockAcquire(&alloc, ShareLock, false, false);
    last = last_value(store->sequence);
    LockRelease(&alloc, ShareLock, false);
    return last;
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

// The marks are read after the sequence, never under the allocation lock,
// so readers do not hold writers back. In the shared mode a writer
// reserves its mark before it draws, so the sequence's read needs no lock
// at all; in the locks mode neither does a read that finds no id drawn
// since this backend last settled one (inflight::marks_known), as with a
// reader that polls faster than writers draw.
int64 horizon(const Store *store)
{
    if (RecoveryInProgress())
        return replica::published_horizon(store);
    int64 last = last_value(store->sequence);
    pg_memory_barrier();
    if (!inflight::marks_known(store, last))
        last = settled_last(store, last);
    return inflight::lowest(store, last);
}

} // namespace act::fence
