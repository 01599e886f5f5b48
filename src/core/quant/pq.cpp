// PQ shape checks, training, encoding, lookup tables, the scalar ADC
// kernel and kernel dispatch.
#include "core/quant/pq.h"

#include <algorithm>
#include <atomic>
#include <limits>
#include <vector>

#include "core/kmeans/assign.h"
#include "core/error.h"
#include "core/kmeans/kmeans.h"
#include "core/parallel/chunk_runner.h"

namespace vecdb::core {

// Defined in pq_avx2.cpp; checks the CPU before handing out its table.
const PqKernels* pq_avx2_if_supported();

namespace {

// Reference ADC kernel: four codes at a time so the sums of independent
// codes overlap in the pipeline.
void adc_scalar(const float* table, size_t m, size_t ksub, const uint8_t* codes, size_t n, float* out) {
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const uint8_t* c = codes + i * m;
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (size_t j = 0; j < m; j++) {
            const float* t = table + j * ksub;
            s0 += t[c[j]];
            s1 += t[c[m + j]];
            s2 += t[c[2 * m + j]];
            s3 += t[c[3 * m + j]];
        }
        out[i] = s0;
        out[i + 1] = s1;
        out[i + 2] = s2;
        out[i + 3] = s3;
    }
    for (; i < n; i++) {
        const uint8_t* c = codes + i * m;
        float s = 0;
        for (size_t j = 0; j < m; j++) s += table[j * ksub + c[j]];
        out[i] = s;
    }
}

const PqKernels scalar_table = {"scalar", adc_scalar};

// Squared L2 distance of two sub-vectors.
inline float sub_l2(const float* a, const float* b, size_t n) {
    float s = 0;
    for (size_t i = 0; i < n; i++) {
        float d = a[i] - b[i];
        s += d * d;
    }
    return s;
}

}  // namespace

bool pq_shape_valid(const PqShape& shape) {
    return shape.m >= 1 && shape.dim >= shape.m && shape.dim % shape.m == 0 && shape.nbits >= 1 && shape.nbits <= 8;
}

size_t pq_default_m(size_t dim) {
    for (size_t d = 4; d > 1; d--)
        if (dim % d == 0) return dim / d;
    return dim;
}

const PqKernels* pq_kernels_for(KernelLevel level) {
    switch (level) {
        case KernelLevel::scalar: return &scalar_table;
        case KernelLevel::avx2:
        case KernelLevel::avx512: return pq_avx2_if_supported();  // gathers gain nothing wider here
    }
    return nullptr;
}

const PqKernels& pq_kernels() {
    static const PqKernels* best = [] {
        const PqKernels* k = pq_kernels_for(kernels().level);
        return k != nullptr ? k : &scalar_table;
    }();
    return *best;
}

bool pq_train(const float* points, size_t n, const PqShape& shape, int threads, uint64_t seed, const StopCheck& stop,
              float* codebooks) {
    // One single-threaded k-means per sub-space, the sub-spaces spread over
    // the threads: each is small (ksub centroids of dsub dimensions), so
    // splitting one across threads would mostly cost synchronisation.
    // Each sub-space's result depends only on its seed, not on the threads.
    size_t dsub = shape.dsub(), ksub = shape.ksub();
    std::atomic<bool> failed{false};
    bool finished = run_chunks(shape.m, threads, stop, [&](size_t j, int) {
        try {
            std::vector<float> slice(n * dsub);
            for (size_t i = 0; i < n; i++)
                std::copy(points + i * shape.dim + j * dsub, points + i * shape.dim + (j + 1) * dsub, &slice[i * dsub]);
            KMeansOptions opts;
            opts.k = ksub;
            opts.threads = 1;
            opts.seed = seed + j;  // no stop check here: run_chunks polls between sub-spaces
            if (!kmeans_train(slice.data(), n, dsub, opts, codebooks + j * ksub * dsub)) failed = true;
        } catch (...) {
            failed = true;
        }
    });
    if (!finished) return false;
    if (failed) fail(ErrorKind::internal, "pq codebook training failed");
    return true;
}

void pq_encode(const float* x, const PqShape& shape, const float* codebooks, uint8_t* code) {
    size_t dsub = shape.dsub(), ksub = shape.ksub();
    for (size_t j = 0; j < shape.m; j++) {
        const float* cb = codebooks + j * ksub * dsub;
        float best = std::numeric_limits<float>::infinity();
        size_t best_k = 0;
        for (size_t k = 0; k < ksub; k++) {
            float d = sub_l2(x + j * dsub, cb + k * dsub, dsub);
            if (d < best) {
                best = d;
                best_k = k;
            }
        }
        code[j] = (uint8_t)best_k;
    }
}

bool pq_encode_batch(const float* x, size_t n, const PqShape& shape, const float* codebooks, int threads,
                     const StopCheck& stop, uint8_t* codes) {
    size_t dsub = shape.dsub(), ksub = shape.ksub();
    std::vector<float> slice(n * dsub), norms(ksub);
    std::vector<uint32_t> labels(n);
    for (size_t j = 0; j < shape.m; j++) {
        const float* cb = codebooks + j * ksub * dsub;
        squared_norms(cb, ksub, dsub, norms.data());
        for (size_t i = 0; i < n; i++)
            std::copy(x + i * shape.dim + j * dsub, x + i * shape.dim + (j + 1) * dsub, &slice[i * dsub]);
        if (!assign_nearest(slice.data(), n, cb, norms.data(), ksub, dsub, ClusterMetric::l2, threads, stop,
                            labels.data(), nullptr))
            return false;
        for (size_t i = 0; i < n; i++) codes[i * shape.m + j] = (uint8_t)labels[i];
    }
    return true;
}

void pq_decode(const uint8_t* code, const PqShape& shape, const float* codebooks, float* out) {
    size_t dsub = shape.dsub(), ksub = shape.ksub();
    for (size_t j = 0; j < shape.m; j++)
        std::copy(codebooks + (j * ksub + code[j]) * dsub, codebooks + (j * ksub + code[j] + 1) * dsub,
                  out + j * dsub);
}

void pq_table_l2(const float* query, const PqShape& shape, const float* codebooks, float* table) {
    size_t dsub = shape.dsub(), ksub = shape.ksub();
    for (size_t j = 0; j < shape.m; j++)
        for (size_t k = 0; k < ksub; k++)
            table[j * ksub + k] = sub_l2(query + j * dsub, codebooks + (j * ksub + k) * dsub, dsub);
}

void pq_table_dot(const float* query, const PqShape& shape, const float* codebooks, float* table) {
    size_t dsub = shape.dsub(), ksub = shape.ksub();
    for (size_t j = 0; j < shape.m; j++)
        for (size_t k = 0; k < ksub; k++) {
            const float* c = codebooks + (j * ksub + k) * dsub;
            float s = 0;
            for (size_t i = 0; i < dsub; i++) s += query[j * dsub + i] * c[i];
            table[j * ksub + k] = s;
        }
}

}  // namespace vecdb::core
