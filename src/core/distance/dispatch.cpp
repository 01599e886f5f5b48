// Chooses the kernel table for this CPU at run time.
#include "core/distance/kernels.h"

#include <cstdlib>
#include <cstring>

namespace vecdb::core {

// Defined in the SIMD files; each checks the CPU before handing out its table.
const DistanceKernels* avx2_kernels_if_supported();
const DistanceKernels* avx512_kernels_if_supported();

const DistanceKernels* kernels_for(KernelLevel level) noexcept {
    switch (level) {
        case KernelLevel::scalar: return &scalar_kernels();
        case KernelLevel::avx2: return avx2_kernels_if_supported();
        case KernelLevel::avx512: return avx512_kernels_if_supported();
    }
    return nullptr;
}

namespace {

// The highest level allowed by VECDB_KERNEL_LEVEL (scalar/avx2/avx512), so
// tests and benchmarks can pin a lower level; unset or unknown: no cap.
KernelLevel level_cap() {
    const char* cap = std::getenv("VECDB_KERNEL_LEVEL");
    if (cap == nullptr) return KernelLevel::avx512;
    if (std::strcmp(cap, "scalar") == 0) return KernelLevel::scalar;
    if (std::strcmp(cap, "avx2") == 0) return KernelLevel::avx2;
    return KernelLevel::avx512;
}

}  // namespace

const DistanceKernels& kernels() noexcept {
    static const DistanceKernels* best = [] {
        const KernelLevel cap = level_cap();
        if (cap >= KernelLevel::avx512)
            if (const DistanceKernels* k = avx512_kernels_if_supported()) return k;
        if (cap >= KernelLevel::avx2)
            if (const DistanceKernels* k = avx2_kernels_if_supported()) return k;
        return &scalar_kernels();
    }();
    return *best;
}

}  // namespace vecdb::core
