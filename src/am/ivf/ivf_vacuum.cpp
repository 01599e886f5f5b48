// VACUUM for ivf: drop the entries of dead rows from every list (and their
// full vectors from the vector pages, and the overflow chains of values
// larger than a page), take posting pages left empty off their chains, and
// point each list's inserts at a page that gained room, so the space is
// reused; on sq8/pq indexes also the full vectors of dead rows no entry
// pointed at (an insert that failed between its vector and its entry). The
// cleanup sweeps orphaned overflow chains and frees the pages earlier
// VACUUMs unlinked.
#include "am/ivf/ivf.h"

#include "am/common/vacuum.h"

extern "C" {
#include "access/transam.h"
#include "commands/vacuum.h"
#include "storage/procarray.h"
}

// Orders item pointers by block, then offset.
static int compare_tids(const void* a, const void* b) {
    return ItemPointerCompare((ItemPointer)a, (ItemPointer)b);
}

// Removes the given full vectors (sorted) from their vector pages. Line
// pointers stay in place (unused), so other entries' locators stay valid.
static void delete_vectors(Relation index, ItemPointerData* vectors, int n, BlockNumber* first_freed) {
    VecdbOverflowRef* chains = (VecdbOverflowRef*)palloc(sizeof(VecdbOverflowRef) * n);
    int nchains = 0;
    qsort(vectors, n, sizeof(ItemPointerData), compare_tids);
    for (int i = 0; i < n;) {
        BlockNumber blkno = ItemPointerGetBlockNumber(&vectors[i]);
        Buffer buffer = ReadBuffer(index, blkno);
        LockBuffer(buffer, BUFFER_LOCK_EXCLUSIVE);
        vecdb_page_check(index, BufferGetPage(buffer), blkno, IVF_PAGE_VECTOR);
        GenericXLogState* state = GenericXLogStart(index);
        Page page = vecdb_register_buffer(state, buffer, 0);
        // highest offsets first: deleting the last line pointer shrinks the array
        int end = i;
        while (end < n && ItemPointerGetBlockNumber(&vectors[end]) == blkno) end++;
        for (int j = end - 1; j >= i; j--) {
            OffsetNumber off = ItemPointerGetOffsetNumber(&vectors[j]);
            if (off > PageGetMaxOffsetNumber(page) || !ItemIdIsNormal(PageGetItemId(page, off))) continue;
            ItemId item_id = PageGetItemId(page, off);
            IvfFullEntry* entry = (IvfFullEntry*)PageGetItem(page, item_id);
            if (ivf_full_entry_problem(entry, ItemIdGetLength(item_id)) == NULL && (entry->flags & IVF_ENTRY_EXTERNAL))
                chains[nchains++] = *IvfFullEntryOverflowRef(entry);
            PageIndexTupleDeleteNoCompact(page, off);
        }
        GenericXLogFinish(state);
        UnlockReleaseBuffer(buffer);
        if (*first_freed == InvalidBlockNumber || blkno < *first_freed) *first_freed = blkno;
        i = end;
    }
    // after the entries are gone (WAL-logged), so no scan can reach a freed chain
    for (int c = 0; c < nchains; c++) vecdb_overflow_free(index, &chains[c]);
    pfree(chains);
}

// Frees the full vectors on vector pages whose heap row is dead but which
// no list entry pointed at: an insert stores its vector before its entry,
// and one that failed in between (an error, a cancel, a crash) left the
// vector behind. Runs after every list was vacuumed: the entries of dead
// rows are gone, and their vectors with them, so a dead row's vector still
// here has no entry; a vector of an insert still in progress belongs to a
// row that is not dead.
static void delete_orphan_vectors(Relation index, IndexBulkDeleteCallback callback, void* callback_state,
                                  BlockNumber* first_freed) {
    ItemPointerData* vectors = (ItemPointerData*)palloc(sizeof(ItemPointerData) * MaxOffsetNumber);
    BlockNumber nblocks = RelationGetNumberOfBlocks(index);
    for (BlockNumber blkno = VECDB_METAPAGE_BLKNO + 1; blkno < nblocks; blkno++) {
        vacuum_delay_point();
        Buffer buffer = ReadBuffer(index, blkno);
        LockBuffer(buffer, BUFFER_LOCK_SHARE);
        Page page = BufferGetPage(buffer);
        int n = 0;
        if (vecdb_page_is_vecdb(page) && VecdbPageGetOpaque(page)->kind == IVF_PAGE_VECTOR) {
            OffsetNumber max = PageGetMaxOffsetNumber(page);
            for (OffsetNumber off = FirstOffsetNumber; off <= max; off = OffsetNumberNext(off)) {
                ItemId item_id = PageGetItemId(page, off);
                if (!ItemIdIsNormal(item_id) || ItemIdGetLength(item_id) < sizeof(ItemPointerData)) continue;
                if (callback(&((IvfFullEntry*)PageGetItem(page, item_id))->heap_tid, callback_state)) {
                    ItemPointerSet(&vectors[n], blkno, off);
                    n++;
                }
            }
        }
        UnlockReleaseBuffer(buffer);
        // only VACUUM frees vector items, so these are still the same ones
        if (n > 0) delete_vectors(index, vectors, n, first_freed);
    }
    pfree(vectors);
}

// Whether a posting page holds no entry.
static bool page_is_empty(Page page) {
    OffsetNumber max = PageGetMaxOffsetNumber(page);
    for (OffsetNumber off = FirstOffsetNumber; off <= max; off = OffsetNumberNext(off))
        if (ItemIdIsUsed(PageGetItemId(page, off))) return false;
    return true;
}

// Takes the empty posting page `blkno` off its list's chain, after its
// predecessor `prev` (the head is never unlinked: the slot would have to
// move): first the list's insert hint moves off it, then, with both pages
// locked in chain order and the page still empty, prev links past it and
// it becomes IVF_PAGE_UNLINKED, in one WAL record. Inserts never add to an
// unlinked page, so nothing points a new entry at it. False when it was
// not unlinked (it took an entry meanwhile).
static bool unlink_page(Relation index, const IvfMetaData* meta, uint32 list, BlockNumber prev, BlockNumber blkno) {
    IvfListSlot slot = ivf_read_slot(index, meta, list);
    if (slot.insert_page == blkno) ivf_set_insert_page(index, meta, list, blkno, prev);
    if (ivf_read_slot(index, meta, list).insert_page == blkno) return false;
    Buffer prev_buffer = ReadBuffer(index, prev);
    LockBuffer(prev_buffer, BUFFER_LOCK_EXCLUSIVE);
    vecdb_page_check(index, BufferGetPage(prev_buffer), prev, VECDB_PAGE_DATA);
    if (VecdbPageGetOpaque(BufferGetPage(prev_buffer))->next != blkno) {
        UnlockReleaseBuffer(prev_buffer);
        return false;
    }
    Buffer buffer = ReadBuffer(index, blkno);
    LockBuffer(buffer, BUFFER_LOCK_EXCLUSIVE);
    vecdb_page_check(index, BufferGetPage(buffer), blkno, VECDB_PAGE_DATA);
    bool unlinked = page_is_empty(BufferGetPage(buffer));
    if (unlinked) {
        GenericXLogState* state = GenericXLogStart(index);
        Page prev_page = vecdb_register_buffer(state, prev_buffer, 0);
        Page page = vecdb_register_buffer(state, buffer, 0);
        VecdbPageGetOpaque(prev_page)->next = VecdbPageGetOpaque(page)->next;
        VecdbPageGetOpaque(page)->kind = IVF_PAGE_UNLINKED;
        VecdbPageGetOpaque(page)->xid = ReadNextTransactionId();
        GenericXLogFinish(state);
    }
    UnlockReleaseBuffer(buffer);
    UnlockReleaseBuffer(prev_buffer);
    return unlinked;
}

// Frees the unlinked pages no running transaction can still be walking
// through: unlinked before the oldest transaction began (the most
// conservative horizon, every database's).
static void free_unlinked_pages(Relation index, IndexBulkDeleteResult* stats) {
    TransactionId horizon = GetOldestNonRemovableTransactionId(NULL);
    BlockNumber nblocks = RelationGetNumberOfBlocks(index);
    for (BlockNumber blkno = VECDB_METAPAGE_BLKNO + 1; blkno < nblocks; blkno++) {
        vacuum_delay_point();
        Buffer buffer = ReadBuffer(index, blkno);
        LockBuffer(buffer, BUFFER_LOCK_SHARE);
        Page page = BufferGetPage(buffer);
        bool old = vecdb_page_is_vecdb(page) && VecdbPageGetOpaque(page)->kind == IVF_PAGE_UNLINKED &&
                   TransactionIdPrecedes(VecdbPageGetOpaque(page)->xid, horizon);
        UnlockReleaseBuffer(buffer);
        if (old) {
            vecdb_free_page(index, blkno);
            stats->pages_newly_deleted++;
        }
    }
}

// Removes the dead entries of one posting page; returns its successor.
// *has_room tells whether the page can now take another entry; the full
// vectors of removed sq8 entries are appended to vectors.
static BlockNumber vacuum_page(Relation index, BlockNumber blkno, bool sq8, IndexBulkDeleteResult* stats,
                               IndexBulkDeleteCallback callback, void* callback_state, bool* has_room,
                               ItemPointerData* vectors, int* nvectors, VecdbOverflowRef* chains, int* nchains,
                               bool* empty) {
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
            if (sq8) {
                vectors[(*nvectors)++] = ((IvfCodeEntry*)PageGetItem(page, item_id))->vector;
            } else {
                IvfFullEntry* entry = (IvfFullEntry*)PageGetItem(page, item_id);
                if (ivf_full_entry_problem(entry, ItemIdGetLength(item_id)) == NULL &&
                    (entry->flags & IVF_ENTRY_EXTERNAL))
                    chains[(*nchains)++] = *IvfFullEntryOverflowRef(entry);
            }
        } else {
            stats->num_index_tuples += 1;
        }
    }
    if (ndead > 0) {
        GenericXLogState* state = GenericXLogStart(index);
        page = vecdb_register_buffer(state, buffer, 0);
        PageIndexMultiDelete(page, dead, ndead);
        GenericXLogFinish(state);
        stats->tuples_removed += ndead;
    }
    *has_room = ndead > 0 && PageGetFreeSpace(page) >= MAXALIGN(entry_size);
    *empty = page_is_empty(page);
    BlockNumber next = VecdbPageGetOpaque(page)->next;
    UnlockReleaseBuffer(buffer);
    return next;
}

IndexBulkDeleteResult* ivf_bulk_delete(IndexVacuumInfo* info, IndexBulkDeleteResult* stats,
                                       IndexBulkDeleteCallback callback, void* callback_state) {
    Relation index = info->index;
    stats = vecdb_bulk_delete_start(stats);
    IvfMetaData meta = ivf_read_meta(index);
    bool sq8 = ivf_lists_hold_codes(&meta);  // sq8 or pq: code entries pointing at vector pages
    ItemPointerData* vectors = (ItemPointerData*)palloc(sizeof(ItemPointerData) * MaxOffsetNumber);
    VecdbOverflowRef* chains = (VecdbOverflowRef*)palloc(sizeof(VecdbOverflowRef) * MaxOffsetNumber);
    BlockNumber first_vector_freed = InvalidBlockNumber;
    uint32 slots = ivf_slot_count(&meta);
    for (uint32 list = 0; list < slots; list++) {
        IvfListSlot slot = ivf_read_slot(index, &meta, list);
        BlockNumber roomy = InvalidBlockNumber, prev = InvalidBlockNumber;
        for (BlockNumber blkno = slot.head; blkno != InvalidBlockNumber;) {
            vacuum_delay_point();
            bool has_room = false, empty = false;
            int nvectors = 0, nchains = 0;
            BlockNumber next = vacuum_page(index, blkno, sq8, stats, callback, callback_state, &has_room, vectors,
                                           &nvectors, chains, &nchains, &empty);
            if (nvectors > 0) delete_vectors(index, vectors, nvectors, &first_vector_freed);
            for (int c = 0; c < nchains; c++) vecdb_overflow_free(index, &chains[c]);
            if (empty && prev != InvalidBlockNumber && unlink_page(index, &meta, list, prev, blkno)) {
                stats->pages_deleted++;  // prev stays: it links past this page now
            } else {
                if (has_room && roomy == InvalidBlockNumber) roomy = blkno;
                prev = blkno;
            }
            blkno = next;
        }
        slot = ivf_read_slot(index, &meta, list);
        if (roomy != InvalidBlockNumber && roomy != slot.insert_page)
            ivf_set_insert_page(index, &meta, list, slot.insert_page, roomy);
    }
    pfree(vectors);
    pfree(chains);
    if (sq8) delete_orphan_vectors(index, callback, callback_state, &first_vector_freed);
    if (first_vector_freed != InvalidBlockNumber && first_vector_freed != ivf_read_meta(index).vector_insert_page)
        ivf_set_vector_insert_page(index, first_vector_freed);
    return stats;
}

// The overflow sweep's walk: one pass over every block keeps the chain of
// each out-of-line full value (posting pages of an index whose lists hold
// full entries, and vector pages), and counts the posting entries into arg
// (an IndexBulkDeleteResult) unless it is NULL.
static void survey_entries(Relation index, VecdbOverflowSweep* sweep, void* arg) {
    IndexBulkDeleteResult* stats = (IndexBulkDeleteResult*)arg;
    IvfMetaData meta = ivf_read_meta(index);
    bool lists_hold_full = meta.lists == 0 || meta.quantizer == IVF_QUANTIZER_NONE;
    BlockNumber nblocks = RelationGetNumberOfBlocks(index);
    for (BlockNumber blkno = VECDB_METAPAGE_BLKNO + 1; blkno < nblocks; blkno++) {
        vacuum_delay_point();
        Buffer buffer = ReadBuffer(index, blkno);
        LockBuffer(buffer, BUFFER_LOCK_SHARE);
        Page page = BufferGetPage(buffer);
        uint16 kind = vecdb_page_is_vecdb(page) ? VecdbPageGetOpaque(page)->kind : 0;
        bool full = kind == IVF_PAGE_VECTOR || (kind == VECDB_PAGE_DATA && lists_hold_full);
        OffsetNumber max = kind == VECDB_PAGE_DATA || kind == IVF_PAGE_VECTOR ? PageGetMaxOffsetNumber(page) : 0;
        for (OffsetNumber off = FirstOffsetNumber; off <= max; off = OffsetNumberNext(off)) {
            ItemId item_id = PageGetItemId(page, off);
            if (!ItemIdIsNormal(item_id)) continue;
            if (kind == VECDB_PAGE_DATA && stats) stats->num_index_tuples += 1;
            IvfFullEntry* entry = (IvfFullEntry*)PageGetItem(page, item_id);
            if (full && ivf_full_entry_problem(entry, ItemIdGetLength(item_id)) == NULL &&
                (entry->flags & IVF_ENTRY_EXTERNAL))
                vecdb_overflow_keep(sweep, IvfFullEntryOverflowRef(entry));
        }
        UnlockReleaseBuffer(buffer);
    }
}

// amvacuumcleanup: counts or sweeps through survey_entries (am/common/vacuum.h),
// then frees the pages unlinked by earlier VACUUMs that nobody can reach.
IndexBulkDeleteResult* ivf_vacuum_cleanup(IndexVacuumInfo* info, IndexBulkDeleteResult* stats) {
    if (info->analyze_only) return stats;
    // first: the common cleanup vacuums the free space map, which makes the
    // freed pages findable for inserts
    IndexBulkDeleteResult freed;
    memset(&freed, 0, sizeof freed);
    free_unlinked_pages(info->index, &freed);
    stats = vecdb_vacuum_cleanup(info, stats, survey_entries);
    stats->pages_newly_deleted += freed.pages_newly_deleted;
    return stats;
}
