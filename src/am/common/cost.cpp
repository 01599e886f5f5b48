// Cost model for vecdb index scans.
#include "am/common/cost.h"

#include <limits>

extern "C" {
#include "optimizer/optimizer.h"
#include "utils/spccache.h"
#include "utils/selfuncs.h"
}

void vecdb_exhaustive_cost_estimate(PlannerInfo* root, IndexPath* path, double loop_count,
                                    Cost* startup_cost, Cost* total_cost, Selectivity* selectivity,
                                    double* correlation, double* index_pages) {
    IndexOptInfo* index = path->indexinfo;
    *selectivity = 1.0;
    *correlation = 0.0;
    *index_pages = index->pages;

    // Without ORDER BY <distance> the index has nothing to offer, and its
    // scan would fail. Infinity, not disable_cost: with enable_seqscan off a
    // disabled sequential scan costs more than disable_cost, and the planner
    // picked this path (an index-only scan for count(*)) instead.
    if (path->indexorderbys == NIL) {
        *startup_cost = *total_cost = std::numeric_limits<double>::infinity();
        return;
    }

    // One sequential pass over the index pages plus one distance per entry.
    // A sequential scan computes the same distances but also detoasts every
    // vector (large vectors live in TOAST, which the planner does not cost),
    // so the index pages are charged no more than the heap pages.
    double tuples = Max(index->tuples, 1.0);
    double pages = Min((double)index->pages, Max((double)index->rel->pages, 1.0));
    double spc_seq_page_cost;
    get_tablespace_page_costs(index->reltablespace, NULL, &spc_seq_page_cost);
    Cost run_cost = pages * spc_seq_page_cost + tuples * cpu_operator_cost;
    *startup_cost = run_cost;
    *total_cost = run_cost + tuples * cpu_index_tuple_cost * 0.01;
}
