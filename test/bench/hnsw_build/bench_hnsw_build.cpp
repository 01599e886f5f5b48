// Build time of vecdb's in-memory HNSW builder (src/core/hnsw) on a raw
// float32 file, with recall@10 at ef=40 on the first queries, so the run
// script can compare it with python3-hnswlib on the same data and threads.
// Usage: bench_hnsw_build <file.f32> <n> <dim> <m> <ef_construction> <threads>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <vector>

#include "core/distance/kernels.h"
#include "core/hnsw/graph_builder.h"

namespace {

size_t g_dim;

// Squared L2 with the dispatched kernel.
float l2(const void* ctx, const void* a, const void* b) {
    return ((const vecdb::core::DistanceKernels*)ctx)->l2_squared_f32((const float*)a, (const float*)b, g_dim);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 7) {
        std::fprintf(stderr, "usage: %s file n dim m ef_construction threads\n", argv[0]);
        return 2;
    }
    size_t n = std::strtoul(argv[2], nullptr, 10);
    g_dim = std::strtoul(argv[3], nullptr, 10);
    vecdb::core::hnsw::BuildParams params;
    params.m = std::atoi(argv[4]);
    params.ef_construction = std::atoi(argv[5]);
    int threads = std::atoi(argv[6]);
    std::vector<float> data(n * g_dim);
    FILE* f = std::fopen(argv[1], "rb");
    if (!f || std::fread(data.data(), sizeof(float), data.size(), f) != data.size()) {
        std::fprintf(stderr, "cannot read %s\n", argv[1]);
        return 1;
    }
    std::fclose(f);
    std::vector<const void*> values(n);
    for (size_t i = 0; i < n; i++) values[i] = &data[i * g_dim];

    auto start = std::chrono::steady_clock::now();
    vecdb::core::hnsw::ValueSource source;
    source.base = (const char*)data.data();
    source.stride = g_dim * sizeof(float);
    vecdb::core::hnsw::GraphBuilder graph(params, l2, &vecdb::core::kernels(), source, n);
    graph.start(threads);
    while (!graph.wait_for(100)) {
    }
    graph.join();
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    // recall@10 at ef=40 for the first 200 points as queries (brute force truth)
    size_t queries = n < 200 ? n : 200, hits = 0;
    for (size_t q = 0; q < queries; q++) {
        std::vector<std::pair<float, uint32_t>> exact(n);
        for (size_t i = 0; i < n; i++) exact[i] = {l2(&vecdb::core::kernels(), values[q], values[i]), (uint32_t)i};
        std::partial_sort(exact.begin(), exact.begin() + 10, exact.end());
        std::set<uint32_t> truth;
        for (int i = 0; i < 10; i++) truth.insert(exact[i].second);
        vecdb::core::hnsw::Scored found[10];
        size_t k = graph.search(values[q], 10, 40, found);
        for (size_t i = 0; i < k; i++) hits += truth.count(found[i].id);
    }
    std::printf("vecdb  build %.3f s  recall@10(ef=40) %.3f  kernels %s\n", seconds,
                (double)hits / (10.0 * queries), vecdb::core::kernels().name);
    return 0;
}
