// Distance kernels over contiguous arrays, one table per CPU dispatch level.
// Callers ask for kernels() once and call through the table in hot loops.
#pragma once

#include <cmath>
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
    // Early-abandoning squared L2 / L1: the same value as l2_squared_* /
    // l1_* bit for bit when that value is <= bound; otherwise some partial
    // sum that is > bound and <= the full value (the remaining terms are
    // skipped). Lets a search reject a candidate that cannot enter its
    // result after reading only part of it.
    float (*l2_squared_bounded_f32)(const float* a, const float* b, size_t n, float bound);
    float (*l1_bounded_f32)(const float* a, const float* b, size_t n, float bound);
    float (*l2_squared_bounded_f16)(const uint16_t* a, const uint16_t* b, size_t n, float bound);
    float (*l1_bounded_f16)(const uint16_t* a, const uint16_t* b, size_t n, float bound);
    // bit strings of nbytes bytes
    uint64_t (*hamming)(const uint8_t* a, const uint8_t* b, size_t nbytes);
    // popcount(a & b) and popcount(a | b), for Jaccard distance
    void (*and_or_popcount)(const uint8_t* a, const uint8_t* b, size_t nbytes,
                            uint64_t* intersection, uint64_t* union_count);
};

// Elements between two checks of a bounded kernel's partial sum: a multiple
// of every level's unrolled step, so the bounded kernels add in exactly the
// order of the plain ones.
constexpr size_t kBoundedCheckEvery = 128;

// The fastest table this CPU supports (chosen once, at first use).
const DistanceKernels& kernels() noexcept;

// The table for one level, or nullptr when this CPU cannot run it.
const DistanceKernels* kernels_for(KernelLevel level) noexcept;

// The plain scalar table: the reference every other level is checked against.
const DistanceKernels& scalar_kernels() noexcept;

// 1 - dot / sqrt(|a|^2 |b|^2), NaN when either norm is zero.
float cosine_from_parts(float dot, float norm_a, float norm_b) noexcept;

// The L2 distance from the squared distance the kernels return: the one
// definition behind the SQL l2_distance functions and index keys alike
// (indexes order by the square and convert only what they return).
inline double l2_from_squared(double squared) noexcept { return std::sqrt(squared); }

}  // namespace vecdb::core
