// Run-time CPU feature checks for choosing a kernel level. Compiled without
// any -m flag so it is safe to call on every x86-64 CPU.
#pragma once

namespace vecdb::core {

// What this CPU and its operating system let us run (checked once).
struct CpuFeatures {
    bool avx2_level;     // AVX2 + FMA + F16C + POPCNT, YMM state enabled by the OS
    bool avx512_level;   // AVX-512 F/BW/VL/DQ on top of avx2_level, ZMM state enabled
    bool avx512_vpopcntdq;  // AVX512_VPOPCNTDQ (vector 64-bit popcount)
    bool popcnt;         // the scalar POPCNT instruction
};

// The features of the CPU we run on; cheap after the first call.
const CpuFeatures& cpu_features() noexcept;

}  // namespace vecdb::core
