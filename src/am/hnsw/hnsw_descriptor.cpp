// hnsw as the shared machinery sees it: its registration and the entry
// counting behind vecdb.index_stats.
#include "am/hnsw/hnsw.h"
#include "am/common/am_descriptor.h"

// Counts the elements of one hnsw element page (deleted ones are no entries).
static void hnsw_count_entries(Relation index, Page page, BlockNumber blkno, VecdbEntryCounter* counter) {
    OffsetNumber max = PageGetMaxOffsetNumber(page);
    for (OffsetNumber off = FirstOffsetNumber; off <= max; off = OffsetNumberNext(off)) {
        ItemId item_id = PageGetItemId(page, off);
        if (!ItemIdIsNormal(item_id) || ItemIdGetLength(item_id) < HNSW_ELEMENT_HEADER_SIZE) continue;
        HnswElement element = (HnswElement)PageGetItem(page, item_id);
        if (element->flags & HNSW_ELEMENT_DELETED) continue;
        vecdb_count_entry(counter, &element->heap_tid, false);
    }
}

extern const VecdbAmDescriptor vecdb_hnsw_am;
const VecdbAmDescriptor vecdb_hnsw_am = {
    "hnsw",
    VECDB_AM_HNSW,
    hnsw_init,
    hnsw_count_entries,
    NULL,  // verify
};
