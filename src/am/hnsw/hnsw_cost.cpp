// Planner costs of hnsw index scans.
#include "am/hnsw/hnsw.h"

#include <cmath>
#include <limits>

extern "C" {
#include "nodes/pathnodes.h"
#include "optimizer/optimizer.h"
#include "utils/spccache.h"
}

// amcostestimate: a graph search scores about ef_search * m entries (each
// one page visit, mostly in shared buffers) before the first row, then
// little per further row. Only useful for ORDER BY <distance>.
void hnsw_cost_estimate(PlannerInfo* root, IndexPath* path, double loop_count, Cost* startup_cost,
                        Cost* total_cost, Selectivity* selectivity, double* correlation, double* index_pages) {
    IndexOptInfo* index = path->indexinfo;
    *selectivity = 1.0;
    *correlation = 0.0;
    if (path->indexorderbys == NIL) {
        *startup_cost = *total_cost = std::numeric_limits<double>::infinity();
        *index_pages = 0;
        return;
    }
    double tuples = Max(index->tuples, 1.0);
    double m = HNSW_DEFAULT_M;
    double scored = Min(tuples, (double)hnsw_ef_search * m * 1.5 + std::log(tuples) * m);
    double spc_random_page_cost;
    get_tablespace_page_costs(index->reltablespace, &spc_random_page_cost, NULL);
    // most visited pages are cached: charge a fraction of a random read each
    double pages = Min(scored, (double)Max(index->pages, 1));
    *index_pages = pages;
    *startup_cost = pages * spc_random_page_cost * 0.1 + scored * (cpu_index_tuple_cost + cpu_operator_cost);
    // further rows come from continued searching, about as costly per row as the first batch
    *total_cost = *startup_cost + tuples * (cpu_index_tuple_cost + cpu_operator_cost) * 0.5;
}
