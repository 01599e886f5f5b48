// INSERT into an hnsw index: search the on-disk graph for the new value's
// neighbours (ef_construction candidates per level), choose diverse ones,
// write the element with its links, then link the neighbours back to it.
// Each page change is its own generic-WAL record and at most one buffer
// lock is held at a time (the metapage and a fresh page together only when
// the graph is empty), so concurrent inserts and scans cannot deadlock.
#include "am/hnsw/hnsw.h"
#include "am/hnsw/hnsw_keys.h"
#include "am/hnsw/hnsw_pending.h"
#include "core/hnsw/select.h"

#include <algorithm>
#include <cmath>

extern "C" {
}

using vecdb::core::hnsw::Scored;

// Whether a value can be in the graph: cosine needs a nonzero vector.
bool hnsw_value_indexable(const VecdbMetric* metric, const struct varlena* value) {
    if (!vecdb_metric_has_kernel(metric)) return true;
    return !std::isnan(vecdb_metric_kernel_key(metric, value, value));
}

// Chooses up to `keep` diverse neighbours among found[0..n) (ascending).
// Returns how many; their indices into found go to chosen.
static uint32 choose_neighbors(HnswSearch* search, const Scored* found, uint32 n, uint32 keep, uint32* chosen) {
    struct varlena** values = (struct varlena**)palloc(sizeof(struct varlena*) * n);
    for (uint32 i = 0; i < n; i++) values[i] = NULL;
    const VecdbMetric* metric = search->metric;
    auto value_of = [&](size_t i) {
        if (values[i] == NULL) values[i] = hnsw_copy_element_value(search, &search->nodes[found[i].id].element);
        return values[i];
    };
    size_t kept = vecdb::core::hnsw::select_neighbors(
        found, n, keep, [&](size_t i, size_t j) { return (float)vecdb_metric_key(metric, value_of(i), value_of(j)); },
        chosen, false);
    for (uint32 i = 0; i < n; i++)
        if (values[i]) pfree(values[i]);
    pfree(values);
    return (uint32)kept;
}

// sq8: exact distances for what a search on codes found, ascending again,
// so neighbours are chosen (and links weighed) by the true distances.
static void rerank_found(HnswSearch* search, const struct varlena* value, Scored* found, uint32 n) {
    for (uint32 i = 0; i < n; i++) {
        HnswNode* node = &search->nodes[found[i].id];
        if (!ItemPointerIsValid(&node->vector)) continue;
        found[i].dist = (float)vecdb_metric_key(search->metric, value, hnsw_search_vector(search, &node->vector));
    }
    std::sort(found, found + n, [](const Scored& a, const Scored& b) { return a.dist < b.dist; });
}

// A copy of one level's link list of an element, taken under its page lock.
typedef struct LinkSnapshot {
    HnswLink links[2 * HNSW_MAX_M];
    int count;
} LinkSnapshot;

// Whether an element's level links still equal the snapshot (nothing
// changed them since it was taken).
static bool links_unchanged(const HnswLink* links, int capacity, const LinkSnapshot* snapshot) {
    for (int i = 0; i < capacity; i++) {
        bool valid = hnsw_link_valid(&links[i]);
        if (valid != (i < snapshot->count)) return false;
        if (!valid) break;
        if (links[i].block.bi_hi != snapshot->links[i].block.bi_hi ||
            links[i].block.bi_lo != snapshot->links[i].block.bi_lo || links[i].offset != snapshot->links[i].offset)
            return false;
    }
    return true;
}

// Chooses the new list of a full one offered the new element: the diverse
// rule over the current links and the newcomer, filled up to capacity, so
// exactly one link goes. Returns the index (into snapshot) of the link that
// goes, or -1 when the newcomer is the one left out (with `force`, it
// never is: it takes the place of the least useful current link).
static int prune_full_list(HnswSearch* search, const LinkSnapshot* snapshot, const struct varlena* value,
                           float dist, bool force, struct varlena** values) {
    int n = snapshot->count + 1;
    Scored* sorted = (Scored*)palloc(sizeof(Scored) * n);
    for (int i = 0; i < snapshot->count; i++) values[i] = NULL;
    for (int i = 0; i < snapshot->count; i++) {
        ItemPointerData tid = hnsw_link_tid(&snapshot->links[i]);
        values[i] = hnsw_copy_live_value(search, &tid);
        // a link to an element VACUUM deleted is the one to give up
        if (values[i] == NULL) {
            pfree(sorted);
            return i;
        }
        sorted[i].dist = snapshot->links[i].dist;
        sorted[i].id = (uint32)i;
    }
    values[snapshot->count] = (struct varlena*)value;
    sorted[snapshot->count].dist = dist;
    sorted[snapshot->count].id = (uint32)snapshot->count;
    std::sort(sorted, sorted + n, [](const Scored& a, const Scored& b) { return a.dist < b.dist; });
    uint32* keep = (uint32*)palloc(sizeof(uint32) * n);
    const VecdbMetric* metric = search->metric;
    size_t kept = vecdb::core::hnsw::select_neighbors(
        sorted, (size_t)n, (size_t)snapshot->count,
        [&](size_t i, size_t j) {
            return (float)vecdb_metric_key(metric, values[sorted[i].id], values[sorted[j].id]);
        },
        keep, true);
    bool* chosen = (bool*)palloc0(sizeof(bool) * n);
    for (size_t k = 0; k < kept; k++) chosen[sorted[keep[k]].id] = true;
    int dropped = -1;
    if (!chosen[snapshot->count]) {
        if (force) {
            // the last one kept (the fill-up pass keeps the nearest rejected, so it is the weakest)
            dropped = (int)sorted[keep[kept - 1]].id;
        }
    } else {
        for (int i = 0; i < snapshot->count; i++)
            if (!chosen[i]) dropped = i;
    }
    pfree(sorted);
    pfree(keep);
    pfree(chosen);
    return dropped;
}

// Adds a link to `target` at `level` pointing at the new element `element`
// (its value and distance given). Into a free slot; when the list is full,
// the diverse rule decides whether the newcomer gets in and which link it
// replaces. On level 0 the replaced neighbour is first linked from the
// newcomer, so whatever the target reached through it stays reachable
// (target -> element -> dropped); when the newcomer's own list has no room
// for that, the target is left alone. Lists are read, pruned without a
// lock and rewritten only if unchanged meanwhile (else retried), so no two
// buffer locks are ever held. Returns whether the target now links to the
// element.
static bool add_back_link(HnswSearch* search, ItemPointer target, int level, ItemPointer element,
                          const struct varlena* value, float dist, bool force) {
    Relation index = search->index;
    int m = search->m;
    BlockNumber blkno = ItemPointerGetBlockNumber(target);
    OffsetNumber offset = ItemPointerGetOffsetNumber(target);
    int capacity = hnsw_level_capacity(m, level);
    for (int attempt = 0; attempt < 4; attempt++) {
        LinkSnapshot snapshot;
        snapshot.count = 0;
        Buffer buffer = ReadBuffer(index, blkno);
        LockBuffer(buffer, BUFFER_LOCK_EXCLUSIVE);
        HnswElement current = hnsw_get_element(index, BufferGetPage(buffer), blkno, offset, m);
        if (current->level < level || (current->flags & HNSW_ELEMENT_DELETED)) {
            UnlockReleaseBuffer(buffer);
            return false;
        }
        const HnswLink* links = HnswElementLinks(current) + hnsw_level_start(m, level);
        for (int i = 0; i < capacity && hnsw_link_valid(&links[i]); i++) {
            ItemPointerData tid = hnsw_link_tid(&links[i]);
            if (ItemPointerEquals(&tid, element)) {
                UnlockReleaseBuffer(buffer);
                return true;
            }
            snapshot.links[snapshot.count++] = links[i];
        }
        if (snapshot.count < capacity) {
            GenericXLogState* state = GenericXLogStart(index);
            Page page = vecdb_register_buffer(state, buffer, 0);
            HnswElement writable = hnsw_get_element(index, page, blkno, offset, m);
            hnsw_set_link(HnswElementLinks(writable) + hnsw_level_start(m, level) + snapshot.count, element, dist);
            GenericXLogFinish(state);
            UnlockReleaseBuffer(buffer);
            return true;
        }
        UnlockReleaseBuffer(buffer);

        // full: choose without holding the lock (the neighbours' values live on other pages)
        struct varlena** values = (struct varlena**)palloc(sizeof(struct varlena*) * (capacity + 1));
        int dropped = prune_full_list(search, &snapshot, value, dist, force, values);
        bool relinked = dropped >= 0;
        if (dropped >= 0 && level == 0 && values[dropped] != NULL) {
            ItemPointerData gone = hnsw_link_tid(&snapshot.links[dropped]);
            float d = (float)vecdb_metric_key(search->metric, value, values[dropped]);
            ItemPointerData none;
            relinked = hnsw_link_to(index, m, element, &gone, d, false, &none);
        }
        for (int i = 0; i < snapshot.count; i++)
            if (values[i]) pfree(values[i]);
        pfree(values);
        if (!relinked) return false;

        buffer = ReadBuffer(index, blkno);
        LockBuffer(buffer, BUFFER_LOCK_EXCLUSIVE);
        current = hnsw_get_element(index, BufferGetPage(buffer), blkno, offset, m);
        links = HnswElementLinks(current) + hnsw_level_start(m, level);
        if (current->level < level || (current->flags & HNSW_ELEMENT_DELETED) ||
            !links_unchanged(links, capacity, &snapshot)) {
            // another insert or VACUUM changed the list meanwhile: decide again
            UnlockReleaseBuffer(buffer);
            continue;
        }
        GenericXLogState* state = GenericXLogStart(index);
        Page page = vecdb_register_buffer(state, buffer, 0);
        HnswElement writable = hnsw_get_element(index, page, blkno, offset, m);
        hnsw_set_link(HnswElementLinks(writable) + hnsw_level_start(m, level) + dropped, element, dist);
        GenericXLogFinish(state);
        UnlockReleaseBuffer(buffer);
        return true;
    }
    return false;
}

// The uniform draw in (0, 1] that picks a new element's level: a hash of
// its heap TID (splitmix64), not a backend's random state, so the same rows
// inserted in the same order make the same graph on every run (the recall
// a test asserts after inserts no longer varies from run to run).
static double level_draw(ItemPointer heap_tid) {
    uint64 x = ((uint64)ItemPointerGetBlockNumberNoCheck(heap_tid) << 16) | ItemPointerGetOffsetNumberNoCheck(heap_tid);
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    x ^= x >> 31;
    return (double)((x >> 11) + 1) * (1.0 / 9007199254740992.0);
}

int hnsw_element_level(ItemPointer heap_tid, int m) {
    return Min(vecdb::core::hnsw::random_level(level_draw(heap_tid), m), hnsw_max_level(m));
}

// The first element of an empty graph: written with the metapage locked so
// two first inserts cannot both become (disconnected) entry points.
// Returns false when another backend made the graph non-empty meanwhile;
// else where the element went (*tid).
static bool insert_first(Relation index, const char* item, Size size, int level, ItemPointer tid,
                         const HnswPlaceCompanion* companion) {
    Buffer meta_buffer = ReadBuffer(index, VECDB_METAPAGE_BLKNO);
    LockBuffer(meta_buffer, BUFFER_LOCK_EXCLUSIVE);
    if (ItemPointerIsValid(&((HnswMetaData*)VecdbMetaBody(BufferGetPage(meta_buffer)))->entry)) {
        UnlockReleaseBuffer(meta_buffer);
        return false;
    }
    Buffer buffer = vecdb_allocate_page(index);
    BlockNumber blkno = BufferGetBlockNumber(buffer);
    GenericXLogState* state = GenericXLogStart(index);
    Page meta_page = vecdb_register_buffer(state, meta_buffer, 0);
    Page page = GenericXLogRegisterBuffer(state, buffer, GENERIC_XLOG_FULL_IMAGE);
    vecdb_page_init(page, VECDB_PAGE_DATA);
    OffsetNumber offset = PageAddItem(page, (Item)item, size, InvalidOffsetNumber, false, false);
    if (offset == InvalidOffsetNumber)
        elog(ERROR, "vecdb: failed to add an element to index \"%s\"", RelationGetRelationName(index));
    HnswMetaData* meta = (HnswMetaData*)VecdbMetaBody(meta_page);
    ItemPointerSet(&meta->entry, blkno, offset);
    meta->entry_level = (int16)level;
    meta->insert_page = blkno;
    *tid = meta->entry;
    if (companion) hnsw_pending_mark_placed(index, state, companion, tid);
    GenericXLogFinish(state);
    if (companion) LockBuffer(companion->buffer, BUFFER_LOCK_UNLOCK);
    UnlockReleaseBuffer(buffer);
    UnlockReleaseBuffer(meta_buffer);
    return true;
}

// Links a placed element into the graph: on each level up to top, every
// neighbour its own links name gets a link back (level 0 first: it is
// reachable there before the upper levels lead searches to it, so a crash
// in between cannot leave a descent ending on an element that level 0
// does not reach); then the entry point moves up if it is the highest.
static void link_back(HnswSearch* search, ItemPointer tid, const HnswLink* links, int level, int top,
                      int entry_level, const struct varlena* value) {
    int m = search->m;
    for (int l = 0; l <= top; l++) {
        const HnswLink* level_links = links + hnsw_level_start(m, l);
        bool linked = false;
        int nlinks = 0;
        for (int k = 0; k < hnsw_level_capacity(m, l) && hnsw_link_valid(&level_links[k]); k++, nlinks++) {
            ItemPointerData target = hnsw_link_tid(&level_links[k]);
            linked |= add_back_link(search, &target, l, tid, value, level_links[k].dist, false);
        }
        // On level 0 the element must be reachable: when no neighbour took
        // it by the diverse rule, the nearest that can takes it anyway.
        for (int k = 0; l == 0 && !linked && k < nlinks; k++) {
            ItemPointerData target = hnsw_link_tid(&level_links[k]);
            linked = add_back_link(search, &target, l, tid, value, level_links[k].dist, true);
        }
    }
    if (level > entry_level) hnsw_update_entry(search->index, tid, level, true);
}

void hnsw_insert_value(Relation index, const VecdbMetric* metric, ItemPointer heap_tid, const struct varlena* value,
                       const char* keys, MemoryContext context, const HnswPlaceCompanion* companion) {
    MemoryContext old = MemoryContextSwitchTo(context);
    HnswMetaData meta = hnsw_read_meta(index);
    int m = meta.m, ef_construction = meta.ef_construction;
    int level = hnsw_element_level(heap_tid, m);
    HnswQuant* quant = hnsw_quant_load(index, metric, &meta);
    bool external = false;
    Size size;
    char* item;
    Size key_bytes = hnsw_index_key_bytes(index);
    if (quant) {
        // sq8: the full vector goes to a vector page first, the element holds its codes
        hnsw_quant_check_value(index, quant, value);
        hnsw_quant_check_size(index, m, value);
        ItemPointerData vector = hnsw_place_item(index, (const char*)value, VARSIZE(value), HNSW_PAGE_VECTOR);
        uint8* codes = (uint8*)palloc(quant->dim);
        hnsw_quant_encode(quant, value, codes);
        size = hnsw_quantized_element_size(m, level, quant->dim) + key_bytes;
        item = (char*)palloc0(size);
        hnsw_form_quantized_element(item, m, level, heap_tid, &vector, codes, quant->dim);
    } else {
        size = hnsw_element_size(m, level, VARSIZE(value), key_bytes, &external);
        item = (char*)palloc0(size);
        // a value that does not fit beside its links goes to an overflow chain first
        VecdbOverflowRef ref;
        if (external) ref = vecdb_overflow_store(index, value, VARSIZE(value));
        hnsw_form_element(item, m, level, heap_tid, value, external ? &ref : NULL);
    }
    if (key_bytes > 0) memcpy(item + size - key_bytes, keys, key_bytes);

    if (!ItemPointerIsValid(&meta.entry)) {
        ItemPointerData first_tid;
        if (insert_first(index, item, size, level, &first_tid, companion)) {
            if (key_bytes > 0) hnsw_key_directory_append(index, &first_tid, keys);
            MemoryContextSwitchTo(old);
            return;
        }
        meta = hnsw_read_meta(index);
    }

    // the arrays of the backend's previous search, given back when `context`
    // goes (search lives in it, as the callback needs): no ~100 kB
    // allocated and freed per row
    HnswSearch* search = (HnswSearch*)palloc(sizeof(HnswSearch));
    hnsw_search_init_reused(search, index, context, metric, meta.m);
    search->quant = quant;
    ItemPointerData entry = meta.entry;
    entry = hnsw_greedy_descend(search, value, &entry, meta.entry_level, level);

    // Search each level the element lives on, seeding it with the level above's results.
    int top = Min(level, (int)meta.entry_level);
    Scored* found = (Scored*)palloc(sizeof(Scored) * (ef_construction + 1));
    uint32* chosen = (uint32*)palloc(sizeof(uint32) * (ef_construction + 1));
    ItemPointerData* seeds = (ItemPointerData*)palloc(sizeof(ItemPointerData) * (ef_construction + 1));
    uint32 nseeds = 1;
    seeds[0] = entry;
    HnswLink* links = HnswElementLinks((HnswElement)item);
    for (int l = top; l >= 0; l--) {
        hnsw_search_begin(search, value, l);
        for (uint32 i = 0; i < nseeds; i++) hnsw_search_seed(search, &seeds[i]);
        hnsw_search_run(search, (uint32)ef_construction, 0);
        uint32 n = hnsw_search_take_results(search, found);
        if (n == 0) continue;
        if (quant) rerank_found(search, value, found, n);
        uint32 kept = choose_neighbors(search, found, n, (uint32)m, chosen);
        HnswLink* level_links = links + hnsw_level_start(m, l);
        for (uint32 k = 0; k < kept; k++)
            hnsw_set_link(&level_links[k], &search->nodes[found[chosen[k]].id].element, found[chosen[k]].dist);
        for (uint32 i = 0; i < n; i++) seeds[i] = search->nodes[found[i].id].element;
        nseeds = n;
    }

    ItemPointerData tid = hnsw_place_element(index, item, size, companion);
    if (key_bytes > 0) hnsw_key_directory_append(index, &tid, keys);
    link_back(search, &tid, links, level, top, meta.entry_level, value);
    MemoryContextSwitchTo(old);
}

void hnsw_relink_element(Relation index, const VecdbMetric* metric, ItemPointer element, MemoryContext context) {
    MemoryContext old = MemoryContextSwitchTo(context);
    HnswMetaData meta = hnsw_read_meta(index);
    int m = meta.m;
    HnswSearch* search = (HnswSearch*)palloc(sizeof(HnswSearch));
    hnsw_search_init_reused(search, index, context, metric, m);
    search->quant = hnsw_quant_load(index, metric, &meta);
    // its links and level, copied under the page lock
    Buffer buffer = ReadBuffer(index, ItemPointerGetBlockNumber(element));
    LockBuffer(buffer, BUFFER_LOCK_SHARE);
    HnswElement current = hnsw_get_element(index, BufferGetPage(buffer), ItemPointerGetBlockNumber(element),
                                           ItemPointerGetOffsetNumber(element), m);
    int level = current->level;
    Size nlinks = (Size)(2 * m + level * m);
    HnswLink* links = (HnswLink*)palloc(sizeof(HnswLink) * nlinks);
    memcpy(links, HnswElementLinks(current), sizeof(HnswLink) * nlinks);
    bool deleted = (current->flags & HNSW_ELEMENT_DELETED) != 0;
    UnlockReleaseBuffer(buffer);
    if (!deleted) {
        struct varlena* value = hnsw_copy_live_value(search, element);
        if (value) link_back(search, element, links, level, Min(level, (int)meta.entry_level), meta.entry_level, value);
    }
    MemoryContextSwitchTo(old);
}

bool hnsw_insert(Relation index, Datum* values, bool* isnull, ItemPointer heap_tid, Relation heap,
                 IndexUniqueCheck check_unique, bool index_unchanged, IndexInfo* index_info) {
    if (isnull[0]) return false;
    MemoryContext context = AllocSetContextCreate(CurrentMemoryContext, "hnsw insert", ALLOCSET_DEFAULT_SIZES);
    MemoryContext old = MemoryContextSwitchTo(context);
    VecdbMetric metric;
    vecdb_metric_init(&metric, index);
    struct varlena* value = PG_DETOAST_DATUM(values[0]);
    if (hnsw_value_indexable(&metric, value)) {
        char* keys = NULL;
        if (hnsw_key_columns(index) > 0) {
            keys = (char*)palloc(hnsw_index_key_bytes(index));
            hnsw_form_keys(index, values, isnull, keys);
        }
        // WITH (pending_list = on): the graph work waits for a merge (hnsw_pending.h)
        if (hnsw_uses_pending_list(index) &&
            hnsw_pending_append(index, heap_tid, value, keys, hnsw_index_key_bytes(index)))
            hnsw_pending_maybe_merge(index);
        else
            hnsw_insert_value(index, &metric, heap_tid, value, keys, context);
    }
    MemoryContextSwitchTo(old);
    MemoryContextDelete(context);
    return false;
}
