// Batch selection with nth_element + sort: O(n) per batch, and batches grow
// geometrically, so a scan that needs k rows costs O(n + k log k).
#include "core/topk/batch_select.h"

#include <algorithm>

namespace vecdb::core {

size_t order_next_batch(ScoredItem* items, size_t begin, size_t end, size_t count) noexcept {
    if (begin >= end) return 0;
    size_t available = end - begin;
    if (count >= available) {
        std::sort(items + begin, items + end, scored_less);
        return available;
    }
    std::nth_element(items + begin, items + begin + count, items + end, scored_less);
    std::sort(items + begin, items + begin + count, scored_less);
    return count;
}

}  // namespace vecdb::core
