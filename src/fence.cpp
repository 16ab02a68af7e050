#include "fence.hpp"

#include "replica.hpp"

extern "C" {
#include "access/xlog.h"
}

namespace act::fence {
namespace {

constexpr uint16 alloc_tag = 0x4101;
constexpr uint16 inflight_tag = 0x4102;

LOCKTAG alloc_lock(const Store *store)
{
    LOCKTAG tag;
    SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, store->events, 0, alloc_tag);
    return tag;
}

// The id lock tag holds an id's low 32 bits; ids in flight are never 2^32
// behind the sequence, so the sequence's last value restores the rest.
LOCKTAG inflight_lock(const Store *store, int64 id)
{
    LOCKTAG tag;
    SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, store->events, uint32(uint64(id)), inflight_tag);
    return tag;
}

int64 restore_high_bits(int64 last, uint32 low)
{
    return last - int64(uint32(uint32(uint64(last)) - low));
}

// Which (store, subtransaction) already holds an id lock: later draws of
// the same transaction have higher ids and need none. A subtransaction
// that rolls back releases its locks, so the entry names the exact
// subtransaction, and any other one takes a lock of its own.
struct Held {
    Oid store;
    LocalTransactionId lxid;
    SubTransactionId subxid;
};
Held held[8];
int next_slot = 0;

bool holds_inflight_lock(const Store *store)
{
    for (const Held &h : held)
        if (h.store == store->events && h.lxid == MyProc->lxid && h.subxid == GetCurrentSubTransactionId())
            return true;
    return false;
}

void remember_inflight_lock(const Store *store)
{
    held[next_slot] = Held{store->events, MyProc->lxid, GetCurrentSubTransactionId()};
    next_slot = (next_slot + 1) % int(lengthof(held));
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
    int64 first = nextval_internal(store->sequence, false);
    if (count > 1)
        DirectFunctionCall2(setval_oid, ObjectIdGetDatum(store->sequence), Int64GetDatum(first + count - 1));
    if (!holds_inflight_lock(store)) {
        LOCKTAG inflight = inflight_lock(store, first);
        LockAcquire(&inflight, ExclusiveLock, false, false);
        remember_inflight_lock(store);
    }
    LockRelease(&alloc, ExclusiveLock, false);
    return first;
}

int64 horizon(const Store *store)
{
    if (RecoveryInProgress())
        return replica::published_horizon(store);
    LOCKTAG alloc = alloc_lock(store);
    LockAcquire(&alloc, ShareLock, false, false);
    int64 last = last_value(store->sequence);
    int64 lowest = last + 1;
    LockData *locks = GetLockStatusData();
    for (int i = 0; i < locks->nelements; i++) {
        const LockInstanceData &l = locks->locks[i];
        if (l.locktag.locktag_type == LOCKTAG_ADVISORY && l.locktag.locktag_field4 == inflight_tag &&
            l.locktag.locktag_field1 == MyDatabaseId && l.locktag.locktag_field2 == store->events &&
            l.holdMask != 0 && l.pid != MyProcPid)
            lowest = Min(lowest, restore_high_bits(last, l.locktag.locktag_field3));
    }
    LockRelease(&alloc, ShareLock, false);
    pfree(locks->locks);
    pfree(locks);
    return lowest;
}

} // namespace act::fence
