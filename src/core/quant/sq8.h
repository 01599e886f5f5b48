// SQ8 scalar quantization, shared by every AM that stores 8-bit codes: each
// dimension i maps [offset_i, offset_i + 255·scale_i] onto the codes 0..255.
// Distances are asymmetric: the query stays float and is compared with the
// codes directly (no decoding), with a SIMD kernel chosen for this CPU.
//   L2:  Σ (q_i − offset_i − scale_i·c_i)²  =  Σ (a_i − scale_i·c_i)²,  a = q − offset
//   dot: Σ q_i (offset_i + scale_i·c_i)     =  bias + Σ w_i·c_i,        w = q·scale
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/distance/kernels.h"

namespace vecdb::core {

struct Sq8Kernels {
    const char* name;
    // Σ (a_i − scale_i·c_i)² over n dimensions.
    float (*l2_squared)(const float* a, const float* scale, const uint8_t* codes, size_t n);
    // Σ w_i·c_i over n dimensions.
    float (*dot)(const float* w, const uint8_t* codes, size_t n);
    // l2_squared allowed to stop early: bit for bit l2_squared's value when
    // it is <= bound, else a partial sum > bound (and <= the full value),
    // checked every kBoundedCheckEvery dimensions.
    float (*l2_squared_bounded)(const float* a, const float* scale, const uint8_t* codes, size_t n, float bound);
};

// The table for the level the distance kernels run at (VECDB_KERNEL_LEVEL honoured).
const Sq8Kernels& sq8_kernels();
// The table for one level, or nullptr when this CPU cannot run it.
const Sq8Kernels* sq8_kernels_for(KernelLevel level);

// Per-dimension ranges from n × dim row-major training points (a constant
// dimension gets a tiny nonzero scale so every code decodes to it).
void sq8_train(const float* points, size_t n, size_t dim, float* offset, float* scale);

// Codes of one vector; values outside the trained range are clamped.
void sq8_encode(const float* x, size_t dim, const float* offset, const float* scale, uint8_t* codes);

// The vector a code stands for.
void sq8_decode(const uint8_t* codes, size_t dim, const float* offset, const float* scale, float* out);

// Query-side arrays for L2 (a = q − offset) and dot (w = q·scale, bias = Σ q·offset).
void sq8_prepare_l2(const float* query, size_t dim, const float* offset, float* a);
float sq8_prepare_dot(const float* query, size_t dim, const float* offset, const float* scale, float* w);

}  // namespace vecdb::core
