// K-means and sgemm assignment: clusters are recovered, results do not
// depend on the thread count, degenerate inputs (fewer distinct points
// than clusters, fewer points than clusters) work, and the stop check stops.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <vector>

#include "core/distance/kernels.h"
#include "core/kmeans/assign.h"
#include "core/kmeans/kmeans.h"
#include "test_util.h"

namespace {

using vecdb::core::ClusterMetric;
using vecdb::core::KMeansOptions;

// n points around `clusters` well-separated centres; truth[i] is the centre.
std::vector<float> blobs(size_t n, size_t dim, size_t clusters, std::vector<size_t>& truth, uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<float> centres(clusters * dim);
    vecdb::test::fill_uniform(centres.data(), centres.size(), rng, -100.0f, 100.0f);
    std::normal_distribution<float> noise(0.0f, 1.0f);
    std::vector<float> x(n * dim);
    truth.resize(n);
    for (size_t i = 0; i < n; i++) {
        truth[i] = i % clusters;
        for (size_t j = 0; j < dim; j++) x[i * dim + j] = centres[truth[i] * dim + j] + noise(rng);
    }
    return x;
}

// Brute-force nearest centroid by the scalar kernels.
uint32_t brute_nearest(const float* x, const float* c, size_t k, size_t dim, ClusterMetric metric) {
    const auto& s = vecdb::core::scalar_kernels();
    uint32_t best = 0;
    float best_key = INFINITY;
    for (size_t j = 0; j < k; j++) {
        float key = metric == ClusterMetric::l2 ? s.l2_squared_f32(x, c + j * dim, dim) : -s.dot_f32(x, c + j * dim, dim);
        if (key < best_key) { best_key = key; best = (uint32_t)j; }
    }
    return best;
}

TEST(KMeans, RecoversSeparatedClusters) {
    const size_t n = 4000, dim = 24, k = 20;
    std::vector<size_t> truth;
    std::vector<float> x = blobs(n, dim, k, truth, 7);
    KMeansOptions opts;
    opts.k = k;
    opts.iterations = 20;
    opts.threads = 2;
    std::vector<float> c(k * dim);
    ASSERT_TRUE(vecdb::core::kmeans_train(x.data(), n, dim, opts, c.data()));
    std::vector<float> norms(k);
    vecdb::core::squared_norms(c.data(), k, dim, norms.data());
    std::vector<uint32_t> labels(n);
    ASSERT_TRUE(vecdb::core::assign_nearest(x.data(), n, c.data(), norms.data(), k, dim, ClusterMetric::l2, 2, {},
                                            labels.data(), nullptr));
    // Each true cluster maps to exactly one label and vice versa.
    std::vector<std::set<uint32_t>> label_of(k);
    for (size_t i = 0; i < n; i++) label_of[truth[i]].insert(labels[i]);
    std::set<uint32_t> used;
    for (size_t t = 0; t < k; t++) {
        EXPECT_EQ(label_of[t].size(), 1u) << "true cluster " << t << " was split";
        used.insert(*label_of[t].begin());
    }
    EXPECT_EQ(used.size(), k);
}

TEST(KMeans, SameResultForAnyThreadCount) {
    const size_t n = 3000, dim = 17, k = 37;
    std::vector<size_t> truth;
    std::vector<float> x = blobs(n, dim, 50, truth, 11);
    std::vector<float> one(k * dim), two(k * dim);
    KMeansOptions opts;
    opts.k = k;
    opts.threads = 1;
    ASSERT_TRUE(vecdb::core::kmeans_train(x.data(), n, dim, opts, one.data()));
    opts.threads = 2;
    ASSERT_TRUE(vecdb::core::kmeans_train(x.data(), n, dim, opts, two.data()));
    EXPECT_EQ(one, two);
}

TEST(KMeans, FewerDistinctPointsThanClusters) {
    const size_t dim = 8, k = 16;
    std::vector<float> x;
    for (int rep = 0; rep < 50; rep++)
        for (int p = 0; p < 3; p++)
            for (size_t j = 0; j < dim; j++) x.push_back((float)(p * 10 + (int)j));
    std::vector<float> c(k * dim);
    KMeansOptions opts;
    opts.k = k;
    ASSERT_TRUE(vecdb::core::kmeans_train(x.data(), x.size() / dim, dim, opts, c.data()));
    for (float v : c) EXPECT_TRUE(std::isfinite(v));
    // Every distinct point has a centroid on it (distance ~0).
    for (int p = 0; p < 3; p++) {
        uint32_t j = brute_nearest(&x[(size_t)p * dim], c.data(), k, dim, ClusterMetric::l2);
        EXPECT_LT(vecdb::core::scalar_kernels().l2_squared_f32(&x[(size_t)p * dim], &c[j * dim], dim), 1e-3f);
    }
}

TEST(KMeans, FewerPointsThanClusters) {
    const size_t dim = 5, k = 10;
    std::vector<float> x = {1, 2, 3, 4, 5, 5, 4, 3, 2, 1, 0, 0, 0, 0, 1};
    std::vector<float> c(k * dim);
    KMeansOptions opts;
    opts.k = k;
    ASSERT_TRUE(vecdb::core::kmeans_train(x.data(), 3, dim, opts, c.data()));
    std::set<std::vector<float>> distinct;
    for (size_t j = 0; j < k; j++) distinct.insert(std::vector<float>(&c[j * dim], &c[j * dim] + dim));
    EXPECT_EQ(distinct.size(), 3u);
}

// A stop check that fires on its n-th poll.
bool fire_after(void* ctx) { return --*(int*)ctx < 0; }

TEST(KMeans, StopCheckStopsTraining) {
    const size_t n = 20000, dim = 32, k = 64;
    std::vector<size_t> truth;
    std::vector<float> x = blobs(n, dim, k, truth, 3);
    std::vector<float> c(k * dim);
    int polls = 3;
    KMeansOptions opts;
    opts.k = k;
    opts.iterations = 1000;
    opts.stop.requested = fire_after;
    opts.stop.ctx = &polls;
    EXPECT_FALSE(vecdb::core::kmeans_train(x.data(), n, dim, opts, c.data()));
}

TEST(KMeans, SphericalCentroidsAreUnit) {
    const size_t n = 2000, dim = 12, k = 8;
    std::vector<size_t> truth;
    std::vector<float> x = blobs(n, dim, k, truth, 5);
    vecdb::core::normalize_rows(x.data(), n, dim);
    std::vector<float> c(k * dim);
    KMeansOptions opts;
    opts.k = k;
    opts.spherical = true;
    ASSERT_TRUE(vecdb::core::kmeans_train(x.data(), n, dim, opts, c.data()));
    for (size_t j = 0; j < k; j++)
        EXPECT_NEAR(vecdb::core::scalar_kernels().dot_f32(&c[j * dim], &c[j * dim], dim), 1.0f, 1e-4f);
}

TEST(Assign, MatchesBruteForce) {
    std::mt19937 rng(99);
    for (ClusterMetric metric : {ClusterMetric::l2, ClusterMetric::inner_product}) {
        for (size_t dim : {1, 3, 16, 100}) {
            const size_t n = 2500, k = 70;
            std::vector<float> x(n * dim), c(k * dim), norms(k);
            vecdb::test::fill_uniform(x.data(), x.size(), rng, -1, 1);
            vecdb::test::fill_uniform(c.data(), c.size(), rng, -1, 1);
            vecdb::core::squared_norms(c.data(), k, dim, norms.data());
            std::vector<uint32_t> labels(n);
            std::vector<float> keys(n);
            ASSERT_TRUE(vecdb::core::assign_nearest(x.data(), n, c.data(), norms.data(), k, dim, metric, 2, {},
                                                    labels.data(), keys.data()));
            const auto& s = vecdb::core::scalar_kernels();
            for (size_t i = 0; i < n; i++) {
                uint32_t want = brute_nearest(&x[i * dim], c.data(), k, dim, metric);
                float want_key = metric == ClusterMetric::l2 ? s.l2_squared_f32(&x[i * dim], &c[want * dim], dim)
                                                             : -s.dot_f32(&x[i * dim], &c[want * dim], dim);
                // ties within rounding may pick another centroid with the same key
                EXPECT_NEAR(keys[i], want_key, 1e-4f * (1 + std::fabs(want_key))) << "dim " << dim << " row " << i;
            }
            std::vector<float> ck(k);
            vecdb::core::centroid_keys(&x[0], c.data(), norms.data(), k, dim, metric, ck.data());
            size_t best = 0;
            for (size_t j = 1; j < k; j++) if (ck[j] < ck[best]) best = j;
            EXPECT_EQ(best, brute_nearest(&x[0], c.data(), k, dim, metric));
        }
    }
}

// Equal keys go to the first centroid holding them, at every position of
// the SIMD blocks and their tails (k not a multiple of the block width).
TEST(Assign, TiesGoToTheFirstCentroid) {
    std::mt19937 rng(7);
    for (size_t k : {1, 3, 4, 5, 16, 17, 37, 256}) {
        const size_t dim = 4, n = 64;
        std::vector<float> x(n * dim), c(k * dim), norms(k);
        vecdb::test::fill_uniform(x.data(), x.size(), rng, -1, 1);
        for (size_t j = 0; j < k * dim; j++) c[j] = 50.0f;  // far from every point
        // the nearest centroid of point i, twice: at first and at second > first
        for (size_t i = 0; i < n; i++) {
            size_t first = (i * 7) % k, second = std::min(k - 1, first + 1 + i % 3);
            std::vector<float> cc = c;
            for (size_t d = 0; d < dim; d++) cc[first * dim + d] = cc[second * dim + d] = x[i * dim + d] + 0.5f;
            vecdb::core::squared_norms(cc.data(), k, dim, norms.data());
            uint32_t label;
            ASSERT_TRUE(vecdb::core::assign_nearest(&x[i * dim], 1, cc.data(), norms.data(), k, dim,
                                                    ClusterMetric::l2, 1, {}, &label, nullptr));
            EXPECT_EQ(label, (uint32_t)first) << "k " << k << " row " << i;
        }
    }
}

}  // namespace
