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
  bool nesterov, first;
};
void sgd_chunk(void* c, int64_t lo, int64_t hi) {
  const Sgd& a = *static_cast<const Sgd*>(c);
  float* buf = a.buf ? a.buf + lo : nullptr;
  switch (simd_isa()) {
    case Isa::kAvx512: optim_avx512::sgd_step(a.p + lo, a.g + lo, buf, hi - lo, a.lr, a.momentum, a.dampening, a.wd, a.nesterov, a.first); break;
    case Isa::kAvx2: optim_avx2::sgd_step(a.p + lo, a.g + lo, buf, hi - lo, a.lr, a.momentum, a.dampening, a.wd, a.nesterov, a.first); break;
    default: optim_portable::sgd_step(a.p + lo, a.g + lo, buf, hi - lo, a.lr, a.momentum, a.dampening, a.wd, a.nesterov, a.first); break;
  }
}

struct Adam {
  float *p; const float* g; float *m, *v;
  double lr, b1, b2, eps, wd, step;
  bool decoupled;
};
void adam_chunk(void* c, int64_t lo, int64_t hi) {
  const Adam& a = *static_cast<const Adam*>(c);
  switch (simd_isa()) {
    case Isa::kAvx512: optim_avx512::adam_step(a.p + lo, a.g + lo, a.m + lo, a.v + lo, hi - lo, a.lr, a.b1, a.b2, a.eps, a.wd, a.step, a.decoupled); break;
    case Isa::kAvx2: optim_avx2::adam_step(a.p + lo, a.g + lo, a.m + lo, a.v + lo, hi - lo, a.lr, a.b1, a.b2, a.eps, a.wd, a.step, a.decoupled); break;
    default: optim_portable::adam_step(a.p + lo, a.g + lo, a.m + lo, a.v + lo, hi - lo, a.lr, a.b1, a.b2, a.eps, a.wd, a.step, a.decoupled); break;
  }
}

}  // namespace

void sgd_step(float* p, const float* g, float* buf, int64_t n, double lr, double momentum,
              double dampening, double weight_decay, bool nesterov, bool first) {
  if (n <= 0) return;
  Sgd a{p, g, buf, lr, momentum, dampening, weight_decay, nesterov, first};
  if (!parallel_for(n, sgd_chunk, &a)) sgd_chunk(&a, 0, n);
}

void adam_step(float* p, const float* g, float* m, float* v, int64_t n, double lr, double beta1,
               double beta2, double eps, double weight_decay, double step, bool decoupled) {
  if (n <= 0) return;
  Adam a{p, g, m, v, lr, beta1, beta2, eps, weight_decay, step, decoupled};
  if (!parallel_for(n, adam_chunk, &a)) adam_chunk(&a, 0, n);
}

}  // namespace neurite
