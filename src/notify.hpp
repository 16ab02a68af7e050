// Commit notifications, for stores seeded with notify => true.
//
// Each commit queues one pg_notify on the channel act_commit_<schema>_<table>
// with the payload {"stream": ..., "events": [{"id": .., "name": ..}, ...],
// "by": <act.writer>}. PostgreSQL delivers it at COMMIT and drops it on
// rollback (of the transaction, or of the subtransaction that queued it).
#pragma once

#include "store.hpp"

namespace act::notify {

// A commit of `events` (the array act.commit received) to `stream`, whose
// ids start at `first_id`. Nothing happens when the store does not notify.
void committed(const Store *store, text *stream, int64 first_id, Jsonb *events);

// A single event `name` with id `id` written to `stream` (truncate's seed).
void seeded(const Store *store, text *stream, int64 id, const char *name);

} // namespace act::notify
