// Instantiates the generic activation kernels (act_impl.inc) once per ISA, each inside its own
// namespace and `#pragma GCC target` region (the per-function target attribute applied to the
// whole region), and dispatches at run time. No global -m flags: one binary for any x86-64.
#include "activations.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <immintrin.h>

#include "simd_isa.h"
#include "threadpool.h"

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

// Elementwise work at least this long is split over the pool: below it the hand-off (a few us
// when the workers sleep) costs more than the second core saves.
constexpr int64_t kParallelMin = int64_t{1} << 17;
// Chunks start on 64-byte boundaries of the arrays (when the arrays are aligned), and no chunk
// is shorter than this.
constexpr int64_t kChunkAlign = 16;

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

struct Job {
  bool fwd;
  int act;
  float param;
  const float *a, *b, *c;  // fwd: x, bias, -; bwd: z, y, gy
  float *pre, *out;
  int64_t n, chunk;
};

void run_part(void* ctx, int i) {
  const Job& j = *static_cast<const Job*>(ctx);
  const int64_t lo = i * j.chunk;
  if (lo >= j.n) return;
  const int64_t len = j.n - lo < j.chunk ? j.n - lo : j.chunk;
  auto at = [lo](const float* p) { return p ? p + lo : nullptr; };
  if (j.fwd) fwd1(j.act, j.param, j.a + lo, at(j.b), j.pre ? j.pre + lo : nullptr, j.out + lo, len);
  else bwd1(j.act, j.param, at(j.a), at(j.b), j.c + lo, j.out + lo, len);
}

// Runs the job on the pool when it is large enough and the pool is free; false otherwise.
bool parallel(Job& j) {
  if (j.n < kParallelMin) return false;
  const int threads = ThreadPool::default_threads();
  if (threads < 2) return false;
  ThreadPool& pool = ThreadPool::instance();
  int parts = pool.size() < threads ? pool.size() : threads;
  if (parts < 2) return false;
  j.chunk = (j.n + parts - 1) / parts;
  j.chunk = (j.chunk + kChunkAlign - 1) / kChunkAlign * kChunkAlign;
  parts = static_cast<int>((j.n + j.chunk - 1) / j.chunk);
  return pool.try_run(parts, run_part, &j);
}

}  // namespace

void act_forward(int act, float param, const float* x, const float* bias, float* pre, float* y,
                 int64_t n) {
  if (n <= 0) return;
  Job j{true, act, param, x, bias, nullptr, pre, y, n, 0};
  if (!parallel(j)) fwd1(act, param, x, bias, pre, y, n);
}

void act_backward(int act, float param, const float* z, const float* y, const float* gy,
                  float* gx, int64_t n) {
  if (n <= 0) return;
  Job j{false, act, param, z, y, gy, nullptr, gx, n, 0};
  if (!parallel(j)) bwd1(act, param, z, y, gy, gx, n);
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

}  // namespace neurite
