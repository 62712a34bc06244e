// cpuid + xgetbv feature detection, the NEURITE_ISA override, the AMX permission request.
#include "cpu.h"

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <cstdint>
#endif
#if defined(__linux__) && defined(__x86_64__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace neurite {
namespace {

#if defined(__x86_64__) || defined(__i386__)
// xgetbv without requiring -mxsave on the whole file.
uint64_t read_xcr0() {
  uint32_t lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (uint64_t(hi) << 32) | lo;
}

CpuFeatures detect() {
  CpuFeatures f;
  unsigned a, b, c, d;
  if (__get_cpuid(0, &a, &b, &c, &d)) {
    f.intel = b == 0x756e6547 && d == 0x49656e69 && c == 0x6c65746e;  // GenuineIntel
    f.amd = b == 0x68747541 && d == 0x69746e65 && c == 0x444d4163;    // AuthenticAMD
  }
  if (__get_cpuid(0x80000000u, &a, &b, &c, &d) && a >= 0x80000004u) {
    unsigned* w = reinterpret_cast<unsigned*>(f.brand);
    for (unsigned leaf = 0; leaf < 3; ++leaf)
      __get_cpuid(0x80000002u + leaf, &w[leaf * 4], &w[leaf * 4 + 1], &w[leaf * 4 + 2],
                  &w[leaf * 4 + 3]);
    f.brand[48] = 0;
  }
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  const unsigned fam = (a >> 8) & 0xF, ext_fam = (a >> 20) & 0xFF;
  const unsigned mod = (a >> 4) & 0xF, ext_mod = (a >> 16) & 0xF;
  f.family = int(fam == 0xF ? fam + ext_fam : fam);
  f.model = int((fam == 0x6 || fam == 0xF) ? (ext_mod << 4) + mod : mod);
  const bool fma = c & (1u << 12);
  const bool osxsave = c & (1u << 27);
  const bool avx = c & (1u << 28);
  if (!osxsave || !avx) return f;
  const uint64_t xcr0 = read_xcr0();
  const bool os_ymm = (xcr0 & 0x6) == 0x6;     // SSE + AVX state
  const bool os_zmm = (xcr0 & 0xE6) == 0xE6;   // + opmask, ZMM_Hi256, Hi16_ZMM
  const bool os_tile = (xcr0 & (3ull << 17)) == (3ull << 17);  // XTILECFG + XTILEDATA
  if (__get_cpuid_max(0, nullptr) < 7) return f;
  __cpuid_count(7, 0, a, b, c, d);
  const unsigned max_sub7 = a;
  const bool avx2 = b & (1u << 5);
  const bool avx512f = b & (1u << 16), avx512dq = b & (1u << 17);
  const bool avx512bw = b & (1u << 30), avx512vl = b & (1u << 31);
  const bool amx_bf16 = d & (1u << 22), amx_tile = d & (1u << 24);
  bool bf16 = false;
  if (max_sub7 >= 1) {
    __cpuid_count(7, 1, a, b, c, d);
    bf16 = a & (1u << 5);
  }
  f.avx2_fma = os_ymm && avx2 && fma;
  f.avx512 = f.avx2_fma && os_zmm && avx512f && avx512dq && avx512bw && avx512vl;
  f.avx512_bf16 = f.avx512 && bf16;
  f.amx_bf16 = f.avx512_bf16 && os_tile && amx_bf16 && amx_tile;
  return f;
}
#else
CpuFeatures detect() { return {}; }
#endif

bool request_amx() {
#if defined(__linux__) && defined(__x86_64__)
  if (!cpu_features().amx_bf16) return false;
  constexpr long kArchGetXcompPerm = 0x1022, kArchReqXcompPerm = 0x1023;
  constexpr long kXfeatureXtiledata = 18;
  if (syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) != 0) return false;
  unsigned long bitmask = 0;
  if (syscall(SYS_arch_prctl, kArchGetXcompPerm, &bitmask) != 0) return false;
  return (bitmask & (1ul << kXfeatureXtiledata)) != 0;
#else
  return false;
#endif
}

IsaLevel detect_level() {
  const CpuFeatures& f = cpu_features();
  if (f.amx_bf16 && amx_permission()) return IsaLevel::kAmx;
  if (f.avx512_bf16) return IsaLevel::kAvx512Bf16;
  if (f.avx512) return IsaLevel::kAvx512;
  if (f.avx2_fma) return IsaLevel::kAvx2;
  return IsaLevel::kPortable;
}

struct Choice {
  IsaLevel level = IsaLevel::kPortable;
  bool forced = false;
  std::string error;
};

// What the CPU lacks for a level, for the error message.
const char* missing_for(IsaLevel want) {
  const CpuFeatures& f = cpu_features();
  switch (want) {
    case IsaLevel::kAmx:
      if (!f.amx_bf16) return "the CPU (or OS) lacks amx_bf16/amx_tile";
      return "the kernel refused the AMX tile permission (arch_prctl ARCH_REQ_XCOMP_PERM)";
    case IsaLevel::kAvx512Bf16: return "the CPU lacks avx512_bf16";
    case IsaLevel::kAvx512: return "the CPU (or OS) lacks avx512f/dq/bw/vl";
    case IsaLevel::kAvx2: return "the CPU (or OS) lacks avx2/fma";
    default: return "";
  }
}

const Choice& choice() {
  static const Choice c = [] {
    Choice r;
    r.level = detect_level();
    const char* env = std::getenv("NEURITE_ISA");
    if (env == nullptr || *env == 0) return r;
    IsaLevel want;
    if (!isa_parse(env, &want)) {
      r.error = std::string("NEURITE_ISA='") + env +
                "' is not one of amx, avx512bf16, avx512, avx2, portable";
    } else if (want > r.level) {
      r.error = std::string("NEURITE_ISA=") + env + ": " + missing_for(want) +
                " (this machine runs up to " + isa_level_name(r.level) + ")";
    } else {
      r.level = want;
      r.forced = true;
    }
    return r;
  }();
  return c;
}

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures f = detect();
  return f;
}

bool amx_permission() {
  static const bool granted = request_amx();
  return granted;
}

bool isa_parse(const char* name, IsaLevel* out) {
  if (name == nullptr) return false;
  static const struct { const char* n; IsaLevel l; } kNames[] = {
      {"amx", IsaLevel::kAmx}, {"avx512bf16", IsaLevel::kAvx512Bf16},
      {"avx512", IsaLevel::kAvx512}, {"avx2", IsaLevel::kAvx2},
      {"portable", IsaLevel::kPortable}};
  for (const auto& e : kNames)
    if (std::strcmp(name, e.n) == 0) { *out = e.l; return true; }
  return false;
}

const char* isa_level_name(IsaLevel l) {
  switch (l) {
    case IsaLevel::kAmx: return "amx";
    case IsaLevel::kAvx512Bf16: return "avx512bf16";
    case IsaLevel::kAvx512: return "avx512";
    case IsaLevel::kAvx2: return "avx2";
    default: return "portable";
  }
}

IsaLevel isa_detected() {
  static const IsaLevel l = detect_level();
  return l;
}
IsaLevel isa_level() { return choice().level; }
bool isa_forced() { return choice().forced; }
const char* isa_override_error() {
  const Choice& c = choice();
  return c.error.empty() ? nullptr : c.error.c_str();
}

}  // namespace neurite
