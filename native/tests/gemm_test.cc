// SGEMM tests: every ISA this CPU runs against a double-accumulated reference, on random and
// edge shapes, all transpose flags, alpha/beta, padded leading dimensions, the epilogue
// contract, threads, and concurrent callers. Last line: "N passed, N failed".
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "../kernels/gemm.h"

using neurite::sgemm;

namespace {

int g_passed = 0, g_failed = 0;

void check(bool ok, const std::string& what) {
  if (ok) {
    ++g_passed;
  } else {
    ++g_failed;
    std::printf("FAIL %s\n", what.c_str());
  }
}

std::mt19937_64 rng(12345);

int64_t rand_int(int64_t lo, int64_t hi) {
  return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
}

void fill(std::vector<float>& v) {
  std::normal_distribution<float> d(0.0f, 1.0f);
  for (float& x : v) x = d(rng);
}

struct Case {
  bool ta, tb;
  int64_t M, N, K;
  float alpha, beta;
  int64_t pad_a, pad_b, pad_c;
  int threads;
};

std::string describe(const Case& c, const char* isa) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "%s ta=%d tb=%d M=%lld N=%lld K=%lld alpha=%g beta=%g pads=%lld,%lld,%lld threads=%d",
                isa, c.ta, c.tb, (long long)c.M, (long long)c.N, (long long)c.K, c.alpha, c.beta,
                (long long)c.pad_a, (long long)c.pad_b, (long long)c.pad_c, c.threads);
  return buf;
}

// Epilogue used by the tests: adds bias[col], applies relu, and counts visits per element.
struct EpCtx {
  const float* bias;
  std::atomic<int>* visits;
  int64_t N;
};

void ep_apply(const neurite::Epilogue* self, float* c, int64_t ldc, int64_t row0, int64_t col0,
              int64_t rows, int64_t cols) {
  const EpCtx* e = static_cast<const EpCtx*>(self->ctx);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) {
      float& x = c[i * ldc + j];
      x += e->bias[col0 + j];
      x = x > 0.0f ? x : 0.0f;
      e->visits[(row0 + i) * e->N + col0 + j].fetch_add(1, std::memory_order_relaxed);
    }
}

// Runs one case; with_ep also checks the epilogue (bias + relu, each element exactly once).
bool run_case(const Case& c, const char* isa, bool with_ep) {
  const int64_t ar = c.ta ? c.K : c.M, ac = c.ta ? c.M : c.K;
  const int64_t br = c.tb ? c.N : c.K, bc = c.tb ? c.K : c.N;
  const int64_t lda = ac + c.pad_a, ldb = bc + c.pad_b, ldc = c.N + c.pad_c;
  std::vector<float> A(std::max<int64_t>(1, ar * lda)), B(std::max<int64_t>(1, br * ldb));
  std::vector<float> C(std::max<int64_t>(1, c.M * ldc)), bias(std::max<int64_t>(1, c.N));
  fill(A);
  fill(B);
  fill(C);
  fill(bias);
  const float kSentinel = 12345.0f;
  for (int64_t i = 0; i < c.M; ++i)
    for (int64_t j = c.N; j < ldc; ++j) C[i * ldc + j] = kSentinel;
  if (c.beta == 0.0f)  // beta == 0 must not read C: NaN garbage must not leak
    for (int64_t i = 0; i < c.M; ++i)
      for (int64_t j = 0; j < c.N; ++j) C[i * ldc + j] = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> C0 = C;

  std::vector<std::atomic<int>> visits(std::max<int64_t>(1, c.M * c.N));
  for (auto& v : visits) v.store(0);
  EpCtx ectx{bias.data(), visits.data(), c.N};
  neurite::Epilogue ep{ep_apply, &ectx};
  sgemm(c.ta, c.tb, c.M, c.N, c.K, c.alpha, A.data(), lda, B.data(), ldb, c.beta, C.data(), ldc,
        with_ep ? &ep : nullptr, c.threads);

  const double eps = std::numeric_limits<float>::epsilon();
  int64_t bad = 0;
  double worst = 0;
  for (int64_t i = 0; i < c.M; ++i) {
    for (int64_t j = 0; j < c.N; ++j) {
      double s = 0, mag = 0;
      for (int64_t k = 0; k < c.K; ++k) {
        const double a = c.ta ? A[k * lda + i] : A[i * lda + k];
        const double b = c.tb ? B[j * ldb + k] : B[k * ldb + j];
        s += a * b;
        mag += std::fabs(a * b);
      }
      double ref = c.alpha * s, scale = std::fabs(c.alpha) * mag;
      if (c.beta != 0.0f) {
        ref += double(c.beta) * C0[i * ldc + j];
        scale += std::fabs(double(c.beta) * C0[i * ldc + j]);
      }
      if (with_ep) {
        ref += bias[j];
        scale += std::fabs(bias[j]);
        ref = ref > 0 ? ref : 0;
      }
      const double tol = 4 * eps * double(c.K + 4) * scale + 1e-30;
      const double err = std::fabs(double(C[i * ldc + j]) - ref);
      if (!(err <= tol)) {
        if (bad < 3)
          std::printf("  C[%lld][%lld] = %.9g, want %.9g (tol %.3g)\n", (long long)i,
                      (long long)j, C[i * ldc + j], ref, tol);
        ++bad;
      }
      if (err > worst) worst = err;
      if (with_ep && visits[i * c.N + j].load() != 1) {
        if (bad < 3)
          std::printf("  epilogue visited C[%lld][%lld] %d times\n", (long long)i, (long long)j,
                      visits[i * c.N + j].load());
        ++bad;
      }
    }
    for (int64_t j = c.N; j < ldc; ++j)
      if (C[i * ldc + j] != kSentinel) {
        if (bad < 3) std::printf("  wrote past N at C[%lld][%lld]\n", (long long)i, (long long)j);
        ++bad;
      }
  }
  check(bad == 0, describe(c, isa) + (with_ep ? " +epilogue" : ""));
  return bad == 0;
}

float pick(std::initializer_list<float> v) {
  return *(v.begin() + rand_int(0, int64_t(v.size()) - 1));
}

int64_t rand_dim() {
  switch (rand_int(0, 5)) {
    case 0: return rand_int(0, 3);
    case 1: return rand_int(1, 17);
    case 2: return rand_int(1, 70);
    case 3: return rand_int(30, 140);
    default: return rand_int(60, 260);
  }
}

void test_isa(const char* isa) {
  if (!neurite::sgemm_force_isa(isa)) {
    std::printf("skip %s (CPU cannot run it)\n", isa);
    return;
  }
  check(std::string(neurite::sgemm_isa()) == isa, std::string("sgemm_isa() == ") + isa);

  // Shapes the library uses: MLP layers (forward transB, backward none / transA).
  const int64_t mlp[][3] = {{32, 64, 10}, {32, 64, 64}, {32, 1, 64}, {64, 10, 32},
                            {32, 10, 64}, {1, 64, 32},  {64, 64, 32}, {32, 64, 1},
                            {128, 512, 784}, {512, 784, 128}, {128, 784, 512}};
  for (auto& s : mlp)
    for (int t = 0; t < 4; ++t)
      run_case({bool(t & 1), bool(t & 2), s[0], s[1], s[2], 1.0f, 0.0f, 0, 0, 0, 0}, isa,
               t == 2);

  // Block boundaries: K past KC (several K blocks), N past NC, M past MC, and their edges.
  const int64_t blocks[][3] = {{13, 37, 385}, {25, 33, 769}, {7, 1100, 19}, {1600, 9, 11},
                               {97, 65, 1000}, {12, 32, 384}, {24, 64, 768}, {12, 32, 257},
                               {400, 520, 100}, {40, 1100, 90}};
  for (auto& s : blocks)
    for (int t = 0; t < 4; ++t)
      run_case({bool(t & 1), bool(t & 2), s[0], s[1], s[2], 0.75f, 0.5f, 3, 1, 2, t == 3 ? 1 : 2},
               isa, t == 1 || t == 2);

  // The trans_a pack (vectorised per ISA, 4 k steps at a time): row-panel edges (M mod MR),
  // k tails (kc mod 4), padded lda, through the packed path (M > 16, above the small size).
  for (int64_t M : {17, 23, 25, 35, 47})
    for (int64_t K : {259, 262, 263})
      run_case({true, bool(K & 1), M, 100, K, 1.0f, K == 262 ? 0.5f : 0.0f, 5, 0, 0, 0}, isa,
               M == 25);

  // Degenerate sizes, alpha == 0, K == 0.
  for (int64_t M : {0, 1, 2})
    for (int64_t N : {0, 1, 3})
      for (int64_t K : {0, 1, 5})
        for (int t = 0; t < 4; ++t)
          run_case({bool(t & 1), bool(t & 2), M, N, K, 1.5f, t == 3 ? 0.0f : 2.0f, 1, 0, 1, 0},
                   isa, (M * N * K) % 2 == 1);
  run_case({false, false, 40, 50, 60, 0.0f, 0.5f, 0, 0, 0, 0}, isa, true);
  run_case({false, true, 40, 50, 60, 0.0f, 0.0f, 0, 0, 0, 0}, isa, false);

  // Random shapes.
  for (int it = 0; it < 220; ++it) {
    Case c{rand_int(0, 1) == 1, rand_int(0, 1) == 1, rand_dim(), rand_dim(), rand_dim(),
           pick({1.0f, -0.5f, 2.25f}), pick({0.0f, 1.0f, 0.7f}), rand_int(0, 1) * rand_int(1, 9),
           rand_int(0, 1) * rand_int(1, 9), rand_int(0, 1) * rand_int(1, 9),
           int(rand_int(0, 3))};
    run_case(c, isa, rand_int(0, 3) == 0);
  }
}

// Several threads (like Node worker_threads) calling sgemm at once, large and small.
void test_concurrent() {
  neurite::sgemm_force_isa(neurite::sgemm_isa());
  std::atomic<int> bad{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([t, &bad] {
      std::mt19937 r(t);
      std::normal_distribution<float> d;
      const int64_t n = 96 + 32 * t;
      std::vector<float> A(n * n), B(n * n), C(n * n);
      for (float& x : A) x = d(r);
      for (float& x : B) x = d(r);
      for (int it = 0; it < 6; ++it) {
        const bool tb = it & 1;
        sgemm(false, tb, n, n, n, 1.0f, A.data(), n, B.data(), n, 0.0f, C.data(), n);
        for (int64_t i = 0; i < n; i += 7)
          for (int64_t j = 0; j < n; j += 5) {
            double s = 0, mag = 0;
            for (int64_t k = 0; k < n; ++k) {
              const double p = double(A[i * n + k]) * (tb ? B[j * n + k] : B[k * n + j]);
              s += p;
              mag += std::fabs(p);
            }
            if (std::fabs(C[i * n + j] - s) > 4e-7 * (n + 4) * mag + 1e-30) bad.fetch_add(1);
          }
      }
    });
  for (auto& th : ts) th.join();
  check(bad.load() == 0, "concurrent callers");
}

// The rounding contract of the fp32 products ('highest': results must not change when the
// blocking is tuned per CPU). Each C element is, bit for bit, a chain of fused multiply-adds
// from zero along k; the blocked path cuts K into equal blocks of at most 256 (KC, fixed per
// ISA: the microkernel starts each block from zero and adds its partial sum to C), the small
// path runs one chain over all of K. MC, NC, the thread split and the tile edges do not enter.
// Checked against std::fmaf on the SIMD kernels (the portable kernel's contraction is the
// compiler's), with alpha 1 and beta 0, where the write-back is exact.
float chain(const float* a, int64_t sa, const float* b, int64_t sb, int64_t k0, int64_t k1) {
  float acc = 0.0f;
  for (int64_t k = k0; k < k1; ++k) acc = std::fmaf(a[k * sa], b[k * sb], acc);
  return acc;
}

void test_rounding_contract(const char* isa) {
  if (!neurite::sgemm_force_isa(isa)) return;
  constexpr int64_t kKc = 256;
  // {M, N, K, blocked}: blocked ones above 8 * 64^3 multiply-adds (or 64^3 with M, K > 16);
  // small ones at most 64^3, K past 256 so that one chain differs from K blocks.
  const int64_t shapes[][4] = {{100, 70, 1000, 1}, {37, 300, 784, 1}, {130, 64, 513, 1},
                               {24, 200, 2048, 1}, {200, 33, 300, 1}, {128, 512, 784, 1},
                               {5, 40, 784, 0},    {16, 17, 900, 0},  {9, 23, 1000, 0}};
  int bad = 0, cases = 0;
  for (const auto& s : shapes)
    for (int t = 0; t < 8; ++t) {
      const bool ta = t & 1, tb = t & 2;
      const int threads = (t & 4) ? 2 : 1;
      const int64_t M = s[0], N = s[1], K = s[2];
      std::vector<float> A(M * K), B(K * N), C(M * N, std::numeric_limits<float>::quiet_NaN());
      fill(A);
      fill(B);
      sgemm(ta, tb, M, N, K, 1.0f, A.data(), ta ? M : K, B.data(), tb ? K : N, 0.0f, C.data(),
            N, nullptr, threads);
      const int64_t blocks = s[3] ? (K + kKc - 1) / kKc : 1, kc = (K + blocks - 1) / blocks;
      int64_t wrong = 0;
      for (int64_t i = 0; i < M; ++i)
        for (int64_t j = 0; j < N; ++j) {
          const float* a = ta ? A.data() + i : A.data() + i * K;
          const float* b = tb ? B.data() + j * K : B.data() + j;
          const int64_t sa = ta ? M : 1, sb = tb ? 1 : N;
          float want = 0.0f;
          for (int64_t k0 = 0; k0 < K; k0 += kc) {
            const float part = chain(a, sa, b, sb, k0, std::min(K, k0 + kc));
            want = k0 == 0 ? part : want + part;
          }
          uint32_t x, y;
          std::memcpy(&x, &C[i * N + j], 4);
          std::memcpy(&y, &want, 4);
          wrong += x != y;
        }
      ++cases;
      if (wrong) {
        ++bad;
        std::printf("rounding contract %s ta=%d tb=%d %lldx%lldx%lld threads=%d: %lld elements differ\n",
                    isa, ta, tb, (long long)M, (long long)N, (long long)K, threads, (long long)wrong);
      }
    }
  check(bad == 0, std::string("rounding contract (fma chains, K blocks of <= 256) ") + isa + ", " +
                      std::to_string(cases) + " cases");
}

}  // namespace

int main() {
  const char* detected = neurite::sgemm_isa();
  std::printf("detected isa: %s, threads: %d\n", detected, neurite::sgemm_threads());
  const std::string keep = detected;
  std::string ran, skipped;  // the ISAs this run covers, said out loud (a skipped ISA is not a pass)
  for (const char* isa : {"portable", "avx2", "avx512"}) {
    (neurite::sgemm_force_isa(isa) ? ran : skipped) += std::string(" ") + isa;
    test_isa(isa);
  }
  for (const char* isa : {"avx2", "avx512"}) test_rounding_contract(isa);
  std::printf("ISAs run:%s; skipped (this CPU cannot run them):%s\n", ran.c_str(), skipped.empty() ? " none" : skipped.c_str());
  neurite::sgemm_force_isa(keep.c_str());
  test_concurrent();
  check(!neurite::sgemm_force_isa("sse9"), "unknown isa rejected");
  std::printf("%d passed, %d failed\n", g_passed, g_failed);
  return g_failed == 0 ? 0 : 1;
}
