#include "simd_isa.h"

#include <atomic>
#include <cstring>

#include "cpu.h"

namespace neurite {
namespace {

Isa from_level(IsaLevel l) {
  if (l >= IsaLevel::kAvx512) return Isa::kAvx512;  // the bf16 levels add nothing here
  if (l == IsaLevel::kAvx2) return Isa::kAvx2;
  return Isa::kPortable;
}

// The CPU's best (cpuid + xgetbv: the OS saves the wide registers).
Isa detect() { return from_level(isa_detected()); }

bool parse(const char* name, Isa* out) {
  IsaLevel l;
  if (!isa_parse(name, &l)) return false;
  *out = from_level(l);
  return true;
}

std::atomic<int> g_isa{-1};

}  // namespace

Isa simd_isa() {
  int v = g_isa.load(std::memory_order_relaxed);
  if (v >= 0) return static_cast<Isa>(v);
  const Isa best = from_level(isa_level());  // NEURITE_ISA caps it (cpu.h)
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
