// Parser for the sparsevec text form `{1:1.5,3:2}/5` (pure C++, throws
// core::Error). Indices are 1-based in text and 0-based in the result.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vecdb::core {

// Limits of the sparsevec type (mirrors SPARSEVEC_MAX_* in types/sparsevec.h).
constexpr int64_t kSparseMaxDim = 1000000000;
constexpr int32_t kSparseMaxNnz = 16000;

// Where the parser writes its result: caller-owned buffers of `capacity`
// entries (see sparsevec_text_capacity) so glue can palloc them up front.
struct SparseTextOut {
    int32_t* indices;  // 0-based, strictly increasing
    float* values;     // never zero, never NaN/Inf
    size_t capacity;
    int32_t dim;
    int32_t nnz;
};

// An upper bound on the entries a literal can yield (its ':' count, capped
// at kSparseMaxNnz): enough room for parse_sparsevec_text to succeed.
size_t sparsevec_text_capacity(const char* text) noexcept;

// Parses a NUL-terminated literal. Entries may come in any order: they are
// sorted by index; duplicate indices are an error even when a value is zero;
// zero values are dropped. Errors: invalid_text (malformed, duplicates),
// data_exception (NaN/Inf, float overflow, index out of 1..dim),
// dimension_mismatch (dim < 1), limit_exceeded (dim > 1e9, nnz > 16000).
void parse_sparsevec_text(const char* text, SparseTextOut& out);

}  // namespace vecdb::core
