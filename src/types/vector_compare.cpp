// vector: btree comparison functions (values first, then dimension count).
#include "pg/pg.h"
#include "types/dense_ops.h"

using namespace vecdb::types;

// Compares arguments 0 and 1, freeing detoasted copies (btree builds and
// sorts call this many times in one memory context).
static int compare_args(FunctionCallInfo fcinfo) {
    VectorKind::Value* a = PG_GETARG_VECTOR_P(0);
    VectorKind::Value* b = PG_GETARG_VECTOR_P(1);
    int result = dense_cmp<VectorKind>(a, b);
    PG_FREE_IF_COPY(a, 0);
    PG_FREE_IF_COPY(b, 1);
    return result;
}

// vector_cmp(vector, vector): btree support function 1.
VECDB_FUNCTION(vector_cmp) {
    PG_RETURN_INT32(compare_args(fcinfo));
}

// vector_lt: the < operator.
VECDB_FUNCTION(vector_lt) {
    PG_RETURN_BOOL(compare_args(fcinfo) < 0);
}

// vector_le: the <= operator.
VECDB_FUNCTION(vector_le) {
    PG_RETURN_BOOL(compare_args(fcinfo) <= 0);
}

// vector_eq: the = operator.
VECDB_FUNCTION(vector_eq) {
    PG_RETURN_BOOL(compare_args(fcinfo) == 0);
}

// vector_ne: the <> operator.
VECDB_FUNCTION(vector_ne) {
    PG_RETURN_BOOL(compare_args(fcinfo) != 0);
}

// vector_ge: the >= operator.
VECDB_FUNCTION(vector_ge) {
    PG_RETURN_BOOL(compare_args(fcinfo) >= 0);
}

// vector_gt: the > operator.
VECDB_FUNCTION(vector_gt) {
    PG_RETURN_BOOL(compare_args(fcinfo) > 0);
}
