// PQ: every kernel level agrees with the scalar ADC at every length,
// encoding picks the nearest centroid of each sub-space (so the error is
// bounded by the nearest centroid's), ADC equals the distance to the
// decoded vector, and the batch encoder agrees with the one-vector one.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "core/quant/pq.h"
#include "test_util.h"

namespace {

using vecdb::core::KernelLevel;
using vecdb::core::PqShape;

// Clustered points: 20 centres, gaussian noise around them.
std::vector<float> clustered(size_t n, size_t dim, std::mt19937& rng) {
    std::vector<float> centres(20 * dim), x(n * dim);
    vecdb::test::fill_uniform(centres.data(), centres.size(), rng, -5, 5);
    std::normal_distribution<float> noise(0, 0.5f);
    for (size_t i = 0; i < n; i++)
        for (size_t d = 0; d < dim; d++) x[i * dim + d] = centres[(i % 20) * dim + d] + noise(rng);
    return x;
}

PqShape shape_of(size_t dim, size_t m, size_t nbits) {
    PqShape s;
    s.dim = dim;
    s.m = m;
    s.nbits = nbits;
    return s;
}

TEST(Pq, ShapesAndDefaults) {
    EXPECT_TRUE(vecdb::core::pq_shape_valid(shape_of(784, 196, 8)));
    EXPECT_FALSE(vecdb::core::pq_shape_valid(shape_of(784, 100, 8)));  // does not divide
    EXPECT_FALSE(vecdb::core::pq_shape_valid(shape_of(16, 4, 9)));
    EXPECT_FALSE(vecdb::core::pq_shape_valid(shape_of(16, 4, 0)));
    EXPECT_FALSE(vecdb::core::pq_shape_valid(shape_of(16, 0, 8)));
    EXPECT_EQ(vecdb::core::pq_default_m(784), 196u);
    EXPECT_EQ(vecdb::core::pq_default_m(24), 6u);
    EXPECT_EQ(vecdb::core::pq_default_m(6), 2u);   // sub-vectors of 3
    EXPECT_EQ(vecdb::core::pq_default_m(97), 97u);  // prime: one float each
}

TEST(Pq, KernelsMatchScalarAtEveryLength) {
    std::mt19937 rng(3);
    const auto* scalar = vecdb::core::pq_kernels_for(KernelLevel::scalar);
    for (KernelLevel level : {KernelLevel::avx2, KernelLevel::avx512}) {
        const auto* k = vecdb::core::pq_kernels_for(level);
        if (k == nullptr) continue;
        for (size_t m : {1, 3, 8, 9, 16, 31, 98}) {
            for (size_t ksub : {2, 16, 256}) {
                const size_t n = 7;
                vecdb::test::GuardedArray<float> table(m * ksub);
                vecdb::test::fill_uniform(table.data(), m * ksub, rng, 0, 3);
                vecdb::test::GuardedArray<uint8_t> codes(n * m);
                for (size_t i = 0; i < n * m; i++) codes.data()[i] = (uint8_t)(rng() % ksub);
                std::vector<float> want(n), got(n);
                scalar->adc(table.data(), m, ksub, codes.data(), n, want.data());
                k->adc(table.data(), m, ksub, codes.data(), n, got.data());
                for (size_t i = 0; i < n; i++)
                    EXPECT_NEAR(got[i], want[i], 1e-4f * (1 + want[i])) << k->name << " m=" << m << " ksub=" << ksub;
            }
        }
    }
}

TEST(Pq, EncodingPicksTheNearestCentroidAndBoundsTheError) {
    std::mt19937 rng(11);
    const size_t n = 3000, dim = 24;
    PqShape shape = shape_of(dim, 6, 8);
    std::vector<float> x = clustered(n, dim, rng);
    std::vector<float> codebooks(shape.codebook_floats());
    vecdb::core::StopCheck never;
    ASSERT_TRUE(vecdb::core::pq_train(x.data(), n, shape, 2, 7, never, codebooks.data()));
    std::vector<uint8_t> code(shape.m);
    std::vector<float> decoded(dim);
    double error = 0, spread = 0;
    std::vector<double> mean(dim, 0);
    for (size_t i = 0; i < n; i++)
        for (size_t d = 0; d < dim; d++) mean[d] += x[i * dim + d] / n;
    for (size_t i = 0; i < n; i++) {
        const float* xi = &x[i * dim];
        vecdb::core::pq_encode(xi, shape, codebooks.data(), code.data());
        vecdb::core::pq_decode(code.data(), shape, codebooks.data(), decoded.data());
        for (size_t j = 0; j < shape.m; j++) {
            double own = 0;
            for (size_t d = j * 4; d < j * 4 + 4; d++) own += (xi[d] - decoded[d]) * (xi[d] - decoded[d]);
            for (size_t k = 0; k < shape.ksub(); k += 37) {  // no centroid of the sub-space is nearer
                double other = 0;
                for (size_t d = 0; d < 4; d++) {
                    double diff = xi[j * 4 + d] - codebooks[(j * 256 + k) * 4 + d];
                    other += diff * diff;
                }
                EXPECT_LE(own, other + 1e-5);
            }
        }
        for (size_t d = 0; d < dim; d++) {
            error += (xi[d] - decoded[d]) * (xi[d] - decoded[d]);
            spread += (xi[d] - mean[d]) * (xi[d] - mean[d]);
        }
    }
    // 256 centroids per 4-d sub-space keep well under a tenth of the variance
    EXPECT_LT(error, 0.1 * spread);
}

TEST(Pq, AdcEqualsDistanceToTheDecodedVector) {
    std::mt19937 rng(5);
    const size_t n = 600, dim = 32;
    for (size_t nbits : {8, 4, 1}) {
        PqShape shape = shape_of(dim, 8, nbits);
        std::vector<float> x = clustered(n, dim, rng);
        std::vector<float> codebooks(shape.codebook_floats());
        vecdb::core::StopCheck never;
        ASSERT_TRUE(vecdb::core::pq_train(x.data(), n, shape, 1, 9, never, codebooks.data()));
        std::vector<float> q(dim), l2(shape.m * shape.ksub()), dot(shape.m * shape.ksub()), decoded(dim);
        vecdb::test::fill_uniform(q.data(), dim, rng, -5, 5);
        vecdb::core::pq_table_l2(q.data(), shape, codebooks.data(), l2.data());
        vecdb::core::pq_table_dot(q.data(), shape, codebooks.data(), dot.data());
        std::vector<uint8_t> codes(n * shape.m), one(shape.m);
        ASSERT_TRUE(vecdb::core::pq_encode_batch(x.data(), n, shape, codebooks.data(), 2, never, codes.data()));
        std::vector<float> adc_l2(n), adc_dot(n);
        vecdb::core::pq_kernels().adc(l2.data(), shape.m, shape.ksub(), codes.data(), n, adc_l2.data());
        vecdb::core::pq_kernels().adc(dot.data(), shape.m, shape.ksub(), codes.data(), n, adc_dot.data());
        for (size_t i = 0; i < n; i++) {
            vecdb::core::pq_encode(&x[i * dim], shape, codebooks.data(), one.data());
            for (size_t j = 0; j < shape.m; j++) EXPECT_LT(codes[i * shape.m + j], shape.ksub());
            // the batch encoder's sgemm may break a near tie the other way: same distance then
            vecdb::core::pq_decode(&codes[i * shape.m], shape, codebooks.data(), decoded.data());
            double want_l2 = 0, want_dot = 0;
            for (size_t d = 0; d < dim; d++) {
                want_l2 += (q[d] - decoded[d]) * (q[d] - decoded[d]);
                want_dot += q[d] * decoded[d];
            }
            EXPECT_NEAR(adc_l2[i], want_l2, 1e-3 * (1 + want_l2)) << "nbits=" << nbits;
            EXPECT_NEAR(adc_dot[i], want_dot, 1e-3 * (1 + std::fabs(want_dot))) << "nbits=" << nbits;
        }
    }
}

TEST(Pq, TrainsOnFewerPointsThanCentroids) {
    std::mt19937 rng(2);
    const size_t n = 10, dim = 8;
    PqShape shape = shape_of(dim, 2, 8);
    std::vector<float> x(n * dim);
    vecdb::test::fill_uniform(x.data(), x.size(), rng, -1, 1);
    std::vector<float> codebooks(shape.codebook_floats());
    vecdb::core::StopCheck never;
    ASSERT_TRUE(vecdb::core::pq_train(x.data(), n, shape, 1, 1, never, codebooks.data()));
    std::vector<uint8_t> code(shape.m);
    std::vector<float> decoded(dim);
    for (size_t i = 0; i < n; i++) {  // every training point is a centroid: exact
        vecdb::core::pq_encode(&x[i * dim], shape, codebooks.data(), code.data());
        vecdb::core::pq_decode(code.data(), shape, codebooks.data(), decoded.data());
        for (size_t d = 0; d < dim; d++) EXPECT_NEAR(decoded[d], x[i * dim + d], 1e-5);
    }
}

TEST(Pq, StopCheckStopsTraining) {
    std::mt19937 rng(4);
    const size_t n = 2000, dim = 16;
    PqShape shape = shape_of(dim, 4, 8);
    std::vector<float> x = clustered(n, dim, rng);
    std::vector<float> codebooks(shape.codebook_floats());
    vecdb::core::StopCheck stop;
    stop.requested = [](void*) { return true; };
    EXPECT_FALSE(vecdb::core::pq_train(x.data(), n, shape, 1, 1, stop, codebooks.data()));
}

}  // namespace
