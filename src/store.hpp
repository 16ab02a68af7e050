// Stores: which one a call uses, and what act_pg keeps about it.
//
// A store is a pair of tables made by act.seed: events <schema>.<table> and
// subscriptions <schema>.<table>_streams, listed in act.stores. The setting
// act.store names the store of the current call; the backend keeps one
// Store entry per events table, with the SPI plans prepared for it.
#pragma once

#include "pg.hpp"

namespace act {

struct Store {
    Oid events;          // the events table: the key of the cache
    Oid streams;         // the subscriptions table
    Oid sequence;        // the events table's identity sequence
    Oid stream_index;    // the unique btree index on events (stream, version), if any
    AttrNumber version;  // the events table's version column
    bool has_marks;      // the subscriptions table has claim's work marks (src/work.hpp)
    bool has_pii;        // the events table has the pii column (0.3.0)
    bool event_pii;      // the type act.event has the pii attribute (0.3.0 SQL)
    bool notify;         // commits send pg_notify
    bool stale;          // reload the fields above before use
    uint32 invalidations;  // counts invalidations, so that load() sees one that arrives while it reads
    char schema[NAMEDATALEN];
    char table[NAMEDATALEN];
    char events_sql[2 * NAMEDATALEN + 8];  // quoted, for SQL text
    char streams_sql[2 * NAMEDATALEN + 16];
};

// The store named by act.store, loaded, its events table locked in
// `lockmode` until the end of the transaction. Needs SPI to be connected.
// Only stores registered in act.stores resolve: anything else raises 42P01
// with a hint; a role without SELECT on the events table gets 42501.
Store *current_store(LOCKMODE lockmode = AccessShareLock);

// Plans kept per store (src/plan_cache.cpp), at most act.plan_cache_size
// in all, least recently used freed first; a store's plans go when it is
// dropped or changes. `kind` names the statement (one per module
// statement, from the Plan enum), `variant` its shape (e.g. which filters a
// query has). Returns NULL when not prepared yet (or no longer kept). A
// plan stays valid until the act_pg function that got it returns.
enum class Plan : uint32 {
    insert_events,
    query,
    max_event_id,
    stats,
    truncate_events,
    truncate_seed,
    truncate_lock,
    raise_marks,
    truncate_marks,
    settled_head,
    probe_patterns,
    claim,
    subscribe,
    subscribe_marks,
    subscribe_options,
    watermark,
    ack,
    ack_sources,
    block,
    subscriptions,
    release_deferred,
    correlation,
    truncate_window,
    forget_pii,
};
SPIPlanPtr cached_plan(const Store *store, Plan kind, uint32 variant);
// Prepares `sql`, keeps it, and caches it under (store, kind, variant).
SPIPlanPtr keep_plan(const Store *store, Plan kind, uint32 variant,
                     const char *sql, int nargs, const Oid *argtypes);

// An act_pg function's call begins (spi::connect, after SPI_connect): the
// plans it gets stay until its SPI connection ends.
void plan_call_begins();
// Defines act.plan_cache_size; once, from _PG_init.
void init_plan_cache();

// Settings.
extern char *writer_setting;  // act.writer: "by" of commit notifications

} // namespace act
