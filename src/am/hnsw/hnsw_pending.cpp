// The hnsw pending list: rows an INSERT appends instead of changing the
// graph (design and state in hnsw_pending.h; branch work, not on main).
#include "am/hnsw/hnsw_pending.h"
#include "am/hnsw/hnsw_keys.h"

#include <algorithm>
#include <cmath>

extern "C" {
#include "commands/vacuum.h"
#include "storage/lmgr.h"
#include "access/xlog.h"
#include "commands/defrem.h"
#include "utils/acl.h"
}

int hnsw_pending_list_limit_kb = 4096;

Size hnsw_pending_entry_size(Size key_bytes, const struct varlena* value) {
    Size size = HNSW_PENDING_HEADER + MAXALIGN(key_bytes) + VARSIZE_ANY(value);
    return size <= HNSW_MAX_ITEM_SIZE ? size : 0;
}

// Whether the metapage names a pending list.
static bool has_list(const HnswMetaData* meta) {
    return meta->pending_head != VECDB_METAPAGE_BLKNO && meta->pending_head != InvalidBlockNumber;
}

// Fills a pending entry (item zeroed, hnsw_pending_entry_size bytes).
static void form_entry(char* item, ItemPointer heap_tid, const struct varlena* value, const char* keys,
                       Size key_bytes) {
    HnswPendingEntryData* entry = (HnswPendingEntryData*)item;
    entry->heap_tid = *heap_tid;
    entry->state = HNSW_PENDING_WAITING;
    ItemPointerSetInvalid(&entry->element);
    if (key_bytes > 0) memcpy(item + HNSW_PENDING_HEADER, keys, key_bytes);
    memcpy(item + HNSW_PENDING_HEADER + MAXALIGN(key_bytes), value, VARSIZE_ANY(value));
}

// The metapage of a registered buffer, with pd_lower past the pending
// fields: a metapage written before they existed ends its contents at the
// old body, and GenericXLogFinish zeroes the page hole after pd_lower.
static HnswMetaData* writable_meta(Page meta_page) {
    HnswMetaData* meta = (HnswMetaData*)VecdbMetaBody(meta_page);
    LocationIndex end = (LocationIndex)((char*)(meta + 1) - (char*)meta_page);
    if (((PageHeader)meta_page)->pd_lower < end) ((PageHeader)meta_page)->pd_lower = end;
    return meta;
}

// Adds the item to a page registered for WAL.
static void add_entry(Relation index, Page page, const char* item, Size size) {
    if (PageAddItem(page, (Item)item, size, InvalidOffsetNumber, false, false) == InvalidOffsetNumber)
        elog(ERROR, "vecdb: failed to add a pending entry to index \"%s\"", RelationGetRelationName(index));
}

bool hnsw_pending_append(Relation index, ItemPointer heap_tid, const struct varlena* value, const char* keys,
                         Size key_bytes) {
    Size size = hnsw_pending_entry_size(key_bytes, value);
    if (size == 0) return false;
    // a value whose element would need an overflow chain goes to the graph
    // at once: a merge never writes overflow pages
    int m, ef_construction;
    hnsw_get_options(index, &m, &ef_construction);
    bool external = false;
    if (hnsw_get_quantizer(index) == HNSW_QUANTIZER_NONE)
        hnsw_element_size(m, hnsw_element_level(heap_tid, m), VARSIZE_ANY(value), key_bytes, &external);
    if (external) return false;
    char* item = (char*)palloc0(size);
    form_entry(item, heap_tid, value, keys, key_bytes);

    // metapage first, then the tail, then a fresh page: the order every
    // pending-list writer takes them in
    Buffer meta_buffer = ReadBuffer(index, VECDB_METAPAGE_BLKNO);
    LockBuffer(meta_buffer, BUFFER_LOCK_EXCLUSIVE);
    const HnswMetaData* current = (const HnswMetaData*)VecdbMetaBody(BufferGetPage(meta_buffer));
    Buffer tail_buffer = InvalidBuffer;
    if (has_list(current)) {
        tail_buffer = ReadBuffer(index, current->pending_tail);
        LockBuffer(tail_buffer, BUFFER_LOCK_EXCLUSIVE);
        vecdb_page_check(index, BufferGetPage(tail_buffer), current->pending_tail, HNSW_PAGE_PENDING);
        if (PageGetFreeSpace(BufferGetPage(tail_buffer)) >= MAXALIGN(size)) {
            GenericXLogState* state = GenericXLogStart(index);
            HnswMetaData* meta = writable_meta(vecdb_register_buffer(state, meta_buffer, 0));
            add_entry(index, vecdb_register_buffer(state, tail_buffer, 0), item, size);
            meta->pending_entries++;
            GenericXLogFinish(state);
            UnlockReleaseBuffer(tail_buffer);
            UnlockReleaseBuffer(meta_buffer);
            pfree(item);
            return true;
        }
    }
    // a new tail: the next page of a rewound chain, or a new page linked from the old tail
    BlockNumber reuse = BufferIsValid(tail_buffer) ? VecdbPageGetOpaque(BufferGetPage(tail_buffer))->next
                                                   : InvalidBlockNumber;
    Buffer fresh;
    if (reuse != InvalidBlockNumber) {
        fresh = ReadBuffer(index, reuse);
        LockBuffer(fresh, BUFFER_LOCK_EXCLUSIVE);
        vecdb_page_check(index, BufferGetPage(fresh), reuse, HNSW_PAGE_PENDING);
    } else {
        fresh = vecdb_allocate_page(index);
    }
    BlockNumber fresh_blkno = BufferGetBlockNumber(fresh);
    BlockNumber fresh_next = reuse != InvalidBlockNumber ? VecdbPageGetOpaque(BufferGetPage(fresh))->next
                                                         : InvalidBlockNumber;
    GenericXLogState* state = GenericXLogStart(index);
    HnswMetaData* meta = writable_meta(vecdb_register_buffer(state, meta_buffer, 0));
    Page page = GenericXLogRegisterBuffer(state, fresh, GENERIC_XLOG_FULL_IMAGE);
    vecdb_page_init(page, HNSW_PAGE_PENDING);
    // a reused page keeps its place in the chain
    VecdbPageGetOpaque(page)->next = fresh_next;
    add_entry(index, page, item, size);
    if (BufferIsValid(tail_buffer)) {
        if (reuse == InvalidBlockNumber)
            VecdbPageGetOpaque(vecdb_register_buffer(state, tail_buffer, 0))->next = fresh_blkno;
        meta->pending_pages++;
    } else {
        meta->pending_head = fresh_blkno;
        meta->pending_pages = 1;
        meta->pending_entries = 0;
    }
    meta->pending_tail = fresh_blkno;
    meta->pending_entries++;
    GenericXLogFinish(state);
    UnlockReleaseBuffer(fresh);
    if (BufferIsValid(tail_buffer)) UnlockReleaseBuffer(tail_buffer);
    UnlockReleaseBuffer(meta_buffer);
    pfree(item);
    return true;
}

// Grows the collected arrays to hold one more row.
static void reserve_row(HnswPendingRows* out, uint32* capacity) {
    if (out->n < *capacity) return;
    *capacity = Max(*capacity * 2, 64);
    out->rows = out->rows ? (vecdb::core::hnsw::Scored*)repalloc(out->rows, sizeof(*out->rows) * *capacity)
                          : (vecdb::core::hnsw::Scored*)palloc(sizeof(*out->rows) * *capacity);
    out->tids_by_row = out->tids_by_row
                           ? (ItemPointerData*)repalloc(out->tids_by_row, sizeof(ItemPointerData) * *capacity)
                           : (ItemPointerData*)palloc(sizeof(ItemPointerData) * *capacity);
}

void hnsw_pending_collect(Relation index, const HnswMetaData* meta, const VecdbMetric* metric,
                          const struct varlena* query, const HnswKeyFilter* filter, HnswPendingRows* out) {
    memset(out, 0, sizeof *out);
    if (!has_list(meta)) return;
    Size key_bytes = hnsw_index_key_bytes(index);
    uint32 capacity = 0;
    BlockNumber nblocks = RelationGetNumberOfBlocks(index);
    BlockNumber blkno = meta->pending_head;
    // the tail as the scan began: pages past it hold only rows appended later,
    // which its snapshot cannot see (hnsw_pending.h, "Rewind")
    for (BlockNumber walked = 0; blkno != InvalidBlockNumber; walked++) {
        CHECK_FOR_INTERRUPTS();
        if (blkno >= nblocks || walked >= nblocks)
            ereport(ERROR, (errcode(ERRCODE_INDEX_CORRUPTED),
                            errmsg("index \"%s\" has a broken pending list at block %u", RelationGetRelationName(index),
                                   blkno),
                            errhint("Please REINDEX it.")));
        Buffer buffer = ReadBuffer(index, blkno);
        LockBuffer(buffer, BUFFER_LOCK_SHARE);
        Page page = BufferGetPage(buffer);
        vecdb_page_check(index, page, blkno, HNSW_PAGE_PENDING);
        OffsetNumber max = PageGetMaxOffsetNumber(page);
        for (OffsetNumber off = FirstOffsetNumber; off <= max; off++) {
            ItemId item_id = PageGetItemId(page, off);
            if (!ItemIdIsNormal(item_id)) continue;
            const char* item = (const char*)PageGetItem(page, item_id);
            const HnswPendingEntryData* entry = (const HnswPendingEntryData*)item;
            if (entry->state != HNSW_PENDING_WAITING && entry->state != HNSW_PENDING_PLACED) continue;
            if (filter && !hnsw_keys_match(filter, item + HNSW_PENDING_HEADER)) continue;
            const struct varlena* value = (const struct varlena*)(item + HNSW_PENDING_HEADER + MAXALIGN(key_bytes));
            double key = vecdb_metric_key(metric, query, value);
            reserve_row(out, &capacity);
            out->rows[out->n].dist = std::isnan(key) ? INFINITY : (float)key;
            out->rows[out->n].id = out->n;
            out->tids_by_row[out->n] = entry->heap_tid;
            out->n++;
        }
        BlockNumber next = VecdbPageGetOpaque(page)->next;
        UnlockReleaseBuffer(buffer);
        if (blkno == meta->pending_tail) break;
        blkno = next;
    }
    std::sort(out->rows, out->rows + out->n,
              [](const vecdb::core::hnsw::Scored& a, const vecdb::core::hnsw::Scored& b) { return a.dist < b.dist; });
    out->tids = (ItemPointerData*)palloc(sizeof(ItemPointerData) * Max(out->n, 1));
    if (out->n > 0) memcpy(out->tids, out->tids_by_row, sizeof(ItemPointerData) * out->n);
    std::sort(out->tids, out->tids + out->n, [](const ItemPointerData& a, const ItemPointerData& b) {
        return ItemPointerCompare((ItemPointer)&a, (ItemPointer)&b) < 0;
    });
}

bool hnsw_pending_has(const HnswPendingRows* rows, ItemPointer heap_tid) {
    uint32 lo = 0, hi = rows->n;
    while (lo < hi) {
        uint32 mid = (lo + hi) / 2;
        int c = ItemPointerCompare(&rows->tids[mid], heap_tid);
        if (c == 0) return true;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

bool hnsw_pending_next(HnswPendingRows* rows, float graph_dist, bool graph_done, ItemPointer heap_tid, float* dist) {
    if (rows->next >= rows->n) return false;
    const vecdb::core::hnsw::Scored* row = &rows->rows[rows->next];
    if (!graph_done && row->dist > graph_dist) return false;
    *heap_tid = rows->tids_by_row[row->id];
    *dist = row->dist;
    rows->next++;
    return true;
}

// The entry at an offset of a locked pending page.
static HnswPendingEntryData* entry_at(Relation index, Page page, BlockNumber blkno, OffsetNumber off) {
    if (off < FirstOffsetNumber || off > PageGetMaxOffsetNumber(page) ||
        !ItemIdIsNormal(PageGetItemId(page, off)) ||
        ItemIdGetLength(PageGetItemId(page, off)) < HNSW_PENDING_HEADER)
        ereport(ERROR, (errcode(ERRCODE_INDEX_CORRUPTED),
                        errmsg("index \"%s\" has an invalid pending entry (%u,%u)", RelationGetRelationName(index),
                               blkno, off),
                        errhint("Please REINDEX it.")));
    return (HnswPendingEntryData*)PageGetItem(page, PageGetItemId(page, off));
}

void hnsw_pending_mark_placed(Relation index, GenericXLogState* state, const HnswPlaceCompanion* companion,
                              ItemPointer element) {
    LockBuffer(companion->buffer, BUFFER_LOCK_EXCLUSIVE);
    BlockNumber blkno = BufferGetBlockNumber(companion->buffer);
    vecdb_page_check(index, BufferGetPage(companion->buffer), blkno, HNSW_PAGE_PENDING);
    // the merge lock keeps VACUUM's marking out: the entry is still waiting
    if (entry_at(index, BufferGetPage(companion->buffer), blkno, companion->offset)->state != HNSW_PENDING_WAITING)
        elog(ERROR, "vecdb: pending entry (%u,%u) of index \"%s\" changed during its merge", blkno, companion->offset,
             RelationGetRelationName(index));
    Page page = vecdb_register_buffer(state, companion->buffer, 0);
    HnswPendingEntryData* entry = entry_at(index, page, blkno, companion->offset);
    entry->state = HNSW_PENDING_PLACED;
    entry->element = *element;
}

// Sets the state of one entry (one WAL record).
static void set_state(Relation index, BlockNumber blkno, OffsetNumber off, uint8 state_value) {
    Buffer buffer = ReadBuffer(index, blkno);
    LockBuffer(buffer, BUFFER_LOCK_EXCLUSIVE);
    vecdb_page_check(index, BufferGetPage(buffer), blkno, HNSW_PAGE_PENDING);
    GenericXLogState* state = GenericXLogStart(index);
    Page page = vecdb_register_buffer(state, buffer, 0);
    entry_at(index, page, blkno, off)->state = state_value;
    GenericXLogFinish(state);
    UnlockReleaseBuffer(buffer);
}

// One entry a merge copied from its page.
typedef struct MergeItem {
    OffsetNumber offset;
    uint8 state;
    ItemPointerData heap_tid, element;
    char* keys;  // NULL without key columns
    struct varlena* value;
} MergeItem;

// Copies the waiting and placed entries of a pending page; returns how
// many, and the page's next block in *next.
static int copy_page_entries(Relation index, BlockNumber blkno, Size key_bytes, MergeItem** out, BlockNumber* next) {
    Buffer buffer = ReadBuffer(index, blkno);
    LockBuffer(buffer, BUFFER_LOCK_SHARE);
    Page page = BufferGetPage(buffer);
    vecdb_page_check(index, page, blkno, HNSW_PAGE_PENDING);
    OffsetNumber max = PageGetMaxOffsetNumber(page);
    MergeItem* items = (MergeItem*)palloc(sizeof(MergeItem) * Max(max, 1));
    int n = 0;
    for (OffsetNumber off = FirstOffsetNumber; off <= max; off++) {
        if (!ItemIdIsNormal(PageGetItemId(page, off))) continue;
        const char* item = (const char*)entry_at(index, page, blkno, off);
        const HnswPendingEntryData* entry = (const HnswPendingEntryData*)item;
        if (entry->state != HNSW_PENDING_WAITING && entry->state != HNSW_PENDING_PLACED) continue;
        MergeItem* m = &items[n++];
        m->offset = off;
        m->state = entry->state;
        m->heap_tid = entry->heap_tid;
        m->element = entry->element;
        m->keys = key_bytes > 0 ? (char*)palloc(key_bytes) : NULL;
        if (key_bytes > 0) memcpy(m->keys, item + HNSW_PENDING_HEADER, key_bytes);
        const struct varlena* value = (const struct varlena*)(item + HNSW_PENDING_HEADER + MAXALIGN(key_bytes));
        m->value = (struct varlena*)palloc(VARSIZE_ANY(value));
        memcpy(m->value, value, VARSIZE_ANY(value));
    }
    *next = VecdbPageGetOpaque(page)->next;
    UnlockReleaseBuffer(buffer);
    *out = items;
    return n;
}

// Whether every entry from the head to the tail is merged or dead (with
// the metapage locked, so no append runs meanwhile).
static bool all_done(Relation index, const HnswMetaData* meta) {
    BlockNumber nblocks = RelationGetNumberOfBlocks(index);
    BlockNumber blkno = meta->pending_head;
    for (BlockNumber walked = 0; blkno != InvalidBlockNumber && walked < nblocks; walked++) {
        Buffer buffer = ReadBuffer(index, blkno);
        LockBuffer(buffer, BUFFER_LOCK_SHARE);
        Page page = BufferGetPage(buffer);
        vecdb_page_check(index, page, blkno, HNSW_PAGE_PENDING);
        OffsetNumber max = PageGetMaxOffsetNumber(page);
        bool done = true;
        for (OffsetNumber off = FirstOffsetNumber; off <= max && done; off++) {
            if (!ItemIdIsNormal(PageGetItemId(page, off))) continue;
            uint8 state = entry_at(index, page, blkno, off)->state;
            done = state == HNSW_PENDING_MERGED || state == HNSW_PENDING_DEAD;
        }
        BlockNumber next = VecdbPageGetOpaque(page)->next;
        UnlockReleaseBuffer(buffer);
        if (!done) return false;
        if (blkno == meta->pending_tail) break;
        blkno = next;
    }
    return true;
}

// Rewinds the list to its head page, emptied, when nothing in it waits any
// more (hnsw_pending.h, "Rewind"): its pages are kept for later appends.
static void rewind_if_done(Relation index) {
    Buffer meta_buffer = ReadBuffer(index, VECDB_METAPAGE_BLKNO);
    LockBuffer(meta_buffer, BUFFER_LOCK_EXCLUSIVE);
    const HnswMetaData* current = (const HnswMetaData*)VecdbMetaBody(BufferGetPage(meta_buffer));
    if (!has_list(current) || !all_done(index, current)) {
        UnlockReleaseBuffer(meta_buffer);
        return;
    }
    BlockNumber head = current->pending_head;
    Buffer buffer = ReadBuffer(index, head);
    LockBuffer(buffer, BUFFER_LOCK_EXCLUSIVE);
    GenericXLogState* state = GenericXLogStart(index);
    HnswMetaData* meta = writable_meta(vecdb_register_buffer(state, meta_buffer, 0));
    Page page = GenericXLogRegisterBuffer(state, buffer, GENERIC_XLOG_FULL_IMAGE);
    BlockNumber next = VecdbPageGetOpaque(page)->next;
    vecdb_page_init(page, HNSW_PAGE_PENDING);
    VecdbPageGetOpaque(page)->next = next;
    meta->pending_tail = head;
    meta->pending_pages = 1;
    meta->pending_entries = 0;
    GenericXLogFinish(state);
    UnlockReleaseBuffer(buffer);
    UnlockReleaseBuffer(meta_buffer);
}

int64 hnsw_pending_merge(Relation index, bool wait) {
    if (wait)
        LockPage(index, VECDB_METAPAGE_BLKNO, ExclusiveLock);
    else if (!ConditionalLockPage(index, VECDB_METAPAGE_BLKNO, ExclusiveLock))
        return 0;  // another backend is merging
    HnswMetaData meta = hnsw_read_meta(index);
    int64 merged = 0;
    if (has_list(&meta)) {
        VecdbMetric metric;
        vecdb_metric_init(&metric, index);
        Size key_bytes = hnsw_index_key_bytes(index);
        MemoryContext work = AllocSetContextCreate(CurrentMemoryContext, "hnsw merge", ALLOCSET_DEFAULT_SIZES);
        // (a sibling, not a child: resetting work per page must not delete it)
        MemoryContext row = AllocSetContextCreate(CurrentMemoryContext, "hnsw merge row", ALLOCSET_DEFAULT_SIZES);
        BlockNumber nblocks = RelationGetNumberOfBlocks(index);
        BlockNumber blkno = meta.pending_head;
        // up to the tail as the merge began: rows appended meanwhile wait for the next one
        for (BlockNumber walked = 0; blkno != InvalidBlockNumber && walked < nblocks; walked++) {
            MemoryContext old = MemoryContextSwitchTo(work);
            MergeItem* items;
            BlockNumber next;
            int n = copy_page_entries(index, blkno, key_bytes, &items, &next);
            MemoryContextSwitchTo(old);
            Buffer buffer = ReadBuffer(index, blkno);  // pinned for the companion
            for (int i = 0; i < n; i++) {
                CHECK_FOR_INTERRUPTS();
                if (items[i].state == HNSW_PENDING_WAITING) {
                    HnswPlaceCompanion companion = {buffer, items[i].offset};
                    hnsw_insert_value(index, &metric, &items[i].heap_tid, items[i].value, items[i].keys, row,
                                      &companion);
                } else {
                    // placed by a merge a crash cut short: its back links may be missing
                    hnsw_relink_element(index, &metric, &items[i].element, row);
                }
                set_state(index, blkno, items[i].offset, HNSW_PENDING_MERGED);
                MemoryContextReset(row);
                merged++;
            }
            ReleaseBuffer(buffer);
            MemoryContextReset(work);
            if (blkno == meta.pending_tail) break;
            blkno = next;
        }
        MemoryContextDelete(row);
        MemoryContextDelete(work);
        rewind_if_done(index);
    }
    UnlockPage(index, VECDB_METAPAGE_BLKNO, ExclusiveLock);
    return merged;
}

void hnsw_pending_maybe_merge(Relation index) {
    HnswMetaData meta = hnsw_read_meta(index);
    if (!has_list(&meta) || (Size)meta.pending_pages * BLCKSZ <= hnsw_pending_limit_bytes(index)) return;
    hnsw_pending_merge(index, false);
}

int64 hnsw_pending_bulk_delete(Relation index, IndexBulkDeleteCallback callback, void* callback_state) {
    LockPage(index, VECDB_METAPAGE_BLKNO, ExclusiveLock);
    HnswMetaData meta = hnsw_read_meta(index);
    int64 dead = 0;
    BlockNumber nblocks = RelationGetNumberOfBlocks(index);
    BlockNumber blkno = has_list(&meta) ? meta.pending_head : InvalidBlockNumber;
    for (BlockNumber walked = 0; blkno != InvalidBlockNumber && walked < nblocks; walked++) {
        vacuum_delay_point();
        Buffer buffer = ReadBuffer(index, blkno);
        LockBuffer(buffer, BUFFER_LOCK_EXCLUSIVE);
        vecdb_page_check(index, BufferGetPage(buffer), blkno, HNSW_PAGE_PENDING);
        GenericXLogState* state = GenericXLogStart(index);
        Page page = vecdb_register_buffer(state, buffer, 0);
        int marked = 0;
        OffsetNumber max = PageGetMaxOffsetNumber(page);
        for (OffsetNumber off = FirstOffsetNumber; off <= max; off++) {
            if (!ItemIdIsNormal(PageGetItemId(page, off))) continue;
            HnswPendingEntryData* entry = entry_at(index, page, blkno, off);
            // (a placed or merged row's element is the graph pass's)
            if (entry->state != HNSW_PENDING_WAITING) continue;
            if (callback(&entry->heap_tid, callback_state)) {
                entry->state = HNSW_PENDING_DEAD;
                marked++;
            }
        }
        BlockNumber next = VecdbPageGetOpaque(page)->next;
        if (marked > 0)
            GenericXLogFinish(state);
        else
            GenericXLogAbort(state);
        UnlockReleaseBuffer(buffer);
        dead += marked;
        if (blkno == meta.pending_tail) break;
        blkno = next;
    }
    UnlockPage(index, VECDB_METAPAGE_BLKNO, ExclusiveLock);
    return dead;
}

void hnsw_pending_count(Relation index, Page page, BlockNumber blkno, uint64* waiting,
                        void (*each)(void* arg, BlockNumber blkno, OffsetNumber off, ItemPointer heap_tid), void* arg) {
    OffsetNumber max = PageGetMaxOffsetNumber(page);
    for (OffsetNumber off = FirstOffsetNumber; off <= max; off++) {
        ItemId item_id = PageGetItemId(page, off);
        if (!ItemIdIsNormal(item_id) || ItemIdGetLength(item_id) < HNSW_PENDING_HEADER) continue;
        HnswPendingEntryData* entry = (HnswPendingEntryData*)PageGetItem(page, item_id);
        // placed and merged rows are counted through their elements
        if (entry->state != HNSW_PENDING_WAITING) continue;
        (*waiting)++;
        if (each) each(arg, blkno, off, &entry->heap_tid);
    }
}

// vecdb.hnsw_merge_pending(index): merges an hnsw index's pending list into
// its graph now (like gin_clean_pending_list); returns the rows merged.
VECDB_FUNCTION(vecdb_hnsw_merge_pending) {
    Oid index_oid = PG_GETARG_OID(0);
    if (RecoveryInProgress())
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE), errmsg("recovery is in progress"),
                        errhint("Pending lists cannot be merged during recovery.")));
    Relation index = index_open(index_oid, RowExclusiveLock);
    if (index->rd_rel->relam != get_index_am_oid("hnsw", false))
        ereport(ERROR, (errcode(ERRCODE_WRONG_OBJECT_TYPE),
                        errmsg("\"%s\" is not an hnsw index", RelationGetRelationName(index))));
    if (RELATION_IS_OTHER_TEMP(index))
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("cannot access temporary indexes of other sessions")));
    if (!pg_class_ownercheck(index_oid, GetUserId()))
        aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_INDEX, RelationGetRelationName(index));
    int64 merged = hnsw_pending_merge(index, true);
    index_close(index, RowExclusiveLock);
    PG_RETURN_INT64(merged);
}
