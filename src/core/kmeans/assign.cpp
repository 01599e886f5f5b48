// Chunked sgemm assignment (see assign.h).
#include "core/kmeans/assign.h"

#include <cblas.h>

#include <algorithm>
#include <limits>
#include <mutex>
#include <vector>

#include "core/distance/kernels.h"
#include "core/parallel/chunk_runner.h"

extern "C" void openblas_set_num_threads(int num_threads);

namespace vecdb::core {
namespace {

// OpenBLAS runs each call on its caller's thread only: we pick the threads
// ourselves, and its own pool must never run inside a Postgres backend.
void make_blas_single_threaded() {
    static std::once_flag once;
    std::call_once(once, [] { openblas_set_num_threads(1); });
}

// Rows per sgemm call: large enough for sgemm to reach full speed, small
// enough that a chunk's k keys per row stay in cache and a chunk takes a
// few milliseconds (the stop check runs between chunks).
size_t chunk_rows(size_t k, size_t dim) {
    size_t by_scratch = std::max<size_t>(16, (size_t)(1 << 20) / std::max<size_t>(k, 1));
    size_t by_work = std::max<size_t>(16, (size_t)(64u << 20) / std::max<size_t>(k * dim, 1));
    return std::min<size_t>({1024, by_scratch, by_work});
}

// Turns the dot products of one row into keys and picks the smallest.
void pick_nearest(const float* dots, const float* centroid_norms, size_t k, ClusterMetric metric,
                  uint32_t* label, float* key) {
    float best = std::numeric_limits<float>::infinity();
    uint32_t best_j = 0;
    if (metric == ClusterMetric::l2) {
        for (size_t j = 0; j < k; j++) {
            float v = centroid_norms[j] - 2.0f * dots[j];
            if (v < best) { best = v; best_j = (uint32_t)j; }
        }
    } else {
        for (size_t j = 0; j < k; j++) {
            float v = -dots[j];
            if (v < best) { best = v; best_j = (uint32_t)j; }
        }
    }
    *label = best_j;
    *key = best;
}

}  // namespace

void squared_norms(const float* x, size_t n, size_t dim, float* out) {
    const DistanceKernels& kern = kernels();
    for (size_t i = 0; i < n; i++) out[i] = kern.dot_f32(x + i * dim, x + i * dim, dim);
}

bool assign_nearest(const float* points, size_t n, const float* centroids, const float* centroid_norms,
                    size_t k, size_t dim, ClusterMetric metric, int threads, const StopCheck& stop,
                    uint32_t* labels, float* keys) {
    if (n == 0 || k == 0) return !stop();
    make_blas_single_threaded();
    const size_t rows = chunk_rows(k, dim);
    const size_t nchunks = (n + rows - 1) / rows;
    const int workers = usable_threads(threads);
    std::vector<std::vector<float>> scratch((size_t)workers, std::vector<float>(rows * k));
    const DistanceKernels& kern = kernels();
    return run_chunks(nchunks, workers, stop, [&](size_t chunk, int worker) {
        const size_t first = chunk * rows;
        const size_t m = std::min(rows, n - first);
        float* dots = scratch[(size_t)worker].data();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)k, (int)dim, 1.0f,
                    points + first * dim, (int)dim, centroids, (int)dim, 0.0f, dots, (int)k);
        for (size_t r = 0; r < m; r++) {
            float key;
            pick_nearest(dots + r * k, centroid_norms, k, metric, &labels[first + r], &key);
            if (keys != nullptr) {
                if (metric == ClusterMetric::l2) {
                    const float* x = points + (first + r) * dim;
                    key = std::max(0.0f, key + kern.dot_f32(x, x, dim));
                }
                keys[first + r] = key;
            }
        }
    });
}

void centroid_keys(const float* query, const float* centroids, const float* centroid_norms, size_t k,
                   size_t dim, ClusterMetric metric, float* keys) {
    if (k == 0) return;
    make_blas_single_threaded();
    cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)k, (int)dim, 1.0f, centroids, (int)dim, query, 1, 0.0f,
                keys, 1);
    for (size_t j = 0; j < k; j++)
        keys[j] = metric == ClusterMetric::l2 ? centroid_norms[j] - 2.0f * keys[j] : -keys[j];
}

}  // namespace vecdb::core
