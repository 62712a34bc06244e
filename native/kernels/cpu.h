// CPU feature detection, cache sizes, the ISA level chosen at run time (NEURITE_ISA override)
// and the AMX tile permission. Plain C++17, no Node headers.
#pragma once
#include <cstdint>

namespace neurite {

struct CpuFeatures {
  bool avx2_fma = false;     // AVX2 + FMA3, and the OS saves ymm state
  bool avx512 = false;       // AVX-512 F/DQ/BW/VL, and the OS saves zmm + opmask state
  bool avx512_bf16 = false;  // + AVX512_BF16 (vdpbf16ps, vcvtne2ps2bf16)
  bool amx_bf16 = false;     // + AMX-TILE and AMX-BF16, and XCR0 enables XTILECFG/XTILEDATA
  bool intel = false, amd = false;
  int family = 0, model = 0;  // display family / model (cpuid leaf 1)
  char brand[49] = {0};       // cpuid brand string ("" when absent)
};

// Detected once (cpuid + xgetbv), then cached. On non-x86 everything is false.
const CpuFeatures& cpu_features();

// The data caches of the CPU the process started on, in bytes (0: unknown). Sizes from cpuid
// (leaf 4 on Intel, 0x8000001D on AMD with topology extensions, else AMD's 0x80000005/6), else sysfs
// (/sys/devices/system/cpu/cpu0/cache), else sysconf; `*_shared` is how many logical CPUs
// share the cache (sysfs shared_cpu_list, the OS's view, else cpuid's count; for an L3 no source
// describes, all online CPUs).
struct CpuCaches {
  int64_t l1d = 0, l2 = 0, l3 = 0;
  int l2_shared = 1, l3_shared = 1;
  // "cpuid leaf 4" | "cpuid 0x8000001D" | "cpuid 0x80000005/6" (AMD without topology
  // extensions) | "sysfs" | "sysconf" | "unknown"
  const char* source = "unknown";
  // Where l3_shared came from: "cpuid" | "sysfs" | "assumed: all online CPUs" (no source gave
  // it) | "" (no L3 known).
  const char* l3_shared_source = "";
};
const CpuCaches& cpu_caches();

// The ISA ladder. Each level includes the ones below it: the fp32 kernels use at most
// kAvx512; the bf16 product kernels use kAmx (tiles) or kAvx512Bf16 (vdpbf16ps), below that
// the portable bf16 path (round the inputs to bf16, then the fp32 GEMM of the level).
enum class IsaLevel : int { kPortable = 0, kAvx2 = 1, kAvx512 = 2, kAvx512Bf16 = 3, kAmx = 4 };

// The best level this CPU and OS run (kAmx only when the kernel granted the tile permission).
IsaLevel isa_detected();
// The level in use: isa_detected(), or the one named by NEURITE_ISA=amx|avx512bf16|avx512|
// avx2|portable. A name that is unknown or above what the CPU runs is an error: the level
// falls back to isa_detected() and isa_override_error() says why (the addon refuses to load
// with that message, so a forced run never silently tests another ISA).
IsaLevel isa_level();
// Whether NEURITE_ISA forced the level (then a bf16 kernel is used even where it is not the
// fastest, e.g. avx512bf16 on Intel, so that every path can be tested).
bool isa_forced();
const char* isa_override_error();  // nullptr when NEURITE_ISA is unset, empty or valid
const char* isa_level_name(IsaLevel l);
// Parses "amx" | "avx512bf16" | "avx512" | "avx2" | "portable"; false when unknown.
bool isa_parse(const char* name, IsaLevel* out);

// AMX: asks the kernel once per process for the tile data state
// (arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA)); without it a tile instruction is
// SIGILL. False when the CPU lacks AMX-BF16, on non-Linux, or when the kernel refuses.
bool amx_permission();

}  // namespace neurite
