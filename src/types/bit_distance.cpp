// Hamming and Jaccard distances on Postgres's built-in bit type, on the
// dispatched popcount kernels. Index AMs look these C symbols up by name.
#include "pg/pg.h"
#include "core/distance/kernels.h"

namespace {

// Raises 22000 unless both bit strings have the same number of bits.
void check_same_length(const VarBit* a, const VarBit* b) {
    if (VARBITLEN(a) != VARBITLEN(b))
        ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
                        errmsg("different bit lengths %d and %d", VARBITLEN(a), VARBITLEN(b))));
}

// How a bit string splits into whole bytes and the used high bits of a
// last partial byte. Postgres zeroes the padding bits, but we mask them
// anyway so a value built by any path can never miscount.
struct BitSpan {
    size_t full_bytes;
    uint8_t last_mask;  // 0 when the length is a multiple of 8
};

// Splits a bit length into whole bytes and the mask of the partial byte.
BitSpan span_of(const VarBit* v) {
    int bits = VARBITLEN(v);
    BitSpan s;
    s.full_bytes = static_cast<size_t>(bits / BITS_PER_BYTE);
    int rem = bits % BITS_PER_BYTE;
    // bit strings are stored first bit = most significant bit of each byte
    s.last_mask = rem == 0 ? 0 : static_cast<uint8_t>(0xffu << (BITS_PER_BYTE - rem));
    return s;
}

}  // namespace

// hamming_distance(bit, bit): the number of positions where the bits differ.
VECDB_FUNCTION(bit_hamming_distance) {
    VarBit* a = PG_GETARG_VARBIT_P(0);
    VarBit* b = PG_GETARG_VARBIT_P(1);
    check_same_length(a, b);
    const uint8_t* pa = VARBITS(a);
    const uint8_t* pb = VARBITS(b);
    BitSpan s = span_of(a);
    uint64_t count = vecdb::core::kernels().hamming(pa, pb, s.full_bytes);
    if (s.last_mask != 0)
        count += static_cast<uint64_t>(
            __builtin_popcount(static_cast<unsigned>((pa[s.full_bytes] ^ pb[s.full_bytes]) & s.last_mask)));
    PG_RETURN_FLOAT8(static_cast<double>(count));
}

// jaccard_distance(bit, bit): 1 - |a AND b| / |a OR b|, treating each bit
// string as the set of its 1 positions. Two strings with no 1 bits (empty
// strings included) are at distance 1, as in pgvector, so code moving from
// pgvector gets the same answers and orderings; 0/0 is never computed.
VECDB_FUNCTION(bit_jaccard_distance) {
    VarBit* a = PG_GETARG_VARBIT_P(0);
    VarBit* b = PG_GETARG_VARBIT_P(1);
    check_same_length(a, b);
    const uint8_t* pa = VARBITS(a);
    const uint8_t* pb = VARBITS(b);
    BitSpan s = span_of(a);
    uint64_t inter = 0, uni = 0;
    vecdb::core::kernels().and_or_popcount(pa, pb, s.full_bytes, &inter, &uni);
    if (s.last_mask != 0) {
        unsigned x = pa[s.full_bytes] & s.last_mask, y = pb[s.full_bytes] & s.last_mask;
        inter += static_cast<uint64_t>(__builtin_popcount(x & y));
        uni += static_cast<uint64_t>(__builtin_popcount(x | y));
    }
    if (uni == 0)
        PG_RETURN_FLOAT8(1.0);
    PG_RETURN_FLOAT8(1.0 - static_cast<double>(inter) / static_cast<double>(uni));
}
