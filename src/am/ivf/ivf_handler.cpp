// The ivf access method's handler: callbacks, build phase names and the
// planner's cost estimate.
#include "am/ivf/ivf.h"
#include "am/common/am_routine.h"
#include "am/common/validate.h"

#include <limits>

extern "C" {
#include "access/amapi.h"
#include "access/relation.h"
#include "commands/progress.h"
#include "commands/vacuum.h"
#include "optimizer/optimizer.h"
#include "utils/selfuncs.h"
#include "utils/spccache.h"
}

// ambuildphasename: sub-phases in pg_stat_progress_create_index.
static char* ivf_build_phase_name(int64 phase) {
    switch (phase) {
        case PROGRESS_CREATEIDX_SUBPHASE_INITIALIZE: return (char*)"initializing";
        case IVF_PHASE_SAMPLE: return (char*)"sampling rows";
        case IVF_PHASE_TRAIN: return (char*)"training k-means";
        case IVF_PHASE_ASSIGN: return (char*)"assigning rows to lists";
        case IVF_PHASE_WRITE: return (char*)"writing pages";
        default: return NULL;
    }
}

// The share of the index a scan reads first: probes out of lists.
static double probed_fraction(Oid index_oid) {
    Relation index = index_open(index_oid, NoLock);
    IvfMetaData meta = ivf_read_meta(index);
    index_close(index, NoLock);
    if (meta.lists == 0) return 1.0;
    return Min(1.0, (double)Max(vecdb_ivf_probes, 1) / (double)meta.lists);
}

// amcostestimate: the probed lists are read in full before the first row,
// so everything is startup cost; useless without ORDER BY <distance>.
static void ivf_cost_estimate(PlannerInfo* root, IndexPath* path, double loop_count, Cost* startup_cost,
                              Cost* total_cost, Selectivity* selectivity, double* correlation, double* index_pages) {
    IndexOptInfo* index = path->indexinfo;
    *selectivity = 1.0;
    *correlation = 0.0;
    *index_pages = index->pages;
    if (path->indexorderbys == NIL) {
        *startup_cost = *total_cost = std::numeric_limits<double>::infinity();
        return;
    }
    double fraction = probed_fraction(index->indexoid);
    double tuples = Max(index->tuples, 1.0) * fraction;
    double pages = Min((double)index->pages, Max((double)index->rel->pages, 1.0)) * fraction;
    double spc_seq_page_cost;
    get_tablespace_page_costs(index->reltablespace, NULL, &spc_seq_page_cost);
    *index_pages = Max(pages, 1.0);
    *startup_cost = pages * spc_seq_page_cost + tuples * cpu_operator_cost;
    *total_cost = *startup_cost + tuples * cpu_index_tuple_cost * 0.01;
}

VECDB_FUNCTION(ivf_handler) {
    IndexAmRoutine* am = vecdb_make_am_routine();
    am->ambuild = ivf_build;
    am->ambuildempty = ivf_build_empty;
    am->aminsert = ivf_insert;
    am->ambulkdelete = ivf_bulk_delete;
    am->amvacuumcleanup = ivf_vacuum_cleanup;
    am->amcostestimate = ivf_cost_estimate;
    am->amoptions = ivf_options;
    am->ambuildphasename = ivf_build_phase_name;
    am->ambeginscan = ivf_begin_scan;
    am->amrescan = ivf_rescan;
    am->amgettuple = ivf_get_tuple;
    am->amendscan = ivf_end_scan;
    PG_RETURN_POINTER(am);
}
