// The "emit the next result" half of every vecdb ordered scan, whatever
// finds the rows (an exhaustive pass, IVF lists, a graph search): it hands
// amgettuple one heap TID with its ORDER BY value, and keeps the rows
// whose distance is NULL (NULL vector or NULL query) to return after every
// scored row, as a sort would.
#pragma once

#include "pg/pg.h"

typedef struct VecdbResultEmitter {
    MemoryContext context;       // where null_rows lives
    ItemPointerData* null_rows;  // rows whose distance is NULL, returned last
    size_t nnull, null_capacity, next_null;
} VecdbResultEmitter;

// Empties the emitter; its array will be allocated in context.
void vecdb_emitter_reset(VecdbResultEmitter* emitter, MemoryContext context);

// Keeps a row whose distance is NULL for the end of the scan.
void vecdb_emitter_add_null(VecdbResultEmitter* emitter, ItemPointer tid);

// Sets the scan's answer: this heap row at this distance (what the SQL
// distance function returns), no recheck. An AM with lossy distances sets
// scan->xs_recheckorderby itself afterwards.
void vecdb_emit(IndexScanDesc scan, ItemPointer tid, double distance);

// Sets the scan's answer to the next NULL-distance row; false when none is
// left. Call it once the scored rows are exhausted.
bool vecdb_emit_next_null(VecdbResultEmitter* emitter, IndexScanDesc scan);
