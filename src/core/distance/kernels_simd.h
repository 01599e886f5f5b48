// The float/half distance algorithms shared by the AVX2 and AVX-512 kernel
// files, written once over a per-ISA traits struct. Each of those files
// defines its traits (vector type, lanes, loads, add/sub/fma/abs, horizontal
// sum) and instantiates these templates, so every instantiation is compiled
// with that file's own -m flags.
//
// Include this header ONLY from kernels_avx2.cpp and kernels_avx512.cpp.
// Everything here is in an anonymous namespace: each including file gets
// its own internal-linkage copy, so the linker can never merge an AVX-512
// instantiation into code that runs on an older CPU (as it may with the
// weak copies of an ordinary inline function).
//
// A traits struct Isa provides:
//   V                       the float vector type
//   lanes                   floats per V
//   zero()                  all-zero V
//   add(a, b), sub(a, b)    lane-wise a + b, a - b
//   fma(a, b, acc)          lane-wise a * b + acc
//   abs(a)                  lane-wise |a|
//   hsum(v)                 sum of v's lanes
//   load(p), load_tail(p, rem) for p of type const float* and
//       const uint16_t* (IEEE halves widened to float): lanes elements, or
//       the first rem (1..lanes-1) with zeros after and nothing past p+rem read
#pragma once

#if !defined(__AVX2__)
#error "kernels_simd.h is only for the SIMD kernel files, built with their -m flags"
#endif

#include <cstddef>
#include <cstdint>

#include "core/distance/kernels.h"

namespace vecdb::core {
namespace {

// acc += (a - b)^2
template <class Isa>
struct L2Step {
    // One lane-wise step of the squared L2 sum.
    static typename Isa::V step(typename Isa::V acc, typename Isa::V a, typename Isa::V b) {
        typename Isa::V d = Isa::sub(a, b);
        return Isa::fma(d, d, acc);
    }
};

// acc += a * b
template <class Isa>
struct DotStep {
    // One lane-wise step of the dot product.
    static typename Isa::V step(typename Isa::V acc, typename Isa::V a, typename Isa::V b) {
        return Isa::fma(a, b, acc);
    }
};

// acc += |a - b|
template <class Isa>
struct L1Step {
    // One lane-wise step of the L1 sum.
    static typename Isa::V step(typename Isa::V acc, typename Isa::V a, typename Isa::V b) {
        return Isa::add(acc, Isa::abs(Isa::sub(a, b)));
    }
};

// Four independent accumulators of one reduction over two arrays (they hide
// the FMA latency), and the steps both reduce() and reduce_bounded() take.
template <class Isa, template <class> class Op, class T>
struct Accumulators {
    using V = typename Isa::V;
    using Step = Op<Isa>;
    static constexpr size_t L = Isa::lanes;
    V s0 = Isa::zero(), s1 = Isa::zero(), s2 = Isa::zero(), s3 = Isa::zero();

    // Elements i .. i + 4L - 1, one per accumulator.
    void step4(const T* a, const T* b, size_t i) {
        s0 = Step::step(s0, Isa::load(a + i), Isa::load(b + i));
        s1 = Step::step(s1, Isa::load(a + i + L), Isa::load(b + i + L));
        s2 = Step::step(s2, Isa::load(a + i + 2 * L), Isa::load(b + i + 2 * L));
        s3 = Step::step(s3, Isa::load(a + i + 3 * L), Isa::load(b + i + 3 * L));
    }
    // The sum so far.
    float total() const { return Isa::hsum(Isa::add(Isa::add(s0, s1), Isa::add(s2, s3))); }
    // Elements i .. n - 1 (whole 4L steps, then single vectors, then a
    // zero-padded partial load: zeros add nothing to any of the sums), and
    // the total.
    float finish(const T* a, const T* b, size_t i, size_t n) {
        for (; i + 4 * L <= n; i += 4 * L) step4(a, b, i);
        for (; i + L <= n; i += L)
            s0 = Step::step(s0, Isa::load(a + i), Isa::load(b + i));
        if (i < n)
            s1 = Step::step(s1, Isa::load_tail(a + i, n - i), Isa::load_tail(b + i, n - i));
        return total();
    }
};

// One accumulated reduction over two arrays.
template <class Isa, template <class> class Op, class T>
float reduce(const T* a, const T* b, size_t n) {
    Accumulators<Isa, Op, T> acc;
    return acc.finish(a, b, 0, n);
}

// reduce() for a sum of non-negative terms that gives up once the partial
// sum passes bound. The accumulators see the same loads in the same order
// as in reduce(), so an unabandoned result is bit-identical; the partial
// sums are monotone (every term and every rounding step is), so an
// abandoned result is a lower bound of the full one.
template <class Isa, template <class> class Op, class T>
float reduce_bounded(const T* a, const T* b, size_t n, float bound) {
    constexpr size_t L = Isa::lanes;
    static_assert(kBoundedCheckEvery % (4 * L) == 0, "checks fall between unrolled steps");
    Accumulators<Isa, Op, T> acc;
    size_t i = 0;
    while (i + kBoundedCheckEvery <= n) {
        for (size_t end = i + kBoundedCheckEvery; i < end; i += 4 * L) acc.step4(a, b, i);
        if (i < n) {
            float partial = acc.total();
            if (partial > bound) return partial;
        }
    }
    return acc.finish(a, b, i, n);
}

// Dot product and both squared norms in one pass, two accumulators each.
template <class Isa, class T>
void cosine_parts(const T* a, const T* b, size_t n, float* dot, float* norm_a, float* norm_b) {
    using V = typename Isa::V;
    constexpr size_t L = Isa::lanes;
    V d0 = Isa::zero(), d1 = Isa::zero();
    V x0 = Isa::zero(), x1 = Isa::zero();
    V y0 = Isa::zero(), y1 = Isa::zero();
    size_t i = 0;
    for (; i + 2 * L <= n; i += 2 * L) {
        V va = Isa::load(a + i), vb = Isa::load(b + i);
        V wa = Isa::load(a + i + L), wb = Isa::load(b + i + L);
        d0 = Isa::fma(va, vb, d0);
        x0 = Isa::fma(va, va, x0);
        y0 = Isa::fma(vb, vb, y0);
        d1 = Isa::fma(wa, wb, d1);
        x1 = Isa::fma(wa, wa, x1);
        y1 = Isa::fma(wb, wb, y1);
    }
    if (i + L <= n) {
        V va = Isa::load(a + i), vb = Isa::load(b + i);
        d0 = Isa::fma(va, vb, d0);
        x0 = Isa::fma(va, va, x0);
        y0 = Isa::fma(vb, vb, y0);
        i += L;
    }
    if (i < n) {
        V va = Isa::load_tail(a + i, n - i), vb = Isa::load_tail(b + i, n - i);
        d1 = Isa::fma(va, vb, d1);
        x1 = Isa::fma(va, va, x1);
        y1 = Isa::fma(vb, vb, y1);
    }
    *dot = Isa::hsum(Isa::add(d0, d1));
    *norm_a = Isa::hsum(Isa::add(x0, x1));
    *norm_b = Isa::hsum(Isa::add(y0, y1));
}

using HammingFn = uint64_t (*)(const uint8_t*, const uint8_t*, size_t);
using AndOrPopcountFn = void (*)(const uint8_t*, const uint8_t*, size_t, uint64_t*, uint64_t*);

// A kernel table with Isa's float and half kernels and the given bit
// kernels. constexpr so the table is constant-initialized: a dynamic
// initializer in a SIMD file would run at load time on any CPU.
template <class Isa>
constexpr DistanceKernels simd_table(const char* name, KernelLevel level,
                                     HammingFn hamming, AndOrPopcountFn and_or_popcount) {
    return {
        name, level,
        reduce<Isa, L2Step, float>, reduce<Isa, DotStep, float>,
        reduce<Isa, L1Step, float>, cosine_parts<Isa, float>,
        reduce<Isa, L2Step, uint16_t>, reduce<Isa, DotStep, uint16_t>,
        reduce<Isa, L1Step, uint16_t>, cosine_parts<Isa, uint16_t>,
        reduce_bounded<Isa, L2Step, float>, reduce_bounded<Isa, L1Step, float>,
        reduce_bounded<Isa, L2Step, uint16_t>, reduce_bounded<Isa, L1Step, uint16_t>,
        hamming, and_or_popcount,
    };
}

}  // namespace
}  // namespace vecdb::core
