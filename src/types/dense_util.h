// Checks and helpers shared by the vector and halfvec glue (header-only).
#pragma once

#include <cmath>

#include "pg/pg.h"
#include "types/vector.h"

extern "C" {
#include "common/shortest_dec.h"
}

namespace vecdb::types {

// Raises 22000 unless two operands have the same number of dimensions.
inline void check_same_dims(int a, int b) {
    if (a != b)
        ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
                        errmsg("different vector dimensions %d and %d", a, b)));
}

// Raises 22000 when a column's typmod asks for another dimension count
// (every type: vector, halfvec and sparsevec).
inline void check_expected_dims(int dim, int32 typmod) {
    if (typmod != -1 && dim != typmod)
        ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
                        errmsg("expected %d dimensions, not %d", typmod, dim)));
}

// Raises 22000 for an empty result and 54000 for one over max_dim dimensions.
inline void check_dim_count(long dim, int max_dim, const char* type_name) {
    if (dim < 1)
        ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
                        errmsg("%s must have at least 1 dimension", type_name)));
    if (dim > max_dim)
        ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                        errmsg("%s cannot have more than %d dimensions", type_name, max_dim)));
}

// Raises 22003 when arithmetic overflowed a float element to infinity.
inline void check_overflow(float value) {
    if (std::isinf(value))
        ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
                        errmsg("value out of range: overflow")));
}

// True when half bits hold Inf or NaN (exponent all ones).
inline bool half_is_special(uint16 bits) {
    return (bits & 0x7c00u) == 0x7c00u;
}

// Parses the single dimension modifier of vector(n) / halfvec(n).
int32 dense_typmod_in(ArrayType* modifiers, const char* type_name, int max_dim);

// Prints a dimension typmod as "(n)", or "" when there is none.
char* dense_typmod_out(int32 typmod);

// Writes "[a,b,...]" for n floats in shortest round-trip form.
char* format_float_list(const float* values, int n);

}  // namespace vecdb::types
