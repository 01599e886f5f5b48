// libFuzzer target for the sparsevec text parser: any input must either
// parse into a well-formed result or throw core::Error, never crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/parse/sparsevec_text.h"

using namespace vecdb::core;

// Checks the invariants every successful parse promises.
static void check_result(const SparseTextOut& out) {
    if (out.dim < 1 || out.dim > kSparseMaxDim || out.nnz < 0 || out.nnz > kSparseMaxNnz ||
        static_cast<size_t>(out.nnz) > out.capacity)
        std::abort();
    for (int32_t i = 0; i < out.nnz; i++) {
        if (out.indices[i] < 0 || out.indices[i] >= out.dim)
            std::abort();
        if (i > 0 && out.indices[i] <= out.indices[i - 1])
            std::abort();
        float v = out.values[i];
        if (v == 0.0f || v != v || v - v != 0.0f)  // zero, NaN, Inf
            std::abort();
    }
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // Postgres hands the parser a NUL-terminated C string
    std::string text(reinterpret_cast<const char*>(data), size);
    const char* literal = text.c_str();
    size_t capacity = sparsevec_text_capacity(literal);
    std::vector<int32_t> indices(capacity + 1);
    std::vector<float> values(capacity + 1);
    SparseTextOut out{indices.data(), values.data(), capacity, 0, 0};
    try {
        parse_sparsevec_text(literal, out);
    } catch (const Error& e) {
        if (e.kind() == ErrorKind::internal)
            std::abort();  // the capacity bound was wrong: a bug
        return 0;
    }
    check_result(out);
    return 0;
}
