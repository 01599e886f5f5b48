// Ordered delivery of exhaustively scored rows to amgettuple.
#include "am/common/exhaustive_collector.h"
#include "am/common/scan_distance.h"

#include <cmath>

using vecdb::core::ScoredItem;

#define VECDB_FIRST_BATCH 64
#define VECDB_MAX_BATCH ((size_t)1 << 20)

void vecdb_collector_reset(VecdbCollector* collector, MemoryContext context) {
    memset(collector, 0, sizeof *collector);
    collector->context = context;
    collector->batch = VECDB_FIRST_BATCH;
    vecdb_emitter_reset(&collector->emitter, context);
}

void vecdb_collector_remember_distances(VecdbCollector* collector, const VecdbMetric* metric,
                                        const struct varlena* query) {
    collector->remember_query = vecdb_metric_distance_is_operator_value(metric) ? query : NULL;
}

void vecdb_collector_push(VecdbCollector* collector, ItemPointer tid, double key) {
    if (collector->nitems == collector->capacity) {
        collector->capacity = Max(collector->capacity * 2, 1024);
        Size bytes = collector->capacity * sizeof(ScoredItem);
        collector->items = (ScoredItem*)(collector->items ? repalloc_huge(collector->items, bytes)
                                                          : MemoryContextAllocHuge(collector->context, bytes));
    }
    ScoredItem* item = &collector->items[collector->nitems++];
    item->key = key;
    item->block = ItemPointerGetBlockNumberNoCheck(tid);
    item->offset = ItemPointerGetOffsetNumberNoCheck(tid);
    item->spare = 0;
    // the ordered batch may no longer hold the nearest remaining rows
    collector->ordered_end = collector->next;
}

void vecdb_collector_push_null(VecdbCollector* collector, ItemPointer tid) {
    vecdb_emitter_add_null(&collector->emitter, tid);
}

bool vecdb_collector_has_scored(const VecdbCollector* collector) {
    return collector->next < collector->nitems;
}

bool vecdb_collector_return_next(VecdbCollector* collector, IndexScanDesc scan, const VecdbMetric* metric) {
    if (collector->next < collector->nitems) {
        if (collector->next == collector->ordered_end) {
            collector->ordered_end += vecdb::core::order_next_batch(collector->items, collector->next,
                                                                    collector->nitems, collector->batch);
            collector->batch = Min(collector->batch * 2, VECDB_MAX_BATCH);
        }
        const ScoredItem* item = &collector->items[collector->next++];
        ItemPointerData tid;
        ItemPointerSet(&tid, item->block, item->offset);
        double distance = vecdb_metric_key_to_distance(metric, item->key);
        vecdb_emit(scan, &tid, distance);
        // NaN keys are emitted as what the operator would not return
        if (collector->remember_query != NULL && std::isfinite(distance))
            vecdb_scan_distance_remember(scan, &tid, distance, collector->remember_query);
        else
            vecdb_scan_distance_forget(scan);
        return true;
    }
    vecdb_scan_distance_forget(scan);
    return vecdb_emit_next_null(&collector->emitter, scan);
}
