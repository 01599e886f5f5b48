// Chooses the kernel table for this CPU at run time.
#include "core/distance/kernels.h"

namespace vecdb::core {

// Levels other than scalar are linked in by their own files when built.
const DistanceKernels* avx2_kernels_if_supported();
const DistanceKernels* avx512_kernels_if_supported();

const DistanceKernels* kernels_for(KernelLevel level) {
    switch (level) {
        case KernelLevel::scalar: return &scalar_kernels();
        case KernelLevel::avx2: return avx2_kernels_if_supported();
        case KernelLevel::avx512: return avx512_kernels_if_supported();
    }
    return nullptr;
}

const DistanceKernels& kernels() {
    static const DistanceKernels* best = [] {
        if (const DistanceKernels* k = avx512_kernels_if_supported()) return k;
        if (const DistanceKernels* k = avx2_kernels_if_supported()) return k;
        return &scalar_kernels();
    }();
    return *best;
}

}  // namespace vecdb::core
