// Portable kernels (any architecture): plain loops the compiler vectorises with the baseline ISA.
#include <algorithm>
#include <cstring>

#include "gemm_internal.h"

namespace neurite {
namespace gemm {
namespace {

constexpr int MR = 4, NR = 16;
constexpr int64_t KC = 256, MC = 512, NC = 1024;

template <bool KMAJOR>
void ukr(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, int mr, int nr,
         float alpha, float beta) {
  float acc[MR][NR] = {};
  for (int64_t k = 0; k < kc; ++k) {
    for (int r = 0; r < MR; ++r) {
      const float av = KMAJOR ? a[k * MR + r] : a[r * KC + k];
      for (int j = 0; j < NR; ++j) acc[r][j] += av * b[j];
    }
    b += NR;
  }
  for (int r = 0; r < mr; ++r) {
    float* cr = c + r * ldc;
    if (beta == 0.0f) {
      for (int j = 0; j < nr; ++j) cr[j] = alpha * acc[r][j];
    } else {
      for (int j = 0; j < nr; ++j) cr[j] = alpha * acc[r][j] + beta * cr[j];
    }
  }
}

void pack_b(bool trans_b, const float* B, int64_t ldb, int64_t k0, int64_t kc, int64_t j0,
            int64_t nc, float* bp) {
  for (int64_t jp = 0; jp < nc; jp += NR) {
    float* panel = bp + (jp / NR) * NR * kc;
    const int64_t w = std::min<int64_t>(NR, nc - jp);
    for (int64_t k = 0; k < kc; ++k) {
      float* dst = panel + k * NR;
      if (!trans_b) {
        std::memcpy(dst, B + (k0 + k) * ldb + j0 + jp, sizeof(float) * w);
      } else {
        const float* src = B + (j0 + jp) * ldb + k0 + k;
        for (int64_t j = 0; j < w; ++j) dst[j] = src[j * ldb];
      }
      for (int64_t j = w; j < NR; ++j) dst[j] = 0.0f;
    }
  }
}

// Row i of C accumulates op(A)[i][k] * op(B)[k][:], 64 columns at a time, in registers/L1.
void small(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
           int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  constexpr int64_t W = 64;
  const int64_t ask = ta ? lda : 1, asi = ta ? 1 : lda;  // op(A)[i][k] = A[i*asi + k*ask]
  const int64_t bsk = tb ? 1 : ldb, bsj = tb ? ldb : 1;  // op(B)[k][j] = B[k*bsk + j*bsj]
  for (int64_t j0 = 0; j0 < N; j0 += W) {
    const int64_t w = std::min(W, N - j0);
    for (int64_t i = 0; i < M; ++i) {
      float acc[W] = {};
      for (int64_t k = 0; k < K; ++k) {
        const float av = A[i * asi + k * ask];
        const float* brow = B + k * bsk + j0 * bsj;
        if (bsj == 1) {
          for (int64_t j = 0; j < w; ++j) acc[j] += av * brow[j];
        } else {
          for (int64_t j = 0; j < w; ++j) acc[j] += av * brow[j * bsj];
        }
      }
      float* c = C + i * ldc + j0;
      if (beta == 0.0f) {
        for (int64_t j = 0; j < w; ++j) c[j] = alpha * acc[j];
      } else {
        for (int64_t j = 0; j < w; ++j) c[j] = alpha * acc[j] + beta * c[j];
      }
    }
  }
}

const Kernel kPortable = {"portable", MR, NR, KC, KC, MC, NC, false, ukr<false>, ukr<true>, pack_b, small, nullptr};

}  // namespace

const Kernel* portable_kernel() { return &kPortable; }

}  // namespace gemm
}  // namespace neurite
