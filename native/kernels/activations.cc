// Instantiates the generic activation kernels (act_impl.inc) once per ISA, each inside its own
// namespace and `#pragma GCC target` region (the per-function target attribute applied to the
// whole region), and dispatches at run time. No global -m flags: one binary for any x86-64.
#include "activations.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <immintrin.h>

#include "simd_isa.h"
#include "parallel.h"

// Every fused multiply-add in the formulas is written out (fma/fnma); the compiler must not
// contract the other mul + add pairs, or results drift from PyTorch's and the js backend's.
#pragma GCC optimize("fp-contract=off")
// GCC 12's own intrinsics (_mm512_cvtpd_ps on an _mm256_undefined_ps) trip this warning.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

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

namespace {

void fwd1(int act, float param, const float* x, const float* bias, float* pre, float* y,
          int64_t n) {
  switch (simd_isa()) {
    case Isa::kAvx512: act_avx512::forward(act, param, x, bias, pre, y, n); break;
    case Isa::kAvx2: act_avx2::forward(act, param, x, bias, pre, y, n); break;
    default: act_portable::forward(act, param, x, bias, pre, y, n); break;
  }
}

void bwd1(int act, float param, const float* z, const float* y, const float* gy, float* gx,
          int64_t n) {
  switch (simd_isa()) {
    case Isa::kAvx512: act_avx512::backward(act, param, z, y, gy, gx, n); break;
    case Isa::kAvx2: act_avx2::backward(act, param, z, y, gy, gx, n); break;
    default: act_portable::backward(act, param, z, y, gy, gx, n); break;
  }
}

const float* at(const float* p, int64_t lo) { return p ? p + lo : nullptr; }
float* at(float* p, int64_t lo) { return p ? p + lo : nullptr; }

struct Fwd { int act; float param; const float *x, *bias; float *pre, *y; };
void fwd_chunk(void* c, int64_t lo, int64_t hi) {
  const Fwd& j = *static_cast<const Fwd*>(c);
  fwd1(j.act, j.param, j.x + lo, at(j.bias, lo), at(j.pre, lo), j.y + lo, hi - lo);
}
struct Bwd { int act; float param; const float *z, *y, *gy; float* gx; };
void bwd_chunk(void* c, int64_t lo, int64_t hi) {
  const Bwd& j = *static_cast<const Bwd*>(c);
  bwd1(j.act, j.param, at(j.z, lo), at(j.y, lo), j.gy + lo, j.gx + lo, hi - lo);
}

}  // namespace

void act_forward(int act, float param, const float* x, const float* bias, float* pre, float* y,
                 int64_t n) {
  if (n <= 0) return;
  Fwd j{act, param, x, bias, pre, y};
  if (!parallel_for(n, fwd_chunk, &j)) fwd1(act, param, x, bias, pre, y, n);
}

void act_backward(int act, float param, const float* z, const float* y, const float* gy,
                  float* gx, int64_t n) {
  if (n <= 0) return;
  Bwd j{act, param, z, y, gy, gx};
  if (!parallel_for(n, bwd_chunk, &j)) bwd1(act, param, z, y, gy, gx, n);
}

void act_forward_rows(int act, float param, float* c, int64_t ldc, const float* bias, float* pre,
                      int64_t ldpre, int64_t rows, int64_t cols) {
  if (rows <= 0 || cols <= 0) return;
  switch (simd_isa()) {
    case Isa::kAvx512: act_avx512::forward_rows(act, param, c, ldc, bias, pre, ldpre, rows, cols); break;
    case Isa::kAvx2: act_avx2::forward_rows(act, param, c, ldc, bias, pre, ldpre, rows, cols); break;
    default: act_portable::forward_rows(act, param, c, ldc, bias, pre, ldpre, rows, cols); break;
  }
}

void act_math(int fn, const float* x, float* y, int64_t n) {
  switch (simd_isa()) {
    case Isa::kAvx512: act_avx512::math(fn, x, y, n); break;
    case Isa::kAvx2: act_avx2::math(fn, x, y, n); break;
    default: act_portable::math(fn, x, y, n); break;
  }
}

float act_exp_row(const float* x, float* y, int64_t n) {
  switch (simd_isa()) {
    case Isa::kAvx512: return act_avx512::exp_row(x, y, n);
    case Isa::kAvx2: return act_avx2::exp_row(x, y, n);
    default: return act_portable::exp_row(x, y, n);
  }
}

}  // namespace neurite
