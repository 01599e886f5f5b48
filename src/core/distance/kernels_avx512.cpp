// AVX-512 (F/BW/VL/DQ) kernels, with AVX512_VPOPCNTDQ bit kernels when the
// CPU has it and the scalar POPCNT ones (cpu_popcnt.cpp) when it does not.
// The Makefile compiles this file with the AVX-512 -m flags; the tables are
// handed out only after cpu_features() says the CPU and OS can run them.
// The float/half algorithms live in kernels_simd.h, instantiated here with
// the Avx512 traits. Everything here has internal linkage and uses no inline
// function of a shared header with external linkage, so no AVX-512 code can
// leak into other files' callers.
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
#include "core/distance/kernels_simd.h"

namespace vecdb::core {
namespace {

constexpr size_t kLanes = 16;  // floats per ZMM register

// Mask of the first rem (0..15) lanes.
inline __mmask16 first_lanes(size_t rem) { return static_cast<__mmask16>((1u << rem) - 1u); }

// The AVX-512 (F/BW/VL) + FMA operations the shared float kernels are built from.
struct Avx512 {
    using V = __m512;
    static constexpr size_t lanes = kLanes;

    // All lanes zero.
    static V zero() { return _mm512_setzero_ps(); }
    // Lane-wise a + b.
    static V add(V a, V b) { return _mm512_add_ps(a, b); }
    // Lane-wise a - b.
    static V sub(V a, V b) { return _mm512_sub_ps(a, b); }
    // Lane-wise a * b + acc, one rounding.
    static V fma(V a, V b, V acc) { return _mm512_fmadd_ps(a, b, acc); }
    // Lane-wise |a|.
    static V abs(V a) { return _mm512_abs_ps(a); }
    // Sums the 16 lanes.
    static float hsum(V v) { return _mm512_reduce_add_ps(v); }

    // 16 floats from any alignment.
    static V load(const float* p) { return _mm512_loadu_ps(p); }
    // The first rem (1..15) floats, zeros after; masked lanes never fault.
    static V load_tail(const float* p, size_t rem) { return _mm512_maskz_loadu_ps(first_lanes(rem), p); }

    // 16 IEEE halves from any alignment, widened to float (VCVTPH2PS).
    static V load(const uint16_t* p) {
        return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
    }
    // The first rem (1..15) halves, zeros after (16-bit masked load: AVX512BW+VL).
    static V load_tail(const uint16_t* p, size_t rem) {
        return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(first_lanes(rem), p));
    }
};

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
constexpr DistanceKernels table_vpopcnt =
    simd_table<Avx512>("avx512", KernelLevel::avx512, hamming_vpopcnt, and_or_popcount_vpopcnt);

// For AVX-512 CPUs without it (Skylake-SP, Cascade Lake): bit kernels on
// scalar POPCNT, compiled in a file that cannot emit VPOPCNTQ.
constexpr DistanceKernels table_popcnt64 =
    simd_table<Avx512>("avx512", KernelLevel::avx512, hamming_popcnt64, and_or_popcount_popcnt64);

}  // namespace

// The AVX-512 table when this CPU and OS can run it, otherwise nullptr.
// This function itself only reads flags, so it is safe on any x86-64.
const DistanceKernels* avx512_kernels_if_supported() {
    const CpuFeatures& cpu = cpu_features();
    if (!cpu.avx512_level) return nullptr;
    return cpu.avx512_vpopcntdq ? &table_vpopcnt : &table_popcnt64;
}

}  // namespace vecdb::core
