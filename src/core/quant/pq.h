// Product quantization: a vector of `dim` floats is cut into m sub-vectors
// of dsub = dim / m floats; each sub-vector is replaced by the index of its
// nearest centroid in that sub-space's codebook of ksub = 2^nbits centroids
// (trained by k-means). A code is m bytes (one byte per sub-vector whatever
// nbits is: fewer bits make smaller codebooks, not smaller codes, so the
// scan stays byte-addressed). Distances are asymmetric (ADC): the query
// stays float; a lookup table holds its distance to every centroid of every
// sub-space, and the distance to a code is the sum of m table entries.
//   L2:  ‖q − x̂‖² = Σ_j table[j][code_j],  table[j][k] = ‖q_j − cb_jk‖²
//   dot: q·x̂     = Σ_j table[j][code_j],  table[j][k] = q_j·cb_jk
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/distance/kernels.h"
#include "core/parallel/stop_check.h"

namespace vecdb::core {

// Shape of a product quantizer.
struct PqShape {
    size_t dim = 0;    // vector length; a multiple of m
    size_t m = 0;      // sub-vectors (bytes per code)
    size_t nbits = 8;  // bits per sub-vector code, 1..8
    size_t dsub() const { return dim / m; }
    size_t ksub() const { return (size_t)1 << nbits; }
    // floats in the codebooks: m × ksub × dsub = ksub × dim
    size_t codebook_floats() const { return ksub() * dim; }
};

// Whether a shape can be used: m ≥ 1 divides dim, 1 ≤ nbits ≤ 8.
bool pq_shape_valid(const PqShape& shape);

// A default m for dim: dim / d for the largest divisor d of dim not above
// 4 (sub-vectors of 4 floats, or fewer when dim has no such divisor).
size_t pq_default_m(size_t dim);

struct PqKernels {
    const char* name;
    // out[i] = Σ_j table[j·ksub + codes[i·m + j]] for the n codes of m bytes
    // stored one after another.
    void (*adc)(const float* table, size_t m, size_t ksub, const uint8_t* codes, size_t n, float* out);
};

// The table for the level the distance kernels run at (VECDB_KERNEL_LEVEL honoured).
const PqKernels& pq_kernels();
// The table for one level, or nullptr when this CPU cannot run it.
const PqKernels* pq_kernels_for(KernelLevel level);

// Trains the codebooks (written to codebooks, m × ksub × dsub row-major)
// on n × dim row-major points, one k-means per sub-space with up to
// `threads` threads. Returns false when the stop check fired.
bool pq_train(const float* points, size_t n, const PqShape& shape, int threads, uint64_t seed, const StopCheck& stop,
              float* codebooks);

// The code of one vector (m bytes): the nearest centroid per sub-space.
void pq_encode(const float* x, const PqShape& shape, const float* codebooks, uint8_t* code);

// Codes of n × dim row-major vectors (n × m bytes), one sgemm assignment
// per sub-space with up to `threads` threads. Returns false when the stop
// check fired.
bool pq_encode_batch(const float* x, size_t n, const PqShape& shape, const float* codebooks, int threads,
                     const StopCheck& stop, uint8_t* codes);

// The vector a code stands for.
void pq_decode(const uint8_t* code, const PqShape& shape, const float* codebooks, float* out);

// Lookup tables for a query (m × ksub floats): squared L2 distances of
// each query sub-vector to its sub-space's centroids, or dot products.
void pq_table_l2(const float* query, const PqShape& shape, const float* codebooks, float* table);
void pq_table_dot(const float* query, const PqShape& shape, const float* codebooks, float* table);

}  // namespace vecdb::core
