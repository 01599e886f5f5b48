// Allocation of empty vector values, shared by every type's functions: the
// one place values are made, so the one place their size limits are enforced.
#include "types/dense_util.h"
#include "types/vector.h"
#include "types/sparsevec.h"

using vecdb::types::check_dim_count;

// Allocates a zeroed vector with dim elements in the current memory context.
Vector* new_vector(int dim) {
    check_dim_count(dim, VECTOR_MAX_DIM, "vector");
    Size size = VECTOR_SIZE(dim);
    Vector* result = (Vector*)palloc0(size);
    SET_VARSIZE(result, size);
    result->dim = (int16)dim;
    return result;
}

// Allocates a zeroed halfvec with dim elements in the current memory context.
HalfVector* new_halfvec(int dim) {
    check_dim_count(dim, HALFVEC_MAX_DIM, "halfvec");
    Size size = HALFVEC_SIZE(dim);
    HalfVector* result = (HalfVector*)palloc0(size);
    SET_VARSIZE(result, size);
    result->dim = (int16)dim;
    return result;
}

// Allocates a zeroed sparsevec of dimension dim with room for nnz entries.
SparseVector* new_sparsevec(int dim, int nnz) {
    check_dim_count(dim, SPARSEVEC_MAX_DIM, "sparsevec");
    if (nnz > SPARSEVEC_MAX_NNZ)
        ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                        errmsg("sparsevec cannot have more than %d non-zero elements",
                               SPARSEVEC_MAX_NNZ)));
    if (nnz < 0 || nnz > dim)
        ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
                        errmsg("a sparsevec of %d dimensions cannot have %d non-zero elements", dim,
                               nnz)));
    Size size = SPARSEVEC_SIZE(nnz);
    SparseVector* result = (SparseVector*)palloc0(size);
    SET_VARSIZE(result, size);
    result->dim = dim;
    result->nnz = nnz;
    return result;
}
