// The scoring pool: a process-wide ring of job slots and helper threads.
// It is created on first use (inside a backend, never in the postmaster),
// lives until the process exits and is never destroyed, so exit() does not
// wait for threads.
#include "core/parallel/scoring_pool.h"

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <new>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define VECDB_CPU_RELAX() _mm_pause()
#else
#define VECDB_CPU_RELAX() std::this_thread::yield()
#endif

namespace vecdb::core {
namespace {

constexpr size_t kSlots = kScoringMaxInFlight;
constexpr int kSpinRounds = 2000;  // idle polls before a helper naps
enum SlotState : int { kEmpty = 0, kReady = 1, kClaimed = 2, kDone = 3 };

struct Slot {
    std::atomic<int> state{kEmpty};
    size_t n = 0;
    const void* values[kScoringJobCapacity];
    double keys[kScoringJobCapacity];
};

struct Pool {
    std::mutex mutex;
    std::condition_variable wake;
    int helper_count = 0;
    int helpers_wanted = 0;              // helpers 0..wanted-1 join the session
    bool active = false;                 // guarded by mutex; mirrored below for polling
    std::atomic<bool> active_flag{false};
    std::atomic<int> busy_helpers{0};    // helpers inside a session
    ScoreFunction fn = nullptr;
    std::vector<char> ctx;
    Slot slots[kSlots];
    uint64_t head = 0;  // next ticket (backend thread only)
    uint64_t tail = 0;  // oldest uncollected ticket (backend thread only)
};

Pool* g_pool = nullptr;

// The pool, created on first use; nullptr if it cannot be allocated.
Pool* the_pool() {
    if (g_pool == nullptr) g_pool = new (std::nothrow) Pool();
    return g_pool;
}

// Scores every value of a claimed slot.
void score_slot(Pool& pool, Slot& slot) {
    for (size_t i = 0; i < slot.n; i++) slot.keys[i] = pool.fn(pool.ctx.data(), slot.values[i]);
    slot.state.store(kDone, std::memory_order_release);
}

// Claims and scores one ready slot, if there is one.
bool take_one(Pool& pool) {
    for (Slot& slot : pool.slots) {
        int expected = kReady;
        if (slot.state.load(std::memory_order_relaxed) == kReady &&
            slot.state.compare_exchange_strong(expected, kClaimed, std::memory_order_acq_rel)) {
            score_slot(pool, slot);
            return true;
        }
    }
    return false;
}

// A helper thread: sleeps between sessions (and through sessions that want
// fewer helpers than exist), polls for jobs during one.
void helper_main(Pool* pool, int index) {
    for (;;) {
        {
            std::unique_lock<std::mutex> lock(pool->mutex);
            pool->wake.wait(lock, [&] { return pool->active && index < pool->helpers_wanted; });
            pool->busy_helpers.fetch_add(1, std::memory_order_acq_rel);
        }
        int idle = 0;
        while (pool->active_flag.load(std::memory_order_acquire)) {
            if (take_one(*pool)) {
                idle = 0;
            } else if (++idle < kSpinRounds) {
                VECDB_CPU_RELAX();
            } else {
                std::this_thread::sleep_for(std::chrono::microseconds(50));
                idle = 0;
            }
        }
        pool->busy_helpers.fetch_sub(1, std::memory_order_acq_rel);
    }
}

// Starts helpers up to `count`; they block every signal, so Postgres's
// signal handlers keep running on the backend's own thread.
void ensure_helpers(Pool& pool, int count) {
    if (pool.helper_count >= count) return;
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    try {
        while (pool.helper_count < count) {
            std::thread(helper_main, &pool, pool.helper_count).detach();
            pool.helper_count++;
        }
    } catch (...) {
        // no more threads: work with those we have
    }
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

// Stops the current session and waits until no helper is inside it.
void stop_session(Pool& pool) {
    {
        std::lock_guard<std::mutex> lock(pool.mutex);
        pool.active = false;
        pool.active_flag.store(false, std::memory_order_release);
    }
    while (pool.busy_helpers.load(std::memory_order_acquire) > 0) std::this_thread::yield();
}

}  // namespace

bool scoring_begin(ScoreFunction fn, const void* ctx, size_t ctx_size, int threads) noexcept {
    unsigned cores = std::thread::hardware_concurrency();
    int helpers = std::min(threads, (int)std::max(cores, 1u)) - 1;
    Pool* pool = helpers > 0 ? the_pool() : nullptr;
    if (pool == nullptr) return false;
    stop_session(*pool);
    for (Slot& slot : pool->slots) slot.state.store(kEmpty, std::memory_order_relaxed);
    pool->head = pool->tail = 0;
    try {
        pool->ctx.assign((const char*)ctx, (const char*)ctx + ctx_size);
    } catch (...) {
        return false;
    }
    pool->fn = fn;
    std::unique_lock<std::mutex> lock(pool->mutex);
    ensure_helpers(*pool, helpers);
    if (pool->helper_count == 0) return false;
    pool->helpers_wanted = std::min(helpers, pool->helper_count);
    pool->active = true;
    pool->active_flag.store(true, std::memory_order_release);
    lock.unlock();
    pool->wake.notify_all();
    return true;
}

bool scoring_submit(const void* const* values, size_t n) noexcept {
    if (g_pool == nullptr || g_pool->head - g_pool->tail >= kSlots) return false;
    Pool& pool = *g_pool;
    Slot& slot = pool.slots[pool.head % kSlots];
    slot.n = std::min(n, kScoringJobCapacity);
    std::copy(values, values + slot.n, slot.values);
    slot.state.store(kReady, std::memory_order_release);
    pool.head++;
    return true;
}

size_t scoring_in_flight() noexcept {
    return g_pool ? (size_t)(g_pool->head - g_pool->tail) : 0;
}

size_t scoring_collect_oldest(double* keys_out) noexcept {
    if (g_pool == nullptr || g_pool->head == g_pool->tail) return 0;
    Pool& pool = *g_pool;
    Slot& slot = pool.slots[pool.tail % kSlots];
    // Score it here if no helper took it; while a helper finishes it, take
    // other ready jobs instead of waiting idle.
    while (slot.state.load(std::memory_order_acquire) != kDone) {
        int expected = kReady;
        if (slot.state.compare_exchange_strong(expected, kClaimed, std::memory_order_acq_rel))
            score_slot(pool, slot);
        else if (!take_one(pool))
            VECDB_CPU_RELAX();
    }
    size_t n = slot.n;
    std::copy(slot.keys, slot.keys + n, keys_out);
    slot.state.store(kEmpty, std::memory_order_relaxed);
    pool.tail++;
    return n;
}

void scoring_end() noexcept {
    if (g_pool && g_pool->active_flag.load(std::memory_order_acquire)) stop_session(*g_pool);
}

}  // namespace vecdb::core
