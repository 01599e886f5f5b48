// Ordered scans of an hnsw index: descend the upper levels from the entry
// point, search level 0 with vecdb.hnsw_ef_search, and hand the results out
// nearest first. With vecdb.iterative_scan the search continues from where
// it stopped whenever the rows found run out (a WHERE clause rejected
// them), until the executor has its LIMIT or vecdb.max_scan_tuples entries
// were scored.
#include "am/hnsw/hnsw.h"
#include "am/hnsw/hnsw_keys.h"
#include "am/hnsw/hnsw_pending.h"
#include "am/common/result_emitter.h"
#include "am/common/scan_stats.h"
#include "am/common/scan_distance.h"

#include <algorithm>
#include <cmath>

using vecdb::core::hnsw::Scored;

typedef struct HnswScanOpaqueData {
    MemoryContext context;        // the search's arrays: kept across rescans
    MemoryContext query_context;  // the query: reset on rescan
    VecdbMetric metric;
    HnswSearch search;
    bool started, exhausted;
    struct varlena* query;  // NULL when the ORDER BY argument is NULL
    HnswKeyFilter* filter;  // the WHERE clause's quals on key columns, NULL without
    bool exact;             // the key directory's matches were scored exactly: one batch, all of them
    double passing;         // the fraction of elements the key quals pass (1 when unknown)
    Scored* ready;          // the current batch, nearest first
    ItemPointerData* vectors;  // sq8: the batch's full-vector TIDs, to prefetch them
    uint32 nready, next_ready, ready_capacity;
    float last_returned;
    uint32 rounds;
    uint64 scored_counted;  // search->scored_total already added to stats
    // the distances emitted are bit for bit what the ORDER BY operator
    // computes (the float key holds its value exactly): the target list may
    // take them (am/common/scan_distance)
    bool distance_exact;
    VecdbScanStats stats;   // for pg_stat_user_indexes and vecdb.stat_search
    HnswPendingRows pending;  // the pending list's rows, scored exactly (hnsw_pending.h)
} HnswScanOpaqueData;

typedef HnswScanOpaqueData* HnswScanOpaque;

// Whether the emitted distance of a metric equals its operator's result
// exactly: the float32 kernels' l2, inner product and cosine of vector and
// halfvec (a float key holds their value; the sparse ones are doubles
// rounded to float). NaN is emitted as Infinity, so only finite distances
// are handed over.
static bool hnsw_distance_exact(const VecdbMetric* metric) {
    switch (metric->kind) {
        case VECDB_KEY_VECTOR_L2:
        case VECDB_KEY_VECTOR_IP:
        case VECDB_KEY_VECTOR_COSINE:
        case VECDB_KEY_HALFVEC_L2:
        case VECDB_KEY_HALFVEC_IP:
        case VECDB_KEY_HALFVEC_COSINE:
            return true;
        default:
            return false;
    }
}

IndexScanDesc hnsw_begin_scan(Relation index, int nkeys, int norderbys) {
    IndexScanDesc scan = RelationGetIndexScan(index, nkeys, norderbys);
    HnswScanOpaque so = (HnswScanOpaque)palloc0(sizeof(HnswScanOpaqueData));
    so->context = AllocSetContextCreate(CurrentMemoryContext, "hnsw scan", ALLOCSET_DEFAULT_SIZES);
    so->query_context = AllocSetContextCreate(so->context, "hnsw scan query", ALLOCSET_SMALL_SIZES);
    vecdb_metric_init(&so->metric, index);
    so->distance_exact = hnsw_distance_exact(&so->metric);
    HnswMetaData meta = hnsw_read_meta(index);
    hnsw_search_init_reused(&so->search, index, so->context, &so->metric, meta.m);
    MemoryContext old = MemoryContextSwitchTo(so->context);
    so->search.quant = hnsw_quant_load(index, &so->metric, &meta);
    MemoryContextSwitchTo(old);
    scan->opaque = so;
    scan->xs_orderbyvals = (Datum*)palloc0(sizeof(Datum) * Max(norderbys, 1));
    scan->xs_orderbynulls = (bool*)palloc(sizeof(bool) * Max(norderbys, 1));
    return scan;
}

void hnsw_rescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys, int norderbys) {
    HnswScanOpaque so = (HnswScanOpaque)scan->opaque;
    if (keys && scan->numberOfKeys > 0) memmove(scan->keyData, keys, scan->numberOfKeys * sizeof(ScanKeyData));
    if (orderbys && scan->numberOfOrderBys > 0)
        memmove(scan->orderByData, orderbys, scan->numberOfOrderBys * sizeof(ScanKeyData));
    vecdb_scan_distance_forget(scan);
    // the next query may be copied to where this one was
    hnsw_search_forget_query(&so->search);
    MemoryContextReset(so->query_context);
    vecdb_scan_stats_start(scan->indexRelation, &so->stats);
    so->scored_counted = so->search.scored_total;
    so->started = false;
    so->exhausted = false;
    so->query = NULL;
    so->search.filter = NULL;
    so->exact = false;
    so->passing = 1.0;
    so->nready = so->next_ready = 0;
    so->rounds = 0;
    memset(&so->pending, 0, sizeof so->pending);
    if (scan->numberOfOrderBys > 0 && !(scan->orderByData[0].sk_flags & SK_ISNULL)) {
        MemoryContext old = MemoryContextSwitchTo(so->query_context);
        so->query = PG_DETOAST_DATUM_COPY(scan->orderByData[0].sk_argument);
        MemoryContextSwitchTo(old);
    }
    MemoryContext old = MemoryContextSwitchTo(so->query_context);
    so->filter = hnsw_key_filter(scan->indexRelation, scan->keyData, scan->numberOfKeys);
    MemoryContextSwitchTo(old);
}

// sq8: replaces the batch's code distances by exact ones from the full
// vectors and sorts it again, so what the scan returns is exact.
static void rerank(HnswScanOpaque so) {
    HnswSearch* search = &so->search;
    uint32 nvectors = 0;
    for (uint32 i = 0; i < so->nready; i++) {
        const HnswNode* node = &search->nodes[so->ready[i].id];
        if (ItemPointerIsValid(&node->vector)) so->vectors[nvectors++] = node->vector;
    }
    hnsw_search_prefetch(search, so->vectors, nvectors);
    for (uint32 i = 0; i < so->nready; i++) {
        HnswNode* node = &search->nodes[so->ready[i].id];
        if (!ItemPointerIsValid(&node->vector)) continue;  // scored on its full value already
        double key = hnsw_search_vector_key(search, so->query, &node->vector);
        so->ready[i].dist = std::isnan(key) ? INFINITY : (float)key;
    }
    std::sort(so->ready, so->ready + so->nready, [](const Scored& a, const Scored& b) { return a.dist < b.dist; });
}

// Runs one more round of the level-0 search and makes its results the
// ready batch; false when nothing more can be found.
static bool next_batch(HnswScanOpaque so) {
    HnswSearch* search = &so->search;
    uint32 ef = (uint32)hnsw_ef_search;
    // Key quals in the graph: the search keeps going through rejected
    // elements until enough pass (hnsw_filtered_ef)
    if (so->filter && so->passing < 1.0) ef = hnsw_filtered_ef(ef, so->passing);
    if (so->exact) return false;  // its one batch held every match
    if (so->rounds > 0) {
        if (vecdb_iterative_scan == VECDB_ITERATIVE_SCAN_OFF) return false;
        if (search->scored >= (uint64)vecdb_max_scan_tuples) return false;
    }
    if (so->rounds > 0) vecdb_scan_stats_continued(&so->stats);
    // (with key quals even the first round is bounded: few elements may pass)
    hnsw_search_run(search, ef, so->rounds > 0 || so->filter ? (uint64)vecdb_max_scan_tuples : 0);
    so->rounds++;
    // (the descent's nodes included: scored_total spans every level's search)
    vecdb_scan_stats_scored(&so->stats, search->scored_total - so->scored_counted);
    so->scored_counted = search->scored_total;
    if (so->ready_capacity < ef) {
        so->ready = (Scored*)MemoryContextAlloc(so->context, sizeof(Scored) * ef);
        so->vectors = (ItemPointerData*)MemoryContextAlloc(so->context, sizeof(ItemPointerData) * ef);
        so->ready_capacity = ef;
    }
    so->nready = hnsw_search_take_results(search, so->ready);
    so->next_ready = 0;
    if (search->quant) rerank(so);
    return so->nready > 0;
}

// Makes room for a ready batch of n.
static void reserve_ready(HnswScanOpaque so, uint32 n) {
    if (so->ready_capacity >= n) return;
    so->ready = (Scored*)MemoryContextAlloc(so->context, sizeof(Scored) * n);
    so->vectors = (ItemPointerData*)MemoryContextAlloc(so->context, sizeof(ItemPointerData) * n);
    so->ready_capacity = n;
}

// Selective key quals: when the key directory says few elements pass,
// scores exactly those (no graph: a traversal would meet mostly rejected
// elements) and makes them, nearest first, the one batch. False when too
// many pass for that to be cheaper than the graph search.
static bool score_matches(IndexScanDesc scan, HnswScanOpaque so, const HnswMetaData* meta) {
    Relation index = scan->indexRelation;
    double entries = Max(index->rd_rel->reltuples, 1000.0);
    // exact scoring costs about s * entries, the graph hnsw_filtered_scored:
    // the crossover (hnsw_cost.cpp uses the same)
    double first = 0.4 * Max(hnsw_ef_search, 1) * meta->m + meta->m * std::log(entries);
    int64 limit = (int64)Min(hnsw_exact_match_limit(first, entries), (double)vecdb_max_scan_tuples);
    ItemPointerData* matches;
    int64 n = hnsw_key_directory_matches(index, meta, so->filter, limit, entries, &matches, &so->passing);
    if (n < 0) return false;
    HnswSearch* search = &so->search;
    hnsw_search_begin(search, so->query, 0);
    reserve_ready(so, (uint32)Max(n, 1));
    uint32 nready = 0;
    for (int64 i = 0; i < n; i++) {
        if ((i & 31) == 0) hnsw_search_prefetch(search, &matches[i], (uint32)Min(n - i, (int64)32));
        int32 id = hnsw_search_score(search, &matches[i], false);
        const HnswNode* node = &search->nodes[id];
        if (node->flags & (HNSW_NODE_DELETED | HNSW_NODE_FILTERED)) continue;
        so->ready[nready].dist = node->dist;
        so->ready[nready].id = (uint32)id;
        nready++;
    }
    pfree(matches);
    vecdb_scan_stats_scored(&so->stats, search->scored_total - so->scored_counted);
    so->scored_counted = search->scored_total;
    so->nready = nready;
    so->next_ready = 0;
    so->rounds = 1;
    so->exact = true;
    std::sort(so->ready, so->ready + nready, [](const Scored& a, const Scored& b) { return a.dist < b.dist; });
    if (search->quant) rerank(so);
    if (nready == 0) so->exhausted = true;
    return true;
}

// Starts the search: descends from the entry point to level 0.
static void start_search(IndexScanDesc scan, HnswScanOpaque so) {
    so->started = true;
    HnswMetaData meta = hnsw_read_meta(scan->indexRelation);
    if (so->query == NULL || (so->filter && so->filter->impossible)) {
        // nothing is nearer or farther than NULL: no row is returned (as with pgvector)
        so->exhausted = true;
        return;
    }
    // the pending list before the graph: what a merge moves meanwhile is in the graph by then
    MemoryContext old = MemoryContextSwitchTo(so->query_context);
    hnsw_pending_collect(scan->indexRelation, &meta, &so->metric, so->query, so->filter, &so->pending);
    MemoryContextSwitchTo(old);
    vecdb_scan_stats_scored(&so->stats, so->pending.n);
    if (!ItemPointerIsValid(&meta.entry)) {
        so->exhausted = true;  // no graph yet: only the pending rows
        return;
    }
    so->search.m = meta.m;
    if (so->filter) {
        so->search.filter = so->filter;
        if (score_matches(scan, so, &meta)) return;
        so->search.filter = NULL;
    }
    ItemPointerData entry = meta.entry;
    entry = hnsw_greedy_descend(&so->search, so->query, &entry, meta.entry_level, 0);
    // key quals apply on level 0 only: the descent needs every waypoint
    so->search.filter = so->filter;
    hnsw_search_begin(&so->search, so->query, 0);
    hnsw_search_seed(&so->search, &entry);
    // the entry point too: every element is reachable on level 0 from it
    // (build and insert keep it so), so a search that runs to the end
    // returns every row, whatever node the descent ended on
    hnsw_search_seed(&so->search, &meta.entry);
}

bool hnsw_get_tuple(IndexScanDesc scan, ScanDirection dir) {
    HnswScanOpaque so = (HnswScanOpaque)scan->opaque;
    if (scan->numberOfOrderBys == 0)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("an hnsw index scan needs an ORDER BY distance operator")));
    if (!ScanDirectionIsForward(dir))
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("hnsw index scans only go forward")));
    if (!so->started) start_search(scan, so);
    const Scored* item = NULL;
    while (!so->exhausted) {
        if (so->next_ready == so->nready) {
            if (!next_batch(so)) {
                so->exhausted = true;
                break;
            }
        }
        item = &so->ready[so->next_ready];
        // strict order: a later round found something nearer than what was returned; skip it
        bool skip = vecdb_iterative_scan == VECDB_ITERATIVE_SCAN_STRICT_ORDER && so->rounds > 1 &&
                    item->dist < so->last_returned;
        // a row being merged is in both: the pending list returns it
        skip = skip || (so->pending.n > 0 && hnsw_pending_has(&so->pending, &so->search.nodes[item->id].heap_tid));
        if (!skip) break;
        so->next_ready++;
        item = NULL;
    }
    ItemPointerData tid;
    float key;
    if (hnsw_pending_next(&so->pending, item ? item->dist : INFINITY, item == NULL, &tid, &key)) {
        // a pending row nearer than the graph's next one goes first
    } else if (item != NULL) {
        so->next_ready++;
        tid = so->search.nodes[item->id].heap_tid;
        key = item->dist;
    } else {
        return false;
    }
    so->last_returned = key;
    double distance = vecdb_metric_key_to_distance(&so->metric, key);
    vecdb_emit(scan, &tid, distance);
    // (forgotten otherwise: what the target list sees is always this emit's)
    if (so->distance_exact && std::isfinite(distance))
        vecdb_scan_distance_remember(scan, &tid, distance, so->query);
    else
        vecdb_scan_distance_forget(scan);
    // hashes and signatures pass some rows the real operators reject
    if (so->filter && so->filter->recheck) scan->xs_recheck = true;
    return true;
}

void hnsw_end_scan(IndexScanDesc scan) {
    HnswScanOpaque so = (HnswScanOpaque)scan->opaque;
    vecdb_scan_stats_publish(scan->indexRelation, &so->stats);
    vecdb_scan_distance_forget(scan);
    MemoryContextDelete(so->context);
    pfree(so);
    scan->opaque = NULL;
}
