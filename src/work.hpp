// Which subscriptions have work: the state that act.claim's has-work test
// reads, kept so that the test costs neither O(subscriptions) nor O(events).
//
// A subscription's source is one of three kinds (the subscriptions table's
// generated column `pattern` tells them apart):
//
//  - NULL: every stream. It has work when its watermark `at` is below the
//    store's head: the highest settled id of an event that is not a
//    snapshot (one index lookup per claim, under the fence's horizon; it
//    steps over snapshots at the end of the log one by one).
//  - literal (no regular-expression metacharacter): exactly that stream.
//    Its `mark` is past its watermark exactly when the source has an event
//    (not a snapshot) past it. A commit to the source raises the mark of a
//    subscription that had no work, in the writer's own transaction
//    (committed() below); one that already has work is left alone, so a
//    busy stream costs its writers one index probe. act.ack sets the mark
//    to the source's last event, and act.subscribe does for a new row, both
//    under the source's stream lock, so no commit slips between.
//  - pattern: the streams matching it. Marking these at commit would make
//    each pattern row a hot row that serializes every writer it matches, so
//    claim probes them instead (probe_patterns): at most probe_limit events
//    per row per claim, from a cursor `probed` that remembers how far the
//    log was searched; a match becomes the row's `mark`.
//
// A row with `mark > at` has work; at -1 alone is none (a fresh
// subscription whose source has no events is not claimable).
//
// The caller's own mark, `correlated_at` (the act framework's work mark,
// written by act.subscribe and only ever raised), replaces all of the above
// for a row that has one: such a row has work exactly when
// `correlated_at > at`, and act_pg's marks are neither kept nor read for it.
//
// A row deferred (`deferred_at` set, by act.defer or a due-marked act.ack)
// has no work until then. The partial indexes of act.seed list exactly the
// rows with work that are neither blocked nor deferred, so claim reads only
// rows it may lease; each claim first clears the schedules that are due
// (release_deferred), through an index of the deferred rows alone.
#pragma once

#include "store.hpp"

namespace act::work {

// Events one pattern row's probe reads per claim, at most.
constexpr int probe_limit = 1000;

// Deferred rows one claim puts back, at most (the earliest due first).
constexpr int release_limit = 1000;

// Clears the schedule of deferred rows that are due, so that claim's work
// indexes list them again. Rows another transaction holds are skipped.
void release_deferred(const Store *store);

// After a commit of `events` (ids from first_id) to `stream`, in the
// writer's transaction and under its stream lock: gives the subscriptions
// whose literal source is `stream`, and that had no work, a mark at the
// batch's last event that is not a snapshot.
void committed(const Store *store, text *stream, int64 first_id, Jsonb *events);

// The same for an event `last_id` of `source` (for every path that writes
// events, e.g. truncate's seeds).
void raise_marks(const Store *store, text *source, int64 last_id);

// After act.truncate replaced the events of `stream` (under its stream
// lock): marks that pointed at its deleted events are taken back. Literal
// subscriptions to it get the mark of its remaining head (a tombstone is
// work, a snapshot is not); pattern subscriptions matching it probe again
// from their watermark.
void truncated(const Store *store, text *stream);

// Takes the stream locks of the literal sources `sources` (each once, in
// the order of stream_lock.hpp), held to COMMIT: a mark then written from a
// snapshot taken afterwards misses no commit to them.
void lock_sources(const Store *store, text **sources, int n);

// SQL for the mark of a literal subscription read afresh: the id of the
// last event of the stream `source` (an SQL expression) that is not a
// snapshot, -1 when none.
const char *source_head_sql(const Store *store, const char *source);

// The highest id below `horizon` of an event that is not a snapshot, -1
// when none: the head that subscriptions to every stream are compared with.
// Reads a snapshot taken now.
int64 settled_head(const Store *store, int64 horizon);

// Moves the probe cursors of the pattern subscriptions that may be claimed
// now (in `lane`, when not NULL), reading only events below `horizon`.
// Rows another transaction holds are skipped, never waited for.
void probe_patterns(const Store *store, int64 horizon, int64 head, text *lane);

} // namespace act::work
