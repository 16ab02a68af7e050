// The per-stream writer lock: every path that writes a stream's events, or
// a mark that depends on them (commit, truncate, subscribe, ack), holds it
// through COMMIT.
//
// A stream lock is an advisory lock tag keyed by the hash of the stream's
// name (objsubid 0x4103 in pg_locks); its holder also holds the store's
// lock (objsubid 0x4104) in RowExclusiveLock mode, which every writer of
// the store shares. A transaction takes at most `max_stream_locks` stream
// locks; past that it escalates: it takes the store's lock in
// ExclusiveLock mode, which covers every stream of the store, and locks no
// more streams one by one. So a transaction holds at most
// max_stream_locks + (stores it writes) of these lock-table entries, however
// many streams it touches.
#pragma once

#include "store.hpp"

namespace act {

// Stream locks one transaction takes one by one, in all stores together,
// before it locks a store whole.
constexpr int max_stream_locks = 32;

// The lock's key for `stream`. Streams whose names share a key share a
// lock; nothing else does (before escalation).
uint32 stream_lock_key(text *stream);

// Writers of one stream queue here, through COMMIT: the version a writer
// reads is then the one it extends, and a stream's ids become visible in
// order. The stream lock is taken before the store's shared lock, so a
// writer waiting for a stream holds no store lock an escalating
// transaction could wait for.
void lock_stream_key(const Store *store, uint32 key);

// Locks the streams of `keys` (sorted ascending, distinct): one by one in
// that order when they fit under max_stream_locks, else the whole store at
// once, before any of them. Two callers locking overlapping sets never
// deadlock each other through these calls alone.
void lock_stream_keys(const Store *store, const uint32 *keys, int n);

// Sorts `keys` and drops duplicates; returns how many remain.
int distinct_keys(uint32 *keys, int n);

} // namespace act
