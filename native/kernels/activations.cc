// Instantiates the generic activation kernels (act_impl.inc) once per ISA, each inside its own
// namespace and `#pragma GCC target` region (the per-function target attribute applied to the
// whole region), and dispatches at run time. No global -m flags: one binary for any x86-64.
#include "activations.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <immintrin.h>

#include "simd_isa.h"

// Every fused multiply-add in the formulas is written out (fma/fnma); the compiler must not
// contract the other mul + add pairs, or results drift from PyTorch's and the js backend's.
#pragma GCC optimize("fp-contract=off")

namespace neurite {

#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx2,fma")
namespace act_avx512 {
#include "vec_avx512.inc"
#include "vmath_impl.inc"
#include "act_impl.inc"
}  // namespace act_avx512
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx2,fma")
namespace act_avx2 {
#include "vec_avx2.inc"
#include "vmath_impl.inc"
#include "act_impl.inc"
}  // namespace act_avx2
#pragma GCC pop_options

namespace act_portable {
#include "vec_scalar.inc"
#include "vmath_impl.inc"
#include "act_impl.inc"
}  // namespace act_portable

void act_forward(int act, float param, const float* x, const float* bias, float* pre, float* y,
                 int64_t n) {
  if (n <= 0) return;
  switch (simd_isa()) {
    case Isa::kAvx512: act_avx512::forward(act, param, x, bias, pre, y, n); break;
    case Isa::kAvx2: act_avx2::forward(act, param, x, bias, pre, y, n); break;
    default: act_portable::forward(act, param, x, bias, pre, y, n); break;
  }
}

void act_backward(int act, float param, const float* z, const float* y, const float* gy,
                  float* gx, int64_t n) {
  if (n <= 0) return;
  switch (simd_isa()) {
    case Isa::kAvx512: act_avx512::backward(act, param, z, y, gy, gx, n); break;
    case Isa::kAvx2: act_avx2::backward(act, param, z, y, gy, gx, n); break;
    default: act_portable::backward(act, param, z, y, gy, gx, n); break;
  }
}

void act_math(int fn, const float* x, float* y, int64_t n) {
  switch (simd_isa()) {
    case Isa::kAvx512: act_avx512::math(fn, x, y, n); break;
    case Isa::kAvx2: act_avx2::math(fn, x, y, n); break;
    default: act_portable::math(fn, x, y, n); break;
  }
}

}  // namespace neurite
