// The exhaustive half of an ordered scan (flat, an IVF list): every
// candidate row is scored once (a distance key each, or NULL), then handed
// to amgettuple nearest first in growing batches, so a WHERE clause that
// rejects rows just pulls the next batch instead of restarting the search.
// Results go out through the shared result emitter.
#pragma once

#include "pg/pg.h"
#include "am/common/metric.h"
#include "am/common/result_emitter.h"
#include "core/topk/batch_select.h"

typedef struct VecdbCollector {
    MemoryContext context;            // where the arrays live
    vecdb::core::ScoredItem* items;   // scored rows
    size_t nitems, capacity, next, ordered_end, batch;
    VecdbResultEmitter emitter;       // NULL-distance rows, and the hand-over
    // The scan's query when the keys are exactly the ORDER BY operator's
    // values, so each returned row's distance is handed to the target list
    // (am/common/scan_distance.h); NULL: nothing is handed over.
    const struct varlena* remember_query;
} VecdbCollector;

// Empties the collector; its arrays will be allocated in context.
void vecdb_collector_reset(VecdbCollector* collector, MemoryContext context);

// Hands each returned row's distance to the query's target list when the
// metric's keys are the operator's own values (query: the scan's copy, alive
// until the scan forgets it with vecdb_scan_distance_forget at rescan and
// end). Call after vecdb_collector_reset.
void vecdb_collector_remember_distances(VecdbCollector* collector, const VecdbMetric* metric,
                                        const struct varlena* query);

// Adds a row with its distance key (vecdb_metric_key's order-equivalent
// key). Rows may be added after results were handed out (an IVF scan
// probing more lists): the rest are then ordered again with them.
void vecdb_collector_push(VecdbCollector* collector, ItemPointer tid, double key);

// Adds a row whose distance is NULL (NULL vector, or NULL query).
void vecdb_collector_push_null(VecdbCollector* collector, ItemPointer tid);

// Whether scored rows remain to be handed out (NULL rows not counted).
bool vecdb_collector_has_scored(const VecdbCollector* collector);

// amgettuple's answer: sets the scan's heap TID and ORDER BY value from the
// nearest row not yet returned, NULL-distance rows last; false when the
// collector is exhausted.
bool vecdb_collector_return_next(VecdbCollector* collector, IndexScanDesc scan, const VecdbMetric* metric);
