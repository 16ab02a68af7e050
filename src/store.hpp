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
    char schema[NAMEDATALEN];
    char table[NAMEDATALEN];
    char events_sql[2 * NAMEDATALEN + 8];  // quoted, for SQL text
    char streams_sql[2 * NAMEDATALEN + 16];
};

// The store named by act.store, loaded. Needs SPI to be connected.
// Raises 42P01 with a hint when the store does not exist.
Store *current_store();

// Plans kept per store. `kind` names the statement (one per module
// statement, from the Plan enum), `variant` its shape (e.g. which filters a
// query has). Returns NULL when not prepared yet.
enum class Plan : uint32 {
    insert_events,
    query,
    max_event_id,
    stats,
    truncate_events,
    truncate_seed,
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

// Settings.
extern char *writer_setting;  // act.writer: "by" of commit notifications

} // namespace act
