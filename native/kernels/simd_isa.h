// Run-time choice of the vector ISA for the non-GEMM kernels (the GEMM has its own).
#pragma once

namespace neurite {

enum class Isa { kPortable = 0, kAvx2 = 1, kAvx512 = 2 };

// The best ISA this CPU (and OS) runs, capped by NEURITE_ISA (cpu.h: isa_level(); amx and
// avx512bf16 mean avx512 here).
Isa simd_isa();
const char* simd_isa_name();
// Force an ISA (tests, benchmarks); false if the CPU cannot run it.
bool simd_force_isa(const char* name);

}  // namespace neurite
