// Ordered scans of a flat index. The first amgettuple computes the distance
// key of every entry once (one pass over the data pages, SIMD kernels on the
// page bytes); rows are then handed out nearest first in growing batches.
// A WHERE clause that rejects rows simply asks for more, so filtered
// ORDER BY ... LIMIT k queries return exactly what a sequential scan would.
#include "am/flat/flat.h"
#include "am/common/scan_queue.h"

typedef struct FlatScanOpaqueData {
    MemoryContext context;  // everything below lives here; reset on rescan
    VecdbMetric metric;
    bool collected;
    struct varlena* query;  // NULL when the ORDER BY argument is NULL
    VecdbScanQueue queue;   // every row, scored, handed out nearest first
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
    vecdb_scan_queue_reset(&so->queue, so->context);
    so->external_buffer = NULL;
    so->external_capacity = 0;

    if (scan->numberOfOrderBys > 0 && !(scan->orderByData[0].sk_flags & SK_ISNULL)) {
        MemoryContext old = MemoryContextSwitchTo(so->context);
        so->query = PG_DETOAST_DATUM_COPY(scan->orderByData[0].sk_argument);
        MemoryContextSwitchTo(old);
    }
}

// The stored value of an entry, reassembling it when it is out of line.
// A value whose header claims more bytes than its item holds is corruption,
// reported before any kernel reads past it.
static const struct varlena* entry_value(IndexScanDesc scan, FlatScanOpaque so, FlatEntry* entry,
                                         Size item_size) {
    Relation index = scan->indexRelation;
    if (!(entry->flags & FLAT_ENTRY_EXTERNAL)) {
        const struct varlena* value = FlatEntryValue(entry);
        if (item_size < FLAT_ENTRY_HEADER_SIZE + VARHDRSZ || VARATT_IS_EXTENDED(value) ||
            FLAT_ENTRY_HEADER_SIZE + VARSIZE(value) > item_size)
            ereport(ERROR, (errcode(ERRCODE_INDEX_CORRUPTED),
                            errmsg("index \"%s\" contains a corrupted entry", RelationGetRelationName(index)),
                            errhint("Please REINDEX it.")));
        return value;
    }
    const FlatExternalRef* ref = (const FlatExternalRef*)FlatEntryValue(entry);
    if (ref->size > MaxAllocSize)
        ereport(ERROR, (errcode(ERRCODE_INDEX_CORRUPTED),
                        errmsg("index \"%s\" contains a corrupted entry", RelationGetRelationName(index)),
                        errhint("Please REINDEX it.")));
    if (ref->size > so->external_capacity) {
        so->external_capacity = Max(ref->size, 2 * so->external_capacity);
        so->external_buffer = (char*)MemoryContextAlloc(so->context, so->external_capacity);
    }
    return flat_read_external(index, ref, so->external_buffer);
}

// Asks the CPU to start loading a pinned page's bytes: a flat scan is bound
// by memory latency, and the next page is known before this one is scored.
static void prefetch_page(Buffer buffer) {
    const char* page = (const char*)BufferGetPage(buffer);
    for (size_t offset = 0; offset < BLCKSZ; offset += 64) __builtin_prefetch(page + offset, 0, 0);
}

// Scores every entry of one locked data page.
static void collect_page(IndexScanDesc scan, FlatScanOpaque so, Page page) {
    OffsetNumber max = PageGetMaxOffsetNumber(page);
    for (OffsetNumber off = FirstOffsetNumber; off <= max; off = OffsetNumberNext(off)) {
        ItemId item_id = PageGetItemId(page, off);
        if (!ItemIdIsNormal(item_id)) continue;
        FlatEntry* entry = (FlatEntry*)PageGetItem(page, item_id);
        if ((entry->flags & FLAT_ENTRY_NULL) || so->query == NULL) {
            vecdb_scan_queue_push_null(&so->queue, &entry->heap_tid);
            continue;
        }
        double key = vecdb_metric_key(&so->metric, so->query, entry_value(scan, so, entry, ItemIdGetLength(item_id)));
        vecdb_scan_queue_push(&so->queue, &entry->heap_tid, key);
    }
}

// One pass over the data chain, scoring every entry. The next page is
// pinned and prefetched while the current one is scored.
static void collect(IndexScanDesc scan, FlatScanOpaque so) {
    Relation index = scan->indexRelation;
    MemoryContext old = MemoryContextSwitchTo(so->context);
    BlockNumber blkno = flat_read_meta(index).first_data_page;
    Buffer buffer = blkno == InvalidBlockNumber ? InvalidBuffer : ReadBuffer(index, blkno);
    while (buffer != InvalidBuffer) {
        CHECK_FOR_INTERRUPTS();
        LockBuffer(buffer, BUFFER_LOCK_SHARE);
        Page page = BufferGetPage(buffer);
        vecdb_page_check(index, page, blkno, VECDB_PAGE_DATA);
        BlockNumber next_blkno = VecdbPageGetOpaque(page)->next;
        Buffer next = InvalidBuffer;
        if (next_blkno != InvalidBlockNumber) {
            next = ReadBuffer(index, next_blkno);
            prefetch_page(next);
        }
        collect_page(scan, so, page);
        UnlockReleaseBuffer(buffer);
        buffer = next;
        blkno = next_blkno;
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

    return vecdb_scan_queue_return_next(&so->queue, scan, &so->metric);
}

void flat_end_scan(IndexScanDesc scan) {
    FlatScanOpaque so = (FlatScanOpaque)scan->opaque;
    MemoryContextDelete(so->context);
    pfree(so);
    scan->opaque = NULL;
}
