// SQ8 kernels for AVX2 + FMA (compiled with those -m flags by the Makefile;
// handed out only after the CPU check). Internal linkage throughout.
#include <immintrin.h>

#include "core/distance/cpu.h"
#include "core/quant/sq8.h"

namespace vecdb::core {
namespace {

// 8 codes widened to floats.
inline __m256 load_codes(const uint8_t* p) {
    return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
}

// Sums the 8 lanes.
inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// Σ (a_i − scale_i·c_i)², two accumulators, scalar tail. With kBounded, the same additions stop once the
// partial sum of the accumulators exceeds bound at a check (every
// kBoundedCheckEvery dimensions), so the plain and bounded kernels agree
// bit for bit within the bound.
template <bool kBounded>
float l2_sum(const float* a, const float* scale, const uint8_t* codes, size_t n, float bound) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 d0 = _mm256_fnmadd_ps(_mm256_loadu_ps(scale + i), load_codes(codes + i), _mm256_loadu_ps(a + i));
        __m256 d1 = _mm256_fnmadd_ps(_mm256_loadu_ps(scale + i + 8), load_codes(codes + i + 8),
                                     _mm256_loadu_ps(a + i + 8));
        s0 = _mm256_fmadd_ps(d0, d0, s0);
        s1 = _mm256_fmadd_ps(d1, d1, s1);
        if (kBounded && (i + 16) % kBoundedCheckEvery == 0 && i + 16 < n) {
            float partial = hsum(_mm256_add_ps(s0, s1));
            if (partial > bound) return partial;
        }
    }
    for (; i + 8 <= n; i += 8) {
        __m256 d = _mm256_fnmadd_ps(_mm256_loadu_ps(scale + i), load_codes(codes + i), _mm256_loadu_ps(a + i));
        s0 = _mm256_fmadd_ps(d, d, s0);
    }
    float sum = hsum(_mm256_add_ps(s0, s1));
    for (; i < n; i++) {
        float d = a[i] - scale[i] * (float)codes[i];
        sum += d * d;
    }
    return sum;
}

// Σ (a_i − scale_i·c_i)².
float l2_squared(const float* a, const float* scale, const uint8_t* codes, size_t n) {
    return l2_sum<false>(a, scale, codes, n, 0.0f);
}

// l2_squared, stopping early once the sum passes bound (see l2_sum).
float l2_squared_bounded(const float* a, const float* scale, const uint8_t* codes, size_t n, float bound) {
    return l2_sum<true>(a, scale, codes, n, bound);
}

// Σ w_i·c_i, two accumulators, scalar tail.
float dot(const float* w, const uint8_t* codes, size_t n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i), load_codes(codes + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i + 8), load_codes(codes + i + 8), s1);
    }
    for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i), load_codes(codes + i), s0);
    float sum = hsum(_mm256_add_ps(s0, s1));
    for (; i < n; i++) sum += w[i] * (float)codes[i];
    return sum;
}

constexpr Sq8Kernels table = {"avx2", l2_squared, dot, l2_squared_bounded};

}  // namespace

// The AVX2 table when this CPU can run it, otherwise nullptr.
const Sq8Kernels* sq8_avx2_if_supported() {
    return cpu_features().avx2_level ? &table : nullptr;
}

}  // namespace vecdb::core
