// Internals shared by the GEMM driver (gemm.cc) and the per-ISA kernels (gemm_<isa>.cc).
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "gemm.h"

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
// Packs op(A)[i0 : i0+mc, k0 : k0+kc] of a trans_a A (stored K x M, lda) into k-major
// micro-panels at ap (panels MR * a_ld floats apart; rows past mc zero).
using PackAT = void (*)(const float* A, int64_t lda, int64_t i0, int64_t mc, int64_t k0,
                        int64_t kc, float* ap);
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
  // The trans_a pack of A (k-major), vectorised per ISA; nullptr: the driver's portable copy.
  PackAT pack_a_t = nullptr;
};

const Kernel* portable_kernel();
const Kernel* avx2_kernel();    // nullptr when not compiled (non-x86)
const Kernel* avx512_kernel();  // nullptr when not compiled (non-x86)

// Thread-local, 64-byte aligned scratch that only grows. Slots: 0 = packed A, 1 = packed B,
// 2 = small-path copies of B (transposed) or of a vector; 3, 4 = the bf16 path (packed bf16
// A / B, or the portable path's rounded copies of A / B). Never shrinks, freed at thread exit.
constexpr int kScratchSlots = 5;
float* scratch(int slot, size_t floats);

// One product being computed by the driver of kernel family Kr (Kernel: fp32, gemm.cc;
// KernelBf16: bf16, gemm_bf16.cc), shared by the threads that take parts of C.
template <class Kr>
struct GemmProblem {
  const Kr* kr;
  bool ta, tb;
  int64_t M, N, K;
  float alpha, beta;
  const float* A;
  int64_t lda;
  const float* B;
  int64_t ldb;
  float* C;
  int64_t ldc;
  const Epilogue* ep;
  int tm, tn;                // grid of parts of C
  std::atomic<int> next{0};  // next part to take: threads take parts until none is left
  int parts = 1;             // bf16: 1 = 'medium', 3 = 'high' (hi*hi + lo*hi + hi*lo)
  const uint16_t* bpack = nullptr;  // bf16: the whole of B already packed (gemm_bf16.cc cache)
};

// Block-size and thread-split helpers of the fp32 driver, shared with the bf16 driver.
// The block size <= limit that cuts n into equal blocks, a multiple of unit where possible.
int64_t balanced(int64_t n, int64_t limit, int64_t unit);
// Splits [0, total) into `parts` pieces aligned to `unit`; piece `i` is [lo, hi).
void split(int64_t total, int parts, int i, int64_t unit, int64_t* lo, int64_t* hi);
// The tm x tn grid of parts of C for `threads` threads.
void choose_grid(int64_t M, int64_t N, int threads, int* tm, int* tn);
// The fp32 product on the kernel of the ISA level, ignoring the matmul precision.
void sgemm_fp32(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
                int64_t ldc, const Epilogue* ep, int threads);

// ---- bf16 products (matmul precision 'medium' / 'high') ----
// fp32 -> bf16, round to nearest even; NaN -> 0x7FC0 (as c10::BFloat16). Written once here,
// mirrored by the vector packs (gemm_amx.cc) and lib/backend/js-gemm.ts.
inline uint16_t bf16_round(float x) {
  uint32_t u;
  __builtin_memcpy(&u, &x, 4);
  if ((u & 0x7FFFFFFFu) > 0x7F800000u) return 0x7FC0;
  return uint16_t((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
}
inline float bf16_to_float(uint16_t h) {
  const uint32_t u = uint32_t(h) << 16;
  float f;
  __builtin_memcpy(&f, &u, 4);
  return f;
}
// Part of x for the bf16 products: kHi = bf16(x); kLo = bf16(x - bf16(x)) (0 when bf16(x) is
// not finite). 'medium' uses kHi for both inputs; 'high' concatenates K three times:
// A = [hi hi lo], B = [hi; lo; hi], so one product of depth 3K is hi*hi + hi*lo + lo*hi.
// kHiLo (packs only): both parts, each 32-deep k tile of a half written twice, high then low
// (so a half of a panel is 2 * 16 * kcp bf16), for the fused 'high' kernels (ukr_high).
enum Bf16Part : int { kHi = 0, kLo = 1, kHiLo = 2 };
inline uint16_t bf16_part(float x, int part) {
  const uint16_t h = bf16_round(x);
  if (part == kHi) return h;
  const float hf = bf16_to_float(h);
  if (!(hf - hf == 0.0f)) return 0;  // Inf / NaN: no low part
  return bf16_round(x - hf);
}

// Packed bf16 panels, shared by the AMX and AVX512-BF16 kernels (one layout, gemm_amx.cc):
// k is padded to a multiple of 32 (zeros), rows past M / columns past N are zero.
//  A: panels of 32 rows; a panel is two halves of 16 rows; a half is kcp/32 tiles of 16 rows
//     x 32 k (1 KB, contiguous): element (r, k) of half h at h*16*kcp + (k/32)*512 + r*32 + k%32.
//  B: panels of 32 columns; two halves of 16 columns; a half is kcp/32 tiles of 16 k-pairs x
//     16 columns x 2 (VNNI, 1 KB): element (k, j) of half h at h*16*kcp + (k/32)*512 +
//     ((k%32)/2)*32 + j*2 + k%2.
constexpr int kBf16Mr = 32, kBf16Nr = 32, kBf16Ku = 32;
using PackBf16 = void (*)(bool trans, const float* X, int64_t ldx, int64_t i0, int64_t n,
                          int64_t k0, int64_t kc, int part, uint16_t* dst);
// C tile (mr x nr <= 32 x 32) = alpha * Ap * Bp + beta * C (beta == 0: C not read), kcp a
// multiple of 32. ukr_high: the same on kHiLo packs (kcp = twice the padded depth), computing
// hi*hi + lo*hi + hi*lo.
using MicroKernelBf16 = void (*)(int64_t kcp, const uint16_t* a, const uint16_t* b, float* c,
                                 int64_t ldc, int mr, int nr, float alpha, float beta);
struct KernelBf16 {
  const char* name;
  int64_t kc, mc, nc;       // blocks (kc a multiple of 32)
  PackBf16 pack_a, pack_b;  // pack_a: op(A) rows [i0, i0+n); pack_b: op(B) columns [i0, i0+n)
  MicroKernelBf16 ukr, ukr_high;
  void (*thread_init)();  // per thread and block before ukr calls (AMX tile config)
  void (*thread_done)();  // after the block (AMX: tilerelease), may be null
};
// The packs of gemm_amx.cc (AVX-512 F/BW; nullptr off x86), shared by both kernels.
PackBf16 bf16_pack_a();
PackBf16 bf16_pack_b();
// dst[i] = bf16_to_float(bf16_part(src[i], part)) over i < n, part kHi or kLo: the portable
// path's rounding. The AVX-512 F/BW version (gemm_amx.cc; nullptr off x86), used from level
// avx512 up; below it the scalar loop of gemm_bf16.cc.
using RoundRun = void (*)(const float* src, float* dst, int64_t n, int part);
RoundRun bf16_round_run_avx512();
// Whether those packs convert part kHi with vcvtne2ps2bf16 (default: where the CPU has
// avx512_bf16; tiles with a NaN or denormal lane always take the integer rounding). For tests:
// false = the integer rounding everywhere. Returns false (no change) when `on` needs a missing ISA.
bool bf16_pack_set_cvt(bool on);
// The bf16 product (gemm_bf16.cc): the kernel of bf16_gemm_isa(), or the portable path.
void sgemm_bf16(MatmulPrecision prec, bool trans_a, bool trans_b, int64_t M, int64_t N,
                int64_t K, float alpha, const float* A, int64_t lda, const float* B, int64_t ldb,
                float beta, float* C, int64_t ldc, const Epilogue* ep, int threads);
const KernelBf16* amx_kernel();         // nullptr when not compiled (non-x86)
const KernelBf16* avx512bf16_kernel();  // nullptr when not compiled (non-x86)

}  // namespace gemm
}  // namespace neurite
