// AVX512-BF16 kernel of the bf16 products (vdpbf16ps) on the packs of gemm_amx.cc. On Intel
// (Sapphire Rapids) vdpbf16ps runs at half the fp32 FMA rate, so the default there is AMX or the
// portable path; on AMD Zen 5 it runs at twice the fp32 flop rate (measured; Zen 4 reportedly
// likewise, unmeasured), so it is the default there (avx512bf16_pays() in gemm_bf16.cc).
#include "gemm_internal.h"

#if defined(__x86_64__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#define NT_BF16 __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx512bf16,fma")))

namespace neurite {
namespace gemm {
namespace {

NT_BF16 inline __mmask16 mask16(int64_t n) {
  return n >= 16 ? __mmask16(0xFFFF) : n <= 0 ? __mmask16(0) : __mmask16((1u << n) - 1);
}

// 8 rows x 32 columns at a time (16 zmm accumulators); per k-pair 2 loads of B, 8 broadcasts
// of A pairs, 16 vdpbf16ps. The 32-column B panel (32 x kcp bf16) stays in L1 over 4 groups.
// kHigh: kHiLo packs (a 32-deep k tile high, then low; kcp counts both), hi*hi + hi*lo + lo*hi.
template <bool kHigh>
NT_BF16 void ukr_avx512bf16(int64_t kcp, const uint16_t* a, const uint16_t* b, float* c,
                            int64_t ldc, int mr, int nr, float alpha, float beta) {
  constexpr int64_t kStep = kHigh ? 1024 : 512;  // bf16 per 32-deep k tile of a half
  const uint16_t *b0 = b, *b1 = b + 16 * kcp;
  const __mmask16 m0 = mask16(nr), m1 = mask16(nr - 16);
  const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
  for (int g = 0; g * 8 < mr; ++g) {
    const uint16_t* ah = a + (g / 2) * 16 * kcp + (g % 2) * 8 * 32;  // row 8g of the panel
    __m512 acc0[8], acc1[8];
#pragma GCC unroll 8
    for (int r = 0; r < 8; ++r) acc0[r] = acc1[r] = _mm512_setzero_ps();
    for (int64_t off = 0; off < 16 * kcp; off += kStep) {  // one 32-deep k tile
      for (int kp = 0; kp < 16; ++kp) {
        const __m512bh x0 = (__m512bh)_mm512_load_si512(b0 + off + kp * 32);
        const __m512bh x1 = (__m512bh)_mm512_load_si512(b1 + off + kp * 32);
        __m512bh x0l = x0, x1l = x1;
        if (kHigh) {
          x0l = (__m512bh)_mm512_load_si512(b0 + off + 512 + kp * 32);
          x1l = (__m512bh)_mm512_load_si512(b1 + off + 512 + kp * 32);
        }
#pragma GCC unroll 8
        for (int r = 0; r < 8; ++r) {
          uint32_t pair;
          __builtin_memcpy(&pair, ah + off + r * 32 + 2 * kp, 4);
          const __m512bh y = (__m512bh)_mm512_set1_epi32(int(pair));
          acc0[r] = _mm512_dpbf16_ps(acc0[r], y, x0);
          acc1[r] = _mm512_dpbf16_ps(acc1[r], y, x1);
          if (kHigh) {
            __builtin_memcpy(&pair, ah + off + 512 + r * 32 + 2 * kp, 4);
            const __m512bh yl = (__m512bh)_mm512_set1_epi32(int(pair));
            acc0[r] = _mm512_dpbf16_ps(acc0[r], yl, x0);
            acc1[r] = _mm512_dpbf16_ps(acc1[r], yl, x1);
            acc0[r] = _mm512_dpbf16_ps(acc0[r], y, x0l);
            acc1[r] = _mm512_dpbf16_ps(acc1[r], y, x1l);
          }
        }
      }
    }
    for (int r = 0; r < 8 && g * 8 + r < mr; ++r) {
      float* cr = c + (g * 8 + r) * ldc;
      __m512 y0 = _mm512_mul_ps(va, acc0[r]), y1 = _mm512_mul_ps(va, acc1[r]);
      if (beta != 0.0f) {
        y0 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m0, cr), y0);
        y1 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m1, cr + 16), y1);
      }
      _mm512_mask_storeu_ps(cr, m0, y0);
      _mm512_mask_storeu_ps(cr + 16, m1, y1);
    }
  }
}

void no_init() {}

// Blocks, measured on AMD Zen 5 (EPYC Turin, L1d 48 KB, L2 1 MB; session 7, bf16_bench
// 'medium' / 'highest' interleaved in one process, 3 runs): KC 1024 with NC 256 (the packed B
// block 512 KB, half the L2) 1.88-2.00x fp32 at 1024^3 and 1.61-1.84x at 512x4096x1024, against
// 1.66x / 1.49-1.54x with KC 256 / NC 512 and 1.73-1.77x / 1.65-1.91x with KC 512 / NC 256:
// a 1024-deep product keeps its C tiles over the whole K (C written once), and the 64 KB B
// micro-panel streams from L2 to the four 8-row groups. 'high' halves KC (k_block()).
#ifndef NEURITE_AVX512BF16_KC  // overridable only to tune
#define NEURITE_AVX512BF16_KC 1024
#define NEURITE_AVX512BF16_MC 1024
#define NEURITE_AVX512BF16_NC 256
#endif

}  // namespace

const KernelBf16* avx512bf16_kernel() {
  static const KernelBf16 k = {"avx512bf16", NEURITE_AVX512BF16_KC, NEURITE_AVX512BF16_MC, NEURITE_AVX512BF16_NC, bf16_pack_a(), bf16_pack_b(),
                               ukr_avx512bf16<false>, ukr_avx512bf16<true>, no_init, nullptr};
  return &k;
}

}  // namespace gemm
}  // namespace neurite

#else
namespace neurite {
namespace gemm {
const KernelBf16* avx512bf16_kernel() { return nullptr; }
}  // namespace gemm
}  // namespace neurite
#endif
