// Stores on replicas.
//
// A hot standby shows a transaction when it replays its commit record, in
// the primary's commit order, not in id order; it has none of the
// primary's in-flight marks, and its sequence runs ahead of its rows. So
// the fence's horizon (fence.hpp) cannot be computed there. Instead the
// primary publishes its horizon as an ordinary row of act.horizons
// (act.publish_horizon(), run by the publisher worker or a scheduler), and
// a standby reads below the last one it replayed: every id below a
// horizon computed on the primary was committed (or rolled back) before
// the row carrying it was written, and replay keeps commit order, so a
// snapshot that sees the row sees every event below it.
//
// A logical-replication subscriber applies rows without the fence, and
// its own sequence and consumer state do not follow the publisher's: a
// store whose tables a subscription of this database writes is refused.
#pragma once

#include "store.hpp"

namespace act::replica {

// The horizon the primary last published for `store`, as replayed here;
// 1 (nothing is settled) before the first. For a hot standby. Needs SPI.
int64 published_horizon(const Store *store);

// Raises 0A000 when a logical-replication subscription of this database
// writes `store`'s tables.
void refuse_subscribed(const Store *store);

} // namespace act::replica
