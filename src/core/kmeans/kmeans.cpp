// K-means: seeding, Lloyd iterations and empty-cluster repair.
#include "core/kmeans/kmeans.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <random>
#include <vector>

#include "core/distance/kernels.h"
#include "core/error.h"
#include "core/kmeans/assign.h"

namespace vecdb::core {
namespace {

// Floating-point work allowed for exact k-means++ seeding (m·k·dim); past
// it the seeds are drawn uniformly from the points instead.
constexpr double kSeedingBudget = 4e9;
// Points per cluster k-means++ looks at.
constexpr size_t kSeedingPointsPerCluster = 16;

// Picks k distinct point indices uniformly (repeats only when n < k).
void random_seeds(size_t n, size_t k, std::mt19937_64& rng, std::vector<size_t>& out) {
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    for (size_t i = 0; i < std::min(n, k); i++) {
        std::uniform_int_distribution<size_t> pick(i, n - 1);
        std::swap(order[i], order[pick(rng)]);
    }
    out.clear();
    for (size_t i = 0; i < k; i++) out.push_back(order[i % n]);
}

// k-means++ on a random subsample: each next seed is a point drawn with
// probability proportional to its squared distance from the nearest seed
// so far. When every remaining distance is zero (fewer distinct points than
// clusters) seeds repeat points. Returns false when stopped.
// A point is compared with a new seed only when the triangle inequality
// allows the seed to be nearer than the point's nearest seed so far
// (‖s_new − s_own‖ < 2·‖x − s_own‖, with a margin for rounding): the same
// seeds come out, but once seeds cover the clusters most points are
// settled from the seed-to-seed distances without reading their vectors.
bool kmeanspp_seeds(const float* points, size_t n, size_t dim, size_t k, std::mt19937_64& rng,
                    const StopCheck& stop, std::vector<size_t>& seeds) {
    std::vector<size_t> sample;
    size_t m = std::min(n, std::max(k, k * kSeedingPointsPerCluster));
    random_seeds(n, m, rng, sample);
    const DistanceKernels& kern = kernels();
    std::vector<double> nearest(m, INFINITY);
    std::vector<uint32_t> owner(m, UINT32_MAX);  // index in seeds of the nearest seed
    std::vector<double> to_seed(k);              // squared distance from the new seed to each earlier one
    seeds.clear();
    std::uniform_int_distribution<size_t> first(0, m - 1);
    size_t chosen = first(rng);
    for (size_t c = 0; c < k; c++) {
        if ((c & 15) == 0 && stop()) return false;
        seeds.push_back(sample[chosen]);
        const float* seed = points + sample[chosen] * dim;
        for (size_t s = 0; s < c; s++) to_seed[s] = kern.l2_squared_f32(points + seeds[s] * dim, seed, dim);
        double total = 0;
        for (size_t i = 0; i < m; i++) {
            if (owner[i] == UINT32_MAX || to_seed[owner[i]] < 4.0 * nearest[i] * (1.0 + 1e-4)) {
                double d = kern.l2_squared_f32(points + sample[i] * dim, seed, dim);
                if (d < nearest[i]) {
                    nearest[i] = d;
                    owner[i] = (uint32_t)c;
                }
            }
            total += nearest[i];
        }
        if (!(total > 0)) {
            std::uniform_int_distribution<size_t> any(0, m - 1);
            chosen = any(rng);
            continue;
        }
        std::uniform_real_distribution<double> target_dist(0.0, total);
        double target = target_dist(rng), running = 0;
        chosen = m - 1;
        for (size_t i = 0; i < m; i++) {
            running += nearest[i];
            if (running >= target && nearest[i] > 0) { chosen = i; break; }
        }
    }
    return true;
}

// Gives every empty cluster half of the largest one: both centroids move a
// little apart along a random direction, so the next assignment splits it.
void split_into_empty(float* centroids, std::vector<size_t>& counts, size_t dim, std::mt19937_64& rng) {
    const size_t k = counts.size();
    std::bernoulli_distribution coin(0.5);
    for (size_t e = 0; e < k; e++) {
        if (counts[e] != 0) continue;
        size_t big = (size_t)(std::max_element(counts.begin(), counts.end()) - counts.begin());
        if (counts[big] < 2) return;  // nothing left to split: fewer distinct points than clusters
        float* target = centroids + e * dim;
        float* source = centroids + big * dim;
        for (size_t i = 0; i < dim; i++) {
            float step = (std::fabs(source[i]) + 1e-6f) * (1.0f / 1024.0f);
            if (coin(rng)) step = -step;
            target[i] = source[i] + step;
            source[i] -= step;
        }
        counts[e] = counts[big] / 2;
        counts[big] -= counts[e];
    }
}

// Moves every non-empty centroid to the mean of its points; returns the counts.
void update_centroids(const float* points, size_t n, size_t dim, const uint32_t* labels, size_t k,
                      float* centroids, std::vector<size_t>& counts) {
    std::vector<double> sums(k * dim, 0.0);
    counts.assign(k, 0);
    for (size_t i = 0; i < n; i++) {
        const float* x = points + i * dim;
        double* s = sums.data() + (size_t)labels[i] * dim;
        for (size_t j = 0; j < dim; j++) s[j] += x[j];
        counts[labels[i]]++;
    }
    for (size_t c = 0; c < k; c++) {
        if (counts[c] == 0) continue;
        double inv = 1.0 / (double)counts[c];
        for (size_t j = 0; j < dim; j++) centroids[c * dim + j] = (float)(sums[c * dim + j] * inv);
    }
}

}  // namespace

void normalize_rows(float* x, size_t n, size_t dim) {
    const DistanceKernels& kern = kernels();
    for (size_t i = 0; i < n; i++) {
        float* row = x + i * dim;
        float norm = std::sqrt(kern.dot_f32(row, row, dim));
        if (norm > 0) {
            float inv = 1.0f / norm;
            for (size_t j = 0; j < dim; j++) row[j] *= inv;
        }
    }
}

bool kmeans_train(const float* points, size_t n, size_t dim, const KMeansOptions& opts, float* centroids) {
    const size_t k = opts.k;
    if (n == 0 || k == 0 || dim == 0) fail(ErrorKind::invalid_parameter, "k-means needs points, clusters and dimensions");
    std::mt19937_64 rng(opts.seed);
    std::vector<size_t> seeds;
    double seeding_work = (double)std::min(n, k * kSeedingPointsPerCluster) * (double)k * (double)dim;
    if (seeding_work <= kSeedingBudget) {
        if (!kmeanspp_seeds(points, n, dim, k, rng, opts.stop, seeds)) return false;
    } else {
        random_seeds(n, k, rng, seeds);
    }
    for (size_t c = 0; c < k; c++) std::memcpy(centroids + c * dim, points + seeds[c] * dim, dim * sizeof(float));
    if (n <= k) return !opts.stop();  // every point is its own centroid already

    std::vector<uint32_t> labels(n, UINT32_MAX), previous(n);
    std::vector<float> norms(k);
    std::vector<size_t> counts;
    for (int it = 0; it < opts.iterations; it++) {
        squared_norms(centroids, k, dim, norms.data());
        previous.swap(labels);
        if (!assign_nearest(points, n, centroids, norms.data(), k, dim, ClusterMetric::l2, opts.threads,
                            opts.stop, labels.data(), nullptr))
            return false;
        bool settled = it > 0 && labels == previous;
        if (opts.stop()) return false;
        update_centroids(points, n, dim, labels.data(), k, centroids, counts);
        // A split moves two centroids off their means; only worth it when
        // another assignment follows to give the new one its points.
        if (!settled && it + 1 < opts.iterations) split_into_empty(centroids, counts, dim, rng);
        if (opts.spherical) normalize_rows(centroids, k, dim);
        if (settled) break;
    }
    return !opts.stop();
}

}  // namespace vecdb::core
