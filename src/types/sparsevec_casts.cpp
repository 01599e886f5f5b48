// Casts between sparsevec and the dense types vector and halfvec. Each takes
// the target typmod (and the explicit flag) like a length-coercion function.
#include "pg/pg.h"
#include "types/vector.h"
#include "types/sparsevec_glue.h"
#include "core/distance/half.h"

#include <cmath>

using vecdb::core::float_to_half;
using vecdb::core::half_to_float;

// Raises 54000 when a sparsevec is too long to become a dense value.
static void check_dense_dim(int32 dim, int32 max_dim, const char* type_name) {
    if (dim > max_dim)
        ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                        errmsg("%s cannot have more than %d dimensions", type_name, max_dim)));
}

// Raises 22000 unless typmod is -1 or equals dim (for a dense target).
static void check_dense_typmod(int32 dim, int32 typmod) {
    if (typmod != -1 && dim != typmod)
        ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
                        errmsg("expected %d dimensions, not %d", typmod, dim)));
}

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
    check_dense_dim(s->dim, VECTOR_MAX_DIM, "vector");
    check_dense_typmod(s->dim, typmod);
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
    check_dense_dim(s->dim, HALFVEC_MAX_DIM, "halfvec");
    check_dense_typmod(s->dim, typmod);
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

// sparsevec(vector, int4, bool): keeps the non-zero elements.
VECDB_FUNCTION(vector_to_sparsevec) {
    Vector* v = PG_GETARG_VECTOR_P(0);
    int32 typmod = PG_GETARG_INT32(1);
    sparsevec_check_typmod(v->dim, typmod);
    int nnz = 0;
    for (int i = 0; i < v->dim; i++)
        if (v->x[i] != 0.0f)
            nnz++;
    check_sparse_nnz(nnz);
    SparseVector* result = new_sparsevec(v->dim, nnz);
    float* values = SPARSEVEC_VALUES(result);
    int k = 0;
    for (int i = 0; i < v->dim; i++) {
        if (v->x[i] == 0.0f)
            continue;
        result->indices[k] = i;
        values[k] = v->x[i];
        k++;
    }
    PG_RETURN_POINTER(result);
}

// sparsevec(halfvec, int4, bool): keeps the non-zero elements, as float4.
VECDB_FUNCTION(halfvec_to_sparsevec) {
    HalfVector* v = PG_GETARG_HALFVEC_P(0);
    int32 typmod = PG_GETARG_INT32(1);
    sparsevec_check_typmod(v->dim, typmod);
    int nnz = 0;
    for (int i = 0; i < v->dim; i++)
        if (half_to_float(v->x[i]) != 0.0f)
            nnz++;
    check_sparse_nnz(nnz);
    SparseVector* result = new_sparsevec(v->dim, nnz);
    float* values = SPARSEVEC_VALUES(result);
    int k = 0;
    for (int i = 0; i < v->dim; i++) {
        float f = half_to_float(v->x[i]);
        if (f == 0.0f)
            continue;
        result->indices[k] = i;
        values[k] = f;
        k++;
    }
    PG_RETURN_POINTER(result);
}
