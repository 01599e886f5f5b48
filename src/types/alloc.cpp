// Allocation of empty vector values, shared by every type's functions.
#include "types/vector.h"
#include "types/sparsevec.h"

// Allocates a zeroed vector with dim elements in the current memory context.
Vector* new_vector(int dim) {
    Size size = VECTOR_SIZE(dim);
    Vector* result = (Vector*)palloc0(size);
    SET_VARSIZE(result, size);
    result->dim = (int16)dim;
    return result;
}

// Allocates a zeroed halfvec with dim elements in the current memory context.
HalfVector* new_halfvec(int dim) {
    Size size = HALFVEC_SIZE(dim);
    HalfVector* result = (HalfVector*)palloc0(size);
    SET_VARSIZE(result, size);
    result->dim = (int16)dim;
    return result;
}

// Allocates a zeroed sparsevec of dimension dim with room for nnz entries.
SparseVector* new_sparsevec(int dim, int nnz) {
    Size size = SPARSEVEC_SIZE(nnz);
    SparseVector* result = (SparseVector*)palloc0(size);
    SET_VARSIZE(result, size);
    result->dim = dim;
    result->nnz = nnz;
    return result;
}
