// Shared body of the vector and halfvec binary-receive fuzz targets: the
// decoders behind vector_recv / halfvec_recv (src/core/parse/binary_value.h)
// must either reject a payload with invalid_binary or accept exactly the
// bytes they consumed, which the send form reproduces bit for bit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/error.h"
#include "core/parse/binary_value.h"

namespace fuzz_dense {

// Aborts with a message: libFuzzer then saves the input as a crash.
[[noreturn]] inline void violated(const char* what) {
    std::fprintf(stderr, "dense binary fuzz: %s\n", what);
    std::abort();
}

// Stops the run when a property does not hold.
inline void require(bool ok, const char* what) {
    if (!ok)
        violated(what);
}

// Runs one payload through header + element decoding of one dense type.
// Elem is float (vector) or uint16_t (halfvec); decode is the element step;
// finite says whether a decoded element is a legal value.
template <typename Elem, typename Decode, typename Finite>
int run(const uint8_t* data, size_t size, const char* type_name, Decode decode, Finite finite) {
    using namespace vecdb::core;
    constexpr int kMaxDim = 16000;  // VECTOR_MAX_DIM / HALFVEC_MAX_DIM
    // an exact-size heap copy, so ASan sees any read past the payload
    std::vector<uint8_t> payload(data, data + size);
    const uint8_t* bytes = payload.empty() ? nullptr : payload.data();
    std::vector<uint8_t> empty(1);
    if (bytes == nullptr)
        bytes = empty.data();  // a valid pointer to zero readable payload bytes

    int dim;
    try {
        dim = read_dense_binary_header(bytes, size, type_name, kMaxDim, sizeof(Elem));
    } catch (const Error& e) {
        require(e.kind() == ErrorKind::invalid_binary, "header error of an unexpected kind");
        return 0;
    }
    require(dim >= 1 && dim <= kMaxDim, "accepted dimension count out of range");
    require(size >= kDenseBinaryHeader + static_cast<size_t>(dim) * sizeof(Elem), "accepted a short payload");

    std::vector<Elem> out(static_cast<size_t>(dim));
    size_t consumed;
    try {
        consumed = decode(bytes, dim, out.data());
    } catch (const Error& e) {
        require(e.kind() == ErrorKind::invalid_binary, "element error of an unexpected kind");
        return 0;
    }
    require(consumed == kDenseBinaryHeader + static_cast<size_t>(dim) * sizeof(Elem), "wrong byte count");
    // the send form: header as received (unused is 0), then each element big-endian
    std::vector<uint8_t> sent(consumed);
    sent[0] = static_cast<uint8_t>(dim >> 8);
    sent[1] = static_cast<uint8_t>(dim);
    for (int i = 0; i < dim; i++) {
        require(finite(out[i]), "accepted a NaN or infinite element");
        uint32_t bits = 0;
        std::memcpy(&bits, &out[i], sizeof(Elem));
        for (size_t b = 0; b < sizeof(Elem); b++)
            sent[kDenseBinaryHeader + i * sizeof(Elem) + b] =
                static_cast<uint8_t>(bits >> (8 * (sizeof(Elem) - 1 - b)));
    }
    require(std::memcmp(sent.data(), bytes, consumed) == 0, "send form differs from the received bytes");
    return 0;
}

}  // namespace fuzz_dense
