#include "elementwise.h"

#include <cmath>
#include <vector>

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

}  // namespace neurite
