// AVX2 + FMA + F16C + POPCNT kernels. The Makefile compiles this file with
// those -m flags; the table is handed out only after cpu_features() says the
// CPU and OS can run it. The float/half algorithms live in kernels_simd.h,
// instantiated here with the Avx2 traits. Everything here has internal
// linkage and uses no inline function of a shared header with external
// linkage, so no AVX2 copy of a common inline function can leak into code
// that runs on older CPUs.
#include <immintrin.h>

#include <cstring>

#include "core/distance/cpu.h"
#include "core/distance/kernels.h"
#include "core/distance/kernels_simd.h"

namespace vecdb::core {
namespace {

constexpr size_t kLanes = 8;  // floats per YMM register

// The AVX2 + FMA + F16C operations the shared float kernels are built from.
struct Avx2 {
    using V = __m256;
    static constexpr size_t lanes = kLanes;

    // All lanes zero.
    static V zero() { return _mm256_setzero_ps(); }
    // Lane-wise a + b.
    static V add(V a, V b) { return _mm256_add_ps(a, b); }
    // Lane-wise a - b.
    static V sub(V a, V b) { return _mm256_sub_ps(a, b); }
    // Lane-wise a * b + acc, one rounding.
    static V fma(V a, V b, V acc) { return _mm256_fmadd_ps(a, b, acc); }
    // Lane-wise |a|, by clearing the sign bit.
    static V abs(V a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a); }

    // Sums the 8 lanes.
    static float hsum(V v) {
        __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
        s = _mm_add_ps(s, _mm_movehl_ps(s, s));
        s = _mm_add_ss(s, _mm_movehdup_ps(s));
        return _mm_cvtss_f32(s);
    }

    // 8 floats from any alignment.
    static V load(const float* p) { return _mm256_loadu_ps(p); }
    // The first rem (1..7) floats, zeros after; masked lanes are never read.
    static V load_tail(const float* p, size_t rem) {
        const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(rem)), lane);
        return _mm256_maskload_ps(p, mask);
    }

    // 8 IEEE halves from any alignment, widened to float with F16C.
    static V load(const uint16_t* p) {
        return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    }
    // The first rem (1..7) halves, zeros after (AVX2 has no 16-bit masked load).
    static V load_tail(const uint16_t* p, size_t rem) {
        alignas(16) uint16_t buf[kLanes] = {0, 0, 0, 0, 0, 0, 0, 0};
        std::memcpy(buf, p, rem * sizeof(uint16_t));
        return _mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(buf)));
    }
};

// Sums the 4 64-bit lanes of a YMM register.
inline uint64_t hsum_u64(__m256i v) {
    __m128i s = _mm_add_epi64(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    return static_cast<uint64_t>(_mm_cvtsi128_si64(s)) + static_cast<uint64_t>(_mm_extract_epi64(s, 1));
}

// Per-byte popcount of 32 bytes by two 4-bit table lookups (VPSHUFB).
inline __m256i popcount_bytes(__m256i v) {
    const __m256i table = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,
                                           0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
    const __m256i low4 = _mm256_set1_epi8(0x0f);
    __m256i lo = _mm256_and_si256(v, low4);
    __m256i hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), low4);
    return _mm256_add_epi8(_mm256_shuffle_epi8(table, lo), _mm256_shuffle_epi8(table, hi));
}

// Loads 32 bytes from any alignment.
inline __m256i load256(const uint8_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }

// Loads 8 bytes from any alignment.
inline uint64_t load64(const uint8_t* p) {
    uint64_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

// A byte counter gains at most 8 per block, so it is flushed into 64-bit
// lanes (VPSADBW) every 31 blocks before it can pass 255.
constexpr size_t kBlocksPerFlush = 31;

// popcount(a ^ b) by VPSHUFB byte counts, then POPCNT on the last bytes.
uint64_t hamming(const uint8_t* a, const uint8_t* b, size_t nbytes) {
    const __m256i zero = _mm256_setzero_si256();
    __m256i total = zero;
    size_t i = 0;
    while (i + 32 <= nbytes) {
        size_t blocks = (nbytes - i) / 32;
        if (blocks > kBlocksPerFlush) blocks = kBlocksPerFlush;
        __m256i bytes = zero;
        for (size_t k = 0; k < blocks; k++, i += 32)
            bytes = _mm256_add_epi8(bytes, popcount_bytes(_mm256_xor_si256(load256(a + i), load256(b + i))));
        total = _mm256_add_epi64(total, _mm256_sad_epu8(bytes, zero));
    }
    uint64_t count = hsum_u64(total);
    for (; i + 8 <= nbytes; i += 8)
        count += static_cast<uint64_t>(_mm_popcnt_u64(load64(a + i) ^ load64(b + i)));
    for (; i < nbytes; i++)
        count += static_cast<uint64_t>(_mm_popcnt_u32(static_cast<unsigned>(a[i] ^ b[i])));
    return count;
}

// popcount(a & b) and popcount(a | b), the same way as hamming().
void and_or_popcount(const uint8_t* a, const uint8_t* b, size_t nbytes, uint64_t* inter, uint64_t* uni) {
    const __m256i zero = _mm256_setzero_si256();
    __m256i inter_total = zero, union_total = zero;
    size_t i = 0;
    while (i + 32 <= nbytes) {
        size_t blocks = (nbytes - i) / 32;
        if (blocks > kBlocksPerFlush) blocks = kBlocksPerFlush;
        __m256i inter_bytes = zero, union_bytes = zero;
        for (size_t k = 0; k < blocks; k++, i += 32) {
            __m256i va = load256(a + i), vb = load256(b + i);
            inter_bytes = _mm256_add_epi8(inter_bytes, popcount_bytes(_mm256_and_si256(va, vb)));
            union_bytes = _mm256_add_epi8(union_bytes, popcount_bytes(_mm256_or_si256(va, vb)));
        }
        inter_total = _mm256_add_epi64(inter_total, _mm256_sad_epu8(inter_bytes, zero));
        union_total = _mm256_add_epi64(union_total, _mm256_sad_epu8(union_bytes, zero));
    }
    uint64_t i_count = hsum_u64(inter_total), u_count = hsum_u64(union_total);
    for (; i + 8 <= nbytes; i += 8) {
        uint64_t wa = load64(a + i), wb = load64(b + i);
        i_count += static_cast<uint64_t>(_mm_popcnt_u64(wa & wb));
        u_count += static_cast<uint64_t>(_mm_popcnt_u64(wa | wb));
    }
    for (; i < nbytes; i++) {
        i_count += static_cast<uint64_t>(_mm_popcnt_u32(static_cast<unsigned>(a[i] & b[i])));
        u_count += static_cast<uint64_t>(_mm_popcnt_u32(static_cast<unsigned>(a[i] | b[i])));
    }
    *inter = i_count;
    *uni = u_count;
}

// Every AVX2 kernel.
constexpr DistanceKernels table = simd_table<Avx2>("avx2", KernelLevel::avx2, hamming, and_or_popcount);

}  // namespace

// The AVX2 table when this CPU and OS can run it, otherwise nullptr. This
// function itself only reads a flag, so it is safe on any x86-64.
const DistanceKernels* avx2_kernels_if_supported() {
    return cpu_features().avx2_level ? &table : nullptr;
}

}  // namespace vecdb::core
