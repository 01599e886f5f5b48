// vector: element-wise arithmetic, concatenation, norms and shaping functions.
#include "pg/pg.h"
#include "types/dense_ops.h"

using namespace vecdb::types;

// vector_add(vector, vector): element-wise sum; overflow is 22003.
VECDB_FUNCTION(vector_add) {
    auto* a = PG_GETARG_VECTOR_P(0);
    auto* b = PG_GETARG_VECTOR_P(1);
    PG_RETURN_POINTER(dense_elementwise<VectorKind>(a, b, [](float x, float y) { return x + y; }));
}

// vector_sub(vector, vector): element-wise difference; overflow is 22003.
VECDB_FUNCTION(vector_sub) {
    auto* a = PG_GETARG_VECTOR_P(0);
    auto* b = PG_GETARG_VECTOR_P(1);
    PG_RETURN_POINTER(dense_elementwise<VectorKind>(a, b, [](float x, float y) { return x - y; }));
}

// vector_mul(vector, vector): element-wise product; overflow and underflow are 22003.
VECDB_FUNCTION(vector_mul) {
    auto* a = PG_GETARG_VECTOR_P(0);
    auto* b = PG_GETARG_VECTOR_P(1);
    PG_RETURN_POINTER(dense_product<VectorKind>(a, b));
}

// vector_concat(vector, vector): the || operator.
VECDB_FUNCTION(vector_concat) {
    PG_RETURN_POINTER(dense_concat<VectorKind>(PG_GETARG_VECTOR_P(0), PG_GETARG_VECTOR_P(1)));
}

// vector_dims(vector): the number of dimensions.
VECDB_FUNCTION(vector_dims) {
    PG_RETURN_INT32(PG_GETARG_VECTOR_P(0)->dim);
}

// vector_norm(vector): the Euclidean norm as double precision.
VECDB_FUNCTION(vector_norm) {
    PG_RETURN_FLOAT8(dense_norm<VectorKind>(PG_GETARG_VECTOR_P(0)));
}

// l2_normalize(vector): scaled to unit length (the zero vector stays zero).
VECDB_FUNCTION(vector_l2_normalize) {
    PG_RETURN_POINTER(dense_l2_normalize<VectorKind>(PG_GETARG_VECTOR_P(0)));
}

// binary_quantize(vector): bit string with a 1 where the element is > 0.
VECDB_FUNCTION(vector_binary_quantize) {
    PG_RETURN_VARBIT_P(dense_binary_quantize<VectorKind>(PG_GETARG_VECTOR_P(0)));
}

// subvector(vector, start, count): count elements from 1-based position start.
VECDB_FUNCTION(vector_subvector) {
    auto* v = PG_GETARG_VECTOR_P(0);
    PG_RETURN_POINTER(dense_subvector<VectorKind>(v, PG_GETARG_INT32(1), PG_GETARG_INT32(2)));
}
