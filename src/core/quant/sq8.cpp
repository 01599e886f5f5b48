// SQ8 training, encoding, the scalar kernels and kernel dispatch.
#include "core/quant/sq8.h"

#include <algorithm>
#include <cmath>

namespace vecdb::core {

// Defined in the SIMD files; each checks the CPU before handing out its table.
const Sq8Kernels* sq8_avx2_if_supported();
const Sq8Kernels* sq8_avx512_if_supported();

namespace {

// Reference L2 kernel.
float l2_scalar(const float* a, const float* scale, const uint8_t* codes, size_t n) {
    float sum = 0;
    for (size_t i = 0; i < n; i++) {
        float d = a[i] - scale[i] * (float)codes[i];
        sum += d * d;
    }
    return sum;
}

// l2_scalar stopping once a checked partial sum exceeds bound.
float l2_bounded_scalar(const float* a, const float* scale, const uint8_t* codes, size_t n, float bound) {
    float sum = 0;
    for (size_t i = 0; i < n; i++) {
        float d = a[i] - scale[i] * (float)codes[i];
        sum += d * d;
        if ((i + 1) % kBoundedCheckEvery == 0 && sum > bound) return sum;
    }
    return sum;
}

// Reference dot kernel.
float dot_scalar(const float* w, const uint8_t* codes, size_t n) {
    float sum = 0;
    for (size_t i = 0; i < n; i++) sum += w[i] * (float)codes[i];
    return sum;
}

const Sq8Kernels scalar_table = {"scalar", l2_scalar, dot_scalar, l2_bounded_scalar};

}  // namespace

const Sq8Kernels* sq8_kernels_for(KernelLevel level) {
    switch (level) {
        case KernelLevel::scalar: return &scalar_table;
        case KernelLevel::avx2: return sq8_avx2_if_supported();
        case KernelLevel::avx512: return sq8_avx512_if_supported();
    }
    return nullptr;
}

const Sq8Kernels& sq8_kernels() {
    static const Sq8Kernels* best = [] {
        const Sq8Kernels* k = sq8_kernels_for(kernels().level);
        return k != nullptr ? k : &scalar_table;
    }();
    return *best;
}

void sq8_train(const float* points, size_t n, size_t dim, float* offset, float* scale) {
    for (size_t i = 0; i < dim; i++) {
        float lo = n > 0 ? points[i] : 0.0f, hi = lo;
        for (size_t r = 1; r < n; r++) {
            float v = points[r * dim + i];
            lo = std::min(lo, v);
            hi = std::max(hi, v);
        }
        offset[i] = lo;
        float s = (hi - lo) / 255.0f;
        scale[i] = s > 0 ? s : std::max(std::fabs(lo), 1.0f) * 1e-7f;
    }
}

void sq8_encode(const float* x, size_t dim, const float* offset, const float* scale, uint8_t* codes) {
    for (size_t i = 0; i < dim; i++) {
        float c = std::nearbyint((x[i] - offset[i]) / scale[i]);
        codes[i] = (uint8_t)std::min(255.0f, std::max(0.0f, c));
    }
}

void sq8_decode(const uint8_t* codes, size_t dim, const float* offset, const float* scale, float* out) {
    for (size_t i = 0; i < dim; i++) out[i] = offset[i] + scale[i] * (float)codes[i];
}

void sq8_prepare_l2(const float* query, size_t dim, const float* offset, float* a) {
    for (size_t i = 0; i < dim; i++) a[i] = query[i] - offset[i];
}

float sq8_prepare_dot(const float* query, size_t dim, const float* offset, const float* scale, float* w) {
    double bias = 0;
    for (size_t i = 0; i < dim; i++) {
        w[i] = query[i] * scale[i];
        bias += (double)query[i] * offset[i];
    }
    return (float)bias;
}

}  // namespace vecdb::core
