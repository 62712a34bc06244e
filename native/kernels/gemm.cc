// SGEMM driver: dispatch, small-product path, BLIS-style blocking, thread partitioning.
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>

#include "cpu.h"
#include "gemm.h"
#include "gemm_internal.h"
#include "threadpool.h"

namespace neurite {
namespace gemm {

namespace {

struct Scratch {
  float* p[kScratchSlots] = {};
  size_t cap[kScratchSlots] = {};
  ~Scratch() {
    for (float* q : p) std::free(q);
  }
};
thread_local Scratch tls_scratch;

// ---- per-CPU blocking ----------------------------------------------------------------------
// Bounds of the derived blocks. MC: past 1536 rows the packed B block is already reused by
// 128+ A micro-panels (repacking it costs < 1/1536 of the product), a larger MC only grows the
// buffer. NC: at least 4 B micro-panels; past 4096 columns nothing is left to reuse.
constexpr int64_t kMcMax = 1536, kNcMax = 4096, kEnvMax = 1 << 16;
// Cache sizes past these are not a core's cache but a hypervisor's number (the Zen 5 VM of
// session 7 reports a 508 MB L3 through sysconf and hides who shares it): the block sized from
// it keeps the ISA's default. No CPU has more than 4 MB of L2 per core (Zen 5, Xeon 6 P-cores:
// 1-2 MB) or 32 MB of L3 per logical CPU (3D V-Cache parts: 12 MB per core).
constexpr int64_t kL2Max = 8 << 20, kL3ShareMax = 32 << 20;

struct EnvBlocking {
  bool set = false;
  int64_t mc = 0, kc = 0, nc = 0;
  std::string error;
};

// The smallest KC of the kernels built: an override may not exceed it, because rows-layout A
// panels have a row stride fixed at compile time (Kernel::a_ld).
int64_t max_env_kc() {
  int64_t m = portable_kernel()->a_ld;
  if (avx2_kernel()) m = std::min(m, avx2_kernel()->a_ld);
  if (avx512_kernel()) m = std::min(m, avx512_kernel()->a_ld);
  return m;
}

// NEURITE_GEMM_BLOCKING=mc,kc,nc: exactly three decimal integers, no signs or spaces.
EnvBlocking parse_env_blocking() {
  EnvBlocking e;
  const char* env = std::getenv("NEURITE_GEMM_BLOCKING");
  if (env == nullptr || *env == 0) return e;
  e.set = true;
  int64_t v[3] = {0, 0, 0};
  const char* s = env;
  bool ok = true;
  for (int i = 0; i < 3 && ok; ++i) {
    if (*s < '0' || *s > '9') { ok = false; break; }
    while (*s >= '0' && *s <= '9' && v[i] <= kEnvMax) v[i] = v[i] * 10 + (*s++ - '0');
    if (*s >= '0' && *s <= '9') { ok = false; break; }  // too many digits
    if (i < 2 && *s++ != ',') ok = false;
  }
  if (ok && *s != 0) ok = false;
  const int64_t kc_max = max_env_kc();
  if (!ok) {
    e.error = std::string("NEURITE_GEMM_BLOCKING='") + env +
              "' is not three integers mc,kc,nc (e.g. 1536,256,1024)";
  } else if (v[0] < 1 || v[0] > kEnvMax || v[2] < 1 || v[2] > kEnvMax) {
    e.error = std::string("NEURITE_GEMM_BLOCKING='") + env + "': mc and nc must be in 1.." +
              std::to_string(kEnvMax);
  } else if (v[1] < 1 || v[1] > kc_max) {
    e.error = std::string("NEURITE_GEMM_BLOCKING='") + env + "': kc must be in 1.." +
              std::to_string(kc_max) + " (the packed A panels' row stride)";
  } else {
    e.mc = v[0], e.kc = v[1], e.nc = v[2];
  }
  return e;
}

const EnvBlocking& env_blocking() {
  static const EnvBlocking e = parse_env_blocking();
  return e;
}

// A block of `bytes` of cache holding a panel of `kc` floats per row/column: how many rows or
// columns fit, rounded down to a multiple of `unit`, within [lo, hi].
int64_t fit(int64_t bytes, int64_t kc, int64_t unit, int64_t lo, int64_t hi) {
  const int64_t n = bytes / (kc * int64_t(sizeof(float))) / unit * unit;
  return std::clamp(n, lo, hi);
}

// A kernel with its blocks chosen for this CPU, as BLIS's per-architecture contexts (and its
// analytical model) do, from the sizes of the caches each block must live in:
//  - KC stays the ISA's: the microkernel starts every K block from zero and adds the partial
//    sum into C, so KC decides the rounding (and the A micro-panel of MR x KC plus the B
//    micro-panel streaming by were sized for a 48 KB L1).
//  - the block reused from L2 (packed B, KC x NC, in the default order) takes half the L2:
//    the other half holds the C tiles and the A micro-panels coming through.
//  - the block reused from L3 (packed A, MC x KC) takes half this core's share of the L3
//    (its size over the logical CPUs sharing it), at most kMcMax rows.
// With the order swapped (b_in_l1) MC and NC swap caches. A cache of unknown size, or of a
// size no CPU has (kL2Max, kL3ShareMax), keeps the ISA's compiled default. On the Xeon these were tuned on (48 KB L1d, 2 MB L2) this gives
// the tuned values: KC 256, NC 1024, MC 1536.
struct Tuned {
  Kernel k;
  GemmBlocking b;
};

Tuned tune(const Kernel& base) {
  Tuned t{base, {base.mr, base.nr, base.mc, base.kc, base.nc, base.b_in_l1, "cpu caches"}};
  const EnvBlocking& e = env_blocking();
  if (e.set && e.error.empty()) {
    t.k.mc = e.mc, t.k.kc = e.kc, t.k.nc = e.nc;
    t.b.source = "NEURITE_GEMM_BLOCKING";
  } else {
    const CpuCaches& c = cpu_caches();
    int64_t l2 = c.l2, l3 = c.l3 / c.l3_shared;
    if (l2 > kL2Max || l3 > kL3ShareMax) {
      t.b.source = l3 <= kL3ShareMax ? "cpu caches (an L2 over 8 MB is not credible: NC is the isa default)"
                   : l2 <= kL2Max ? "cpu caches (an L3 share over 32 MB per CPU is not credible: MC is the isa default)"
                   : "cpu caches (L2 and L3 sizes not credible: MC and NC are the isa defaults)";
      if (l2 > kL2Max) l2 = 0;
      if (l3 > kL3ShareMax) l3 = 0;
    }
    int64_t* l2_block = base.b_in_l1 ? &t.k.mc : &t.k.nc;
    int64_t* l3_block = base.b_in_l1 ? &t.k.nc : &t.k.mc;
    const int64_t l2_unit = base.b_in_l1 ? base.mr : base.nr;
    const int64_t l3_unit = base.b_in_l1 ? base.nr : base.mr;
    const int64_t l3_max = base.b_in_l1 ? kNcMax : kMcMax;
    if (l2 > 0) *l2_block = fit(l2 / 2, base.kc, l2_unit, 4 * l2_unit, base.b_in_l1 ? kMcMax : kNcMax);
    if (l3 > 0) *l3_block = fit(l3 / 2, base.kc, l3_unit, 8 * l3_unit, l3_max);
    if (l2 <= 0 && l3 <= 0) t.b.source = "isa defaults (cache sizes unknown)";
  }
  t.b.mc = t.k.mc, t.b.kc = t.k.kc, t.b.nc = t.k.nc;
  return t;
}

const Tuned* tuned_portable() {
  static const Tuned t = tune(*portable_kernel());
  return &t;
}
const Tuned* tuned_avx2() {
  static const Tuned t = tune(*avx2_kernel());
  return &t;
}
const Tuned* tuned_avx512() {
  static const Tuned t = tune(*avx512_kernel());
  return &t;
}

// The level NEURITE_ISA allows (cpu.h); the bf16 levels run the AVX-512 fp32 kernel.
const Tuned* choose_default() {
  const IsaLevel l = isa_level();
  if (l >= IsaLevel::kAvx512 && avx512_kernel()) return tuned_avx512();
  if (l >= IsaLevel::kAvx2 && avx2_kernel()) return tuned_avx2();
  return tuned_portable();
}

std::atomic<const Tuned*> g_kernel{nullptr};

const Tuned& tuned() {
  const Tuned* k = g_kernel.load(std::memory_order_relaxed);
  if (!k) {  // every thread that races here computes the same value
    k = choose_default();
    g_kernel.store(k, std::memory_order_relaxed);
  }
  return *k;
}

const Kernel& kernel() { return tuned().k; }

// Products up to this many multiply-adds skip packing entirely: packing A and the block loops
// cost more than they save while everything fits in L1/L2.
constexpr int64_t kSmallMacs = 64 * 64 * 64;
// Below this many multiply-adds the pool hand-off (~1-3 us) is not worth it.
constexpr int64_t kThreadMacs = 96 * 96 * 96;

void scale_c(int64_t M, int64_t N, float beta, float* C, int64_t ldc) {
  for (int64_t i = 0; i < M; ++i) {
    float* c = C + i * ldc;
    if (beta == 0.0f) {
      std::memset(c, 0, sizeof(float) * N);
    } else if (beta != 1.0f) {
      for (int64_t j = 0; j < N; ++j) c[j] *= beta;
    }
  }
}

// The k-major (trans_a) pack for a panel height known at compile time: MR contiguous floats
// per k, which the compiler turns into a few vector moves (a memcpy call per k cost 20% of a
// TN product).
template <int MR>
void pack_a_t_fixed(const float* A, int64_t lda, int64_t i0, int64_t mc, int64_t k0, int64_t kc,
                    int64_t ld, float* ap) {
  for (int64_t ip = 0; ip < mc; ip += MR) {
    float* dst = ap + (ip / MR) * MR * ld;
    const float* src = A + k0 * lda + i0 + ip;
    const int64_t rows = std::min<int64_t>(MR, mc - ip);
    if (rows == MR) {
      for (int64_t k = 0; k < kc; ++k, src += lda, dst += MR)
        for (int r = 0; r < MR; ++r) dst[r] = src[r];
    } else {
      for (int64_t k = 0; k < kc; ++k, src += lda, dst += MR)
        for (int r = 0; r < MR; ++r) dst[r] = r < rows ? src[r] : 0.0f;
    }
  }
}

void pack_a(const Kernel& kr, bool trans_a, const float* A, int64_t lda, int64_t i0,
            int64_t mc, int64_t k0, int64_t kc, float* ap) {
  const int MR = kr.mr;
  const int64_t LD = kr.a_ld;
  if (trans_a) {
    if (kr.pack_a_t) return kr.pack_a_t(A, lda, i0, mc, k0, kc, ap);
    switch (MR) {
      case 4: return pack_a_t_fixed<4>(A, lda, i0, mc, k0, kc, LD, ap);
      case 6: return pack_a_t_fixed<6>(A, lda, i0, mc, k0, kc, LD, ap);
      case 12: return pack_a_t_fixed<12>(A, lda, i0, mc, k0, kc, LD, ap);
      default: break;
    }
  }
  for (int64_t ip = 0; ip < mc; ip += MR) {
    float* panel = ap + (ip / MR) * MR * LD;
    const int64_t rows = std::min<int64_t>(MR, mc - ip);
    if (!trans_a) {
      for (int64_t r = 0; r < rows; ++r)
        std::memcpy(panel + r * LD, A + (i0 + ip + r) * lda + k0, sizeof(float) * kc);
      for (int64_t r = rows; r < MR; ++r) std::memset(panel + r * LD, 0, sizeof(float) * kc);
    } else {
      for (int64_t k = 0; k < kc; ++k) {
        float* dst = panel + k * MR;
        std::memcpy(dst, A + (k0 + k) * lda + i0 + ip, sizeof(float) * rows);
        for (int64_t r = rows; r < MR; ++r) dst[r] = 0.0f;
      }
    }
  }
}


using Problem = GemmProblem<Kernel>;

// C[m0:m1, n0:n1] on the calling thread, with its own packing buffers.
void gemm_block(const Problem& p, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  const Kernel& kr = *p.kr;
  const int MR = kr.mr, NR = kr.nr;
  const int64_t M = m1 - m0, N = n1 - n0, K = p.K;
  if (M <= 0 || N <= 0) return;
  // Equal blocks no larger than the tuned ones: K = 784 runs as 4 x 196, not 3 x 256 + 16 (a
  // 16-deep block would pay a whole C read-modify-write for very little work).
  const int64_t KC = balanced(K, kr.kc, 1), MC = balanced(M, kr.mc, MR),
                NC = balanced(N, kr.nc, NR);
  const int64_t mc_max = std::min(M, MC), nc_max = std::min(N, NC);
  float* ap = scratch(0, size_t((mc_max + MR - 1) / MR) * MR * kr.a_ld);
  float* bp = scratch(1, size_t((nc_max + NR - 1) / NR) * NR * KC);
  const MicroKernel ukr = p.ta ? kr.ukr_kmajor : kr.ukr_rows;
  auto tile = [&](const float* a, const float* b, int64_t ir, int64_t jr, int64_t mr, int64_t nr,
                  int64_t kc, float beta, bool last) {
    const int64_t row = m0 + ir, col = n0 + jr;
    float* c = p.C + row * p.ldc + col;
    ukr(kc, a, b, c, p.ldc, int(mr), int(nr), p.alpha, beta);
    if (last && p.ep) p.ep->apply(p.ep, c, p.ldc, row, col, mr, nr);
  };
  if (!kr.b_in_l1) {
    // A micro-panel in L1, packed B block in L2, packed A in L3.
    for (int64_t ic = 0; ic < M; ic += MC) {
      const int64_t mc = std::min(MC, M - ic);
      for (int64_t pc = 0; pc < K; pc += KC) {
        const int64_t kc = std::min(KC, K - pc);
        const float beta = pc == 0 ? p.beta : 1.0f;
        const bool last = pc + kc == K;
        pack_a(kr, p.ta, p.A, p.lda, m0 + ic, mc, pc, kc, ap);
        for (int64_t jc = 0; jc < N; jc += NC) {
          const int64_t nc = std::min(NC, N - jc);
          kr.pack_b(p.tb, p.B, p.ldb, pc, kc, n0 + jc, nc, bp);
          for (int64_t ir = 0; ir < mc; ir += MR)
            for (int64_t jr = 0; jr < nc; jr += NR)
              tile(ap + (ir / MR) * MR * kr.a_ld, bp + (jr / NR) * NR * kc, ic + ir, jc + jr,
                   std::min<int64_t>(MR, mc - ir), std::min<int64_t>(NR, nc - jr), kc, beta,
                   last);
        }
      }
    }
    return;
  }
  // B micro-panel in L1, packed A block in L2, packed B in L3 (the classic BLIS order).
  for (int64_t jc = 0; jc < N; jc += NC) {
    const int64_t nc = std::min(NC, N - jc);
    for (int64_t pc = 0; pc < K; pc += KC) {
      const int64_t kc = std::min(KC, K - pc);
      const float beta = pc == 0 ? p.beta : 1.0f;
      const bool last = pc + kc == K;
      kr.pack_b(p.tb, p.B, p.ldb, pc, kc, n0 + jc, nc, bp);
      for (int64_t ic = 0; ic < M; ic += MC) {
        const int64_t mc = std::min(MC, M - ic);
        pack_a(kr, p.ta, p.A, p.lda, m0 + ic, mc, pc, kc, ap);
        for (int64_t jr = 0; jr < nc; jr += NR)
          for (int64_t ir = 0; ir < mc; ir += MR)
            tile(ap + (ir / MR) * MR * kr.a_ld, bp + (jr / NR) * NR * kc, ic + ir, jc + jr,
                 std::min<int64_t>(MR, mc - ir), std::min<int64_t>(NR, nc - jr), kc, beta,
                 last);
      }
    }
  }
}


// Parts are taken dynamically, so a thread that the OS delays (Node's own threads share the
// cores) does not hold up the product: the others take its remaining parts.
void run_parts(void* ctx, int) {
  Problem& p = *static_cast<Problem*>(ctx);
  const int parts = p.tm * p.tn;
  for (int i; (i = p.next.fetch_add(1, std::memory_order_relaxed)) < parts;) {
    int64_t m0, m1, n0, n1;
    split(p.M, p.tm, i / p.tn, p.kr->mr, &m0, &m1);
    split(p.N, p.tn, i % p.tn, p.kr->nr, &n0, &n1);
    gemm_block(p, m0, m1, n0, n1);
  }
}

// Parts smaller than this (in rows of C, or columns) repack the shared operand too often.
constexpr int64_t kMinPartRows = 192, kMinPartCols = 256;


}  // namespace

// The block size <= limit that cuts n into equal blocks, a multiple of unit where possible.
int64_t balanced(int64_t n, int64_t limit, int64_t unit) {
  const int64_t blocks = (n + limit - 1) / limit;
  const int64_t b = (n + blocks - 1) / blocks;
  const int64_t r = (b + unit - 1) / unit * unit;
  return r <= limit ? r : b;
}

// Splits [0, total) into `parts` pieces aligned to `unit`; piece `i` is [lo, hi).
void split(int64_t total, int parts, int i, int64_t unit, int64_t* lo, int64_t* hi) {
  const int64_t units = (total + unit - 1) / unit;
  const int64_t base = units / parts, extra = units % parts;
  const int64_t u0 = i * base + std::min<int64_t>(i, extra);
  const int64_t u1 = u0 + base + (i < extra ? 1 : 0);
  *lo = std::min(total, u0 * unit);
  *hi = std::min(total, u1 * unit);
}

// A grid of about 3 parts per thread (for dynamic balance), cutting M first: a part packs its
// own rows of A and all of B, and B is usually the shared weight.
void choose_grid(int64_t M, int64_t N, int threads, int* tm, int* tn) {
#ifndef NEURITE_PARTS_PER_THREAD
#define NEURITE_PARTS_PER_THREAD 1  // measured: 3 parts per thread lost 10-25% to repacking
#endif
  const int64_t target = NEURITE_PARTS_PER_THREAD * int64_t(threads);
  const int64_t pm = std::clamp<int64_t>(M / kMinPartRows, 1, target);
  const int64_t pn = std::clamp<int64_t>(N / kMinPartCols, 1, (target + pm - 1) / pm);
  *tm = int(pm);
  *tn = int(pn);
  if (pm * pn < threads) {  // too small for parts of the minimum size: 2 per thread, >= 32
    *tm = int(std::min<int64_t>(2 * threads, std::max<int64_t>(1, M / 32)));
    *tn = int(std::min<int64_t>((2 * threads + *tm - 1) / *tm, std::max<int64_t>(1, N / 32)));
  }
}

float* scratch(int slot, size_t floats) {
  Scratch& s = tls_scratch;
  if (s.cap[slot] < floats) {
    std::free(s.p[slot]);
    size_t cap = std::max(floats, s.cap[slot] * 2);
    cap = (cap + 15) & ~size_t(15);  // aligned_alloc wants a multiple of the alignment
    s.p[slot] = static_cast<float*>(std::aligned_alloc(64, cap * sizeof(float)));
    if (!s.p[slot]) std::abort();
    s.cap[slot] = cap;
  }
  return s.p[slot];
}

}  // namespace gemm

namespace gemm {
void sgemm_fp32(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
                int64_t ldc, const Epilogue* ep, int threads) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0 || alpha == 0.0f) {
    scale_c(M, N, beta, C, ldc);
    if (ep) ep->apply(ep, C, ldc, 0, 0, M, N);
    return;
  }
  const Kernel& kr = kernel();
  const int64_t macs = M * N * K;
  if (kr.narrow && !trans_a && trans_b && N < 16) {
    kr.narrow(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    if (ep) ep->apply(ep, C, ldc, 0, 0, M, N);
    return;
  }
  // Few rows (B would be packed for little reuse) or a short K (every tile is a C round trip)
  // also go unpacked, up to a size where threads would pay off.
  if (macs <= kSmallMacs || ((M <= 16 || K <= 16) && macs <= 8 * kSmallMacs)) {
    kr.small(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    if (ep) ep->apply(ep, C, ldc, 0, 0, M, N);
    return;
  }
  Problem p{&kr, trans_a, trans_b, M, N, K, alpha, beta, A, lda, B, ldb, C, ldc, ep, 1, 1};
  int nt = threads > 0 ? threads : ThreadPool::default_threads();
  nt = int(std::min<int64_t>(nt, std::max<int64_t>(1, macs / kThreadMacs)));
  if (nt > 1) {
    ThreadPool& pool = ThreadPool::instance();
    nt = std::min(nt, pool.size());
    choose_grid(M, N, nt, &p.tm, &p.tn);
    nt = std::min(nt, p.tm * p.tn);
    if (nt > 1 && pool.try_run(nt, run_parts, &p)) return;
  }
  gemm_block(p, 0, M, 0, N);  // one thread, or the pool is busy with a concurrent caller
}
}  // namespace gemm

void sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
           const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
           int64_t ldc, const Epilogue* ep, int threads) {
  const MatmulPrecision prec = matmul_precision();
  if (prec == MatmulPrecision::kHighest || M <= 0 || N <= 0 || K <= 0 || alpha == 0.0f)
    gemm::sgemm_fp32(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, ep, threads);
  else
    gemm::sgemm_bf16(prec, trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, ep,
                     threads);
}

const char* sgemm_isa() { return gemm::kernel().name; }

const GemmBlocking& sgemm_blocking() { return gemm::tuned().b; }

const char* sgemm_blocking_error() {
  const std::string& e = gemm::env_blocking().error;
  return e.empty() ? nullptr : e.c_str();
}

int sgemm_threads() { return ThreadPool::default_threads(); }

bool sgemm_force_isa(const char* isa) {
  using namespace gemm;
  const CpuFeatures& f = cpu_features();
  const Tuned* k = nullptr;
  if (!std::strcmp(isa, "avx512")) k = f.avx512 && avx512_kernel() ? tuned_avx512() : nullptr;
  else if (!std::strcmp(isa, "avx2")) k = f.avx2_fma && avx2_kernel() ? tuned_avx2() : nullptr;
  else if (!std::strcmp(isa, "portable")) k = tuned_portable();
  if (!k) return false;
  g_kernel.store(k, std::memory_order_relaxed);
  return true;
}

}  // namespace neurite
