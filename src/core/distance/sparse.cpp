// Sparse distance kernels. Scalar merges: each step advances whichever list
// has the smaller index, so the cost is O(nnz_a + nnz_b). Sums run in index
// order, so results do not depend on the CPU.
#include "core/distance/sparse.h"

#include <cmath>

namespace vecdb::core {

float sparse_l2_squared(const SparseView& a, const SparseView& b) noexcept {
    float sum = 0.0f;
    size_t i = 0, j = 0;
    while (i < a.nnz && j < b.nnz) {
        if (a.indices[i] == b.indices[j]) {
            float d = a.values[i++] - b.values[j++];
            sum += d * d;
        } else if (a.indices[i] < b.indices[j]) {
            sum += a.values[i] * a.values[i];
            i++;
        } else {
            sum += b.values[j] * b.values[j];
            j++;
        }
    }
    for (; i < a.nnz; i++)
        sum += a.values[i] * a.values[i];
    for (; j < b.nnz; j++)
        sum += b.values[j] * b.values[j];
    return sum;
}

float sparse_dot(const SparseView& a, const SparseView& b) noexcept {
    float sum = 0.0f;
    size_t i = 0, j = 0;
    while (i < a.nnz && j < b.nnz) {
        if (a.indices[i] == b.indices[j])
            sum += a.values[i++] * b.values[j++];
        else if (a.indices[i] < b.indices[j])
            i++;
        else
            j++;
    }
    return sum;
}

float sparse_l1(const SparseView& a, const SparseView& b) noexcept {
    float sum = 0.0f;
    size_t i = 0, j = 0;
    while (i < a.nnz && j < b.nnz) {
        if (a.indices[i] == b.indices[j])
            sum += std::fabs(a.values[i++] - b.values[j++]);
        else if (a.indices[i] < b.indices[j])
            sum += std::fabs(a.values[i++]);
        else
            sum += std::fabs(b.values[j++]);
    }
    for (; i < a.nnz; i++)
        sum += std::fabs(a.values[i]);
    for (; j < b.nnz; j++)
        sum += std::fabs(b.values[j]);
    return sum;
}

void sparse_cosine_parts(const SparseView& a, const SparseView& b, float* dot, float* norm_a,
                         float* norm_b) noexcept {
    float na = 0.0f, nb = 0.0f;
    for (size_t i = 0; i < a.nnz; i++)
        na += a.values[i] * a.values[i];
    for (size_t j = 0; j < b.nnz; j++)
        nb += b.values[j] * b.values[j];
    *dot = sparse_dot(a, b);
    *norm_a = na;
    *norm_b = nb;
}

double sparse_norm(const SparseView& a) noexcept {
    double sum = 0.0;
    for (size_t i = 0; i < a.nnz; i++)
        sum += static_cast<double>(a.values[i]) * a.values[i];
    return std::sqrt(sum);
}

int sparse_compare(const SparseView& a, int32_t dim_a, const SparseView& b, int32_t dim_b) noexcept {
    // Walk the union of indices below the shared dimension; the first index
    // where the dense forms differ decides (a missing entry is 0).
    int32_t shared = dim_a < dim_b ? dim_a : dim_b;
    size_t i = 0, j = 0;
    for (;;) {
        bool more_a = i < a.nnz && a.indices[i] < shared;
        bool more_b = j < b.nnz && b.indices[j] < shared;
        if (!more_a && !more_b)
            break;
        float va, vb;
        if (more_a && (!more_b || a.indices[i] < b.indices[j])) {
            va = a.values[i++];
            vb = 0.0f;
        } else if (more_b && (!more_a || b.indices[j] < a.indices[i])) {
            va = 0.0f;
            vb = b.values[j++];
        } else {
            va = a.values[i++];
            vb = b.values[j++];
        }
        if (va < vb)
            return -1;
        if (va > vb)
            return 1;
    }
    if (dim_a != dim_b)
        return dim_a < dim_b ? -1 : 1;
    return 0;
}

}  // namespace vecdb::core
