// CPU feature detection for run-time kernel dispatch. Plain C++17, no Node headers.
#pragma once

namespace neurite {

struct CpuFeatures {
  bool avx2_fma = false;  // AVX2 + FMA3, and the OS saves ymm state
  bool avx512 = false;    // AVX-512 F/DQ/BW/VL, and the OS saves zmm + opmask state
};

// Detected once (cpuid + xgetbv), then cached. On non-x86 everything is false.
const CpuFeatures& cpu_features();

}  // namespace neurite
