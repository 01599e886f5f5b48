// flat as the shared machinery sees it: its registration, the entry
// counting behind vecdb.index_stats and its vecdb.verify_index checks.
#include "am/flat/flat.h"

// Counts the entries of one flat data page.
static void flat_count_entries(Relation index, Page page, BlockNumber blkno, VecdbEntryCounter* counter) {
    OffsetNumber max = PageGetMaxOffsetNumber(page);
    for (OffsetNumber off = FirstOffsetNumber; off <= max; off = OffsetNumberNext(off)) {
        ItemId item_id = PageGetItemId(page, off);
        if (!ItemIdIsNormal(item_id)) continue;
        FlatEntry* entry = (FlatEntry*)PageGetItem(page, item_id);
        vecdb_count_entry(counter, &entry->heap_tid, (entry->flags & FLAT_ENTRY_NULL) != 0);
    }
}

extern const VecdbAmDescriptor vecdb_flat_am;
const VecdbAmDescriptor vecdb_flat_am = {
    "flat",
    VECDB_AM_FLAT,
    flat_init,
    flat_count_entries,
    flat_verify,
    NULL,
    NULL,
    true,
};
