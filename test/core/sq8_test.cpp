// SQ8: every kernel level agrees with the scalar reference at every tail
// length (reading nothing past the end), and encoding error stays within
// half a step per dimension.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "core/quant/sq8.h"
#include "test_util.h"

namespace {

using vecdb::core::KernelLevel;

TEST(Sq8, KernelsMatchScalarAtEveryLength) {
    std::mt19937 rng(17);
    const auto* scalar = vecdb::core::sq8_kernels_for(KernelLevel::scalar);
    for (KernelLevel level : {KernelLevel::avx2, KernelLevel::avx512}) {
        const auto* k = vecdb::core::sq8_kernels_for(level);
        if (k == nullptr) continue;
        for (size_t n : vecdb::test::test_lengths()) {
            vecdb::test::GuardedArray<float> a(n), scale(n);
            vecdb::test::GuardedArray<uint8_t> codes(n);
            vecdb::test::fill_uniform(a.data(), n, rng, -5, 5);
            vecdb::test::fill_uniform(scale.data(), n, rng, 0.001f, 0.05f);
            vecdb::test::fill_bytes(codes.data(), n, rng);
            float want = scalar->l2_squared(a.data(), scale.data(), codes.data(), n);
            float got = k->l2_squared(a.data(), scale.data(), codes.data(), n);
            EXPECT_NEAR(got, want, 1e-4f * (1 + std::fabs(want))) << k->name << " l2 n=" << n;
            want = scalar->dot(a.data(), codes.data(), n);
            got = k->dot(a.data(), codes.data(), n);
            EXPECT_NEAR(got, want, 1e-4f * (1 + std::fabs(want)) + 1e-3f) << k->name << " dot n=" << n;
        }
    }
}

// Every level's bounded L2 kernel: its own plain kernel's value bit for bit
// within the bound, else a value above the bound and not above the full one.
TEST(Sq8, BoundedL2IsExactWithinTheBound) {
    std::mt19937 rng(23);
    for (KernelLevel level : {KernelLevel::scalar, KernelLevel::avx2, KernelLevel::avx512}) {
        const auto* k = vecdb::core::sq8_kernels_for(level);
        if (k == nullptr) continue;
        for (size_t n : {1, 15, 16, 31, 127, 128, 129, 255, 256, 300, 784}) {
            vecdb::test::GuardedArray<float> a(n), scale(n);
            vecdb::test::GuardedArray<uint8_t> codes(n);
            vecdb::test::fill_uniform(a.data(), n, rng, -5, 5);
            vecdb::test::fill_uniform(scale.data(), n, rng, 0.001f, 0.05f);
            vecdb::test::fill_bytes(codes.data(), n, rng);
            float full = k->l2_squared(a.data(), scale.data(), codes.data(), n);
            int stopped = 0;
            for (float fraction : {0.0f, 0.1f, 0.3f, 0.6f, 0.99f, 1.0f, 1.5f}) {
                float bound = full * fraction;
                float got = k->l2_squared_bounded(a.data(), scale.data(), codes.data(), n, bound);
                if (full <= bound) {
                    EXPECT_EQ(got, full) << k->name << " n=" << n << " bound=" << bound;
                } else {
                    EXPECT_GT(got, bound) << k->name << " n=" << n;
                    EXPECT_LE(got, full) << k->name << " n=" << n;
                    if (got < full) stopped++;
                }
            }
            // a long vector with a tiny bound stops at the first check
            if (n > 2 * vecdb::core::kBoundedCheckEvery) EXPECT_GT(stopped, 0) << k->name << " n=" << n;
        }
    }
}

TEST(Sq8, EncodingErrorIsHalfAStep) {
    std::mt19937 rng(5);
    const size_t n = 500, dim = 33;
    std::vector<float> x(n * dim);
    vecdb::test::fill_uniform(x.data(), x.size(), rng, -3, 7);
    for (size_t i = 0; i < n; i++) x[i * dim + 4] = 2.5f;  // a constant dimension
    std::vector<float> offset(dim), scale(dim), decoded(dim);
    vecdb::core::sq8_train(x.data(), n, dim, offset.data(), scale.data());
    std::vector<uint8_t> codes(dim);
    for (size_t i = 0; i < n; i++) {
        vecdb::core::sq8_encode(&x[i * dim], dim, offset.data(), scale.data(), codes.data());
        vecdb::core::sq8_decode(codes.data(), dim, offset.data(), scale.data(), decoded.data());
        for (size_t j = 0; j < dim; j++) EXPECT_LE(std::fabs(decoded[j] - x[i * dim + j]), 0.5f * scale[j] + 1e-5f);
    }
}

TEST(Sq8, AsymmetricDistancesMatchDecoded) {
    std::mt19937 rng(8);
    const size_t dim = 77;
    std::vector<float> q(dim), x(dim), offset(dim), scale(dim), a(dim), w(dim), dec(dim);
    vecdb::test::fill_uniform(q.data(), dim, rng, -1, 1);
    vecdb::test::fill_uniform(x.data(), dim, rng, -1, 1);
    for (size_t j = 0; j < dim; j++) { offset[j] = -1; scale[j] = 2.0f / 255; }
    std::vector<uint8_t> codes(dim);
    vecdb::core::sq8_encode(x.data(), dim, offset.data(), scale.data(), codes.data());
    vecdb::core::sq8_decode(codes.data(), dim, offset.data(), scale.data(), dec.data());
    const auto& s = vecdb::core::scalar_kernels();
    const auto& k = vecdb::core::sq8_kernels();
    vecdb::core::sq8_prepare_l2(q.data(), dim, offset.data(), a.data());
    EXPECT_NEAR(k.l2_squared(a.data(), scale.data(), codes.data(), dim), s.l2_squared_f32(q.data(), dec.data(), dim), 1e-4f);
    float bias = vecdb::core::sq8_prepare_dot(q.data(), dim, offset.data(), scale.data(), w.data());
    EXPECT_NEAR(bias + k.dot(w.data(), codes.data(), dim), s.dot_f32(q.data(), dec.data(), dim), 1e-4f);
}

}  // namespace
