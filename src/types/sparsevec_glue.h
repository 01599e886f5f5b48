// Helpers shared by the sparsevec SQL functions (glue only).
#pragma once

#include "types/sparsevec.h"
#include "core/distance/sparse.h"

// Raises 22000 when two sparsevec operands have different dimensions.
void sparsevec_check_same_dim(const SparseVector* a, const SparseVector* b);

// The entries of a sparsevec as a core view.
inline vecdb::core::SparseView sparsevec_view(const SparseVector* v) {
    return vecdb::core::SparseView{reinterpret_cast<const int32_t*>(v->indices),
                                   SPARSEVEC_VALUES(const_cast<SparseVector*>(v)),
                                   static_cast<size_t>(v->nnz)};
}

// Runs a distance over the entries of sparsevec arguments 0 and 1 after
// checking their dimensions, freeing detoasted copies (index scans call this
// many times per context).
template <typename F>
double sparse_distance_of_args(FunctionCallInfo fcinfo, F distance) {
    SparseVector* a = PG_GETARG_SPARSEVEC_P(0);
    SparseVector* b = PG_GETARG_SPARSEVEC_P(1);
    sparsevec_check_same_dim(a, b);
    double result = distance(sparsevec_view(a), sparsevec_view(b));
    PG_FREE_IF_COPY(a, 0);
    PG_FREE_IF_COPY(b, 1);
    return result;
}
