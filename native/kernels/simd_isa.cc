#include "simd_isa.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

#include "cpu.h"

namespace neurite {
namespace {

Isa detect() {
  const CpuFeatures& f = cpu_features();  // cpuid + xgetbv: the OS saves the wide registers
  if (f.avx512) return Isa::kAvx512;
  if (f.avx2_fma) return Isa::kAvx2;
  return Isa::kPortable;
}

bool parse(const char* name, Isa* out) {
  if (name == nullptr) return false;
  if (std::strcmp(name, "avx512") == 0) { *out = Isa::kAvx512; return true; }
  if (std::strcmp(name, "avx2") == 0) { *out = Isa::kAvx2; return true; }
  if (std::strcmp(name, "portable") == 0) { *out = Isa::kPortable; return true; }
  return false;
}

std::atomic<int> g_isa{-1};

}  // namespace

Isa simd_isa() {
  int v = g_isa.load(std::memory_order_relaxed);
  if (v >= 0) return static_cast<Isa>(v);
  Isa best = detect();
  Isa want;
  if (parse(std::getenv("NEURITE_ISA"), &want) && want <= best) best = want;
  g_isa.store(static_cast<int>(best), std::memory_order_relaxed);
  return best;
}

const char* simd_isa_name() {
  switch (simd_isa()) {
    case Isa::kAvx512: return "avx512";
    case Isa::kAvx2: return "avx2";
    default: return "portable";
  }
}

bool simd_force_isa(const char* name) {
  Isa want;
  if (!parse(name, &want) || want > detect()) return false;
  g_isa.store(static_cast<int>(want), std::memory_order_relaxed);
  return true;
}

}  // namespace neurite
