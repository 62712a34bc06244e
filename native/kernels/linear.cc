#include "linear.h"

#include <algorithm>
#include <vector>

#include "activations.h"
#include "gemm.h"

namespace neurite {
namespace {

struct FwdCtx {
  const float* bias;
  float* pre;
  int64_t ldpre;
  int act;
  float param;
};

void fwd_epilogue(const Epilogue* self, float* c, int64_t ldc, int64_t row0, int64_t col0,
                  int64_t rows, int64_t cols) {
  const FwdCtx& x = *static_cast<const FwdCtx*>(self->ctx);
  act_forward_rows(x.act, x.param, c, ldc, x.bias ? x.bias + col0 : nullptr,
                   x.pre ? x.pre + row0 * x.ldpre + col0 : nullptr, x.ldpre, rows, cols);
}

// Scratch reused across calls of one thread: no allocation on the hot path once warm.
std::vector<float>& scratch_f() { thread_local std::vector<float> v; return v; }
std::vector<double>& scratch_d() { thread_local std::vector<double> v; return v; }

}  // namespace

void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
          const float* A, const float* B, float beta, float* C) {
  if (M == 0 || N == 0) return;
  if (K == 0 || alpha == 0) {
    const int64_t n = M * N;
    if (beta == 0) std::fill(C, C + n, 0.0f);
    else if (beta != 1) for (int64_t i = 0; i < n; ++i) C[i] *= beta;
    return;
  }
  sgemm(trans_a, trans_b, M, N, K, alpha, A, trans_a ? M : K, B, trans_b ? K : N, beta, C, N);
}

void linear_forward(const float* X, const float* W, const float* b, int64_t M, int64_t N,
                    int64_t K, int act, float param, float* Y, float* pre, bool trans_w,
                    const WeightKey* wkey) {
  if (M == 0 || N == 0) return;
  FwdCtx ctx{b, pre, N, act, param};
  Epilogue ep{fwd_epilogue, &ctx};
  const bool need_ep = b != nullptr || pre != nullptr || act != kActIdentity;
  if (K == 0) {  // X W^T is all zeros; the epilogue still applies bias and activation
    std::fill(Y, Y + M * N, 0.0f);
    if (need_ep) fwd_epilogue(&ep, Y, N, 0, 0, M, N);
    return;
  }
  ScopedWeightKey key(wkey);
  sgemm(false, !trans_w, M, N, K, 1.0f, X, K, W, trans_w ? N : K, 0.0f, Y, N,
        need_ep ? &ep : nullptr);
}

void linear_chain(const float* X, int64_t M, int L, const int64_t* dims, const int* acts,
                  const float* params, const float* const* W, const float* const* b, float* S,
                  float* Y, const WeightKey* wkeys) {
  int64_t hidden = 0;
  for (int i = 1; i < L; ++i) hidden = std::max(hidden, dims[i]);
  const float* in = X;
  for (int i = 0; i < L; ++i) {
    float* out = i + 1 == L ? Y : S + (i % 2) * M * hidden;
    linear_forward(in, W[i], b[i], M, dims[i + 1], dims[i], acts[i], params[i], out, nullptr,
                   false, wkeys ? wkeys + i : nullptr);
    in = out;
  }
}

void linear_backward(const float* X, const float* W, int64_t M, int64_t N, int64_t K, int act,
                     float param, const float* Z, const float* Y, const float* gY, float* gX,
                     float* gW, float* gB, bool accumulate, bool trans_w) {
  const float* dZ = gY;
  const bool need_dz = act != kActIdentity && M > 0 && N > 0 && (gX || gW || gB);
  std::vector<double>& acc = scratch_d();
  if (gB) acc.assign(static_cast<size_t>(N), 0.0);
  if (need_dz) {
    std::vector<float>& buf = scratch_f();
    if (buf.size() < static_cast<size_t>(M * N)) buf.resize(static_cast<size_t>(M * N));
    float* d = buf.data();
    // One pass: each row's derivative is summed into the bias gradient while in cache.
    for (int64_t i = 0; i < M; ++i) {
      const int64_t o = i * N;
      act_backward(act, param, Z ? Z + o : nullptr, Y ? Y + o : nullptr, gY + o, d + o, N);
      if (gB) for (int64_t j = 0; j < N; ++j) acc[j] += d[o + j];
    }
    dZ = d;
  } else if (gB) {
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) acc[j] += gY[i * N + j];
  }
  if (gB)
    for (int64_t j = 0; j < N; ++j)
      gB[j] = static_cast<float>((accumulate ? static_cast<double>(gB[j]) : 0.0) + acc[j]);
  const float beta = accumulate ? 1.0f : 0.0f;
  if (gW) gemm(true, false, N, K, M, 1.0f, dZ, X, beta, gW);
  if (gX) gemm(false, trans_w, M, K, N, 1.0f, dZ, W, beta, gX);
}

}  // namespace neurite
