// halfvec: btree comparison functions (values first, then dimension count).
#include "pg/pg.h"
#include "types/dense_ops.h"

using namespace vecdb::types;

// Compares arguments 0 and 1, freeing detoasted copies (btree builds and
// sorts call this many times in one memory context).
static int compare_args(FunctionCallInfo fcinfo) {
    HalfvecKind::Value* a = PG_GETARG_HALFVEC_P(0);
    HalfvecKind::Value* b = PG_GETARG_HALFVEC_P(1);
    int result = dense_cmp<HalfvecKind>(a, b);
    PG_FREE_IF_COPY(a, 0);
    PG_FREE_IF_COPY(b, 1);
    return result;
}

// halfvec_cmp(halfvec, halfvec): btree support function 1.
VECDB_FUNCTION(halfvec_cmp) {
    PG_RETURN_INT32(compare_args(fcinfo));
}

// halfvec_lt: the < operator.
VECDB_FUNCTION(halfvec_lt) {
    PG_RETURN_BOOL(compare_args(fcinfo) < 0);
}

// halfvec_le: the <= operator.
VECDB_FUNCTION(halfvec_le) {
    PG_RETURN_BOOL(compare_args(fcinfo) <= 0);
}

// halfvec_eq: the = operator.
VECDB_FUNCTION(halfvec_eq) {
    PG_RETURN_BOOL(compare_args(fcinfo) == 0);
}

// halfvec_ne: the <> operator.
VECDB_FUNCTION(halfvec_ne) {
    PG_RETURN_BOOL(compare_args(fcinfo) != 0);
}

// halfvec_ge: the >= operator.
VECDB_FUNCTION(halfvec_ge) {
    PG_RETURN_BOOL(compare_args(fcinfo) >= 0);
}

// halfvec_gt: the > operator.
VECDB_FUNCTION(halfvec_gt) {
    PG_RETURN_BOOL(compare_args(fcinfo) > 0);
}
