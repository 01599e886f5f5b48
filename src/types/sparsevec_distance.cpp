// sparsevec distance functions, norms and normalisation. The C symbol names
// are looked up by the index access methods, so keep them stable.
#include "pg/pg.h"
#include "types/sparsevec_glue.h"
#include "core/distance/kernels.h"

#include <cmath>

using vecdb::core::SparseView;

// sparsevec_l2_distance: Euclidean distance (SQL l2_distance, <->).
VECDB_FUNCTION(sparsevec_l2_distance) {
    PG_RETURN_FLOAT8(sparse_distance_of_args(fcinfo, [](const SparseView& a, const SparseView& b) {
        return vecdb::core::l2_from_squared(vecdb::core::sparse_l2_squared(a, b));
    }));
}

// sparsevec_l2_squared_distance: squared Euclidean distance (cheaper ordering key).
VECDB_FUNCTION(sparsevec_l2_squared_distance) {
    PG_RETURN_FLOAT8(sparse_distance_of_args(fcinfo, [](const SparseView& a, const SparseView& b) {
        return (double)vecdb::core::sparse_l2_squared(a, b);
    }));
}

// sparsevec_inner_product: the dot product (SQL inner_product).
VECDB_FUNCTION(sparsevec_inner_product) {
    PG_RETURN_FLOAT8(sparse_distance_of_args(fcinfo, [](const SparseView& a, const SparseView& b) {
        return (double)vecdb::core::sparse_dot(a, b);
    }));
}

// sparsevec_negative_inner_product: -dot, so smaller is closer (<#>).
VECDB_FUNCTION(sparsevec_negative_inner_product) {
    PG_RETURN_FLOAT8(sparse_distance_of_args(fcinfo, [](const SparseView& a, const SparseView& b) {
        return -(double)vecdb::core::sparse_dot(a, b);
    }));
}

// sparsevec_cosine_distance: 1 - cosine similarity; NaN for a zero vector (<=>).
VECDB_FUNCTION(sparsevec_cosine_distance) {
    PG_RETURN_FLOAT8(sparse_distance_of_args(fcinfo, [](const SparseView& a, const SparseView& b) {
        float dot, norm_a, norm_b;
        vecdb::core::sparse_cosine_parts(a, b, &dot, &norm_a, &norm_b);
        return (double)vecdb::core::cosine_from_parts(dot, norm_a, norm_b);
    }));
}

// sparsevec_l1_distance: taxicab distance (SQL l1_distance, <+>).
VECDB_FUNCTION(sparsevec_l1_distance) {
    PG_RETURN_FLOAT8(sparse_distance_of_args(fcinfo, [](const SparseView& a, const SparseView& b) {
        return (double)vecdb::core::sparse_l1(a, b);
    }));
}

// sparsevec_l2_norm: Euclidean length (SQL l2_norm).
VECDB_FUNCTION(sparsevec_l2_norm) {
    SparseVector* a = PG_GETARG_SPARSEVEC_P(0);
    PG_RETURN_FLOAT8(vecdb::core::sparse_norm(sparsevec_view(a)));
}

// sparsevec_l2_normalize: scales to unit length; a zero vector stays zero and
// entries that underflow to zero are dropped, as stored values never are 0.
VECDB_FUNCTION(sparsevec_l2_normalize) {
    SparseVector* a = PG_GETARG_SPARSEVEC_P(0);
    const float* values = SPARSEVEC_VALUES(a);
    double norm = vecdb::core::sparse_norm(sparsevec_view(a));
    if (norm == 0.0) {
        SparseVector* copy = new_sparsevec(a->dim, 0);
        PG_RETURN_POINTER(copy);
    }
    int nnz = 0;
    for (int i = 0; i < a->nnz; i++)
        if ((float)(values[i] / norm) != 0.0f)
            nnz++;
    SparseVector* result = new_sparsevec(a->dim, nnz);
    float* out = SPARSEVEC_VALUES(result);
    int k = 0;
    for (int i = 0; i < a->nnz; i++) {
        float scaled = (float)(values[i] / norm);
        if (scaled == 0.0f)
            continue;
        result->indices[k] = a->indices[i];
        out[k] = scaled;
        k++;
    }
    PG_RETURN_POINTER(result);
}
