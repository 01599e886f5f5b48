// hnsw as the shared machinery sees it: its registration, the entry
// counting and details behind vecdb.index_stats, and its verify_index checks.
#include "am/hnsw/hnsw.h"
#include "am/hnsw/hnsw_pending.h"
#include "am/common/am_descriptor.h"
#include "am/common/verify.h"

// Counts the elements of one hnsw element page (deleted ones are no entries).
// Counts a waiting pending entry as an entry.
static void count_pending(void* arg, BlockNumber, OffsetNumber, ItemPointer heap_tid) {
    vecdb_count_entry((VecdbEntryCounter*)arg, heap_tid, false);
}

static void hnsw_count_entries(Relation index, Page page, BlockNumber blkno, VecdbEntryCounter* counter) {
    if (VecdbPageGetOpaque(page)->kind == HNSW_PAGE_PENDING) {
        uint64 waiting = 0;
        hnsw_pending_count(index, page, blkno, &waiting, count_pending, counter);
        return;
    }
    if (VecdbPageGetOpaque(page)->kind != VECDB_PAGE_DATA) return;  // sq8 vector pages hold no entries
    OffsetNumber max = PageGetMaxOffsetNumber(page);
    for (OffsetNumber off = FirstOffsetNumber; off <= max; off = OffsetNumberNext(off)) {
        ItemId item_id = PageGetItemId(page, off);
        if (!ItemIdIsNormal(item_id) || ItemIdGetLength(item_id) < HNSW_ELEMENT_HEADER_SIZE) continue;
        HnswElement element = (HnswElement)PageGetItem(page, item_id);
        if (element->flags & HNSW_ELEMENT_DELETED) continue;
        vecdb_count_entry(counter, &element->heap_tid, false);
    }
}

// vecdb.index_stats details of hnsw: the graph's shape, read from every
// element, and how many live elements the entry point does not reach.
static void hnsw_describe(Relation index, Relation heap, StringInfo out) {
    HnswMetaData meta = hnsw_read_meta(index);
    HnswTidMap map;
    HnswGraphCounts counts;
    hnsw_map_elements(index, meta.m, &map, &counts);
    uint64 reached_live = 0;
    if (ItemPointerIsValid(&meta.entry)) {
        hnsw_walk_level0(index, meta.m, &meta.entry, &map);
        Size nslots = (Size)map.nblocks * map.slots;
        for (Size i = 0; i < nslots; i++)
            if ((map.marks[i] & (HNSW_MARK_LIVE | HNSW_MARK_REACHED)) == (HNSW_MARK_LIVE | HNSW_MARK_REACHED))
                reached_live++;
    }
    pfree(map.marks);
    appendStringInfo(out,
                     "{\"m\": %u, \"ef_construction\": %u, \"quantizer\": \"%s\", \"levels\": %d, "
                     "\"entry_level\": %d, \"elements\": %lu, \"deleted_elements\": %lu, "
                     "\"mean_level0_degree\": %.2f, \"unreachable_elements\": %lu, \"pending_pages\": %u, "
                     "\"pending_entries_appended\": %u}",
                     meta.m, meta.ef_construction, hnsw_quantizer_name(meta.quantizer), counts.top_level + 1,
                     (int)meta.entry_level, (unsigned long)counts.elements, (unsigned long)counts.deleted,
                     counts.elements > 0 ? (double)counts.level0_links / (double)counts.elements : 0.0,
                     (unsigned long)(counts.elements - reached_live),
                     meta.pending_head != VECDB_METAPAGE_BLKNO && meta.pending_head != InvalidBlockNumber
                         ? meta.pending_pages
                         : 0,
                     meta.pending_entries);
}

extern const VecdbAmDescriptor vecdb_hnsw_am;
const VecdbAmDescriptor vecdb_hnsw_am = {
    "hnsw",
    VECDB_AM_HNSW,
    hnsw_init,
    hnsw_count_entries,
    hnsw_verify,
    hnsw_indexes_row,
    hnsw_describe,
    true,
};
