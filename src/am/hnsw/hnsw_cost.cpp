// Planner costs of hnsw index scans.
#include "am/hnsw/hnsw.h"
#include "am/hnsw/hnsw_keys.h"

#include <cmath>
#include <limits>

extern "C" {
#include "access/genam.h"
#include "nodes/pathnodes.h"
#include "optimizer/optimizer.h"
#include "optimizer/restrictinfo.h"
#include "utils/selfuncs.h"
#include "utils/rel.h"
}

// What a search does, measured on Fashion-MNIST (60k x 784, m = 16,
// vecdb.stat_search): the first batch scores about 0.4 * ef * m + m * ln(N)
// entries (387 at ef 40, 1,047 at ef 160); every further row an iterative
// scan returns costs about m / 4 more scored entries (a filter keeping 1 %
// scored 3,020 entries for 733 rows at ef 40).
static constexpr double kFirstBatchPerEf = 0.4;
static constexpr double kScoredPerFurtherRow = 0.25;

// The cost of scoring one entry: its page is almost always in shared
// buffers (a search touches a few hundred of them, again and again across
// queries), so a visit is CPU work, not I/O: an index tuple, a page
// visit and the distance (one operator per 16 dimensions, the SIMD width).
static double scored_entry_cost(int dims) {
    return cpu_index_tuple_cost + cpu_tuple_cost + cpu_operator_cost * Max(1.0, dims / 16.0);
}

// amcostestimate: a graph search pays for its first batch before the first
// row, then a little per further row (iterative scan). With a WHERE clause
// of selectivity s the executor takes about LIMIT / s rows from the scan,
// which the planner's LIMIT interpolation between startup and total cost
// models once the per-row cost is right. (The former model charged each
// visited page a tenth of a random read: ef = 160 looked dearer than a
// sequential scan that detoasts every vector, which is 60x slower.)
// Only useful for ORDER BY <distance>.
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
    int m = HNSW_DEFAULT_M, ef_construction;
    int dims = 0;
    Relation rel = index_open(index->indexoid, NoLock);
    hnsw_get_options(rel, &m, &ef_construction);
    int32 typmod = TupleDescAttr(RelationGetDescr(rel), 0)->atttypmod;
    index_close(rel, NoLock);
    // vector/halfvec/sparsevec typmods are the dimensions, bit's the bits
    dims = typmod > 0 ? typmod : 128;

    double tuples = Max(index->tuples, 1.0);
    double ef = hnsw_ef_search;
    // ef is raised to at least the LIMIT
    if (root->limit_tuples > ef && root->limit_tuples < tuples) ef = root->limit_tuples;
    double first = Min(tuples, kFirstBatchPerEf * ef * m + m * std::log(tuples));
    double entry = scored_entry_cost(dims);
    // Quals on key columns (hnsw_keys.h) are tested during the traversal:
    // the scan returns only rows that pass them, so its rows are the
    // filtered rows (selectivity s), and finding them scores
    // hnsw_filtered_scored entries (bounded by vecdb.max_scan_tuples per round).
    // No heap row is fetched for an element the keys reject.
    double s = 1.0;
    if (path->indexclauses != NIL) {
        List* quals = get_quals_from_indexclauses(path->indexclauses);
        s = clauselist_selectivity(root, quals, index->rel->relid, JOIN_INNER, NULL);
        s = Min(1.0, Max(s, 1.0 / tuples));
        *selectivity = s;
        // Few matches: the scan reads the key directory (one key test per
        // entry, ~300 entries a page) and scores only the matches, all
        // before the first row (hnsw_scan.cpp score_matches, same crossover).
        double matches = s * tuples;
        if (matches <= Min(hnsw_exact_match_limit(first, tuples), (double)vecdb_max_scan_tuples)) {
            *index_pages = tuples / 300.0 + matches;
            *startup_cost = *total_cost = tuples * cpu_operator_cost + matches * entry;
            return;
        }
        first = Min(Min(tuples, hnsw_filtered_scored(first, s)), Max(first, (double)vecdb_max_scan_tuples));
    }
    *index_pages = Min(first, (double)Max(index->pages, 1));
    *startup_cost = first * entry;
    *total_cost = *startup_cost + tuples * (kScoredPerFurtherRow * m) * entry;
}
