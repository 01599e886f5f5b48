// 64-bit POPCNT bit-string kernels. Only these functions are compiled for
// POPCNT (a function attribute, so the Makefile needs no extra rule and the
// file can sit in any build); nothing else here needs the instruction.
#include "core/distance/cpu_popcnt.h"

#include <cstring>

#define VECDB_POPCNT_TARGET __attribute__((target("popcnt")))

namespace vecdb::core {
namespace {

// Loads 8 bytes from any alignment.
VECDB_POPCNT_TARGET inline uint64_t load64(const uint8_t* p) {
    uint64_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

// Popcount of one word through the instruction (the builtin becomes POPCNT here).
VECDB_POPCNT_TARGET inline uint64_t pop(uint64_t v) {
    return static_cast<uint64_t>(__builtin_popcountll(v));
}

}  // namespace

VECDB_POPCNT_TARGET
uint64_t hamming_popcnt64(const uint8_t* a, const uint8_t* b, size_t nbytes) noexcept {
    // Four independent sums so the POPCNTs of one iteration can overlap.
    uint64_t c0 = 0, c1 = 0, c2 = 0, c3 = 0;
    size_t i = 0;
    for (; i + 32 <= nbytes; i += 32) {
        c0 += pop(load64(a + i) ^ load64(b + i));
        c1 += pop(load64(a + i + 8) ^ load64(b + i + 8));
        c2 += pop(load64(a + i + 16) ^ load64(b + i + 16));
        c3 += pop(load64(a + i + 24) ^ load64(b + i + 24));
    }
    for (; i + 8 <= nbytes; i += 8)
        c0 += pop(load64(a + i) ^ load64(b + i));
    for (; i < nbytes; i++)
        c1 += pop(static_cast<uint64_t>(a[i] ^ b[i]));
    return c0 + c1 + c2 + c3;
}

VECDB_POPCNT_TARGET
void and_or_popcount_popcnt64(const uint8_t* a, const uint8_t* b, size_t nbytes,
                              uint64_t* intersection, uint64_t* union_count) {
    uint64_t i0 = 0, i1 = 0, u0 = 0, u1 = 0;
    size_t i = 0;
    for (; i + 16 <= nbytes; i += 16) {
        uint64_t a0 = load64(a + i), b0 = load64(b + i);
        uint64_t a1 = load64(a + i + 8), b1 = load64(b + i + 8);
        i0 += pop(a0 & b0);
        u0 += pop(a0 | b0);
        i1 += pop(a1 & b1);
        u1 += pop(a1 | b1);
    }
    for (; i + 8 <= nbytes; i += 8) {
        uint64_t a0 = load64(a + i), b0 = load64(b + i);
        i0 += pop(a0 & b0);
        u0 += pop(a0 | b0);
    }
    for (; i < nbytes; i++) {
        i1 += pop(static_cast<uint64_t>(a[i] & b[i]));
        u1 += pop(static_cast<uint64_t>(a[i] | b[i]));
    }
    *intersection = i0 + i1;
    *union_count = u0 + u1;
}

}  // namespace vecdb::core
