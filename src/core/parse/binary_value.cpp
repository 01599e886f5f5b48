// Binary vector/halfvec/sparsevec decoding with every check of the receive
// functions; see binary_value.h.
#include "core/parse/binary_value.h"

#include <cmath>
#include <cstring>
#include <string>

#include "core/error.h"
#include "core/parse/sparsevec_text.h"

namespace vecdb::core {

namespace {

// Big-endian reads from an unaligned buffer.
uint16_t read_u16(const uint8_t* p) {
    return static_cast<uint16_t>((p[0] << 8) | p[1]);
}
uint32_t read_u32(const uint8_t* p) {
    return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}
int32_t read_i32(const uint8_t* p) {
    return static_cast<int32_t>(read_u32(p));
}
float read_f32(const uint8_t* p) {
    uint32_t bits = read_u32(p);
    float value;
    std::memcpy(&value, &bits, sizeof value);
    return value;
}

// Throws invalid_binary with the dense types' wording.
[[noreturn]] void bad_dense(const char* type_name, const std::string& problem) {
    fail(ErrorKind::invalid_binary, std::string("invalid binary data for type ") + type_name + ": " + problem);
}

// Throws invalid_binary with sparsevec's wording.
[[noreturn]] void bad_sparse(const std::string& problem) {
    fail(ErrorKind::invalid_binary, "invalid binary sparsevec: " + problem);
}

}  // namespace

int read_dense_binary_header(const uint8_t* data, size_t size, const char* type_name, int max_dim,
                             size_t element_size) {
    if (size < kDenseBinaryHeader)
        bad_dense(type_name, "header is truncated");
    int dim = static_cast<int16_t>(read_u16(data));
    int unused = static_cast<int16_t>(read_u16(data + 2));
    if (dim < 1 || dim > max_dim)
        bad_dense(type_name, "dimension count " + std::to_string(dim) + " is out of range 1.." +
                                 std::to_string(max_dim));
    if (unused != 0)
        bad_dense(type_name, "reserved header field is not zero");
    if (size - kDenseBinaryHeader < static_cast<size_t>(dim) * element_size)
        bad_dense(type_name, "elements are truncated");
    return dim;
}

size_t decode_vector_binary(const uint8_t* data, int dim, float* out) {
    const uint8_t* p = data + kDenseBinaryHeader;
    for (int i = 0; i < dim; i++, p += 4) {
        float value = read_f32(p);
        if (!std::isfinite(value))
            bad_dense("vector", "element is NaN or infinite");
        out[i] = value;
    }
    return kDenseBinaryHeader + static_cast<size_t>(dim) * 4;
}

size_t decode_halfvec_binary(const uint8_t* data, int dim, uint16_t* out) {
    const uint8_t* p = data + kDenseBinaryHeader;
    for (int i = 0; i < dim; i++, p += 2) {
        uint16_t bits = read_u16(p);
        if ((bits & 0x7c00u) == 0x7c00u)  // exponent all ones: Inf or NaN
            bad_dense("halfvec", "element is NaN or infinite");
        out[i] = bits;
    }
    return kDenseBinaryHeader + static_cast<size_t>(dim) * 2;
}

SparseBinaryHeader read_sparsevec_binary_header(const uint8_t* data, size_t size) {
    // Lengths first, so a short payload is reported like any other corruption.
    if (size < kSparseBinaryHeader)
        bad_sparse(std::to_string(size) + " bytes, the header alone takes 12");
    SparseBinaryHeader header{read_i32(data), read_i32(data + 4)};
    int32_t unused = read_i32(data + 8);
    if (header.dim < 1 || header.dim > kSparseMaxDim)
        bad_sparse("dimensions " + std::to_string(header.dim) + " out of range 1.." + std::to_string(kSparseMaxDim));
    if (header.nnz < 0 || header.nnz > kSparseMaxNnz || header.nnz > header.dim)
        bad_sparse(std::to_string(header.nnz) + " non-zero elements (must be 0.." + std::to_string(kSparseMaxNnz) +
                   " and at most the dimensions)");
    if (unused != 0)
        bad_sparse("unused field is " + std::to_string(unused) + ", must be 0");
    size_t rest = size - kSparseBinaryHeader;
    if (rest < static_cast<size_t>(header.nnz) * 8)
        bad_sparse(std::to_string(header.nnz) + " non-zero elements need " + std::to_string(header.nnz * 8) +
                   " bytes after the header, found " + std::to_string(rest));
    return header;
}

size_t decode_sparsevec_binary(const uint8_t* data, const SparseBinaryHeader& header, int32_t* indices,
                               float* values) {
    const uint8_t* p = data + kSparseBinaryHeader;
    for (int32_t i = 0; i < header.nnz; i++, p += 4) {
        int32_t index = read_i32(p);
        if (index < 0 || index >= header.dim)
            bad_sparse("index " + std::to_string(index) + " out of range for " + std::to_string(header.dim) +
                       " dimensions");
        if (i > 0 && index <= indices[i - 1])
            bad_sparse("indices must be strictly increasing");
        indices[i] = index;
    }
    for (int32_t i = 0; i < header.nnz; i++, p += 4) {
        float value = read_f32(p);
        // the same rule as text input: a well-formed NaN/Inf is a range error
        if (std::isnan(value))
            fail(ErrorKind::data_exception, "NaN not allowed in sparsevec");
        if (std::isinf(value))
            fail(ErrorKind::data_exception, "infinite value not allowed in sparsevec");
        if (value == 0.0f)
            bad_sparse("zero values must not be stored");
        values[i] = value;
    }
    return kSparseBinaryHeader + static_cast<size_t>(header.nnz) * 8;
}

}  // namespace vecdb::core
