// Chunked work on the caller's thread plus helpers (see chunk_runner.h).
#include "core/parallel/chunk_runner.h"

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace vecdb::core {

int usable_threads(int threads) {
    unsigned cores = std::max(std::thread::hardware_concurrency(), 1u);
    return std::max(1, std::min(threads, (int)cores));
}

bool run_chunks(size_t nchunks, int threads, const StopCheck& stop,
                const std::function<void(size_t chunk, int worker)>& fn) {
    std::atomic<size_t> next{0};
    std::atomic<bool> stopping{false};
    auto worker_loop = [&](int worker) {
        while (!stopping.load(std::memory_order_relaxed)) {
            size_t chunk = next.fetch_add(1, std::memory_order_relaxed);
            if (chunk >= nchunks) return;
            fn(chunk, worker);
        }
    };
    int wanted = std::min<int>(usable_threads(threads), (int)std::max<size_t>(nchunks, 1));
    std::vector<std::thread> helpers;
    helpers.reserve((size_t)wanted);
    // Helpers block every signal: Postgres's handlers must run on the backend's thread.
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    try {
        for (int w = 1; w < wanted; w++) helpers.emplace_back(worker_loop, w);
    } catch (...) {
        // fewer threads than asked: the ones we have do all the chunks
    }
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);

    bool stopped = false;
    for (;;) {
        if (stop()) {
            stopped = true;
            stopping.store(true, std::memory_order_relaxed);
            break;
        }
        size_t chunk = next.fetch_add(1, std::memory_order_relaxed);
        if (chunk >= nchunks) break;
        fn(chunk, 0);
    }
    for (std::thread& t : helpers) t.join();
    return !stopped;
}

}  // namespace vecdb::core
