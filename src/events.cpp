#include "events.hpp"

namespace act::events {

const JsonbValue *field(JsonbContainer *object, const char *key, JsonbValue *out)
{
    JsonbValue k;
    k.type = jbvString;
    k.val.string.val = const_cast<char *>(key);
    k.val.string.len = int(strlen(key));
    JsonbValue *v = findJsonbValueFromContainer(object, JB_FOBJECT, &k);
    if (!v)
        return nullptr;
    *out = *v;
    pfree(v);
    return out;
}

bool is_object(const JsonbValue &v)
{
    return v.type == jbvBinary && JsonContainerIsObject(v.val.binary.data);
}

char *unknown_key(JsonbContainer *object, const char *const *known)
{
    JsonbIterator *it = JsonbIteratorInit(object);
    JsonbValue v;
    JsonbIteratorToken token;
    while ((token = JsonbIteratorNext(&it, &v, true)) != WJB_DONE) {
        CHECK_FOR_INTERRUPTS();
        if (token != WJB_KEY)
            continue;
        bool is_known = false;
        for (const char *const *k = known; *k && !is_known; k++)
            is_known = size_t(v.val.string.len) == strlen(*k) && memcmp(v.val.string.val, *k, v.val.string.len) == 0;
        if (!is_known)
            return pnstrdup(v.val.string.val, v.val.string.len);
    }
    return nullptr;
}

namespace {

[[noreturn]] void bad_event(int index, const char *problem)
{
    ereport(ERROR,
            (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
             errmsg("invalid event at index %d: %s", index, problem),
             errhint("Each event is an object {\"name\": \"EventName\", \"data\": {...}}.")));
    pg_unreachable();
}

// Whether JSON text holds the escape \u0000. Backslashes only occur in
// strings, where each starts an escape of known length.
bool has_nul_escape(const char *s, size_t len)
{
    const char *end = s + len;
    for (const char *p = s; (p = static_cast<const char *>(memchr(p, '\\', end - p))) && p + 1 < end; p += 2) {
        CHECK_FOR_INTERRUPTS();
        if (p[1] == 'u' && end - p > 5 && memcmp(p + 2, "0000", 4) == 0)
            return true;
    }
    return false;
}

// The names of the events in `json`, for the message about a \u0000: each
// \u0000 is spelled out as the six characters "\u0000" so jsonb takes it.
char *event_names(const char *s, size_t len)
{
    StringInfoData fixed;
    initStringInfo(&fixed);
    for (size_t i = 0; i < len; i++) {
        if (i % 65536 == 0)
            CHECK_FOR_INTERRUPTS();
        if (s[i] == '\\' && i + 5 < len && s[i + 1] == 'u' && memcmp(s + i + 2, "0000", 4) == 0) {
            appendStringInfoString(&fixed, "\\\\u0000");
            i += 5;
        } else {
            if (s[i] == '\\' && i + 1 < len)
                appendStringInfoChar(&fixed, s[i++]);
            appendStringInfoChar(&fixed, s[i]);
        }
    }
    Jsonb *events = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(fixed.data)));
    StringInfoData names;
    initStringInfo(&names);
    if (JB_ROOT_IS_ARRAY(events) && !JB_ROOT_IS_SCALAR(events)) {
        uint32 n = JB_ROOT_COUNT(events);
        for (uint32 i = 0; i < n; i++) {
            CHECK_FOR_INTERRUPTS();
            JsonbValue *e = getIthJsonbValueFromContainer(&events->root, i);
            JsonbValue name;
            if (e && is_object(*e) && field(e->val.binary.data, "name", &name) && name.type == jbvString)
                appendStringInfo(&names, "%s\"%.*s\"", names.len ? ", " : "", name.val.string.len,
                                 name.val.string.val);
        }
    }
    return names.data;
}

} // namespace

void check_stream(text *stream)
{
    int len = VARSIZE_ANY_EXHDR(stream);
    if (len == 0)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("stream name is empty")));
    if (len > max_name_bytes)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("stream name is too long: %d bytes (at most %d)", len, max_name_bytes)));
}

int32 check_events(Jsonb *events, bool *any_pii)
{
    *any_pii = false;
    if (!JB_ROOT_IS_ARRAY(events) || JB_ROOT_IS_SCALAR(events))
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("events must be a JSON array"),
                        errhint("Pass [{\"name\": \"EventName\", \"data\": {...}}, ...].")));
    int32 n = int32(JB_ROOT_COUNT(events));
    for (int32 i = 0; i < n; i++) {
        CHECK_FOR_INTERRUPTS();
        JsonbValue *e = getIthJsonbValueFromContainer(&events->root, uint32(i));
        if (!is_object(*e))
            bad_event(i, "not an object");
        JsonbContainer *object = e->val.binary.data;
        JsonbValue v;
        if (!field(object, "name", &v))
            bad_event(i, "field \"name\" is missing");
        if (v.type != jbvString)
            bad_event(i, "field \"name\" is not a string");
        if (v.val.string.len == 0)
            bad_event(i, "field \"name\" is empty");
        if (v.val.string.len > max_name_bytes)
            bad_event(i, psprintf("field \"name\" is too long: %d bytes (at most %d)", v.val.string.len,
                                  max_name_bytes));
        if (!field(object, "data", &v))
            bad_event(i, "field \"data\" is missing");
        if (!is_object(v))
            bad_event(i, "field \"data\" is not an object");
        int fields = 2;
        if (field(object, "pii", &v)) {
            if (v.type != jbvNull && !is_object(v))
                bad_event(i, "field \"pii\" is not an object or null");
            *any_pii = *any_pii || v.type != jbvNull;
            fields++;
        }
        static const char *const known[] = {"name", "data", "pii", nullptr};
        if (JsonContainerSize(object) != uint32(fields))
            bad_event(i, psprintf("unknown field \"%s\"", unknown_key(object, known)));
        pfree(e);
    }
    return n;
}

const char *columns(const Store *store, const char *alias, bool with_pii)
{
    const char *dot = *alias ? "." : "";
    const char *pii = !store->event_pii                  ? ""
                      : with_pii && store->has_pii ? psprintf(", %s%spii", alias, dot)
                                                         : ", NULL::jsonb";
    return psprintf("%1$s%2$sid, %1$s%2$sname, %1$s%2$sdata, %1$s%2$sstream, %1$s%2$sversion, %1$s%2$screated,"
                    " %1$s%2$smeta%3$s",
                    alias, dot, pii);
}

uint32 layout_variant(const Store *store)
{
    return (store->has_pii ? 1u << 30 : 0) | (store->event_pii ? 1u << 31 : 0);
}

char *event_name(Jsonb *events, uint32 i)
{
    JsonbValue *e = getIthJsonbValueFromContainer(&events->root, i);
    JsonbValue name;
    if (!field(e->val.binary.data, "name", &name) || name.type != jbvString)
        elog(ERROR, "act_pg: event %u has no name", i);
    return pnstrdup(name.val.string.val, name.val.string.len);
}

void fields(Jsonb *events, int32 index, text **name, Jsonb **data, Jsonb **pii)
{
    JsonbValue *e = getIthJsonbValueFromContainer(&events->root, uint32(index));
    JsonbValue v;
    field(e->val.binary.data, "name", &v);
    *name = cstring_to_text_with_len(v.val.string.val, v.val.string.len);
    field(e->val.binary.data, "data", &v);
    *data = JsonbValueToJsonb(&v);
    *pii = field(e->val.binary.data, "pii", &v) && v.type != jbvNull ? JsonbValueToJsonb(&v) : nullptr;
    pfree(e);
}

const char *correlation_problem(Jsonb *meta)
{
    JsonbValue v;
    if (!field(&meta->root, "correlation", &v))
        return nullptr;
    // The index holds the text of meta->>'correlation': a string as it is,
    // any other value as JSON.
    size_t bytes = 0;
    if (v.type == jbvString)
        bytes = size_t(v.val.string.len);
    else if (v.type == jbvNumeric)
        bytes = strlen(DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v.val.numeric))));
    else if (v.type == jbvBinary)
        bytes = strlen(JsonbToCString(nullptr, v.val.binary.data, v.val.binary.len));
    if (bytes <= size_t(max_correlation_bytes))
        return nullptr;
    return psprintf("correlation is too long: %zu bytes (at most %d)", bytes, max_correlation_bytes);
}

void check_meta(Jsonb *meta)
{
    if (!JB_ROOT_IS_OBJECT(meta))
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("meta must be a JSON object"),
                        errhint("Pass {} or an object such as {\"correlation\": \"...\", \"causation\": {...}}.")));
    if (const char *problem = correlation_problem(meta))
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("invalid meta: %s", problem),
                        errhint("meta.correlation is an index key, like stream and event names.")));
}

Jsonb *parse(const char *stream, text *json, text *events_json, const char *what)
{
    const char *s = VARDATA_ANY(json);
    size_t len = VARSIZE_ANY_EXHDR(json);
    if (has_nul_escape(s, len)) {
        const char *names = event_names(VARDATA_ANY(events_json), VARSIZE_ANY_EXHDR(events_json));
        ereport(ERROR,
                (errcode(ERRCODE_UNTRANSLATABLE_CHARACTER),
                 errmsg("\\u0000 (NUL) in the %s of a commit to stream \"%s\"", what, stream),
                 errdetail("Events: %s.", *names ? names : "(none named)"),
                 errhint("PostgreSQL text and jsonb cannot hold NUL characters: remove or replace them.")));
    }
    return DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(text_to_cstring(json))));
}

} // namespace act::events
