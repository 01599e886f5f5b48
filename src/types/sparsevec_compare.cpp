// sparsevec btree support: a total order over (dense contents, dimensions).
#include "pg/pg.h"
#include "types/sparsevec_glue.h"

// Compares the two sparsevec arguments of a V1 call: -1, 0 or 1.
static int compare_args(FunctionCallInfo fcinfo) {
    SparseVector* a = PG_GETARG_SPARSEVEC_P(0);
    SparseVector* b = PG_GETARG_SPARSEVEC_P(1);
    int result = vecdb::core::sparse_compare(sparsevec_view(a), a->dim, sparsevec_view(b), b->dim);
    PG_FREE_IF_COPY(a, 0);
    PG_FREE_IF_COPY(b, 1);
    return result;
}

// sparsevec_cmp: btree support function 1.
VECDB_FUNCTION(sparsevec_cmp) { PG_RETURN_INT32(compare_args(fcinfo)); }

// sparsevec_lt: a < b.
VECDB_FUNCTION(sparsevec_lt) { PG_RETURN_BOOL(compare_args(fcinfo) < 0); }

// sparsevec_le: a <= b.
VECDB_FUNCTION(sparsevec_le) { PG_RETURN_BOOL(compare_args(fcinfo) <= 0); }

// sparsevec_eq: a = b (same dimensions and entries).
VECDB_FUNCTION(sparsevec_eq) { PG_RETURN_BOOL(compare_args(fcinfo) == 0); }

// sparsevec_ne: a <> b.
VECDB_FUNCTION(sparsevec_ne) { PG_RETURN_BOOL(compare_args(fcinfo) != 0); }

// sparsevec_ge: a >= b.
VECDB_FUNCTION(sparsevec_ge) { PG_RETURN_BOOL(compare_args(fcinfo) >= 0); }

// sparsevec_gt: a > b.
VECDB_FUNCTION(sparsevec_gt) { PG_RETURN_BOOL(compare_args(fcinfo) > 0); }
