#include "json.hpp"

#include "events.hpp"

extern "C" {
#include "utils/numeric.h"
}

namespace act::json {
namespace {

// The value of `key`, or NULL when the field is absent or JSON null.
JsonbValue *given(const Element &e, const char *key)
{
    JsonbValue k;
    k.type = jbvString;
    k.val.string.val = const_cast<char *>(key);
    k.val.string.len = int(strlen(key));
    JsonbValue *v = findJsonbValueFromContainer(e.object, JB_FOBJECT, &k);
    return (v && v->type != jbvNull) ? v : nullptr;
}

int numeric_compare(Numeric a, Numeric b)
{
    return DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(a), NumericGetDatum(b)));
}

} // namespace

int32 array_length(Jsonb *array, const char *what, const char *hint)
{
    if (!JB_ROOT_IS_ARRAY(array) || JB_ROOT_IS_SCALAR(array))
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("%s must be a JSON array", what),
                        errhint("%s", hint)));
    return int32(JB_ROOT_COUNT(array));
}

Element element(Jsonb *array, int32 index, const char *item, const char *hint)
{
    Element e{item, hint, index, nullptr};
    JsonbValue *v = getIthJsonbValueFromContainer(&array->root, uint32(index));
    if (v->type != jbvBinary || !JsonContainerIsObject(v->val.binary.data))
        invalid(e, "not an object");
    e.object = v->val.binary.data;
    return e;
}

Element object(Jsonb *value, const char *what, const char *hint)
{
    Element e{what, hint, -1, nullptr};
    if (!JB_ROOT_IS_OBJECT(value))
        invalid(e, "not an object");
    e.object = &value->root;
    return e;
}

void invalid(const Element &e, const char *problem)
{
    if (e.index < 0)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("invalid %s: %s", e.item, problem),
                        errhint("%s", e.hint)));
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("invalid %s at index %d: %s", e.item, e.index, problem), errhint("%s", e.hint)));
    pg_unreachable();
}

text *string(const Element &e, const char *key, bool required, bool empty_ok, int max_bytes)
{
    JsonbValue *v = given(e, key);
    if (!v) {
        if (required)
            invalid(e, psprintf("field \"%s\" is missing", key));
        return nullptr;
    }
    if (v->type != jbvString)
        invalid(e, psprintf("field \"%s\" is not a string", key));
    int len = v->val.string.len;
    if (len == 0 && !empty_ok)
        invalid(e, psprintf("field \"%s\" is empty", key));
    if (max_bytes > 0 && len > max_bytes)
        invalid(e, psprintf("field \"%s\" is too long: %d bytes (at most %d)", key, len, max_bytes));
    return cstring_to_text_with_len(v->val.string.val, len);
}

bool integer(const Element &e, const char *key, bool required, int64 min, int64 max, int64 *out)
{
    JsonbValue *v = given(e, key);
    if (!v) {
        if (required)
            invalid(e, psprintf("field \"%s\" is missing", key));
        return false;
    }
    if (v->type != jbvNumeric)
        invalid(e, psprintf("field \"%s\" is not a number", key));
    Numeric n = v->val.numeric;
    Numeric whole = DatumGetNumeric(DirectFunctionCall2(numeric_trunc, NumericGetDatum(n), Int32GetDatum(0)));
    if (numeric_compare(n, whole) != 0)
        invalid(e, psprintf("field \"%s\" is not an integer", key));
    if (numeric_compare(n, int64_to_numeric(min)) < 0 || numeric_compare(n, int64_to_numeric(max)) > 0)
        invalid(e, psprintf("field \"%s\" is out of range: " INT64_FORMAT " to " INT64_FORMAT, key, min, max));
    *out = DatumGetInt64(DirectFunctionCall1(numeric_int8, NumericGetDatum(n)));
    return true;
}

bool boolean(const Element &e, const char *key, bool *out)
{
    JsonbValue *v = given(e, key);
    if (!v)
        return false;
    if (v->type != jbvBool)
        invalid(e, psprintf("field \"%s\" is not a boolean", key));
    *out = v->val.boolean;
    return true;
}

void only_fields(const Element &e, const char *const *known)
{
    if (char *key = events::unknown_key(e.object, known))
        invalid(e, psprintf("unknown field \"%s\"", key));
}

} // namespace act::json
