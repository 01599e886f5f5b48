// AVX-512 (F/BW/VL/DQ) kernels, with AVX512_VPOPCNTDQ bit kernels when the
// CPU has it and the scalar POPCNT ones (cpu_popcnt.cpp) when it does not.
// The Makefile compiles this file with the AVX-512 -m flags; the tables are
// handed out only after cpu_features() says the CPU and OS can run them.
// Everything here has internal linkage and uses no inline function of a
// shared header, so no AVX-512 code can leak into other files' callers.
#include <immintrin.h>

// GCC 12's own intrinsics (_mm512_undefined_* inside _mm512_cvtph_ps and the
// _mm512_reduce_add_* helpers) trip -Wuninitialized falsely (GCC bug 105593).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "core/distance/cpu.h"
#include "core/distance/cpu_popcnt.h"
#include "core/distance/kernels.h"

namespace vecdb::core {
namespace {

constexpr size_t kLanes = 16;  // floats per ZMM register

// Mask of the first rem (0..15) lanes.
inline __mmask16 first_lanes(size_t rem) { return static_cast<__mmask16>((1u << rem) - 1u); }

// Loads float32 elements.
struct F32 {
    using T = float;
    // 16 floats from any alignment.
    static __m512 load(const float* p) { return _mm512_loadu_ps(p); }
    // The first rem (1..15) floats, zeros after; masked lanes never fault.
    static __m512 load_tail(const float* p, size_t rem) { return _mm512_maskz_loadu_ps(first_lanes(rem), p); }
};

// Loads IEEE half elements and widens them to float (VCVTPH2PS).
struct F16 {
    using T = uint16_t;
    // 16 halves from any alignment.
    static __m512 load(const uint16_t* p) {
        return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
    }
    // The first rem (1..15) halves, zeros after (16-bit masked load: AVX512BW+VL).
    static __m512 load_tail(const uint16_t* p, size_t rem) {
        return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(first_lanes(rem), p));
    }
};

// acc += (a - b)^2
struct L2Step {
    static __m512 step(__m512 acc, __m512 a, __m512 b) {
        __m512 d = _mm512_sub_ps(a, b);
        return _mm512_fmadd_ps(d, d, acc);
    }
};

// acc += a * b
struct DotStep {
    static __m512 step(__m512 acc, __m512 a, __m512 b) { return _mm512_fmadd_ps(a, b, acc); }
};

// acc += |a - b|
struct L1Step {
    static __m512 step(__m512 acc, __m512 a, __m512 b) {
        return _mm512_add_ps(acc, _mm512_abs_ps(_mm512_sub_ps(a, b)));
    }
};

// One accumulated reduction over two arrays: four independent accumulators
// hide the FMA latency; the tail is a masked load (zeros add nothing).
template <class Load, class Op>
float reduce(const typename Load::T* a, const typename Load::T* b, size_t n) {
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    __m512 s2 = _mm512_setzero_ps(), s3 = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 4 * kLanes <= n; i += 4 * kLanes) {
        s0 = Op::step(s0, Load::load(a + i), Load::load(b + i));
        s1 = Op::step(s1, Load::load(a + i + kLanes), Load::load(b + i + kLanes));
        s2 = Op::step(s2, Load::load(a + i + 2 * kLanes), Load::load(b + i + 2 * kLanes));
        s3 = Op::step(s3, Load::load(a + i + 3 * kLanes), Load::load(b + i + 3 * kLanes));
    }
    for (; i + kLanes <= n; i += kLanes)
        s0 = Op::step(s0, Load::load(a + i), Load::load(b + i));
    if (i < n)
        s1 = Op::step(s1, Load::load_tail(a + i, n - i), Load::load_tail(b + i, n - i));
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}

// Dot product and both squared norms in one pass, two accumulators each.
template <class Load>
void cosine_parts(const typename Load::T* a, const typename Load::T* b, size_t n,
                  float* dot, float* norm_a, float* norm_b) {
    __m512 d0 = _mm512_setzero_ps(), d1 = _mm512_setzero_ps();
    __m512 x0 = _mm512_setzero_ps(), x1 = _mm512_setzero_ps();
    __m512 y0 = _mm512_setzero_ps(), y1 = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 2 * kLanes <= n; i += 2 * kLanes) {
        __m512 va = Load::load(a + i), vb = Load::load(b + i);
        __m512 wa = Load::load(a + i + kLanes), wb = Load::load(b + i + kLanes);
        d0 = _mm512_fmadd_ps(va, vb, d0);
        x0 = _mm512_fmadd_ps(va, va, x0);
        y0 = _mm512_fmadd_ps(vb, vb, y0);
        d1 = _mm512_fmadd_ps(wa, wb, d1);
        x1 = _mm512_fmadd_ps(wa, wa, x1);
        y1 = _mm512_fmadd_ps(wb, wb, y1);
    }
    if (i + kLanes <= n) {
        __m512 va = Load::load(a + i), vb = Load::load(b + i);
        d0 = _mm512_fmadd_ps(va, vb, d0);
        x0 = _mm512_fmadd_ps(va, va, x0);
        y0 = _mm512_fmadd_ps(vb, vb, y0);
        i += kLanes;
    }
    if (i < n) {
        __m512 va = Load::load_tail(a + i, n - i), vb = Load::load_tail(b + i, n - i);
        d1 = _mm512_fmadd_ps(va, vb, d1);
        x1 = _mm512_fmadd_ps(va, va, x1);
        y1 = _mm512_fmadd_ps(vb, vb, y1);
    }
    *dot = _mm512_reduce_add_ps(_mm512_add_ps(d0, d1));
    *norm_a = _mm512_reduce_add_ps(_mm512_add_ps(x0, x1));
    *norm_b = _mm512_reduce_add_ps(_mm512_add_ps(y0, y1));
}

float l2_squared_f32(const float* a, const float* b, size_t n) { return reduce<F32, L2Step>(a, b, n); }
float dot_f32(const float* a, const float* b, size_t n) { return reduce<F32, DotStep>(a, b, n); }
float l1_f32(const float* a, const float* b, size_t n) { return reduce<F32, L1Step>(a, b, n); }
void cosine_parts_f32(const float* a, const float* b, size_t n, float* d, float* x, float* y) {
    cosine_parts<F32>(a, b, n, d, x, y);
}
float l2_squared_f16(const uint16_t* a, const uint16_t* b, size_t n) { return reduce<F16, L2Step>(a, b, n); }
float dot_f16(const uint16_t* a, const uint16_t* b, size_t n) { return reduce<F16, DotStep>(a, b, n); }
float l1_f16(const uint16_t* a, const uint16_t* b, size_t n) { return reduce<F16, L1Step>(a, b, n); }
void cosine_parts_f16(const uint16_t* a, const uint16_t* b, size_t n, float* d, float* x, float* y) {
    cosine_parts<F16>(a, b, n, d, x, y);
}

// Loads 64 bytes from any alignment.
inline __m512i load512(const uint8_t* p) { return _mm512_loadu_si512(p); }

// The first rem (1..63) bytes, zeros after (byte-masked load: AVX512BW).
inline __m512i load512_tail(const uint8_t* p, size_t rem) {
    return _mm512_maskz_loadu_epi8(static_cast<__mmask64>((uint64_t{1} << rem) - 1u), p);
}

// popcount(a ^ b) with VPOPCNTQ, two accumulators of 64-bit lanes.
uint64_t hamming_vpopcnt(const uint8_t* a, const uint8_t* b, size_t nbytes) {
    __m512i c0 = _mm512_setzero_si512(), c1 = _mm512_setzero_si512();
    size_t i = 0;
    for (; i + 128 <= nbytes; i += 128) {
        c0 = _mm512_add_epi64(c0, _mm512_popcnt_epi64(_mm512_xor_si512(load512(a + i), load512(b + i))));
        c1 = _mm512_add_epi64(c1, _mm512_popcnt_epi64(_mm512_xor_si512(load512(a + i + 64), load512(b + i + 64))));
    }
    if (i + 64 <= nbytes) {
        c0 = _mm512_add_epi64(c0, _mm512_popcnt_epi64(_mm512_xor_si512(load512(a + i), load512(b + i))));
        i += 64;
    }
    if (i < nbytes) {
        __m512i x = _mm512_xor_si512(load512_tail(a + i, nbytes - i), load512_tail(b + i, nbytes - i));
        c1 = _mm512_add_epi64(c1, _mm512_popcnt_epi64(x));
    }
    return static_cast<uint64_t>(_mm512_reduce_add_epi64(_mm512_add_epi64(c0, c1)));
}

// popcount(a & b) and popcount(a | b) with VPOPCNTQ.
void and_or_popcount_vpopcnt(const uint8_t* a, const uint8_t* b, size_t nbytes, uint64_t* inter, uint64_t* uni) {
    __m512i ci = _mm512_setzero_si512(), cu = _mm512_setzero_si512();
    size_t i = 0;
    for (; i + 64 <= nbytes; i += 64) {
        __m512i va = load512(a + i), vb = load512(b + i);
        ci = _mm512_add_epi64(ci, _mm512_popcnt_epi64(_mm512_and_si512(va, vb)));
        cu = _mm512_add_epi64(cu, _mm512_popcnt_epi64(_mm512_or_si512(va, vb)));
    }
    if (i < nbytes) {
        __m512i va = load512_tail(a + i, nbytes - i), vb = load512_tail(b + i, nbytes - i);
        ci = _mm512_add_epi64(ci, _mm512_popcnt_epi64(_mm512_and_si512(va, vb)));
        cu = _mm512_add_epi64(cu, _mm512_popcnt_epi64(_mm512_or_si512(va, vb)));
    }
    *inter = static_cast<uint64_t>(_mm512_reduce_add_epi64(ci));
    *uni = static_cast<uint64_t>(_mm512_reduce_add_epi64(cu));
}

// For CPUs with AVX512_VPOPCNTDQ (Ice Lake, Zen 4 and later).
const DistanceKernels table_vpopcnt = {
    "avx512", KernelLevel::avx512,
    l2_squared_f32, dot_f32, l1_f32, cosine_parts_f32,
    l2_squared_f16, dot_f16, l1_f16, cosine_parts_f16,
    hamming_vpopcnt, and_or_popcount_vpopcnt,
};

// For AVX-512 CPUs without it (Skylake-SP, Cascade Lake): bit kernels on
// scalar POPCNT, compiled in a file that cannot emit VPOPCNTQ.
const DistanceKernels table_popcnt64 = {
    "avx512", KernelLevel::avx512,
    l2_squared_f32, dot_f32, l1_f32, cosine_parts_f32,
    l2_squared_f16, dot_f16, l1_f16, cosine_parts_f16,
    hamming_popcnt64, and_or_popcount_popcnt64,
};

}  // namespace

// The AVX-512 table when this CPU and OS can run it, otherwise nullptr.
// This function itself only reads flags, so it is safe on any x86-64.
const DistanceKernels* avx512_kernels_if_supported() {
    const CpuFeatures& cpu = cpu_features();
    if (!cpu.avx512_level) return nullptr;
    return cpu.avx512_vpopcntdq ? &table_vpopcnt : &table_popcnt64;
}

}  // namespace vecdb::core
