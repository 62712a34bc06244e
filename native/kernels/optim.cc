#include "optim.h"

#include <cmath>

#include "parallel.h"
#include "simd_isa.h"

// The roundings of optim_impl.inc are the point: no mul + add contracted into an FMA. (Adam's
// sqrt vectorises because the build passes -fno-math-errno: nothing reads errno.)
#pragma GCC optimize("fp-contract=off")

namespace neurite {

#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx2,fma")
namespace optim_avx512 {
#include "optim_impl.inc"
}  // namespace optim_avx512
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx2,fma")
namespace optim_avx2 {
#include "optim_impl.inc"
}  // namespace optim_avx2
#pragma GCC pop_options

namespace optim_portable {
#include "optim_impl.inc"
}  // namespace optim_portable

namespace {

struct Sgd {
  float* p; const float* g; float* buf;
  double lr, momentum, dampening, wd;
  bool nesterov, first, maximize;
};
void sgd_chunk(void* c, int64_t lo, int64_t hi) {
  const Sgd& a = *static_cast<const Sgd*>(c);
  float* buf = a.buf ? a.buf + lo : nullptr;
  switch (simd_isa()) {
    case Isa::kAvx512: optim_avx512::sgd_step(a.p + lo, a.g + lo, buf, hi - lo, a.lr, a.momentum, a.dampening, a.wd, a.nesterov, a.first, a.maximize); break;
    case Isa::kAvx2: optim_avx2::sgd_step(a.p + lo, a.g + lo, buf, hi - lo, a.lr, a.momentum, a.dampening, a.wd, a.nesterov, a.first, a.maximize); break;
    default: optim_portable::sgd_step(a.p + lo, a.g + lo, buf, hi - lo, a.lr, a.momentum, a.dampening, a.wd, a.nesterov, a.first, a.maximize); break;
  }
}

struct Adam {
  float *p; const float* g; float *m, *v, *vmax;
  double lr, b1, b2, eps, wd, step;
  bool decoupled, maximize;
};
void adam_chunk(void* c, int64_t lo, int64_t hi) {
  const Adam& a = *static_cast<const Adam*>(c);
  float* vmax = a.vmax ? a.vmax + lo : nullptr;
  switch (simd_isa()) {
    case Isa::kAvx512: optim_avx512::adam_step(a.p + lo, a.g + lo, a.m + lo, a.v + lo, vmax, hi - lo, a.lr, a.b1, a.b2, a.eps, a.wd, a.step, a.decoupled, a.maximize); break;
    case Isa::kAvx2: optim_avx2::adam_step(a.p + lo, a.g + lo, a.m + lo, a.v + lo, vmax, hi - lo, a.lr, a.b1, a.b2, a.eps, a.wd, a.step, a.decoupled, a.maximize); break;
    default: optim_portable::adam_step(a.p + lo, a.g + lo, a.m + lo, a.v + lo, vmax, hi - lo, a.lr, a.b1, a.b2, a.eps, a.wd, a.step, a.decoupled, a.maximize); break;
  }
}

struct Rms {
  float *p; const float* g; float *sq, *gavg, *buf;
  double lr, alpha, eps, wd, momentum;
  bool maximize;
};
void rms_chunk(void* c, int64_t lo, int64_t hi) {
  const Rms& a = *static_cast<const Rms*>(c);
  float* gavg = a.gavg ? a.gavg + lo : nullptr;
  float* buf = a.buf ? a.buf + lo : nullptr;
  switch (simd_isa()) {
    case Isa::kAvx512: optim_avx512::rmsprop_step(a.p + lo, a.g + lo, a.sq + lo, gavg, buf, hi - lo, a.lr, a.alpha, a.eps, a.wd, a.momentum, a.maximize); break;
    case Isa::kAvx2: optim_avx2::rmsprop_step(a.p + lo, a.g + lo, a.sq + lo, gavg, buf, hi - lo, a.lr, a.alpha, a.eps, a.wd, a.momentum, a.maximize); break;
    default: optim_portable::rmsprop_step(a.p + lo, a.g + lo, a.sq + lo, gavg, buf, hi - lo, a.lr, a.alpha, a.eps, a.wd, a.momentum, a.maximize); break;
  }
}

struct Adagrad {
  float *p; const float* g; float* sum;
  double clr, wd, eps;
  bool maximize;
};
void adagrad_chunk(void* c, int64_t lo, int64_t hi) {
  const Adagrad& a = *static_cast<const Adagrad*>(c);
  switch (simd_isa()) {
    case Isa::kAvx512: optim_avx512::adagrad_step(a.p + lo, a.g + lo, a.sum + lo, hi - lo, a.clr, a.wd, a.eps, a.maximize); break;
    case Isa::kAvx2: optim_avx2::adagrad_step(a.p + lo, a.g + lo, a.sum + lo, hi - lo, a.clr, a.wd, a.eps, a.maximize); break;
    default: optim_portable::adagrad_step(a.p + lo, a.g + lo, a.sum + lo, hi - lo, a.clr, a.wd, a.eps, a.maximize); break;
  }
}

}  // namespace

void sgd_step(float* p, const float* g, float* buf, int64_t n, double lr, double momentum,
              double dampening, double weight_decay, bool nesterov, bool first, bool maximize) {
  if (n <= 0) return;
  Sgd a{p, g, buf, lr, momentum, dampening, weight_decay, nesterov, first, maximize};
  if (!parallel_for(n, sgd_chunk, &a)) sgd_chunk(&a, 0, n);
}

void adam_step(float* p, const float* g, float* m, float* v, float* vmax, int64_t n, double lr,
               double beta1, double beta2, double eps, double weight_decay, double step,
               bool decoupled, bool maximize) {
  if (n <= 0) return;
  Adam a{p, g, m, v, vmax, lr, beta1, beta2, eps, weight_decay, step, decoupled, maximize};
  if (!parallel_for(n, adam_chunk, &a)) adam_chunk(&a, 0, n);
}

void rmsprop_step(float* p, const float* g, float* sq, float* gavg, float* buf, int64_t n,
                  double lr, double alpha, double eps, double weight_decay, double momentum,
                  bool maximize) {
  if (n <= 0) return;
  Rms a{p, g, sq, gavg, buf, lr, alpha, eps, weight_decay, momentum, maximize};
  if (!parallel_for(n, rms_chunk, &a)) rms_chunk(&a, 0, n);
}

void adagrad_step(float* p, const float* g, float* sum, int64_t n, double clr, double weight_decay,
                  double eps, bool maximize) {
  if (n <= 0) return;
  Adagrad a{p, g, sum, clr, weight_decay, eps, maximize};
  if (!parallel_for(n, adagrad_chunk, &a)) adagrad_chunk(&a, 0, n);
}

}  // namespace neurite
