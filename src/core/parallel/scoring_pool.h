// Helper threads that compute distance keys while the backend's own thread
// walks index pages. The backend submits one job per page (pointers to the
// vectors on that page, which it keeps locked) and later collects the keys
// in order. Helpers run only the score function: it must not call
// Postgres and must not throw. Everything a helper touches other than the
// vectors themselves (the scoring context, job slots, keys) is owned here,
// not by Postgres memory contexts, so a scan that ends with an ERROR part
// way through leaves nothing a helper could write into freed memory.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vecdb::core {

// Computes the key of one value; ctx is the pool's copy of the context bytes.
typedef double (*ScoreFunction)(const void* ctx, const void* value);

// Most values one job (one index page) may hold.
constexpr size_t kScoringJobCapacity = 512;

// Most jobs submitted and not yet collected. A caller keeps its own
// pipeline depth at or below this (static_assert it) and collects before
// submitting more; scoring_submit refuses a job beyond it.
constexpr size_t kScoringMaxInFlight = 32;

// Starts a scoring session using up to `threads` threads (the caller's
// included); the ctx bytes are copied. Abandons whatever an earlier session
// left unfinished. Returns false (and the caller scores on its own) when no
// helper can run: threads <= 1, one CPU, or threads cannot be created.
bool scoring_begin(ScoreFunction fn, const void* ctx, size_t ctx_size, int threads) noexcept;

// Queues the values of one page (n <= kScoringJobCapacity) and returns
// true. With kScoringMaxInFlight jobs already uncollected (or no session
// started) it queues nothing and returns false, so no job's keys are ever
// overwritten before they are collected. Never blocks on a helper.
bool scoring_submit(const void* const* values, size_t n) noexcept;

// How many jobs are submitted but not yet collected.
size_t scoring_in_flight() noexcept;

// Waits for the oldest uncollected job (scoring it on the calling thread if
// no helper has taken it), copies its keys to keys_out and returns its size;
// 0 when nothing is in flight.
size_t scoring_collect_oldest(double* keys_out) noexcept;

// Ends the session; helpers go back to sleep.
void scoring_end() noexcept;

}  // namespace vecdb::core
