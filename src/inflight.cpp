#include "inflight.hpp"

#include "errors.hpp"

extern "C" {
#include "port/atomics.h"
#include "storage/ipc.h"
#include "storage/shmem.h"
}

namespace act::inflight {
namespace {

constexpr uint16 inflight_tag = 0x4102;

// One backend's marks in the shared registry. `first` 0 is an empty slot;
// `used` is how many slots the current transaction filled. A writer fills
// db and store, then first, then used, with write barriers between; a
// reader reads in the opposite order. A reader that races a slot being
// cleared and reused can only pair an id with the wrong store, which lowers
// the horizon (a later read), never raises it.
struct Slot {
    pg_atomic_uint64 first;
    Oid db;
    Oid store;
};
struct Row {
    pg_atomic_uint32 used;
    Slot slots[max_stores];
};

Row *registry = nullptr;  // shared mode only
int registry_rows = 0;
shmem_request_hook_type previous_request = nullptr;
shmem_startup_hook_type previous_startup = nullptr;

int rows_for_server()
{
    return MaxBackends + NUM_AUXILIARY_PROCS;
}

void request_registry()
{
    if (previous_request)
        previous_request();
    RequestAddinShmemSpace(mul_size(sizeof(Row), size_t(rows_for_server())));
}

void start_registry()
{
    if (previous_startup)
        previous_startup();
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    bool found;
    int rows = rows_for_server();
    auto *r = static_cast<Row *>(ShmemInitStruct("act_pg in-flight ids", mul_size(sizeof(Row), size_t(rows)), &found));
    if (!found)
        for (int i = 0; i < rows; i++) {
            pg_atomic_init_u32(&r[i].used, 0);
            for (Slot &s : r[i].slots) {
                pg_atomic_init_u64(&s.first, 0);
                s.db = InvalidOid;
                s.store = InvalidOid;
            }
        }
    LWLockRelease(AddinShmemInitLock);
    registry = r;
    registry_rows = rows;
}

// This backend's marks of the current transaction, in the order of its
// registry row's slots. A mark whose subtransaction rolled back is left
// as a hole (store InvalidOid): the slots never move under a reader.
struct Mark {
    Oid store;
    SubTransactionId subxid;
};
Mark marks[max_stores];
int used = 0;

Row &my_row()
{
    return registry[MyProc->pgprocno];
}

LOCKTAG inflight_lock(const Store *store, int64 id)
{
    LOCKTAG tag;
    SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, store->events, uint32(uint64(id)), inflight_tag);
    return tag;
}

void publish(const Store *store, int64 first, int i)
{
    if (!registry) {
        LOCKTAG tag = inflight_lock(store, first);
        LockAcquire(&tag, ExclusiveLock, false, false);
        return;
    }
    Row &row = my_row();
    Slot &slot = row.slots[i];
    slot.db = MyDatabaseId;
    slot.store = store->events;
    pg_write_barrier();
    pg_atomic_write_u64(&slot.first, uint64(first));
    pg_write_barrier();
    pg_atomic_write_u32(&row.used, uint32(used));
}

// Clears one mark of the registry. The barrier orders what the
// transaction did before (its commit becoming visible) before the clear.
void clear(int i)
{
    marks[i].store = InvalidOid;
    if (registry) {
        pg_memory_barrier();
        pg_atomic_write_u64(&my_row().slots[i].first, 0);
    }
}

void clear_all()
{
    for (int i = 0; i < used; i++)
        clear(i);
    if (registry && used > 0) {
        pg_write_barrier();
        pg_atomic_write_u32(&my_row().used, 0);
    }
    used = 0;
}

// A registry mark cannot follow a prepared transaction to the backend
// that commits it; a lock mark does.
void on_xact(XactEvent event, void *)
{
    switch (event) {
    case XACT_EVENT_PRE_PREPARE:
        for (int i = 0; i < used; i++)
            if (registry && marks[i].store != InvalidOid)
                ereport(ERROR,
                        (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                         errmsg("cannot PREPARE a transaction that drew act_pg event ids"),
                         errdetail("act_pg is in shared_preload_libraries: its in-flight ids live in this "
                                   "backend's shared memory and end with its transaction.")));
        break;
    case XACT_EVENT_COMMIT:
    case XACT_EVENT_PARALLEL_COMMIT:
    case XACT_EVENT_ABORT:
    case XACT_EVENT_PARALLEL_ABORT:
    case XACT_EVENT_PREPARE:
        clear_all();
        break;
    default:
        break;
    }
}

// A subtransaction's mark passes to its parent when it commits (as its
// lock does) and goes when it rolls back.
void on_subxact(SubXactEvent event, SubTransactionId sub, SubTransactionId parent, void *)
{
    for (int i = 0; i < used; i++) {
        if (marks[i].store == InvalidOid || marks[i].subxid != sub)
            continue;
        if (event == SUBXACT_EVENT_COMMIT_SUB)
            marks[i].subxid = parent;
        else if (event == SUBXACT_EVENT_ABORT_SUB)
            clear(i);
    }
}

// The lock mode: the lowest id locked by another transaction. An id lock
// holds an id's low 32 bits; an in-flight id is never 2^31 away from the
// sequence's last value, which restores the rest. Locks of ids drawn after
// `last` are skipped.
int64 lowest_locked(const Store *store, int64 last)
{
    int64 lowest = last + 1;
    LockData *locks = GetLockStatusData();
    for (int i = 0; i < locks->nelements; i++) {
        const LockInstanceData &l = locks->locks[i];
        if (l.locktag.locktag_type != LOCKTAG_ADVISORY || l.locktag.locktag_field4 != inflight_tag ||
            l.locktag.locktag_field1 != MyDatabaseId || l.locktag.locktag_field2 != store->events ||
            l.holdMask == 0 || l.pid == MyProcPid)
            continue;
        int32 ahead = int32(l.locktag.locktag_field3 - uint32(uint64(last)));
        if (ahead <= 0)
            lowest = Min(lowest, last + ahead);
    }
    pfree(locks->locks);
    pfree(locks);
    return lowest;
}

int64 lowest_registered(const Store *store, int64 last)
{
    int64 lowest = last + 1;
    int self = MyProc->pgprocno;
    for (int p = 0; p < registry_rows; p++) {
        uint32 n = pg_atomic_read_u32(&registry[p].used);
        if (n == 0 || p == self)
            continue;
        pg_read_barrier();
        for (uint32 i = 0; i < n && i < uint32(max_stores); i++) {
            const Slot &s = registry[p].slots[i];
            int64 first = int64(pg_atomic_read_u64(const_cast<pg_atomic_uint64 *>(&s.first)));
            pg_read_barrier();
            if (first != 0 && first <= last && s.store == store->events && s.db == MyDatabaseId)
                lowest = Min(lowest, first);
        }
    }
    return lowest;
}

} // namespace

void init()
{
    if (process_shared_preload_libraries_in_progress) {
        previous_request = shmem_request_hook;
        shmem_request_hook = request_registry;
        previous_startup = shmem_startup_hook;
        shmem_startup_hook = start_registry;
    }
    RegisterXactCallback(on_xact, nullptr);
    RegisterSubXactCallback(on_subxact, nullptr);
}

bool shared()
{
    return registry != nullptr;
}

void hold(const Store *store, int64 first)
{
    int hole = -1;
    for (int i = 0; i < used; i++) {
        if (marks[i].store == store->events)
            return;
        if (marks[i].store == InvalidOid && hole < 0)
            hole = i;
    }
    if (hole < 0 && used == max_stores)
        ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                        errmsg("a transaction may write events to at most %d act_pg stores", max_stores),
                        errhint("Commit in smaller transactions.")));
    if (registry && MyProc->pgprocno >= registry_rows)
        elog(ERROR, "act_pg: backend %d has no in-flight registry row", MyProc->pgprocno);
    int i = hole >= 0 ? hole : used++;
    marks[i] = Mark{store->events, GetCurrentSubTransactionId()};
    publish(store, first, i);
}

int64 lowest(const Store *store, int64 last)
{
    return registry ? lowest_registered(store, last) : lowest_locked(store, last);
}

} // namespace act::inflight
