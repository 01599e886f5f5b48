// Cost model for vecdb index scans.
#include "am/common/cost.h"

#include <cmath>
#include <limits>

extern "C" {
#include "access/heaptoast.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_type.h"
#include "nodes/supportnodes.h"
#include "optimizer/optimizer.h"
#include "parser/parsetree.h"
#include "utils/syscache.h"
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

// Bytes of a vector (element_size 4) or halfvec (2) with typmod dimensions.
static double stored_bytes(int32 typmod, int element_size) {
    return typmod > 0 ? 8.0 + (double)element_size * typmod : 0;
}

// What reading a column's value costs on top of the distance: one page per
// TOAST chunk when the column's declared vectors are too large for the row
// and may live out of line (storage not plain). 0 when unknown or inline.
static double detoast_cost(PlannerInfo* root, Node* arg, int element_size) {
    if (root == NULL || arg == NULL || !IsA(arg, Var)) return 0;
    Var* var = (Var*)arg;
    if (var->varlevelsup != 0 || var->varno < 1 || var->varno >= root->simple_rel_array_size || var->varattno <= 0)
        return 0;
    RangeTblEntry* rte = root->simple_rte_array[var->varno];
    if (rte == NULL || rte->rtekind != RTE_RELATION) return 0;
    double bytes = stored_bytes(var->vartypmod, element_size);
    if (bytes <= TOAST_TUPLE_THRESHOLD) return 0;
    HeapTuple tuple = SearchSysCache2(ATTNUM, ObjectIdGetDatum(rte->relid), Int16GetDatum(var->varattno));
    if (!HeapTupleIsValid(tuple)) return 0;
    char storage = ((Form_pg_attribute)GETSTRUCT(tuple))->attstorage;
    ReleaseSysCache(tuple);
    if (storage == TYPSTORAGE_PLAIN) return 0;
    double spc_seq_page_cost = seq_page_cost;
    RelOptInfo* rel = root->simple_rel_array ? root->simple_rel_array[var->varno] : NULL;
    if (rel != NULL) get_tablespace_page_costs(rel->reltablespace, NULL, &spc_seq_page_cost);
    return std::ceil(bytes / TOAST_MAX_CHUNK_SIZE) * spc_seq_page_cost;
}

// SupportRequestCost of a distance: its procost (1, as declared), plus the detoasting of
// each argument that is a column of large vectors.
static Node* distance_support(Node* raw, int element_size) {
    if (!IsA(raw, SupportRequestCost)) return NULL;
    SupportRequestCost* req = (SupportRequestCost*)raw;
    List* args = NIL;
    if (req->node != NULL && IsA(req->node, FuncExpr))
        args = ((FuncExpr*)req->node)->args;
    else if (req->node != NULL && IsA(req->node, OpExpr))
        args = ((OpExpr*)req->node)->args;
    double extra = 0;
    ListCell* cell;
    foreach (cell, args)
        extra += detoast_cost(req->root, (Node*)lfirst(cell), element_size);
    if (extra <= 0) return NULL;  // the plain procost
    req->startup = 0;
    req->per_tuple = cpu_operator_cost + extra;
    return (Node*)req;
}

// prosupport of the vector distance functions.
VECDB_FUNCTION(vecdb_vector_distance_support) {
    PG_RETURN_POINTER(distance_support((Node*)PG_GETARG_POINTER(0), sizeof(float)));
}

// prosupport of the halfvec distance functions.
VECDB_FUNCTION(vecdb_halfvec_distance_support) {
    PG_RETURN_POINTER(distance_support((Node*)PG_GETARG_POINTER(0), sizeof(uint16)));
}
