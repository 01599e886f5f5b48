// CREATE INDEX for flat: scan the heap and append every row's entry.
#include "am/common/build_info.h"
#include "am/flat/flat.h"

extern "C" {
#include "access/tableam.h"
#include "commands/progress.h"
#include "pgstat.h"
}

typedef struct FlatBuildState {
    FlatInsertHint hint;
    double tuples;
    MemoryContext tuple_context;  // reset per row: detoasted values go here
} FlatBuildState;

// table_index_build_scan callback: one heap row.
static void build_callback(Relation index, ItemPointer tid, Datum* values, bool* isnull,
                           bool tuple_is_alive, void* state_ptr) {
    FlatBuildState* state = (FlatBuildState*)state_ptr;
    MemoryContext old = MemoryContextSwitchTo(state->tuple_context);
    flat_append(index, tid, values[0], isnull[0], &state->hint);
    MemoryContextSwitchTo(old);
    MemoryContextReset(state->tuple_context);
    state->tuples += 1;
    pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, (int64)state->tuples);
}

IndexBuildResult* flat_build(Relation heap, Relation index, IndexInfo* index_info) {
    if (RelationGetNumberOfBlocks(index) != 0)
        elog(ERROR, "index \"%s\" already contains data", RelationGetRelationName(index));

    TimestampTz started = GetCurrentTimestamp();
    flat_init_metapage(index, MAIN_FORKNUM);

    FlatBuildState state;
    state.hint.page = InvalidBlockNumber;
    state.tuples = 0;
    state.tuple_context = AllocSetContextCreate(CurrentMemoryContext, "flat build tuple",
                                                ALLOCSET_DEFAULT_SIZES);
    pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, FLAT_PHASE_LOAD);
    pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_TOTAL,
                                 (int64)Max(heap->rd_rel->reltuples, 0));
    double heap_tuples = table_index_build_scan(heap, index, index_info, true, true, build_callback,
                                                (void*)&state, NULL);
    MemoryContextDelete(state.tuple_context);

    vecdb_meta_record_build(index, started, state.tuples);
    IndexBuildResult* result = (IndexBuildResult*)palloc(sizeof(IndexBuildResult));
    result->heap_tuples = heap_tuples;
    result->index_tuples = state.tuples;
    return result;
}

void flat_build_empty(Relation index) {
    flat_init_metapage(index, INIT_FORKNUM);
}
