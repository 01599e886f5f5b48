// On-disk layout of sparsevec (byte-compatible with pgvector).
#pragma once

#include "pg/pg.h"

#define SPARSEVEC_MAX_DIM 1000000000
#define SPARSEVEC_MAX_NNZ 16000

// sparsevec: int32 dim, int32 nnz, int32 unused (0), nnz int32 indices
// (0-based, strictly increasing), then nnz float4 values (none zero).
typedef struct SparseVector {
    int32 vl_len_;
    int32 dim;
    int32 nnz;
    int32 unused;
    int32 indices[FLEXIBLE_ARRAY_MEMBER];
} SparseVector;

#define SPARSEVEC_SIZE(nnz) (offsetof(SparseVector, indices) + (nnz) * (sizeof(int32) + sizeof(float)))
#define SPARSEVEC_VALUES(v) ((float*)((char*)(v)->indices + (v)->nnz * sizeof(int32)))

// Whether a detoasted sparsevec's header agrees with its varlena size: dim
// and nnz in range, exactly the bytes nnz entries take, and the first and
// last index inside 0..dim-1. O(1): the kernels walk entries by nnz alone,
// so only functions that address memory by index (the dense casts) need
// check_sparsevec_indices as well.
inline bool sparsevec_is_well_formed(const SparseVector* v) {
    if (VARSIZE(v) < SPARSEVEC_SIZE(0) || v->dim < 1 || v->dim > SPARSEVEC_MAX_DIM || v->nnz < 0 || v->nnz > SPARSEVEC_MAX_NNZ ||
        v->nnz > v->dim || VARSIZE(v) != SPARSEVEC_SIZE(v->nnz))
        return false;
    return v->nnz == 0 || (v->indices[0] >= 0 && v->indices[v->nnz - 1] < v->dim);
}

// Raises XX001 unless every index is inside 0..dim-1 and they strictly
// increase (O(nnz)).
void check_sparsevec_indices(const SparseVector* v);

// Returns v after checking it is well formed; XX001 (data corrupted) if not.
SparseVector* checked_sparsevec(SparseVector* v);

#define DatumGetSparseVector(d) checked_sparsevec((SparseVector*)PG_DETOAST_DATUM(d))
#define PG_GETARG_SPARSEVEC_P(n) DatumGetSparseVector(PG_GETARG_DATUM(n))

// Allocates a zeroed sparsevec with room for nnz entries; dim outside
// 1..SPARSEVEC_MAX_DIM or nnz outside 0..min(dim, SPARSEVEC_MAX_NNZ) is an
// error (22000 / 54000), so no caller can build an out-of-range value.
SparseVector* new_sparsevec(int dim, int nnz);
