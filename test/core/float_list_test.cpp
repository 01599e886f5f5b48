// parse_float_list: its short-decimal fast path gives exactly strtof's float
// for every short literal (all mantissas below 10^5 at every decimal point
// position and sign, random 6- and 7-digit ones), and longer or unusual
// literals still go to strtof.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

#include "core/parse/float_list.h"

namespace vecdb::test {
namespace {

// The decimal text of mantissa with `fraction` digits after the point.
std::string decimal(uint32_t mantissa, int fraction, bool negative) {
    std::string digits = std::to_string(mantissa);
    while ((int)digits.size() <= fraction) digits.insert(digits.begin(), '0');
    if (fraction > 0) digits.insert(digits.end() - fraction, '.');
    return negative ? "-" + digits : digits;
}

// Whether parsing "[literal]" gives strtof's float, bit for bit.
bool same_as_strtof(const std::string& literal) {
    float parsed = 0;
    std::string text = "[" + literal + "]";
    if (core::parse_float_list(text.c_str(), &parsed, 1, "vector") != 1) return false;
    float expected = std::strtof(literal.c_str(), nullptr);
    return std::memcmp(&parsed, &expected, sizeof parsed) == 0;
}

TEST(FloatList, ShortDecimalsAreStrtofExactly) {
    for (uint32_t mantissa = 0; mantissa < 100000; mantissa++)
        for (int fraction = 0; fraction <= 5; fraction++)
            for (bool negative : {false, true}) {
                std::string literal = decimal(mantissa, fraction, negative);
                ASSERT_TRUE(same_as_strtof(literal)) << literal;
            }
    std::mt19937 rng(7);
    for (int i = 0; i < 200000; i++) {
        uint32_t mantissa = rng() % 10000000;
        int fraction = (int)(rng() % 8);
        std::string literal = decimal(mantissa, fraction, rng() & 1);
        ASSERT_TRUE(same_as_strtof(literal)) << literal;
    }
}

TEST(FloatList, OtherLiteralsStillParse) {
    for (const char* literal : {"1e5", "-2.5E-3", "0x1p3", "+7", ".5", "5.", "123456789", "0.12345678918063641",
                                "3.4028235e38", "1e-45", "00000001.5"})
        EXPECT_TRUE(same_as_strtof(literal)) << literal;
    float out[3];
    EXPECT_EQ(core::parse_float_list("[ 1 , 2.5 ,-3 ]", out, 3, "vector"), 3u);
    EXPECT_EQ(out[0], 1.0f);
    EXPECT_EQ(out[1], 2.5f);
    EXPECT_EQ(out[2], -3.0f);
}

}  // namespace
}  // namespace vecdb::test
