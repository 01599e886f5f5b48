// libFuzzer target for the "[1,2,3]" parser behind vector_in and halfvec_in.
// Any input must either parse into finite elements or throw core::Error;
// a crash, sanitizer report or broken invariant (trap) is a bug.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/distance/half.h"
#include "core/error.h"
#include "core/parse/float_list.h"

namespace {

// Dimension limit of vector and halfvec (VECTOR_MAX_DIM in src/types/vector.h).
constexpr size_t kMaxDims = 16000;

// Stops the run when an invariant does not hold.
void require(bool ok) {
    if (!ok)
        __builtin_trap();
}

}  // namespace

// Feeds one input (as a NUL-terminated string, like a cstring from Postgres)
// to both parsers and checks what they return.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace vecdb::core;
    std::string text(reinterpret_cast<const char*>(data), size);
    const char* input = text.c_str();
    size_t capacity = float_list_capacity(input, kMaxDims);
    require(capacity >= 1 && capacity <= kMaxDims);

    std::vector<float> floats(capacity);
    size_t float_count = 0;
    bool float_ok = false;
    try {
        float_count = parse_float_list(input, floats.data(), capacity, "vector");
        float_ok = true;
        require(float_count >= 1 && float_count <= capacity);
        for (size_t i = 0; i < float_count; i++)
            require(std::isfinite(floats[i]));
    } catch (const Error&) {
    }

    std::vector<uint16_t> halves(capacity);
    try {
        size_t half_count = parse_half_list(input, halves.data(), capacity, "halfvec");
        // whatever halfvec accepts, vector accepts too, with the same elements
        require(float_ok && half_count == float_count);
        for (size_t i = 0; i < half_count; i++) {
            require((halves[i] & 0x7c00u) != 0x7c00u);
            require(halves[i] == float_to_half(floats[i]));
        }
    } catch (const Error&) {
    }
    return 0;
}
