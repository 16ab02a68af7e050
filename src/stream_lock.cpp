#include "stream_lock.hpp"

namespace act {
namespace {

constexpr uint16 stream_tag = 0x4103;

} // namespace

uint32 stream_lock_key(text *stream)
{
    return hash_bytes(reinterpret_cast<const unsigned char *>(VARDATA_ANY(stream)),
                      int(VARSIZE_ANY_EXHDR(stream)));
}

void lock_stream(const Store *store, text *stream)
{
    LOCKTAG tag;
    SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, store->events, stream_lock_key(stream), stream_tag);
    LockAcquire(&tag, ExclusiveLock, false, false);
}

} // namespace act
