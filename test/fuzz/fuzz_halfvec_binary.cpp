// libFuzzer target for the binary form read by halfvec_recv: see
// fuzz_dense_binary.h for the properties.
#include "fuzz_dense_binary.h"

// Feeds one payload to the halfvec decoder.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    return fuzz_dense::run<uint16_t>(data, size, "halfvec", vecdb::core::decode_halfvec_binary,
                                     [](uint16_t h) { return (h & 0x7c00u) != 0x7c00u; });
}
