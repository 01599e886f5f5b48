// VACUUM for flat: drop entries of dead rows, free their overflow pages, and
// point inserts at the earliest page that gained room.
#include "am/flat/flat.h"

#include "am/common/vacuum.h"

extern "C" {
#include "commands/vacuum.h"
}

// Removes the dead entries of one data page. Returns the page's successor;
// *freed tells whether anything was removed, and out-of-line values of the
// removed entries are appended to chains (their overflow refs).
static BlockNumber vacuum_page(Relation index, BlockNumber blkno, IndexBulkDeleteResult* stats,
                               IndexBulkDeleteCallback callback, void* callback_state, bool* freed,
                               VecdbOverflowRef* chains, int* nchains) {
    Buffer buffer = ReadBuffer(index, blkno);
    LockBuffer(buffer, BUFFER_LOCK_EXCLUSIVE);
    Page page = BufferGetPage(buffer);
    vecdb_page_check(index, page, blkno, VECDB_PAGE_DATA);
    OffsetNumber dead[MaxOffsetNumber];
    int ndead = 0;
    OffsetNumber max = PageGetMaxOffsetNumber(page);
    for (OffsetNumber off = FirstOffsetNumber; off <= max; off = OffsetNumberNext(off)) {
        ItemId item_id = PageGetItemId(page, off);
        if (!ItemIdIsNormal(item_id)) continue;
        FlatEntry* entry = (FlatEntry*)PageGetItem(page, item_id);
        if (callback(&entry->heap_tid, callback_state)) {
            dead[ndead++] = off;
            if (entry->flags & FLAT_ENTRY_EXTERNAL) chains[(*nchains)++] = *FlatEntryOverflowRef(entry);
        } else {
            stats->num_index_tuples += 1;
        }
    }
    BlockNumber next = VecdbPageGetOpaque(page)->next;
    *freed = ndead > 0;
    if (ndead > 0) {
        GenericXLogState* state = GenericXLogStart(index);
        page = GenericXLogRegisterBuffer(state, buffer, 0);
        PageIndexMultiDelete(page, dead, ndead);
        GenericXLogFinish(state);
        stats->tuples_removed += ndead;
    }
    UnlockReleaseBuffer(buffer);
    return next;
}

IndexBulkDeleteResult* flat_bulk_delete(IndexVacuumInfo* info, IndexBulkDeleteResult* stats,
                                        IndexBulkDeleteCallback callback, void* callback_state) {
    Relation index = info->index;
    stats = vecdb_bulk_delete_start(stats);

    FlatMetaData meta = flat_read_meta(index);
    bool insert_page_seen = false;
    BlockNumber first_freed = InvalidBlockNumber;
    VecdbOverflowRef* chains = (VecdbOverflowRef*)palloc(sizeof(VecdbOverflowRef) * MaxOffsetNumber);
    for (BlockNumber blkno = meta.first_data_page; blkno != InvalidBlockNumber;) {
        vacuum_delay_point();
        if (blkno == meta.insert_page) insert_page_seen = true;
        bool freed = false;
        int nchains = 0;
        BlockNumber next = vacuum_page(index, blkno, stats, callback, callback_state, &freed, chains, &nchains);
        for (int i = 0; i < nchains; i++) vecdb_overflow_free(index, &chains[i]);
        // Only a page before the current insert page needs the hint moved.
        if (freed && first_freed == InvalidBlockNumber && !insert_page_seen) first_freed = blkno;
        blkno = next;
    }
    pfree(chains);
    if (first_freed != InvalidBlockNumber) flat_set_insert_page(index, first_freed, false);
    return stats;
}

// The overflow sweep's walk over the live entries: keeps every overflow
// chain an entry refers to, and counts the entries into arg (an
// IndexBulkDeleteResult) unless it is NULL.
static void survey_entries(Relation index, VecdbOverflowSweep* sweep, void* arg) {
    IndexBulkDeleteResult* stats = (IndexBulkDeleteResult*)arg;
    for (BlockNumber blkno = flat_read_meta(index).first_data_page; blkno != InvalidBlockNumber;) {
        vacuum_delay_point();
        Buffer buffer = ReadBuffer(index, blkno);
        LockBuffer(buffer, BUFFER_LOCK_SHARE);
        Page page = BufferGetPage(buffer);
        vecdb_page_check(index, page, blkno, VECDB_PAGE_DATA);
        OffsetNumber max = PageGetMaxOffsetNumber(page);
        for (OffsetNumber off = FirstOffsetNumber; off <= max; off = OffsetNumberNext(off)) {
            ItemId item_id = PageGetItemId(page, off);
            if (!ItemIdIsNormal(item_id)) continue;
            if (stats) stats->num_index_tuples += 1;
            FlatEntry* entry = (FlatEntry*)PageGetItem(page, item_id);
            if (entry->flags & FLAT_ENTRY_EXTERNAL) vecdb_overflow_keep(sweep, FlatEntryOverflowRef(entry));
        }
        blkno = VecdbPageGetOpaque(page)->next;
        UnlockReleaseBuffer(buffer);
    }
}

// amvacuumcleanup: counts or sweeps through survey_entries (am/common/vacuum.h).
IndexBulkDeleteResult* flat_vacuum_cleanup(IndexVacuumInfo* info, IndexBulkDeleteResult* stats) {
    return vecdb_vacuum_cleanup(info, stats, survey_entries);
}
