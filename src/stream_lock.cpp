#include "stream_lock.hpp"

#include <algorithm>

namespace act {
namespace {

constexpr uint16 stream_tag = 0x4103;
constexpr uint16 store_tag = 0x4104;

LOCKTAG stream_lock(const Store *store, uint32 key)
{
    LOCKTAG tag;
    SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, store->events, key, stream_tag);
    return tag;
}

LOCKTAG store_lock(const Store *store)
{
    LOCKTAG tag;
    SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, store->events, 0, store_tag);
    return tag;
}

// Stream locks the current transaction took one by one. A subtransaction
// that rolls back releases its locks but not this count: it only ever
// overstates, so the bound holds.
LocalTransactionId counted_lxid = InvalidLocalTransactionId;
int counted = 0;

int &stream_locks_taken()
{
    if (counted_lxid != MyProc->lxid) {
        counted_lxid = MyProc->lxid;
        counted = 0;
    }
    return counted;
}

// ExclusiveLock conflicts with the RowExclusiveLock of every other writer
// of the store, and with no reader: it waits for the writers in flight and
// holds back new ones until this transaction ends.
void lock_store(const Store *store)
{
    LOCKTAG tag = store_lock(store);
    LockAcquire(&tag, ExclusiveLock, false, false);
}

bool store_locked(const Store *store)
{
    LOCKTAG tag = store_lock(store);
    return LockHeldByMe(&tag, ExclusiveLock);
}

} // namespace

uint32 stream_lock_key(text *stream)
{
    return hash_bytes(reinterpret_cast<const unsigned char *>(VARDATA_ANY(stream)),
                      int(VARSIZE_ANY_EXHDR(stream)));
}

void lock_stream_key(const Store *store, uint32 key)
{
    if (store_locked(store))
        return;
    int &taken = stream_locks_taken();
    if (taken >= max_stream_locks) {
        lock_store(store);
        return;
    }
    LOCKTAG stream = stream_lock(store, key);
    if (LockAcquire(&stream, ExclusiveLock, false, false) == LOCKACQUIRE_OK)
        taken++;
    LOCKTAG shared = store_lock(store);
    LockAcquire(&shared, RowExclusiveLock, false, false);
}

void lock_stream_keys(const Store *store, const uint32 *keys, int n)
{
    if (n == 0 || store_locked(store))
        return;
    if (stream_locks_taken() + n > max_stream_locks) {
        lock_store(store);
        return;
    }
    for (int i = 0; i < n; i++)
        lock_stream_key(store, keys[i]);
}

int distinct_keys(uint32 *keys, int n)
{
    std::sort(keys, keys + n);
    return int(std::unique(keys, keys + n) - keys);
}

} // namespace act
