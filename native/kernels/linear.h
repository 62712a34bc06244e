// Linear layer kernels on top of sgemm (gemm.h): forward with the fused bias + activation
// epilogue, backward with the fused activation derivative + bias-gradient column sum.
#pragma once
#include <cstdint>

namespace neurite {

// C = alpha op(A) op(B) + beta C with the Backend.gemm conventions (contiguous storage);
// also defined for K == 0 (C = beta C) and beta == 0 (C never read).
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
          const float* A, const float* B, float beta, float* C);

// Y = act(X W^T + b); X: M x K, W: N x K, b: N or null; pre (M x N, or null) gets X W^T + b.
void linear_forward(const float* X, const float* W, const float* b, int64_t M, int64_t N,
                    int64_t K, int act, float param, float* Y, float* pre);

// dZ = gY * act'(Z); gB = sum_rows dZ; gW = dZ^T X; gX = dZ W. Outputs may be null; with
// accumulate they are added to. Z may be null unless act_needs_pre.
void linear_backward(const float* X, const float* W, int64_t M, int64_t N, int64_t K, int act,
                     float param, const float* Z, const float* Y, const float* gY, float* gX,
                     float* gW, float* gB, bool accumulate);

}  // namespace neurite
