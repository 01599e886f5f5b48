// The in-memory HNSW builder: recall against brute force on small fixed
// data (one and several threads), link invariants, and the stop flag.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <vector>

#include "core/distance/kernels.h"
#include "core/hnsw/graph_builder.h"
#include "core/hnsw/select.h"

namespace {

using vecdb::core::hnsw::BuildParams;
using vecdb::core::hnsw::GraphBuilder;
using vecdb::core::hnsw::Scored;

constexpr size_t kDim = 24;

// Squared L2 through the dispatched kernel; ctx is unused.
float l2(const void*, const void* a, const void* b) {
    return vecdb::core::kernels().l2_squared_f32((const float*)a, (const float*)b, kDim);
}

// Negated inner product through the dispatched kernel: not a metric.
float neg_ip(const void*, const void* a, const void* b) {
    return -vecdb::core::kernels().dot_f32((const float*)a, (const float*)b, kDim);
}

// n clustered points (16 clusters, fixed seed): harder than uniform noise.
std::vector<float> clustered(size_t n, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> noise(0.0f, 1.0f);
    std::vector<float> centers(16 * kDim);
    for (auto& c : centers) c = noise(rng) * 4.0f;
    std::vector<float> data(n * kDim);
    for (size_t i = 0; i < n; i++) {
        size_t c = rng() % 16;
        for (size_t d = 0; d < kDim; d++) data[i * kDim + d] = centers[c * kDim + d] + noise(rng);
    }
    return data;
}

struct Fixture {
    std::vector<float> data;
    std::vector<const void*> values;
    explicit Fixture(size_t n) : data(clustered(n, 7)), values(n) {
        for (size_t i = 0; i < n; i++) values[i] = &data[i * kDim];
    }
};

// Mean recall@10 of graph searches with ef against exact top 10 under
// `dist` (l2 unless given), over 100 queries.
double recall_at_10(const GraphBuilder& graph, const Fixture& f, size_t ef,
                    vecdb::core::hnsw::DistanceFunction dist = l2) {
    std::vector<float> queries = clustered(100, 99);
    size_t hits = 0;
    for (size_t q = 0; q < 100; q++) {
        const float* query = &queries[q * kDim];
        std::vector<std::pair<float, uint32_t>> exact;
        for (size_t i = 0; i < f.values.size(); i++) exact.push_back({dist(nullptr, query, f.values[i]), (uint32_t)i});
        std::partial_sort(exact.begin(), exact.begin() + 10, exact.end());
        std::set<uint32_t> truth;
        for (size_t i = 0; i < 10; i++) truth.insert(exact[i].second);
        Scored found[10];
        size_t n = graph.search(query, 10, ef, found);
        for (size_t i = 0; i < n; i++) hits += truth.count(found[i].id);
    }
    return (double)hits / 1000.0;
}

// Builds the whole graph with `threads` threads.
void build(GraphBuilder& graph, int threads) {
    graph.start(threads);
    while (!graph.wait_for(100)) {
    }
    graph.join();
}

TEST(HnswBuilder, RecallSingleThread) {
    Fixture f(3000);
    BuildParams p;
    GraphBuilder graph(p, l2, nullptr, f.values.data(), f.values.size());
    build(graph, 1);
    ASSERT_TRUE(graph.complete());
    EXPECT_GE(recall_at_10(graph, f, 64), 0.95);
}

// A threaded build's graph depends on how the threads interleave: on this
// data most 4-thread builds give the single thread's 0.975, about one in
// fifteen gives 0.92-0.96 (60 builds, 2 vCPUs). The median of five builds
// must reach the target, so one unlucky interleaving does not fail the run
// while a builder that threads make worse still does.
TEST(HnswBuilder, RecallFourThreads) {
    Fixture f(3000);
    BuildParams p;
    std::vector<double> recalls;
    for (int run = 0; run < 5; run++) {
        GraphBuilder graph(p, l2, nullptr, f.values.data(), f.values.size());
        build(graph, 4);
        ASSERT_TRUE(graph.complete());
        recalls.push_back(recall_at_10(graph, f, 64));
    }
    std::sort(recalls.begin(), recalls.end());
    EXPECT_GE(recalls[2], 0.95) << "lowest " << recalls[0] << ", highest " << recalls[4];
}

// Mean level-0 degree of the graph.
double mean_level0_degree(const GraphBuilder& graph) {
    size_t total = 0;
    for (uint32_t node = 0; node < graph.size(); node++) {
        uint32_t count;
        graph.links(node, 0, &count);
        total += count;
    }
    return (double)total / graph.size();
}

// Inner product keeps few diverse links; fill_links tops every list up, so
// the graph is dense enough for a stable recall whatever the threads' order.
TEST(HnswBuilder, InnerProductWithFilledLinks) {
    Fixture f(3000);
    BuildParams plain;
    GraphBuilder sparse(plain, neg_ip, nullptr, f.values.data(), f.values.size());
    build(sparse, 4);
    BuildParams filled;
    filled.fill_links = true;
    GraphBuilder graph(filled, neg_ip, nullptr, f.values.data(), f.values.size());
    build(graph, 4);
    ASSERT_TRUE(graph.complete());
    EXPECT_GE(mean_level0_degree(graph), (double)filled.m);
    EXPECT_GT(mean_level0_degree(graph), 2 * mean_level0_degree(sparse));
    // (on these Gaussian clusters inner-product recall stays near 0.75 at ef 40
    // either way; on sql/hnsw.sql's data repeated 2-thread builds went from
    // 0.94-0.99 to 0.96-1.00)
    EXPECT_GE(recall_at_10(graph, f, 40, neg_ip), recall_at_10(sparse, f, 40, neg_ip) - 0.02);
}

TEST(HnswBuilder, LinksAreValid) {
    Fixture f(2000);
    BuildParams p;
    p.m = 8;
    p.ef_construction = 32;
    GraphBuilder graph(p, l2, nullptr, f.values.data(), f.values.size());
    build(graph, 3);
    ASSERT_GE(graph.max_level(), 1);
    EXPECT_EQ(graph.level(graph.entry_point()), graph.max_level());
    for (uint32_t node = 0; node < graph.size(); node++) {
        for (int level = 0; level <= graph.level(node); level++) {
            uint32_t count;
            const uint32_t* ids = graph.links(node, level, &count);
            ASSERT_LE(count, graph.max_links(level));
            if (level == 0) {
                ASSERT_GT(count, 0u) << "node " << node;
            }
            std::set<uint32_t> seen;
            for (uint32_t i = 0; i < count; i++) {
                ASSERT_LT(ids[i], graph.size());
                ASSERT_NE(ids[i], node);
                ASSERT_GE(graph.level(ids[i]), level);
                ASSERT_TRUE(seen.insert(ids[i]).second) << "duplicate link";
            }
        }
    }
}

TEST(HnswBuilder, EveryNodeHasAnIncomingLink) {
    Fixture f(3000);
    BuildParams p;
    p.m = 4;  // few links: pruning orphans nodes often enough to matter
    p.ef_construction = 16;
    GraphBuilder graph(p, l2, nullptr, f.values.data(), f.values.size());
    build(graph, 2);
    // link_orphans alone may leave a node whose every candidate parent is
    // full of single in-links (it then skips it); connect_unreachable, which
    // the index build always runs after it, attaches what is left
    graph.link_orphans();
    graph.connect_unreachable();
    std::vector<uint32_t> indegree(graph.size(), 0);
    for (uint32_t node = 0; node < graph.size(); node++) {
        uint32_t count;
        const uint32_t* ids = graph.links(node, 0, &count);
        for (uint32_t i = 0; i < count; i++) indegree[ids[i]]++;
    }
    size_t orphans = 0;
    for (uint32_t node = 0; node < graph.size(); node++)
        if (indegree[node] == 0 && node != graph.entry_point()) orphans++;
    EXPECT_EQ(orphans, 0u);
}

// Nodes a breadth-first walk over level-0 links from the entry point
// reaches, computed here rather than by the builder under test.
size_t reachable_from_entry(const GraphBuilder& graph) {
    if (graph.size() == 0) return 0;
    std::vector<bool> seen(graph.size(), false);
    std::vector<uint32_t> queue{graph.entry_point()};
    seen[graph.entry_point()] = true;
    for (size_t head = 0; head < queue.size(); head++) {
        uint32_t count;
        const uint32_t* ids = graph.links(queue[head], 0, &count);
        for (uint32_t i = 0; i < count; i++)
            if (!seen[ids[i]]) {
                seen[ids[i]] = true;
                queue.push_back(ids[i]);
            }
    }
    return queue.size();
}

// Random data of n points of kDim dimensions in `kind`: 0 uniform noise,
// 1 clustered, 2 every point drawn from a few distinct ones (many exact
// duplicates), 3 all points equal.
std::vector<float> random_points(size_t n, int kind, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
    std::vector<float> data(n * kDim);
    if (kind == 1) return clustered(n, seed);
    std::vector<float> distinct(5 * kDim);
    for (auto& v : distinct) v = uniform(rng);
    for (size_t i = 0; i < n; i++)
        for (size_t d = 0; d < kDim; d++) {
            if (kind == 0) data[i * kDim + d] = uniform(rng);
            if (kind == 2) data[i * kDim + d] = distinct[(i * 7 % 5) * kDim + d];
            if (kind == 3) data[i * kDim + d] = 0.5f;
        }
    return data;
}

TEST(HnswBuilder, EveryNodeReachableFromTheEntryPoint) {
    const size_t sizes[] = {2, 3, 5, 17, 64, 200, 394, 777, 2000};
    const int ms[] = {2, 4, 16};
    uint64_t seed = 1;
    size_t graphs = 0, linked = 0;
    for (size_t n : sizes)
        for (int m : ms)
            for (int kind = 0; kind < 4; kind++) {
                // the largest sizes with one m per kind keep the test quick
                if (n >= 777 && m != (kind % 2 ? 4 : 2)) continue;
                std::vector<float> data = random_points(n, kind, seed++);
                std::vector<const void*> values(n);
                for (size_t i = 0; i < n; i++) values[i] = &data[i * kDim];
                BuildParams p;
                p.m = m;
                p.ef_construction = std::max(2 * m, 8);
                p.seed = seed;
                GraphBuilder graph(p, l2, nullptr, values.data(), n);
                build(graph, 1 + (int)(seed % 3));
                ASSERT_TRUE(graph.complete());
                graph.link_orphans();
                linked += graph.connect_unreachable();
                graphs++;
                ASSERT_EQ(reachable_from_entry(graph), n) << "n " << n << " m " << m << " kind " << kind;
                ASSERT_EQ(graph.reachable_count(), n);
                for (uint32_t node = 0; node < n; node++) {
                    uint32_t count;
                    const uint32_t* ids = graph.links(node, 0, &count);
                    ASSERT_LE(count, graph.max_links(0));
                    std::set<uint32_t> seen(ids, ids + count);
                    ASSERT_EQ(seen.size(), count) << "duplicate link at node " << node;
                    ASSERT_EQ(seen.count(node), 0u) << "self link at node " << node;
                }
            }
    // the pass must have had work to do somewhere, or the test proves nothing
    EXPECT_GT(linked, 0u) << graphs << " graphs";
}

TEST(HnswBuilder, StopEndsTheBuildEarly) {
    Fixture f(20000);
    BuildParams p;
    p.ef_construction = 200;
    GraphBuilder graph(p, l2, nullptr, f.values.data(), f.values.size());
    graph.start(2);
    graph.stop();  // joins: returns only when every thread has exited
    EXPECT_FALSE(graph.complete());
    EXPECT_LT(graph.inserted(), graph.size());
}

TEST(HnswBuilder, EmptyAndSingleNode) {
    GraphBuilder empty(BuildParams(), l2, nullptr, nullptr, 0);
    build(empty, 2);
    EXPECT_TRUE(empty.complete());
    Fixture f(1);
    GraphBuilder one(BuildParams(), l2, nullptr, f.values.data(), 1);
    build(one, 2);
    Scored found[1];
    ASSERT_EQ(one.search(f.values[0], 1, 10, found), 1u);
    EXPECT_EQ(found[0].id, 0u);
}

TEST(HnswBuilder, RandomLevelIsCappedAndGeometric) {
    EXPECT_EQ(vecdb::core::hnsw::random_level(1.0, 16), 0);
    EXPECT_EQ(vecdb::core::hnsw::random_level(1e-300, 16), vecdb::core::hnsw::kMaxLevel);
    EXPECT_EQ(vecdb::core::hnsw::random_level(1.0 / 16 - 1e-9, 16), 1);
}

}  // namespace
