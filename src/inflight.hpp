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
//    PostgreSQL releases after the commit is visible; reading them copies
//    the server's lock table (GetLockStatusData).
#pragma once

#include "store.hpp"

namespace act::inflight {

// Installs the shared-memory hooks (when preloaded) and the transaction
// callbacks. Called from _PG_init.
void init();

// True in the shared mode.
bool shared();

// Publishes `first`, an id the current transaction just drew in `store`,
// as in flight, unless the transaction (or the subtransaction that holds
// this one) already has a mark in `store`: that mark's id is lower and
// lives as long. Called with the store's allocation lock held
// exclusively, so a horizon that reads the sequence afterwards sees the
// mark. A transaction holds marks in at most `max_stores` stores.
void hold(const Store *store, int64 first);
constexpr int max_stores = 16;

// The lowest id at or below `last` that another transaction holds in
// flight in `store`, or last + 1 when none. `last` is the sequence's last
// value, read under the allocation lock before this call: marks of ids
// drawn after it are ignored.
int64 lowest(const Store *store, int64 last);

} // namespace act::inflight
