// K-means training for IVF coarse quantizers and PQ codebooks: k-means++
// seeding on a subsample, then Lloyd iterations whose assignment step is
// chunked sgemm (assign.h). Deterministic for a given seed (the thread
// count does not change the result).
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/parallel/stop_check.h"

namespace vecdb::core {

struct KMeansOptions {
    size_t k = 1;            // clusters wanted
    int iterations = 10;     // Lloyd iterations at most (fewer once nothing moves)
    uint64_t seed = 1234;    // seeding and empty-cluster splits
    int threads = 1;         // threads for the assignment step
    bool spherical = false;  // data are unit vectors; centroids are renormalised
    StopCheck stop;          // polled on the calling thread between chunks
};

// Trains opts.k centroids (written to centroids, k × dim, row-major) on the
// n × dim row-major points. Works for any n ≥ 1, also with fewer points (or
// fewer distinct points) than clusters: the surplus centroids repeat points.
// Returns false when the stop check fired (centroids are then unusable).
bool kmeans_train(const float* points, size_t n, size_t dim, const KMeansOptions& opts, float* centroids);

// Scales each of the n rows to unit L2 norm in place (zero rows stay zero).
void normalize_rows(float* x, size_t n, size_t dim);

}  // namespace vecdb::core
