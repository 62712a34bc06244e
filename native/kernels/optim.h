// Fused optimizer updates (one pass over p, g and the state), PyTorch 1.13 formulas. The
// rounding points mirror the js backend (lib/backend/js.ts) so both agree bit for bit.
#pragma once
#include <cstdint>

namespace neurite {

void sgd_step(float* p, const float* g, float* buf, int64_t n, double lr, double momentum,
              double dampening, double weight_decay, bool nesterov, bool first);

// step is t after increment; bias corrections in double.
void adam_step(float* p, const float* g, float* m, float* v, int64_t n, double lr, double beta1,
               double beta2, double eps, double weight_decay, double step, bool decoupled);

}  // namespace neurite
