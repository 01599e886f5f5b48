// The flat access method's handler: wires the callbacks into Postgres.
#include "am/flat/flat.h"
#include "am/common/cost.h"
#include "am/common/am_routine.h"

extern "C" {
#include "access/amapi.h"
#include "commands/progress.h"
#include "commands/vacuum.h"
}

// ambuildphasename: names of the sub-phases in pg_stat_progress_create_index.
static char* flat_build_phase_name(int64 phase) {
    switch (phase) {
        case PROGRESS_CREATEIDX_SUBPHASE_INITIALIZE: return (char*)"initializing";
        case FLAT_PHASE_LOAD: return (char*)"loading tuples";
        default: return NULL;
    }
}

// The handler: the routine every vecdb AM shares plus flat's own callbacks.
VECDB_FUNCTION(flat_handler) {
    IndexAmRoutine* am = vecdb_make_am_routine();
    am->ambuild = flat_build;
    am->ambuildempty = flat_build_empty;
    am->aminsert = flat_insert;
    am->ambulkdelete = flat_bulk_delete;
    am->amvacuumcleanup = flat_vacuum_cleanup;
    am->amcostestimate = vecdb_exhaustive_cost_estimate;
    am->amoptions = flat_options;
    am->ambuildphasename = flat_build_phase_name;
    am->ambeginscan = flat_begin_scan;
    am->amrescan = flat_rescan;
    am->amgettuple = flat_get_tuple;
    am->amendscan = flat_end_scan;
    PG_RETURN_POINTER(am);
}
