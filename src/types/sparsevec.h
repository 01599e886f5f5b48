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

#define DatumGetSparseVector(d) ((SparseVector*)PG_DETOAST_DATUM(d))
#define PG_GETARG_SPARSEVEC_P(n) DatumGetSparseVector(PG_GETARG_DATUM(n))

// Allocates a zeroed sparsevec with room for nnz entries.
SparseVector* new_sparsevec(int dim, int nnz);
