// Ordered scans of an ivf index. The first amgettuple ranks the centroids
// by distance to the query and scores every entry of the `probes` nearest
// lists: exact keys for full entries, SQ8 or PQ (lookup-table) keys for
// codes. Quantized candidates
// are re-scored with their full vectors `vecdb.rerank` at a time, nearest
// first. When the scored rows run out (a WHERE clause rejected them, or a
// big LIMIT) the scan re-scores more candidates, then opens the next
// nearest lists, until every list was read or vecdb.max_scan_tuples
// entries were scored: filtered queries do not lose rows, they cost more
// lists (vecdb.iterative_scan = off stops after the first lists; with
// strict_order, rows nearer than one already returned are dropped).
#include "am/ivf/ivf.h"
#include "am/common/buffer_hints.h"
#include "am/common/exhaustive_collector.h"
#include "am/common/options.h"
#include "am/common/scan_distance.h"
#include "core/kmeans/assign.h"
#include "core/quant/pq.h"
#include "core/quant/sq8.h"
#include "pg/guard.h"
#include "types/vector.h"

#include <algorithm>
#include <cmath>

// How many exact keys the 'none' scan keeps as its early-abandon bound: an
// entry farther than the IVF_KEEP-th nearest scored so far is only half
// read and set aside; the first IVF_KEEP rows returned are then exact
// without it, and a scan that wants more re-scores what was set aside.
#define IVF_KEEP 32

// An entry the scan stopped scoring early: where it is and whose row it is
// (VACUUM may move it within its page, never to another page).
typedef struct IvfDeferred {
    BlockNumber block;
    OffsetNumber offset;
    ItemPointerData heap_tid;
} IvfDeferred;

using vecdb::core::ScoredItem;

typedef struct IvfScanOpaqueData {
    MemoryContext context;  // everything below lives here; reset on rescan
    VecdbMetric metric;
    IvfValueType type;
    bool started;
    struct varlena* query;  // NULL when the ORDER BY argument is NULL
    IvfMetaData meta;
    uint32* list_order;     // lists nearest first
    uint32 nlists, next_list, probes;
    bool quantized;         // the lists hold sq8 or pq codes: candidates, then rerank
    float* query_floats;    // the query as the index sees it (unit length for cosine)
    // sq8
    float* sq8_scale;
    float* sq8_query;       // a = q − offset (l2) or w = q·scale (dot)
    float sq8_bias;
    // pq
    vecdb::core::PqShape pq;
    const float* pq_codebooks;  // in the index cache: re-fetched per list
    float* pq_table;        // m × ksub: of q − centroid (l2, cosine) or of q (ip, once)
    float* pq_residual;     // q − centroid of the list being scored
    uint8* pq_codes;        // the codes of one page, one after another
    ItemPointerData* pq_vectors;  // their vector locators
    float* pq_keys;
    ScoredItem* candidates;  // quantized keys; block/offset locate the full vector
    size_t ncandidates, candidate_capacity, next_candidate;
    VecdbCollector collector;  // exact keys, handed out nearest first
    VecdbBufferHints* hints;
    VecdbOverflowBuffer overflow;  // reassembly space for out-of-line values
    VecdbScanStats stats;          // published when the scan ends or restarts
    int64 scored;              // entries scored so far (vecdb.max_scan_tuples)
    bool returned_any;         // strict order: the last distance returned
    double last_distance;
    // early abandonment ('none' lists): a max-heap of the IVF_KEEP nearest
    // exact keys, the entries set aside, rows returned so far
    double* keep;
    int nkeep;
    bool abandon;              // off once the set-aside entries were re-scored
    IvfDeferred* deferred;
    size_t ndeferred, deferred_capacity;
    int64 returned;
    // vector / halfvec l2 and l1: the bounded kernel and the query's
    // elements, chosen once per query (both NULL: the metric's functions)
    float (*bounded_f32)(const float* a, const float* b, size_t n, float bound);
    float (*bounded_f16)(const uint16_t* a, const uint16_t* b, size_t n, float bound);
    const void* query_x;
    int query_dim;
} IvfScanOpaqueData;

typedef IvfScanOpaqueData* IvfScanOpaque;

IndexScanDesc ivf_begin_scan(Relation index, int nkeys, int norderbys) {
    IndexScanDesc scan = RelationGetIndexScan(index, nkeys, norderbys);
    IvfScanOpaque so = (IvfScanOpaque)palloc0(sizeof(IvfScanOpaqueData));
    so->context = AllocSetContextCreate(CurrentMemoryContext, "ivf scan", ALLOCSET_DEFAULT_SIZES);
    vecdb_metric_init(&so->metric, index);
    so->type = ivf_value_type(index, &so->metric);
    scan->opaque = so;
    scan->xs_orderbyvals = (Datum*)palloc0(sizeof(Datum) * Max(norderbys, 1));
    scan->xs_orderbynulls = (bool*)palloc(sizeof(bool) * Max(norderbys, 1));
    return scan;
}

// Chooses the kernel that scores full entries against the query (vector
// and halfvec l2 / l1; the other metrics go through the metric's
// functions), so scoring an entry needs no switch on the metric and no
// shape check beyond comparing its size and dimension with the query's.
static void choose_kernel(IvfScanOpaque so) {
    so->bounded_f32 = NULL;
    so->bounded_f16 = NULL;
    const VecdbMetric* metric = &so->metric;
    if (so->query == NULL || !vecdb_metric_has_kernel(metric) || !vecdb_metric_same_shape(metric, so->query, so->query))
        return;
    const vecdb::core::DistanceKernels* k = metric->kernels;
    switch (metric->kind) {
        case VECDB_KEY_VECTOR_L2: so->bounded_f32 = k->l2_squared_bounded_f32; break;
        case VECDB_KEY_VECTOR_L1: so->bounded_f32 = k->l1_bounded_f32; break;
        case VECDB_KEY_HALFVEC_L2: so->bounded_f16 = k->l2_squared_bounded_f16; break;
        case VECDB_KEY_HALFVEC_L1: so->bounded_f16 = k->l1_bounded_f16; break;
        default: return;
    }
    if (so->bounded_f32) {
        so->query_x = ((const Vector*)so->query)->x;
        so->query_dim = ((const Vector*)so->query)->dim;
    } else {
        so->query_x = ((const HalfVector*)so->query)->x;
        so->query_dim = ((const HalfVector*)so->query)->dim;
    }
}

void ivf_rescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys, int norderbys) {
    IvfScanOpaque so = (IvfScanOpaque)scan->opaque;
    if (keys && scan->numberOfKeys > 0) memmove(scan->keyData, keys, scan->numberOfKeys * sizeof(ScanKeyData));
    if (orderbys && scan->numberOfOrderBys > 0)
        memmove(scan->orderByData, orderbys, scan->numberOfOrderBys * sizeof(ScanKeyData));
    vecdb_scan_stats_start(scan->indexRelation, &so->stats);
    vecdb_scan_distance_forget(scan);  // before its query is freed
    MemoryContextReset(so->context);
    vecdb_overflow_buffer_init(&so->overflow, so->context);
    so->started = false;
    so->query = NULL;
    so->candidates = NULL;
    so->ncandidates = so->candidate_capacity = so->next_candidate = 0;
    vecdb_collector_reset(&so->collector, so->context);
    so->scored = 0;
    so->returned_any = false;
    so->keep = (double*)MemoryContextAlloc(so->context, sizeof(double) * IVF_KEEP);
    so->nkeep = 0;
    so->abandon = true;
    so->deferred = NULL;
    so->ndeferred = so->deferred_capacity = 0;
    so->returned = 0;
    if (scan->numberOfOrderBys > 0 && !(scan->orderByData[0].sk_flags & SK_ISNULL)) {
        MemoryContext old = MemoryContextSwitchTo(so->context);
        so->query = PG_DETOAST_DATUM_COPY(scan->orderByData[0].sk_argument);
        MemoryContextSwitchTo(old);
        // every key the collector gets is exact (lists, rerank, set-aside entries)
        vecdb_collector_remember_distances(&so->collector, &so->metric, so->query);
    }
    choose_kernel(so);
}

// Orders (key, list) pairs by key, then list.
typedef struct ListKey {
    float key;
    uint32 list;
} ListKey;

// qsort comparator for ListKey.
static int compare_list_keys(const void* a, const void* b) {
    const ListKey* x = (const ListKey*)a;
    const ListKey* y = (const ListKey*)b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return x->list < y->list ? -1 : (x->list > y->list ? 1 : 0);
}

// Ranks the lists by their centroid's distance to the query and prepares
// the query for SQ8 scoring.
static void plan_lists(IndexScanDesc scan, IvfScanOpaque so) {
    Relation index = scan->indexRelation;
    const IvfCache* cache = ivf_cache(index);
    so->meta = cache->meta;
    so->nlists = ivf_slot_count(&so->meta);
    so->list_order = (uint32*)palloc(sizeof(uint32) * so->nlists);
    so->next_list = 0;
    so->probes = (uint32)Max(1, Min((int64)vecdb_ivf_probes, (int64)so->nlists));
    so->quantized = ivf_lists_hold_codes(&so->meta);
    if (so->meta.lists == 0 || so->query == NULL) {
        for (uint32 i = 0; i < so->nlists; i++) so->list_order[i] = i;
        if (so->query == NULL) so->probes = so->nlists;
        return;
    }
    uint32 dim = so->meta.dimensions;
    int query_dim = ivf_value_dimensions(so->type, so->query);
    if (query_dim != (int)dim)
        ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
                        errmsg("different vector dimensions %u and %d", dim, query_dim)));
    float* q = (float*)palloc(sizeof(float) * dim);
    ivf_value_to_floats(so->type, (IvfSpace)so->meta.space, so->query, q);
    float* keys = (float*)palloc(sizeof(float) * so->nlists);
    vecdb::core::ClusterMetric metric = so->meta.space == IVF_SPACE_IP ? vecdb::core::ClusterMetric::inner_product
                                                                        : vecdb::core::ClusterMetric::l2;
    vecdb::pg::guarded("ivf centroid search", [&] {
        vecdb::core::centroid_keys(q, cache->centroids, cache->centroid_norms, so->nlists, dim, metric, keys);
        return 0;
    });
    ListKey* ranked = (ListKey*)palloc(sizeof(ListKey) * so->nlists);
    for (uint32 i = 0; i < so->nlists; i++) {
        ranked[i].key = keys[i] != keys[i] ? INFINITY : keys[i];
        ranked[i].list = i;
    }
    qsort(ranked, so->nlists, sizeof(ListKey), compare_list_keys);
    for (uint32 i = 0; i < so->nlists; i++) so->list_order[i] = ranked[i].list;
    so->query_floats = q;
    if (so->quantized && so->meta.quantizer == IVF_QUANTIZER_PQ) {
        so->pq.dim = dim;
        so->pq.m = so->meta.pq_m;
        so->pq.nbits = so->meta.pq_nbits;
        Size per_page = BLCKSZ / (IVF_CODE_HEADER_SIZE + so->pq.m) + 1;
        so->pq_table = (float*)palloc(sizeof(float) * so->pq.m * so->pq.ksub());
        so->pq_residual = (float*)palloc(sizeof(float) * dim);
        so->pq_codes = (uint8*)palloc(per_page * so->pq.m);
        so->pq_vectors = (ItemPointerData*)palloc(sizeof(ItemPointerData) * per_page);
        so->pq_keys = (float*)palloc(sizeof(float) * per_page);
        if (so->meta.space == IVF_SPACE_IP)
            vecdb::pg::guarded("ivf pq tables", [&] {
                vecdb::core::pq_table_dot(q, so->pq, cache->pq_codebooks, so->pq_table);
                return 0;
            });
    }
    if (so->quantized && so->meta.quantizer == IVF_QUANTIZER_SQ8) {
        so->sq8_scale = (float*)palloc(sizeof(float) * dim);
        memcpy(so->sq8_scale, cache->sq8_scale, sizeof(float) * dim);
        so->sq8_query = (float*)palloc(sizeof(float) * dim);
        if (so->meta.space == IVF_SPACE_L2)
            vecdb::core::sq8_prepare_l2(q, dim, cache->sq8_offset, so->sq8_query);
        else
            so->sq8_bias = vecdb::core::sq8_prepare_dot(q, dim, cache->sq8_offset, cache->sq8_scale, so->sq8_query);
    }
}

// Reports an entry whose size does not match what it claims to hold.
static void report_corrupt_entry(Relation index) {
    ereport(ERROR, (errcode(ERRCODE_INDEX_CORRUPTED),
                    errmsg("index \"%s\" contains a corrupted entry", RelationGetRelationName(index)),
                    errhint("Please REINDEX it.")));
}

// Adds a quantized candidate: its key and where its full vector lives.
static void push_candidate(IvfScanOpaque so, const ItemPointerData* vector, double key) {
    if (so->ncandidates == so->candidate_capacity) {
        so->candidate_capacity = Max(so->candidate_capacity * 2, 1024);
        Size bytes = so->candidate_capacity * sizeof(ScoredItem);
        so->candidates = so->candidates ? (ScoredItem*)repalloc_huge(so->candidates, bytes)
                                        : (ScoredItem*)MemoryContextAllocHuge(so->context, bytes);
    }
    ScoredItem* item = &so->candidates[so->ncandidates++];
    item->key = key;
    item->block = ItemPointerGetBlockNumberNoCheck(vector);
    item->offset = ItemPointerGetOffsetNumberNoCheck(vector);
    item->spare = 0;
}

// The SQ8 key of a code entry.
static double sq8_key(IvfScanOpaque so, const IvfCodeEntry* entry) {
    const vecdb::core::Sq8Kernels& k = vecdb::core::sq8_kernels();
    uint32 dim = so->meta.dimensions;
    const uint8* codes = IvfCodeEntryCodes(entry);
    return so->meta.space == IVF_SPACE_L2 ? (double)k.l2_squared(so->sq8_query, so->sq8_scale, codes, dim)
                                          : -(double)(so->sq8_bias + k.dot(so->sq8_query, codes, dim));
}

// Prepares the pq lookup table of one list and returns the constant its
// keys add: for l2 and cosine the table describes q − centroid (codes are
// residuals) and the key is the squared distance; for ip the table of q
// serves every list and the key is −(q·centroid + q·residual).
static double pq_prepare_list(Relation index, IvfScanOpaque so, uint32 list) {
    const IvfCache* cache = ivf_cache(index);
    uint32 dim = so->meta.dimensions;
    const float* centroid = cache->centroids + (Size)list * dim;
    so->pq_codebooks = cache->pq_codebooks;
    if (so->meta.space == IVF_SPACE_IP) {
        double dot = 0;
        for (uint32 d = 0; d < dim; d++) dot += (double)so->query_floats[d] * centroid[d];
        return dot;
    }
    for (uint32 d = 0; d < dim; d++) so->pq_residual[d] = so->query_floats[d] - centroid[d];
    vecdb::pg::guarded("ivf pq tables", [&] {
        vecdb::core::pq_table_l2(so->pq_residual, so->pq, so->pq_codebooks, so->pq_table);
        return 0;
    });
    return 0;
}

// Scores the pq entries of one locked page: their codes are copied into
// one contiguous array and scored by the ADC kernel in one call.
static void score_pq_page(Relation index, IvfScanOpaque so, Page page, double list_dot) {
    Size entry_size = IVF_CODE_HEADER_SIZE + so->pq.m;
    size_t n = 0;
    OffsetNumber max = PageGetMaxOffsetNumber(page);
    for (OffsetNumber off = FirstOffsetNumber; off <= max; off = OffsetNumberNext(off)) {
        ItemId item_id = PageGetItemId(page, off);
        if (!ItemIdIsNormal(item_id)) continue;
        if (ItemIdGetLength(item_id) != entry_size) report_corrupt_entry(index);
        const IvfCodeEntry* entry = (const IvfCodeEntry*)PageGetItem(page, item_id);
        const uint8* codes = IvfCodeEntryCodes(entry);
        for (size_t j = 0; j < so->pq.m; j++)
            if (codes[j] >= so->pq.ksub()) report_corrupt_entry(index);  // would read past its table
        memcpy(so->pq_codes + n * so->pq.m, codes, so->pq.m);
        so->pq_vectors[n++] = entry->vector;
    }
    if (n == 0) return;
    const vecdb::core::PqKernels& k = vecdb::core::pq_kernels();
    k.adc(so->pq_table, so->pq.m, so->pq.ksub(), so->pq_codes, n, so->pq_keys);
    bool ip = so->meta.space == IVF_SPACE_IP;
    for (size_t i = 0; i < n; i++)
        push_candidate(so, &so->pq_vectors[i], ip ? -(list_dot + (double)so->pq_keys[i]) : (double)so->pq_keys[i]);
}

// Hands a row with its exact key to the collector. In strict order a row
// nearer than one already returned would come out of order: it is dropped.
// Returns whether the row was added.
static bool push_exact(IvfScanOpaque so, ItemPointer tid, double key) {
    if (so->returned_any && vecdb_iterative_scan == VECDB_ITERATIVE_SCAN_STRICT_ORDER &&
        vecdb_metric_key_to_distance(&so->metric, key) < so->last_distance)
        return false;
    vecdb_collector_push(&so->collector, tid, key);
    return true;
}

// Entries of a 'none' page whose first line pin_and_prefetch asks for.
#define IVF_PREFETCH_ENTRIES 8

// Pins a page through the scan's buffer hints and asks the CPU to start
// loading the lines the scan reads first: the header with the line
// pointers, the special space with the chain link and, for full entries of
// the query's size, the first line of each of the first entries where a
// page filled in order has them (stacked down from the special space; a
// wrong guess only wastes a prefetch). Only those: an entry is read front
// to back, which the hardware prefetcher follows, and one the bounded
// kernel gives up on is never read whole. Prefetching every line of the
// page (vecdb_prefetch_page) made a 784-d scan at 16 probes 2.3 x slower
// on an AVX-512 Xeon; the entries' first lines gain another ~10 %
// (interleaved A/B in one session).
static Buffer pin_and_prefetch(Relation index, IvfScanOpaque so, BlockNumber blkno) {
    Buffer buffer = vecdb_read_buffer_hinted(index, so->hints, blkno);
    const char* page = (const char*)BufferGetPage(buffer);
    __builtin_prefetch(page, 0, 3);
    __builtin_prefetch(page + BLCKSZ - sizeof(VecdbPageOpaqueData), 0, 3);
    if (so->query != NULL && !so->quantized) {
        Size entry = IVF_FULL_HEADER_SIZE + MAXALIGN(VARSIZE(so->query));
        Size special = BLCKSZ - MAXALIGN(sizeof(VecdbPageOpaqueData));
        for (Size k = 1; k <= IVF_PREFETCH_ENTRIES && k * entry <= special - SizeOfPageHeaderData; k++)
            __builtin_prefetch(page + special - k * entry, 0, 3);
    }
    return buffer;
}

// Remembers an exact key among the IVF_KEEP nearest (a max-heap: keep[0]
// is the farthest kept, the bound an entry must beat to be scored fully).
static void keep_key(IvfScanOpaque so, double key) {
    if (so->nkeep < IVF_KEEP) {
        so->keep[so->nkeep++] = key;
        std::push_heap(so->keep, so->keep + so->nkeep);
    } else if (key < so->keep[0]) {
        std::pop_heap(so->keep, so->keep + so->nkeep);
        so->keep[so->nkeep - 1] = key;
        std::push_heap(so->keep, so->keep + so->nkeep);
    }
}

// Sets an entry aside, to be re-scored if the scan wants more than IVF_KEEP rows.
static void defer_entry(IvfScanOpaque so, BlockNumber blkno, OffsetNumber off, const ItemPointerData* heap_tid) {
    if (so->ndeferred == so->deferred_capacity) {
        so->deferred_capacity = Max(so->deferred_capacity * 2, 1024);
        Size bytes = so->deferred_capacity * sizeof(IvfDeferred);
        so->deferred = so->deferred ? (IvfDeferred*)repalloc_huge(so->deferred, bytes)
                                    : (IvfDeferred*)MemoryContextAllocHuge(so->context, bytes);
    }
    IvfDeferred* d = &so->deferred[so->ndeferred++];
    d->block = blkno;
    d->offset = off;
    d->heap_tid = *heap_tid;
}

// Scores the full entries ('none', or an untrained index) of one locked
// page. An inline value of the query's shape goes straight to the SIMD
// kernel from the page; anything else (out of line, another shape, fmgr
// metrics) takes the checked path.
static void score_full_page(Relation index, IvfScanOpaque so, Page page, BlockNumber blkno) {
    bool kernel = vecdb_metric_has_kernel(&so->metric);
    Size query_size = VARSIZE(so->query);
    Size inline_size = IVF_FULL_HEADER_SIZE + MAXALIGN(query_size);
    OffsetNumber max = PageGetMaxOffsetNumber(page);
    for (OffsetNumber off = FirstOffsetNumber; off <= max; off = OffsetNumberNext(off)) {
        ItemId item_id = PageGetItemId(page, off);
        if (!ItemIdIsNormal(item_id)) continue;
        IvfFullEntry* entry = (IvfFullEntry*)PageGetItem(page, item_id);
        const struct varlena* value = IvfFullEntryValue(entry);
        double key;
        bool direct = ItemIdGetLength(item_id) == inline_size && entry->flags == 0 && VARATT_IS_4B_U(value) &&
                      VARSIZE(value) == query_size;
        if (direct && (so->bounded_f32 != NULL || so->bounded_f16 != NULL)) {
            // l2 / l1: the bounded kernel equals the plain one within the
            // bound, and an infinite bound gives the plain key
            double limit = so->abandon && so->nkeep == IVF_KEEP ? so->keep[0] : INFINITY;
            float bound = (float)limit;
            if ((double)bound < limit) bound = std::nextafter(bound, INFINITY);
            if (so->bounded_f32 != NULL && ((const Vector*)value)->dim == so->query_dim)
                key = so->bounded_f32(((const Vector*)value)->x, (const float*)so->query_x, (size_t)so->query_dim, bound);
            else if (so->bounded_f16 != NULL && ((const HalfVector*)value)->dim == so->query_dim)
                key = so->bounded_f16(((const HalfVector*)value)->x, (const uint16_t*)so->query_x,
                                      (size_t)so->query_dim, bound);
            else
                key = vecdb_metric_key(&so->metric, so->query, value);
            if (key > limit) {  // farther than the IVF_KEEP nearest: set aside
                defer_entry(so, blkno, off, &entry->heap_tid);
                continue;
            }
        } else if (kernel && direct && vecdb_metric_same_shape(&so->metric, so->query, value)) {
            if (so->abandon && so->nkeep == IVF_KEEP) {
                key = vecdb_metric_kernel_key_bounded(&so->metric, so->query, value, so->keep[0]);
                if (key > so->keep[0]) {  // farther than the IVF_KEEP nearest: set aside
                    defer_entry(so, blkno, off, &entry->heap_tid);
                    continue;
                }
            } else {
                key = vecdb_metric_kernel_key(&so->metric, so->query, value);
            }
        } else {
            key = vecdb_metric_key(&so->metric, so->query,
                                   ivf_full_entry_value(index, entry, ItemIdGetLength(item_id), &so->overflow));
        }
        if (push_exact(so, &entry->heap_tid, key)) keep_key(so, key);
    }
}

// Re-scores every entry set aside, exactly, and stops setting more aside:
// the scan now wants rows past the IVF_KEEP nearest. An entry no longer at
// its offset is looked for in its page (VACUUM compacts pages); one not
// there was removed by VACUUM, so its row is dead to this scan.
static void rescore_deferred(Relation index, IvfScanOpaque so) {
    so->abandon = false;
    size_t i = 0;
    while (i < so->ndeferred) {
        CHECK_FOR_INTERRUPTS();
        BlockNumber blkno = so->deferred[i].block;
        Buffer buffer = vecdb_read_buffer_hinted(index, so->hints, blkno);
        LockBuffer(buffer, BUFFER_LOCK_SHARE);
        Page page = BufferGetPage(buffer);
        // VACUUM may have unlinked the page, even freed it for other use: its
        // entries were all removed then
        bool gone = !vecdb_page_is_vecdb(page) || VecdbPageGetOpaque(page)->kind != VECDB_PAGE_DATA;
        OffsetNumber max = gone ? InvalidOffsetNumber : PageGetMaxOffsetNumber(page);
        for (; i < so->ndeferred && so->deferred[i].block == blkno; i++) {
            const IvfDeferred* d = &so->deferred[i];
            IvfFullEntry* found = NULL;
            Size length = 0;
            for (OffsetNumber probe = 0; !gone && probe <= max && found == NULL; probe++) {
                OffsetNumber off = probe == 0 ? d->offset : probe;  // its own offset first
                if (off < FirstOffsetNumber || off > max) continue;
                ItemId item_id = PageGetItemId(page, off);
                if (!ItemIdIsNormal(item_id)) continue;
                IvfFullEntry* entry = (IvfFullEntry*)PageGetItem(page, item_id);
                if (ItemPointerEquals(&entry->heap_tid, (ItemPointer)&d->heap_tid)) {
                    found = entry;
                    length = ItemIdGetLength(item_id);
                }
            }
            if (found != NULL)
                push_exact(so, &found->heap_tid,
                           vecdb_metric_key(&so->metric, so->query,
                                            ivf_full_entry_value(index, found, length, &so->overflow)));
        }
        UnlockReleaseBuffer(buffer);
    }
    so->ndeferred = 0;
}

// Scores the sq8 code entries of one locked page (or, without a query,
// lists their rows as NULL-distance results).
static void score_code_page(Relation index, IvfScanOpaque so, Page page) {
    Size code_entry_size = IVF_CODE_HEADER_SIZE + ivf_code_size(&so->meta);
    OffsetNumber max = PageGetMaxOffsetNumber(page);
    for (OffsetNumber off = FirstOffsetNumber; off <= max; off = OffsetNumberNext(off)) {
        ItemId item_id = PageGetItemId(page, off);
        if (!ItemIdIsNormal(item_id)) continue;
        if (ItemIdGetLength(item_id) != code_entry_size) report_corrupt_entry(index);
        const IvfCodeEntry* entry = (const IvfCodeEntry*)PageGetItem(page, item_id);
        if (so->query == NULL)
            vecdb_collector_push_null(&so->collector, (ItemPointer)&entry->heap_tid);
        else
            push_candidate(so, &entry->vector, sq8_key(so, entry));
    }
}

// Lists the rows of the full entries of one locked page (no query: every
// row comes out with a NULL distance).
static void list_full_page(IvfScanOpaque so, Page page) {
    OffsetNumber max = PageGetMaxOffsetNumber(page);
    for (OffsetNumber off = FirstOffsetNumber; off <= max; off = OffsetNumberNext(off)) {
        ItemId item_id = PageGetItemId(page, off);
        if (!ItemIdIsNormal(item_id)) continue;
        vecdb_collector_push_null(&so->collector, &((IvfFullEntry*)PageGetItem(page, item_id))->heap_tid);
    }
}

// Scores every entry of one list whose chain starts at `head` (already
// pinned as *carried when that is valid). The next page is pinned and
// prefetched before the current one is scored; at the end of the chain
// that is `next_head`, the first page of the list scored after this one,
// which is handed back pinned in *carried.
static void score_list(IndexScanDesc scan, IvfScanOpaque so, uint32 list, BlockNumber head, Buffer* carried,
                       BlockNumber next_head) {
    Relation index = scan->indexRelation;
    bool pq = so->quantized && so->meta.quantizer == IVF_QUANTIZER_PQ && so->query != NULL;
    double list_dot = pq ? pq_prepare_list(index, so, list) : 0;
    BlockNumber blkno = head;
    Buffer buffer = *carried;
    *carried = InvalidBuffer;
    if (buffer == InvalidBuffer && blkno != InvalidBlockNumber) buffer = pin_and_prefetch(index, so, blkno);
    while (buffer != InvalidBuffer) {
        CHECK_FOR_INTERRUPTS();
        LockBuffer(buffer, BUFFER_LOCK_SHARE);
        Page page = BufferGetPage(buffer);
        ivf_check_chain_page(index, page, blkno);  // an unlinked page holds nothing
        OffsetNumber max = PageGetMaxOffsetNumber(page);
        BlockNumber blkno_scored = blkno;
        blkno = VecdbPageGetOpaque(page)->next;
        Buffer next = InvalidBuffer;
        if (blkno != InvalidBlockNumber)
            next = pin_and_prefetch(index, so, blkno);
        else if (next_head != InvalidBlockNumber)
            *carried = pin_and_prefetch(index, so, next_head);
        if (pq)
            score_pq_page(index, so, page, list_dot);
        else if (so->quantized)
            score_code_page(index, so, page);
        else if (so->query == NULL)
            list_full_page(so, page);
        else
            score_full_page(index, so, page, blkno_scored);
        so->scored += max;
        vecdb_scan_stats_scored(&so->stats, max);
        vecdb_scan_stats_list_page(&so->stats);
        UnlockReleaseBuffer(buffer);
        buffer = next;
    }
}

// Reads the chain heads of `n` lists, holding each directory page once.
static void read_list_heads(Relation index, IvfScanOpaque so, const uint32* lists, uint32 n, BlockNumber* heads) {
    Buffer buffer = InvalidBuffer;
    BlockNumber held = InvalidBlockNumber;
    for (uint32 i = 0; i < n; i++) {
        BlockNumber blkno = ivf_slot_block(&so->meta, lists[i]);
        if (blkno != held) {
            if (buffer != InvalidBuffer) UnlockReleaseBuffer(buffer);
            buffer = vecdb_read_buffer_hinted(index, so->hints, blkno);
            LockBuffer(buffer, BUFFER_LOCK_SHARE);
            ivf_check_slot_page(index, &so->meta, BufferGetPage(buffer), blkno);
            held = blkno;
        }
        heads[i] = ivf_slot_in_page(&so->meta, BufferGetPage(buffer), lists[i])->head;
    }
    if (buffer != InvalidBuffer) UnlockReleaseBuffer(buffer);
}

// Re-scores the next vecdb.rerank quantized candidates with their full vectors;
// false when none were left. A vector VACUUM removed since the list was
// read is skipped: its row is dead.
static bool rerank_next(IndexScanDesc scan, IvfScanOpaque so) {
    if (so->next_candidate >= so->ncandidates) return false;
    Relation index = scan->indexRelation;
    size_t count = vecdb::core::order_next_batch(so->candidates, so->next_candidate, so->ncandidates,
                                                 (size_t)vecdb_ivf_rerank);
    for (size_t i = so->next_candidate; i < so->next_candidate + count; i++) {
        CHECK_FOR_INTERRUPTS();
        const ScoredItem* c = &so->candidates[i];
        Buffer buffer = vecdb_read_buffer_hinted(index, so->hints, c->block);
        vecdb_scan_stats_rerank_page(&so->stats);
        LockBuffer(buffer, BUFFER_LOCK_SHARE);
        Page page = BufferGetPage(buffer);
        vecdb_page_check(index, page, c->block, IVF_PAGE_VECTOR);
        if (c->offset >= FirstOffsetNumber && c->offset <= PageGetMaxOffsetNumber(page)) {
            ItemId item_id = PageGetItemId(page, c->offset);
            if (ItemIdIsNormal(item_id)) {
                IvfFullEntry* entry = (IvfFullEntry*)PageGetItem(page, item_id);
                const struct varlena* value = ivf_full_entry_value(index, entry, ItemIdGetLength(item_id), &so->overflow);
                push_exact(so, &entry->heap_tid, vecdb_metric_key(&so->metric, so->query, value));
            }
        }
        UnlockReleaseBuffer(buffer);
    }
    so->next_candidate += count;
    return true;
}

// Scores the next `probes` lists in distance order; false when all were
// read, or when the scan may not go on (vecdb.iterative_scan,
// vecdb.max_scan_tuples) after the first round.
static bool open_more_lists(IndexScanDesc scan, IvfScanOpaque so) {
    if (so->next_list >= so->nlists) return false;
    if (so->next_list > 0 && so->query != NULL &&
        (vecdb_iterative_scan == VECDB_ITERATIVE_SCAN_OFF || so->scored >= vecdb_max_scan_tuples))
        return false;
    if (so->next_list > 0) vecdb_scan_stats_continued(&so->stats);
    uint32 end = Min(so->nlists, so->next_list + so->probes);
    MemoryContext old = MemoryContextSwitchTo(so->context);
    uint32 n = end - so->next_list;
    BlockNumber* heads = (BlockNumber*)palloc(sizeof(BlockNumber) * n);
    read_list_heads(scan->indexRelation, so, so->list_order + so->next_list, n, heads);
    Buffer carried = InvalidBuffer;
    for (uint32 i = 0; i < n; i++)
        score_list(scan, so, so->list_order[so->next_list + i], heads[i], &carried,
                   i + 1 < n ? heads[i + 1] : InvalidBlockNumber);
    so->next_list = end;
    pfree(heads);
    MemoryContextSwitchTo(old);
    return true;
}

bool ivf_get_tuple(IndexScanDesc scan, ScanDirection dir) {
    IvfScanOpaque so = (IvfScanOpaque)scan->opaque;
    if (scan->numberOfOrderBys == 0)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("an ivf index scan needs an ORDER BY distance operator")));
    if (!ScanDirectionIsForward(dir))
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("ivf index scans only go forward")));
    if (!so->started) {
        MemoryContext old = MemoryContextSwitchTo(so->context);
        so->hints = vecdb_buffer_hints(scan->indexRelation);
        plan_lists(scan, so);
        MemoryContextSwitchTo(old);
        so->started = true;
    }
    for (;;) {
        if (so->ndeferred > 0 && (so->returned >= IVF_KEEP || !vecdb_collector_has_scored(&so->collector))) {
            // rows past the IVF_KEEP nearest may be among those set aside
            MemoryContext old = MemoryContextSwitchTo(so->context);
            rescore_deferred(scan->indexRelation, so);
            MemoryContextSwitchTo(old);
        }
        if (vecdb_collector_has_scored(&so->collector)) {
            so->returned++;
            vecdb_collector_return_next(&so->collector, scan, &so->metric);
            so->returned_any = true;
            so->last_distance = DatumGetFloat8(scan->xs_orderbyvals[0]);
            return true;
        }
        MemoryContext old = MemoryContextSwitchTo(so->context);
        bool more = so->quantized && rerank_next(scan, so);
        MemoryContextSwitchTo(old);
        if (more) continue;
        if (!open_more_lists(scan, so)) return vecdb_collector_return_next(&so->collector, scan, &so->metric);
    }
}

void ivf_end_scan(IndexScanDesc scan) {
    IvfScanOpaque so = (IvfScanOpaque)scan->opaque;
    vecdb_scan_stats_publish(scan->indexRelation, &so->stats);
    vecdb_scan_distance_forget(scan);
    MemoryContextDelete(so->context);
    pfree(so);
    scan->opaque = NULL;
}
