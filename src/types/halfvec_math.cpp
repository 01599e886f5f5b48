// halfvec: element-wise arithmetic, concatenation, norms and shaping functions.
#include "pg/pg.h"
#include "types/dense_ops.h"

using namespace vecdb::types;

// halfvec_add(halfvec, halfvec): element-wise sum; overflow is 22003.
VECDB_FUNCTION(halfvec_add) {
    auto* a = PG_GETARG_HALFVEC_P(0);
    auto* b = PG_GETARG_HALFVEC_P(1);
    PG_RETURN_POINTER(dense_elementwise<HalfvecKind>(a, b, [](float x, float y) { return x + y; }));
}

// halfvec_sub(halfvec, halfvec): element-wise difference; overflow is 22003.
VECDB_FUNCTION(halfvec_sub) {
    auto* a = PG_GETARG_HALFVEC_P(0);
    auto* b = PG_GETARG_HALFVEC_P(1);
    PG_RETURN_POINTER(dense_elementwise<HalfvecKind>(a, b, [](float x, float y) { return x - y; }));
}

// halfvec_mul(halfvec, halfvec): element-wise product; overflow and underflow are 22003.
VECDB_FUNCTION(halfvec_mul) {
    auto* a = PG_GETARG_HALFVEC_P(0);
    auto* b = PG_GETARG_HALFVEC_P(1);
    PG_RETURN_POINTER(dense_product<HalfvecKind>(a, b));
}

// halfvec_concat(halfvec, halfvec): the || operator.
VECDB_FUNCTION(halfvec_concat) {
    PG_RETURN_POINTER(dense_concat<HalfvecKind>(PG_GETARG_HALFVEC_P(0), PG_GETARG_HALFVEC_P(1)));
}

// vector_dims(halfvec): the number of dimensions.
VECDB_FUNCTION(halfvec_dims) {
    PG_RETURN_INT32(PG_GETARG_HALFVEC_P(0)->dim);
}

// l2_norm(halfvec): the Euclidean norm as double precision.
VECDB_FUNCTION(halfvec_norm) {
    PG_RETURN_FLOAT8(dense_norm<HalfvecKind>(PG_GETARG_HALFVEC_P(0)));
}

// l2_normalize(halfvec): scaled to unit length (the zero vector stays zero).
VECDB_FUNCTION(halfvec_l2_normalize) {
    PG_RETURN_POINTER(dense_l2_normalize<HalfvecKind>(PG_GETARG_HALFVEC_P(0)));
}

// binary_quantize(halfvec): bit string with a 1 where the element is > 0.
VECDB_FUNCTION(halfvec_binary_quantize) {
    PG_RETURN_VARBIT_P(dense_binary_quantize<HalfvecKind>(PG_GETARG_HALFVEC_P(0)));
}

// subvector(halfvec, start, count): count elements from 1-based position start.
VECDB_FUNCTION(halfvec_subvector) {
    auto* v = PG_GETARG_HALFVEC_P(0);
    PG_RETURN_POINTER(dense_subvector<HalfvecKind>(v, PG_GETARG_INT32(1), PG_GETARG_INT32(2)));
}
