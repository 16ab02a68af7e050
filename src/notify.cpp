#include "notify.hpp"

#include "events.hpp"

namespace act::notify {
namespace {

// PostgreSQL refuses a payload of this many bytes or more (async.c's
// NOTIFY_PAYLOAD_MAX_LENGTH, not exported): such a notification is skipped
// rather than failing the commit.
constexpr int payload_cap = BLCKSZ - NAMEDATALEN - 128;

// act_commit_<schema>_<table>, cut to NAMEDATALEN - 1 bytes: what the
// parser makes of the same name written as an identifier in LISTEN.
char *channel(const Store *store)
{
    char *name = psprintf("act_commit_%s_%s", store->schema, store->table);
    if (strlen(name) >= NAMEDATALEN)
        name[NAMEDATALEN - 1] = '\0';
    return name;
}

void begin(StringInfo payload, text *stream)
{
    initStringInfo(payload);
    appendStringInfoString(payload, "{\"stream\": ");
    escape_json(payload, text_to_cstring(stream));
    appendStringInfoString(payload, ", \"events\": [");
}

void add_event(StringInfo payload, bool first, int64 id, const char *name)
{
    appendStringInfo(payload, "%s{\"id\": " INT64_FORMAT ", \"name\": ", first ? "" : ", ", id);
    escape_json(payload, name);
    appendStringInfoChar(payload, '}');
}

void send(const Store *store, StringInfo payload)
{
    appendStringInfoString(payload, "], \"by\": ");
    escape_json(payload, writer_setting ? writer_setting : "");
    appendStringInfoChar(payload, '}');
    if (payload->len >= payload_cap) {
        elog(DEBUG1, "act_pg: commit notification skipped: payload of %d bytes", payload->len);
        return;
    }
    Async_Notify(channel(store), payload->data);
}

} // namespace

void committed(const Store *store, text *stream, int64 first_id, Jsonb *events)
{
    if (!store->notify)
        return;
    StringInfoData payload;
    begin(&payload, stream);
    uint32 n = JB_ROOT_COUNT(events);
    // A payload past the cap stops growing: it is skipped anyway.
    for (uint32 i = 0; i < n && payload.len < payload_cap; i++)
        add_event(&payload, i == 0, first_id + i, events::event_name(events, i));
    send(store, &payload);
}

void seeded(const Store *store, text *stream, int64 id, const char *name)
{
    if (!store->notify)
        return;
    StringInfoData payload;
    begin(&payload, stream);
    add_event(&payload, true, id, name);
    send(store, &payload);
}

} // namespace act::notify
