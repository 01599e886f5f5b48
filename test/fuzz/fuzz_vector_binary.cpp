// libFuzzer target for the binary form read by vector_recv (COPY BINARY,
// binary wire parameters): see fuzz_dense_binary.h for the properties.
#include <cmath>

#include "fuzz_dense_binary.h"

// Feeds one payload to the vector decoder.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    return fuzz_dense::run<float>(data, size, "vector", vecdb::core::decode_vector_binary,
                                  [](float x) { return std::isfinite(x); });
}
