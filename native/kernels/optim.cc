#include "optim.h"

#include <cmath>

namespace neurite {

void sgd_step(float* p, const float* g, float* buf, int64_t n, double lr, double momentum,
              double dampening, double weight_decay, bool nesterov, bool first) {
  const bool use_buf = momentum != 0 && buf != nullptr;
  for (int64_t i = 0; i < n; ++i) {
    double d = weight_decay != 0 ? static_cast<float>(g[i] + weight_decay * p[i])
                                 : static_cast<double>(g[i]);
    if (use_buf) {
      buf[i] = first ? static_cast<float>(d)
                     : static_cast<float>(momentum * buf[i] + (1 - dampening) * d);
      d = nesterov ? static_cast<float>(d + momentum * buf[i]) : static_cast<double>(buf[i]);
    }
    p[i] = static_cast<float>(p[i] - lr * d);
  }
}

void adam_step(float* p, const float* g, float* m, float* v, int64_t n, double lr, double beta1,
               double beta2, double eps, double weight_decay, double step, bool decoupled) {
  const double bc1 = 1 - std::pow(beta1, step);
  const double bc2 = 1 - std::pow(beta2, step);
  // Each PyTorch tensor op rounds to float32; the factors below are those roundings.
  const float step_size = static_cast<float>(lr / bc1);
  const float bc2_sqrt = static_cast<float>(std::sqrt(bc2));
  const float one_m_b1 = static_cast<float>(1 - beta1);
  const float one_m_b2 = static_cast<float>(1 - beta2);
  const float decay = static_cast<float>(1 - lr * weight_decay);
  const bool wd = weight_decay != 0;
  for (int64_t i = 0; i < n; ++i) {
    double gi = g[i];
    if (wd) {
      if (decoupled) p[i] = static_cast<float>(static_cast<double>(p[i]) * decay);
      else gi = static_cast<float>(gi + static_cast<float>(weight_decay * p[i]));
    }
    const float mi = static_cast<float>(static_cast<double>(static_cast<float>(m[i] * beta1)) +
                                        static_cast<float>(gi * one_m_b1));
    const float gg = static_cast<float>(gi * gi);
    const float vi = static_cast<float>(static_cast<double>(static_cast<float>(v[i] * beta2)) +
                                        static_cast<float>(static_cast<double>(gg) * one_m_b2));
    m[i] = mi;
    v[i] = vi;
    const float sq = static_cast<float>(std::sqrt(static_cast<double>(vi)));
    const float denom = static_cast<float>(static_cast<double>(static_cast<float>(
        static_cast<double>(sq) / bc2_sqrt)) + eps);
    const float upd = static_cast<float>(static_cast<double>(step_size) *
                                         static_cast<float>(static_cast<double>(mi) / denom));
    p[i] = static_cast<float>(static_cast<double>(p[i]) - upd);
  }
}

}  // namespace neurite
