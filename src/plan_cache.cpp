// The SPI plans a backend keeps per store (cached_plan and keep_plan in
// store.hpp), bounded by act.plan_cache_size: past it, the least recently
// used plan is freed. A store's plans are freed when it is dropped or
// changes (a relcache invalidation of its events table, which act.seed
// sends through act._store_changed), and prepared again on their next use.
//
// A plan is freed only when no call can hold it. A caller holds a plan from
// cached_plan or keep_plan until its act_pg function returns, and act_pg
// functions can nest (a trigger on a store's table may call act_pg). So a
// plan used since the outermost act_pg call began stays: eviction passes
// it over, and a plan replaced meanwhile is retired, freed when the next
// outermost call begins. Calls are counted by their SPI connection
// (spi::connect): PostgreSQL deletes its memory context when the call ends,
// normally or by an error, and a callback on that context counts the end.
// Invalidation callbacks only mark plans; they free nothing, since they can
// run in the middle of a statement that uses one.
#include "store.hpp"

extern "C" {
#include "lib/ilist.h"
}

namespace act {
namespace {

struct PlanKey {
    Oid store;
    Plan kind;
    uint32 variant;
};

struct PlanEntry {
    PlanKey key;
    SPIPlanPtr plan;
    uint64 call;     // the outermost call that used it last
    bool stale;      // its store changed: prepare it again
    dlist_node lru;  // most recently used first
};

HTAB *plans = nullptr;           // PlanKey -> PlanEntry
dlist_head lru = DLIST_STATIC_INIT(lru);
List *retired = NIL;             // plans replaced during the current outermost call
int plan_cache_size = 128;       // act.plan_cache_size
int depth = 0;                   // act_pg calls in progress (nested ones included)
uint64 call = 0;                 // the current (or last) outermost call
bool any_stale = false;

// ilist.h's container and iteration macros are C only.
PlanEntry *entry_of(dlist_node *node)
{
    return reinterpret_cast<PlanEntry *>(reinterpret_cast<char *>(node) - offsetof(PlanEntry, lru));
}

void free_entry(PlanEntry *e)
{
    dlist_delete(&e->lru);
    SPIPlanPtr plan = e->plan;
    hash_search(plans, &e->key, HASH_REMOVE, nullptr);
    SPI_freeplan(plan);
}

// Frees least recently used plans, none used in the current outermost call,
// until at most `keep` remain.
void evict(long keep)
{
    for (dlist_node *n = lru.head.prev, *prev; n != &lru.head && hash_get_num_entries(plans) > keep; n = prev) {
        prev = n->prev;
        PlanEntry *e = entry_of(n);
        if (e->call != call)
            free_entry(e);
    }
}

// At the start of an outermost call nobody holds a plan: what was retired
// or marked stale goes, and the cache is cut back to its bound.
void sweep()
{
    ListCell *lc;
    foreach (lc, retired)
        SPI_freeplan(static_cast<SPIPlanPtr>(lfirst(lc)));
    list_free(retired);
    retired = NIL;
    if (any_stale) {
        for (dlist_node *n = lru.head.next, *next; n != &lru.head; n = next) {
            next = n->next;
            PlanEntry *e = entry_of(n);
            if (e->stale)
                free_entry(e);
        }
        any_stale = false;
    }
    evict(plan_cache_size);
}

void call_ended(void *)
{
    depth--;
}

void forget_plans(Datum, Oid relid)
{
    HASH_SEQ_STATUS scan;
    hash_seq_init(&scan, plans);
    for (PlanEntry *e; (e = static_cast<PlanEntry *>(hash_seq_search(&scan)));)
        if (relid == InvalidOid || e->key.store == relid) {
            e->stale = true;
            any_stale = true;
        }
}

} // namespace

void plan_call_begins()
{
    auto *cb = static_cast<MemoryContextCallback *>(palloc0(sizeof(MemoryContextCallback)));
    cb->func = call_ended;
    MemoryContextRegisterResetCallback(CurrentMemoryContext, cb);
    if (depth++ == 0) {
        call++;
        sweep();
    }
}

SPIPlanPtr cached_plan(const Store *store, Plan kind, uint32 variant)
{
    PlanKey key{store->events, kind, variant};
    auto *e = static_cast<PlanEntry *>(hash_search(plans, &key, HASH_FIND, nullptr));
    if (!e || e->stale)
        return nullptr;
    e->call = call;
    dlist_move_head(&lru, &e->lru);
    return e->plan;
}

SPIPlanPtr keep_plan(const Store *store, Plan kind, uint32 variant,
                     const char *sql, int nargs, const Oid *argtypes)
{
    SPIPlanPtr plan = SPI_prepare(sql, nargs, const_cast<Oid *>(argtypes));
    if (!plan)
        elog(ERROR, "act_pg: SPI_prepare failed: %s: %s", SPI_result_code_string(SPI_result), sql);
    // Room first: an entry that fails to go in must not leave a kept plan.
    evict(plan_cache_size - 1);
    PlanKey key{store->events, kind, variant};
    bool found;
    auto *e = static_cast<PlanEntry *>(hash_search(plans, &key, HASH_ENTER, &found));
    if (found) {
        // A stale plan this call may still hold.
        MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
        retired = lappend(retired, e->plan);
        MemoryContextSwitchTo(old);
        dlist_delete(&e->lru);
    }
    SPI_keepplan(plan);
    e->plan = plan;
    e->call = call;
    e->stale = false;
    dlist_push_head(&lru, &e->lru);
    return plan;
}

void init_plan_cache()
{
    DefineCustomIntVariable(
        "act.plan_cache_size", "The most SPI plans act_pg keeps in a backend, over all stores.",
        "Past it, the least recently used plan is freed and prepared again when next used.",
        &plan_cache_size, 128, 1, INT_MAX, PGC_USERSET, 0, nullptr, nullptr, nullptr);
    HASHCTL ctl = {};
    ctl.keysize = sizeof(PlanKey);
    ctl.entrysize = sizeof(PlanEntry);
    plans = hash_create("act_pg plans", 64, &ctl, HASH_ELEM | HASH_BLOBS);
    CacheRegisterRelcacheCallback(forget_plans, 0);
}

} // namespace act
