// halfvec: btree comparison functions (values first, then dimension count).
#include "pg/pg.h"
#include "types/dense_ops.h"

using namespace vecdb::types;

// halfvec_cmp(halfvec, halfvec): btree support function 1.
VECDB_FUNCTION(halfvec_cmp) {
    PG_RETURN_INT32(dense_compare_args<HalfvecKind>(fcinfo));
}

// halfvec_lt: the < operator.
VECDB_FUNCTION(halfvec_lt) {
    PG_RETURN_BOOL(dense_compare_args<HalfvecKind>(fcinfo) < 0);
}

// halfvec_le: the <= operator.
VECDB_FUNCTION(halfvec_le) {
    PG_RETURN_BOOL(dense_compare_args<HalfvecKind>(fcinfo) <= 0);
}

// halfvec_eq: the = operator.
VECDB_FUNCTION(halfvec_eq) {
    PG_RETURN_BOOL(dense_compare_args<HalfvecKind>(fcinfo) == 0);
}

// halfvec_ne: the <> operator.
VECDB_FUNCTION(halfvec_ne) {
    PG_RETURN_BOOL(dense_compare_args<HalfvecKind>(fcinfo) != 0);
}

// halfvec_ge: the >= operator.
VECDB_FUNCTION(halfvec_ge) {
    PG_RETURN_BOOL(dense_compare_args<HalfvecKind>(fcinfo) >= 0);
}

// halfvec_gt: the > operator.
VECDB_FUNCTION(halfvec_gt) {
    PG_RETURN_BOOL(dense_compare_args<HalfvecKind>(fcinfo) > 0);
}
