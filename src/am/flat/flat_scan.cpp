// Ordered scans of a flat index. The first amgettuple computes the distance
// key of every entry once (one pass over the data pages, SIMD kernels on the
// page bytes); rows are then handed out nearest first in growing batches.
// A WHERE clause that rejects rows simply asks for more, so filtered
// ORDER BY ... LIMIT k queries return exactly what a sequential scan would.
#include "am/flat/flat.h"
#include "core/topk/batch_select.h"

using vecdb::core::ScoredItem;

#define FLAT_FIRST_BATCH 64

typedef struct FlatScanOpaqueData {
    MemoryContext context;  // everything below lives here; reset on rescan
    VecdbMetric metric;
    bool collected;
    struct varlena* query;  // NULL when the ORDER BY argument is NULL
    ScoredItem* items;      // one per non-NULL entry
    size_t nitems, capacity, next, ordered_end, batch;
    ItemPointerData* null_rows;  // rows whose distance is NULL, returned last
    size_t nnull, null_capacity, next_null;
    char* external_buffer;  // reassembly space for out-of-line values
    Size external_capacity;
} FlatScanOpaqueData;

typedef FlatScanOpaqueData* FlatScanOpaque;

IndexScanDesc flat_begin_scan(Relation index, int nkeys, int norderbys) {
    IndexScanDesc scan = RelationGetIndexScan(index, nkeys, norderbys);
    FlatScanOpaque so = (FlatScanOpaque)palloc0(sizeof(FlatScanOpaqueData));
    so->context = AllocSetContextCreate(CurrentMemoryContext, "flat scan", ALLOCSET_DEFAULT_SIZES);
    vecdb_metric_init(&so->metric, index);
    scan->opaque = so;
    scan->xs_orderbyvals = (Datum*)palloc0(sizeof(Datum) * Max(norderbys, 1));
    scan->xs_orderbynulls = (bool*)palloc(sizeof(bool) * Max(norderbys, 1));
    return scan;
}

void flat_rescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys, int norderbys) {
    FlatScanOpaque so = (FlatScanOpaque)scan->opaque;
    if (keys && scan->numberOfKeys > 0)
        memmove(scan->keyData, keys, scan->numberOfKeys * sizeof(ScanKeyData));
    if (orderbys && scan->numberOfOrderBys > 0)
        memmove(scan->orderByData, orderbys, scan->numberOfOrderBys * sizeof(ScanKeyData));

    MemoryContextReset(so->context);
    so->collected = false;
    so->query = NULL;
    so->items = NULL;
    so->nitems = so->capacity = so->next = so->ordered_end = 0;
    so->batch = FLAT_FIRST_BATCH;
    so->null_rows = NULL;
    so->nnull = so->null_capacity = so->next_null = 0;
    so->external_buffer = NULL;
    so->external_capacity = 0;

    if (scan->numberOfOrderBys > 0 && !(scan->orderByData[0].sk_flags & SK_ISNULL)) {
        MemoryContext old = MemoryContextSwitchTo(so->context);
        so->query = PG_DETOAST_DATUM_COPY(scan->orderByData[0].sk_argument);
        MemoryContextSwitchTo(old);
    }
}

// Remembers a row whose distance is NULL (NULL vector or NULL query).
static void push_null_row(FlatScanOpaque so, ItemPointer tid) {
    if (so->nnull == so->null_capacity) {
        so->null_capacity = Max(so->null_capacity * 2, 64);
        Size bytes = so->null_capacity * sizeof(ItemPointerData);
        so->null_rows = so->null_rows ? (ItemPointerData*)repalloc_huge(so->null_rows, bytes)
                                      : (ItemPointerData*)MemoryContextAllocHuge(so->context, bytes);
    }
    so->null_rows[so->nnull++] = *tid;
}

// Remembers a row and its distance key.
static void push_item(FlatScanOpaque so, ItemPointer tid, double key) {
    if (so->nitems == so->capacity) {
        so->capacity = Max(so->capacity * 2, 1024);
        Size bytes = so->capacity * sizeof(ScoredItem);
        so->items = so->items ? (ScoredItem*)repalloc_huge(so->items, bytes)
                              : (ScoredItem*)MemoryContextAllocHuge(so->context, bytes);
    }
    ScoredItem* item = &so->items[so->nitems++];
    item->key = key;
    item->block = ItemPointerGetBlockNumberNoCheck(tid);
    item->offset = ItemPointerGetOffsetNumberNoCheck(tid);
    item->spare = 0;
}

// The stored value of an entry, reassembling it when it is out of line.
static const struct varlena* entry_value(IndexScanDesc scan, FlatScanOpaque so, FlatEntry* entry) {
    if (!(entry->flags & FLAT_ENTRY_EXTERNAL)) return FlatEntryValue(entry);
    const FlatExternalRef* ref = (const FlatExternalRef*)FlatEntryValue(entry);
    if (ref->size > so->external_capacity) {
        so->external_capacity = Max(ref->size, 2 * so->external_capacity);
        so->external_buffer = (char*)MemoryContextAlloc(so->context, so->external_capacity);
    }
    return flat_read_external(scan->indexRelation, ref, so->external_buffer);
}

// Scores every entry of one data page; returns the next page of the chain.
static BlockNumber collect_page(IndexScanDesc scan, FlatScanOpaque so, BlockNumber blkno) {
    Relation index = scan->indexRelation;
    Buffer buffer = ReadBuffer(index, blkno);
    LockBuffer(buffer, BUFFER_LOCK_SHARE);
    Page page = BufferGetPage(buffer);
    vecdb_page_check(index, page, blkno, VECDB_PAGE_DATA);
    OffsetNumber max = PageGetMaxOffsetNumber(page);
    for (OffsetNumber off = FirstOffsetNumber; off <= max; off = OffsetNumberNext(off)) {
        ItemId item_id = PageGetItemId(page, off);
        if (!ItemIdIsNormal(item_id)) continue;
        FlatEntry* entry = (FlatEntry*)PageGetItem(page, item_id);
        if ((entry->flags & FLAT_ENTRY_NULL) || so->query == NULL) {
            push_null_row(so, &entry->heap_tid);
            continue;
        }
        double key = vecdb_metric_key(&so->metric, so->query, entry_value(scan, so, entry));
        push_item(so, &entry->heap_tid, key);
    }
    BlockNumber next = VecdbPageGetOpaque(page)->next;
    UnlockReleaseBuffer(buffer);
    return next;
}

// One pass over the data chain, scoring every entry.
static void collect(IndexScanDesc scan, FlatScanOpaque so) {
    MemoryContext old = MemoryContextSwitchTo(so->context);
    BlockNumber blkno = flat_read_meta(scan->indexRelation).first_data_page;
    while (blkno != InvalidBlockNumber) {
        CHECK_FOR_INTERRUPTS();
        blkno = collect_page(scan, so, blkno);
    }
    MemoryContextSwitchTo(old);
    so->collected = true;
}

bool flat_get_tuple(IndexScanDesc scan, ScanDirection dir) {
    FlatScanOpaque so = (FlatScanOpaque)scan->opaque;
    if (scan->numberOfOrderBys == 0)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("a flat index scan needs an ORDER BY distance operator")));
    if (!ScanDirectionIsForward(dir))
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("flat index scans only go forward")));
    if (!so->collected) collect(scan, so);

    scan->xs_recheck = false;
    scan->xs_recheckorderby = false;
    if (so->next < so->nitems) {
        if (so->next == so->ordered_end) {
            so->ordered_end += vecdb::core::order_next_batch(so->items, so->next, so->nitems, so->batch);
            so->batch = Min(so->batch * 2, (size_t)1 << 20);
        }
        const ScoredItem* item = &so->items[so->next++];
        ItemPointerSet(&scan->xs_heaptid, item->block, item->offset);
        scan->xs_orderbyvals[0] = Float8GetDatum(vecdb_metric_key_to_distance(&so->metric, item->key));
        scan->xs_orderbynulls[0] = false;
        return true;
    }
    if (so->next_null < so->nnull) {
        scan->xs_heaptid = so->null_rows[so->next_null++];
        scan->xs_orderbyvals[0] = (Datum)0;
        scan->xs_orderbynulls[0] = true;
        return true;
    }
    return false;
}

void flat_end_scan(IndexScanDesc scan) {
    FlatScanOpaque so = (FlatScanOpaque)scan->opaque;
    MemoryContextDelete(so->context);
    pfree(so);
    scan->opaque = NULL;
}
