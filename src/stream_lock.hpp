// The per-stream writer lock: every path that writes a stream's events
// (commit, truncate) holds it through COMMIT.
#pragma once

#include "store.hpp"

namespace act {

// Writers of one stream queue here, through COMMIT: the version a writer
// reads is then the one it extends, and a stream's ids become visible in
// order. Streams whose names share a hash share a queue; nothing else does.
void lock_stream(const Store *store, text *stream);

// The lock's key for `stream`. A caller that locks several streams takes
// them in ascending key order, so two such callers never deadlock.
uint32 stream_lock_key(text *stream);

} // namespace act
