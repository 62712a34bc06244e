// Fused optimizer updates (one pass over p, g and the state), PyTorch 1.13 formulas. The
// rounding points mirror the js backend (lib/backend/js.ts) so both agree bit for bit.
#pragma once
#include <cstdint>

namespace neurite {

// maximize: the gradient's sign flipped (every update below).
void sgd_step(float* p, const float* g, float* buf, int64_t n, double lr, double momentum,
              double dampening, double weight_decay, bool nesterov, bool first, bool maximize);

// step is t after increment; bias corrections in double. vmax non-null: amsgrad.
void adam_step(float* p, const float* g, float* m, float* v, float* vmax, int64_t n, double lr,
               double beta1, double beta2, double eps, double weight_decay, double step,
               bool decoupled, bool maximize);

// gavg non-null: centered; buf non-null: momentum.
void rmsprop_step(float* p, const float* g, float* sq, float* gavg, float* buf, int64_t n,
                  double lr, double alpha, double eps, double weight_decay, double momentum,
                  bool maximize);

// clr: the step's learning rate, lr / (1 + (step - 1) * lr_decay).
void adagrad_step(float* p, const float* g, float* sum, int64_t n, double clr, double weight_decay,
                  double eps, bool maximize);

}  // namespace neurite
