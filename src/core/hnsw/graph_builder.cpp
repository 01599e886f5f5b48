// The in-memory HNSW builder: parallel insertion with per-node spinlocks.
#include "core/hnsw/graph_builder.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>

#include "core/hnsw/select.h"

namespace vecdb::core::hnsw {

int random_level(double u, int m) noexcept {
    if (!(u > 0.0)) u = 1e-300;
    double level = -std::log(u) / std::log((double)std::max(m, 2));
    return level >= kMaxLevel ? kMaxLevel : (int)level;
}

// One thread's reusable search state: visited marks by epoch (no clearing
// between searches), the two heaps and the selection buffers.
struct GraphBuilder::Scratch {
    std::vector<uint32_t> visited;
    uint32_t epoch = 0;
    std::vector<Scored> candidates, results, sorted, pruned;
    std::vector<uint32_t> keep, prune_keep, links;

    Scratch(size_t n, size_t ef, size_t max_links)
        : visited(n, 0), candidates(), results(ef + 1), sorted(ef + 1), pruned(max_links + 1),
          keep(std::max(ef, max_links) + 1), prune_keep(max_links + 1), links(max_links + 1) {}

    // Starts a new search: every node becomes unvisited.
    void next_epoch() {
        if (++epoch == 0) {
            std::fill(visited.begin(), visited.end(), 0);
            epoch = 1;
        }
    }
};

// A ValueSource over an array of pointers.
static ValueSource pointer_source(const void* const* values) {
    ValueSource source;
    source.pointers = values;
    return source;
}

GraphBuilder::GraphBuilder(const BuildParams& params, DistanceFunction distance, const void* ctx,
                           const void* const* values, size_t n)
    : GraphBuilder(params, distance, ctx, pointer_source(values), n) {}

GraphBuilder::GraphBuilder(const BuildParams& params, DistanceFunction distance, const void* ctx, ValueSource values,
                           size_t n)
    : n_(n), m_(std::max(params.m, 2)), ef_construction_(std::max(params.ef_construction, 1)),
      fill_links_(params.fill_links),
      distance_(distance), ctx_(ctx), values_(values),
      prefetch_lines_(values.pointers ? 1 : std::min<size_t>((values.stride + 63) / 64, 8)), levels_(n),
      level0_(n * (2 + 2 * (size_t)m_), 0), upper_start_(n + 1), entry_(0), max_level_(-1) {
    std::mt19937_64 rng(params.seed);
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    uint64_t upper = 0;
    for (size_t i = 0; i < n; i++) {
        levels_[i] = (uint8_t)std::min(random_level(1.0 - uniform(rng), m_), std::max(params.max_level, 0));
        upper_start_[i] = upper;
        upper += (uint64_t)levels_[i] * (1 + (uint64_t)m_);
    }
    upper_start_[n] = upper;
    upper_.assign(upper, 0);
    if (n > 0) {
        // the first node is the graph until the threads add more
        max_level_ = levels_[0];
        next_ = 1;
        inserted_ = 1;
    }
}

GraphBuilder::~GraphBuilder() { stop(); }

size_t GraphBuilder::memory_estimate(size_t n, int m, int threads) {
    size_t per_node = 1 + sizeof(uint64_t) + (2 + 2 * (size_t)m) * sizeof(uint32_t);
    // upper levels: a node reaches level >= 1 with probability 1/m
    per_node += (1 + (size_t)m) * sizeof(uint32_t) / (size_t)std::max(m - 1, 1) + 1;
    size_t per_thread = n * sizeof(uint32_t) + 64 * 1024;
    return n * per_node + (size_t)std::max(threads, 1) * per_thread;
}

uint32_t* GraphBuilder::mutable_links(uint32_t node, int level) noexcept {
    if (level == 0) return &level0_[(size_t)node * (2 + 2 * (size_t)m_) + 1];
    return &upper_[upper_start_[node] + (size_t)(level - 1) * (1 + (size_t)m_)];
}

const uint32_t* GraphBuilder::links(uint32_t node, int level, uint32_t* count) const noexcept {
    const uint32_t* slot = const_cast<GraphBuilder*>(this)->mutable_links(node, level);
    *count = slot[0];
    return slot + 1;
}

void GraphBuilder::lock(uint32_t node) const noexcept {
    int spins = 0;
    uint32_t* word = const_cast<uint32_t*>(&level0_[(size_t)node * (2 + 2 * (size_t)m_)]);
    while (__atomic_exchange_n(word, 1u, __ATOMIC_ACQUIRE)) {
        if (++spins > 64) {
            std::this_thread::yield();
            spins = 0;
        }
    }
}

void GraphBuilder::unlock(uint32_t node) const noexcept {
    __atomic_store_n(const_cast<uint32_t*>(&level0_[(size_t)node * (2 + 2 * (size_t)m_)]), 0u, __ATOMIC_RELEASE);
}

// Starts loading the first lines of a node's value (a search is bound by
// memory latency, and the neighbours to score are known before the first
// distance is computed).
void GraphBuilder::prefetch_value(uint32_t node) const noexcept {
    const char* p = (const char*)values_.at(node);
    for (size_t line = 0; line < prefetch_lines_; line++) __builtin_prefetch(p + 64 * line);
}

void GraphBuilder::start(int threads) {
    threads = std::max(threads, 1);
    for (int i = 0; i < threads; i++)
        scratch_.emplace_back(new Scratch(n_, (size_t)ef_construction_, 2 * (size_t)m_));
    std::lock_guard<std::mutex> guard(done_mutex_);
    for (int i = 0; i < threads; i++) {
        threads_.emplace_back(&GraphBuilder::run, this, scratch_[i].get());
        running_++;
    }
}

void GraphBuilder::run(Scratch* scratch) {
    for (;;) {
        if (stop_.load(std::memory_order_relaxed)) break;
        size_t i = next_.fetch_add(1, std::memory_order_relaxed);
        if (i >= n_) break;
        insert((uint32_t)i, scratch);
        inserted_.fetch_add(1, std::memory_order_relaxed);
    }
    std::lock_guard<std::mutex> guard(done_mutex_);
    if (--running_ == 0) done_cv_.notify_all();
}

bool GraphBuilder::wait_for(int timeout_ms) {
    std::unique_lock<std::mutex> guard(done_mutex_);
    return done_cv_.wait_for(guard, std::chrono::milliseconds(timeout_ms), [this] { return running_ == 0; });
}

void GraphBuilder::stop() noexcept {
    stop_.store(true);
    join();
}

void GraphBuilder::join() noexcept {
    for (auto& t : threads_)
        if (t.joinable()) t.join();
    threads_.clear();
}

uint32_t GraphBuilder::greedy_descend(const void* query, uint32_t from, int from_level, int to_level,
                                      float* dist) const {
    uint32_t current = from;
    float best = *dist;
    std::vector<uint32_t> copy(m_ + 1);
    for (int level = from_level; level > to_level; level--) {
        bool moved = true;
        while (moved) {
            moved = false;
            lock(current);
            uint32_t count;
            const uint32_t* ids = links(current, level, &count);
            std::copy(ids, ids + count, copy.begin());
            unlock(current);
            for (uint32_t i = 0; i < count; i++) {
                float d = distance_(ctx_, query, values_.at(copy[i]));
                if (d < best) {
                    best = d;
                    current = copy[i];
                    moved = true;
                }
            }
        }
    }
    *dist = best;
    return current;
}

size_t GraphBuilder::search_level(const void* query, uint32_t entry, float entry_dist, int level, size_t ef,
                                  Scratch* s) const {
    s->next_epoch();
    s->candidates.clear();
    size_t nresults = 0;
    Scored* results = s->results.data();
    s->visited[entry] = s->epoch;
    s->candidates.push_back({entry_dist, entry});
    nresults = heap_push<FarthestFirst>(results, nresults, {entry_dist, entry});
    size_t ncand = 1;
    while (ncand > 0) {
        Scored nearest = s->candidates[0];
        if (nresults >= ef && nearest.dist > results[0].dist) break;
        ncand = heap_pop<NearestFirst>(s->candidates.data(), ncand);
        s->candidates.resize(ncand);
        // the next candidate's lock word and links, while this one is expanded
        if (ncand > 0) __builtin_prefetch(&level0_[(size_t)s->candidates[0].id * (2 + 2 * (size_t)m_)]);
        lock(nearest.id);
        uint32_t count;
        const uint32_t* ids = links(nearest.id, level, &count);
        std::copy(ids, ids + count, s->links.begin());
        unlock(nearest.id);
        for (uint32_t i = 0; i < count; i++) __builtin_prefetch(&s->visited[s->links[i]]);
        for (uint32_t i = 0; i < count; i++)
            if (s->visited[s->links[i]] != s->epoch) prefetch_value(s->links[i]);
        for (uint32_t i = 0; i < count; i++) {
            uint32_t id = s->links[i];
            if (s->visited[id] == s->epoch) continue;
            s->visited[id] = s->epoch;
            float d = distance_(ctx_, query, values_.at(id));
            if (nresults < ef || d < results[0].dist) {
                s->candidates.push_back({0, 0});
                ncand = heap_push<NearestFirst>(s->candidates.data(), ncand, {d, id});
                if (nresults == ef) nresults = heap_pop<FarthestFirst>(results, nresults);
                nresults = heap_push<FarthestFirst>(results, nresults, {d, id});
            }
        }
    }
    // results ascending into sorted
    size_t n = nresults;
    for (size_t i = n; i-- > 0;) {
        s->sorted[i] = results[0];
        nresults = heap_pop<FarthestFirst>(results, nresults);
    }
    return n;
}

void GraphBuilder::connect(uint32_t node, int level, const Scored* sorted, size_t n, Scratch* s) {
    size_t kept = select_neighbors(
        sorted, n, (size_t)m_, [&](size_t i, size_t j) { return dist(sorted[i].id, sorted[j].id); },
        s->keep.data(), fill_links_);
    // the node's own list first: threads that reach it through a back link see its links
    lock(node);
    uint32_t* slot = mutable_links(node, level);
    slot[0] = (uint32_t)kept;
    for (size_t k = 0; k < kept; k++) slot[1 + k] = sorted[s->keep[k]].id;
    unlock(node);
    // add_back_link prunes with its own buffers, so keep[] survives the loop
    for (size_t k = 0; k < kept; k++) {
        const Scored& neighbor = sorted[s->keep[k]];
        add_back_link(neighbor.id, node, neighbor.dist, level, s);
    }
}

void GraphBuilder::add_back_link(uint32_t target, uint32_t node, float d, int level, Scratch* s) {
    uint32_t max = max_links(level);
    lock(target);
    uint32_t* slot = mutable_links(target, level);
    uint32_t count = slot[0];
    for (uint32_t i = 0; i < count; i++)
        if (slot[1 + i] == node) {
            unlock(target);
            return;
        }
    if (count < max) {
        slot[1 + count] = node;
        slot[0] = count + 1;
        unlock(target);
        return;
    }
    // Full: choose the best diverse set among the current links and the new node.
    Scored* pruned = s->pruned.data();
    for (uint32_t i = 0; i < count; i++) pruned[i] = {dist(target, slot[1 + i]), slot[1 + i]};
    pruned[count] = {d, node};
    std::sort(pruned, pruned + count + 1, [](const Scored& a, const Scored& b) { return a.dist < b.dist; });
    uint32_t* keep_buf = s->prune_keep.data();
    size_t kept = select_neighbors(
        pruned, count + 1, max, [&](size_t i, size_t j) { return dist(pruned[i].id, pruned[j].id); }, keep_buf,
        fill_links_);
    for (size_t k = 0; k < kept; k++) slot[1 + k] = pruned[keep_buf[k]].id;
    slot[0] = (uint32_t)kept;
    unlock(target);
}

void GraphBuilder::insert(uint32_t node, Scratch* s) {
    int level = levels_[node];
    std::unique_lock<std::mutex> entry_guard(entry_mutex_, std::defer_lock);
    if (level > max_level_.load()) entry_guard.lock();
    // the top level is the entry's own: read apart from entry_, max_level_
    // could belong to a newer entry and send the descent past this one's levels
    uint32_t entry = entry_.load();
    int top = levels_[entry];
    const void* value = values_.at(node);
    float d = distance_(ctx_, value, values_.at(entry));
    entry = greedy_descend(value, entry, top, level, &d);
    for (int l = std::min(level, top); l >= 0; l--) {
        size_t found = search_level(value, entry, d, l, (size_t)ef_construction_, s);
        // a node never links to itself (it can be the entry when re-inserted)
        size_t w = 0;
        for (size_t i = 0; i < found; i++)
            if (s->sorted[i].id != node) s->sorted[w++] = s->sorted[i];
        if (w == 0) continue;
        entry = s->sorted[0].id;
        d = s->sorted[0].dist;
        connect(node, l, s->sorted.data(), w, s);
    }
    if (entry_guard.owns_lock() && level > max_level_.load()) {
        entry_.store(node);
        max_level_.store(level);
    }
}

size_t GraphBuilder::link_orphans() {
    if (n_ < 2) return 0;
    std::vector<uint32_t> indegree(n_, 0);
    for (uint32_t node = 0; node < n_; node++) {
        uint32_t count;
        const uint32_t* ids = links(node, 0, &count);
        for (uint32_t i = 0; i < count; i++) indegree[ids[i]]++;
    }
    size_t linked = 0;
    uint32_t entry = entry_.load();
    for (uint32_t orphan = 0; orphan < n_; orphan++) {
        if (indegree[orphan] > 0 || orphan == entry) continue;
        uint32_t count;
        const uint32_t* ids = links(orphan, 0, &count);
        // its own neighbours, nearest first, are the natural ones to point back
        std::vector<Scored> near(count);
        for (uint32_t i = 0; i < count; i++) near[i] = {dist(orphan, ids[i]), ids[i]};
        std::sort(near.begin(), near.end(), [](const Scored& a, const Scored& b) { return a.dist < b.dist; });
        for (const Scored& neighbor : near) {
            uint32_t* slot = mutable_links(neighbor.id, 0);
            if (slot[0] < max_links(0)) {
                slot[1 + slot[0]++] = orphan;
            } else {
                // replace its farthest link whose target keeps another incoming link
                int victim = -1;
                float farthest = -1;
                for (uint32_t i = 0; i < slot[0]; i++) {
                    uint32_t target = slot[1 + i];
                    if (indegree[target] < 2) continue;
                    float d = dist(neighbor.id, target);
                    if (d > farthest) {
                        farthest = d;
                        victim = (int)i;
                    }
                }
                if (victim < 0) continue;
                indegree[slot[1 + victim]]--;
                slot[1 + victim] = orphan;
            }
            indegree[orphan]++;
            linked++;
            break;
        }
    }
    return linked;
}

// Marks every node reachable over level 0 from `from` (itself included);
// returns how many it newly marked. queue is scratch space.
size_t GraphBuilder::spread(uint32_t from, std::vector<uint8_t>& reached, std::vector<uint32_t>& queue) const {
    if (reached[from]) return 0;
    queue.clear();
    queue.push_back(from);
    reached[from] = 1;
    for (size_t head = 0; head < queue.size(); head++) {
        uint32_t count;
        const uint32_t* ids = links(queue[head], 0, &count);
        for (uint32_t i = 0; i < count; i++)
            if (!reached[ids[i]]) {
                reached[ids[i]] = 1;
                queue.push_back(ids[i]);
            }
    }
    return queue.size();
}

size_t GraphBuilder::reachable_count() const {
    if (n_ == 0) return 0;
    std::vector<uint8_t> reached(n_, 0);
    std::vector<uint32_t> queue;
    return spread(entry_.load(), reached, queue);
}

// Links parent (reached) to node (not reached) at level 0. A full parent
// gives up its farthest link, whose target node then links to instead, so
// every path through parent still exists (through node). When node is full
// too it drops its own farthest link: nothing reached depends on a link out
// of an unreached node.
void GraphBuilder::attach_reached(uint32_t parent, uint32_t node) {
    uint32_t max = max_links(0);
    uint32_t* slot = mutable_links(parent, 0);
    uint32_t displaced = UINT32_MAX;
    if (slot[0] < max) {
        slot[1 + slot[0]++] = node;
    } else {
        uint32_t victim = 0;
        float farthest = -1;
        for (uint32_t i = 0; i < slot[0]; i++) {
            float d = dist(parent, slot[1 + i]);
            if (d > farthest) {
                farthest = d;
                victim = i;
            }
        }
        displaced = slot[1 + victim];
        slot[1 + victim] = node;
    }
    if (displaced == UINT32_MAX || displaced == node) return;
    uint32_t* own = mutable_links(node, 0);
    for (uint32_t i = 0; i < own[0]; i++)
        if (own[1 + i] == displaced) return;
    if (own[0] < max) {
        own[1 + own[0]++] = displaced;
        return;
    }
    uint32_t victim = 0;
    float farthest = -1;
    for (uint32_t i = 0; i < own[0]; i++) {
        float d = dist(node, own[1 + i]);
        if (d > farthest) {
            farthest = d;
            victim = i;
        }
    }
    own[1 + victim] = displaced;
}

size_t GraphBuilder::connect_unreachable() {
    if (n_ < 2) return 0;
    std::vector<uint8_t> reached(n_, 0);
    std::vector<uint32_t> queue;
    queue.reserve(n_);
    uint32_t entry = entry_.load();
    size_t nreached = spread(entry, reached, queue);
    if (nreached == n_) return 0;
    std::unique_ptr<Scratch> own;
    Scratch* s = scratch_.empty() ? nullptr : scratch_[0].get();
    if (s == nullptr) {
        own.reset(new Scratch(n_, (size_t)ef_construction_, 2 * (size_t)m_));
        s = own.get();
    }
    size_t linked = 0;
    for (uint32_t node = 0; node < n_ && nreached < n_; node++) {
        if (reached[node]) continue;
        // a level-0 search from the entry point only walks reached nodes:
        // its nearest result is the nearest reached node it found
        const void* value = values_.at(node);
        size_t found = search_level(value, entry, distance_(ctx_, value, values_.at(entry)), 0,
                                    (size_t)ef_construction_, s);
        uint32_t parent = entry;
        for (size_t i = 0; i < found; i++)
            if (reached[s->sorted[i].id] && s->sorted[i].id != node) {
                parent = s->sorted[i].id;
                break;
            }
        attach_reached(parent, node);
        nreached += spread(node, reached, queue);
        linked++;
    }
    return linked;
}

size_t GraphBuilder::search(const void* query, size_t k, size_t ef, Scored* out) const {
    if (n_ == 0) return 0;
    ef = std::max(ef, k);
    Scratch scratch(n_, ef, 2 * (size_t)m_);
    uint32_t entry = entry_.load();
    float d = distance_(ctx_, query, values_.at(entry));
    entry = greedy_descend(query, entry, levels_[entry], 0, &d);
    size_t found = search_level(query, entry, d, 0, ef, &scratch);
    size_t n = std::min(found, k);
    std::copy(scratch.sorted.begin(), scratch.sorted.begin() + n, out);
    return n;
}

}  // namespace vecdb::core::hnsw
