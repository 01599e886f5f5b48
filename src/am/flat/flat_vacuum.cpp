// VACUUM for flat: drop entries of dead rows, free their overflow pages, and
// point inserts at the earliest page that gained room.
#include "am/flat/flat.h"

extern "C" {
#include "access/transam.h"
#include "commands/vacuum.h"
#include "storage/indexfsm.h"
#include "storage/procarray.h"
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

// Marks in `referenced` every overflow page the chain starting at blkno uses.
static void mark_chunk_chain(Relation index, BlockNumber blkno, uint8* referenced, BlockNumber nblocks) {
    while (blkno != InvalidBlockNumber && blkno < nblocks && !(referenced[blkno / 8] & (1 << (blkno % 8)))) {
        referenced[blkno / 8] |= (uint8)(1 << (blkno % 8));
        Buffer buffer = ReadBuffer(index, blkno);
        LockBuffer(buffer, BUFFER_LOCK_SHARE);
        Page page = BufferGetPage(buffer);
        vecdb_page_check(index, page, blkno, VECDB_PAGE_OVERFLOW);
        blkno = VecdbPageGetOpaque(page)->next;
        UnlockReleaseBuffer(buffer);
    }
}

// One read-only pass over the data chain: counts the entries into stats
// (when given) and marks in `referenced` (when given) every overflow page
// a live entry uses.
static void survey_entries(Relation index, IndexBulkDeleteResult* stats, uint8* referenced, BlockNumber nblocks) {
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
            if (referenced && (entry->flags & FLAT_ENTRY_EXTERNAL))
                mark_chunk_chain(index, ((FlatExternalRef*)FlatEntryValue(entry))->first_chunk, referenced, nblocks);
        }
        blkno = VecdbPageGetOpaque(page)->next;
        UnlockReleaseBuffer(buffer);
    }
}

// Frees overflow pages no entry refers to: chains whose entry was never
// written because the server crashed (or the insert failed) in between.
// Only pages whose writer finished before `horizon` (taken before the
// survey) are candidates, so a chain whose entry is being placed right now
// is never touched.
static void free_unreferenced_chunks(Relation index, const uint8* referenced, BlockNumber nblocks,
                                     TransactionId horizon, IndexBulkDeleteResult* stats) {
    for (BlockNumber blkno = 1; blkno < nblocks; blkno++) {
        vacuum_delay_point();
        if (referenced[blkno / 8] & (1 << (blkno % 8))) continue;
        Buffer buffer = ReadBuffer(index, blkno);
        LockBuffer(buffer, BUFFER_LOCK_SHARE);
        Page page = BufferGetPage(buffer);
        bool orphan = !PageIsNew(page) && PageGetSpecialSize(page) == MAXALIGN(sizeof(VecdbPageOpaqueData)) &&
                      VecdbPageGetOpaque(page)->kind == VECDB_PAGE_OVERFLOW &&
                      TransactionIdIsNormal(VecdbPageGetOpaque(page)->xid) &&
                      TransactionIdPrecedes(VecdbPageGetOpaque(page)->xid, horizon);
        UnlockReleaseBuffer(buffer);
        if (orphan) {
            vecdb_free_page(index, blkno);
            stats->pages_newly_deleted++;
        }
    }
}

IndexBulkDeleteResult* flat_vacuum_cleanup(IndexVacuumInfo* info, IndexBulkDeleteResult* stats) {
    Relation index = info->index;
    if (info->analyze_only) return stats;
    // Without a bulk delete the entries are counted, so pg_class stays accurate.
    bool count = stats == NULL;
    if (count) stats = (IndexBulkDeleteResult*)palloc0(sizeof(IndexBulkDeleteResult));
    bool reclaim = flat_read_meta(index).has_overflow;
    if (count || reclaim) {
        // the most conservative horizon (every database's transactions)
        TransactionId horizon = GetOldestNonRemovableTransactionId(NULL);
        BlockNumber nblocks = RelationGetNumberOfBlocks(index);
        uint8* referenced = reclaim ? (uint8*)palloc0(nblocks / 8 + 1) : NULL;
        survey_entries(index, count ? stats : NULL, referenced, nblocks);
        if (reclaim) {
            free_unreferenced_chunks(index, referenced, nblocks, horizon, stats);
            pfree(referenced);
        }
    }
    stats->num_pages = RelationGetNumberOfBlocks(index);
    IndexFreeSpaceMapVacuum(index);
    return stats;
}
