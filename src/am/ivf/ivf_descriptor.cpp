// ivf as the shared machinery sees it: its registration and the entry
// counting behind vecdb.index_stats.
#include "am/ivf/ivf.h"

// Counts the entries of one posting page (both entry kinds start with the
// heap TID; NULL vectors are not indexed). Vector pages hold the same rows
// again, for rerank, and are not counted.
static void ivf_count_entries(Relation index, Page page, BlockNumber blkno, VecdbEntryCounter* counter) {
    if (VecdbPageGetOpaque(page)->kind != VECDB_PAGE_DATA) return;
    OffsetNumber max = PageGetMaxOffsetNumber(page);
    for (OffsetNumber off = FirstOffsetNumber; off <= max; off = OffsetNumberNext(off)) {
        ItemId item_id = PageGetItemId(page, off);
        if (!ItemIdIsNormal(item_id)) continue;
        vecdb_count_entry(counter, (ItemPointer)PageGetItem(page, item_id), false);
    }
}

// descriptor->indexes_row: ivf keeps no entry for a NULL vector.
static bool ivf_indexes_row(Relation index, Datum* values, bool* isnull, void** state) {
    return !isnull[0];
}

extern const VecdbAmDescriptor vecdb_ivf_am;
const VecdbAmDescriptor vecdb_ivf_am = {
    "ivf",
    VECDB_AM_IVF,
    ivf_init,
    ivf_count_entries,
    ivf_verify,
    ivf_indexes_row,
    ivf_describe,
    true,
};
