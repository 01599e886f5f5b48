// The scoring pool: every submitted value is scored exactly once, keys come
// back in submission order, and an abandoned session does not disturb the
// next one.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "core/parallel/scoring_pool.h"

namespace {

using vecdb::core::kScoringJobCapacity;

std::atomic<long> g_calls{0};

// key = value * factor, where ctx holds the factor.
double scale(const void* ctx, const void* value) {
    g_calls.fetch_add(1, std::memory_order_relaxed);
    return *(const double*)value * *(const double*)ctx;
}

// Runs one session over `jobs` jobs of `per_job` values, at most `window` in flight.
void run_session(int threads, size_t jobs, size_t per_job, size_t window) {
    std::vector<double> data(jobs * per_job);
    for (size_t i = 0; i < data.size(); i++) data[i] = (double)i;
    double factor = 3.0;
    bool started = vecdb::core::scoring_begin(scale, &factor, sizeof factor, threads);
    ASSERT_TRUE(started || std::thread::hardware_concurrency() < 2 || threads < 2);
    if (!started) return;
    g_calls = 0;
    std::vector<const void*> ptrs(per_job);
    std::vector<double> keys(kScoringJobCapacity);
    size_t submitted = 0, collected = 0;
    auto collect = [&] {
        size_t n = vecdb::core::scoring_collect_oldest(keys.data());
        ASSERT_EQ(n, per_job);
        for (size_t i = 0; i < n; i++) ASSERT_EQ(keys[i], 3.0 * (double)(collected * per_job + i));
        collected++;
    };
    for (; submitted < jobs; submitted++) {
        if (vecdb::core::scoring_in_flight() == window) collect();
        for (size_t i = 0; i < per_job; i++) ptrs[i] = &data[submitted * per_job + i];
        vecdb::core::scoring_submit(ptrs.data(), per_job);
    }
    while (collected < jobs) collect();
    vecdb::core::scoring_end();
    EXPECT_EQ(g_calls.load(), (long)(jobs * per_job));
}

TEST(ScoringPool, EveryValueScoredOnceInOrder) {
    run_session(2, 5000, 7, 16);
    run_session(4, 300, kScoringJobCapacity, 16);
    run_session(2, 1000, 1, 1);
}

TEST(ScoringPool, OneThreadMeansNoSession) {
    double factor = 1.0;
    EXPECT_FALSE(vecdb::core::scoring_begin(scale, &factor, sizeof factor, 1));
}

TEST(ScoringPool, AbandonedSessionThenFreshOne) {
    double factor = 2.0;
    std::vector<double> data(64, 1.0);
    std::vector<const void*> ptrs(64);
    for (size_t i = 0; i < 64; i++) ptrs[i] = &data[i];
    if (!vecdb::core::scoring_begin(scale, &factor, sizeof factor, 2)) GTEST_SKIP() << "one CPU";
    for (int i = 0; i < 10; i++) vecdb::core::scoring_submit(ptrs.data(), 64);
    // as after an ERROR: nothing collected, the session just ends
    vecdb::core::scoring_end();
    EXPECT_EQ(vecdb::core::scoring_in_flight(), 10u);
    run_session(2, 2000, 5, 16);
    EXPECT_EQ(vecdb::core::scoring_in_flight(), 0u);
}

TEST(ScoringPool, RefusesJobsBeyondTheInFlightLimit) {
    using vecdb::core::kScoringMaxInFlight;
    double factor = 1.0;
    std::vector<double> data(kScoringMaxInFlight + 1);
    for (size_t i = 0; i < data.size(); i++) data[i] = (double)i;
    if (!vecdb::core::scoring_begin(scale, &factor, sizeof factor, 2)) GTEST_SKIP() << "one CPU";
    for (size_t i = 0; i < kScoringMaxInFlight; i++) {
        const void* value = &data[i];
        ASSERT_TRUE(vecdb::core::scoring_submit(&value, 1));
    }
    const void* extra = &data[kScoringMaxInFlight];
    EXPECT_FALSE(vecdb::core::scoring_submit(&extra, 1));
    EXPECT_EQ(vecdb::core::scoring_in_flight(), kScoringMaxInFlight);
    // every accepted job keeps its own keys: none was overwritten by the refused one
    double key = -1;
    for (size_t i = 0; i < kScoringMaxInFlight; i++) {
        ASSERT_EQ(vecdb::core::scoring_collect_oldest(&key), 1u);
        EXPECT_EQ(key, (double)i);
    }
    EXPECT_EQ(vecdb::core::scoring_collect_oldest(&key), 0u);
    vecdb::core::scoring_end();
}

}  // namespace
