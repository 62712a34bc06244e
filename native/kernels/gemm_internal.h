// Internals shared by the GEMM driver (gemm.cc) and the per-ISA kernels (gemm_<isa>.cc).
#pragma once
#include <cstddef>
#include <cstdint>

namespace neurite {
namespace gemm {

// Packed A: micro-panels of MR rows, each MR * a_ld floats apart.
//  - rows layout (op(A) = A, not transposed): row r of a panel at a + r*a_ld, k contiguous;
//    packing is a row copy and the kernel broadcasts from MR streams.
//  - k-major layout (trans_a): element (r, k) at a + k*MR + r; packing is a copy of MR
//    contiguous floats per k.
// Either way packing never transposes A. Rows past M are zero.
//
// Packed B: micro-panels of NR columns, each NR * kc floats apart, element (k, j) at
// b + k*NR + j; columns past N are zero. Packing transposes when trans_b (ISA-specific).

// Computes the mr x nr tile C = alpha * Ap * Bp + beta * C (beta == 0: C is not read) for
// mr <= MR, nr <= NR, over kc steps of k.
using MicroKernel = void (*)(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                             int mr, int nr, float alpha, float beta);
// Packs op(B)[k0 : k0+kc, j0 : j0+nc] into micro-panels at bp.
using PackB = void (*)(bool trans_b, const float* B, int64_t ldb, int64_t k0, int64_t kc,
                       int64_t j0, int64_t nc, float* bp);
// The whole product without packing A (small products), on the calling thread.
using SmallGemm = void (*)(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K,
                           float alpha, const float* A, int64_t lda, const float* B,
                           int64_t ldb, float beta, float* C, int64_t ldc);

struct Kernel {
  const char* name;
  int mr, nr;
  int64_t kc;    // K block
  int64_t a_ld;  // row stride of rows-layout A panels (>= kc; panels are MR * a_ld apart)
  int64_t mc;  // M block: packed A (mc x kc) lives in L2/L3 and is reused over all of N
  int64_t nc;  // N block: packed B (kc x nc) stays in L2 while A micro-panels sweep it
  // Loop order: false = an A micro-panel stays in L1 while packed B (kc x nc, L2) streams by;
  // true = a B micro-panel stays in L1 while packed A (mc x kc, L2) streams by.
  bool b_in_l1;
  MicroKernel ukr_rows;    // A packed in rows layout
  MicroKernel ukr_kmajor;  // A packed k-major
  PackB pack_b;
  SmallGemm small;
  // Optional: !trans_a && trans_b with N < 16 (Linear with few outputs, any batch), as dot
  // products along K, where a 16-wide N vector would be mostly empty.
  SmallGemm narrow;
};

const Kernel* portable_kernel();
const Kernel* avx2_kernel();    // nullptr when not compiled (non-x86)
const Kernel* avx512_kernel();  // nullptr when not compiled (non-x86)

// Thread-local, 64-byte aligned scratch that only grows. Slots: 0 = packed A, 1 = packed B,
// 2 = small-path copies of B (transposed) or of a vector. Never shrinks, freed at thread exit.
float* scratch(int slot, size_t floats);

}  // namespace gemm
}  // namespace neurite
