// The early-abandoning L2 / L1 kernels at every level: bit-identical to the
// plain kernels whenever the full sum is within the bound, and otherwise a
// value above the bound that never exceeds the full sum. Inputs end at an
// unreadable page, so over-reads crash.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "core/distance/half.h"
#include "core/distance/kernels.h"
#include "test_util.h"

namespace vecdb::test {
namespace {

using core::DistanceKernels;

// The bounds each pair is tried with, from the full value of the sum: none,
// exactly it, just below it, a fraction of it, and zero.
std::vector<float> bounds_for(float full) {
    return {std::numeric_limits<float>::infinity(), full,
            std::nextafter(full, -std::numeric_limits<float>::infinity()), full * 0.5f,
            full * 0.05f, 0.0f};
}

// Checks one bounded kernel's result against the plain kernel's full value.
void expect_bounded(float got, float full, float bound, const char* what, const char* level,
                    size_t n) {
    if (full <= bound) {
        EXPECT_EQ(got, full) << what << " level=" << level << " n=" << n << " bound=" << bound;
    } else {
        EXPECT_GT(got, bound) << what << " level=" << level << " n=" << n;
        EXPECT_LE(got, full) << what << " level=" << level << " n=" << n;
    }
}

TEST(BoundedKernels, Float32MatchPlainKernels) {
    std::mt19937 rng(20261203);
    for (size_t n : test_lengths()) {
        GuardedArray<float> a(n), b(n);
        fill_uniform(a.data(), n, rng, -1.0f, 1.0f);
        fill_uniform(b.data(), n, rng, -1.0f, 1.0f);
        for (const DistanceKernels* k : supported_levels()) {
            float l2 = k->l2_squared_f32(a.data(), b.data(), n);
            float l1 = k->l1_f32(a.data(), b.data(), n);
            for (float bound : bounds_for(l2))
                expect_bounded(k->l2_squared_bounded_f32(a.data(), b.data(), n, bound), l2, bound,
                               "l2_squared_bounded_f32", k->name, n);
            for (float bound : bounds_for(l1))
                expect_bounded(k->l1_bounded_f32(a.data(), b.data(), n, bound), l1, bound,
                               "l1_bounded_f32", k->name, n);
        }
    }
}

TEST(BoundedKernels, Float16MatchPlainKernels) {
    std::mt19937 rng(20261204);
    std::uniform_real_distribution<float> value(-2.0f, 2.0f);
    for (size_t n : test_lengths()) {
        GuardedArray<uint16_t> a(n), b(n);
        for (size_t i = 0; i < n; i++) {
            a.data()[i] = core::float_to_half(value(rng));
            b.data()[i] = core::float_to_half(value(rng));
        }
        for (const DistanceKernels* k : supported_levels()) {
            float l2 = k->l2_squared_f16(a.data(), b.data(), n);
            float l1 = k->l1_f16(a.data(), b.data(), n);
            for (float bound : bounds_for(l2))
                expect_bounded(k->l2_squared_bounded_f16(a.data(), b.data(), n, bound), l2, bound,
                               "l2_squared_bounded_f16", k->name, n);
            for (float bound : bounds_for(l1))
                expect_bounded(k->l1_bounded_f16(a.data(), b.data(), n, bound), l1, bound,
                               "l1_bounded_f16", k->name, n);
        }
    }
}

// A long vector whose difference is all in its first block: the kernel must
// stop there, which it shows by returning less than the full sum.
TEST(BoundedKernels, AbandonsAfterTheFirstCheck) {
    const size_t n = 16 * core::kBoundedCheckEvery;
    GuardedArray<float> a(n), b(n);
    for (size_t i = 0; i < n; i++) {
        a.data()[i] = i < core::kBoundedCheckEvery ? 1.0f : 0.5f;
        b.data()[i] = 0.0f;
    }
    for (const DistanceKernels* k : supported_levels()) {
        float full = k->l2_squared_f32(a.data(), b.data(), n);
        float got = k->l2_squared_bounded_f32(a.data(), b.data(), n, 1.0f);
        EXPECT_EQ(got, static_cast<float>(core::kBoundedCheckEvery)) << k->name;
        EXPECT_LT(got, full) << k->name;
    }
}

}  // namespace
}  // namespace vecdb::test
