// C++ tests of the non-GEMM kernels (ctest): vector exp/tanh equal to double libm rounded to
// float over a dense sweep, identical bits across AVX-512 / AVX2 / portable, and the fused linear kernels
// against a double reference (odd sizes, K = 0, accumulate).
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "activations.h"
#include "elementwise.h"
#include "linear.h"
#include "reduce.h"
#include "simd_isa.h"

using namespace neurite;

static int failures = 0;
#define CHECK(cond, ...)                              \
  do {                                                \
    if (!(cond)) {                                    \
      ++failures;                                     \
      std::printf("FAIL %s:%d: ", __FILE__, __LINE__); \
      std::printf(__VA_ARGS__);                       \
      std::printf("\n");                              \
    }                                                 \
  } while (0)

static int64_t ord(float f) {
  int32_t i;
  std::memcpy(&i, &f, 4);
  return i < 0 ? static_cast<int64_t>(INT32_MIN) - i : i;
}
static int64_t ulps(float a, double ref) {
  float r = static_cast<float>(ref);
  if (std::isnan(a) && std::isnan(r)) return 0;
  if (std::isinf(r) || std::isinf(a)) return a == r ? 0 : INT32_MAX;
  return std::llabs(ord(a) - ord(r));
}
static const char* kIsas[] = {"avx512", "avx2", "portable"};

static void test_math_accuracy(uint32_t step) {
  std::vector<float> xs;
  for (uint32_t b = 0; b < 0x7f800000u; b += step) {
    float f;
    std::memcpy(&f, &b, 4);
    if (f > 105) break;
    xs.push_back(f);
    xs.push_back(-f);
  }
  std::vector<float> y(xs.size());
  for (const char* isa : kIsas) {
    if (!simd_force_isa(isa)) continue;
    for (int fn = 0; fn < 2; ++fn) {
      act_math(fn, xs.data(), y.data(), static_cast<int64_t>(xs.size()));
      int64_t worst = 0;
      float wx = 0;
      for (size_t i = 0; i < xs.size(); ++i) {
        double r = fn == 0 ? std::exp(static_cast<double>(xs[i])) : std::tanh(static_cast<double>(xs[i]));
        int64_t u = ulps(y[i], r);
        if (u > worst) { worst = u; wx = xs[i]; }
      }
      std::printf("%s %s: worst %lld ulp (x = %g) over %zu points\n", isa, fn ? "tanh" : "exp",
                  static_cast<long long>(worst), wx, xs.size());
      // evaluated in double and rounded once: the same float as fround(double libm), which
      // the js backend computes (fround(Math.exp / Math.tanh))
      CHECK(worst == 0, "%s %s: %lld ulp at %g", isa, fn ? "tanh" : "exp", static_cast<long long>(worst), wx);
    }
  }
}

static void test_isa_agreement() {
  std::mt19937 g(7);
  std::uniform_real_distribution<float> u(-12, 12);
  const int64_t n = 4099;  // vector tails on every ISA
  std::vector<float> x(n), gy(n);
  for (auto& v : x) v = u(g);
  for (auto& v : gy) v = u(g);
  x[0] = 0.0f; x[1] = -0.0f; x[2] = NAN; x[3] = INFINITY; x[4] = -INFINITY; x[5] = -100; x[6] = 100;
  const float params[] = {0, 0, 0.01f, 0, 0, 0, 0, 1.0f};
  for (int act = 0; act < kActCount; ++act) {
    std::vector<float> ref_y, ref_g;
    for (const char* isa : kIsas) {
      if (!simd_force_isa(isa)) continue;
      std::vector<float> y(n), gx(n), pre(n), b(n, 0.25f), yb(n);
      act_forward(act, params[act], x.data(), nullptr, nullptr, y.data(), n);
      act_backward(act, params[act], x.data(), y.data(), gy.data(), gx.data(), n);
      act_forward(act, params[act], x.data(), b.data(), pre.data(), yb.data(), n);
      for (int64_t i = 7; i < n; ++i) CHECK(pre[i] == x[i] + 0.25f, "act %d pre", act);
      if (ref_y.empty()) { ref_y = y; ref_g = gx; continue; }
      int64_t bad = 0;
      for (int64_t i = 0; i < n; ++i) {
        if (std::memcmp(&y[i], &ref_y[i], 4) != 0 && !(std::isnan(y[i]) && std::isnan(ref_y[i]))) ++bad;
        if (std::memcmp(&gx[i], &ref_g[i], 4) != 0 && !(std::isnan(gx[i]) && std::isnan(ref_g[i]))) ++bad;
      }
      CHECK(bad == 0, "act %d: %s differs from avx512 in %lld values", act, isa, static_cast<long long>(bad));
    }
  }
  simd_force_isa("avx512") || simd_force_isa("avx2");
}

// Large calls are split over the thread pool: the same bits as short (single-thread) calls.
static void test_parallel_split() {
  std::mt19937 g(5);
  std::uniform_real_distribution<float> u(-6, 6);
  const int64_t n = (int64_t{1} << 18) + 37, piece = 1000;
  std::vector<float> x(n), gy(n), y(n), gx(n), y1(n), gx1(n);
  for (auto& v : x) v = u(g);
  for (auto& v : gy) v = u(g);
  for (int act : {kActRelu, kActGeluErf, kActTanh, kActElu}) {
    act_forward(act, 1.0f, x.data(), nullptr, nullptr, y.data(), n);
    act_backward(act, 1.0f, x.data(), y.data(), gy.data(), gx.data(), n);
    for (int64_t i = 0; i < n; i += piece) {
      const int64_t m = n - i < piece ? n - i : piece;
      act_forward(act, 1.0f, x.data() + i, nullptr, nullptr, y1.data() + i, m);
      act_backward(act, 1.0f, x.data() + i, y1.data() + i, gy.data() + i, gx1.data() + i, m);
    }
    CHECK(std::memcmp(y.data(), y1.data(), n * 4) == 0, "act %d: split forward differs", act);
    CHECK(std::memcmp(gx.data(), gx1.data(), n * 4) == 0, "act %d: split backward differs", act);
  }
}

static void test_linear() {
  std::mt19937 g(11);
  std::uniform_real_distribution<float> u(-1, 1);
  const int64_t shapes[][3] = {{1, 1, 1}, {3, 5, 7}, {32, 64, 10}, {17, 33, 65}, {4, 3, 0}, {129, 70, 31}};
  for (auto& s : shapes) {
    const int64_t M = s[0], N = s[1], K = s[2];
    std::vector<float> X(M * K), W(N * K), b(N), Y(M * N), pre(M * N), gY(M * N);
    for (auto* v : {&X, &W, &b, &gY}) for (auto& e : *v) e = u(g);
    linear_forward(X.data(), W.data(), b.data(), M, N, K, kActTanh, 0, Y.data(), pre.data());
    std::vector<double> Z(M * N);
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) {
        double acc = b[j];
        for (int64_t k = 0; k < K; ++k) acc += static_cast<double>(X[i * K + k]) * W[j * K + k];
        Z[i * N + j] = acc;
        CHECK(std::fabs(pre[i * N + j] - acc) <= 1e-5 * (1 + std::fabs(acc)), "pre %lld,%lld,%lld", (long long)M, (long long)N, (long long)K);
        CHECK(std::fabs(Y[i * N + j] - std::tanh(acc)) <= 1e-5, "Y");
      }
    for (int accumulate = 0; accumulate < 2; ++accumulate) {
      std::vector<float> gX(M * K, 1.0f), gW(N * K, 1.0f), gB(N, 1.0f);
      linear_backward(X.data(), W.data(), M, N, K, kActTanh, 0, pre.data(), Y.data(), gY.data(),
                      gX.data(), gW.data(), gB.data(), accumulate != 0);
      const double base = accumulate ? 1.0 : 0.0;
      std::vector<double> dZ(M * N);
      for (int64_t i = 0; i < M * N; ++i) dZ[i] = gY[i] * (1.0 - static_cast<double>(Y[i]) * Y[i]);
      for (int64_t j = 0; j < N; ++j) {
        double s = base;
        for (int64_t i = 0; i < M; ++i) s += dZ[i * N + j];
        CHECK(std::fabs(gB[j] - s) <= 1e-4 * (1 + std::fabs(s)), "gB");
        for (int64_t k = 0; k < K; ++k) {
          double w = base;
          for (int64_t i = 0; i < M; ++i) w += dZ[i * N + j] * X[i * K + k];
          CHECK(std::fabs(gW[j * K + k] - w) <= 1e-4 * (1 + std::fabs(w)), "gW");
        }
      }
      for (int64_t i = 0; i < M; ++i)
        for (int64_t k = 0; k < K; ++k) {
          double x = base;
          for (int64_t j = 0; j < N; ++j) x += dZ[i * N + j] * W[j * K + k];
          CHECK(std::fabs(gX[i * K + k] - x) <= 1e-4 * (1 + std::fabs(x)), "gX");
        }
    }
  }
}

static void test_cross_entropy() {
  const float logits[] = {1, 2, 3, -1, 0, 1000};
  const int32_t t[] = {2, 0};
  float grad[6];
  float loss = cross_entropy(logits, 2, 3, t, grad);
  double l0 = std::log(std::exp(-2.0) + std::exp(-1.0) + 1.0);
  CHECK(std::fabs(loss - (l0 + 1001.0) / 2) < 1e-3, "loss %g", loss);
  for (int r = 0; r < 2; ++r) {
    double s = 0;
    for (int c = 0; c < 3; ++c) s += grad[r * 3 + c];
    CHECK(std::fabs(s) < 1e-6, "grad row sums to 0");
  }
}

// strided_copy on every ISA: the transpose path (16x16 / 8x8 register tiles, masked edges) on
// sizes around the tile widths, padded source / destination strides, a 3-D permute, and
// non-transposing layouts; compared element by element with the index arithmetic.
static void test_strided_copy() {
  std::mt19937 g(11);
  std::uniform_int_distribution<int64_t> pad(0, 5);
  const int64_t sizes[] = {1, 2, 7, 8, 9, 15, 16, 17, 31, 33, 64, 100};
  for (const char* isa : kIsas) {
    if (!simd_force_isa(isa)) continue;
    int64_t bad = 0, cases = 0;
    for (int64_t n0 : sizes)
      for (int64_t n1 : sizes) {
        // dst (n0 x n1, row stride d0) = transpose of src (n1 x n0, row stride s1)
        const int64_t s1 = n0 + pad(g), d0 = n1 + pad(g);
        std::vector<float> src(static_cast<size_t>(n1 * s1)), dst(static_cast<size_t>(n0 * d0), -7.0f);
        for (size_t i = 0; i < src.size(); ++i) src[i] = static_cast<float>(i) * 0.5f - 3.0f;
        const int64_t shape[] = {n0, n1}, ss[] = {1, s1}, ds[] = {d0, 1};
        strided_copy(2, shape, src.data(), ss, dst.data(), ds);
        ++cases;
        for (int64_t i = 0; i < n0; ++i)
          for (int64_t j = 0; j < d0; ++j) {
            const float want = j < n1 ? src[static_cast<size_t>(i + j * s1)] : -7.0f;  // padding untouched
            if (std::memcmp(&dst[static_cast<size_t>(i * d0 + j)], &want, 4) != 0) ++bad;
          }
      }
    // row strides that are multiples of 4 KB (the AVX-512 register-tile path), with edges
    for (int64_t n0 : {1000, 37, 1024})
      for (int64_t n1 : {17, 1024, 5}) {
        const int64_t s1 = 1024, d0 = 2048;
        std::vector<float> src(static_cast<size_t>(n1 * s1)), dst(static_cast<size_t>(n0 * d0), -7.0f);
        for (size_t i = 0; i < src.size(); ++i) src[i] = static_cast<float>(i % 8191) - 9.0f;
        const int64_t shape[] = {n0, n1}, ss[] = {1, s1}, ds[] = {d0, 1};
        strided_copy(2, shape, src.data(), ss, dst.data(), ds);
        ++cases;
        for (int64_t i = 0; i < n0; ++i)
          for (int64_t j = 0; j < d0; ++j) {
            const float want = j < n1 ? src[static_cast<size_t>(i + j * s1)] : -7.0f;
            if (std::memcmp(&dst[static_cast<size_t>(i * d0 + j)], &want, 4) != 0) ++bad;
          }
      }
    // 3-D permute (2, 0, 1) of a [5, 19, 37] tensor: the transpose of the two inner dims per
    // outer index, and a plain layout (row copies)
    {
      const int64_t A = 5, Bd = 19, C = 37;
      std::vector<float> src(static_cast<size_t>(A * Bd * C)), dst(src.size()), dst2(src.size());
      for (size_t i = 0; i < src.size(); ++i) src[i] = static_cast<float>(i);
      const int64_t shape[] = {C, A, Bd}, ss[] = {1, Bd * C, C}, ds[] = {A * Bd, Bd, 1};
      strided_copy(3, shape, src.data(), ss, dst.data(), ds);
      for (int64_t c = 0; c < C; ++c)
        for (int64_t a = 0; a < A; ++a)
          for (int64_t b = 0; b < Bd; ++b)
            if (dst[static_cast<size_t>(c * A * Bd + a * Bd + b)] != src[static_cast<size_t>(a * Bd * C + b * C + c)]) ++bad;
      const int64_t shape2[] = {A, Bd, C}, s2[] = {Bd * C, C, 1};
      strided_copy(3, shape2, src.data(), s2, dst2.data(), s2);
      if (dst2 != src) ++bad;
      ++cases;
    }
    CHECK(bad == 0, "strided_copy on %s: %lld wrong elements over %lld cases", isa, static_cast<long long>(bad),
          static_cast<long long>(cases));
    std::printf("%s strided_copy: %lld cases\n", isa, static_cast<long long>(cases));
  }
  simd_force_isa("avx512") || simd_force_isa("avx2");
}

int main() {
  const char* env = std::getenv("NEURITE_TEST_STEP");
#if defined(__SANITIZE_ADDRESS__)
  uint32_t step = 1009;  // sanitizer builds are ~10x slower
#else
  uint32_t step = 37;
#endif
  if (env) step = static_cast<uint32_t>(std::strtoul(env, nullptr, 10));
  std::string ran, skipped;  // the ISAs this run covers, said out loud (a skipped ISA is not a pass)
  for (const char* isa : kIsas) (simd_force_isa(isa) ? ran : skipped) += std::string(" ") + isa;
  simd_force_isa("avx512") || simd_force_isa("avx2");
  std::printf("ISAs run:%s; skipped (this CPU cannot run them):%s\n", ran.c_str(), skipped.empty() ? " none" : skipped.c_str());
  test_math_accuracy(step);
  test_isa_agreement();
  test_parallel_split();
  test_linear();
  test_cross_entropy();
  test_strided_copy();
  std::printf("%s (%d failures)\n", failures ? "FAILED" : "ok", failures);
  return failures ? 1 : 0;
}
