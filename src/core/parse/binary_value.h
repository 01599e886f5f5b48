// Decoders for the binary (COPY BINARY / wire) forms of vector, halfvec and
// sparsevec, the core of their receive functions. Plain C++ (no Postgres):
// every malformed payload throws core::Error, so the checks can be fuzzed
// without a backend. All integers and floats are big-endian on the wire.
//
// Each type is read in two steps so the glue can check the typmod and
// allocate the value between them: the header (which bounds how many bytes
// the rest takes), then the elements, written into caller-owned memory.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vecdb::core {

// Size of the binary headers: int16 dim + int16 unused; int32 dim, nnz, unused.
constexpr size_t kDenseBinaryHeader = 4;
constexpr size_t kSparseBinaryHeader = 12;

// Checks the header of a binary vector/halfvec payload of size bytes whose
// elements take element_size bytes: dim in 1..max_dim, unused 0, and enough
// bytes for dim elements. Returns dim. Errors are invalid_binary, worded
// with type_name ("vector").
int read_dense_binary_header(const uint8_t* data, size_t size, const char* type_name, int max_dim,
                             size_t element_size);

// Decodes the dim float4 elements after a checked header into out; a NaN or
// infinite element is invalid_binary. Returns the bytes consumed in all.
size_t decode_vector_binary(const uint8_t* data, int dim, float* out);

// Decodes the dim binary16 elements after a checked header into out (raw
// bits); NaN/Inf bits are invalid_binary. Returns the bytes consumed in all.
size_t decode_halfvec_binary(const uint8_t* data, int dim, uint16_t* out);

// The counts of a checked sparsevec header.
struct SparseBinaryHeader {
    int32_t dim;
    int32_t nnz;
};

// Checks a binary sparsevec header: dim in 1..kSparseMaxDim, nnz in
// 0..min(dim, kSparseMaxNnz), unused 0 and room for nnz entries.
SparseBinaryHeader read_sparsevec_binary_header(const uint8_t* data, size_t size);

// Decodes the nnz indices then nnz values after a checked header: indices
// strictly increasing inside 0..dim-1 and values non-zero (invalid_binary),
// values finite (data_exception, as in text input). Returns bytes consumed.
size_t decode_sparsevec_binary(const uint8_t* data, const SparseBinaryHeader& header, int32_t* indices,
                               float* values);

}  // namespace vecdb::core
