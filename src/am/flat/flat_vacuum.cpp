// VACUUM for flat: drop entries of dead rows, free their overflow pages, and
// point inserts at the earliest page that gained room.
#include "am/flat/flat.h"

extern "C" {
#include "commands/vacuum.h"
#include "storage/indexfsm.h"
}

// Removes the dead entries of one data page. Returns the page's successor;
// *freed tells whether anything was removed, and out-of-line values of the
// removed entries are appended to chunks (their first overflow pages).
static BlockNumber vacuum_page(Relation index, BlockNumber blkno, IndexBulkDeleteResult* stats,
                               IndexBulkDeleteCallback callback, void* callback_state, bool* freed,
                               BlockNumber* chunks, int* nchunks) {
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
            if (entry->flags & FLAT_ENTRY_EXTERNAL)
                chunks[(*nchunks)++] = ((FlatExternalRef*)FlatEntryValue(entry))->first_chunk;
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

// Frees every page of an overflow chain.
static void free_chunk_chain(Relation index, BlockNumber blkno) {
    while (blkno != InvalidBlockNumber) {
        Buffer buffer = ReadBuffer(index, blkno);
        LockBuffer(buffer, BUFFER_LOCK_SHARE);
        Page page = BufferGetPage(buffer);
        vecdb_page_check(index, page, blkno, VECDB_PAGE_OVERFLOW);
        BlockNumber next = VecdbPageGetOpaque(page)->next;
        UnlockReleaseBuffer(buffer);
        vecdb_free_page(index, blkno);
        blkno = next;
    }
}

IndexBulkDeleteResult* flat_bulk_delete(IndexVacuumInfo* info, IndexBulkDeleteResult* stats,
                                        IndexBulkDeleteCallback callback, void* callback_state) {
    Relation index = info->index;
    if (stats == NULL) stats = (IndexBulkDeleteResult*)palloc0(sizeof(IndexBulkDeleteResult));
    stats->num_index_tuples = 0;

    FlatMetaData meta = flat_read_meta(index);
    bool insert_page_seen = false;
    BlockNumber first_freed = InvalidBlockNumber;
    BlockNumber* chunks = (BlockNumber*)palloc(sizeof(BlockNumber) * MaxOffsetNumber);
    for (BlockNumber blkno = meta.first_data_page; blkno != InvalidBlockNumber;) {
        vacuum_delay_point();
        if (blkno == meta.insert_page) insert_page_seen = true;
        bool freed = false;
        int nchunks = 0;
        BlockNumber next = vacuum_page(index, blkno, stats, callback, callback_state, &freed, chunks, &nchunks);
        for (int i = 0; i < nchunks; i++) free_chunk_chain(index, chunks[i]);
        // Only a page before the current insert page needs the hint moved.
        if (freed && first_freed == InvalidBlockNumber && !insert_page_seen) first_freed = blkno;
        blkno = next;
    }
    pfree(chunks);
    if (first_freed != InvalidBlockNumber) flat_set_insert_page(index, first_freed, false);
    return stats;
}

IndexBulkDeleteResult* flat_vacuum_cleanup(IndexVacuumInfo* info, IndexBulkDeleteResult* stats) {
    Relation index = info->index;
    if (info->analyze_only) return stats;
    if (stats == NULL) {
        // No bulk delete ran: count the entries so pg_class stays accurate.
        stats = (IndexBulkDeleteResult*)palloc0(sizeof(IndexBulkDeleteResult));
        BlockNumber blkno = flat_read_meta(index).first_data_page;
        while (blkno != InvalidBlockNumber) {
            vacuum_delay_point();
            Buffer buffer = ReadBuffer(index, blkno);
            LockBuffer(buffer, BUFFER_LOCK_SHARE);
            Page page = BufferGetPage(buffer);
            vecdb_page_check(index, page, blkno, VECDB_PAGE_DATA);
            OffsetNumber max = PageGetMaxOffsetNumber(page);
            for (OffsetNumber off = FirstOffsetNumber; off <= max; off = OffsetNumberNext(off))
                if (ItemIdIsNormal(PageGetItemId(page, off))) stats->num_index_tuples += 1;
            blkno = VecdbPageGetOpaque(page)->next;
            UnlockReleaseBuffer(buffer);
        }
    }
    stats->num_pages = RelationGetNumberOfBlocks(index);
    IndexFreeSpaceMapVacuum(index);
    return stats;
}
