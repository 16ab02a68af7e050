// Which subscriptions have work: the state that act.claim's has-work test
// reads, kept so that the test costs neither O(subscriptions) nor O(events).
//
// A subscription's source is one of three kinds (the subscriptions table's
// generated column `pattern` tells them apart):
//
//  - NULL: every stream. It has work when its watermark `at` is below the
//    store's head: the highest settled id of an event that is not a
//    snapshot (one index lookup per claim, under the fence's horizon).
//  - literal (no regular-expression metacharacter): exactly that stream.
//    Its `mark` is the id of the source's last event that is not a
//    snapshot, raised by every commit to the source in the writer's own
//    transaction (committed() below). Writers of one stream already queue
//    on its stream lock, so the row lock this takes costs them nothing new.
//  - pattern: the streams matching it. Marking these at commit would make
//    each pattern row a hot row that serializes every writer it matches, so
//    claim probes them instead (probe_patterns): at most probe_limit events
//    per row per claim, from a cursor `probed` that remembers how far the
//    log was searched; a match becomes the row's `mark`.
//
// A row with `mark > at` (or `at < 0`) has work, and the partial indexes of
// act.seed list exactly those rows, so claim reads only rows it may lease.
#pragma once

#include "store.hpp"

namespace act::work {

// Events one pattern row's probe reads per claim, at most.
constexpr int probe_limit = 1000;

// After a commit of `events` (ids from first_id) to `stream`, in the
// writer's transaction and under its stream lock: raises the marks of the
// subscriptions whose literal source is `stream` to the id of the batch's
// last event that is not a snapshot.
void committed(const Store *store, text *stream, int64 first_id, Jsonb *events);

// Raises the marks of `source`'s literal subscriptions to `last_id` (for
// every path that writes events, e.g. truncate's seeds).
void raise_marks(const Store *store, text *source, int64 last_id);

// The highest id below `horizon` of an event that is not a snapshot, -1
// when none: the head that subscriptions to every stream are compared with.
// Reads a snapshot taken now.
int64 settled_head(const Store *store, int64 horizon);

// Moves the probe cursors of the pattern subscriptions that may be claimed
// now (in `lane`, when not NULL), reading only events below `horizon`.
// Rows another transaction holds are skipped, never waited for.
void probe_patterns(const Store *store, int64 horizon, int64 head, text *lane);

} // namespace act::work
