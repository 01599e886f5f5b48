// PQ ADC kernel for AVX2 (compiled with -mavx2 -mfma by the Makefile;
// handed out only after the CPU check). Eight sub-vectors of one code are
// looked up with one gather: their table rows are ksub floats apart.
#include <immintrin.h>

#include "core/distance/cpu.h"
#include "core/quant/pq.h"

namespace vecdb::core {
namespace {

// Sums the 8 lanes.
inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// One code: gathers of 8 table entries (row j·ksub + code_j), scalar tail.
inline float adc_one(const float* table, size_t m, size_t ksub, const uint8_t* c, __m256i row_steps) {
    __m256 acc = _mm256_setzero_ps();
    size_t j = 0;
    for (; j + 8 <= m; j += 8) {
        __m256i codes = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(c + j)));
        __m256i idx = _mm256_add_epi32(codes, row_steps);
        acc = _mm256_add_ps(acc, _mm256_i32gather_ps(table + j * ksub, idx, 4));
    }
    float s = hsum(acc);
    for (; j < m; j++) s += table[j * ksub + c[j]];
    return s;
}

void adc(const float* table, size_t m, size_t ksub, const uint8_t* codes, size_t n, float* out) {
    int k = (int)ksub;
    __m256i row_steps = _mm256_setr_epi32(0, k, 2 * k, 3 * k, 4 * k, 5 * k, 6 * k, 7 * k);
    size_t i = 0;
    // two codes at a time: independent gathers overlap
    for (; i + 2 <= n; i += 2) {
        out[i] = adc_one(table, m, ksub, codes + i * m, row_steps);
        out[i + 1] = adc_one(table, m, ksub, codes + (i + 1) * m, row_steps);
    }
    for (; i < n; i++) out[i] = adc_one(table, m, ksub, codes + i * m, row_steps);
}

constexpr PqKernels table = {"avx2", adc};

}  // namespace

// The AVX2 table when this CPU can run it, otherwise nullptr.
const PqKernels* pq_avx2_if_supported() {
    return cpu_features().avx2_level ? &table : nullptr;
}

}  // namespace vecdb::core
