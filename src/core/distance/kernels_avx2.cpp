// AVX2+FMA+F16C+POPCNT kernels (placeholder level: not built yet, so the
// dispatcher reports it unsupported and falls back to scalar).
#include "core/distance/kernels.h"

namespace vecdb::core {
const DistanceKernels* avx2_kernels_if_supported() { return nullptr; }
}  // namespace vecdb::core
