// Gap-free id order without serializing COMMIT.
//
// Ids come from the store's sequence when a writer draws them, but become
// visible when the writer commits, so commits can land out of id order. A
// reader that moves its watermark past what it saw must never see a lower
// id appear later. The fence makes that true at the cost of a short lock
// around the id draw only:
//
//  - A writer takes the store's allocation lock (exclusive), draws its ids,
//    publishes the first id it holds in this transaction as in flight
//    (inflight.hpp), and releases the allocation lock. The mark goes only
//    after the commit (or abort) is visible to everyone.
//  - A reader reads the sequence's last value, then makes sure no writer
//    is between its draw and its mark: the allocation lock is free (a
//    conditional request in share mode, released at once), or no id was
//    drawn past what it knew to be marked (in the shared mode a writer
//    reserves its mark before it draws, so neither is needed). It then
//    reads the lowest id at or below that value still marked by another
//    transaction. Every id below that horizon is settled: committed and
//    visible to a snapshot taken afterwards, or gone.
//
// The allocation lock is an advisory lock tag with a field4 that no
// SQL-level advisory lock function uses, so it cannot collide with the
// application's; pg_locks shows it as an advisory lock with objsubid
// 0x4101.
#pragma once

#include "store.hpp"

namespace act::fence {

// Draws `count` consecutive ids for the current transaction; returns the
// first.
int64 allocate(const Store *store, int64 count);

// The lowest id that may still become visible later: every id below it is
// committed or rolled back. The current transaction's own ids do not hold
// it back. Read rows with a snapshot taken after this call. On a hot
// standby: the horizon the primary published (replica.hpp).
int64 horizon(const Store *store);

} // namespace act::fence
