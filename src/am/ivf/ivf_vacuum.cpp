// VACUUM for ivf: drop the entries of dead rows from every list (and their
// full vectors from the vector pages), and point each list's inserts at a
// page that gained room, so the space is reused.
#include "am/ivf/ivf.h"

extern "C" {
#include "commands/vacuum.h"
#include "storage/indexfsm.h"
}

// Orders item pointers by block, then offset.
static int compare_tids(const void* a, const void* b) {
    return ItemPointerCompare((ItemPointer)a, (ItemPointer)b);
}

// Removes the given full vectors (sorted) from their vector pages. Line
// pointers stay in place (unused), so other entries' locators stay valid.
static void delete_vectors(Relation index, ItemPointerData* vectors, int n, BlockNumber* first_freed) {
    qsort(vectors, n, sizeof(ItemPointerData), compare_tids);
    for (int i = 0; i < n;) {
        BlockNumber blkno = ItemPointerGetBlockNumber(&vectors[i]);
        Buffer buffer = ReadBuffer(index, blkno);
        LockBuffer(buffer, BUFFER_LOCK_EXCLUSIVE);
        vecdb_page_check(index, BufferGetPage(buffer), blkno, IVF_PAGE_VECTOR);
        GenericXLogState* state = GenericXLogStart(index);
        Page page = GenericXLogRegisterBuffer(state, buffer, 0);
        // highest offsets first: deleting the last line pointer shrinks the array
        int end = i;
        while (end < n && ItemPointerGetBlockNumber(&vectors[end]) == blkno) end++;
        for (int j = end - 1; j >= i; j--) {
            OffsetNumber off = ItemPointerGetOffsetNumber(&vectors[j]);
            if (off <= PageGetMaxOffsetNumber(page) && ItemIdIsNormal(PageGetItemId(page, off)))
                PageIndexTupleDeleteNoCompact(page, off);
        }
        GenericXLogFinish(state);
        UnlockReleaseBuffer(buffer);
        if (*first_freed == InvalidBlockNumber || blkno < *first_freed) *first_freed = blkno;
        i = end;
    }
}

// Removes the dead entries of one posting page; returns its successor.
// *has_room tells whether the page can now take another entry; the full
// vectors of removed sq8 entries are appended to vectors.
static BlockNumber vacuum_page(Relation index, BlockNumber blkno, bool sq8, IndexBulkDeleteResult* stats,
                               IndexBulkDeleteCallback callback, void* callback_state, bool* has_room,
                               ItemPointerData* vectors, int* nvectors) {
    Buffer buffer = ReadBuffer(index, blkno);
    LockBuffer(buffer, BUFFER_LOCK_EXCLUSIVE);
    Page page = BufferGetPage(buffer);
    vecdb_page_check(index, page, blkno, VECDB_PAGE_DATA);
    OffsetNumber dead[MaxOffsetNumber];
    int ndead = 0;
    Size entry_size = 0;
    OffsetNumber max = PageGetMaxOffsetNumber(page);
    for (OffsetNumber off = FirstOffsetNumber; off <= max; off = OffsetNumberNext(off)) {
        ItemId item_id = PageGetItemId(page, off);
        if (!ItemIdIsNormal(item_id)) continue;
        entry_size = Max(entry_size, (Size)ItemIdGetLength(item_id));
        ItemPointer heap_tid = (ItemPointer)PageGetItem(page, item_id);  // both entry kinds start with it
        if (callback(heap_tid, callback_state)) {
            dead[ndead++] = off;
            if (sq8) vectors[(*nvectors)++] = ((IvfSq8Entry*)PageGetItem(page, item_id))->vector;
        } else {
            stats->num_index_tuples += 1;
        }
    }
    if (ndead > 0) {
        GenericXLogState* state = GenericXLogStart(index);
        page = GenericXLogRegisterBuffer(state, buffer, 0);
        PageIndexMultiDelete(page, dead, ndead);
        GenericXLogFinish(state);
        stats->tuples_removed += ndead;
    }
    *has_room = ndead > 0 && PageGetFreeSpace(page) >= MAXALIGN(entry_size);
    BlockNumber next = VecdbPageGetOpaque(page)->next;
    UnlockReleaseBuffer(buffer);
    return next;
}

IndexBulkDeleteResult* ivf_bulk_delete(IndexVacuumInfo* info, IndexBulkDeleteResult* stats,
                                       IndexBulkDeleteCallback callback, void* callback_state) {
    Relation index = info->index;
    if (stats == NULL) stats = (IndexBulkDeleteResult*)palloc0(sizeof(IndexBulkDeleteResult));
    stats->num_index_tuples = 0;
    IvfMetaData meta = ivf_read_meta(index);
    bool sq8 = meta.lists > 0 && meta.quantizer == IVF_QUANTIZER_SQ8;
    ItemPointerData* vectors = (ItemPointerData*)palloc(sizeof(ItemPointerData) * MaxOffsetNumber);
    BlockNumber first_vector_freed = InvalidBlockNumber;
    uint32 slots = ivf_slot_count(&meta);
    for (uint32 list = 0; list < slots; list++) {
        IvfListSlot slot = ivf_read_slot(index, &meta, list);
        BlockNumber roomy = InvalidBlockNumber;
        for (BlockNumber blkno = slot.head; blkno != InvalidBlockNumber;) {
            vacuum_delay_point();
            bool has_room = false;
            int nvectors = 0;
            BlockNumber next = vacuum_page(index, blkno, sq8, stats, callback, callback_state, &has_room, vectors,
                                           &nvectors);
            if (nvectors > 0) delete_vectors(index, vectors, nvectors, &first_vector_freed);
            if (has_room && roomy == InvalidBlockNumber) roomy = blkno;
            blkno = next;
        }
        if (roomy != InvalidBlockNumber && roomy != slot.insert_page)
            ivf_set_insert_page(index, &meta, list, slot.insert_page, roomy);
    }
    pfree(vectors);
    if (first_vector_freed != InvalidBlockNumber && first_vector_freed != ivf_read_meta(index).vector_insert_page)
        ivf_set_vector_insert_page(index, first_vector_freed);
    return stats;
}

// Counts the live entries of every list.
static double count_entries(Relation index) {
    IvfMetaData meta = ivf_read_meta(index);
    double entries = 0;
    uint32 slots = ivf_slot_count(&meta);
    for (uint32 list = 0; list < slots; list++) {
        for (BlockNumber blkno = ivf_read_slot(index, &meta, list).head; blkno != InvalidBlockNumber;) {
            vacuum_delay_point();
            Buffer buffer = ReadBuffer(index, blkno);
            LockBuffer(buffer, BUFFER_LOCK_SHARE);
            Page page = BufferGetPage(buffer);
            vecdb_page_check(index, page, blkno, VECDB_PAGE_DATA);
            OffsetNumber max = PageGetMaxOffsetNumber(page);
            for (OffsetNumber off = FirstOffsetNumber; off <= max; off = OffsetNumberNext(off))
                if (ItemIdIsNormal(PageGetItemId(page, off))) entries += 1;
            blkno = VecdbPageGetOpaque(page)->next;
            UnlockReleaseBuffer(buffer);
        }
    }
    return entries;
}

IndexBulkDeleteResult* ivf_vacuum_cleanup(IndexVacuumInfo* info, IndexBulkDeleteResult* stats) {
    if (info->analyze_only) return stats;
    if (stats == NULL) {
        // no bulk delete ran: count the entries so pg_class stays accurate
        stats = (IndexBulkDeleteResult*)palloc0(sizeof(IndexBulkDeleteResult));
        stats->num_index_tuples = count_entries(info->index);
    }
    stats->num_pages = RelationGetNumberOfBlocks(info->index);
    IndexFreeSpaceMapVacuum(info->index);
    return stats;
}
