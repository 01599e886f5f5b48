// Distance kernels for sparse vectors: a merge over two sorted index lists.
// Indices must be strictly increasing; values are float32.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vecdb::core {

// A read-only view of one sparse vector's entries.
struct SparseView {
    const int32_t* indices;
    const float* values;
    size_t nnz;
};

// Sum of squared differences; an index missing on one side counts as 0.
float sparse_l2_squared(const SparseView& a, const SparseView& b) noexcept;

// Sum of products over the indices both vectors share.
float sparse_dot(const SparseView& a, const SparseView& b) noexcept;

// Sum of absolute differences; an index missing on one side counts as 0.
float sparse_l1(const SparseView& a, const SparseView& b) noexcept;

// Dot product and both squared norms, for cosine distance
// (combine with cosine_from_parts from kernels.h).
void sparse_cosine_parts(const SparseView& a, const SparseView& b, float* dot, float* norm_a,
                         float* norm_b) noexcept;

// Euclidean norm, accumulated in double.
double sparse_norm(const SparseView& a) noexcept;

// Total order used by the btree opclass: the vectors compared as dense
// arrays, element by element over the shared dimensions, then by dimension.
// Returns -1, 0 or 1.
int sparse_compare(const SparseView& a, int32_t dim_a, const SparseView& b, int32_t dim_b) noexcept;

}  // namespace vecdb::core
