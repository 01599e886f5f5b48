// Binary heaps of (distance, id) pairs over caller-owned contiguous arrays:
// the candidate and result sets of an HNSW search. No allocation, no
// exceptions, so glue code can keep the arrays in Postgres memory and the
// graph builder in its own per-thread buffers.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vecdb::core::hnsw {

// One scored graph node: its distance key to the query and its id (a node
// number in the builder, a slot in the scan's node table in glue).
struct Scored {
    float dist;
    uint32_t id;
};

// Orders a min-heap (nearest on top) or a max-heap (farthest on top).
struct NearestFirst {
    static bool above(const Scored& a, const Scored& b) noexcept { return a.dist < b.dist; }
};
struct FarthestFirst {
    static bool above(const Scored& a, const Scored& b) noexcept { return a.dist > b.dist; }
};

// Adds item to heap[0..size) (capacity is the caller's business); returns the new size.
template <typename Order>
inline size_t heap_push(Scored* heap, size_t size, Scored item) noexcept {
    size_t i = size;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!Order::above(item, heap[parent])) break;
        heap[i] = heap[parent];
        i = parent;
    }
    heap[i] = item;
    return size + 1;
}

// Removes the top of a non-empty heap; returns the new size.
template <typename Order>
inline size_t heap_pop(Scored* heap, size_t size) noexcept {
    size_t n = size - 1;
    Scored last = heap[n];
    size_t i = 0;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= n) break;
        if (child + 1 < n && Order::above(heap[child + 1], heap[child])) child++;
        if (!Order::above(heap[child], last)) break;
        heap[i] = heap[child];
        i = child;
    }
    if (n > 0) heap[i] = last;
    return n;
}

}  // namespace vecdb::core::hnsw
