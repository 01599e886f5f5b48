// Neighbour selection of HNSW (Malkov & Yashunin, algorithm 4): walking the
// candidates nearest first, keep one only if it is nearer to the new node
// than to every neighbour already kept. The kept set spreads over
// directions instead of crowding one cluster, which is what keeps the graph
// navigable. Shared by the in-memory builder and the on-disk insert.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/hnsw/heap.h"

namespace vecdb::core::hnsw {

// Selects up to max_keep of `sorted` (ascending by dist to the new node) into
// keep[] (indices into sorted); returns how many. pair_dist(i, j) is the
// distance between candidates i and j. When the diverse pass keeps fewer
// than max_keep, the nearest discarded candidates fill the rest, so a node
// never ends with fewer links than it could have (better recall on
// clustered data, where the pure rule keeps very few).
template <typename PairDistance>
size_t select_neighbors(const Scored* sorted, size_t n, size_t max_keep, PairDistance&& pair_dist,
                        uint32_t* keep, bool fill_up) noexcept {
    if (n <= max_keep && !fill_up) {
        for (size_t i = 0; i < n; i++) keep[i] = (uint32_t)i;
        return n;
    }
    size_t kept = 0;
    for (size_t i = 0; i < n && kept < max_keep; i++) {
        bool diverse = true;
        for (size_t k = 0; k < kept; k++) {
            if (pair_dist(i, keep[k]) < sorted[i].dist) {
                diverse = false;
                break;
            }
        }
        if (diverse) keep[kept++] = (uint32_t)i;
    }
    if (fill_up && kept < max_keep) {
        // second pass: nearest of the rejected ones, keeping keep[] sorted by index
        size_t first_pass = kept;
        for (size_t i = 0; i < n && kept < max_keep; i++) {
            bool taken = false;
            for (size_t k = 0; k < first_pass; k++)
                if (keep[k] == i) { taken = true; break; }
            if (!taken) keep[kept++] = (uint32_t)i;
        }
    }
    return kept;
}

// The level of a new node from a uniform draw u in (0, 1]: -ln(u) * mL,
// with mL = 1 / ln(m), capped so a freak draw cannot make a huge tuple.
int random_level(double u, int m) noexcept;

// Highest level a node may get.
constexpr int kMaxLevel = 15;

}  // namespace vecdb::core::hnsw
