// Run-time dispatch: the chosen table is the best this CPU runs, the level
// tables are consistent, and the POPCNT fallback used by AVX-512 CPUs
// without VPOPCNTDQ (not this one, perhaps) is right too.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "core/distance/cpu.h"
#include "core/distance/cpu_popcnt.h"
#include "core/distance/kernels.h"
#include "test_util.h"

namespace vecdb::test {
namespace {

using core::KernelLevel;

TEST(Dispatch, ScalarAlwaysAvailable) {
    const core::DistanceKernels* s = core::kernels_for(KernelLevel::scalar);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s, &core::scalar_kernels());
    EXPECT_STREQ(s->name, "scalar");
    EXPECT_EQ(s->level, KernelLevel::scalar);
}

TEST(Dispatch, LevelsMatchCpuFeatures) {
    const core::CpuFeatures& cpu = core::cpu_features();
    EXPECT_EQ(core::kernels_for(KernelLevel::avx2) != nullptr, cpu.avx2_level);
    EXPECT_EQ(core::kernels_for(KernelLevel::avx512) != nullptr, cpu.avx512_level);
    // braces: the EXPECT macros expand to an if/else of their own
    if (cpu.avx512_level) { EXPECT_TRUE(cpu.avx2_level); }
    if (cpu.avx512_vpopcntdq) { EXPECT_TRUE(cpu.avx512_level); }
    std::printf("cpu: avx2_level=%d avx512_level=%d vpopcntdq=%d popcnt=%d; kernels()=%s\n",
                cpu.avx2_level, cpu.avx512_level, cpu.avx512_vpopcntdq, cpu.popcnt, core::kernels().name);
}

TEST(Dispatch, BestLevelChosen) {
    // VECDB_KERNEL_LEVEL may cap the level; the test runner leaves it unset.
    if (std::getenv("VECDB_KERNEL_LEVEL") != nullptr) GTEST_SKIP() << "level capped by environment";
    const core::DistanceKernels* best = &core::scalar_kernels();
    if (auto* k = core::kernels_for(KernelLevel::avx2)) best = k;
    if (auto* k = core::kernels_for(KernelLevel::avx512)) best = k;
    EXPECT_EQ(&core::kernels(), best);
    EXPECT_EQ(&core::kernels(), &core::kernels());  // chosen once
}

TEST(Dispatch, TablesComplete) {
    for (const core::DistanceKernels* k : supported_levels()) {
        EXPECT_NE(k->name, nullptr);
        EXPECT_NE(k->l2_squared_f32, nullptr);
        EXPECT_NE(k->dot_f32, nullptr);
        EXPECT_NE(k->l1_f32, nullptr);
        EXPECT_NE(k->cosine_parts_f32, nullptr);
        EXPECT_NE(k->l2_squared_f16, nullptr);
        EXPECT_NE(k->dot_f16, nullptr);
        EXPECT_NE(k->l1_f16, nullptr);
        EXPECT_NE(k->cosine_parts_f16, nullptr);
        EXPECT_NE(k->hamming, nullptr);
        EXPECT_NE(k->and_or_popcount, nullptr);
    }
}

TEST(Dispatch, Popcnt64FallbackMatchesScalar) {
    if (!core::cpu_features().popcnt) GTEST_SKIP() << "no POPCNT on this CPU";
    std::mt19937 rng(5);
    const core::DistanceKernels& s = core::scalar_kernels();
    std::vector<size_t> lengths = test_lengths();
    lengths.push_back(8000);
    for (size_t n : lengths) {
        GuardedArray<uint8_t> a(n), b(n);
        fill_bytes(a.data(), n, rng);
        fill_bytes(b.data(), n, rng);
        EXPECT_EQ(core::hamming_popcnt64(a.data(), b.data(), n), s.hamming(a.data(), b.data(), n)) << n;
        uint64_t i1, u1, i2, u2;
        core::and_or_popcount_popcnt64(a.data(), b.data(), n, &i1, &u1);
        s.and_or_popcount(a.data(), b.data(), n, &i2, &u2);
        EXPECT_EQ(i1, i2) << n;
        EXPECT_EQ(u1, u2) << n;
    }
}

}  // namespace
}  // namespace vecdb::test
