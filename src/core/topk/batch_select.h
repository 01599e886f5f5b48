// Ordered delivery of scored index entries in growing batches: the scan
// computes every distance once, then hands out the nearest entries batch by
// batch, so a filter that rejects rows costs another batch, not a rescan.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vecdb::core {

// One candidate: its ordering key and where it lives (opaque to core).
struct ScoredItem {
    double key;
    uint32_t block;   // heap block of the row
    uint16_t offset;  // heap line pointer of the row
    uint16_t spare;
};
static_assert(sizeof(ScoredItem) == 16, "ScoredItem must stay 16 bytes");

// Strict weak order: key (NaN after every number, as Postgres sorts float8),
// then location, so results are deterministic.
inline bool scored_less(const ScoredItem& a, const ScoredItem& b) {
    bool a_nan = a.key != a.key, b_nan = b.key != b.key;
    if (a_nan != b_nan) return b_nan;
    if (!a_nan && a.key != b.key) return a.key < b.key;
    if (a.block != b.block) return a.block < b.block;
    return a.offset < b.offset;
}

// Moves the `count` smallest of items[begin, end) to the front of that range
// in ascending order; the rest stay after them, unordered. Returns how many
// were ordered (count, or fewer at the end of the range). No allocation.
size_t order_next_batch(ScoredItem* items, size_t begin, size_t end, size_t count) noexcept;

}  // namespace vecdb::core
