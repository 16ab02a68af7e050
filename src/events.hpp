// The JSON a commit receives: checked before anything is written, with
// errors that name the element and the field.
#pragma once

#include "pg.hpp"
#include "store.hpp"

namespace act::events {

// The value of `key` in `object`, copied to `out`; nullptr when absent.
const JsonbValue *field(JsonbContainer *object, const char *key, JsonbValue *out);

// Whether `v` is a JSON object.
bool is_object(const JsonbValue &v);

// The first key of `object` that is not in `known` (a nullptr-terminated
// list), or nullptr.
char *unknown_key(JsonbContainer *object, const char *const *known);

// Longest stream or event name, in bytes: both are index keys.
constexpr int max_name_bytes = 1024;

// Checks a stream name (not empty, not too long).
void check_stream(text *stream);

// Checks `events`: an array of {"name": non-empty string, "data": object,
// "pii": object or null (optional)} and nothing else. Returns the number of
// events.
// `any_pii`: whether an event has a pii object.
int32 check_events(Jsonb *events, bool *any_pii);

// The name of event `i` of an array that check_events accepted.
char *event_name(Jsonb *events, uint32 i);

// The name, data and pii (nullptr when none) of event `index` of a
// checked events array.
void fields(Jsonb *events, int32 index, text **name, Jsonb **data, Jsonb **pii);

// Longest meta.correlation, in bytes of its text (meta->>'correlation'):
// an index key too.
constexpr int max_correlation_bytes = 1024;

// What is wrong with the meta object `meta` as a key of the correlation
// index (a message), or nullptr when it fits.
const char *correlation_problem(Jsonb *meta);

// Checks that `meta` is an object whose correlation fits.
void check_meta(Jsonb *meta);

// The columns of act.event read from the store's events table, as SQL
// (`alias` qualifies them; "" for none). pii is the table's pii column,
// NULL where the store has none yet, and left out where act.event has no
// pii attribute (this library under an older version's SQL, until ALTER
// EXTENSION act_pg UPDATE). `with_pii` false gives NULL in its place.
const char *columns(const Store *store, const char *alias, bool with_pii = true);

// Bits, above any shape bit, for the variant of a plan that uses
// columns(): the plan is prepared again when the layout changes.
uint32 layout_variant(const Store *store);

// Parses JSON given as text. A \u0000, which jsonb cannot hold, is
// reported naming the stream and the events' names.
Jsonb *parse(const char *stream, text *json, text *events_json, const char *what);

} // namespace act::events
