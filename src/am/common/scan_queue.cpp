// Ordered delivery of scored rows to amgettuple.
#include "am/common/scan_queue.h"

using vecdb::core::ScoredItem;

#define VECDB_FIRST_BATCH 64
#define VECDB_MAX_BATCH ((size_t)1 << 20)

void vecdb_scan_queue_reset(VecdbScanQueue* queue, MemoryContext context) {
    memset(queue, 0, sizeof *queue);
    queue->context = context;
    queue->batch = VECDB_FIRST_BATCH;
}

// Doubles the capacity of one of the queue's arrays (allocating it the first time).
static void* grow(MemoryContext context, void* array, size_t* capacity, size_t element_size) {
    *capacity = Max(*capacity * 2, 1024);
    Size bytes = *capacity * element_size;
    return array ? repalloc_huge(array, bytes) : MemoryContextAllocHuge(context, bytes);
}

void vecdb_scan_queue_push(VecdbScanQueue* queue, ItemPointer tid, double key) {
    if (queue->nitems == queue->capacity)
        queue->items = (ScoredItem*)grow(queue->context, queue->items, &queue->capacity, sizeof(ScoredItem));
    ScoredItem* item = &queue->items[queue->nitems++];
    item->key = key;
    item->block = ItemPointerGetBlockNumberNoCheck(tid);
    item->offset = ItemPointerGetOffsetNumberNoCheck(tid);
    item->spare = 0;
}

void vecdb_scan_queue_push_null(VecdbScanQueue* queue, ItemPointer tid) {
    if (queue->nnull == queue->null_capacity)
        queue->null_rows = (ItemPointerData*)grow(queue->context, queue->null_rows, &queue->null_capacity,
                                                  sizeof(ItemPointerData));
    queue->null_rows[queue->nnull++] = *tid;
}

bool vecdb_scan_queue_return_next(VecdbScanQueue* queue, IndexScanDesc scan, const VecdbMetric* metric) {
    scan->xs_recheck = false;
    scan->xs_recheckorderby = false;
    if (queue->next < queue->nitems) {
        if (queue->next == queue->ordered_end) {
            queue->ordered_end +=
                vecdb::core::order_next_batch(queue->items, queue->next, queue->nitems, queue->batch);
            queue->batch = Min(queue->batch * 2, VECDB_MAX_BATCH);
        }
        const ScoredItem* item = &queue->items[queue->next++];
        ItemPointerSet(&scan->xs_heaptid, item->block, item->offset);
        scan->xs_orderbyvals[0] = Float8GetDatum(vecdb_metric_key_to_distance(metric, item->key));
        scan->xs_orderbynulls[0] = false;
        return true;
    }
    if (queue->next_null < queue->nnull) {
        scan->xs_heaptid = queue->null_rows[queue->next_null++];
        scan->xs_orderbyvals[0] = (Datum)0;
        scan->xs_orderbynulls[0] = true;
        return true;
    }
    return false;
}
