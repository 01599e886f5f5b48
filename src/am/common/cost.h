// Planner cost estimates for vecdb index scans.
#pragma once

#include "pg/pg.h"

extern "C" {
#include "nodes/pathnodes.h"
}

// amcostestimate of an exhaustive index (flat): it reads every entry before
// returning the first row, and is only useful for ORDER BY <distance>.
void vecdb_exhaustive_cost_estimate(PlannerInfo* root, IndexPath* path, double loop_count,
                                    Cost* startup_cost, Cost* total_cost, Selectivity* selectivity,
                                    double* correlation, double* index_pages);
