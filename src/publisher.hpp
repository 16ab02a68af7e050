// Publishing the primary's horizon for hot standbys (replica.hpp).
//
// act.publish_horizon() writes each store's horizon to act.horizons when
// it moved. Something must call it: with act_pg in
// shared_preload_libraries, a background worker per database named in
// act.publish_databases calls it every act.publish_interval ms (on a
// primary only: a standby's worker starts when it is promoted); without,
// a scheduler (pg_cron) or a client loop does.
#pragma once

namespace act::publisher {

// Defines the settings and, when preloaded, registers the workers. Called
// from _PG_init.
void init();

} // namespace act::publisher
