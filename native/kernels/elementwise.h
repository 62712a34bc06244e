// Elementwise kernels: unary ops, binary ops with broadcasting, axpy. Ids shared with
// lib/backend/types.ts (`Unary`, `Binary`). Arithmetic mirrors the js backend (double
// intermediates, one rounding on store) so both backends agree bit for bit.
#pragma once
#include <cstdint>

namespace neurite {

enum UnaryOp : int {
  kNeg = 0, kExp = 1, kLog = 2, kSqrt = 3, kAbs = 4, kPow = 5, kClamp = 6, kScale = 7,
  kRecip = 8, kSign = 9,
};
constexpr int kUnaryCount = 10;
enum BinaryOp : int { kAdd = 0, kSub = 1, kMul = 2, kDiv = 3 };
constexpr int kBinaryCount = 4;

// y = op(x) over n elements; y may equal x.
void unary(int op, const float* x, float* y, int64_t n, double p, double q);

// out = a op b; the three shapes have the same rank, each a/b dim equals the out dim or 1.
void binary(int op, const float* a, const int64_t* a_shape, const float* b,
            const int64_t* b_shape, float* out, const int64_t* out_shape, int rank);

// dst[Σ i_k·ds_k] = src[Σ i_k·ss_k] over every index of shape (rank dims; offsets already
// applied to the pointers). Strides are non-negative; the caller checks both layouts stay
// inside their arrays and do not overlap. Rows are memcpy'd when both inner strides are 1,
// transposes go through 32×32 tiles (src read in cache-line runs, dst written in runs).
void strided_copy(int rank, const int64_t* shape, const float* src, const int64_t* ss, float* dst,
                  const int64_t* ds);

// out[i] += alpha * x[i].
void axpy(int64_t n, double alpha, const float* x, float* out);

}  // namespace neurite
