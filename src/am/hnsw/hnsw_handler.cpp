// The hnsw access method's handler: wires the callbacks into Postgres.
#include "am/hnsw/hnsw.h"
#include "am/common/validate.h"

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

VECDB_FUNCTION(hnsw_handler) {
    IndexAmRoutine* am = makeNode(IndexAmRoutine);
    am->amstrategies = 0;
    am->amsupport = VECDB_NUM_SUPPORT_PROCS;
    am->amoptsprocnum = 0;
    am->amcanorder = false;
    am->amcanorderbyop = true;
    am->amcanbackward = false;
    am->amcanunique = false;
    am->amcanmulticol = false;
    am->amoptionalkey = true;
    am->amsearcharray = false;
    am->amsearchnulls = false;
    am->amstorage = false;
    am->amclusterable = false;
    am->ampredlocks = false;
    am->amcanparallel = false;
    am->amcaninclude = false;
    am->amusemaintenanceworkmem = false;
    am->amparallelvacuumoptions = VACUUM_OPTION_PARALLEL_BULKDEL;
    am->amkeytype = InvalidOid;

    am->ambuild = hnsw_build;
    am->ambuildempty = hnsw_build_empty;
    am->aminsert = hnsw_insert;
    am->ambulkdelete = hnsw_bulk_delete;
    am->amvacuumcleanup = hnsw_vacuum_cleanup;
    am->amcanreturn = NULL;
    am->amcostestimate = hnsw_cost_estimate;
    am->amoptions = hnsw_options;
    am->amproperty = NULL;
    am->ambuildphasename = hnsw_build_phase_name;
    am->amvalidate = vecdb_validate_opclass;
    am->amadjustmembers = vecdb_adjust_opclass_members;
    am->ambeginscan = hnsw_begin_scan;
    am->amrescan = hnsw_rescan;
    am->amgettuple = hnsw_get_tuple;
    am->amgetbitmap = NULL;
    am->amendscan = hnsw_end_scan;
    am->ammarkpos = NULL;
    am->amrestrpos = NULL;
    am->amestimateparallelscan = NULL;
    am->aminitparallelscan = NULL;
    am->amparallelrescan = NULL;
    PG_RETURN_POINTER(am);
}
