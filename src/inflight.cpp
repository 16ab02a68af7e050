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

// One backend's marks in the shared registry. `first` 0 is an empty slot,
// `drawing` (below) one whose backend is drawing its ids; `used` is how
// many slots the current transaction filled. A writer fills
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

// A slot being filled: its backend holds the allocation lock and is
// drawing ids. Readers of the store wait the few instructions until it
// holds the first id.
constexpr uint64 drawing = PG_UINT64_MAX;

void reserve_slot(const Store *store, int i)
{
    Row &row = my_row();
    Slot &slot = row.slots[i];
    slot.db = MyDatabaseId;
    slot.store = store->events;
    pg_write_barrier();
    pg_atomic_write_u64(&slot.first, drawing);
    pg_write_barrier();
    pg_atomic_write_u32(&row.used, uint32(used));
    // Before the sequence moves: a reader that sees the new last value
    // sees this slot.
    pg_memory_barrier();
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

void forget_floor(Datum, Oid relid);

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
    case XACT_EVENT_PREPARE:
        if (used > 0)
            forget_floor(0, InvalidOid);
        clear_all();
        break;
    case XACT_EVENT_COMMIT:
    case XACT_EVENT_PARALLEL_COMMIT:
    case XACT_EVENT_ABORT:
    case XACT_EVENT_PARALLEL_ABORT:
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

// The lock mode: the lowest id marked by another transaction, read from a
// copy of the server's lock table (marks only: other readers' probes hold
// the same tags in share mode for an instant). An id lock holds an id's
// low 32 bits; an in-flight id is never 2^31 away from the sequence's last
// value, which restores the rest. Locks of ids drawn after `last` are
// skipped.
int64 lowest_in_lock_table(const Store *store, int64 last)
{
    int64 lowest = last + 1;
    LockData *locks = GetLockStatusData();
    for (int i = 0; i < locks->nelements; i++) {
        const LockInstanceData &l = locks->locks[i];
        if (l.locktag.locktag_type != LOCKTAG_ADVISORY || l.locktag.locktag_field4 != inflight_tag ||
            l.locktag.locktag_field1 != MyDatabaseId || l.locktag.locktag_field2 != store->events ||
            (l.holdMask & LOCKBIT_ON(ExclusiveLock)) == 0 || l.pid == MyProcPid)
            continue;
        int32 ahead = int32(l.locktag.locktag_field3 - uint32(uint64(last)));
        if (ahead <= 0)
            lowest = Min(lowest, last + ahead);
    }
    pfree(locks->locks);
    pfree(locks);
    return lowest;
}

// Whether another transaction holds the mark of `id`: a conditional
// request that conflicts with a mark and with nothing else. The backend's
// own marks never conflict with its own request.
bool marked_by_other(const Store *store, int64 id)
{
    LOCKTAG tag = inflight_lock(store, id);
    if (LockAcquire(&tag, ShareLock, false, true) == LOCKACQUIRE_NOT_AVAIL)
        return true;
    LockRelease(&tag, ShareLock, false);
    return false;
}

// Per store, the last horizon this backend computed in the lock mode, its
// floor: every id below it is settled for good (ids are never drawn
// twice), but for this transaction's own, which the probe passes (below).
// The next horizon is the first id at or above the floor that is still
// marked, found by probing the ids one by one, each a lookup of one lock:
// the cost grows with the ids drawn since, not with the lock table. A
// reader more than probe_window ids behind, or without a floor, copies the
// lock table instead.
//
// Why probing from the floor misses nothing: every id up to `last` was
// marked before the allocation lock was last seen free after `last` was
// read (fence.cpp), and a mark goes only when its transaction's commit is
// visible (or it rolled back). An id without a mark is one of a batch, or
// a later draw of a transaction, whose mark is on a lower id: that id is
// below the floor (settled, so this one is too) or was probed first.
//
// The backend's own ids are passed as settled (its own reads include its
// own events), so the floor may stand above them until its transaction
// ends: COMMIT makes them visible and ROLLBACK takes them away, but
// PREPARE TRANSACTION leaves them in flight, so it forgets the floors.
//
// `marked_through` is the highest last value a horizon of this backend
// settled: every id up to it was marked by then. A reader whose sequence
// read is not past it needs no lock (marks_known).
constexpr int64 probe_window = 256;
struct Floor {
    Oid store;  // the key: the events table
    int64 settled_below;
    int64 marked_through;
};
HTAB *floors = nullptr;  // locks mode only

// act.restore empties a store and starts its ids again (TRUNCATE ...
// RESTART IDENTITY): its floor goes with the events table's invalidation,
// as on any change of the table (a dropped store's too).
void forget_floor(Datum, Oid relid)
{
    if (!floors)
        return;
    if (OidIsValid(relid)) {
        hash_search(floors, &relid, HASH_REMOVE, nullptr);
        return;
    }
    HASH_SEQ_STATUS scan;
    hash_seq_init(&scan, floors);
    for (Floor *f; (f = static_cast<Floor *>(hash_seq_search(&scan)));)
        hash_search(floors, &f->store, HASH_REMOVE, nullptr);
}

const Floor *known_floor(const Store *store)
{
    if (!floors)
        return nullptr;
    return static_cast<const Floor *>(hash_search(floors, &store->events, HASH_FIND, nullptr));
}

// The floor's marked_through, -1 when there is no floor or the sequence's
// `last` is below it (moved back): nothing is known marked then.
int64 known_marked_through(const Store *store, int64 last)
{
    const Floor *f = known_floor(store);
    return f && last + 1 >= f->settled_below ? f->marked_through : -1;
}

void remember_floor(const Store *store, int64 settled_below, int64 marked_through)
{
    if (!floors) {
        HASHCTL ctl = {};
        ctl.keysize = sizeof(Oid);
        ctl.entrysize = sizeof(Floor);
        floors = hash_create("act_pg horizons", 16, &ctl, HASH_ELEM | HASH_BLOBS);
    }
    auto *f = static_cast<Floor *>(hash_search(floors, &store->events, HASH_ENTER, nullptr));
    f->settled_below = settled_below;
    f->marked_through = marked_through;
}

int64 lowest_locked(const Store *store, int64 last)
{
    const Floor *known = known_floor(store);
    int64 from = known ? known->settled_below : 0;
    int64 through = Max(known_marked_through(store, last), last);
    int64 lowest = last + 1;
    if (from <= 0 || from > last + 1 || last + 1 - from > probe_window) {
        lowest = lowest_in_lock_table(store, last);
    } else {
        for (int64 id = from; id <= last; id++)
            if (marked_by_other(store, id)) {
                lowest = id;
                break;
            }
    }
    remember_floor(store, lowest, through);
    return lowest;
}

uint64 settled(const Slot &s)
{
    auto *first = const_cast<pg_atomic_uint64 *>(&s.first);
    for (int spins = 0;; spins++) {
        uint64 v = pg_atomic_read_u64(first);
        if (v != drawing)
            return v;
        if (spins < 1000) {
            pg_spin_delay();
        } else {
            CHECK_FOR_INTERRUPTS();
            pg_usleep(10);
        }
    }
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
            if (pg_atomic_read_u64(const_cast<pg_atomic_uint64 *>(&s.first)) == 0)
                continue;
            pg_read_barrier();
            if (s.store != store->events || s.db != MyDatabaseId)
                continue;
            int64 first = int64(settled(s));
            if (first != 0 && first <= last)
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
    CacheRegisterRelcacheCallback(forget_floor, 0);
}

bool shared()
{
    return registry != nullptr;
}

int reserve(const Store *store)
{
    int hole = -1;
    for (int i = 0; i < used; i++) {
        if (marks[i].store == store->events)
            return -1;
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
    if (registry)
        reserve_slot(store, i);
    return i;
}

void publish(const Store *store, int slot, int64 first)
{
    if (registry) {
        pg_write_barrier();
        pg_atomic_write_u64(&my_row().slots[slot].first, uint64(first));
        return;
    }
    LOCKTAG tag = inflight_lock(store, first);
    LockAcquire(&tag, ExclusiveLock, false, false);
}

bool marks_known(const Store *store, int64 last)
{
    return registry || last <= known_marked_through(store, last);
}

int64 marked_through(const Store *store, int64 last)
{
    return known_marked_through(store, last);
}

int64 lowest(const Store *store, int64 last)
{
    return registry ? lowest_registered(store, last) : lowest_locked(store, last);
}

} // namespace act::inflight
