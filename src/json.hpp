// The elements of a JSON array argument (act.subscribe's subscriptions,
// act.ack's and act.block's leases), read with errors that name the
// element's index and the field: "invalid lease at index 2: field "at" is
// missing" (22023).
#pragma once

#include "pg.hpp"

namespace act::json {

// One object of the array, and what to call it in messages.
struct Element {
    const char *item;       // "subscription", "lease"
    const char *hint;       // what a good element looks like
    int32 index;
    JsonbContainer *object;
};

// The number of elements of `array`, the argument named `what`; 22023
// with `hint` when it is not an array.
int32 array_length(Jsonb *array, const char *what, const char *hint);

// Element `index` of `array`, which must be an object.
Element element(Jsonb *array, int32 index, const char *item, const char *hint);

// A JSON argument `value` that must be one object (act.subscribe's
// correlator), read as an element without an index.
Element object(Jsonb *value, const char *what, const char *hint);

// Raises 22023 naming the element: "invalid <item> at index <i>: <problem>"
// ("invalid <item>: <problem>" for an object()).
[[noreturn]] void invalid(const Element &e, const char *problem);

// Field readers. An absent field, or JSON null, is "not given": optional
// readers then return NULL / false, required ones raise.

// A string of at most max_bytes bytes (0: no limit), empty only with
// `empty_ok`.
text *string(const Element &e, const char *key, bool required, bool empty_ok, int max_bytes);
// An integral number in [min, max].
bool integer(const Element &e, const char *key, bool required, int64 min, int64 max, int64 *out);
// true or false.
bool boolean(const Element &e, const char *key, bool *out);

// Raises when the object has a field not named in `known` (NULL-terminated).
void only_fields(const Element &e, const char *const *known);

} // namespace act::json
