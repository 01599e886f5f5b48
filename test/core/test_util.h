// Helpers shared by the core unit tests: random data, buffers that end at an
// unreadable page (so any read past the end crashes the test), and the list
// of kernel levels this CPU can run.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <stdexcept>
#include <vector>

#include "core/distance/kernels.h"

namespace vecdb::test {

// Vector lengths every kernel is checked at: all small sizes (every tail
// shape), common embedding sizes, odd tails around them and the maximum.
inline std::vector<size_t> test_lengths() {
    std::vector<size_t> lengths;
    for (size_t n = 0; n <= 100; n++) lengths.push_back(n);
    for (size_t n : {127, 128, 129, 255, 256, 257, 383, 384, 511, 767, 768, 769, 1023, 1024,
                     1535, 1536, 1537, 3072, 4095, 15999, 16000})
        lengths.push_back(n);
    return lengths;
}

// n elements of T placed so the last one ends exactly where a PROT_NONE page
// begins: a kernel that reads even one byte too far gets SIGSEGV.
template <typename T>
class GuardedArray {
public:
    explicit GuardedArray(size_t n) : n_(n) {
        const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
        const size_t bytes = n * sizeof(T);
        data_pages_ = (bytes + page - 1) / page + 1;  // one spare page in front
        map_bytes_ = (data_pages_ + 1) * page;
        void* map = mmap(nullptr, map_bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (map == MAP_FAILED) throw std::runtime_error("mmap failed");
        base_ = static_cast<char*>(map);
        if (mprotect(base_ + data_pages_ * page, page, PROT_NONE) != 0) throw std::runtime_error("mprotect failed");
        data_ = reinterpret_cast<T*>(base_ + data_pages_ * page - bytes);
    }
    GuardedArray(const GuardedArray&) = delete;
    GuardedArray& operator=(const GuardedArray&) = delete;
    ~GuardedArray() { munmap(base_, map_bytes_); }
    T* data() { return data_; }
    const T* data() const { return data_; }
    size_t size() const { return n_; }
    T& operator[](size_t i) { return data_[i]; }

private:
    size_t n_;
    size_t data_pages_ = 0, map_bytes_ = 0;
    char* base_ = nullptr;
    T* data_ = nullptr;
};

// Every kernel table this CPU can run, scalar first.
inline std::vector<const core::DistanceKernels*> supported_levels() {
    std::vector<const core::DistanceKernels*> levels;
    for (core::KernelLevel l : {core::KernelLevel::scalar, core::KernelLevel::avx2, core::KernelLevel::avx512})
        if (const core::DistanceKernels* k = core::kernels_for(l)) levels.push_back(k);
    return levels;
}

// Uniform floats in [lo, hi) from a fixed-seed generator.
inline void fill_uniform(float* out, size_t n, std::mt19937& rng, float lo, float hi) {
    std::uniform_real_distribution<float> dist(lo, hi);
    for (size_t i = 0; i < n; i++) out[i] = dist(rng);
}

// Random bytes from a fixed-seed generator.
inline void fill_bytes(uint8_t* out, size_t n, std::mt19937& rng) {
    for (size_t i = 0; i < n; i++) out[i] = static_cast<uint8_t>(rng() >> 24);
}

}  // namespace vecdb::test
