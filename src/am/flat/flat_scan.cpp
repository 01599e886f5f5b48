// Ordered scans of a flat index. The first amgettuple computes the distance
// key of every entry once (one pass over the data pages, SIMD kernels on the
// page bytes, with vecdb.scan_threads threads); rows are then handed out
// nearest first in growing batches.
// A WHERE clause that rejects rows simply asks for more, so filtered
// ORDER BY ... LIMIT k queries return exactly what a sequential scan would.
#include "am/flat/flat.h"
#include "am/common/buffer_hints.h"
#include "am/common/options.h"
#include "am/common/exhaustive_collector.h"
#include "am/common/scan_distance.h"
#include "am/common/scan_stats.h"
#include "core/parallel/scoring_pool.h"

using vecdb::core::kScoringJobCapacity;

// Pages whose entries helper threads may be scoring at once.
#define FLAT_PIPELINE_PAGES 16
static_assert(FLAT_PIPELINE_PAGES <= vecdb::core::kScoringMaxInFlight,
              "the scoring pool must hold every page in flight");

typedef struct FlatScanOpaqueData {
    MemoryContext context;  // everything below lives here; reset on rescan
    VecdbMetric metric;
    bool collected;
    struct varlena* query;  // NULL when the ORDER BY argument is NULL
    VecdbCollector collector;      // every row, scored, handed out nearest first
    VecdbOverflowBuffer overflow;  // reassembly space for out-of-line values
    VecdbScanStats stats;          // for pg_stat_user_indexes and vecdb.stat_search
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

    vecdb_scan_stats_start(scan->indexRelation, &so->stats);
    vecdb_scan_distance_forget(scan);  // before its query is freed
    MemoryContextReset(so->context);
    so->collected = false;
    so->query = NULL;
    vecdb_collector_reset(&so->collector, so->context);
    vecdb_overflow_buffer_init(&so->overflow, so->context);

    if (scan->numberOfOrderBys > 0 && !(scan->orderByData[0].sk_flags & SK_ISNULL)) {
        MemoryContext old = MemoryContextSwitchTo(so->context);
        so->query = PG_DETOAST_DATUM_COPY(scan->orderByData[0].sk_argument);
        MemoryContextSwitchTo(old);
        vecdb_collector_remember_distances(&so->collector, &so->metric, so->query);
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
    return vecdb_overflow_read_value(index, FlatEntryOverflowRef(entry), &so->overflow);
}

// Lists the entries of one locked page. Values the SIMD kernels can score
// (inline, the query's shape) come back in values/tids for the caller to
// score, here or on helper threads; NULLs, out-of-line values and anything
// needing fmgr (or raising the dimension error) are settled right here.
static size_t list_page(IndexScanDesc scan, FlatScanOpaque so, Page page, const void** values,
                        ItemPointerData* tids) {
    bool use_kernel = so->query != NULL && vecdb_metric_has_kernel(&so->metric);
    size_t n = 0;
    uint64 scored_here = 0;  // by the caller or the helpers (n) and right here
    OffsetNumber max = PageGetMaxOffsetNumber(page);
    for (OffsetNumber off = FirstOffsetNumber; off <= max; off = OffsetNumberNext(off)) {
        ItemId item_id = PageGetItemId(page, off);
        if (!ItemIdIsNormal(item_id)) continue;
        FlatEntry* entry = (FlatEntry*)PageGetItem(page, item_id);
        if ((entry->flags & FLAT_ENTRY_NULL) || so->query == NULL) {
            vecdb_collector_push_null(&so->collector, &entry->heap_tid);
            continue;
        }
        const struct varlena* value = entry_value(scan, so, entry, ItemIdGetLength(item_id));
        if (use_kernel && !(entry->flags & FLAT_ENTRY_EXTERNAL) && n < kScoringJobCapacity &&
            vecdb_metric_same_shape(&so->metric, so->query, value)) {
            values[n] = value;
            tids[n] = entry->heap_tid;
            n++;
        } else {
            vecdb_collector_push(&so->collector, &entry->heap_tid, vecdb_metric_key(&so->metric, so->query, value));
            scored_here++;
        }
    }
    vecdb_scan_stats_scored(&so->stats, scored_here + n);
    return n;
}

// Scores every entry of one locked data page on this thread.
static void collect_page(IndexScanDesc scan, FlatScanOpaque so, Page page) {
    const void* values[kScoringJobCapacity];
    ItemPointerData tids[kScoringJobCapacity];
    size_t n = list_page(scan, so, page, values, tids);
    for (size_t i = 0; i < n; i++)
        vecdb_collector_push(&so->collector, &tids[i],
                             vecdb_metric_kernel_key(&so->metric, so->query, (const struct varlena*)values[i]));
}

// What a chain walk does with each data page: it gets the page pinned and
// share-locked, and must release it (now, or later for a page in flight).
typedef void (*PageVisitor)(IndexScanDesc scan, FlatScanOpaque so, Buffer buffer, Page page, void* state);

// One pass over the data chain in so->context. The next page is pinned and
// prefetched before the current one is visited: a flat scan is bound by
// memory latency.
static void walk_data_chain(IndexScanDesc scan, FlatScanOpaque so, PageVisitor visit, void* state) {
    Relation index = scan->indexRelation;
    MemoryContext old = MemoryContextSwitchTo(so->context);
    VecdbBufferHints* hints = vecdb_buffer_hints(index);
    BlockNumber blkno = flat_first_data_page(index);
    Buffer buffer = blkno == InvalidBlockNumber ? InvalidBuffer : vecdb_read_buffer_hinted(index, hints, blkno);
    while (buffer != InvalidBuffer) {
        CHECK_FOR_INTERRUPTS();
        LockBuffer(buffer, BUFFER_LOCK_SHARE);
        Page page = BufferGetPage(buffer);
        vecdb_page_check(index, page, blkno, VECDB_PAGE_DATA);
        blkno = VecdbPageGetOpaque(page)->next;
        Buffer next = InvalidBuffer;
        if (blkno != InvalidBlockNumber) {
            next = vecdb_read_buffer_hinted(index, hints, blkno);
            vecdb_prefetch_page(next);
        }
        visit(scan, so, buffer, page, state);
        buffer = next;
    }
    MemoryContextSwitchTo(old);
}

// The single-thread visitor: scores the page here and releases it.
static void score_page_here(IndexScanDesc scan, FlatScanOpaque so, Buffer buffer, Page page, void* state) {
    collect_page(scan, so, page);
    UnlockReleaseBuffer(buffer);
}

// Scores every entry on this thread.
static void collect(IndexScanDesc scan, FlatScanOpaque so) {
    walk_data_chain(scan, so, score_page_here, NULL);
    so->collected = true;
}

// The parallel pass: this thread walks and locks pages and lists their
// entries; helper threads score them in place while the page stays locked
// (VACUUM, or its replay on a standby, moves entries only under an
// exclusive lock). Up to FLAT_PIPELINE_PAGES pages are in flight.

// A page handed to the helpers, share-locked until its keys are collected.
typedef struct PendingPage {
    Buffer buffer;
    ItemPointerData tids[kScoringJobCapacity];
} PendingPage;

// Computes one key on a helper thread. ctx is the pool's own copy of the
// metric followed by the query, so it outlives an aborted scan.
static double score_in_helper(const void* ctx, const void* value) {
    const VecdbMetric* metric = (const VecdbMetric*)ctx;
    const struct varlena* query = (const struct varlena*)((const char*)ctx + MAXALIGN(sizeof(VecdbMetric)));
    return vecdb_metric_kernel_key(metric, query, (const struct varlena*)value);
}

// Starts a scoring session for this scan; false when it should run alone.
static bool begin_parallel(FlatScanOpaque so) {
    if (vecdb_scan_threads <= 1 || so->query == NULL || !vecdb_metric_has_kernel(&so->metric)) return false;
    Size query_size = VARSIZE(so->query);
    Size ctx_size = MAXALIGN(sizeof(VecdbMetric)) + query_size;
    char* ctx = (char*)palloc0(ctx_size);
    memcpy(ctx, &so->metric, sizeof(VecdbMetric));
    memcpy(ctx + MAXALIGN(sizeof(VecdbMetric)), so->query, query_size);
    bool started = vecdb::core::scoring_begin(score_in_helper, ctx, ctx_size, vecdb_scan_threads);
    pfree(ctx);
    return started;
}

// Lists a locked page and hands its kernel-scorable values to the pool.
static void submit_page(IndexScanDesc scan, FlatScanOpaque so, Page page, PendingPage* pending) {
    const void* values[kScoringJobCapacity];
    size_t n = list_page(scan, so, page, values, pending->tids);
    // cannot fail: at most FLAT_PIPELINE_PAGES are in flight (static_assert above)
    if (!vecdb::core::scoring_submit(values, n)) elog(ERROR, "vecdb: the scoring pool refused a page");
}

// Collects the keys of the oldest page in flight and releases the page.
static void retire_page(FlatScanOpaque so, PendingPage* pending) {
    double keys[kScoringJobCapacity];
    size_t n = vecdb::core::scoring_collect_oldest(keys);
    for (size_t i = 0; i < n; i++) vecdb_collector_push(&so->collector, &pending->tids[i], keys[i]);
    UnlockReleaseBuffer(pending->buffer);
}

// The pages in flight: a ring of FLAT_PIPELINE_PAGES.
typedef struct Pipeline {
    PendingPage* ring;
    uint64 submitted, retired;
} Pipeline;

// The parallel visitor: retires the oldest page when the ring is full,
// then hands this one to the helpers (it stays locked until retired).
static void submit_page_to_helpers(IndexScanDesc scan, FlatScanOpaque so, Buffer buffer, Page page, void* state) {
    Pipeline* pipeline = (Pipeline*)state;
    if (pipeline->submitted - pipeline->retired == FLAT_PIPELINE_PAGES)
        retire_page(so, &pipeline->ring[pipeline->retired++ % FLAT_PIPELINE_PAGES]);
    PendingPage* pending = &pipeline->ring[pipeline->submitted % FLAT_PIPELINE_PAGES];
    pending->buffer = buffer;
    submit_page(scan, so, page, pending);
    pipeline->submitted++;
}

// Walks the data chain submitting each page to the helpers, at most
// FLAT_PIPELINE_PAGES pages in flight.
static void walk_pages_in_parallel(IndexScanDesc scan, FlatScanOpaque so) {
    Pipeline pipeline;
    pipeline.ring = (PendingPage*)MemoryContextAlloc(so->context, sizeof(PendingPage) * FLAT_PIPELINE_PAGES);
    pipeline.submitted = pipeline.retired = 0;
    walk_data_chain(scan, so, submit_page_to_helpers, &pipeline);
    while (pipeline.retired < pipeline.submitted)
        retire_page(so, &pipeline.ring[pipeline.retired++ % FLAT_PIPELINE_PAGES]);
    pfree(pipeline.ring);
    so->collected = true;
}

// collect() with helper threads scoring the pages. If anything raises an
// ERROR meanwhile, the session is ended before the error propagates: the
// helpers must be done with the pages before the abort releases their locks.
static void collect_parallel(IndexScanDesc scan, FlatScanOpaque so) {
    PG_TRY();
    {
        walk_pages_in_parallel(scan, so);
    }
    PG_CATCH();
    {
        vecdb::core::scoring_end();
        PG_RE_THROW();
    }
    PG_END_TRY();
    vecdb::core::scoring_end();
}

bool flat_get_tuple(IndexScanDesc scan, ScanDirection dir) {
    FlatScanOpaque so = (FlatScanOpaque)scan->opaque;
    if (scan->numberOfOrderBys == 0)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("a flat index scan needs an ORDER BY distance operator")));
    if (!ScanDirectionIsForward(dir))
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("flat index scans only go forward")));
    if (!so->collected) {
        if (begin_parallel(so))
            collect_parallel(scan, so);
        else
            collect(scan, so);
    }

    return vecdb_collector_return_next(&so->collector, scan, &so->metric);
}

void flat_end_scan(IndexScanDesc scan) {
    FlatScanOpaque so = (FlatScanOpaque)scan->opaque;
    vecdb_scan_stats_publish(scan->indexRelation, &so->stats);
    vecdb_scan_distance_forget(scan);
    MemoryContextDelete(so->context);
    pfree(so);
    scan->opaque = NULL;
}
