// AVX-512 kernels (placeholder level: not built yet, so the
// dispatcher reports it unsupported and falls back to scalar).
#include "core/distance/kernels.h"

namespace vecdb::core {
const DistanceKernels* avx512_kernels_if_supported() { return nullptr; }
}  // namespace vecdb::core
