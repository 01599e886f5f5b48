// half.h conversions: exhaustive round trip of all 65536 half bit patterns,
// and agreement with the F16C hardware conversion where the CPU has it.
#include <gtest/gtest.h>
#include <immintrin.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "core/distance/cpu.h"
#include "core/distance/half.h"

namespace vecdb::test {
namespace {

using core::float_to_half;
using core::half_to_float;

// Hardware half -> float (only called when the CPU has F16C).
__attribute__((target("f16c"))) float hw_half_to_float(uint16_t h) { return _cvtsh_ss(h); }

// Hardware float -> half, round to nearest even (only called with F16C).
__attribute__((target("f16c"))) uint16_t hw_float_to_half(float f) {
    return static_cast<uint16_t>(_cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT));
}

// The avx2 level requires F16C, so it is the flag to test for.
bool have_f16c() { return core::cpu_features().avx2_level; }

bool is_nan_half(uint16_t h) { return ((h >> 10) & 0x1f) == 0x1f && (h & 0x3ff) != 0; }

uint32_t float_bits(float f) {
    uint32_t b;
    std::memcpy(&b, &f, sizeof b);
    return b;
}

float bits_float(uint32_t b) {
    float f;
    std::memcpy(&f, &b, sizeof f);
    return f;
}

TEST(Half, RoundTripAllPatterns) {
    for (uint32_t i = 0; i < 65536; i++) {
        uint16_t h = static_cast<uint16_t>(i);
        float f = half_to_float(h);
        if (is_nan_half(h)) {
            EXPECT_TRUE(std::isnan(f)) << std::hex << i;
            EXPECT_TRUE(is_nan_half(float_to_half(f))) << std::hex << i;
            EXPECT_EQ(std::signbit(f), (h & 0x8000) != 0) << std::hex << i;
        } else {
            EXPECT_EQ(float_to_half(f), h) << std::hex << i;
        }
    }
}

TEST(Half, KnownValues) {
    EXPECT_EQ(half_to_float(0x3c00), 1.0f);
    EXPECT_EQ(half_to_float(0xc000), -2.0f);
    EXPECT_EQ(half_to_float(0x7bff), 65504.0f);
    EXPECT_EQ(half_to_float(0x0001), std::ldexp(1.0f, -24));  // smallest subnormal
    EXPECT_EQ(half_to_float(0x0400), std::ldexp(1.0f, -14));  // smallest normal
    EXPECT_TRUE(std::isinf(half_to_float(0x7c00)));
    EXPECT_EQ(float_to_half(65520.0f), 0x7c00);   // halfway to 2^16 rounds to even: Inf
    EXPECT_EQ(float_to_half(65519.0f), 0x7bff);
    EXPECT_EQ(float_to_half(1e-8f), 0x0000);      // below half the smallest subnormal
    EXPECT_EQ(float_to_half(-1e-8f), 0x8000);
    EXPECT_EQ(float_to_half(std::ldexp(1.0f, -25)), 0x0000);  // exact tie to even (0)
    EXPECT_EQ(float_to_half(std::ldexp(3.0f, -25)), 0x0002);  // 1.5 ulp ties to even (2)
}

TEST(Half, HalfToFloatMatchesF16C) {
    if (!have_f16c()) GTEST_SKIP() << "no F16C on this CPU";
    for (uint32_t i = 0; i < 65536; i++) {
        uint16_t h = static_cast<uint16_t>(i);
        float sw = half_to_float(h), hw = hw_half_to_float(h);
        if (is_nan_half(h)) {
            EXPECT_TRUE(std::isnan(sw) && std::isnan(hw)) << std::hex << i;
        } else {
            EXPECT_EQ(float_bits(sw), float_bits(hw)) << std::hex << i;
        }
    }
}

// Compares the software and F16C float -> half for one input.
void expect_same_half(float f) {
    uint16_t sw = float_to_half(f), hw = hw_float_to_half(f);
    if (std::isnan(f)) {
        EXPECT_TRUE(is_nan_half(sw) && is_nan_half(hw)) << f;
    } else {
        EXPECT_EQ(sw, hw) << std::hexfloat << f;
    }
}

TEST(Half, FloatToHalfMatchesF16C) {
    if (!have_f16c()) GTEST_SKIP() << "no F16C on this CPU";
    // Around every half value: the value itself, the exact midpoint to the
    // next one (ties), and one float ulp either side of that midpoint.
    for (uint32_t i = 0; i < 0x7c00; i++) {
        for (uint32_t sign : {0u, 0x8000u}) {
            float lo = half_to_float(static_cast<uint16_t>(i | sign));
            float hi = half_to_float(static_cast<uint16_t>((i + 1) | sign));
            float mid = (lo + hi) / 2;  // exact: both are halves
            expect_same_half(lo);
            expect_same_half(mid);
            expect_same_half(bits_float(float_bits(mid) + 1));
            expect_same_half(bits_float(float_bits(mid) - 1));
        }
    }
    // Random float bit patterns over the whole range (NaN, Inf, huge, tiny).
    std::mt19937 rng(3);
    for (int i = 0; i < 2000000; i++) expect_same_half(bits_float(static_cast<uint32_t>(rng())));
    for (float f : {0.0f, -0.0f, 65504.0f, 65519.99f, 65520.0f, 1e10f, -1e10f,
                    std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
                    std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::denorm_min()})
        expect_same_half(f);
}

}  // namespace
}  // namespace vecdb::test
