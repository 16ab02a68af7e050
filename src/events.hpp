// The JSON a commit receives: checked before anything is written, with
// errors that name the element and the field.
#pragma once

#include "pg.hpp"

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
int32 check_events(Jsonb *events);

// The name of event `i` of an array that check_events accepted.
char *event_name(Jsonb *events, uint32 i);

// The name, data and pii (nullptr when none) of event `index` of a
// checked events array.
void fields(Jsonb *events, int32 index, text **name, Jsonb **data, Jsonb **pii);

// Checks that `meta` is an object.
void check_meta(Jsonb *meta);

// Parses JSON given as text. A \u0000, which jsonb cannot hold, is
// reported naming the stream and the events' names.
Jsonb *parse(const char *stream, text *json, text *events_json, const char *what);

} // namespace act::events
