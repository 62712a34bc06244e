// Linear layer kernels on top of sgemm (gemm.h): forward with the fused bias + activation
// epilogue, backward with the fused activation derivative + bias-gradient column sum.
#pragma once
#include <cstdint>

#include "gemm.h"

namespace neurite {

// C = alpha op(A) op(B) + beta C with the Backend.gemm conventions (contiguous storage);
// also defined for K == 0 (C = beta C) and beta == 0 (C never read).
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
          const float* A, const float* B, float beta, float* C);

// Y = act(X W^T + b); X: M x K, W: N x K, b: N or null; pre (M x N, or null) gets X W^T + b.
// trans_w: W is stored transposed (K x N, the contiguous storage of a transposed view), read
// in place through the GEMM flag. wkey (or null): W's identity for the packed-weight cache of
// the bf16 products (gemm.h WeightKey).
void linear_forward(const float* X, const float* W, const float* b, int64_t M, int64_t N,
                    int64_t K, int act, float param, float* Y, float* pre,
                    bool trans_w = false, const WeightKey* wkey = nullptr);

// Inference through L linear layers in one call: h_0 = X (M x dims[0]),
// h_i = act_i(h_{i-1} W_i^T + b_i) with W_i: dims[i] x dims[i-1] and b_i: dims[i] or null;
// Y (M x dims[L]) gets h_L. The hidden h_i live in S, which holds (L > 2 ? 2 : 1) buffers of
// M * max(dims[1..L-1]) floats, used in turn. wkeys (L keys, or null): the weights' identities
// for the packed-weight cache (gemm.h).
void linear_chain(const float* X, int64_t M, int L, const int64_t* dims, const int* acts,
                  const float* params, const float* const* W, const float* const* b, float* S,
                  float* Y, const WeightKey* wkeys = nullptr);

// dZ = gY * act'(Z); gB = sum_rows dZ; gW = dZ^T X; gX = dZ W. Outputs may be null; with
// accumulate they are added to. Z may be null unless act_needs_pre. trans_w: W is stored
// K x N (as in linear_forward); gW is N x K either way (the gradient of the N x K view).
void linear_backward(const float* X, const float* W, int64_t M, int64_t N, int64_t K, int act,
                     float param, const float* Z, const float* Y, const float* gY, float* gX,
                     float* gW, float* gB, bool accumulate, bool trans_w = false);

}  // namespace neurite
