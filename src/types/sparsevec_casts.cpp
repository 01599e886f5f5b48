// Casts between sparsevec and the dense types vector and halfvec. Each takes
// the target typmod (and the explicit flag) like a length-coercion function.
#include "pg/pg.h"
#include "types/dense_ops.h"
#include "types/sparsevec_glue.h"
#include "core/distance/half.h"

#include <cmath>

using vecdb::core::float_to_half;
using vecdb::core::half_to_float;
using namespace vecdb::types;

// Raises 54000 when a dense value has too many non-zero entries for sparsevec.
static void check_sparse_nnz(int nnz) {
    if (nnz > SPARSEVEC_MAX_NNZ)
        ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                        errmsg("sparsevec cannot have more than %d non-zero elements",
                               SPARSEVEC_MAX_NNZ)));
}

// vector(sparsevec, int4, bool): the dense form, zeros filled in.
VECDB_FUNCTION(sparsevec_to_vector) {
    SparseVector* s = PG_GETARG_SPARSEVEC_P(0);
    int32 typmod = PG_GETARG_INT32(1);
    check_dim_count(s->dim, VECTOR_MAX_DIM, "vector");
    check_expected_dims(s->dim, typmod);
    check_sparsevec_indices(s);  // they address the dense result
    Vector* result = new_vector(s->dim);  // zeroed
    const float* values = SPARSEVEC_VALUES(s);
    for (int i = 0; i < s->nnz; i++)
        result->x[s->indices[i]] = values[i];
    PG_RETURN_POINTER(result);
}

// halfvec(sparsevec, int4, bool): the dense half form; a value beyond the
// half range is an error rather than a silent Inf.
VECDB_FUNCTION(sparsevec_to_halfvec) {
    SparseVector* s = PG_GETARG_SPARSEVEC_P(0);
    int32 typmod = PG_GETARG_INT32(1);
    check_dim_count(s->dim, HALFVEC_MAX_DIM, "halfvec");
    check_expected_dims(s->dim, typmod);
    check_sparsevec_indices(s);  // they address the dense result
    HalfVector* result = new_halfvec(s->dim);  // zeroed: +0 half bits
    const float* values = SPARSEVEC_VALUES(s);
    for (int i = 0; i < s->nnz; i++) {
        uint16 h = float_to_half(values[i]);
        if (std::isinf(half_to_float(h)))
            ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
                            errmsg("value %g is out of range for type halfvec", (double)values[i])));
        result->x[s->indices[i]] = h;
    }
    PG_RETURN_POINTER(result);
}

// The non-zero elements of a vector or halfvec as a sparsevec (as float4).
template <typename K>
static SparseVector* dense_to_sparsevec(const typename K::Value* v, int32 typmod) {
    check_expected_dims(v->dim, typmod);
    int nnz = 0;
    for (int i = 0; i < v->dim; i++)
        if (K::get(v, i) != 0.0f)
            nnz++;
    check_sparse_nnz(nnz);
    SparseVector* result = new_sparsevec(v->dim, nnz);
    float* values = SPARSEVEC_VALUES(result);
    int k = 0;
    for (int i = 0; i < v->dim; i++) {
        float f = K::get(v, i);
        if (f == 0.0f)
            continue;
        result->indices[k] = i;
        values[k] = f;
        k++;
    }
    return result;
}

// sparsevec(vector, int4, bool): keeps the non-zero elements.
VECDB_FUNCTION(vector_to_sparsevec) {
    PG_RETURN_POINTER(dense_to_sparsevec<VectorKind>(PG_GETARG_VECTOR_P(0), PG_GETARG_INT32(1)));
}

// sparsevec(halfvec, int4, bool): keeps the non-zero elements, as float4.
VECDB_FUNCTION(halfvec_to_sparsevec) {
    PG_RETURN_POINTER(dense_to_sparsevec<HalfvecKind>(PG_GETARG_HALFVEC_P(0), PG_GETARG_INT32(1)));
}
