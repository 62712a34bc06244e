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
  return static_cast<float>(cross_entropy_ex(logits, n, c, target, nullptr, nullptr, -100, 0.0,
                                             kReduceMean, nullptr, grad));
}

// One row's log-sum-exp, in double (the max first, so large logits do not overflow).
static double row_lse(const float* row, int64_t c) {
  double m = -std::numeric_limits<double>::infinity();
  for (int64_t k = 0; k < c; ++k) if (row[k] > m) m = row[k];
  double s = 0;
  for (int64_t k = 0; k < c; ++k) s += std::exp(row[k] - m);
  return m + std::log(s);
}

double cross_entropy_ex(const float* x, int64_t n, int64_t c, const int32_t* target,
                        const float* probs, const float* weight, int64_t ignore, double eps,
                        int reduction, float* out, float* grad) {
  const double keep = 1.0 - eps, share = eps / static_cast<double>(c);
  double wsum = 0;  // Σ_k w_k: the smoothing term's gradient
  for (int64_t k = 0; k < c; ++k) wsum += weight ? weight[k] : 1.0;
  double denom = 0;  // the mean's divisor: Σ w[t_i] over kept rows, or N for probabilities
  if (target) {
    for (int64_t r = 0; r < n; ++r)
      if (target[r] != ignore) denom += weight ? weight[target[r]] : 1.0;
  } else {
    denom = static_cast<double>(n);
  }
  const bool mean = reduction == kReduceMean;
  // probability targets smoothed in float as PyTorch: t * (1 - eps) + eps / C
  const float pk = static_cast<float>(keep), ps = static_cast<float>(share);
  double total = 0;
  for (int64_t r = 0; r < n; ++r) {
    const float* row = x + r * c;
    float* g = grad ? grad + r * c : nullptr;
    double li = 0;
    if (target) {
      const int64_t t = target[r];
      if (t == ignore) {
        if (g) for (int64_t k = 0; k < c; ++k) g[k] = 0.0f;
        if (out) out[r] = 0.0f;
        continue;
      }
      const double lse = row_lse(row, c);
      const double wt = weight ? weight[t] : 1.0;
      li = wt * (lse - row[t]);
      if (eps > 0) {
        double sm = 0;
        for (int64_t k = 0; k < c; ++k) sm += (weight ? weight[k] : 1.0) * (lse - row[k]);
        li = keep * li + share * sm;
      }
      if (g) {
        for (int64_t k = 0; k < c; ++k) {
          const double p = std::exp(row[k] - lse);
          double v = wt * (p - (k == t ? 1.0 : 0.0));
          if (eps > 0) v = keep * v + share * (wsum * p - (weight ? weight[k] : 1.0));
          g[k] = static_cast<float>(mean ? v / denom : v);
        }
      }
    } else {
      const float* q = probs + r * c;
      const double lse = row_lse(row, c);
      double wq = 0;  // Σ_k w_k q_k
      for (int64_t k = 0; k < c; ++k) {
        const float qk = eps > 0 ? q[k] * pk + ps : q[k];
        const double w = weight ? weight[k] * static_cast<double>(qk) : static_cast<double>(qk);
        wq += w;
        li += w * (lse - row[k]);
      }
      if (g) {
        for (int64_t k = 0; k < c; ++k) {
          const float qk = eps > 0 ? q[k] * pk + ps : q[k];
          const double w = weight ? weight[k] * static_cast<double>(qk) : static_cast<double>(qk);
          const double v = wq * std::exp(row[k] - lse) - w;
          g[k] = static_cast<float>(mean ? v / denom : v);
        }
      }
    }
    if (out) out[r] = static_cast<float>(li);
    total += li;
  }
  return mean ? total / denom : total;
}

}  // namespace neurite
