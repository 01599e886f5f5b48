// On-disk layout of vector and halfvec (byte-compatible with pgvector).
#pragma once

#include "pg/pg.h"

#define VECTOR_MAX_DIM 16000
#define HALFVEC_MAX_DIM 16000

// vector: int16 dim, int16 unused (0), dim float4 elements.
typedef struct Vector {
    int32 vl_len_;
    int16 dim;
    int16 unused;
    float x[FLEXIBLE_ARRAY_MEMBER];
} Vector;

// halfvec: int16 dim, int16 unused (0), dim IEEE binary16 elements (raw bits).
typedef struct HalfVector {
    int32 vl_len_;
    int16 dim;
    int16 unused;
    uint16 x[FLEXIBLE_ARRAY_MEMBER];
} HalfVector;

#define VECTOR_SIZE(dim) (offsetof(Vector, x) + sizeof(float) * (dim))
#define HALFVEC_SIZE(dim) (offsetof(HalfVector, x) + sizeof(uint16) * (dim))

#define DatumGetVector(d) ((Vector*)PG_DETOAST_DATUM(d))
#define PG_GETARG_VECTOR_P(n) DatumGetVector(PG_GETARG_DATUM(n))
#define DatumGetHalfVector(d) ((HalfVector*)PG_DETOAST_DATUM(d))
#define PG_GETARG_HALFVEC_P(n) DatumGetHalfVector(PG_GETARG_DATUM(n))

// Allocates a zeroed vector / halfvec of dim elements in the current context.
Vector* new_vector(int dim);
HalfVector* new_halfvec(int dim);
