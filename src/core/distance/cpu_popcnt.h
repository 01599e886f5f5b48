// Bit-string kernels on the scalar 64-bit POPCNT instruction. Used by the
// AVX-512 table on CPUs without AVX512_VPOPCNTDQ; callers must check
// cpu_features().popcnt first.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vecdb::core {

// popcount(a ^ b) over nbytes bytes.
uint64_t hamming_popcnt64(const uint8_t* a, const uint8_t* b, size_t nbytes) noexcept;

// popcount(a & b) and popcount(a | b) over nbytes bytes.
void and_or_popcount_popcnt64(const uint8_t* a, const uint8_t* b, size_t nbytes,
                              uint64_t* intersection, uint64_t* union_count);

}  // namespace vecdb::core
