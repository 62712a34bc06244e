#include "elementwise.h"

#include "simd_isa.h"
#include "transpose.h"

#include <cmath>
#include <cstring>
#include <vector>
#if defined(__SSE2__)
#include <emmintrin.h>  // SSE2 is the x86-64 baseline: no run-time dispatch needed
#endif

namespace neurite {
namespace {

template <class F>
void map(const float* x, float* y, int64_t n, F f) {
  for (int64_t i = 0; i < n; ++i) y[i] = static_cast<float>(f(static_cast<double>(x[i])));
}

// Float arithmetic on two floats is correctly rounded, exactly as the js backend's double
// arithmetic rounded once on store, so plain float loops (auto-vectorised) agree bit for bit.
template <class F>
void binary_loops(F f, const float* a, const int64_t* as, const float* b, const int64_t* bs,
                  float* out, const int64_t* os, int rank) {
  int64_t n = 1, na = 1, nb = 1;
  for (int d = 0; d < rank; ++d) { n *= os[d]; na *= as[d]; nb *= bs[d]; }
  if (n == 0) return;
  if (na == n && nb == n) { for (int64_t i = 0; i < n; ++i) out[i] = f(a[i], b[i]); return; }
  if (nb == 1 && na == n) { float s = b[0]; for (int64_t i = 0; i < n; ++i) out[i] = f(a[i], s); return; }
  if (na == 1 && nb == n) { float s = a[0]; for (int64_t i = 0; i < n; ++i) out[i] = f(s, b[i]); return; }
  // General case: walk the output row by row (last dim), with per-input strides that are 0
  // on broadcast dims.
  std::vector<int64_t> sa(rank), sb(rank), idx(rank, 0);
  int64_t acc_a = 1, acc_b = 1;
  for (int d = rank - 1; d >= 0; --d) {
    sa[d] = as[d] == 1 ? 0 : acc_a; acc_a *= as[d];
    sb[d] = bs[d] == 1 ? 0 : acc_b; acc_b *= bs[d];
  }
  const int64_t last = os[rank - 1], la = sa[rank - 1], lb = sb[rank - 1];
  int64_t ia = 0, ib = 0;
  for (int64_t o = 0; o < n; o += last) {
    float* dst = out + o;
    if (la == 1 && lb == 1) { for (int64_t j = 0; j < last; ++j) dst[j] = f(a[ia + j], b[ib + j]); }
    else if (la == 1 && lb == 0) { float s = b[ib]; for (int64_t j = 0; j < last; ++j) dst[j] = f(a[ia + j], s); }
    else if (la == 0 && lb == 1) { float s = a[ia]; for (int64_t j = 0; j < last; ++j) dst[j] = f(s, b[ib + j]); }
    else { for (int64_t j = 0; j < last; ++j) dst[j] = f(a[ia + j * la], b[ib + j * lb]); }
    for (int d = rank - 2; d >= 0; --d) {
      ++idx[d]; ia += sa[d]; ib += sb[d];
      if (idx[d] < os[d]) break;
      ia -= sa[d] * idx[d]; ib -= sb[d] * idx[d]; idx[d] = 0;
    }
  }
}

}  // namespace

void unary(int op, const float* x, float* y, int64_t n, double p, double q) {
  switch (op) {
    case kNeg: for (int64_t i = 0; i < n; ++i) y[i] = -x[i]; break;
    case kExp: map(x, y, n, [](double v) { return std::exp(v); }); break;
    case kLog: map(x, y, n, [](double v) { return std::log(v); }); break;
    case kSqrt: for (int64_t i = 0; i < n; ++i) y[i] = std::sqrt(x[i]); break;  // exact in float
    case kAbs: for (int64_t i = 0; i < n; ++i) y[i] = std::fabs(x[i]); break;
    case kPow: map(x, y, n, [p](double v) { return std::pow(v, p); }); break;
    case kClamp: map(x, y, n, [p, q](double v) { return v < p ? p : v > q ? q : v; }); break;
    case kScale: map(x, y, n, [p, q](double v) { return v * p + q; }); break;
    case kRecip: map(x, y, n, [](double v) { return 1.0 / v; }); break;
    case kSign:
      for (int64_t i = 0; i < n; ++i) { float v = x[i]; y[i] = v > 0 ? 1.0f : v < 0 ? -1.0f : v; }
      break;
    default: break;
  }
}

void binary(int op, const float* a, const int64_t* as, const float* b, const int64_t* bs,
            float* out, const int64_t* os, int rank) {
  switch (op) {
    case kAdd: binary_loops([](float u, float v) { return u + v; }, a, as, b, bs, out, os, rank); break;
    case kSub: binary_loops([](float u, float v) { return u - v; }, a, as, b, bs, out, os, rank); break;
    case kMul: binary_loops([](float u, float v) { return u * v; }, a, as, b, bs, out, os, rank); break;
    case kDiv: binary_loops([](float u, float v) { return u / v; }, a, as, b, bs, out, os, rank); break;
    default: break;
  }
}

void axpy(int64_t n, double alpha, const float* x, float* out) {
  if (alpha == 1.0) {
    for (int64_t i = 0; i < n; ++i) out[i] += x[i];
  } else {
    for (int64_t i = 0; i < n; ++i) out[i] = static_cast<float>(out[i] + alpha * x[i]);
  }
}

namespace {

constexpr int64_t kTile = 32;

// dst[i·d0 + j·d1] = src[i·s0 + j·s1], i < n0, j < n1.
void copy2d(int64_t n0, int64_t n1, const float* src, int64_t s0, int64_t s1, float* dst, int64_t d0, int64_t d1) {
  if (s1 == 1 && d1 == 1) {
    for (int64_t i = 0; i < n0; ++i) std::memcpy(dst + i * d0, src + i * s0, static_cast<size_t>(n1) * sizeof(float));
    return;
  }
  if (d1 == 1 && s0 == 1) {
    // A transpose into contiguous rows. When both row strides are multiples of 4 KB, every row
    // maps to the same L1 set and the 32x32 tiles below thrash it: in-register 16x16
    // tiles in wide strips (transpose.h) take it with AVX-512 (1024^2: 0.66-0.85 ns/elem vs
    // 0.80-0.93; 2048^2: 0.73-0.75 vs 0.81-0.97). On other strides the tiles below measured
    // faster (784^2: 0.51-0.56 vs 0.94-1.0; 768, 1000, 1152, 1536 likewise; Xeon model 207).
    const TransposeCopy tc = simd_isa() == Isa::kAvx512 ? transpose_copy_avx512() : nullptr;
    if (tc && s1 % 1024 == 0 && d0 % 1024 == 0) return tc(n0, n1, src, s1, dst, d0);
    // tiles so that both sides stay in cache
    for (int64_t i0 = 0; i0 < n0; i0 += kTile) {
      const int64_t i1 = i0 + kTile < n0 ? i0 + kTile : n0;
      for (int64_t j0 = 0; j0 < n1; j0 += kTile) {
        const int64_t j1 = j0 + kTile < n1 ? j0 + kTile : n1;
        if (i1 - i0 == kTile && j1 - j0 == kTile) {
#if defined(__SSE2__)
          // 4×4 blocks transposed in registers: four 16-byte loads, four 16-byte stores
          for (int64_t i = i0; i < i1; i += 4)
            for (int64_t j = j0; j < j1; j += 4) {
              const float* s = src + i + j * s1;
              __m128 r0 = _mm_loadu_ps(s), r1 = _mm_loadu_ps(s + s1), r2 = _mm_loadu_ps(s + 2 * s1),
                     r3 = _mm_loadu_ps(s + 3 * s1);
              _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
              float* d = dst + i * d0 + j;
              _mm_storeu_ps(d, r0);
              _mm_storeu_ps(d + d0, r1);
              _mm_storeu_ps(d + 2 * d0, r2);
              _mm_storeu_ps(d + 3 * d0, r3);
            }
#else
          for (int64_t i = i0; i < i1; ++i) {
            float* __restrict d = dst + i * d0 + j0;
            const float* __restrict s = src + i + j0 * s1;
            for (int64_t j = 0; j < kTile; ++j) d[j] = s[j * s1];
          }
#endif
        } else {
          for (int64_t i = i0; i < i1; ++i)
            for (int64_t j = j0; j < j1; ++j) dst[i * d0 + j] = src[i + j * s1];
        }
      }
    }
    return;
  }
  for (int64_t i0 = 0; i0 < n0; i0 += kTile) {
    const int64_t i1 = i0 + kTile < n0 ? i0 + kTile : n0;
    for (int64_t j0 = 0; j0 < n1; j0 += kTile) {
      const int64_t j1 = j0 + kTile < n1 ? j0 + kTile : n1;
      for (int64_t i = i0; i < i1; ++i)
        for (int64_t j = j0; j < j1; ++j) dst[i * d0 + j * d1] = src[i * s0 + j * s1];
    }
  }
}

}  // namespace

void strided_copy(int rank, const int64_t* shape, const float* src, const int64_t* ss, float* dst,
                  const int64_t* ds) {
  // drop size-1 dims, merge neighbours that are contiguous in both layouts
  std::vector<int64_t> n, a, b;
  for (int i = 0; i < rank; ++i) {
    const int64_t d = shape[i];
    if (d == 0) return;
    if (d == 1) continue;
    if (!n.empty() && a.back() == d * ss[i] && b.back() == d * ds[i]) {
      n.back() *= d; a.back() = ss[i]; b.back() = ds[i];
    } else {
      n.push_back(d); a.push_back(ss[i]); b.push_back(ds[i]);
    }
  }
  const int r = static_cast<int>(n.size());
  if (r == 0) { dst[0] = src[0]; return; }
  if (r == 1) {
    if (a[0] == 1 && b[0] == 1) { std::memcpy(dst, src, static_cast<size_t>(n[0]) * sizeof(float)); return; }
    for (int64_t i = 0; i < n[0]; ++i) dst[i * b[0]] = src[i * a[0]];
    return;
  }
  // the two innermost dims as a 2-D copy; if the src's unit stride is on the outer of the two,
  // the 2-D kernel's transpose path takes it
  std::vector<int64_t> idx(r > 2 ? r - 2 : 0, 0);
  int64_t ps = 0, pd = 0;
  for (;;) {
    copy2d(n[r - 2], n[r - 1], src + ps, a[r - 2], a[r - 1], dst + pd, b[r - 2], b[r - 1]);
    int d = r - 3;
    for (; d >= 0; --d) {
      ++idx[d]; ps += a[d]; pd += b[d];
      if (idx[d] < n[d]) break;
      ps -= idx[d] * a[d]; pd -= idx[d] * b[d]; idx[d] = 0;
    }
    if (d < 0) return;
  }
}

}  // namespace neurite
