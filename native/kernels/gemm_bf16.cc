// bf16 products (matmul precision 'medium' / 'high'): the per-thread precision, the kernel
// choice, the blocked driver over the bf16 kernels (AMX, AVX512-BF16) and the portable path.
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <list>
#include <memory>
#include <mutex>

#include "cpu.h"
#include "gemm.h"
#include "gemm_internal.h"
#include "threadpool.h"

namespace neurite {
namespace {

thread_local MatmulPrecision tls_precision = MatmulPrecision::kHighest;

}  // namespace

void set_matmul_precision(MatmulPrecision p) { tls_precision = p; }
MatmulPrecision matmul_precision() { return tls_precision; }

namespace gemm {
namespace {

// Where vdpbf16ps is measured (or documented) faster than the fp32 FMA: a per-CPU table, not
// a calibration at load time (a timing on a shared, loaded machine would pick a different
// kernel from run to run, and with it different bits). The instruction rate decides: on the
// Intel Xeon family 6 model 207 (Sapphire/Emerald Rapids) one vdpbf16ps zmm issues every 2
// cycles against two FMAs per cycle (0.49-0.51x the fp32 flop rate, bench/RESULTS.md session
// 6), so 'medium' measured 0.46-0.56x fp32 there; on AMD Zen 5 (family 26) two per cycle,
// 1.95-2.02x the fp32 flop rate (bench/native/peak.cc), 'medium' 1.6-2.0x fp32 (bench/RESULTS.md
// session 7). Zen 4 (family 25) is in the table on issue 13's report of about 2x fp32 (it
// splits both zmm instructions into two 256-bit halves alike); unmeasured by this project.
// Every other CPU: the portable path, until measured.
bool avx512bf16_pays(const CpuFeatures& f) {
  return f.amd && (f.family == 25 || f.family == 26);
}

// AMX only at level kAmx, which requires the process-wide tile permission (cpu.cc): every
// thread may then configure tiles, so the fallback when the kernel refuses is this choice.
const KernelBf16* choose_bf16() {
  const IsaLevel l = isa_level();
  if (l == IsaLevel::kAmx && amx_kernel()) return amx_kernel();
  // By default only where the table above says it beats fp32 (or where NEURITE_ISA=avx512bf16
  // forces it, for tests and benchmarks).
  if (l == IsaLevel::kAvx512Bf16 && (isa_forced() || avx512bf16_pays(cpu_features())))
    return avx512bf16_kernel();
  return nullptr;
}

std::atomic<int> g_bf16{-1};  // -1: not chosen yet; 0 portable, 1 avx512bf16, 2 amx
std::atomic<bool> g_bf16_forced{false};  // bf16_force_isa() chose the kernel

const KernelBf16* bf16_kernel() {
  int v = g_bf16.load(std::memory_order_relaxed);
  if (v < 0) {
    const KernelBf16* k = choose_bf16();
    v = k == nullptr ? 0 : k == amx_kernel() ? 2 : 1;
    g_bf16.store(v, std::memory_order_relaxed);
  }
  return v == 2 ? amx_kernel() : v == 1 ? avx512bf16_kernel() : nullptr;
}

// Whether 'high' runs the three bf16 products (bf16_high_mode() in gemm.h).
bool high_bf16x3(const KernelBf16* kr) {
  return (kr != nullptr && kr == amx_kernel()) || isa_forced() ||
         g_bf16_forced.load(std::memory_order_relaxed);
}

// The portable path's 'high': K three times, A = [hi hi lo], B = [hi; lo; hi] ('medium': hi x hi).
constexpr int kPartA[3] = {kHi, kHi, kLo}, kPartB[3] = {kHi, kLo, kHi};

// Below this many multiply-adds (or with fewer than 32 rows / columns) the packing of the tile
// kernels does not pay: the portable path runs (same rounding, fp32 small-product kernels).
constexpr int64_t kTileMacs = 64 * 64 * 64;
// Nor below this depth: the tile kernels pad k to 32, so a product of depth 1..32 costs what
// depth 32 costs. Measured on AMD Zen 5 (avx512bf16, 1 thread, bench/RESULTS.md session 8):
// tile / portable 1.50-1.75x at K 10, 1.07-1.19x at K 16, 0.75-0.79x at K 24, 0.59-0.62x at K 32
// (128x512xK and 256x1024xK, the dX product of an MLP's 10-class output layer).
constexpr int64_t kTileMinK = 17;
constexpr int64_t kThreadMacs = 96 * 96 * 96;

// dst[i] = bf16_to_float(bf16_part(src[i], part)), i < n: the vector version from level avx512
// up (NEURITE_ISA below it keeps the scalar loop tested), the same bits either way.
void round_run_scalar(const float* src, float* dst, int64_t n, int part) {
  for (int64_t i = 0; i < n; ++i) dst[i] = bf16_to_float(bf16_part(src[i], part));
}
RoundRun round_run() {
  static const RoundRun f = isa_level() >= IsaLevel::kAvx512 && bf16_round_run_avx512()
                                ? bf16_round_run_avx512() : round_run_scalar;
  return f;
}

// Portable path: copies of op(A), op(B) rounded to bf16 (stored back as floats, exact), with K
// tripled for 'high', then the fp32 product of the ISA level. bf16 x bf16 products are exact
// in fp32, so this is the same arithmetic as the tile kernels up to the order of the sums.
// Every copy is a set of contiguous runs of the source (rows of A or B as stored).
void portable_bf16(int parts, bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha,
                   const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
                   int64_t ldc, const Epilogue* ep, int threads) {
  const int64_t Ke = parts * K;
  float* a = scratch(3, size_t(M * Ke));
  float* b = scratch(4, size_t(Ke * N));
  const RoundRun rr = round_run();
  // op(A) as M x Ke (row-major, K along rows) when !ta, else Ke x M.
  for (int q = 0; q < parts; ++q) {
    const int pa = kPartA[q], pb = kPartB[q];
    if (!ta) {
      for (int64_t i = 0; i < M; ++i) rr(A + i * lda, a + i * Ke + q * K, K, pa);
    } else {
      for (int64_t k = 0; k < K; ++k) rr(A + k * lda, a + (q * K + k) * M, M, pa);
    }
    if (!tb) {
      for (int64_t k = 0; k < K; ++k) rr(B + k * ldb, b + (q * K + k) * N, N, pb);
    } else {
      for (int64_t j = 0; j < N; ++j) rr(B + j * ldb, b + j * Ke + q * K, K, pb);
    }
  }
  sgemm_fp32(ta, tb, M, N, Ke, alpha, a, ta ? M : Ke, b, tb ? Ke : N, beta, C, ldc, ep, threads);
}

using ProblemBf16 = GemmProblem<KernelBf16>;

inline int64_t round32(int64_t n) { return (n + 31) / 32 * 32; }

// The K block of a product: kHiLo packs are twice as deep per k, so 'high' halves it to keep
// the A panel (32 rows) in L1 and the B block in L2 as for 'medium'.
// Blocks overridden by bf16_set_blocks() (benchmarks, tuning; 0 = the kernel's).
std::atomic<int64_t> g_kc{0}, g_mc{0}, g_nc{0};
inline int64_t blk(const std::atomic<int64_t>& o, int64_t d) {
  const int64_t v = o.load(std::memory_order_relaxed);
  return v > 0 ? v : d;
}
inline int64_t k_block(const KernelBf16& kr, int64_t K, bool high) {
  const int64_t kc = blk(g_kc, kr.kc);
  return balanced(K, high ? std::max<int64_t>(kBf16Ku, kc / 2) : kc, kBf16Ku);
}

// ---- packed-weight cache (gemm.h) ----
// An entry is the whole of op(B) packed as the driver reads it: K block after K block (as
// k_block cuts K), each block all ceil(N/32) panels of 32 columns (panel q at q*32*kcp), so
// any 32-aligned column range of any thread's part is a slice of it.
thread_local WeightKey tls_weight_key;

struct PackedB {
  uint64_t id, version;
  const float* B;  // compared only (identity), never read through the cache
  int64_t ldb, N, K;
  bool tb;
  int part;
  const KernelBf16* kr;
  uint16_t* data = nullptr;
  size_t bytes = 0;
  ~PackedB() { std::free(data); }
  bool same(const PackedB& o) const {
    return id == o.id && version == o.version && B == o.B && ldb == o.ldb && N == o.N &&
           K == o.K && tb == o.tb && part == o.part && kr == o.kr;
  }
};

struct PackCache {
  std::mutex mu;
  std::list<std::shared_ptr<PackedB>> lru;  // most recently used first
  uint64_t bytes = 0, limit = uint64_t(64) << 20, hits = 0, misses = 0;
};
PackCache& pack_cache() {
  static PackCache* c = new PackCache;  // never destroyed: products may run during exit
  return *c;
}

// The packed B of p (ta/tb, N, K, part from p) for key k: from the cache, or packed now on the
// calling thread and cached. Null when it would not fit the cache's bound.
std::shared_ptr<PackedB> cached_b(const GemmProblem<KernelBf16>& p, const WeightKey& k, int part) {
  PackedB want{k.id, k.version, p.B, p.ldb, p.N, p.K, p.tb, part, p.kr};
  const bool high = part == kHiLo;
  const int64_t np = high ? 2 : 1, KC = k_block(*p.kr, p.K, high), panels = (p.N + 31) / 32;
  size_t bytes = 0;
  for (int64_t pc = 0; pc < p.K; pc += KC)
    bytes += size_t(panels) * 32 * size_t(round32(std::min(KC, p.K - pc)) * np) * 2;
  PackCache& c = pack_cache();
  {
    std::lock_guard<std::mutex> g(c.mu);
    for (auto it = c.lru.begin(); it != c.lru.end(); ++it)
      if ((*it)->same(want)) {
        ++c.hits;
        c.lru.splice(c.lru.begin(), c.lru, it);
        return c.lru.front();
      }
    ++c.misses;
    if (bytes > c.limit) return nullptr;
  }
  auto e = std::make_shared<PackedB>(want);
  e->bytes = bytes;
  e->data = static_cast<uint16_t*>(std::aligned_alloc(64, (bytes + 63) / 64 * 64));
  if (e->data == nullptr) return nullptr;
  size_t off = 0;  // in bf16
  for (int64_t pc = 0; pc < p.K; pc += KC) {
    const int64_t kc = std::min(KC, p.K - pc);
    p.kr->pack_b(p.tb, p.B, p.ldb, 0, p.N, pc, kc, part, e->data + off);
    off += size_t(panels) * 32 * size_t(round32(kc) * np);
  }
  std::lock_guard<std::mutex> g(c.mu);
  if (bytes > c.limit) return e;  // the limit shrank meanwhile: use it once, do not keep it
  for (const auto& o : c.lru)
    if (o->same(*e)) return o;  // another thread packed the same weight meanwhile: keep one
  c.lru.push_front(e);
  c.bytes += bytes;
  while (c.bytes > c.limit) {
    c.bytes -= c.lru.back()->bytes;
    c.lru.pop_back();
  }
  return e;
}

// C[m0:m1, n0:n1] on the calling thread, with its own bf16 packing buffers. 'high' packs both
// parts of each input at once (kHiLo) and runs the three products in one tile loop.
void block_bf16(const ProblemBf16& p, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  const KernelBf16& kr = *p.kr;
  const int64_t M = m1 - m0, N = n1 - n0, K = p.K;
  if (M <= 0 || N <= 0) return;
  kr.thread_init();
  const bool high = p.parts == 3;
  const int part = high ? kHiLo : kHi;
  const int64_t np = high ? 2 : 1;
  const MicroKernelBf16 ukr = high ? kr.ukr_high : kr.ukr;
  const int64_t KC = k_block(kr, K, high), MC = balanced(M, blk(g_mc, kr.mc), kBf16Mr),
                NC = balanced(N, blk(g_nc, kr.nc), kBf16Nr);
  const int64_t kcp_max = round32(std::min(K, KC)) * np;
  uint16_t* ap = reinterpret_cast<uint16_t*>(scratch(3, size_t(round32(std::min(M, MC)) * kcp_max / 2)));
  uint16_t* bp = reinterpret_cast<uint16_t*>(scratch(4, size_t(round32(std::min(N, NC)) * kcp_max / 2)));
  const int64_t panels = (p.N + 31) / 32;  // of the whole B (p.bpack)
  for (int64_t ic = 0; ic < M; ic += MC) {
    const int64_t mc = std::min(MC, M - ic);
    size_t boff = 0;  // K block pc of p.bpack, in bf16
    for (int64_t pc = 0; pc < K; pc += KC) {
      const int64_t kc = std::min(KC, K - pc), kcp = round32(kc) * np;
      const uint16_t* bblock = p.bpack ? p.bpack + boff : nullptr;
      boff += size_t(panels) * 32 * size_t(kcp);
      const bool last = pc + kc == K;
      const float beta = pc == 0 ? p.beta : 1.0f;
      kr.pack_a(p.ta, p.A, p.lda, m0 + ic, mc, pc, kc, part, ap);
      for (int64_t jc = 0; jc < N; jc += NC) {
        const int64_t nc = std::min(NC, N - jc);
        const uint16_t* b = bp;
        if (bblock && (n0 + jc) % 32 == 0) b = bblock + (n0 + jc) / 32 * 32 * kcp;
        else kr.pack_b(p.tb, p.B, p.ldb, n0 + jc, nc, pc, kc, part, bp);
        for (int64_t ir = 0; ir < mc; ir += kBf16Mr)
          for (int64_t jr = 0; jr < nc; jr += kBf16Nr) {
            const int64_t row = m0 + ic + ir, col = n0 + jc + jr;
            const int mr = int(std::min<int64_t>(kBf16Mr, mc - ir));
            const int nr = int(std::min<int64_t>(kBf16Nr, nc - jr));
            float* c = p.C + row * p.ldc + col;
            ukr(kcp, ap + ir * kcp, b + jr * kcp, c, p.ldc, mr, nr, p.alpha, beta);
            if (last && p.ep) p.ep->apply(p.ep, c, p.ldc, row, col, mr, nr);
          }
      }
    }
  }
  if (kr.thread_done) kr.thread_done();
}

void run_parts_bf16(void* ctx, int) {
  ProblemBf16& p = *static_cast<ProblemBf16*>(ctx);
  const int parts = p.tm * p.tn;
  for (int i; (i = p.next.fetch_add(1, std::memory_order_relaxed)) < parts;) {
    int64_t m0, m1, n0, n1;
    split(p.M, p.tm, i / p.tn, kBf16Mr, &m0, &m1);
    split(p.N, p.tn, i % p.tn, kBf16Nr, &n0, &n1);
    block_bf16(p, m0, m1, n0, n1);
  }
}

}  // namespace

void sgemm_bf16(MatmulPrecision prec, bool ta, bool tb, int64_t M, int64_t N, int64_t K,
                float alpha, const float* A, int64_t lda, const float* B, int64_t ldb,
                float beta, float* C, int64_t ldc, const Epilogue* ep, int threads) {
  const int parts = prec == MatmulPrecision::kHigh ? 3 : 1;
  const KernelBf16* kr = bf16_kernel();
  if (parts == 3 && !high_bf16x3(kr)) {  // 'high' where bf16x3 loses to fp32: fp32 (gemm.h)
    sgemm_fp32(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, ep, threads);
    return;
  }
  const int64_t macs = M * N * K;
  if (kr == nullptr || macs <= kTileMacs || M < 32 || N < 32 || K < kTileMinK) {
    portable_bf16(parts, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, ep, threads);
    return;
  }
  ProblemBf16 p{kr, ta, tb, M, N, K, alpha, beta, A, lda, B, ldb, C, ldc, ep, 1, 1};
  p.parts = parts;
  std::shared_ptr<PackedB> packed;  // holds the cached B for the whole product
  if (tls_weight_key.id != 0) {
    packed = cached_b(p, tls_weight_key, parts == 3 ? kHiLo : kHi);
    if (packed) p.bpack = packed->data;
  }
  int nt = threads > 0 ? threads : ThreadPool::default_threads();
  nt = int(std::min<int64_t>(nt, std::max<int64_t>(1, macs * parts / kThreadMacs)));
  if (nt > 1) {
    ThreadPool& pool = ThreadPool::instance();
    nt = std::min(nt, pool.size());
    choose_grid(M, N, nt, &p.tm, &p.tn);
    nt = std::min(nt, p.tm * p.tn);
    if (nt > 1 && pool.try_run(nt, run_parts_bf16, &p)) return;
  }
  p.tm = p.tn = 1;
  block_bf16(p, 0, M, 0, N);  // one thread, or the pool is busy with a concurrent caller
}

}  // namespace gemm

ScopedWeightKey::ScopedWeightKey(const WeightKey* k) : saved_(gemm::tls_weight_key) {
  gemm::tls_weight_key = k ? *k : WeightKey{};
}
ScopedWeightKey::~ScopedWeightKey() { gemm::tls_weight_key = saved_; }

uint64_t pack_cache_new_id() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

void pack_cache_drop() {
  gemm::PackCache& c = gemm::pack_cache();
  std::list<std::shared_ptr<gemm::PackedB>> gone;
  {
    std::lock_guard<std::mutex> g(c.mu);
    gone.swap(c.lru);
    c.bytes = 0;
  }  // freed outside the lock (a product still using an entry keeps it alive)
}

void pack_cache_set_limit(uint64_t bytes) {
  gemm::PackCache& c = gemm::pack_cache();
  std::list<std::shared_ptr<gemm::PackedB>> gone;
  std::lock_guard<std::mutex> g(c.mu);
  c.limit = bytes;
  while (c.bytes > c.limit) {
    c.bytes -= c.lru.back()->bytes;
    gone.push_back(std::move(c.lru.back()));
    c.lru.pop_back();
  }
}

PackCacheStats pack_cache_stats() {
  gemm::PackCache& c = gemm::pack_cache();
  std::lock_guard<std::mutex> g(c.mu);
  return {c.lru.size(), c.bytes, c.limit, c.hits, c.misses};
}

bool bf16_force_isa(const char* isa) {
  const IsaLevel d = isa_detected();
  int v = -1;
  if (!std::strcmp(isa, "amx") && d >= IsaLevel::kAmx && gemm::amx_kernel()) v = 2;
  else if (!std::strcmp(isa, "avx512bf16") && d >= IsaLevel::kAvx512Bf16 && gemm::avx512bf16_kernel()) v = 1;
  else if (!std::strcmp(isa, "portable")) v = 0;
  if (v < 0) return false;
  gemm::g_bf16.store(v, std::memory_order_relaxed);
  gemm::g_bf16_forced.store(true, std::memory_order_relaxed);
  return true;
}

bool bf16_set_blocks(int64_t kc, int64_t mc, int64_t nc) {
  if (kc < 0 || mc < 0 || nc < 0 || kc % gemm::kBf16Ku || mc % gemm::kBf16Mr || nc % gemm::kBf16Nr)
    return false;
  gemm::g_kc.store(kc, std::memory_order_relaxed);
  gemm::g_mc.store(mc, std::memory_order_relaxed);
  gemm::g_nc.store(nc, std::memory_order_relaxed);
  pack_cache_drop();  // cached packs were cut with the old K block
  return true;
}

const char* bf16_high_mode() { return gemm::high_bf16x3(gemm::bf16_kernel()) ? "bf16x3" : "fp32"; }

const char* bf16_gemm_isa() {
  const gemm::KernelBf16* k = gemm::bf16_kernel();
  return k ? k->name : "portable";
}

}  // namespace neurite
