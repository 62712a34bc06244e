// cpuid + xgetbv feature detection, cache sizes, the NEURITE_ISA override, the AMX permission
// request.
#include "cpu.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#if defined(__unix__)
#include <unistd.h>
#endif

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

// Caches from the deterministic cache parameters (cpuid leaf 4 on Intel, 0x8000001D on AMD:
// the same register layout). Sub-leaves until type 0 (no more caches).
#if defined(__x86_64__) || defined(__i386__)
// AMD's older cache leaves, for when 0x8000001D is absent (hypervisors often hide topology
// extensions: the Zen 5 VM of session 7 does): 0x80000005 ECX[31:24] = L1d KB, 0x80000006
// ECX[31:16] = L2 KB, EDX[31:18] = L3 in 512 KB units. They say nothing about sharing.
bool caches_from_amd_legacy(CpuCaches* out) {
  unsigned a, b, c, d;
  const unsigned max = __get_cpuid_max(0x80000000u, nullptr);
  if (max < 0x80000006u) return false;
  __cpuid(0x80000005u, a, b, c, d);
  out->l1d = int64_t(c >> 24) << 10;
  __cpuid(0x80000006u, a, b, c, d);
  out->l2 = int64_t(c >> 16) << 10;
  out->l3 = int64_t(d >> 18) * (512 << 10);
  out->source = "cpuid 0x80000005/6";
  return out->l1d > 0 || out->l2 > 0 || out->l3 > 0;
}

bool caches_from_cpuid(CpuCaches* out) {
  const CpuFeatures& f = cpu_features();
  unsigned leaf = 0, a, b, c, d;
  if (f.intel && __get_cpuid_max(0, nullptr) >= 4) {
    leaf = 4;
    out->source = "cpuid leaf 4";
  } else if (f.amd && __get_cpuid_max(0x80000000u, nullptr) >= 0x8000001Du &&
             __get_cpuid(0x80000001u, &a, &b, &c, &d) && (c & (1u << 22))) {
    leaf = 0x8000001Du;  // only with topology extensions (else the leaf is undefined)
    out->source = "cpuid 0x8000001D";
  } else {
    return f.amd && caches_from_amd_legacy(out);
  }
  bool any = false;
  for (unsigned i = 0; i < 16; ++i) {
    __cpuid_count(leaf, i, a, b, c, d);
    const unsigned type = a & 31, level = (a >> 5) & 7;
    if (type == 0) break;
    if (type == 2) continue;  // instruction cache
    const int64_t size = int64_t((b >> 22) + 1) * (((b >> 12) & 0x3FF) + 1) * ((b & 0xFFF) + 1) *
                         (int64_t(c) + 1);
    const int shared = int(((a >> 14) & 0xFFF) + 1);
    if (level == 1 && type == 1) out->l1d = size;
    else if (level == 2) out->l2 = size, out->l2_shared = shared;
    else if (level == 3) out->l3 = size, out->l3_shared = shared, out->l3_shared_source = "cpuid";
    any = true;
  }
  return any;
}
#endif

#if defined(__linux__)
// "48K", "2048K", "300M" -> bytes (0 when unparsable).
int64_t parse_size(const char* s) {
  char* end = nullptr;
  const long long v = std::strtoll(s, &end, 10);
  if (end == s || v <= 0) return 0;
  if (*end == 'K') return v << 10;
  if (*end == 'M') return v << 20;
  if (*end == 'G') return v << 30;
  return v;
}
// Number of CPUs in a list such as "0-3,8-11" (0 when unparsable).
int count_cpu_list(const char* s) {
  int n = 0;
  while (*s && *s != '\n') {
    char* end = nullptr;
    const long lo = std::strtol(s, &end, 10);
    if (end == s) return 0;
    long hi = lo;
    s = end;
    if (*s == '-') {
      hi = std::strtol(s + 1, &end, 10);
      if (end == s + 1 || hi < lo) return 0;
      s = end;
    }
    n += int(hi - lo + 1);
    if (*s == ',') ++s;
  }
  return n;
}
bool read_line(const std::string& path, char* buf, size_t n) {
  FILE* fp = std::fopen(path.c_str(), "r");
  if (!fp) return false;
  const bool ok = std::fgets(buf, int(n), fp) != nullptr;
  std::fclose(fp);
  return ok;
}
// sysfs: fills the sizes still 0 (when `sizes`) and the sharing counts (always: the OS's view
// of which logical CPUs share a cache, where cpuid gives only an upper bound of IDs).
bool caches_from_sysfs(CpuCaches* out, bool sizes) {
  bool any = false;
  for (int i = 0; i < 16; ++i) {
    const std::string dir = "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(i) + "/";
    char level[16], type[32], size[32], list[256];
    if (!read_line(dir + "level", level, sizeof level)) break;
    if (!read_line(dir + "type", type, sizeof type) || !std::strncmp(type, "Instruction", 11))
      continue;
    const int lv = std::atoi(level);
    const int64_t bytes = read_line(dir + "size", size, sizeof size) ? parse_size(size) : 0;
    const int shared = read_line(dir + "shared_cpu_list", list, sizeof list) ? count_cpu_list(list) : 0;
    int64_t* field = lv == 1 ? &out->l1d : lv == 2 ? &out->l2 : lv == 3 ? &out->l3 : nullptr;
    if (!field) continue;
    if (sizes && *field == 0 && bytes > 0) *field = bytes, any = true;
    if (shared > 0 && lv == 2) out->l2_shared = shared;
    if (shared > 0 && lv == 3) out->l3_shared = shared, out->l3_shared_source = "sysfs";
  }
  return any;
}
#endif

CpuCaches detect_caches() {
  CpuCaches c;
  bool got = false;
#if defined(__x86_64__) || defined(__i386__)
  got = caches_from_cpuid(&c);
#endif
#if defined(__linux__)
  if (caches_from_sysfs(&c, true) && !got) c.source = "sysfs", got = true;
#endif
#if defined(__unix__) && defined(_SC_LEVEL1_DCACHE_SIZE)
  const long l1 = sysconf(_SC_LEVEL1_DCACHE_SIZE), l2 = sysconf(_SC_LEVEL2_CACHE_SIZE),
             l3 = sysconf(_SC_LEVEL3_CACHE_SIZE);
  bool used = false;
  if (c.l1d == 0 && l1 > 0) c.l1d = l1, used = true;
  if (c.l2 == 0 && l2 > 0) c.l2 = l2, used = true;
  if (c.l3 == 0 && l3 > 0) c.l3 = l3, used = true;
  if (used && !got) c.source = "sysconf";
#endif
  if (c.l2_shared < 1) c.l2_shared = 1;
  // No source said how many CPUs share the L3 (sysconf and AMD's legacy leaves do not): assume
  // all online CPUs, the conservative end (a smaller share only means a smaller MC).
  if (c.l3 > 0 && !*c.l3_shared_source) {
#if defined(__unix__) && defined(_SC_NPROCESSORS_ONLN)
    const long n = sysconf(_SC_NPROCESSORS_ONLN);
    c.l3_shared = n > 0 && n < (1 << 20) ? int(n) : 1;
#endif
    c.l3_shared_source = "assumed: all online CPUs";
  }
  if (c.l3_shared < 1) c.l3_shared = 1;
  return c;
}

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

const CpuCaches& cpu_caches() {
  static const CpuCaches c = detect_caches();
  return c;
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
