// The 2-D transpose copy into contiguous rows with AVX-512 (in-register 16 x 16 tiles, the same
// register transpose the GEMM's B packing uses): a path of strided_copy (elementwise.cc) for
// contiguous() of a transposed view. An AVX2 8 x 8 version measured slower than the portable
// 32 x 32 tiles on this Xeon (1024^2: 1.04 vs 0.93 ns/elem) and was left out. Plain C++17.
#pragma once
#include <cstdint>

namespace neurite {

// dst[i * d0 + j] = src[i + j * s1] for i < n0, j < n1 (src's unit stride is along i).
using TransposeCopy = void (*)(int64_t n0, int64_t n1, const float* src, int64_t s1, float* dst,
                               int64_t d0);
TransposeCopy transpose_copy_avx512();  // nullptr when not compiled (non-x86)

}  // namespace neurite
