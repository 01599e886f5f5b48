// libFuzzer target for half.h: every 16-bit pattern must survive a round
// trip, every float must convert to its nearest half (ties to even), and the
// half kernels of every level this CPU runs must agree with exact sums.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/distance/half.h"
#include "core/distance/kernels.h"

namespace {

using vecdb::core::float_to_half;
using vecdb::core::half_to_float;

// Aborts with a message: libFuzzer then saves the input as a crash.
[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "fuzz_half: %s\n", what);
    std::abort();
}

bool is_nan_half(uint16_t h) { return ((h >> 10) & 0x1f) == 0x1f && (h & 0x3ff) != 0; }

// Checks one half pattern: decode then encode gives it back (NaN stays NaN).
void check_round_trip(uint16_t h) {
    float f = half_to_float(h);
    uint16_t back = float_to_half(f);
    if (is_nan_half(h)) {
        if (!std::isnan(f) || !is_nan_half(back)) fail("NaN half lost its NaN-ness");
    } else if (back != h) {
        fail("half round trip changed the bits");
    }
}

// Checks one float: the half it becomes is the nearest one, ties to even.
void check_nearest(float f) {
    uint16_t h = float_to_half(f);
    if (std::isnan(f)) {
        if (!is_nan_half(h)) fail("NaN float did not become a NaN half");
        return;
    }
    double exact = f, got = half_to_float(h);
    if (std::isinf(got)) {
        // overflow is right only from at least halfway past the largest half
        if (std::fabs(exact) < 65520.0) fail("finite float overflowed to Inf");
        return;
    }
    if ((h & 0x7fff) != 0x7bff) {  // the next half up (away from zero)
        double next = half_to_float(static_cast<uint16_t>(h + 1));
        double err = std::fabs(exact - got), err_next = std::fabs(exact - next);
        if (err_next < err || (err_next == err && (h & 1u))) fail("not the nearest half (upward)");
    } else if (std::fabs(exact) >= 65520.0) {
        fail("float beyond the half range did not become Inf");
    }
    if ((h & 0x7fff) != 0) {  // the next half down (towards zero)
        double prev = half_to_float(static_cast<uint16_t>(h - 1));
        double err = std::fabs(exact - got), err_prev = std::fabs(exact - prev);
        if (err_prev < err || (err_prev == err && (h & 1u))) fail("not the nearest half (downward)");
    }
}

// The half kernels of every level against sums in double on finite data.
void check_kernels(const uint16_t* a, const uint16_t* b, size_t n) {
    double l2 = 0, dot = 0, dot_mag = 0, l1 = 0;
    for (size_t i = 0; i < n; i++) {
        double x = half_to_float(a[i]), y = half_to_float(b[i]);
        l2 += (x - y) * (x - y);
        dot += x * y;
        dot_mag += std::fabs(x * y);
        l1 += std::fabs(x - y);
    }
    for (auto level : {vecdb::core::KernelLevel::scalar, vecdb::core::KernelLevel::avx2,
                       vecdb::core::KernelLevel::avx512}) {
        const vecdb::core::DistanceKernels* k = vecdb::core::kernels_for(level);
        if (k == nullptr) continue;
        if (std::fabs(k->l2_squared_f16(a, b, n) - l2) > 1e-5 * l2 + 1e-30) fail("l2_squared_f16 disagrees");
        if (std::fabs(k->dot_f16(a, b, n) - dot) > 1e-5 * dot_mag + 1e-30) fail("dot_f16 disagrees");
        if (std::fabs(k->l1_f16(a, b, n) - l1) > 1e-5 * l1 + 1e-30) fail("l1_f16 disagrees");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // The input as half patterns and as float bit patterns.
    const size_t halves = size / 2;
    std::vector<uint16_t> h(halves);
    if (halves) std::memcpy(h.data(), data, halves * 2);
    for (uint16_t v : h) check_round_trip(v);
    for (size_t i = 0; i + 4 <= size; i += 4) {
        float f;
        std::memcpy(&f, data + i, sizeof f);
        check_nearest(f);
    }
    // Two equal-length finite half vectors from the input, for the kernels;
    // exact-size heap copies so ASan sees any read past their end.
    const size_t n = halves / 2;
    std::vector<uint16_t> a(h.begin(), h.begin() + static_cast<std::ptrdiff_t>(n));
    std::vector<uint16_t> b(h.begin() + static_cast<std::ptrdiff_t>(n), h.begin() + static_cast<std::ptrdiff_t>(2 * n));
    for (auto* v : {&a, &b})
        for (uint16_t& x : *v)
            if (((x >> 10) & 0x1f) == 0x1f) x = 0;  // Inf/NaN: no exact sum to compare with
    check_kernels(a.data(), b.data(), n);
    return 0;
}
