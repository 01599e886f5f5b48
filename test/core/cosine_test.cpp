// cosine_from_parts: the edge cases every cosine distance goes through.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/distance/kernels.h"

namespace vecdb::test {
namespace {

using core::cosine_from_parts;

TEST(Cosine, BasicAngles) {
    EXPECT_FLOAT_EQ(cosine_from_parts(1, 1, 1), 0.0f);     // same direction
    EXPECT_FLOAT_EQ(cosine_from_parts(-1, 1, 1), 2.0f);    // opposite
    EXPECT_FLOAT_EQ(cosine_from_parts(0, 1, 1), 1.0f);     // orthogonal
    EXPECT_FLOAT_EQ(cosine_from_parts(3, 2, 18), 0.5f);    // |a|=sqrt2,|b|=sqrt18, cos=3/6
    EXPECT_FLOAT_EQ(cosine_from_parts(-3, 2, 18), 1.5f);
}

TEST(Cosine, ZeroNormIsNaN) {
    EXPECT_TRUE(std::isnan(cosine_from_parts(0, 0, 1)));
    EXPECT_TRUE(std::isnan(cosine_from_parts(0, 1, 0)));
    EXPECT_TRUE(std::isnan(cosine_from_parts(0, 0, 0)));
    EXPECT_TRUE(std::isnan(cosine_from_parts(-0.0f, 0, 0)));
}

TEST(Cosine, NaNPropagates) {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    EXPECT_TRUE(std::isnan(cosine_from_parts(nan, 1, 1)));
    EXPECT_TRUE(std::isnan(cosine_from_parts(1, nan, 1)));
    EXPECT_TRUE(std::isnan(cosine_from_parts(1, 1, nan)));
}

TEST(Cosine, RoundingIsClamped) {
    // Float rounding can make |dot| slightly exceed |a||b|: the distance must
    // stay within [0, 2], never go negative or past 2.
    EXPECT_EQ(cosine_from_parts(1.0000001f, 1, 1), 0.0f);
    EXPECT_EQ(cosine_from_parts(-1.0000001f, 1, 1), 2.0f);
    EXPECT_EQ(cosine_from_parts(1e30f, 1e-30f, 1e-30f), 0.0f);
}

TEST(Cosine, NoOverflowInNormProduct) {
    // norm_a * norm_b overflows float (1e60) but not the double used inside.
    EXPECT_FLOAT_EQ(cosine_from_parts(1e30f, 1e30f, 1e30f), 0.0f);
    EXPECT_FLOAT_EQ(cosine_from_parts(0, 3e38f, 3e38f), 1.0f);
    // and no underflow to zero for tiny norms: 1e-60 is a normal double.
    EXPECT_FLOAT_EQ(cosine_from_parts(1e-30f, 1e-30f, 1e-30f), 0.0f);
}

TEST(Cosine, InfiniteNorms) {
    const float inf = std::numeric_limits<float>::infinity();
    // inf / inf is undefined: NaN, not a made-up distance.
    EXPECT_TRUE(std::isnan(cosine_from_parts(inf, inf, inf)));
    // a finite dot over an infinite norm is similarity 0: distance 1.
    EXPECT_FLOAT_EQ(cosine_from_parts(1, inf, 1), 1.0f);
}

TEST(Cosine, ResultRange) {
    // Sweep similarities over [-1, 1]: the distance is 1 - similarity.
    for (int i = -100; i <= 100; i++) {
        float sim = static_cast<float>(i) / 100.0f;
        float d = cosine_from_parts(sim * 4.0f, 4.0f, 4.0f);
        EXPECT_NEAR(d, 1.0f - sim, 1e-6f) << i;
        EXPECT_GE(d, 0.0f);
        EXPECT_LE(d, 2.0f);
    }
}

}  // namespace
}  // namespace vecdb::test
