// Element-wise arithmetic, comparison and shaping written once for vector and
// halfvec: each operation is a template over a "kind" that says how to read
// an element as float and how to store a float back (with overflow checks).
#pragma once

#include <cmath>

#include "pg/pg.h"
#include "core/distance/half.h"
#include "types/dense_util.h"
#include "types/vector.h"

extern "C" {
#include "utils/varbit.h"
}

namespace vecdb::types {

// vector: float4 elements stored as they are.
struct VectorKind {
    using Value = Vector;
    using Elem = float;
    static constexpr const char* name = "vector";
    static constexpr int max_dim = VECTOR_MAX_DIM;
    static Value* make(int dim) { return new_vector(dim); }
    // Argument n of a V1 call, detoasted and checked.
    static Value* arg(FunctionCallInfo fcinfo, int n) { return PG_GETARG_VECTOR_P(n); }
    static float get(const Value* v, int i) { return v->x[i]; }
    // Stores an arithmetic result; infinity means the operation overflowed.
    static Elem put(float value) {
        check_overflow(value);
        return value;
    }
};

// halfvec: binary16 elements, computed in float and rounded back.
struct HalfvecKind {
    using Value = HalfVector;
    using Elem = uint16;
    static constexpr const char* name = "halfvec";
    static constexpr int max_dim = HALFVEC_MAX_DIM;
    static Value* make(int dim) { return new_halfvec(dim); }
    // Argument n of a V1 call, detoasted and checked.
    static Value* arg(FunctionCallInfo fcinfo, int n) { return PG_GETARG_HALFVEC_P(n); }
    static float get(const Value* v, int i) { return core::half_to_float(v->x[i]); }
    // Rounds a result to half; beyond +-65504 it overflowed.
    static Elem put(float value) {
        uint16 bits = core::float_to_half(value);
        if (half_is_special(bits))
            ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
                            errmsg("value out of range: overflow")));
        return bits;
    }
};

// Runs a distance over the elements of arguments 0 and 1 after checking their
// dimensions, freeing detoasted copies (index scans call this many times per
// context). The kernels never throw, so they are called without the guard.
template <typename K, typename F>
double dense_distance_of_args(FunctionCallInfo fcinfo, F distance) {
    typename K::Value* a = K::arg(fcinfo, 0);
    typename K::Value* b = K::arg(fcinfo, 1);
    check_same_dims(a->dim, b->dim);
    double result = distance(a->x, b->x, (size_t)a->dim);
    PG_FREE_IF_COPY(a, 0);
    PG_FREE_IF_COPY(b, 1);
    return result;
}

// a op b element by element, for + - *; dimensions must match.
template <typename K, typename Op>
typename K::Value* dense_elementwise(const typename K::Value* a, const typename K::Value* b, Op op) {
    check_same_dims(a->dim, b->dim);
    typename K::Value* result = K::make(a->dim);
    for (int i = 0; i < a->dim; i++)
        result->x[i] = K::put(op(K::get(a, i), K::get(b, i)));
    return result;
}

// a * b element by element. As in pgvector, a product that rounds to zero
// from two non-zero factors is an underflow error, not a silent 0.
template <typename K>
typename K::Value* dense_product(const typename K::Value* a, const typename K::Value* b) {
    check_same_dims(a->dim, b->dim);
    typename K::Value* result = K::make(a->dim);
    for (int i = 0; i < a->dim; i++) {
        float x = K::get(a, i), y = K::get(b, i);
        result->x[i] = K::put(x * y);
        if (K::get(result, i) == 0.0f && x != 0.0f && y != 0.0f)
            ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE), errmsg("value out of range: underflow")));
    }
    return result;
}

// a || b: the elements of a followed by those of b.
template <typename K>
typename K::Value* dense_concat(const typename K::Value* a, const typename K::Value* b) {
    check_dim_count((long)a->dim + b->dim, K::max_dim, K::name);
    typename K::Value* result = K::make(a->dim + b->dim);
    memcpy(result->x, a->x, sizeof(typename K::Elem) * a->dim);
    memcpy(result->x + a->dim, b->x, sizeof(typename K::Elem) * b->dim);
    return result;
}

// Btree order: element values first (like arrays), then the shorter one first.
template <typename K>
int dense_cmp(const typename K::Value* a, const typename K::Value* b) {
    int common = a->dim < b->dim ? a->dim : b->dim;
    for (int i = 0; i < common; i++) {
        float x = K::get(a, i), y = K::get(b, i);
        if (x < y)
            return -1;
        if (x > y)
            return 1;
    }
    return (a->dim > b->dim) - (a->dim < b->dim);
}

// Compares arguments 0 and 1 of a V1 call with dense_cmp, freeing detoasted
// copies (btree builds and sorts call this many times in one context).
template <typename K>
int dense_compare_args(FunctionCallInfo fcinfo) {
    typename K::Value* a = K::arg(fcinfo, 0);
    typename K::Value* b = K::arg(fcinfo, 1);
    int result = dense_cmp<K>(a, b);
    PG_FREE_IF_COPY(a, 0);
    PG_FREE_IF_COPY(b, 1);
    return result;
}

// Euclidean norm, summed in double precision.
template <typename K>
double dense_norm(const typename K::Value* v) {
    double sum = 0.0;
    for (int i = 0; i < v->dim; i++) {
        double x = K::get(v, i);
        sum += x * x;
    }
    return std::sqrt(sum);
}

// v scaled to unit length; the zero vector stays zero.
template <typename K>
typename K::Value* dense_l2_normalize(const typename K::Value* v) {
    double norm = dense_norm<K>(v);
    typename K::Value* result = K::make(v->dim);
    if (norm > 0.0)
        for (int i = 0; i < v->dim; i++)
            result->x[i] = K::put((float)(K::get(v, i) / norm));
    return result;
}

// bit(dim) with bit i set when element i is > 0.
template <typename K>
VarBit* dense_binary_quantize(const typename K::Value* v) {
    int dim = v->dim;
    Size size = VARBITTOTALLEN(dim);
    VarBit* result = (VarBit*)palloc0(size);
    SET_VARSIZE(result, size);
    VARBITLEN(result) = dim;
    bits8* bytes = VARBITS(result);
    for (int i = 0; i < dim; i++)
        if (K::get(v, i) > 0.0f)
            bytes[i / 8] |= (bits8)(0x80 >> (i % 8));
    return result;
}

// The elements at 1-based positions [start, start + count) that the value
// has, as pgvector does: the range is clipped to the vector, and only an
// empty result is an error (22000). Computed in 64 bits, so no start or
// count overflows.
template <typename K>
typename K::Value* dense_subvector(const typename K::Value* v, int32 start, int32 count) {
    int64 first = start < 1 ? 1 : (int64)start;
    int64 end = (int64)start + count;  // one past the last position wanted
    if (end > (int64)v->dim + 1) end = (int64)v->dim + 1;
    if (end <= first)
        ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION),
                        errmsg("%s must have at least 1 dimension", K::name),
                        errdetail("subvector(%d, %d) of a %s with %d dimensions selects no element.",
                                  start, count, K::name, v->dim)));
    int n = (int)(end - first);
    typename K::Value* result = K::make(n);
    memcpy(result->x, v->x + (first - 1), sizeof(typename K::Elem) * n);
    return result;
}

}  // namespace vecdb::types
