// The flat access method's handler: wires the callbacks into Postgres.
#include "am/flat/flat.h"
#include "am/common/cost.h"
#include "am/common/validate.h"

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

VECDB_FUNCTION(flat_handler) {
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

    am->ambuild = flat_build;
    am->ambuildempty = flat_build_empty;
    am->aminsert = flat_insert;
    am->ambulkdelete = flat_bulk_delete;
    am->amvacuumcleanup = flat_vacuum_cleanup;
    am->amcanreturn = NULL;
    am->amcostestimate = vecdb_exhaustive_cost_estimate;
    am->amoptions = flat_options;
    am->amproperty = NULL;
    am->ambuildphasename = flat_build_phase_name;
    am->amvalidate = vecdb_validate_opclass;
    am->amadjustmembers = vecdb_adjust_opclass_members;
    am->ambeginscan = flat_begin_scan;
    am->amrescan = flat_rescan;
    am->amgettuple = flat_get_tuple;
    am->amgetbitmap = NULL;
    am->amendscan = flat_end_scan;
    am->ammarkpos = NULL;
    am->amrestrpos = NULL;
    am->amestimateparallelscan = NULL;
    am->aminitparallelscan = NULL;
    am->amparallelrescan = NULL;
    PG_RETURN_POINTER(am);
}
