#include "reduce.h"

#include <cmath>
#include <limits>
#include <vector>

namespace neurite {

void sum_axis(const float* x, int64_t outer, int64_t d, int64_t inner, float* out) {
  if (inner == 1) {
    for (int64_t o = 0; o < outer; ++o) {
      const float* row = x + o * d;
      double s = 0;
      for (int64_t j = 0; j < d; ++j) s += row[j];
      out[o] = static_cast<float>(s);
    }
    return;
  }
  std::vector<double> acc(static_cast<size_t>(inner));
  for (int64_t o = 0; o < outer; ++o) {
    std::fill(acc.begin(), acc.end(), 0.0);
    for (int64_t j = 0; j < d; ++j) {
      const float* row = x + (o * d + j) * inner;
      for (int64_t i = 0; i < inner; ++i) acc[i] += row[i];
    }
    for (int64_t i = 0; i < inner; ++i) out[o * inner + i] = static_cast<float>(acc[i]);
  }
}

void max_axis(const float* x, int64_t outer, int64_t d, int64_t inner, float* out_val,
              int32_t* out_idx) {
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const float* col = x + o * d * inner + i;
      float best = -std::numeric_limits<float>::infinity();
      int64_t bi = 0;
      for (int64_t j = 0; j < d; ++j) {
        float v = col[j * inner];
        if (v > best || v != v) { best = v; bi = j; if (v != v) break; }
      }
      out_val[o * inner + i] = d > 0 ? col[bi * inner] : std::numeric_limits<float>::quiet_NaN();
      out_idx[o * inner + i] = static_cast<int32_t>(bi);
    }
  }
}

void softmax(const float* x, int64_t outer, int64_t d, int64_t inner, float* y, bool log) {
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const float* xs = x + o * d * inner + i;
      float* ys = y + o * d * inner + i;
      double m = -std::numeric_limits<double>::infinity();
      for (int64_t j = 0; j < d; ++j) { double v = xs[j * inner]; if (v > m) m = v; }
      if (m == -std::numeric_limits<double>::infinity()) m = 0;  // all -inf: NaN, as PyTorch
      double s = 0;
      for (int64_t j = 0; j < d; ++j) s += std::exp(xs[j * inner] - m);
      if (log) {
        double ls = std::log(s);
        for (int64_t j = 0; j < d; ++j) ys[j * inner] = static_cast<float>(xs[j * inner] - m - ls);
      } else {
        for (int64_t j = 0; j < d; ++j)
          ys[j * inner] = static_cast<float>(std::exp(xs[j * inner] - m) / s);
      }
    }
  }
}

void softmax_backward(const float* y, const float* gy, int64_t outer, int64_t d, int64_t inner,
                      float* gx, bool log) {
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const int64_t base = o * d * inner + i;
      double s = 0;
      if (log) {
        for (int64_t j = 0; j < d; ++j) s += gy[base + j * inner];
        for (int64_t j = 0; j < d; ++j) {
          const int64_t k = base + j * inner;
          gx[k] = static_cast<float>(gy[k] - std::exp(static_cast<double>(y[k])) * s);
        }
      } else {
        for (int64_t j = 0; j < d; ++j) {
          const int64_t k = base + j * inner;
          s += static_cast<double>(gy[k]) * y[k];
        }
        for (int64_t j = 0; j < d; ++j) {
          const int64_t k = base + j * inner;
          gx[k] = static_cast<float>(y[k] * (gy[k] - s));
        }
      }
    }
  }
}

float cross_entropy(const float* logits, int64_t n, int64_t c, const int32_t* target,
                    float* grad) {
  double total = 0;
  for (int64_t r = 0; r < n; ++r) {
    const float* row = logits + r * c;
    double m = -std::numeric_limits<double>::infinity();
    for (int64_t k = 0; k < c; ++k) if (row[k] > m) m = row[k];
    double s = 0;
    for (int64_t k = 0; k < c; ++k) s += std::exp(row[k] - m);
    const double lse = m + std::log(s);
    const int32_t t = target[r];
    total += lse - row[t];
    if (grad) {
      float* g = grad + r * c;
      for (int64_t k = 0; k < c; ++k)
        g[k] = static_cast<float>((std::exp(row[k] - lse) - (k == t ? 1.0 : 0.0)) / n);
    }
  }
  return static_cast<float>(total / n);
}

}  // namespace neurite
