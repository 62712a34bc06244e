// The activation table (the one copy in C++): ids shared with lib/backend/types.ts `Act`.
// Plain C++17, no Node headers. Kernels are vectorised for AVX-512 / AVX2+FMA / portable,
// chosen at run time (simd_isa.h).
#pragma once
#include <cstdint>

namespace neurite {

enum ActId : int {
  kActIdentity = 0,
  kActRelu = 1,
  kActLeakyRelu = 2,  // param: negative slope
  kActGeluErf = 3,
  kActGeluTanh = 4,
  kActSigmoid = 5,
  kActTanh = 6,
  kActElu = 7,  // param: alpha
};
constexpr int kActCount = 8;

inline bool act_valid(int act) { return act >= 0 && act < kActCount; }
// Whether the derivative needs the pre-activation (mirror of actNeedsPre in types.ts).
inline bool act_needs_pre(int act, float param) {
  return act == kActGeluErf || act == kActGeluTanh ||
         ((act == kActLeakyRelu || act == kActElu) && param < 0);
}

// y = act(x + bias) over n elements; bias (n values) and pre (receives x + bias) may be null.
// x may equal y (in place). Large n is split over the thread pool (threadpool.h).
void act_forward(int act, float param, const float* x, const float* bias, float* pre, float* y,
                 int64_t n);
// gx = gy * act'(z). z may be null unless act_needs_pre; y is the forward output (may be null
// when z is given). gx may equal gy.
void act_backward(int act, float param, const float* z, const float* y, const float* gy,
                  float* gx, int64_t n);

// y = act(c + bias) in place over a rows x cols tile of c (leading dimension ldc), bias per
// column (cols values, or null), pre (leading dimension ldpre, or null) receives c + bias. The
// GEMM epilogue's form: one dispatch per tile, never threaded.
void act_forward_rows(int act, float param, float* c, int64_t ldc, const float* bias, float* pre,
                      int64_t ldpre, int64_t rows, int64_t cols);

// The vector math behind the table, exposed for the accuracy tests: fn 0 = exp, 1 = tanh,
// 2 = erf as PyTorch computes it.
void act_math(int fn, const float* x, float* y, int64_t n);
// m = max of x (n >= 1; a NaN in x makes the row's results NaN whichever m is found), then
// y = exp(x - m) with each difference rounded to float, as fround(Math.exp(fround(x - m))) (the
// exp of act_math fn 0); y may equal x; returns m. Softmax cross-entropy's row exponentials.
float act_exp_row(const float* x, float* y, int64_t n);

}  // namespace neurite
