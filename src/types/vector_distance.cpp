// vector distance functions, computed by the CPU-dispatched kernels. The index
// access methods look these C symbols up by name.
#include "pg/pg.h"
#include "core/distance/kernels.h"
#include "types/dense_ops.h"

using vecdb::core::kernels;
using namespace vecdb::types;

// vector_l2_distance: Euclidean distance, the <-> operator.
VECDB_FUNCTION(vector_l2_distance) {
    PG_RETURN_FLOAT8(dense_distance_of_args<VectorKind>(fcinfo, [](const float* a, const float* b, size_t n) {
        return vecdb::core::l2_from_squared(kernels().l2_squared_f32(a, b, n));
    }));
}

// vector_l2_squared_distance: squared Euclidean distance (cheaper; same order).
VECDB_FUNCTION(vector_l2_squared_distance) {
    PG_RETURN_FLOAT8(dense_distance_of_args<VectorKind>(fcinfo, [](const float* a, const float* b, size_t n) {
        return (double)kernels().l2_squared_f32(a, b, n);
    }));
}

// vector_inner_product: the dot product.
VECDB_FUNCTION(vector_inner_product) {
    PG_RETURN_FLOAT8(dense_distance_of_args<VectorKind>(fcinfo, [](const float* a, const float* b, size_t n) {
        return (double)kernels().dot_f32(a, b, n);
    }));
}

// vector_negative_inner_product: minus the dot product, the <#> operator
// (smaller is closer, so it sorts like a distance).
VECDB_FUNCTION(vector_negative_inner_product) {
    PG_RETURN_FLOAT8(dense_distance_of_args<VectorKind>(fcinfo, [](const float* a, const float* b, size_t n) {
        return -(double)kernels().dot_f32(a, b, n);
    }));
}

// vector_cosine_distance: 1 - cosine similarity, the <=> operator; NaN when
// either operand is the zero vector.
VECDB_FUNCTION(vector_cosine_distance) {
    PG_RETURN_FLOAT8(dense_distance_of_args<VectorKind>(fcinfo, [](const float* a, const float* b, size_t n) {
        float dot, norm_a, norm_b;
        kernels().cosine_parts_f32(a, b, n, &dot, &norm_a, &norm_b);
        return (double)vecdb::core::cosine_from_parts(dot, norm_a, norm_b);
    }));
}

// vector_l1_distance: taxicab distance, the <+> operator.
VECDB_FUNCTION(vector_l1_distance) {
    PG_RETURN_FLOAT8(dense_distance_of_args<VectorKind>(fcinfo, [](const float* a, const float* b, size_t n) {
        return (double)kernels().l1_f32(a, b, n);
    }));
}
