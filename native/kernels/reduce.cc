#include "reduce.h"

#include "activations.h"

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

// One row's exponentials e_k = exp(x_k - max) (float, vectorised) into e; returns Σ e_k (double,
// four interleaved sums k mod 4 added pairwise: a fixed order, the js twin's) and sets
// *lse = max + log Σ e_k.
static double row_exp(const float* row, int64_t c, float* e, double* lse) {
  const float m = act_exp_row(row, e, c);
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int64_t k = 0;
  for (; k + 4 <= c; k += 4) { s0 += e[k]; s1 += e[k + 1]; s2 += e[k + 2]; s3 += e[k + 3]; }
  for (; k < c; ++k) s0 += e[k];
  const double s = (s0 + s1) + (s2 + s3);
  *lse = static_cast<double>(m) + std::log(s);
  return s;
}

// Σ_k w_k (lse - x_k), in four interleaved sums (k mod 4) added pairwise, as the js twin.
static double smooth_sum(const float* row, int64_t c, const float* w, double lse) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int64_t k = 0;
  if (w) {
    for (; k + 4 <= c; k += 4) {
      s0 += w[k] * (lse - row[k]); s1 += w[k + 1] * (lse - row[k + 1]);
      s2 += w[k + 2] * (lse - row[k + 2]); s3 += w[k + 3] * (lse - row[k + 3]);
    }
    for (; k < c; ++k) s0 += w[k] * (lse - row[k]);
  } else {
    for (; k + 4 <= c; k += 4) {
      s0 += lse - row[k]; s1 += lse - row[k + 1]; s2 += lse - row[k + 2]; s3 += lse - row[k + 3];
    }
    for (; k < c; ++k) s0 += lse - row[k];
  }
  return (s0 + s1) + (s2 + s3);
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
  const double scale = reduction == kReduceMean ? 1.0 / denom : 1.0;
  // probability targets smoothed in float as PyTorch: t * (1 - eps) + eps / C
  const float pk = static_cast<float>(keep), ps = static_cast<float>(share);
  std::vector<float> scratch(grad ? 0 : static_cast<size_t>(c));
  double total = 0;
  for (int64_t r = 0; r < n; ++r) {
    const float* row = x + r * c;
    float* g = grad ? grad + r * c : nullptr;
    float* e = g ? g : scratch.data();  // the exponentials, then the gradient in their place
    double li = 0, lse;
    if (target) {
      const int64_t t = target[r];
      if (t == ignore) {
        if (g) for (int64_t k = 0; k < c; ++k) g[k] = 0.0f;
        if (out) out[r] = 0.0f;
        continue;
      }
      const double inv = 1.0 / row_exp(row, c, e, &lse);
      const double wt = weight ? weight[t] : 1.0;
      li = wt * (lse - row[t]);
      if (eps > 0) {
        li = keep * li + share * smooth_sum(row, c, weight, lse);
      }
      if (g) {
        // (keep·wt·(p - δ) + share·(W·p - w_k))·scale
        const double a = keep * wt * scale, b = share * wsum * scale, d = share * scale;
        const double pt = e[t] * inv;
        if (weight) {
          for (int64_t k = 0; k < c; ++k) { const double p = e[k] * inv; g[k] = static_cast<float>(a * p + b * p - d * weight[k]); }
        } else {
          for (int64_t k = 0; k < c; ++k) { const double p = e[k] * inv; g[k] = static_cast<float>(a * p + b * p - d); }
        }
        g[t] = static_cast<float>(a * (pt - 1.0) + b * pt - d * (weight ? weight[t] : 1.0));
      }
    } else {
      const float* q = probs + r * c;
      const double inv = 1.0 / row_exp(row, c, e, &lse);
      // wq = Σ_k w_k q_k and the loss Σ_k w_k q_k (lse - x_k), each in four interleaved sums (k mod 4)
      double wa[4] = {0, 0, 0, 0}, la[4] = {0, 0, 0, 0};
      for (int64_t k = 0; k < c; ++k) {
        const float qk = eps > 0 ? q[k] * pk + ps : q[k];
        const double w = weight ? weight[k] * static_cast<double>(qk) : static_cast<double>(qk);
        wa[k & 3] += w;
        la[k & 3] += w * (lse - row[k]);
      }
      const double wq = (wa[0] + wa[1]) + (wa[2] + wa[3]);
      li = (la[0] + la[1]) + (la[2] + la[3]);
      if (g) {
        for (int64_t k = 0; k < c; ++k) {
          const float qk = eps > 0 ? q[k] * pk + ps : q[k];
          const double w = weight ? weight[k] * static_cast<double>(qk) : static_cast<double>(qk);
          g[k] = static_cast<float>((wq * (e[k] * inv) - w) * scale);
        }
      }
    }
    if (out) out[r] = static_cast<float>(li);
    total += li;
  }
  return total * scale;
}

}  // namespace neurite
