// Which ids are in flight: drawn by a transaction whose commit is not yet
// visible to every snapshot. The fence (fence.hpp) publishes one mark per
// (transaction, store), its first id, and the horizon reads the lowest.
//
// Two modes, fixed when the server starts:
//  - shared: act_pg is in shared_preload_libraries. Marks live in a
//    registry in shared memory, one row of slots per backend, written with
//    atomics; a mark is cleared by the transaction callback at COMMIT, which
//    PostgreSQL runs after the commit is visible (after
//    ProcArrayEndTransaction). Reading it costs one pass over
//    max_connections rows, whatever the server's lock table holds.
//  - locks: a plain CREATE EXTENSION. A mark is a transaction-scoped
//    advisory lock keyed by the id (objsubid 0x4102 in pg_locks), which
//    PostgreSQL releases after the commit is visible. A backend remembers,
//    per store, its last horizon (every id below it settled for good) and
//    reads the next one by probing the ids drawn since, one conditional
//    lock request each, lowest first, stopping at the first still marked:
//    the cost grows with the ids drawn since its last read, not with the
//    lock table. Only a backend that has no horizon yet, or is more than
//    probe_window ids behind, copies the server's lock table
//    (GetLockStatusData) instead.
#pragma once

#include "store.hpp"

namespace act::inflight {

// Installs the shared-memory hooks (when preloaded) and the transaction
// callbacks. Called from _PG_init.
void init();

// True in the shared mode.
bool shared();

// A transaction's first draw of ids in a store, in two steps, both with
// the store's allocation lock held exclusively: reserve, before the ids
// are drawn, returns the mark's slot, or -1 when the transaction (or the
// subtransaction that holds this one) already has a mark in `store`,
// whose id is lower and lives as long; publish then records the first id
// drawn. A transaction holds marks in at most `max_stores` stores
// (54000 past that).
int reserve(const Store *store);
void publish(const Store *store, int slot, int64 first);
constexpr int max_stores = 16;

// The lowest id at or below `last` that another transaction holds in
// flight in `store`, or last + 1 when none. `last` is the sequence's last
// value, read before this call: marks of ids drawn after it are ignored.
// Every id up to `last` must have had its mark placed before `last` was
// read: in the shared mode a mark is reserved before its ids are drawn, so
// that always holds; in the locks mode it holds when the allocation lock
// was free (or held in share mode) at some moment after `last` was read,
// and when marks_known says so.
int64 lowest(const Store *store, int64 last);

// In the locks mode: whether every id up to `last` is known to have been
// marked already, because an earlier horizon of this backend settled a
// last value at least as high (no id past it was drawn since). Always true
// in the shared mode.
bool marks_known(const Store *store, int64 last);

// In the locks mode: the highest last value an earlier horizon of this
// backend settled, -1 when none, or when the sequence's `last` is below
// that horizon (it was moved back).
int64 marked_through(const Store *store, int64 last);

} // namespace act::inflight
