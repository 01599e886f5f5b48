// Helpers shared by the sparsevec SQL functions (glue only).
#pragma once

#include "types/sparsevec.h"
#include "core/distance/sparse.h"

// Raises 22000 unless typmod is -1 (unconstrained) or equals dim.
void sparsevec_check_typmod(int32 dim, int32 typmod);

// Raises 22000 when two sparsevec operands have different dimensions.
void sparsevec_check_same_dim(const SparseVector* a, const SparseVector* b);

// The entries of a sparsevec as a core view.
inline vecdb::core::SparseView sparsevec_view(const SparseVector* v) {
    return vecdb::core::SparseView{reinterpret_cast<const int32_t*>(v->indices),
                                   SPARSEVEC_VALUES(const_cast<SparseVector*>(v)),
                                   static_cast<size_t>(v->nnz)};
}
