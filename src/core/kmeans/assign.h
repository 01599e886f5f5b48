// Nearest-centroid assignment as a matrix product: for points X and
// centroids C, X·Cᵀ comes from OpenBLAS sgemm in row chunks (one
// single-threaded sgemm per chunk, chunks spread over our own threads), and
// the key of each pair follows from it: ‖c‖² − 2x·c for L2 (the ‖x‖² term
// does not change the order), −x·c for inner product.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/parallel/stop_check.h"

namespace vecdb::core {

// How points are compared with centroids. Cosine is inner product (or L2)
// on unit vectors: callers normalise first.
enum class ClusterMetric { l2, inner_product };

// out[i] = ‖x_i‖² for the n rows of x.
void squared_norms(const float* x, size_t n, size_t dim, float* out);

// For each of n points its nearest centroid (labels[i]) and, when keys is
// not null, that centroid's key (l2: squared distance; inner product: −dot).
// centroid_norms (‖c‖², k values) is needed for l2 only. Uses up to
// `threads` threads; returns false when the stop check fired first.
bool assign_nearest(const float* points, size_t n, const float* centroids, const float* centroid_norms,
                    size_t k, size_t dim, ClusterMetric metric, int threads, const StopCheck& stop,
                    uint32_t* labels, float* keys);

// Every centroid's key for one query (keys: k values, smaller is nearer),
// one dot product per centroid (the SIMD kernels of core/distance).
void centroid_keys(const float* query, const float* centroids, const float* centroid_norms, size_t k,
                   size_t dim, ClusterMetric metric, float* keys);

}  // namespace vecdb::core
