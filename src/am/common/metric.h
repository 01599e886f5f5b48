// How an index compares its entries with a query: the opclass's distance
// support function (FUNCTION 1), and, for the types vecdb knows, a direct
// call into the SIMD kernels that yields an order-equivalent key without
// going through fmgr for every entry.
#pragma once

#include "pg/pg.h"
#include "core/distance/kernels.h"

// Distance kernels the AM can run directly on stored values.
enum VecdbKeyKind {
    VECDB_KEY_GENERIC = 0,  // call the support function through fmgr
    VECDB_KEY_VECTOR_L2,    // key: squared L2 (orders like l2_distance)
    VECDB_KEY_VECTOR_IP,    // key: -dot
    VECDB_KEY_VECTOR_COSINE,
    VECDB_KEY_VECTOR_L1,
    VECDB_KEY_HALFVEC_L2,
    VECDB_KEY_HALFVEC_IP,
    VECDB_KEY_HALFVEC_COSINE,
    VECDB_KEY_HALFVEC_L1,
    VECDB_KEY_SPARSEVEC_L2,
    VECDB_KEY_SPARSEVEC_IP,
    VECDB_KEY_SPARSEVEC_COSINE,
    VECDB_KEY_SPARSEVEC_L1,
    VECDB_KEY_BIT_HAMMING,
    VECDB_KEY_BIT_JACCARD,
};

typedef struct VecdbMetric {
    VecdbKeyKind kind;
    FmgrInfo* distance;  // the opclass's support function 1
    Oid collation;
    const vecdb::core::DistanceKernels* kernels;
} VecdbMetric;

// Resolves the metric of index column 1 from its opclass.
void vecdb_metric_init(VecdbMetric* metric, Relation index);

// An order-equivalent distance key between a query and a stored value, both
// plain (detoasted, 4-byte header) varlenas. Mismatched dimensions raise the
// same error the SQL distance function raises.
double vecdb_metric_key(const VecdbMetric* metric, const struct varlena* query,
                        const struct varlena* value);

// Whether the key is a negated inner product (not a metric: no triangle
// inequality), which graph indexes must link more generously.
bool vecdb_metric_is_inner_product(const VecdbMetric* metric);

// Whether vecdb_metric_key_to_distance of a finite key is bit for bit what
// the opclass's SQL distance function returns for the same pair: the
// float32 kernels' l2, inner product, cosine and l1 of vector and halfvec
// (sparse and bit keys are not handed over). For vecdb_scan_distance.
bool vecdb_metric_distance_is_operator_value(const VecdbMetric* metric);

// Whether keys come from a SIMD kernel alone (no fmgr call), so helper
// threads may compute them with vecdb_metric_kernel_key.
bool vecdb_metric_has_kernel(const VecdbMetric* metric);

// Whether a value has the query's dimensions and both are well formed, so
// the kernel can compare them (a malformed one goes to the SQL function,
// which reports it as corrupted).
bool vecdb_metric_same_shape(const VecdbMetric* metric, const struct varlena* query,
                             const struct varlena* value);

// The kernel's key for a value of the query's shape. Calls no Postgres
// function, so it is safe on helper threads.
double vecdb_metric_kernel_key(const VecdbMetric* metric, const struct varlena* query,
                               const struct varlena* value);

// vecdb_metric_kernel_key, allowed to stop early: the same key when it is
// <= bound; otherwise some value > bound (for L2 and L1 keys, a partial sum
// read from only the first part of the value). For a search that only wants
// candidates better than its current worst. Safe on helper threads.
double vecdb_metric_kernel_key_bounded(const VecdbMetric* metric, const struct varlena* query,
                                       const struct varlena* value, double bound);

// Converts a key back to what the SQL distance function returns.
double vecdb_metric_key_to_distance(const VecdbMetric* metric, double key);
