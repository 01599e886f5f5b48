// The hnsw access method's handler: wires the callbacks into Postgres.
#include "am/hnsw/hnsw.h"
#include "am/common/am_routine.h"
#include "am/hnsw/hnsw_keys.h"

extern "C" {
#include "access/amapi.h"
#include "commands/progress.h"
#include "commands/vacuum.h"
}

void hnsw_cost_estimate(PlannerInfo* root, IndexPath* path, double loop_count, Cost* startup_cost,
                        Cost* total_cost, Selectivity* selectivity, double* correlation, double* index_pages);

// ambuildphasename: names of the sub-phases in pg_stat_progress_create_index.
static char* hnsw_build_phase_name(int64 phase) {
    switch (phase) {
        case PROGRESS_CREATEIDX_SUBPHASE_INITIALIZE: return (char*)"initializing";
        case HNSW_PHASE_LOAD: return (char*)"loading tuples";
        case HNSW_PHASE_GRAPH: return (char*)"building graph";
        case HNSW_PHASE_WRITE: return (char*)"writing pages";
        case HNSW_PHASE_INSERT: return (char*)"inserting tuples";
        default: return NULL;
    }
}

// The handler: the routine every vecdb AM shares plus hnsw's own callbacks.
VECDB_FUNCTION(hnsw_handler) {
    IndexAmRoutine* am = vecdb_make_am_routine();
    // the vector, then key columns a scan filters on while it traverses
    // (hnsw_keys.h); any of them may be left out of the WHERE clause
    am->amcanmulticol = true;
    am->amoptionalkey = true;
    am->amvalidate = hnsw_validate_opclass;
    am->amadjustmembers = hnsw_adjust_opclass_members;
    am->ambuild = hnsw_build;
    am->ambuildempty = hnsw_build_empty;
    am->aminsert = hnsw_insert;
    am->ambulkdelete = hnsw_bulk_delete;
    am->amvacuumcleanup = hnsw_vacuum_cleanup;
    am->amcostestimate = hnsw_cost_estimate;
    am->amoptions = hnsw_options;
    am->ambuildphasename = hnsw_build_phase_name;
    am->ambeginscan = hnsw_begin_scan;
    am->amrescan = hnsw_rescan;
    am->amgettuple = hnsw_get_tuple;
    am->amendscan = hnsw_end_scan;
    PG_RETURN_POINTER(am);
}
