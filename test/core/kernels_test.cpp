// Every kernel at every level this CPU runs, checked against a
// double-precision reference and against the scalar table on random data of
// many lengths. Inputs end at an unreadable page, so over-reads crash.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <algorithm>
#include <map>
#include <random>
#include <string>

#include "core/distance/half.h"
#include "core/distance/kernels.h"
#include "test_util.h"

namespace vecdb::test {
namespace {

using core::DistanceKernels;

// A reduction computed in double: its value and the sum of |terms|, which
// bounds the float rounding error of any summation order.
struct Reference {
    double value = 0;
    double magnitude = 0;
};

// Float sums may differ from the exact value by about eps * sum|terms| *
// (depth of the summation); 1e-5 relative is far above that for SIMD
// (blocked sums) and still leaves room for the scalar running sum.
constexpr double kRelTol = 1e-5;

// Largest |error| / sum|terms| seen per level, printed at the end.
std::map<std::string, double>& worst_error() {
    static std::map<std::string, double> worst;
    return worst;
}

// Checks got against a reference with a tolerance scaled by the magnitude.
void expect_close(double got, const Reference& ref, const char* what, const char* level, size_t n) {
    double tol = kRelTol * ref.magnitude + 1e-30;
    EXPECT_NEAR(got, ref.value, tol) << what << " level=" << level << " n=" << n;
    // Only comparisons with the exact (double) sums count here.
    if (ref.magnitude > 0 && std::strstr(what, "vs scalar") == nullptr) {
        double& w = worst_error()[level];
        w = std::max(w, std::fabs(got - ref.value) / ref.magnitude);
    }
}

// Reference reductions over floats already widened from either type.
Reference ref_l2(const std::vector<double>& a, const std::vector<double>& b) {
    Reference r;
    for (size_t i = 0; i < a.size(); i++) {
        double d = a[i] - b[i];
        r.value += d * d;
    }
    r.magnitude = r.value;
    return r;
}
Reference ref_dot(const std::vector<double>& a, const std::vector<double>& b) {
    Reference r;
    for (size_t i = 0; i < a.size(); i++) {
        r.value += a[i] * b[i];
        r.magnitude += std::fabs(a[i] * b[i]);
    }
    return r;
}
Reference ref_l1(const std::vector<double>& a, const std::vector<double>& b) {
    Reference r;
    for (size_t i = 0; i < a.size(); i++) r.value += std::fabs(a[i] - b[i]);
    r.magnitude = r.value;
    return r;
}

// Input ranges: plain embeddings, wide dynamic range, and all-positive data.
struct Range {
    float lo, hi;
};
const Range kRanges[] = {{-1.0f, 1.0f}, {-1000.0f, 1000.0f}, {0.0f, 0.01f}};

// Runs every f32 kernel of every level on one pair of inputs.
void check_f32(const float* a, const float* b, size_t n) {
    std::vector<double> da(a, a + n), db(b, b + n);
    Reference l2 = ref_l2(da, db), dot = ref_dot(da, db), l1 = ref_l1(da, db);
    Reference na = ref_dot(da, da), nb = ref_dot(db, db);
    const DistanceKernels& scalar = core::scalar_kernels();
    for (const DistanceKernels* k : supported_levels()) {
        expect_close(k->l2_squared_f32(a, b, n), l2, "l2_squared_f32", k->name, n);
        expect_close(k->dot_f32(a, b, n), dot, "dot_f32", k->name, n);
        expect_close(k->l1_f32(a, b, n), l1, "l1_f32", k->name, n);
        float d = -1, x = -1, y = -1;
        k->cosine_parts_f32(a, b, n, &d, &x, &y);
        expect_close(d, dot, "cosine_parts_f32.dot", k->name, n);
        expect_close(x, na, "cosine_parts_f32.norm_a", k->name, n);
        expect_close(y, nb, "cosine_parts_f32.norm_b", k->name, n);
        // and against the scalar table itself, the project's reference
        Reference s_l2{scalar.l2_squared_f32(a, b, n), 2 * l2.magnitude};
        expect_close(k->l2_squared_f32(a, b, n), s_l2, "l2_squared_f32 vs scalar", k->name, n);
        Reference s_dot{scalar.dot_f32(a, b, n), 2 * dot.magnitude};
        expect_close(k->dot_f32(a, b, n), s_dot, "dot_f32 vs scalar", k->name, n);
    }
}

// Runs every f16 kernel of every level on one pair of inputs.
void check_f16(const uint16_t* a, const uint16_t* b, size_t n) {
    std::vector<double> da(n), db(n);
    for (size_t i = 0; i < n; i++) {
        da[i] = core::half_to_float(a[i]);
        db[i] = core::half_to_float(b[i]);
    }
    Reference l2 = ref_l2(da, db), dot = ref_dot(da, db), l1 = ref_l1(da, db);
    Reference na = ref_dot(da, da), nb = ref_dot(db, db);
    const DistanceKernels& scalar = core::scalar_kernels();
    for (const DistanceKernels* k : supported_levels()) {
        expect_close(k->l2_squared_f16(a, b, n), l2, "l2_squared_f16", k->name, n);
        expect_close(k->dot_f16(a, b, n), dot, "dot_f16", k->name, n);
        expect_close(k->l1_f16(a, b, n), l1, "l1_f16", k->name, n);
        float d = -1, x = -1, y = -1;
        k->cosine_parts_f16(a, b, n, &d, &x, &y);
        expect_close(d, dot, "cosine_parts_f16.dot", k->name, n);
        expect_close(x, na, "cosine_parts_f16.norm_a", k->name, n);
        expect_close(y, nb, "cosine_parts_f16.norm_b", k->name, n);
        Reference s_l2{scalar.l2_squared_f16(a, b, n), 2 * l2.magnitude};
        expect_close(k->l2_squared_f16(a, b, n), s_l2, "l2_squared_f16 vs scalar", k->name, n);
    }
}

TEST(Kernels, Float32AllLevelsAllLengths) {
    std::mt19937 rng(20240501);
    for (const Range& range : kRanges) {
        for (size_t n : test_lengths()) {
            GuardedArray<float> a(n), b(n);
            fill_uniform(a.data(), n, rng, range.lo, range.hi);
            fill_uniform(b.data(), n, rng, range.lo, range.hi);
            check_f32(a.data(), b.data(), n);
        }
    }
}

TEST(Kernels, Float32ExactSmallIntegers) {
    // Small integers sum exactly in float, so every level must agree exactly.
    for (size_t n : test_lengths()) {
        if (n > 2000) continue;
        GuardedArray<float> a(n), b(n);
        for (size_t i = 0; i < n; i++) {
            a[i] = static_cast<float>(static_cast<int>(i % 7) - 3);
            b[i] = static_cast<float>(static_cast<int>(i % 5) - 2);
        }
        const DistanceKernels& s = core::scalar_kernels();
        for (const DistanceKernels* k : supported_levels()) {
            EXPECT_EQ(k->l2_squared_f32(a.data(), b.data(), n), s.l2_squared_f32(a.data(), b.data(), n)) << k->name << " n=" << n;
            EXPECT_EQ(k->dot_f32(a.data(), b.data(), n), s.dot_f32(a.data(), b.data(), n)) << k->name << " n=" << n;
            EXPECT_EQ(k->l1_f32(a.data(), b.data(), n), s.l1_f32(a.data(), b.data(), n)) << k->name << " n=" << n;
        }
    }
}

TEST(Kernels, Float16AllLevelsAllLengths) {
    std::mt19937 rng(7);
    for (const Range& range : kRanges) {
        for (size_t n : test_lengths()) {
            GuardedArray<uint16_t> a(n), b(n);
            std::vector<float> tmp(n);
            fill_uniform(tmp.data(), n, rng, range.lo, range.hi);
            for (size_t i = 0; i < n; i++) a[i] = core::float_to_half(tmp[i]);
            fill_uniform(tmp.data(), n, rng, range.lo, range.hi);
            for (size_t i = 0; i < n; i++) b[i] = core::float_to_half(tmp[i]);
            check_f16(a.data(), b.data(), n);
        }
    }
}

TEST(Kernels, Float16SubnormalsAndSignedZeros) {
    // Every finite half bit pattern in turn, so subnormals, -0 and the
    // largest values all pass through each level's conversion.
    std::vector<uint16_t> finite;
    for (uint32_t h = 0; h < 65536; h++)
        if (((h >> 10) & 0x1f) != 0x1f) finite.push_back(static_cast<uint16_t>(h));
    const size_t n = finite.size();
    GuardedArray<uint16_t> a(n), zero(n);
    for (size_t i = 0; i < n; i++) {
        a[i] = finite[i];
        zero[i] = 0;
    }
    // In chunks no longer than a real halfvec, with varying tail lengths.
    for (size_t start = 0; start < n;) {
        size_t len = std::min(n - start, size_t{1000} + start % 37);
        const uint16_t* pa = a.data() + start;
        const uint16_t* pz = zero.data() + start;
        std::vector<double> da(len), dz(len, 0.0);
        for (size_t i = 0; i < len; i++) da[i] = core::half_to_float(pa[i]);
        Reference l1 = ref_l1(da, dz), l2 = ref_l2(da, dz);
        for (const DistanceKernels* k : supported_levels()) {
            expect_close(k->l1_f16(pa, pz, len), l1, "l1_f16 all halves", k->name, len);
            expect_close(k->l2_squared_f16(pa, pz, len), l2, "l2_squared_f16 all halves", k->name, len);
            EXPECT_EQ(k->dot_f16(pa, pz, len), 0.0f) << k->name;
        }
        start += len;
    }
}

// Popcount of a byte string, bit by bit (independent of every kernel).
uint64_t naive_popcount(const uint8_t* p, size_t n) {
    uint64_t c = 0;
    for (size_t i = 0; i < n; i++)
        for (int bit = 0; bit < 8; bit++) c += (p[i] >> bit) & 1u;
    return c;
}

TEST(Kernels, BitsAllLevelsAllLengths) {
    std::mt19937 rng(99);
    std::vector<size_t> lengths = test_lengths();
    lengths.push_back(8000);  // 64000 bits, the bit(n) maximum
    for (size_t n : lengths) {
        GuardedArray<uint8_t> a(n), b(n);
        fill_bytes(a.data(), n, rng);
        fill_bytes(b.data(), n, rng);
        std::vector<uint8_t> x(n), o(n), an(n);
        for (size_t i = 0; i < n; i++) {
            x[i] = a[i] ^ b[i];
            an[i] = a[i] & b[i];
            o[i] = a[i] | b[i];
        }
        uint64_t want_x = naive_popcount(x.data(), n);
        uint64_t want_and = naive_popcount(an.data(), n), want_or = naive_popcount(o.data(), n);
        for (const DistanceKernels* k : supported_levels()) {
            EXPECT_EQ(k->hamming(a.data(), b.data(), n), want_x) << k->name << " n=" << n;
            uint64_t inter = 1234, uni = 5678;
            k->and_or_popcount(a.data(), b.data(), n, &inter, &uni);
            EXPECT_EQ(inter, want_and) << k->name << " n=" << n;
            EXPECT_EQ(uni, want_or) << k->name << " n=" << n;
        }
    }
}

TEST(Kernels, BitsAllOnesLongRuns) {
    // All-ones strings fill every byte counter to its maximum, which catches a
    // byte accumulator flushed too late.
    for (size_t n : {size_t{31 * 32}, size_t{32 * 32}, size_t{8000}, size_t{100000}}) {
        GuardedArray<uint8_t> ones(n), zeros(n);
        std::memset(ones.data(), 0xff, n);
        std::memset(zeros.data(), 0, n);
        for (const DistanceKernels* k : supported_levels()) {
            EXPECT_EQ(k->hamming(ones.data(), zeros.data(), n), 8 * n) << k->name;
            EXPECT_EQ(k->hamming(ones.data(), ones.data(), n), 0u) << k->name;
            uint64_t inter = 0, uni = 0;
            k->and_or_popcount(ones.data(), ones.data(), n, &inter, &uni);
            EXPECT_EQ(inter, 8 * n) << k->name;
            EXPECT_EQ(uni, 8 * n) << k->name;
        }
    }
}

TEST(Kernels, ZzReportWorstError) {
    // Not a check: shows how far each level strays from the exact sums.
    for (const auto& [level, err] : worst_error())
        std::printf("worst |error|/sum|terms| at level %s: %.3g\n", level.c_str(), err);
}

}  // namespace
}  // namespace vecdb::test
