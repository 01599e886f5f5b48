// The hnsw pending list: rows an INSERT appends instead of changing the
// graph (design and state in hnsw_pending.h; branch work, not on main).
#include "am/hnsw/hnsw_pending.h"
#include "am/hnsw/hnsw_keys.h"

#include <algorithm>
#include <cmath>

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
    memcpy(out->tids, out->tids_by_row, sizeof(ItemPointerData) * out->n);
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
