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

// Whether a detoasted value's header agrees with its varlena size: a
// dimension count in range and exactly the bytes that many elements take.
// O(1) and Postgres-call free, so index scans may use it on any thread.
inline bool vector_is_well_formed(const Vector* v) {
    return VARSIZE(v) >= VECTOR_SIZE(1) && v->dim >= 1 && v->dim <= VECTOR_MAX_DIM &&
           VARSIZE(v) == VECTOR_SIZE(v->dim);
}
inline bool halfvec_is_well_formed(const HalfVector* v) {
    return VARSIZE(v) >= HALFVEC_SIZE(1) && v->dim >= 1 && v->dim <= HALFVEC_MAX_DIM &&
           VARSIZE(v) == HALFVEC_SIZE(v->dim);
}

// Returns v after checking it is well formed; XX001 (data corrupted) if not.
// Every argument accessor below goes through these, so no function reads
// past a value whose header lies about its length.
Vector* checked_vector(Vector* v);
HalfVector* checked_halfvec(HalfVector* v);

#define DatumGetVector(d) checked_vector((Vector*)PG_DETOAST_DATUM(d))
#define PG_GETARG_VECTOR_P(n) DatumGetVector(PG_GETARG_DATUM(n))
#define DatumGetHalfVector(d) checked_halfvec((HalfVector*)PG_DETOAST_DATUM(d))
#define PG_GETARG_HALFVEC_P(n) DatumGetHalfVector(PG_GETARG_DATUM(n))

// Allocates a zeroed vector / halfvec of dim elements in the current context;
// 22000 for dim < 1 and 54000 beyond the maximum, so no caller can build a
// value of a dimension count the type cannot hold.
Vector* new_vector(int dim);
HalfVector* new_halfvec(int dim);
