// vector: btree comparison functions (values first, then dimension count).
#include "pg/pg.h"
#include "types/dense_ops.h"

using namespace vecdb::types;

// vector_cmp(vector, vector): btree support function 1.
VECDB_FUNCTION(vector_cmp) {
    PG_RETURN_INT32(dense_compare_args<VectorKind>(fcinfo));
}

// vector_lt: the < operator.
VECDB_FUNCTION(vector_lt) {
    PG_RETURN_BOOL(dense_compare_args<VectorKind>(fcinfo) < 0);
}

// vector_le: the <= operator.
VECDB_FUNCTION(vector_le) {
    PG_RETURN_BOOL(dense_compare_args<VectorKind>(fcinfo) <= 0);
}

// vector_eq: the = operator.
VECDB_FUNCTION(vector_eq) {
    PG_RETURN_BOOL(dense_compare_args<VectorKind>(fcinfo) == 0);
}

// vector_ne: the <> operator.
VECDB_FUNCTION(vector_ne) {
    PG_RETURN_BOOL(dense_compare_args<VectorKind>(fcinfo) != 0);
}

// vector_ge: the >= operator.
VECDB_FUNCTION(vector_ge) {
    PG_RETURN_BOOL(dense_compare_args<VectorKind>(fcinfo) >= 0);
}

// vector_gt: the > operator.
VECDB_FUNCTION(vector_gt) {
    PG_RETURN_BOOL(dense_compare_args<VectorKind>(fcinfo) > 0);
}
