// The in-memory HNSW graph builder: every node inserted by a pool of C++
// threads that never call Postgres. The caller owns the values (n pointers,
// read-only while the build runs) and polls: start() returns at once,
// wait_for() sleeps until the build is done or a timeout passes, stop()
// makes the threads finish their current node and exit, so a cancelled
// CREATE INDEX stops within milliseconds.
//
// Layout follows the pages the graph is written to: a node's level-0 links
// (up to 2*m) and its upper-level links (up to m each) are fixed-size slots
// in two contiguous arenas. A node's lock word sits in front of its level-0
// slot, so taking the lock brings the links into cache with it. Values of
// one size are best given as one contiguous array (base + id * stride): a
// search then finds a neighbour's vector without loading a pointer first.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/hnsw/heap.h"

namespace vecdb::core::hnsw {

// Distance key between two stored values (smaller is nearer). Must be
// thread-safe and must not throw.
typedef float (*DistanceFunction)(const void* ctx, const void* a, const void* b);

// Where node i's value is: pointers[i], or base + i * stride when pointers is null.
struct ValueSource {
    const void* const* pointers = nullptr;
    const char* base = nullptr;
    size_t stride = 0;
    const void* at(uint32_t i) const noexcept { return pointers ? pointers[i] : base + (size_t)i * stride; }
};

struct BuildParams {
    int m = 16;                // links per node on upper levels (2*m on level 0)
    int ef_construction = 64;  // candidate list size while inserting
    uint64_t seed = 42;        // for the node levels
    int max_level = 15;        // levels are capped here (a node's links must fit a page)
    // Fill a new node's own list up to m with the nearest candidates the
    // diversity rule rejected. For inner product, which is not a metric, the
    // rule keeps very few links (mean level-0 degree ~4 of 32) and the graph's
    // quality then swings with the insertion order of the threads.
    bool fill_links = false;
};

class GraphBuilder {
public:
    // values[i] is node i's value; the array and the values must outlive the builder.
    GraphBuilder(const BuildParams& params, DistanceFunction distance, const void* ctx,
                 const void* const* values, size_t n);
    GraphBuilder(const BuildParams& params, DistanceFunction distance, const void* ctx, ValueSource values,
                 size_t n);
    ~GraphBuilder();
    GraphBuilder(const GraphBuilder&) = delete;
    GraphBuilder& operator=(const GraphBuilder&) = delete;

    // Bytes the graph of n nodes takes (links, levels, locks, per-thread
    // scratch), not counting the values: what maintenance_work_mem must cover.
    static size_t memory_estimate(size_t n, int m, int threads);

    // Starts `threads` threads (at least one) inserting every node.
    void start(int threads);
    // Waits up to timeout_ms; true when every thread has finished.
    bool wait_for(int timeout_ms);
    // Asks the threads to stop after their current node and joins them.
    void stop() noexcept;
    // Joins the threads (after wait_for returned true, or after stop()).
    void join() noexcept;
    // Nodes fully inserted so far.
    size_t inserted() const noexcept { return inserted_.load(std::memory_order_relaxed); }
    // Whether every node was inserted (false after stop() cut the build short).
    bool complete() const noexcept { return inserted() == n_; }
    // After the threads are joined: gives every level-0 node without an
    // incoming link one (pruning can drop a node's last one, leaving it
    // unreachable), never taking away another node's last incoming link.
    // Returns how many nodes it linked.
    size_t link_orphans();
    // After link_orphans: makes every node reachable over level-0 links
    // from the entry point (an in-link from an unreachable component is not
    // enough). A breadth-first walk marks what the entry reaches; each node
    // it missed gets a link from its nearest reached node, and whatever link
    // that node gave up for it is re-attached below the newcomer, so nothing
    // reached before is lost. Returns how many nodes it linked.
    size_t connect_unreachable();
    // Nodes reachable over level-0 links from the entry point.
    size_t reachable_count() const;

    // The finished graph.
    size_t size() const noexcept { return n_; }
    int m() const noexcept { return m_; }
    int level(uint32_t node) const noexcept { return levels_[node]; }
    int max_level() const noexcept { return max_level_; }
    uint32_t entry_point() const noexcept { return entry_; }
    // Links of a node at a level: count in *count, ids follow.
    const uint32_t* links(uint32_t node, int level, uint32_t* count) const noexcept;
    // Most links a node keeps at a level.
    uint32_t max_links(int level) const noexcept { return level == 0 ? 2 * m_ : m_; }

    // k nearest nodes to query (a value the distance function accepts),
    // searching level 0 with a list of ef; results ascending in out. For
    // tests and the standalone benchmark.
    size_t search(const void* query, size_t k, size_t ef, Scored* out) const;

private:
    struct Scratch;  // one thread's visited marks and heaps

    void run(Scratch* scratch);
    void insert(uint32_t node, Scratch* scratch);
    uint32_t greedy_descend(const void* query, uint32_t from, int from_level, int to_level, float* dist) const;
    size_t search_level(const void* query, uint32_t entry, float entry_dist, int level, size_t ef,
                        Scratch* scratch) const;
    void connect(uint32_t node, int level, const Scored* sorted, size_t n, Scratch* scratch);
    void add_back_link(uint32_t target, uint32_t node, float dist, int level, Scratch* scratch);
    void attach_reached(uint32_t parent, uint32_t node);
    size_t spread(uint32_t from, std::vector<uint8_t>& reached, std::vector<uint32_t>& queue) const;
    uint32_t* mutable_links(uint32_t node, int level) noexcept;
    float dist(uint32_t a, uint32_t b) const noexcept { return distance_(ctx_, values_.at(a), values_.at(b)); }
    void prefetch_value(uint32_t node) const noexcept;
    void lock(uint32_t node) const noexcept;
    void unlock(uint32_t node) const noexcept;

    size_t n_;
    int m_, ef_construction_;
    bool fill_links_;
    DistanceFunction distance_;
    const void* ctx_;
    ValueSource values_;
    size_t prefetch_lines_;
    std::vector<uint8_t> levels_;
    std::vector<uint32_t> level0_;       // n * (2 + 2m): lock word, count, then ids
    std::vector<uint64_t> upper_start_;  // where node i's upper links start in upper_
    std::vector<uint32_t> upper_;        // per node, per level >= 1: count, then m ids
    std::mutex entry_mutex_;  // guards entry_ and max_level_ changes
    std::atomic<uint32_t> entry_;
    std::atomic<int> max_level_;
    std::atomic<size_t> next_{0}, inserted_{0};
    std::atomic<bool> stop_{false};
    std::vector<std::thread> threads_;
    std::vector<std::unique_ptr<Scratch>> scratch_;
    std::mutex done_mutex_;
    std::condition_variable done_cv_;
    int running_ = 0;
};

}  // namespace vecdb::core::hnsw
