// Distance kernels over contiguous arrays, one table per CPU dispatch level.
// Callers ask for kernels() once and call through the table in hot loops.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vecdb::core {

enum class KernelLevel { scalar = 0, avx2 = 1, avx512 = 2 };

struct DistanceKernels {
    const char* name;  // "scalar", "avx2", "avx512"
    KernelLevel level;
    // float32 vectors
    float (*l2_squared_f32)(const float* a, const float* b, size_t n);
    float (*dot_f32)(const float* a, const float* b, size_t n);
    float (*l1_f32)(const float* a, const float* b, size_t n);
    // dot product and both squared norms in one pass, for cosine distance
    void (*cosine_parts_f32)(const float* a, const float* b, size_t n,
                             float* dot, float* norm_a, float* norm_b);
    // IEEE binary16 vectors (raw half bits)
    float (*l2_squared_f16)(const uint16_t* a, const uint16_t* b, size_t n);
    float (*dot_f16)(const uint16_t* a, const uint16_t* b, size_t n);
    float (*l1_f16)(const uint16_t* a, const uint16_t* b, size_t n);
    void (*cosine_parts_f16)(const uint16_t* a, const uint16_t* b, size_t n,
                             float* dot, float* norm_a, float* norm_b);
    // bit strings of nbytes bytes
    uint64_t (*hamming)(const uint8_t* a, const uint8_t* b, size_t nbytes);
    // popcount(a & b) and popcount(a | b), for Jaccard distance
    void (*and_or_popcount)(const uint8_t* a, const uint8_t* b, size_t nbytes,
                            uint64_t* intersection, uint64_t* union_count);
};

// The fastest table this CPU supports (chosen once, at first use).
const DistanceKernels& kernels();

// The table for one level, or nullptr when this CPU cannot run it.
const DistanceKernels* kernels_for(KernelLevel level);

// The plain scalar table: the reference every other level is checked against.
const DistanceKernels& scalar_kernels();

// 1 - dot / sqrt(|a|^2 |b|^2), NaN when either norm is zero.
float cosine_from_parts(float dot, float norm_a, float norm_b);

}  // namespace vecdb::core
