// SQ8 kernels for AVX-512 (compiled with those -m flags by the Makefile;
// handed out only after the CPU check). Masked loads handle the tail, so
// nothing past the last code or float is read. Internal linkage throughout.
#include <immintrin.h>

#include "core/distance/cpu.h"
#include "core/quant/sq8.h"

namespace vecdb::core {
namespace {

// The zero-masked conversions: GCC 12's unmasked ones start from an
// "undefined" register and warn about it.
constexpr __mmask16 kAll = 0xFFFF;

// 16 codes widened to floats.
inline __m512 load_codes(const uint8_t* p) {
    return _mm512_maskz_cvtepi32_ps(kAll, _mm512_maskz_cvtepu8_epi32(kAll, _mm_loadu_si128(reinterpret_cast<const __m128i*>(p))));
}

// The first rem (1..15) codes widened to floats, zeros after.
inline __m512 load_codes_tail(const uint8_t* p, __mmask16 mask) {
    return _mm512_maskz_cvtepi32_ps(kAll, _mm512_maskz_cvtepu8_epi32(kAll, _mm_maskz_loadu_epi8(mask, p)));
}

// Sums the 16 lanes (through memory: GCC 12's _mm512_reduce_add_ps warns
// about an uninitialized register when inlined here).
inline float hsum(__m512 v) {
    alignas(64) float lanes[16];
    _mm512_store_ps(lanes, v);
    float sum = 0;
    for (float x : lanes) sum += x;
    return sum;
}

// Σ (a_i − scale_i·c_i)². With kBounded, the same additions stop once the
// partial sum of the accumulators exceeds bound at a check (every
// kBoundedCheckEvery dimensions), so the plain and bounded kernels agree
// bit for bit within the bound.
template <bool kBounded>
float l2_sum(const float* a, const float* scale, const uint8_t* codes, size_t n, float bound) {
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m512 d0 = _mm512_fnmadd_ps(_mm512_loadu_ps(scale + i), load_codes(codes + i), _mm512_loadu_ps(a + i));
        __m512 d1 = _mm512_fnmadd_ps(_mm512_loadu_ps(scale + i + 16), load_codes(codes + i + 16),
                                     _mm512_loadu_ps(a + i + 16));
        s0 = _mm512_fmadd_ps(d0, d0, s0);
        s1 = _mm512_fmadd_ps(d1, d1, s1);
        if (kBounded && (i + 32) % kBoundedCheckEvery == 0 && i + 32 < n) {
            float partial = hsum(_mm512_add_ps(s0, s1));
            if (partial > bound) return partial;
        }
    }
    for (; i + 16 <= n; i += 16) {
        __m512 d = _mm512_fnmadd_ps(_mm512_loadu_ps(scale + i), load_codes(codes + i), _mm512_loadu_ps(a + i));
        s0 = _mm512_fmadd_ps(d, d, s0);
    }
    if (i < n) {
        __mmask16 mask = (__mmask16)((1u << (n - i)) - 1);
        __m512 d = _mm512_fnmadd_ps(_mm512_maskz_loadu_ps(mask, scale + i), load_codes_tail(codes + i, mask),
                                    _mm512_maskz_loadu_ps(mask, a + i));
        s1 = _mm512_fmadd_ps(d, d, s1);
    }
    return hsum(_mm512_add_ps(s0, s1));
}

// Σ (a_i − scale_i·c_i)².
float l2_squared(const float* a, const float* scale, const uint8_t* codes, size_t n) {
    return l2_sum<false>(a, scale, codes, n, 0.0f);
}

// l2_squared, stopping early once the sum passes bound (see l2_sum).
float l2_squared_bounded(const float* a, const float* scale, const uint8_t* codes, size_t n, float bound) {
    return l2_sum<true>(a, scale, codes, n, bound);
}

// Σ w_i·c_i.
float dot(const float* w, const uint8_t* codes, size_t n) {
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(w + i), load_codes(codes + i), s0);
        s1 = _mm512_fmadd_ps(_mm512_loadu_ps(w + i + 16), load_codes(codes + i + 16), s1);
    }
    for (; i + 16 <= n; i += 16) s0 = _mm512_fmadd_ps(_mm512_loadu_ps(w + i), load_codes(codes + i), s0);
    if (i < n) {
        __mmask16 mask = (__mmask16)((1u << (n - i)) - 1);
        s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, w + i), load_codes_tail(codes + i, mask), s1);
    }
    return hsum(_mm512_add_ps(s0, s1));
}

constexpr Sq8Kernels table = {"avx512", l2_squared, dot, l2_squared_bounded};

}  // namespace

// The AVX-512 table when this CPU can run it, otherwise nullptr.
const Sq8Kernels* sq8_avx512_if_supported() {
    return cpu_features().avx512_level ? &table : nullptr;
}

}  // namespace vecdb::core
