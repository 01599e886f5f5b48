// Unit tests of hybrid-search fusion (src/core/fusion): reciprocal-rank and
// weighted fusion against hand-computed scores, ties, and refused rankers.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "core/fusion/fusion.h"

using namespace vecdb::core::fusion;

namespace {

// A list of keys with distances, best first.
std::vector<Candidate> list(std::initializer_list<std::pair<const char*, double>> items) {
    std::vector<Candidate> out;
    for (auto& item : items) out.push_back(Candidate{item.first, item.second});
    return out;
}

// The message a ranker is refused with ("" when it is accepted).
std::string refusal(const Ranker& ranker, size_t nlists) {
    try {
        check_ranker(ranker, nlists);
    } catch (const vecdb::core::Error& e) {
        EXPECT_EQ(e.kind(), vecdb::core::ErrorKind::invalid_parameter);
        return e.what();
    }
    return "";
}

// The three lists of the golden example: A ranks 1..7 in key order, B ranks
// 3 1 5 2 4 7 6, C (a shorter list) ranks 5 2 3.
std::vector<std::vector<Candidate>> golden_lists() {
    return {list({{"1", 1}, {"2", 2}, {"3", 3}, {"4", 4}, {"5", 5}, {"6", 6}, {"7", 7}}),
            list({{"3", 0.9}, {"1", 0.8}, {"5", 0.7}, {"2", 0.6}, {"4", 0.5}, {"7", 0.4}, {"6", 0.3}}),
            list({{"5", 0.3}, {"2", 0.2}, {"3", 0.1}})};
}

}  // namespace

// RRF, k = 60, worked by hand (score = sum of 1 / (60 + rank)):
//   3: A3 B1 C3 = 1/63 + 1/61 + 1/63 = 0.048139474
//   2: A2 B4 C2 = 1/62 + 1/64 + 1/62 = 0.047883065
//   5: A5 B3 C1 = 1/65 + 1/63 + 1/61 = 0.047651074
//   1: A1 B2    = 1/61 + 1/62        = 0.032522475
//   4: A4 B5    = 1/64 + 1/65        = 0.031009615
//   6: A6 B7    = 1/66 + 1/67        = 0.030076888
//   7: A7 B6    = 1/67 + 1/66        = 0.030076888 (tie with 6: the smaller key first)
TEST(Fusion, RrfGoldenThreeLists) {
    Ranker rrf;
    auto lists = golden_lists();
    std::vector<ScoreKind> kinds = {ScoreKind::distance, ScoreKind::similarity, ScoreKind::text_rank};
    auto fused = fuse(rrf, kinds, lists, true, 10);
    const char* order[] = {"3", "2", "5", "1", "4", "6", "7"};
    double scores[] = {0.048139474, 0.047883065, 0.047651074, 0.032522475, 0.031009615, 0.030076888, 0.030076888};
    ASSERT_EQ(fused.size(), 7u);
    for (size_t i = 0; i < 7; i++) {
        EXPECT_EQ(fused[i].key, order[i]) << i;
        EXPECT_NEAR(fused[i].score, scores[i], 5e-10) << i;
    }
    EXPECT_EQ(fused[5].score, fused[6].score);
    // each list's own distance beside the fused score; NaN where absent
    EXPECT_EQ(fused[0].distances[0], 3);
    EXPECT_EQ(fused[0].distances[1], 0.9);
    EXPECT_EQ(fused[0].distances[2], 0.1);
    EXPECT_TRUE(std::isnan(fused[3].distances[2]));
    // the limit keeps the best
    auto top2 = fuse(rrf, kinds, lists, true, 2);
    ASSERT_EQ(top2.size(), 2u);
    EXPECT_EQ(top2[1].key, "2");
}

// Weighted 0.6 / 0.4 over an L2 list (A) and an IP list (B), worked by hand:
// score = 0.6 (1 - 2 atan(d) / pi) + 0.4 (0.5 + atan(s) / pi)
//   1: 0.6 * 0.500000000 + 0.4 * 0.714776713 = 0.585910685
//   2: 0.6 * 0.295167235 + 0.4 * 0.672020870 = 0.445908689
//   3: 0.6 * 0.204832765 + 0.4 * 0.733262292 = 0.416204575
//   5: 0.6 * 0.125665916 + 0.4 * 0.694400112 = 0.353159595
//   4: 0.6 * 0.155958261 + 0.4 * 0.647583618 = 0.352608404
//   7: 0.6 * 0.090334471 + 0.4 * 0.621118942 = 0.302648259
//   6: 0.6 * 0.105136913 + 0.4 * 0.592773579 = 0.300191580
TEST(Fusion, WeightedMixedL2AndIp) {
    Ranker weighted;
    weighted.kind = Ranker::Kind::weighted;
    weighted.weights = {0.6, 0.4};
    auto lists = golden_lists();
    lists.pop_back();
    auto fused = fuse(weighted, {ScoreKind::distance, ScoreKind::similarity}, lists, true, 10);
    const char* order[] = {"1", "2", "3", "5", "4", "7", "6"};
    double scores[] = {0.585910685, 0.445908689, 0.416204575, 0.353159595, 0.352608404, 0.302648259, 0.300191580};
    ASSERT_EQ(fused.size(), 7u);
    for (size_t i = 0; i < 7; i++) {
        EXPECT_EQ(fused[i].key, order[i]) << i;
        EXPECT_NEAR(fused[i].score, scores[i], 5e-10) << i;
    }
}

TEST(Fusion, Normalisation) {
    EXPECT_DOUBLE_EQ(normalise(ScoreKind::distance, 0), 1.0);
    EXPECT_DOUBLE_EQ(normalise(ScoreKind::distance, 1), 0.5);
    EXPECT_DOUBLE_EQ(normalise(ScoreKind::similarity, 0), 0.5);
    EXPECT_DOUBLE_EQ(normalise(ScoreKind::similarity, -1), 0.25);
    EXPECT_DOUBLE_EQ(normalise(ScoreKind::text_rank, 0), 0.0);
    EXPECT_DOUBLE_EQ(normalise(ScoreKind::text_rank, 1), 0.5);
    EXPECT_LT(normalise(ScoreKind::distance, 1e300), 1e-9);
}

// Ties break by key: numerically for integer keys (9 before 10), bytewise
// for text keys ("10" before "9").
TEST(Fusion, TiesByPrimaryKey) {
    Ranker rrf;
    std::vector<std::vector<Candidate>> lists = {list({{"10", 1}, {"9", 2}}), list({{"9", 1}, {"10", 2}})};
    std::vector<ScoreKind> kinds = {ScoreKind::distance, ScoreKind::distance};
    auto numeric = fuse(rrf, kinds, lists, true, 5);
    ASSERT_EQ(numeric.size(), 2u);
    EXPECT_EQ(numeric[0].key, "9");
    EXPECT_EQ(numeric[0].score, numeric[1].score);
    auto text = fuse(rrf, kinds, lists, false, 5);
    EXPECT_EQ(text[0].key, "10");
    auto negative = fuse(rrf, kinds, {list({{"-5", 1}, {"3", 2}}), list({{"3", 1}, {"-5", 2}})}, true, 5);
    EXPECT_EQ(negative[0].key, "-5");
}

// A key twice in one list (the same key in two partitions) counts once, at
// its best place; empty lists contribute nothing.
TEST(Fusion, DuplicatesAndEmptyLists) {
    Ranker rrf;
    rrf.k = 1;
    auto fused = fuse(rrf, {ScoreKind::distance, ScoreKind::distance}, {list({{"1", 1}, {"1", 2}, {"2", 3}}), {}},
                      true, 5);
    ASSERT_EQ(fused.size(), 2u);
    EXPECT_DOUBLE_EQ(fused[0].score, 0.5);
    EXPECT_DOUBLE_EQ(fused[1].score, 1.0 / 4);
    EXPECT_EQ(fused[0].distances[0], 1);
    EXPECT_TRUE(fuse(rrf, {ScoreKind::distance}, {{}}, true, 5).empty());
}

TEST(Fusion, RefusedRankers) {
    Ranker rrf;
    EXPECT_EQ(refusal(rrf, 3), "");
    rrf.k = 0.5;
    EXPECT_NE(refusal(rrf, 3).find("k must be at least 1 and less than 16384, not 0.5"), std::string::npos);
    rrf.k = 16384;
    EXPECT_NE(refusal(rrf, 3), "");
    rrf.k = 16383.5;
    EXPECT_EQ(refusal(rrf, 3), "");
    rrf.k = NAN;
    EXPECT_NE(refusal(rrf, 3), "");
    EXPECT_NE(refusal(Ranker{}, 0).find("at least one request"), std::string::npos);

    Ranker weighted;
    weighted.kind = Ranker::Kind::weighted;
    weighted.weights = {0.5, 0.5};
    EXPECT_EQ(refusal(weighted, 2), "");
    EXPECT_NE(refusal(weighted, 3).find("3 requests, 2 weights given"), std::string::npos);
    weighted.weights = {0, 1.5};
    EXPECT_NE(refusal(weighted, 2).find("weight 2 of the weighted ranker is 1.5"), std::string::npos);
    weighted.weights = {-0.1, 1};
    EXPECT_NE(refusal(weighted, 2), "");
    weighted.weights = {NAN, 1};
    EXPECT_NE(refusal(weighted, 2), "");
}

TEST(Fusion, NumericKeysMustBeIntegers) {
    Ranker rrf;
    EXPECT_THROW(fuse(rrf, {ScoreKind::distance}, {list({{"12a", 1}})}, true, 5), vecdb::core::Error);
    EXPECT_THROW(fuse(rrf, {ScoreKind::distance}, {list({{"", 1}})}, true, 5), vecdb::core::Error);
    EXPECT_EQ(fuse(rrf, {ScoreKind::distance}, {list({{"12a", 1}})}, false, 5).size(), 1u);
}
