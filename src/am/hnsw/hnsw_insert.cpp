// INSERT into an hnsw index: search the on-disk graph for the new value's
// neighbours (ef_construction candidates per level), choose diverse ones,
// write the element with its links, then link the neighbours back to it.
// Each page change is its own generic-WAL record and at most one buffer
// lock is held at a time (the metapage and a fresh page together only when
// the graph is empty), so concurrent inserts and scans cannot deadlock.
#include "am/hnsw/hnsw.h"
#include "core/hnsw/select.h"

#include <cmath>

extern "C" {
#include "common/pg_prng.h"
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

// Adds a link to `target` at `level` pointing at the new element: into a
// free slot, or replacing the farthest link when the new one is nearer.
static void add_back_link(Relation index, int m, ItemPointer target, int level, ItemPointer element, float dist) {
    BlockNumber blkno = ItemPointerGetBlockNumber(target);
    OffsetNumber offset = ItemPointerGetOffsetNumber(target);
    Buffer buffer = ReadBuffer(index, blkno);
    LockBuffer(buffer, BUFFER_LOCK_EXCLUSIVE);
    HnswElement current = hnsw_get_element(index, BufferGetPage(buffer), blkno, offset, m);
    if (current->level < level || (current->flags & HNSW_ELEMENT_DELETED)) {
        UnlockReleaseBuffer(buffer);
        return;
    }
    const HnswLink* links = HnswElementLinks(current) + hnsw_level_start(m, level);
    int capacity = hnsw_level_capacity(m, level);
    int slot = -1;
    float farthest = -1;
    for (int i = 0; i < capacity; i++) {
        if (!hnsw_link_valid(&links[i])) {
            slot = i;
            break;
        }
        ItemPointerData tid = hnsw_link_tid(&links[i]);
        if (ItemPointerEquals(&tid, element)) {
            UnlockReleaseBuffer(buffer);
            return;
        }
        if (links[i].dist > farthest) {
            farthest = links[i].dist;
            slot = i;
        }
    }
    if (slot < 0 || (hnsw_link_valid(&links[slot]) && !(dist < farthest))) {
        UnlockReleaseBuffer(buffer);
        return;
    }
    GenericXLogState* state = GenericXLogStart(index);
    Page page = GenericXLogRegisterBuffer(state, buffer, 0);
    HnswElement writable = hnsw_get_element(index, page, blkno, offset, m);
    hnsw_set_link(HnswElementLinks(writable) + hnsw_level_start(m, level) + slot, element, dist);
    GenericXLogFinish(state);
    UnlockReleaseBuffer(buffer);
}

// The first element of an empty graph: written with the metapage locked so
// two first inserts cannot both become (disconnected) entry points.
// Returns false when another backend made the graph non-empty meanwhile.
static bool insert_first(Relation index, const char* item, Size size, int level) {
    Buffer meta_buffer = ReadBuffer(index, VECDB_METAPAGE_BLKNO);
    LockBuffer(meta_buffer, BUFFER_LOCK_EXCLUSIVE);
    if (ItemPointerIsValid(&((HnswMetaData*)VecdbMetaBody(BufferGetPage(meta_buffer)))->entry)) {
        UnlockReleaseBuffer(meta_buffer);
        return false;
    }
    Buffer buffer = vecdb_allocate_page(index);
    BlockNumber blkno = BufferGetBlockNumber(buffer);
    GenericXLogState* state = GenericXLogStart(index);
    Page meta_page = GenericXLogRegisterBuffer(state, meta_buffer, 0);
    Page page = GenericXLogRegisterBuffer(state, buffer, GENERIC_XLOG_FULL_IMAGE);
    vecdb_page_init(page, VECDB_PAGE_DATA);
    OffsetNumber offset = PageAddItem(page, (Item)item, size, InvalidOffsetNumber, false, false);
    if (offset == InvalidOffsetNumber)
        elog(ERROR, "vecdb: failed to add an element to index \"%s\"", RelationGetRelationName(index));
    HnswMetaData* meta = (HnswMetaData*)VecdbMetaBody(meta_page);
    ItemPointerSet(&meta->entry, blkno, offset);
    meta->entry_level = (int16)level;
    meta->insert_page = blkno;
    GenericXLogFinish(state);
    UnlockReleaseBuffer(buffer);
    UnlockReleaseBuffer(meta_buffer);
    return true;
}

void hnsw_insert_value(Relation index, const VecdbMetric* metric, ItemPointer heap_tid, const struct varlena* value,
                       MemoryContext context) {
    MemoryContext old = MemoryContextSwitchTo(context);
    HnswMetaData meta = hnsw_read_meta(index);
    int m = meta.m, ef_construction = meta.ef_construction;
    int level = vecdb::core::hnsw::random_level(1.0 - pg_prng_double(&pg_global_prng_state), m);
    level = Min(level, hnsw_max_level(m));
    bool external;
    Size size = hnsw_element_size(m, level, VARSIZE(value), &external);
    char* item = (char*)palloc0(size);
    // a value that does not fit beside its links goes to an overflow chain first
    VecdbOverflowRef ref;
    if (external) ref = vecdb_overflow_store(index, value, VARSIZE(value));
    hnsw_form_element(item, m, level, heap_tid, value, external ? &ref : NULL);

    if (!ItemPointerIsValid(&meta.entry)) {
        if (insert_first(index, item, size, level)) {
            MemoryContextSwitchTo(old);
            return;
        }
        meta = hnsw_read_meta(index);
    }

    HnswSearch search;
    hnsw_search_init(&search, index, context, metric, meta.m);
    ItemPointerData entry = meta.entry;
    entry = hnsw_greedy_descend(&search, value, &entry, meta.entry_level, level);

    // Search each level the element lives on, seeding it with the level above's results.
    int top = Min(level, (int)meta.entry_level);
    Scored* found = (Scored*)palloc(sizeof(Scored) * (ef_construction + 1));
    uint32* chosen = (uint32*)palloc(sizeof(uint32) * (ef_construction + 1));
    ItemPointerData* seeds = (ItemPointerData*)palloc(sizeof(ItemPointerData) * (ef_construction + 1));
    uint32 nseeds = 1;
    seeds[0] = entry;
    HnswLink* links = HnswElementLinks((HnswElement)item);
    for (int l = top; l >= 0; l--) {
        hnsw_search_begin(&search, value, l);
        for (uint32 i = 0; i < nseeds; i++) hnsw_search_seed(&search, &seeds[i]);
        hnsw_search_run(&search, (uint32)ef_construction, 0);
        uint32 n = hnsw_search_take_results(&search, found);
        if (n == 0) continue;
        uint32 kept = choose_neighbors(&search, found, n, (uint32)m, chosen);
        HnswLink* level_links = links + hnsw_level_start(m, l);
        for (uint32 k = 0; k < kept; k++)
            hnsw_set_link(&level_links[k], &search.nodes[found[chosen[k]].id].element, found[chosen[k]].dist);
        for (uint32 i = 0; i < n; i++) seeds[i] = search.nodes[found[i].id].element;
        nseeds = n;
    }

    ItemPointerData tid = hnsw_place_element(index, item, size);
    for (int l = top; l >= 0; l--) {
        HnswLink* level_links = links + hnsw_level_start(m, l);
        for (int k = 0; k < hnsw_level_capacity(m, l) && hnsw_link_valid(&level_links[k]); k++) {
            ItemPointerData target = hnsw_link_tid(&level_links[k]);
            add_back_link(index, m, &target, l, &tid, level_links[k].dist);
        }
    }
    if (level > meta.entry_level) hnsw_update_entry(index, &tid, level, true);
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
    if (hnsw_value_indexable(&metric, value)) hnsw_insert_value(index, &metric, heap_tid, value, context);
    MemoryContextSwitchTo(old);
    MemoryContextDelete(context);
    return false;
}
