// Handing results to amgettuple, NULL-distance rows last.
#include "am/common/result_emitter.h"

void vecdb_emitter_reset(VecdbResultEmitter* emitter, MemoryContext context) {
    memset(emitter, 0, sizeof *emitter);
    emitter->context = context;
}

void vecdb_emitter_add_null(VecdbResultEmitter* emitter, ItemPointer tid) {
    if (emitter->nnull == emitter->null_capacity) {
        emitter->null_capacity = Max(emitter->null_capacity * 2, 1024);
        Size bytes = emitter->null_capacity * sizeof(ItemPointerData);
        emitter->null_rows = (ItemPointerData*)(emitter->null_rows ? repalloc_huge(emitter->null_rows, bytes)
                                                                   : MemoryContextAllocHuge(emitter->context, bytes));
    }
    emitter->null_rows[emitter->nnull++] = *tid;
}

void vecdb_emit(IndexScanDesc scan, ItemPointer tid, double distance) {
    scan->xs_recheck = false;
    scan->xs_recheckorderby = false;
    scan->xs_heaptid = *tid;
    scan->xs_orderbyvals[0] = Float8GetDatum(distance);
    scan->xs_orderbynulls[0] = false;
}

bool vecdb_emit_next_null(VecdbResultEmitter* emitter, IndexScanDesc scan) {
    if (emitter->next_null >= emitter->nnull) return false;
    scan->xs_recheck = false;
    scan->xs_recheckorderby = false;
    scan->xs_heaptid = emitter->null_rows[emitter->next_null++];
    scan->xs_orderbyvals[0] = (Datum)0;
    scan->xs_orderbynulls[0] = true;
    return true;
}
