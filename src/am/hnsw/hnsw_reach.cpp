// Reachability over level 0 of an hnsw graph on disk: a search that runs to
// the end returns exactly the elements a walk over level-0 links from the
// entry point reaches, so verify_index, index_stats and VACUUM's repair all
// ask this walk which elements a scan could never return.
#include "am/hnsw/hnsw.h"
#include "am/hnsw/hnsw_walk.h"

using vecdb::core::hnsw::Scored;

// Line pointers an element page of an index with this m can hold: every
// element has its header, 2m level-0 links and at least a MAXALIGNed varlena
// header, so no page holds more.
static uint32 slots_per_page(int m) {
    Size least = hnsw_value_offset(m, 0) + MAXALIGN(VARHDRSZ) + sizeof(ItemIdData);
    return (uint32)((BLCKSZ - SizeOfPageHeaderData) / least) + 1;
}

void hnsw_tid_map_init(HnswTidMap* map, BlockNumber nblocks, int m) {
    map->nblocks = nblocks;
    map->slots = slots_per_page(m);
    map->marks = (uint8*)MemoryContextAllocHuge(CurrentMemoryContext, Max((Size)nblocks * map->slots, 1));
    memset(map->marks, 0, Max((Size)nblocks * map->slots, 1));
}

// The mark of tid, or NULL when it cannot be an element of the map.
uint8* hnsw_tid_map_at(const HnswTidMap* map, ItemPointer tid) {
    BlockNumber blkno = ItemPointerGetBlockNumberNoCheck(tid);
    OffsetNumber offset = ItemPointerGetOffsetNumberNoCheck(tid);
    if (blkno >= map->nblocks || offset < FirstOffsetNumber || offset > map->slots) return NULL;
    return &map->marks[(Size)blkno * map->slots + (offset - 1)];
}

uint64 hnsw_walk_level0(Relation index, int m, ItemPointer start, HnswTidMap* map) {
    uint8* mark = hnsw_tid_map_at(map, start);
    if (mark == NULL || !(*mark & HNSW_MARK_ELEMENT) || (*mark & HNSW_MARK_REACHED)) return 0;
    *mark |= HNSW_MARK_REACHED;
    Size capacity = 1024, head = 0, tail = 0;
    ItemPointerData* queue = (ItemPointerData*)palloc(sizeof(ItemPointerData) * capacity);
    queue[tail++] = *start;
    int nlinks = hnsw_level_capacity(m, 0);
    HnswLink* links = (HnswLink*)palloc(sizeof(HnswLink) * nlinks);
    while (head < tail) {
        if ((head & 1023) == 0) CHECK_FOR_INTERRUPTS();
        ItemPointerData tid = queue[head++];
        Buffer buffer = ReadBuffer(index, ItemPointerGetBlockNumber(&tid));
        LockBuffer(buffer, BUFFER_LOCK_SHARE);
        HnswElement element = hnsw_get_element(index, BufferGetPage(buffer), ItemPointerGetBlockNumber(&tid),
                                               ItemPointerGetOffsetNumber(&tid), m);
        memcpy(links, HnswElementLinks(element), sizeof(HnswLink) * nlinks);
        UnlockReleaseBuffer(buffer);
        for (int i = 0; i < nlinks && hnsw_link_valid(&links[i]); i++) {
            ItemPointerData target = hnsw_link_tid(&links[i]);
            uint8* target_mark = hnsw_tid_map_at(map, &target);
            // links to what is no element were reported (verify) or cannot be followed
            if (target_mark == NULL || !(*target_mark & HNSW_MARK_ELEMENT) || (*target_mark & HNSW_MARK_REACHED))
                continue;
            *target_mark |= HNSW_MARK_REACHED;
            if (tail == capacity) {
                capacity *= 2;
                queue = (ItemPointerData*)repalloc_huge(queue, sizeof(ItemPointerData) * capacity);
            }
            queue[tail++] = target;
        }
    }
    pfree(links);
    pfree(queue);
    return tail;
}

void hnsw_map_elements(Relation index, int m, HnswTidMap* map, HnswGraphCounts* counts) {
    BlockNumber nblocks = RelationGetNumberOfBlocks(index);
    hnsw_tid_map_init(map, nblocks, m);
    memset(counts, 0, sizeof *counts);
    counts->top_level = -1;
    hnsw_for_each_element(index, nblocks, false, [&](Page page, BlockNumber blkno, OffsetNumber off) {
        HnswElement element = hnsw_get_element(index, page, blkno, off, m);
        ItemPointerData tid;
        ItemPointerSet(&tid, blkno, off);
        uint8* mark = hnsw_tid_map_at(map, &tid);
        if (mark == NULL) return;  // cannot be: elements are larger
        bool live = !(element->flags & HNSW_ELEMENT_DELETED);
        *mark = (uint8)(HNSW_MARK_ELEMENT | (live ? HNSW_MARK_LIVE : 0) | (element->level << HNSW_MARK_LEVEL_SHIFT));
        if (!live) {
            counts->deleted++;
            return;
        }
        counts->elements++;
        counts->top_level = Max(counts->top_level, (int)element->level);
        const HnswLink* links = HnswElementLinks(element);
        for (int i = 0; i < hnsw_level_capacity(m, 0) && hnsw_link_valid(&links[i]); i++) counts->level0_links++;
    });
}

// Links one unreached element into the reached graph: its nearest element
// a search from the entry point finds (so a reached one) links to it; a
// link that element gave up for it moves to the unreached one, so what it
// reached stays reached.
static void attach_element(HnswSearch* search, const HnswMetaData* meta, ItemPointer tid,
                           const struct varlena* value) {
    Relation index = search->index;
    int m = meta->m;
    ItemPointerData entry = meta->entry;
    hnsw_search_begin(search, value, 0);
    hnsw_search_seed(search, &entry);
    hnsw_search_run(search, meta->ef_construction, 0);
    Scored* found = (Scored*)palloc(sizeof(Scored) * (meta->ef_construction + 1));
    uint32 n = hnsw_search_take_results(search, found);
    ItemPointerData parent = entry;
    float dist = -1;
    for (uint32 i = 0; i < n; i++) {
        ItemPointerData candidate = search->nodes[found[i].id].element;
        if (ItemPointerEquals(&candidate, tid)) continue;
        parent = candidate;
        dist = found[i].dist;
        break;
    }
    pfree(found);
    if (ItemPointerEquals(&parent, tid)) return;
    if (dist < 0) {
        struct varlena* parent_value = hnsw_copy_live_value(search, &parent);
        if (parent_value == NULL) return;
        dist = (float)vecdb_metric_key(search->metric, value, parent_value);
    }
    ItemPointerData displaced;
    hnsw_link_to(index, m, &parent, tid, dist, true, &displaced);
    if (!ItemPointerIsValid(&displaced) || ItemPointerEquals(&displaced, tid)) return;
    // a deleted element needs no path: nothing live is reached through it once VACUUM repaired the links
    struct varlena* displaced_value = hnsw_copy_live_value(search, &displaced);
    if (displaced_value == NULL) return;
    ItemPointerData dropped;
    hnsw_link_to(index, m, tid, &displaced, (float)vecdb_metric_key(search->metric, value, displaced_value), true,
                 &dropped);
}

uint64 hnsw_reconnect(Relation index, const VecdbMetric* metric) {
    HnswMetaData meta = hnsw_read_meta(index);
    if (!ItemPointerIsValid(&meta.entry)) return 0;
    HnswTidMap map;
    HnswGraphCounts counts;
    hnsw_map_elements(index, meta.m, &map, &counts);
    hnsw_walk_level0(index, meta.m, &meta.entry, &map);
    MemoryContext work = AllocSetContextCreate(CurrentMemoryContext, "hnsw reconnect", ALLOCSET_DEFAULT_SIZES);
    HnswSearch search;
    hnsw_search_init(&search, index, work, metric, meta.m);
    MemoryContext values = AllocSetContextCreate(work, "hnsw reconnect value", ALLOCSET_DEFAULT_SIZES);
    uint64 linked = 0;
    Size nslots = (Size)map.nblocks * map.slots;
    for (Size i = 0; i < nslots; i++) {
        if ((map.marks[i] & (HNSW_MARK_LIVE | HNSW_MARK_REACHED)) != HNSW_MARK_LIVE) continue;
        CHECK_FOR_INTERRUPTS();
        ItemPointerData tid;
        ItemPointerSet(&tid, (BlockNumber)(i / map.slots), (OffsetNumber)(i % map.slots + 1));
        MemoryContext old = MemoryContextSwitchTo(values);
        struct varlena* value = hnsw_copy_live_value(&search, &tid);
        if (value != NULL) {
            attach_element(&search, &meta, &tid, value);
            linked++;
        }
        MemoryContextSwitchTo(old);
        MemoryContextReset(values);
        // everything it reaches is reached now
        hnsw_walk_level0(index, meta.m, &tid, &map);
    }
    MemoryContextDelete(work);
    pfree(map.marks);
    return linked;
}
