// Plain scalar kernels: the baseline level and the reference for the others.
// Sums are kept in double: a running float sum over 16000 elements strays by
// up to ~1e-5 relative, too loose for a reference; a double one costs the
// same in a latency-bound scalar loop.
#include "core/distance/kernels.h"
#include "core/distance/half.h"

#include <cmath>

namespace vecdb::core {
namespace {

float l2_squared_f32(const float* a, const float* b, size_t n) {
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = static_cast<double>(a[i]) - b[i];
        sum += d * d;
    }
    return static_cast<float>(sum);
}

float dot_f32(const float* a, const float* b, size_t n) {
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += static_cast<double>(a[i]) * b[i];
    return static_cast<float>(sum);
}

float l1_f32(const float* a, const float* b, size_t n) {
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += std::fabs(static_cast<double>(a[i]) - b[i]);
    return static_cast<float>(sum);
}

void cosine_parts_f32(const float* a, const float* b, size_t n, float* dot, float* na, float* nb) {
    double d = 0.0, x = 0.0, y = 0.0;
    for (size_t i = 0; i < n; i++) {
        double fa = a[i], fb = b[i];
        d += fa * fb;
        x += fa * fa;
        y += fb * fb;
    }
    *dot = static_cast<float>(d);
    *na = static_cast<float>(x);
    *nb = static_cast<float>(y);
}

float l2_squared_f16(const uint16_t* a, const uint16_t* b, size_t n) {
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = static_cast<double>(half_to_float(a[i])) - half_to_float(b[i]);
        sum += d * d;
    }
    return static_cast<float>(sum);
}

float dot_f16(const uint16_t* a, const uint16_t* b, size_t n) {
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += static_cast<double>(half_to_float(a[i])) * half_to_float(b[i]);
    return static_cast<float>(sum);
}

float l1_f16(const uint16_t* a, const uint16_t* b, size_t n) {
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += std::fabs(static_cast<double>(half_to_float(a[i])) - half_to_float(b[i]));
    return static_cast<float>(sum);
}

// The element types as the scalar kernels read them.
inline double widen(float x) { return x; }
inline double widen(uint16_t h) { return half_to_float(h); }

// (a - b)^2, the squared L2 term.
inline double l2_term(double a, double b) { return (a - b) * (a - b); }
// |a - b|, the L1 term.
inline double l1_term(double a, double b) { return std::fabs(a - b); }

// The plain loops above with a check of the running sum every
// kBoundedCheckEvery terms: the same additions in the same order, so an
// unabandoned sum is bit-identical, and an abandoned one (rounded to float,
// which is monotone) is a lower bound of the full one.
template <class T, double (*Term)(double, double)>
float bounded_sum(const T* a, const T* b, size_t n, float bound) {
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        sum += Term(widen(a[i]), widen(b[i]));
        if ((i + 1) % kBoundedCheckEvery == 0 && i + 1 < n && static_cast<float>(sum) > bound)
            return static_cast<float>(sum);
    }
    return static_cast<float>(sum);
}

void cosine_parts_f16(const uint16_t* a, const uint16_t* b, size_t n, float* dot, float* na, float* nb) {
    double d = 0.0, x = 0.0, y = 0.0;
    for (size_t i = 0; i < n; i++) {
        double fa = half_to_float(a[i]), fb = half_to_float(b[i]);
        d += fa * fb;
        x += fa * fa;
        y += fb * fb;
    }
    *dot = static_cast<float>(d);
    *na = static_cast<float>(x);
    *nb = static_cast<float>(y);
}

uint64_t hamming(const uint8_t* a, const uint8_t* b, size_t nbytes) {
    uint64_t count = 0;
    for (size_t i = 0; i < nbytes; i++)
        count += static_cast<uint64_t>(__builtin_popcount(static_cast<unsigned>(a[i] ^ b[i])));
    return count;
}

void and_or_popcount(const uint8_t* a, const uint8_t* b, size_t nbytes, uint64_t* inter, uint64_t* uni) {
    uint64_t i_count = 0, u_count = 0;
    for (size_t i = 0; i < nbytes; i++) {
        i_count += static_cast<uint64_t>(__builtin_popcount(static_cast<unsigned>(a[i] & b[i])));
        u_count += static_cast<uint64_t>(__builtin_popcount(static_cast<unsigned>(a[i] | b[i])));
    }
    *inter = i_count;
    *uni = u_count;
}

const DistanceKernels table = {
    "scalar", KernelLevel::scalar,
    l2_squared_f32, dot_f32, l1_f32, cosine_parts_f32,
    l2_squared_f16, dot_f16, l1_f16, cosine_parts_f16,
    bounded_sum<float, l2_term>, bounded_sum<float, l1_term>,
    bounded_sum<uint16_t, l2_term>, bounded_sum<uint16_t, l1_term>,
    hamming, and_or_popcount,
};

}  // namespace

const DistanceKernels& scalar_kernels() noexcept { return table; }

float cosine_from_parts(float dot, float norm_a, float norm_b) noexcept {
    double similarity = static_cast<double>(dot) / std::sqrt(static_cast<double>(norm_a) * norm_b);
    if (std::isnan(similarity))
        return NAN;
    // rounding can push |similarity| just past 1
    if (similarity > 1.0) similarity = 1.0;
    if (similarity < -1.0) similarity = -1.0;
    return static_cast<float>(1.0 - similarity);
}

}  // namespace vecdb::core
