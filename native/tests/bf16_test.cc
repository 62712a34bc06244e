// bf16 products (matmul precision 'medium' / 'high'): the fp32 -> bf16 rounding over all 2^32
// bit patterns (scalar and the vector packing), and every bf16 kernel this CPU runs against a
// reference (inputs rounded in software, fp32 accumulation in a fixed order) within a
// K-derived bound. A kernel the CPU lacks is skipped, naming the missing flag.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "cpu.h"
#include "gemm.h"
#include "gemm_internal.h"

using neurite::MatmulPrecision;
namespace g = neurite::gemm;

static int g_failed = 0, g_passed = 0;
#define CHECK(cond, ...)                      \
  do {                                        \
    if (cond) {                               \
      ++g_passed;                             \
    } else {                                  \
      ++g_failed;                             \
      std::printf("FAIL: " __VA_ARGS__);      \
      std::printf("\n");                      \
    }                                         \
  } while (0)

// A pack destination: 64-byte aligned, as the driver's scratch and the packed-weight cache are
// (the packs store whole aligned tiles; a std::vector's data is only 16-byte aligned).
struct Aligned16 {
  std::vector<uint16_t> v;
  uint16_t* p;
  explicit Aligned16(size_t n, uint16_t fill = 0) : v(n + 32, fill) {
    p = v.data() + (64 - reinterpret_cast<uintptr_t>(v.data()) % 64) % 64 / 2;
  }
  uint16_t* data() { return p; }
  uint16_t& operator[](size_t i) { return p[i]; }
};
static float from_bits(uint32_t u) { float f; std::memcpy(&f, &u, 4); return f; }
static uint32_t bits(float f) { uint32_t u; std::memcpy(&u, &f, 4); return u; }

// Independent reference: the nearer of the two bf16 neighbours by exact double arithmetic,
// ties to the even one; NaN -> 0x7FC0; overflow to Inf as IEEE RNE does.
static uint16_t ref_round(uint32_t u) {
  const float x = from_bits(u);
  if (std::isnan(x)) return 0x7FC0;
  if (std::isinf(x)) return uint16_t(u >> 16);
  const uint16_t lo = uint16_t(u >> 16);  // truncation (toward zero)
  if ((u & 0xFFFF) == 0) return lo;
  const uint16_t hi = uint16_t(lo + 1);   // next away from zero (may be Inf)
  const double dl = std::fabs(double(x) - double(from_bits(uint32_t(lo) << 16)));
  // past the largest bf16 the next value up is Inf: IEEE rounds to Inf from the midpoint between
  // the largest bf16 and 2^128 (the value Inf stands for in the rounding), as if 2^128 existed
  const bool hi_inf = (hi & 0x7FFF) == 0x7F80;
  const double hv = hi_inf ? std::copysign(std::ldexp(1.0, 128), double(x)) : double(from_bits(uint32_t(hi) << 16));
  const double dh = std::fabs(hv - double(x));
  if (dl < dh) return lo;
  if (dh < dl) return hi;
  return (lo & 1) ? hi : lo;
}

static void test_conversion_all() {
  const g::PackBf16 pack = g::bf16_pack_a();
  const bool vec = pack != nullptr && neurite::cpu_features().avx512;
  if (!vec) std::printf("skip vector rounding check (the CPU lacks avx512f/bw)\n");
  // 16 rows x 65536 k per chunk through the A packing (rows layout): 4096 chunks.
  const int64_t R = 16, KK = 65536;
  std::vector<float> src(R * KK);
  Aligned16 dst(32 * KK);
  int64_t bad_s = 0, bad_lo = 0, bad_v = 0, bad_vlo = 0, bad_vc = 0, bad_rr = 0;
  const g::RoundRun rr = g::bf16_round_run_avx512();  // the portable path's rounding
  std::vector<float> rdst(R * KK);
  const bool cvt_default = g::bf16_pack_set_cvt(true);  // true: the packs use vcvtne2ps2bf16 by default
  for (uint64_t base = 0; base < (uint64_t(1) << 32); base += R * KK) {
    for (int64_t i = 0; i < R * KK; ++i) {
      const uint32_t u = uint32_t(base + i);
      src[i] = from_bits(u);
      const uint16_t h = ref_round(u);
      if (g::bf16_round(src[i]) != h) ++bad_s;
      if ((u & 0xFF) != 0x5A) continue;  // the low part on 1 pattern in 256 (every exponent)
      // the low part: x - hi exactly representable, rounded again
      const float hf = from_bits(uint32_t(h) << 16);
      const uint16_t lo_ref = std::isfinite(hf) ? ref_round(bits(src[i] - hf)) : 0;
      if (g::bf16_part(src[i], g::kLo) != lo_ref) ++bad_lo;
    }
    if (!vec) continue;
    for (int part : {g::kHi, g::kLo}) {
      rr(src.data() + 3, rdst.data() + 3, R * KK - 3, part);  // unaligned, masked tail
      for (int64_t i = 3; i < R * KK; ++i) {
        if (part == g::kLo && (bits(src[i]) & 0xFF) != 0x5A) continue;
        if (bits(rdst[i]) != uint32_t(g::bf16_part(src[i], part)) << 16) ++bad_rr;
      }
    }
    for (int mode = 0; mode < 3; ++mode) {  // kHi (integer rounding), kLo, kHi (vcvtne2ps2bf16)
      const int part = mode == 1 ? g::kLo : g::kHi;
      if (mode == 2 && !g::bf16_pack_set_cvt(true)) continue;
      if (mode < 2) g::bf16_pack_set_cvt(false);
      pack(false, src.data(), KK, 0, R, 0, KK, part, dst.data());
      for (int64_t r = 0; r < R; ++r)
        for (int64_t k = 0; k < KK; ++k) {
          const uint16_t v = dst[(k / 32) * 512 + r * 32 + k % 32];
          const float x = src[r * KK + k];
          if (part == g::kLo && (bits(x) & 0xFF) != 0x5A) continue;
          const uint16_t want = g::bf16_part(x, part);
          if (v != want) ++(mode == 1 ? bad_vlo : mode == 2 ? bad_vc : bad_v);
        }
    }
  }
  g::bf16_pack_set_cvt(cvt_default);
  CHECK(bad_s == 0, "scalar bf16_round differs from the reference in %lld patterns", (long long)bad_s);
  CHECK(bad_lo == 0, "scalar low part differs in %lld patterns (1 in 256)", (long long)bad_lo);
  CHECK(bad_v == 0, "vector rounding (packing) differs in %lld patterns", (long long)bad_v);
  CHECK(bad_vlo == 0, "vector low part (packing) differs in %lld patterns", (long long)bad_vlo);
  CHECK(bad_rr == 0, "vector rounding runs (portable path) differ in %lld patterns", (long long)bad_rr);
  CHECK(bad_vc == 0, "vcvtne2ps2bf16 packing (NaN / denormal tiles rounded in integers) differs in %lld patterns",
        (long long)bad_vc);
  if (!cvt_default) std::printf("skip vcvtne2ps2bf16 packing sweep (the CPU lacks avx512_bf16)\n");
  CHECK(g::bf16_round(from_bits(0x3F808000u)) == 0x3F80, "tie to even (down)");
  CHECK(g::bf16_round(from_bits(0x3F818000u)) == 0x3F82, "tie to even (up)");
  CHECK(g::bf16_round(from_bits(0x7F7FFFFFu)) == 0x7F80, "max float rounds to Inf");
  CHECK(g::bf16_round(from_bits(0x00000001u)) == 0x0000, "smallest denormal to +0");
  CHECK(g::bf16_round(from_bits(0x00018000u)) == 0x0002, "denormal tie to even");
  CHECK(g::bf16_round(from_bits(0xFFC00001u)) == 0x7FC0, "NaN stays NaN");
  std::printf("conversion: all 2^32 patterns checked\n");
}

// The vector packs (both orientations of A and B: the transposed ones go through the register
// transpose) against the layout of gemm_internal.h built element by element from bf16_part,
// for each part and for kHiLo (high tile, then low tile, per 32-deep k step).
static void test_pack_layouts() {
  const g::PackBf16 pa = g::bf16_pack_a(), pb = g::bf16_pack_b();
  if (pa == nullptr || !neurite::cpu_features().avx512) {
    std::printf("skip pack layouts (the CPU lacks avx512f/bw)\n");
    return;
  }
  const bool cvt_default = g::bf16_pack_set_cvt(true);
  if (!cvt_default) std::printf("skip vcvtne2ps2bf16 pack layouts (the CPU lacks avx512_bf16)\n");
  for (int cvt = 0; cvt < (cvt_default ? 2 : 1); ++cvt) {
  g::bf16_pack_set_cvt(cvt == 1);
  std::mt19937 rng(5);
  std::normal_distribution<float> d;
  for (int it = 0; it < 24; ++it) {
    const bool isb = it % 2, trans = (it / 2) % 2;
    const int part = (it / 4) % 3;
    const int64_t lines = 1 + int64_t(rng() % 70), kc = 1 + int64_t(rng() % 90), i0 = rng() % 5, k0 = rng() % 7;
    // op(X) has lines i0.. and depth k0..; stored k-contiguous unless (A and trans) or (B and !trans)
    const bool k_contig = isb ? trans : !trans;
    const int64_t L = i0 + lines, Kt = k0 + kc, ld = k_contig ? Kt + 3 : L + 3;
    std::vector<float> X((k_contig ? L : Kt) * ld);
    for (float& x : X) x = d(rng);
    if (it % 5 == 0) X[0] = NAN, X[1] = INFINITY;
    if (it % 7 == 3) X[X.size() / 2] = -3e-39f;  // a denormal (vcvtne2ps2bf16 would flush it)
    if (it % 11 == 6) X[X.size() - 1] = from_bits(0x7F800123u);  // a signalling NaN with payload
    if (it % 3 == 2) X[X.size() / 3] = from_bits(0x03804000u);  // normal, its low part (2^-129) denormal
    const int64_t np = part == g::kHiLo ? 2 : 1, kcp = (kc + 31) / 32 * 32, panels = (lines + 31) / 32;
    Aligned16 out(panels * 32 * kcp * np, 0xDEAD);
    (isb ? pb : pa)(trans, X.data(), ld, i0, lines, k0, kc, part, out.data());
    int64_t bad = 0;
    for (int64_t s = 0; s < panels * 32; ++s)
      for (int64_t k = 0; k < kcp; ++k)
        for (int64_t q = 0; q < np; ++q) {
          const int want_part = part == g::kHiLo ? int(q) : part;
          const float x = s < lines && k < kc ? (k_contig ? X[(i0 + s) * ld + k0 + k] : X[(k0 + k) * ld + i0 + s]) : 0.0f;
          const uint16_t want = g::bf16_part(x, want_part);
          const int64_t half = (s / 32) * 32 * kcp * np + ((s % 32) / 16) * 16 * kcp * np + (k / 32) * 512 * np + q * 512;
          const int64_t r = s % 16, kk = k % 32;
          const int64_t at = isb ? half + (kk / 2) * 32 + r * 2 + kk % 2 : half + r * 32 + kk;
          if (out[at] != want) ++bad;
        }
    CHECK(bad == 0, "pack %s trans=%d part=%d cvt=%d lines=%lld kc=%lld: %lld elements differ", isb ? "B" : "A",
          trans, part, cvt, (long long)lines, (long long)kc, (long long)bad);
  }
  }
  g::bf16_pack_set_cvt(cvt_default);
}

struct Case { bool ta, tb; int64_t M, N, K; float alpha, beta; };

static float at(const std::vector<float>& X, bool t, int64_t rows, int64_t cols, int64_t i, int64_t j) {
  return t ? X[j * rows + i] : X[i * cols + j];  // op(X)[i][j], op(X) rows x cols
}

// Reference: products of the rounded parts in double (exact), summed in fp32 in k order.
static void run(const Case& c, MatmulPrecision prec, const char* isa, std::mt19937& rng) {
  std::normal_distribution<float> d;
  std::vector<float> A(c.M * c.K), B(c.K * c.N), C(c.M * c.N), C0;
  for (float& x : A) x = d(rng);
  for (float& x : B) x = d(rng);
  for (float& x : C) x = d(rng);
  C0 = C;
  neurite::set_matmul_precision(prec);
  neurite::sgemm(c.ta, c.tb, c.M, c.N, c.K, c.alpha, A.data(), c.ta ? c.M : c.K, B.data(),
                 c.tb ? c.K : c.N, c.beta, C.data(), c.N);
  neurite::set_matmul_precision(MatmulPrecision::kHighest);
  const int parts = prec == MatmulPrecision::kHigh ? 3 : 1;
  const int pa[3] = {g::kHi, g::kHi, g::kLo}, pb[3] = {g::kHi, g::kLo, g::kHi};
  int64_t bad = 0;
  double worst = 0;
  for (int64_t i = 0; i < c.M; ++i)
    for (int64_t j = 0; j < c.N; ++j) {
      float s = 0;
      double mag = 0;
      for (int q = 0; q < parts; ++q)
        for (int64_t k = 0; k < c.K; ++k) {
          const float a = g::bf16_to_float(g::bf16_part(at(A, c.ta, c.M, c.K, i, k), pa[q]));
          const float b = g::bf16_to_float(g::bf16_part(at(B, c.tb, c.K, c.N, k, j), pb[q]));
          s += a * b;  // exact product (8 x 8 significant bits)
          mag += std::fabs(double(a) * b);
        }
      const double ref = double(c.alpha) * s + (c.beta != 0 ? double(c.beta) * C0[i * c.N + j] : 0.0);
      const double tol = (2.0 * parts * c.K + 8) * std::ldexp(1.0, -24) *
                             (std::fabs(c.alpha) * mag + std::fabs(c.beta * C0[i * c.N + j])) + 1e-30;
      const double e = std::fabs(C[i * c.N + j] - ref);
      if (!(e <= tol)) ++bad;
      worst = std::max(worst, e / tol);
    }
  CHECK(bad == 0, "%s %s ta=%d tb=%d %lldx%lldx%lld alpha=%g beta=%g: %lld outside the bound (worst %.2f x)",
        isa, prec == MatmulPrecision::kHigh ? "high" : "medium", c.ta, c.tb, (long long)c.M,
        (long long)c.N, (long long)c.K, c.alpha, c.beta, (long long)bad, worst);
}

static void test_kernel(const char* isa, const char* flag) {
  if (!neurite::bf16_force_isa(isa)) {
    std::printf("skip bf16 kernel %s (the CPU lacks %s)\n", isa, flag);
    return;
  }
  CHECK(std::string(neurite::bf16_gemm_isa()) == isa, "bf16_gemm_isa() == %s", isa);
  std::mt19937 rng(11);
  const Case cases[] = {
      {false, true, 128, 512, 784, 1, 0},  {false, false, 128, 784, 512, 1, 0},
      {true, false, 512, 784, 128, 1, 1},  {true, true, 97, 65, 300, 0.75f, 0.5f},
      {false, false, 33, 47, 1100, 1, 0},  {false, true, 200, 33, 70, -1.5f, 1},
      {true, false, 64, 64, 64, 1, 0},     {false, false, 300, 260, 40, 1, 0},
      {false, true, 1100, 40, 90, 1, 0},   {true, true, 40, 1100, 90, 2, 0.25f},
      {false, false, 31, 31, 31, 1, 0},    {false, true, 5, 7, 3, 1, 0},
      // thin depth: K <= 16 takes the portable path (kTileMinK), 17 and up the tiles
      {false, false, 128, 512, 10, 1, 0},  {true, true, 96, 200, 16, 1, 0.5f},
      {false, true, 128, 512, 17, 1, 0},   {true, false, 200, 96, 20, 0.5f, 1},
  };
  for (const Case& c : cases)
    for (MatmulPrecision p : {MatmulPrecision::kMedium, MatmulPrecision::kHigh}) run(c, p, isa, rng);
  // other blocks (bf16_set_blocks, the tuning hook): several K, M, N blocks per product, same bound
  CHECK(!neurite::bf16_set_blocks(48, 0, 0) && !neurite::bf16_set_blocks(64, -32, 0) &&
            !neurite::bf16_set_blocks(64, 64, 33),
        "bf16_set_blocks refuses blocks that are not multiples of 32");
  CHECK(neurite::bf16_set_blocks(64, 64, 96), "bf16_set_blocks(64, 64, 96)");
  for (const Case& c : {Case{false, true, 200, 300, 330, 1, 0}, Case{true, false, 130, 97, 200, 0.5f, 1}})
    for (MatmulPrecision p : {MatmulPrecision::kMedium, MatmulPrecision::kHigh}) run(c, p, isa, rng);
  CHECK(neurite::bf16_set_blocks(0, 0, 0), "bf16_set_blocks(0, 0, 0): the kernel's own blocks");
  std::uniform_int_distribution<int> dim(1, 200), coin(0, 1);
  for (int it = 0; it < 40; ++it) {
    Case c{coin(rng) == 1, coin(rng) == 1, dim(rng), dim(rng), dim(rng) * 3, 1, coin(rng) ? 0.5f : 0.0f};
    run(c, it % 2 ? MatmulPrecision::kHigh : MatmulPrecision::kMedium, isa, rng);
  }
}

// 'high' is close to fp32: max relative error against a double product within 4x fp32's.
static void test_high_accuracy() {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(0.5f, 1.5f);  // positive: no cancellation
  const int64_t n = 256;
  std::vector<float> A(n * n), B(n * n), C(n * n);
  for (float& x : A) x = u(rng);
  for (float& x : B) x = u(rng);
  double err[3] = {0, 0, 0};
  const MatmulPrecision ps[3] = {MatmulPrecision::kHighest, MatmulPrecision::kHigh, MatmulPrecision::kMedium};
  for (int q = 0; q < 3; ++q) {
    neurite::set_matmul_precision(ps[q]);
    neurite::sgemm(false, false, n, n, n, 1, A.data(), n, B.data(), n, 0, C.data(), n);
    for (int64_t i = 0; i < n; i += 5)
      for (int64_t j = 0; j < n; j += 3) {
        double s = 0;
        for (int64_t k = 0; k < n; ++k) s += double(A[i * n + k]) * B[k * n + j];
        err[q] = std::max(err[q], std::fabs(C[i * n + j] - s) / s);
      }
  }
  neurite::set_matmul_precision(MatmulPrecision::kHighest);
  std::printf("%s: max rel error highest %.3g, high %.3g, medium %.3g\n", neurite::bf16_gemm_isa(), err[0], err[1], err[2]);
  CHECK(err[1] <= 4 * err[0] + 1e-7, "high within 4x of fp32 (%g vs %g)", err[1], err[0]);
  CHECK(err[2] > err[1], "medium less accurate than high");
}

// The packed-weight cache (gemm.h): a product with a weight key gives the same bits as without
// (miss, then hit), for both precisions, both layouts of B, 1 and 2 threads, alpha/beta and
// an epilogue-free C update; a new version or another key packs again; the bound and drop hold.
static void test_pack_cache(const char* isa) {
  if (!neurite::bf16_force_isa(isa)) return;
  std::mt19937 rng(5);
  std::normal_distribution<float> d;
  neurite::pack_cache_drop();
  neurite::pack_cache_set_limit(uint64_t(64) << 20);
  const neurite::PackCacheStats s0 = neurite::pack_cache_stats();
  const Case cases[] = {{false, true, 96, 300, 200, 1, 0}, {false, false, 64, 97, 1100, 1, 0},
                        {true, true, 130, 64, 70, 0.5f, 1}, {false, true, 257, 1030, 96, 1, 0.5f}};
  int64_t expect_miss = 0, expect_hit = 0;
  for (const Case& c : cases)
    for (MatmulPrecision p : {MatmulPrecision::kMedium, MatmulPrecision::kHigh})
      for (int threads : {1, 2}) {
        std::vector<float> A(c.M * c.K), B(c.K * c.N), C0(c.M * c.N);
        for (float& x : A) x = d(rng);
        for (float& x : B) x = d(rng);
        for (float& x : C0) x = d(rng);
        neurite::set_matmul_precision(p);
        auto prod = [&](const neurite::WeightKey* k) {
          std::vector<float> C = C0;
          neurite::ScopedWeightKey scope(k);
          neurite::sgemm(c.ta, c.tb, c.M, c.N, c.K, c.alpha, A.data(), c.ta ? c.M : c.K, B.data(),
                         c.tb ? c.K : c.N, c.beta, C.data(), c.N, nullptr, threads);
          return C;
        };
        const std::vector<float> plain = prod(nullptr);
        const neurite::WeightKey k{uint64_t(1000 + expect_miss), 3};
        const std::vector<float> miss = prod(&k), hit = prod(&k);
        const bool tiles = std::string(isa) != "portable";
        expect_miss += tiles ? 1 : 0;
        expect_hit += tiles ? 1 : 0;
        CHECK(std::memcmp(plain.data(), miss.data(), plain.size() * 4) == 0 &&
                  std::memcmp(plain.data(), hit.data(), plain.size() * 4) == 0,
              "pack cache %s %s ta=%d tb=%d %lldx%lldx%lld threads=%d: same bits as unpacked", isa,
              p == MatmulPrecision::kHigh ? "high" : "medium", c.ta, c.tb, (long long)c.M,
              (long long)c.N, (long long)c.K, threads);
        // The weight changes in place (new version): the next product packs it again.
        for (float& x : B) x = d(rng);
        const std::vector<float> plain2 = prod(nullptr);
        const neurite::WeightKey k2{k.id, 4};
        const std::vector<float> fresh = prod(&k2);
        expect_miss += tiles ? 1 : 0;
        CHECK(std::memcmp(plain2.data(), fresh.data(), plain2.size() * 4) == 0,
              "pack cache %s: a new version packs the new weight", isa);
      }
  neurite::set_matmul_precision(MatmulPrecision::kHighest);
  const neurite::PackCacheStats s1 = neurite::pack_cache_stats();
  CHECK(s1.misses - s0.misses == uint64_t(expect_miss) && s1.hits - s0.hits == uint64_t(expect_hit),
        "pack cache %s: %llu misses, %llu hits (expected %lld, %lld)", isa,
        (unsigned long long)(s1.misses - s0.misses), (unsigned long long)(s1.hits - s0.hits),
        (long long)expect_miss, (long long)expect_hit);
  CHECK(s1.bytes <= s1.limit && (s1.entries > 0) == (expect_miss > 0), "pack cache %s: %llu entries, %llu bytes",
        isa, (unsigned long long)s1.entries, (unsigned long long)s1.bytes);
  neurite::pack_cache_set_limit(300 * 1024);  // evicts down to the bound
  const neurite::PackCacheStats s2 = neurite::pack_cache_stats();
  CHECK(s2.bytes <= 300 * 1024 && s2.limit == 300 * 1024, "pack cache %s: limit evicts (%llu bytes)", isa,
        (unsigned long long)s2.bytes);
  neurite::pack_cache_drop();
  const neurite::PackCacheStats s3 = neurite::pack_cache_stats();
  CHECK(s3.entries == 0 && s3.bytes == 0, "pack cache %s: drop empties it", isa);
  neurite::pack_cache_set_limit(uint64_t(64) << 20);
}

// The default choice (before any bf16_force_isa): the AVX512-BF16 kernel only on the CPUs of the
// table in gemm_bf16.cc (AMD Zen 4 / Zen 5, where vdpbf16ps beats the fp32 FMA), AMX where
// granted, else portable; 'high' is bf16x3 only on AMX (or forced), else the fp32 product, bit
// for bit.
static void test_default_choice() {
  const neurite::CpuFeatures& f = neurite::cpu_features();
  const std::string isa = neurite::bf16_gemm_isa(), high = neurite::bf16_high_mode();
  const neurite::IsaLevel l = neurite::isa_level();
  std::printf("default bf16 kernel %s, 'high' %s (%s family %d model %d)\n", isa.c_str(), high.c_str(),
              f.amd ? "AMD" : f.intel ? "Intel" : "other", f.family, f.model);
  if (neurite::isa_forced()) return;  // NEURITE_ISA set: bf16x3 wherever forced (isa-override test)
  const bool zen45 = f.amd && (f.family == 25 || f.family == 26);
  const char* want = l == neurite::IsaLevel::kAmx ? "amx"
                     : l == neurite::IsaLevel::kAvx512Bf16 && zen45 ? "avx512bf16" : "portable";
  CHECK(isa == want, "default bf16 kernel %s, expected %s", isa.c_str(), want);
  CHECK(high == (isa == "amx" ? "bf16x3" : "fp32"), "default 'high' %s on kernel %s", high.c_str(), isa.c_str());
  std::mt19937 rng(7);
  std::normal_distribution<float> d;
  for (const int64_t n : {40, 200}) {  // the small path and the tiles
    std::vector<float> A(n * n), B(n * n), C1(n * n), C2(n * n);
    for (float& x : A) x = d(rng);
    for (float& x : B) x = d(rng);
    neurite::sgemm(false, true, n, n, n, 1, A.data(), n, B.data(), n, 0, C1.data(), n);
    neurite::set_matmul_precision(MatmulPrecision::kHigh);
    neurite::sgemm(false, true, n, n, n, 1, A.data(), n, B.data(), n, 0, C2.data(), n);
    neurite::set_matmul_precision(MatmulPrecision::kHighest);
    const bool same = std::memcmp(C1.data(), C2.data(), C1.size() * 4) == 0;
    CHECK(same == (high == "fp32"), "%lld^3: 'high' %s 'highest' bit for bit (mode %s)", (long long)n,
          same ? "equals" : "differs from", high.c_str());
  }
}

int main(int argc, char** argv) {
  std::printf("bf16 kernel: %s, ISA level %s\n", neurite::bf16_gemm_isa(),
              neurite::isa_level_name(neurite::isa_level()));
  test_default_choice();
  const std::string keep = neurite::bf16_gemm_isa();
  for (const char* isa : {"portable", "avx512bf16", "amx"}) {
    std::fflush(stdout);
    test_kernel(isa, !std::strcmp(isa, "amx") ? "amx_bf16 / amx_tile (or the AMX permission)"
                                               : "avx512_bf16");
    if (neurite::bf16_force_isa(isa)) test_high_accuracy();
    test_pack_cache(isa);
  }
  neurite::bf16_force_isa(keep.c_str());
  test_pack_layouts();
  CHECK(!neurite::bf16_force_isa("sse9"), "unknown isa rejected");
  if (!(argc > 1 && !std::strcmp(argv[1], "--quick"))) test_conversion_all();
  std::printf("%d passed, %d failed\n", g_passed, g_failed);
  return g_failed == 0 ? 0 : 1;
}
