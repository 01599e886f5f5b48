// AVX2 + FMA + F16C + POPCNT kernels. The Makefile compiles this file with
// those -m flags; the table is handed out only after cpu_features() says the
// CPU and OS can run it. Everything here has internal linkage and uses no
// inline function of a shared header, so no AVX2 copy of a common inline
// function can leak into code that runs on older CPUs.
#include <immintrin.h>

#include <cstring>

#include "core/distance/cpu.h"
#include "core/distance/kernels.h"

namespace vecdb::core {
namespace {

constexpr size_t kLanes = 8;  // floats per YMM register

// Sums the 8 lanes of a YMM register.
inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// Sums the 4 64-bit lanes of a YMM register.
inline uint64_t hsum_u64(__m256i v) {
    __m128i s = _mm_add_epi64(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    return static_cast<uint64_t>(_mm_cvtsi128_si64(s)) + static_cast<uint64_t>(_mm_extract_epi64(s, 1));
}

// Loads float32 elements.
struct F32 {
    using T = float;
    // 8 floats from any alignment.
    static __m256 load(const float* p) { return _mm256_loadu_ps(p); }
    // The first rem (1..7) floats, zeros after; masked lanes are never read.
    static __m256 load_tail(const float* p, size_t rem) {
        const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(rem)), lane);
        return _mm256_maskload_ps(p, mask);
    }
};

// Loads IEEE half elements and widens them to float with F16C.
struct F16 {
    using T = uint16_t;
    // 8 halves from any alignment.
    static __m256 load(const uint16_t* p) {
        return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    }
    // The first rem (1..7) halves, zeros after (AVX2 has no 16-bit masked load).
    static __m256 load_tail(const uint16_t* p, size_t rem) {
        alignas(16) uint16_t buf[kLanes] = {0, 0, 0, 0, 0, 0, 0, 0};
        std::memcpy(buf, p, rem * sizeof(uint16_t));
        return _mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(buf)));
    }
};

// acc += (a - b)^2
struct L2Step {
    static __m256 step(__m256 acc, __m256 a, __m256 b) {
        __m256 d = _mm256_sub_ps(a, b);
        return _mm256_fmadd_ps(d, d, acc);
    }
};

// acc += a * b
struct DotStep {
    static __m256 step(__m256 acc, __m256 a, __m256 b) { return _mm256_fmadd_ps(a, b, acc); }
};

// acc += |a - b| (clearing the sign bit)
struct L1Step {
    static __m256 step(__m256 acc, __m256 a, __m256 b) {
        const __m256 sign = _mm256_set1_ps(-0.0f);
        return _mm256_add_ps(acc, _mm256_andnot_ps(sign, _mm256_sub_ps(a, b)));
    }
};

// One accumulated reduction over two arrays: four independent accumulators
// hide the FMA latency; the tail is a zero-padded partial load (zeros add
// nothing to any of the sums).
template <class Load, class Op>
float reduce(const typename Load::T* a, const typename Load::T* b, size_t n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    __m256 s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
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
    return hsum(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
}

// Dot product and both squared norms in one pass, two accumulators each.
template <class Load>
void cosine_parts(const typename Load::T* a, const typename Load::T* b, size_t n,
                  float* dot, float* norm_a, float* norm_b) {
    __m256 d0 = _mm256_setzero_ps(), d1 = _mm256_setzero_ps();
    __m256 x0 = _mm256_setzero_ps(), x1 = _mm256_setzero_ps();
    __m256 y0 = _mm256_setzero_ps(), y1 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 2 * kLanes <= n; i += 2 * kLanes) {
        __m256 va = Load::load(a + i), vb = Load::load(b + i);
        __m256 wa = Load::load(a + i + kLanes), wb = Load::load(b + i + kLanes);
        d0 = _mm256_fmadd_ps(va, vb, d0);
        x0 = _mm256_fmadd_ps(va, va, x0);
        y0 = _mm256_fmadd_ps(vb, vb, y0);
        d1 = _mm256_fmadd_ps(wa, wb, d1);
        x1 = _mm256_fmadd_ps(wa, wa, x1);
        y1 = _mm256_fmadd_ps(wb, wb, y1);
    }
    if (i + kLanes <= n) {
        __m256 va = Load::load(a + i), vb = Load::load(b + i);
        d0 = _mm256_fmadd_ps(va, vb, d0);
        x0 = _mm256_fmadd_ps(va, va, x0);
        y0 = _mm256_fmadd_ps(vb, vb, y0);
        i += kLanes;
    }
    if (i < n) {
        __m256 va = Load::load_tail(a + i, n - i), vb = Load::load_tail(b + i, n - i);
        d1 = _mm256_fmadd_ps(va, vb, d1);
        x1 = _mm256_fmadd_ps(va, va, x1);
        y1 = _mm256_fmadd_ps(vb, vb, y1);
    }
    *dot = hsum(_mm256_add_ps(d0, d1));
    *norm_a = hsum(_mm256_add_ps(x0, x1));
    *norm_b = hsum(_mm256_add_ps(y0, y1));
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

const DistanceKernels table = {
    "avx2", KernelLevel::avx2,
    l2_squared_f32, dot_f32, l1_f32, cosine_parts_f32,
    l2_squared_f16, dot_f16, l1_f16, cosine_parts_f16,
    hamming, and_or_popcount,
};

}  // namespace

// The AVX2 table when this CPU and OS can run it, otherwise nullptr. This
// function itself only reads a flag, so it is safe on any x86-64.
const DistanceKernels* avx2_kernels_if_supported() {
    return cpu_features().avx2_level ? &table : nullptr;
}

}  // namespace vecdb::core
