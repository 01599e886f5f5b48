// The ordered-scan driver shared by vecdb index AMs: an AM scores candidate
// rows (a distance key each, or NULL), and the queue hands them to amgettuple
// nearest first, in growing batches, so a WHERE clause that rejects rows
// just pulls the next batch instead of restarting the search.
#pragma once

#include "pg/pg.h"
#include "am/common/metric.h"
#include "core/topk/batch_select.h"

typedef struct VecdbScanQueue {
    MemoryContext context;            // where the arrays live
    vecdb::core::ScoredItem* items;   // scored rows
    size_t nitems, capacity, next, ordered_end, batch;
    ItemPointerData* null_rows;       // rows whose distance is NULL, returned last
    size_t nnull, null_capacity, next_null;
} VecdbScanQueue;

// Empties the queue; its arrays will be allocated in context.
void vecdb_scan_queue_reset(VecdbScanQueue* queue, MemoryContext context);

// Adds a row with its distance key.
void vecdb_scan_queue_push(VecdbScanQueue* queue, ItemPointer tid, double key);

// Adds a row whose distance is NULL (NULL vector, or NULL query).
void vecdb_scan_queue_push_null(VecdbScanQueue* queue, ItemPointer tid);

// amgettuple's answer: sets the scan's heap TID and ORDER BY value from the
// nearest row not yet returned; false when the queue is exhausted.
bool vecdb_scan_queue_return_next(VecdbScanQueue* queue, IndexScanDesc scan, const VecdbMetric* metric);
