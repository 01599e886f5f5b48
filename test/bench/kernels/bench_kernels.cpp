// Micro-benchmark of the distance kernels: ns per distance at 128/768/1536
// dimensions for every dispatch level this CPU runs, beside a plain scalar
// loop compiled with the project's flags (no -m options). Timing only:
// nothing here asserts a speed.
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "core/distance/half.h"
#include "core/distance/kernels.h"

namespace {

using vecdb::core::DistanceKernels;
using vecdb::core::KernelLevel;

const size_t kDims[] = {128, 768, 1536};

// The plain loops a C++ programmer would write: float accumulators, one
// element at a time (the compiler may not reorder float sums on its own).
float plain_l2(const float* a, const float* b, size_t n) {
    float s = 0;
    for (size_t i = 0; i < n; i++) {
        float d = a[i] - b[i];
        s += d * d;
    }
    return s;
}
float plain_dot(const float* a, const float* b, size_t n) {
    float s = 0;
    for (size_t i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}
float plain_cosine(const float* a, const float* b, size_t n) {
    float d = 0, x = 0, y = 0;
    for (size_t i = 0; i < n; i++) {
        d += a[i] * b[i];
        x += a[i] * a[i];
        y += b[i] * b[i];
    }
    return 1.0f - d / std::sqrt(x * y);
}
float plain_l2_f16(const uint16_t* a, const uint16_t* b, size_t n) {
    float s = 0;
    for (size_t i = 0; i < n; i++) {
        float d = vecdb::core::half_to_float(a[i]) - vecdb::core::half_to_float(b[i]);
        s += d * d;
    }
    return s;
}
uint64_t plain_hamming(const uint8_t* a, const uint8_t* b, size_t nbytes) {
    uint64_t c = 0;
    for (size_t i = 0; i < nbytes; i++) c += static_cast<uint64_t>(__builtin_popcount(a[i] ^ b[i]));
    return c;
}

// One pair of inputs per dimension, generated once with a fixed seed.
struct Data {
    std::vector<float> fa, fb;
    std::vector<uint16_t> ha, hb;
    std::vector<uint8_t> ba, bb;
    explicit Data(size_t n) : fa(n), fb(n), ha(n), hb(n), ba(n / 8), bb(n / 8) {
        std::mt19937 rng(static_cast<unsigned>(n));
        std::uniform_real_distribution<float> u(-1, 1);
        for (size_t i = 0; i < n; i++) {
            fa[i] = u(rng);
            fb[i] = u(rng);
            ha[i] = vecdb::core::float_to_half(fa[i]);
            hb[i] = vecdb::core::float_to_half(fb[i]);
        }
        for (size_t i = 0; i < n / 8; i++) {
            ba[i] = static_cast<uint8_t>(rng());
            bb[i] = static_cast<uint8_t>(rng());
        }
    }
};

// Registers the five measured operations at one dimension for one
// implementation ("plain" loops when k is null, else a kernel table).
void register_level(const std::string& label, const DistanceKernels* k, size_t n) {
    auto* d = new Data(n);  // lives as long as the process: benchmarks run later
    const std::string dim = "/" + std::to_string(n) + "/" + label;
    benchmark::RegisterBenchmark(("l2_f32" + dim).c_str(), [d, k, n](benchmark::State& st) {
        for (auto _ : st)
            benchmark::DoNotOptimize(k ? k->l2_squared_f32(d->fa.data(), d->fb.data(), n)
                                       : plain_l2(d->fa.data(), d->fb.data(), n));
    });
    benchmark::RegisterBenchmark(("dot_f32" + dim).c_str(), [d, k, n](benchmark::State& st) {
        for (auto _ : st)
            benchmark::DoNotOptimize(k ? k->dot_f32(d->fa.data(), d->fb.data(), n)
                                       : plain_dot(d->fa.data(), d->fb.data(), n));
    });
    benchmark::RegisterBenchmark(("cosine_f32" + dim).c_str(), [d, k, n](benchmark::State& st) {
        for (auto _ : st) {
            if (k) {
                float dot, x, y;
                k->cosine_parts_f32(d->fa.data(), d->fb.data(), n, &dot, &x, &y);
                benchmark::DoNotOptimize(vecdb::core::cosine_from_parts(dot, x, y));
            } else {
                benchmark::DoNotOptimize(plain_cosine(d->fa.data(), d->fb.data(), n));
            }
        }
    });
    benchmark::RegisterBenchmark(("l2_f16" + dim).c_str(), [d, k, n](benchmark::State& st) {
        for (auto _ : st)
            benchmark::DoNotOptimize(k ? k->l2_squared_f16(d->ha.data(), d->hb.data(), n)
                                       : plain_l2_f16(d->ha.data(), d->hb.data(), n));
    });
    // n bits: a binary-quantised n-dimensional vector
    benchmark::RegisterBenchmark(("hamming_bits" + dim).c_str(), [d, k, n](benchmark::State& st) {
        for (auto _ : st)
            benchmark::DoNotOptimize(k ? k->hamming(d->ba.data(), d->bb.data(), n / 8)
                                       : plain_hamming(d->ba.data(), d->bb.data(), n / 8));
    });
}

}  // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    for (size_t n : kDims) {
        register_level("plain", nullptr, n);
        for (KernelLevel l : {KernelLevel::scalar, KernelLevel::avx2, KernelLevel::avx512})
            if (const DistanceKernels* k = vecdb::core::kernels_for(l)) register_level(k->name, k, n);
        register_level("dispatched", &vecdb::core::kernels(), n);
    }
    benchmark::AddCustomContext("dispatched_level", vecdb::core::kernels().name);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
