// CPUID/XGETBV probing. We read the bits ourselves rather than rely on
// __builtin_cpu_supports so that GCC and clang (fuzz builds) agree and F16C
// plus the OS-enabled register state are checked explicitly.
#include "core/distance/cpu.h"

#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define VECDB_X86 1
#endif

namespace vecdb::core {
namespace {

#ifdef VECDB_X86
// Reads XCR0, the set of register states the OS saves on context switch.
// Inline asm keeps this file free of -mxsave.
uint64_t read_xcr0() {
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (static_cast<uint64_t>(hi) << 32) | lo;
}
#endif

// Probes the CPU once.
CpuFeatures probe() {
    CpuFeatures f{false, false, false, false};
#ifdef VECDB_X86
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx))
        return f;
    const bool fma = ecx & (1u << 12);
    const bool popcnt = ecx & (1u << 23);
    const bool osxsave = ecx & (1u << 27);
    const bool avx = ecx & (1u << 28);
    const bool f16c = ecx & (1u << 29);
    f.popcnt = popcnt;
    if (!osxsave || !avx)
        return f;
    const uint64_t xcr0 = read_xcr0();
    // XMM (bit 1) and YMM (bit 2) state must both be enabled for AVX.
    const bool ymm_state = (xcr0 & 0x6) == 0x6;
    // Opmask, ZMM0-15 upper halves and ZMM16-31 (bits 5,6,7) for AVX-512.
    const bool zmm_state = (xcr0 & 0xe6) == 0xe6;
    if (__get_cpuid_max(0, nullptr) < 7)
        return f;
    __cpuid_count(7, 0, eax, ebx, ecx, edx);
    const bool avx2 = ebx & (1u << 5);
    const bool avx512f = ebx & (1u << 16);
    const bool avx512dq = ebx & (1u << 17);
    const bool avx512bw = ebx & (1u << 30);
    const bool avx512vl = ebx & (1u << 31);
    const bool vpopcntdq = ecx & (1u << 14);
    f.avx2_level = ymm_state && avx2 && fma && f16c && popcnt;
    f.avx512_level = f.avx2_level && zmm_state && avx512f && avx512dq && avx512bw && avx512vl;
    f.avx512_vpopcntdq = f.avx512_level && vpopcntdq;
#endif
    return f;
}

}  // namespace

const CpuFeatures& cpu_features() noexcept {
    static const CpuFeatures features = probe();
    return features;
}

}  // namespace vecdb::core
