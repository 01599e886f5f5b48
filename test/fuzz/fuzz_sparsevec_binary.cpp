// libFuzzer target for the binary form read by sparsevec_recv: a payload is
// rejected with invalid_binary (or data_exception for NaN/Inf values, as in
// text input), or accepted with in-range, strictly increasing indices and
// finite non-zero values whose send form is exactly the bytes consumed.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/error.h"
#include "core/parse/binary_value.h"
#include "core/parse/sparsevec_text.h"  // kSparseMaxDim, kSparseMaxNnz

namespace {

// Aborts with a message when a property does not hold (libFuzzer keeps the input).
void require(bool ok, const char* what) {
    if (ok)
        return;
    std::fprintf(stderr, "fuzz_sparsevec_binary: %s\n", what);
    std::abort();
}

// Appends v big-endian.
void put32(std::vector<uint8_t>& out, uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8)
        out.push_back(static_cast<uint8_t>(v >> shift));
}

}  // namespace

// Feeds one payload to the sparsevec decoder and checks what it returns.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace vecdb::core;
    // an exact-size heap copy, so ASan sees any read past the payload
    std::vector<uint8_t> payload(data, data + size);
    std::vector<uint8_t> empty(1);
    const uint8_t* bytes = size > 0 ? payload.data() : empty.data();

    SparseBinaryHeader header;
    try {
        header = read_sparsevec_binary_header(bytes, size);
    } catch (const Error& e) {
        require(e.kind() == ErrorKind::invalid_binary, "header error of an unexpected kind");
        return 0;
    }
    require(header.dim >= 1 && header.dim <= kSparseMaxDim, "accepted dimensions out of range");
    require(header.nnz >= 0 && header.nnz <= kSparseMaxNnz && header.nnz <= header.dim, "accepted bad nnz");
    require(size >= kSparseBinaryHeader + static_cast<size_t>(header.nnz) * 8, "accepted a short payload");

    std::vector<int32_t> indices(static_cast<size_t>(header.nnz));
    std::vector<float> values(static_cast<size_t>(header.nnz));
    size_t consumed;
    try {
        consumed = decode_sparsevec_binary(bytes, header, indices.data(), values.data());
    } catch (const Error& e) {
        require(e.kind() == ErrorKind::invalid_binary || e.kind() == ErrorKind::data_exception,
                "entry error of an unexpected kind");
        return 0;
    }
    require(consumed == kSparseBinaryHeader + static_cast<size_t>(header.nnz) * 8, "wrong byte count");
    std::vector<uint8_t> sent;
    put32(sent, static_cast<uint32_t>(header.dim));
    put32(sent, static_cast<uint32_t>(header.nnz));
    put32(sent, 0);
    for (int32_t i = 0; i < header.nnz; i++) {
        require(indices[i] >= 0 && indices[i] < header.dim, "accepted an index out of range");
        require(i == 0 || indices[i] > indices[i - 1], "accepted indices out of order");
        put32(sent, static_cast<uint32_t>(indices[i]));
    }
    for (int32_t i = 0; i < header.nnz; i++) {
        require(std::isfinite(values[i]) && values[i] != 0.0f, "accepted a zero, NaN or infinite value");
        uint32_t bits;
        std::memcpy(&bits, &values[i], sizeof bits);
        put32(sent, bits);
    }
    require(sent.size() == consumed && std::memcmp(sent.data(), bytes, consumed) == 0,
            "send form differs from the received bytes");
    return 0;
}
