// Chunked sgemm assignment (see assign.h).
#include "core/kmeans/assign.h"

#include <cblas.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <cstdint>
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

// The index of the smallest of k keys: the first one on ties; NaN keys
// never win, and when none is below +inf the answer is 0. One SIMD pass
// for the minimum, one for where it is (a branchy single pass costs
// several times more for the k = 256 centroids of a pq sub-space).
uint32_t argmin(const float* v, size_t k, float* best_out) {
    const float inf = std::numeric_limits<float>::infinity();
    float best = inf;
    size_t j = 0;
#if defined(__SSE2__)
    // four independent minima hide minps's latency; (a < b) ? a : b keeps b on NaN
    __m128 b0 = _mm_set1_ps(inf), b1 = b0, b2 = b0, b3 = b0;
    for (; j + 16 <= k; j += 16) {
        b0 = _mm_min_ps(_mm_loadu_ps(v + j), b0);
        b1 = _mm_min_ps(_mm_loadu_ps(v + j + 4), b1);
        b2 = _mm_min_ps(_mm_loadu_ps(v + j + 8), b2);
        b3 = _mm_min_ps(_mm_loadu_ps(v + j + 12), b3);
    }
    alignas(16) float lanes[16];
    _mm_store_ps(lanes, b0);
    _mm_store_ps(lanes + 4, b1);
    _mm_store_ps(lanes + 8, b2);
    _mm_store_ps(lanes + 12, b3);
    for (float lane : lanes) best = lane < best ? lane : best;
#endif
    for (; j < k; j++) best = v[j] < best ? v[j] : best;
    *best_out = best;
    if (!(best < inf)) return 0;
    j = 0;
#if defined(__SSE2__)
    const __m128 target = _mm_set1_ps(best);
    for (; j + 4 <= k; j += 4) {
        int mask = _mm_movemask_ps(_mm_cmpeq_ps(_mm_loadu_ps(v + j), target));
        if (mask != 0) return (uint32_t)(j + (size_t)__builtin_ctz((unsigned)mask));
    }
#endif
    for (; v[j] != best; j++) {
    }
    return (uint32_t)j;
}

// Turns the dot products of one row into keys (in place) and picks the smallest.
void pick_nearest(float* dots, const float* centroid_norms, size_t k, ClusterMetric metric, uint32_t* label,
                  float* key) {
    if (metric == ClusterMetric::l2) {
        for (size_t j = 0; j < k; j++) dots[j] = centroid_norms[j] - 2.0f * dots[j];
    } else {
        for (size_t j = 0; j < k; j++) dots[j] = -dots[j];
    }
    *label = argmin(dots, k, key);
}

// Dimensions up to which assign_nearest computes dot products itself.
constexpr size_t kSmallDim = 16;

// dots[r·k + j] = x_r · c_j for m rows of few dimensions, the centroids
// given dimension-major (transposed[d·k + j]).
void small_dots(const float* x, size_t m, const float* transposed, size_t k, size_t dim, float* dots) {
    for (size_t r = 0; r < m; r++) {
        float* out = dots + r * k;
        const float* row = x + r * dim;
        for (size_t j = 0; j < k; j++) out[j] = row[0] * transposed[j];
        for (size_t d = 1; d < dim; d++) {
            const float xd = row[d];
            const float* col = transposed + d * k;
            for (size_t j = 0; j < k; j++) out[j] += xd * col[j];
        }
    }
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
    // Few dimensions (pq sub-spaces): sgemm would spend most of its time
    // clearing and copying; dots come from the centroids transposed
    // (dimension-major), a loop over centroids the compiler vectorizes.
    const bool small = dim >= 1 && dim <= kSmallDim;
    std::vector<float> transposed(small ? k * dim : 0);
    for (size_t j = 0; small && j < k; j++)
        for (size_t d = 0; d < dim; d++) transposed[d * k + j] = centroids[j * dim + d];
    return run_chunks(nchunks, workers, stop, [&](size_t chunk, int worker) {
        const size_t first = chunk * rows;
        const size_t m = std::min(rows, n - first);
        float* dots = scratch[(size_t)worker].data();
        if (small)
            small_dots(points + first * dim, m, transposed.data(), k, dim, dots);
        else
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
    // One query: our dispatched dot kernel, not sgemv. OpenBLAS picks its
    // kernels by CPU model and falls back to SSE3 (PRESCOTT) on CPUs it does
    // not know, such as this VM's AVX-512 Xeon; a matrix-vector product has
    // no reuse for BLAS to exploit anyway.
    const DistanceKernels& kern = kernels();
    for (size_t j = 0; j < k; j++) {
        const float dot = kern.dot_f32(query, centroids + j * dim, dim);
        keys[j] = metric == ClusterMetric::l2 ? centroid_norms[j] - 2.0f * dot : -dot;
    }
}

}  // namespace vecdb::core
