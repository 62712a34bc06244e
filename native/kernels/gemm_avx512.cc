// AVX-512 kernels. Only functions marked NT_AVX512 use AVX-512, so this file compiles without
// -mavx512f and the binary still runs on CPUs without it (the driver dispatches at run time).
#include "gemm_internal.h"
#include "transpose.h"

#if defined(__x86_64__)
// GCC 12 warns about the _mm512_undefined_ps() pass-through inside its own shuffle intrinsics.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include <algorithm>

#define NT_AVX512 __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,fma")))

namespace neurite {
namespace gemm {
namespace {

// 12 x 32 tile: 24 zmm accumulators + 2 for B + 1 broadcast. Per k: 2 loads of B, 12
// broadcasts (folded into the FMAs), 24 FMAs = 12 cycles on 2 FMA ports.
constexpr int MR = 12, NR = 32;
// KC: an A micro-panel (12 x 256 x 4 B = 12 KB) stays in the 48 KB L1 while a 32 KB B
// micro-panel streams through between two of its uses (KC = 384 evicts it: measured slower).
// NC: a packed B block (256 x 1024 x 4 B = 1 MB) stays in the 2 MB L2 while A panels sweep it.
// MC: packed A (MC x KC) is reused over all of N; it sits in L3.
// The other loop order (B micro-panel in L1, A block in L2) measured 5-10% slower here.
#ifndef NEURITE_AVX512_KC  // overridable only to tune
#define NEURITE_AVX512_KC 256
#define NEURITE_AVX512_NC 1024
#define NEURITE_AVX512_MC 1536
#endif
#ifndef NEURITE_AVX512_ORDER
#define NEURITE_AVX512_ORDER false
#endif
#ifndef NEURITE_AVX512_PFB
#define NEURITE_AVX512_PFB 8  // B prefetch distance in k steps (0 = off): B comes from L2
#endif
constexpr int64_t KC = NEURITE_AVX512_KC, MC = NEURITE_AVX512_MC, NC = NEURITE_AVX512_NC;
#ifndef NEURITE_AVX512_APAD
#define NEURITE_AVX512_APAD 0
#endif
constexpr int64_t KCS = KC + NEURITE_AVX512_APAD;  // row stride of rows-layout A panels

NT_AVX512 inline __mmask16 tail_mask(int64_t n) {
  return n >= 16 ? __mmask16(0xFFFF) : n <= 0 ? __mmask16(0) : __mmask16((1u << n) - 1);
}

// NV = 2: the 12 x 32 tile; NV = 1: an edge tile of at most 16 columns (the last panel of an N
// such as 784 = 24 * 32 + 16), which loads and multiplies only the first half of the B panel
// instead of FMAs on its zero half. Each element's FMA chain is the same either way.
template <int R, bool KMAJOR, int NV = 2>
NT_AVX512 void ukr_tile(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                        __mmask16 m0, __mmask16 m1, float alpha, float beta) {
  __m512 c0[R], c1[R];
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) c0[r] = c1[r] = _mm512_setzero_ps();
  // C is only needed after the k loop: start fetching it now.
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) {
    _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc), _MM_HINT_T0);
    if (NV == 2)  // a malloc'd C row is 16-byte aligned: 32 floats span three lines
      _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc + 16), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc + (NV == 2 ? 31 : 15)), _MM_HINT_T0);
  }
#ifndef NEURITE_AVX512_KU
#define NEURITE_AVX512_KU 2
#endif
#if NEURITE_AVX512_KU == 4
#pragma GCC unroll 4
#elif NEURITE_AVX512_KU == 1
#pragma GCC unroll 1
#else
#pragma GCC unroll 2
#endif
  for (int64_t k = 0; k < kc; ++k) {
    const __m512 b0 = _mm512_load_ps(b), b1 = NV == 2 ? _mm512_load_ps(b + 16) : b0;
    if (NEURITE_AVX512_PFB) {
      _mm_prefetch(reinterpret_cast<const char*>(b + NEURITE_AVX512_PFB * NR), _MM_HINT_T0);
      if (NV == 2)
        _mm_prefetch(reinterpret_cast<const char*>(b + NEURITE_AVX512_PFB * NR + 16), _MM_HINT_T0);
    }
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      const __m512 av = _mm512_set1_ps(KMAJOR ? a[r] : a[r * KCS]);
      c0[r] = _mm512_fmadd_ps(av, b0, c0[r]);
      if (NV == 2) c1[r] = _mm512_fmadd_ps(av, b1, c1[r]);
    }
    a += KMAJOR ? MR : 1;
    b += NR;
  }
  const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) {
    float* cr = c + r * ldc;
    __m512 x0 = _mm512_mul_ps(c0[r], va);
    if (beta != 0.0f) x0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m0, cr), vb, x0);
    _mm512_mask_storeu_ps(cr, m0, x0);
    if (NV == 2) {
      __m512 x1 = _mm512_mul_ps(c1[r], va);
      if (beta != 0.0f) x1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m1, cr + 16), vb, x1);
      _mm512_mask_storeu_ps(cr + 16, m1, x1);
    }
  }
}

template <bool KMAJOR>
NT_AVX512 void ukr(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, int mr,
                   int nr, float alpha, float beta) {
  const __mmask16 m0 = tail_mask(nr), m1 = tail_mask(nr - 16);
  if (nr <= 16) {
    switch (mr) {
#define NT_CASE(R) \
  case R: return ukr_tile<R, KMAJOR, 1>(kc, a, b, c, ldc, m0, m1, alpha, beta);
      NT_CASE(12) NT_CASE(11) NT_CASE(10) NT_CASE(9) NT_CASE(8) NT_CASE(7)
      NT_CASE(6) NT_CASE(5) NT_CASE(4) NT_CASE(3) NT_CASE(2) NT_CASE(1)
#undef NT_CASE
    }
  }
  switch (mr) {
#define NT_CASE(R) \
  case R: return ukr_tile<R, KMAJOR>(kc, a, b, c, ldc, m0, m1, alpha, beta);
    NT_CASE(12) NT_CASE(11) NT_CASE(10) NT_CASE(9) NT_CASE(8) NT_CASE(7)
    NT_CASE(6) NT_CASE(5) NT_CASE(4) NT_CASE(3) NT_CASE(2) NT_CASE(1)
#undef NT_CASE
  }
}

// In-register 16 x 16 transpose: out[j][i] = in[i][j].
NT_AVX512 inline void transpose16(__m512 r[16]) {
  __m512 t[16], s[16];
#pragma GCC unroll 8
  for (int p = 0; p < 8; ++p) {
    t[2 * p] = _mm512_unpacklo_ps(r[2 * p], r[2 * p + 1]);
    t[2 * p + 1] = _mm512_unpackhi_ps(r[2 * p], r[2 * p + 1]);
  }
  // s[4q + c], 128-bit lane L: column 4L + c of rows 4q .. 4q+3.
#pragma GCC unroll 4
  for (int q = 0; q < 4; ++q) {
    s[4 * q + 0] = _mm512_shuffle_ps(t[4 * q], t[4 * q + 2], 0x44);
    s[4 * q + 1] = _mm512_shuffle_ps(t[4 * q], t[4 * q + 2], 0xEE);
    s[4 * q + 2] = _mm512_shuffle_ps(t[4 * q + 1], t[4 * q + 3], 0x44);
    s[4 * q + 3] = _mm512_shuffle_ps(t[4 * q + 1], t[4 * q + 3], 0xEE);
  }
  // A 4 x 4 transpose of 128-bit lanes for each c.
#pragma GCC unroll 4
  for (int c = 0; c < 4; ++c) {
    const __m512 u0 = _mm512_shuffle_f32x4(s[c], s[4 + c], 0x44);
    const __m512 u1 = _mm512_shuffle_f32x4(s[c], s[4 + c], 0xEE);
    const __m512 u2 = _mm512_shuffle_f32x4(s[8 + c], s[12 + c], 0x44);
    const __m512 u3 = _mm512_shuffle_f32x4(s[8 + c], s[12 + c], 0xEE);
    r[c] = _mm512_shuffle_f32x4(u0, u2, 0x88);
    r[4 + c] = _mm512_shuffle_f32x4(u0, u2, 0xDD);
    r[8 + c] = _mm512_shuffle_f32x4(u1, u3, 0x88);
    r[12 + c] = _mm512_shuffle_f32x4(u1, u3, 0xDD);
  }
}

// dst[k * ldd + j] = src[j * lds + k] for j < rows (16 or fewer, rest zero), k < kw (<= 16).
// Writes the floats of store_mask per k (all 16 by default).
NT_AVX512 inline void transpose_block(const float* src, int64_t lds, int64_t rows, int64_t kw,
                                      float* dst, int64_t ldd,
                                      __mmask16 store_mask = __mmask16(0xFFFF)) {
  const __mmask16 km = tail_mask(kw);
  __m512 r[16];
#pragma GCC unroll 16
  for (int j = 0; j < 16; ++j)
    r[j] = j < rows ? _mm512_maskz_loadu_ps(km, src + j * lds) : _mm512_setzero_ps();
  transpose16(r);
#pragma GCC unroll 16
  for (int k = 0; k < 16; ++k)
    if (k < kw) _mm512_mask_storeu_ps(dst + k * ldd, store_mask, r[k]);
}

// The transpose copy of transpose.h: 16 x 16 tiles (16 row loads, the register transpose, 16
// row stores; masked at the edges, columns past n0 read as zero). The tiles sweep the source
// in strips 128 floats wide (512 B of each source row, 8 tiles, then the next 16 rows): each
// source line is read whole once, and the L2's adjacent-line prefetch pays off. A strip of
// one tile (64 B of each row, every row 4 KB apart on a 1024-wide matrix) measured 1.0 ns per
// element on a 1024^2 transpose, strips of 2 / 4 / 8 tiles 0.71 / 0.70 / 0.67 ns; software
// prefetch of the next rows did not help (Xeon model 207, load average 11).
NT_AVX512 void transpose_copy(int64_t n0, int64_t n1, const float* src, int64_t s1, float* dst,
                              int64_t d0) {
  constexpr int64_t kStrip = 128;
  for (int64_t is = 0; is < n0; is += kStrip) {
    const int64_t ie = std::min(n0, is + kStrip);
    for (int64_t j0 = 0; j0 < n1; j0 += 16) {
      const int64_t w = std::min<int64_t>(16, n1 - j0);
      for (int64_t i0 = is; i0 < ie; i0 += 16) {
        const int64_t h = std::min<int64_t>(16, n0 - i0);
        const float* s = src + i0 + j0 * s1;
        float* d = dst + i0 * d0 + j0;
        __m512 r[16];
        if (h == 16 && w == 16) {
#pragma GCC unroll 16
          for (int j = 0; j < 16; ++j) r[j] = _mm512_loadu_ps(s + j * s1);
          transpose16(r);
#pragma GCC unroll 16
          for (int i = 0; i < 16; ++i) _mm512_storeu_ps(d + i * d0, r[i]);
          continue;
        }
        transpose_block(s, s1, w, h, d, d0, tail_mask(w));  // the edges, masked
      }
    }
  }
}

NT_AVX512 void pack_b(bool trans_b, const float* B, int64_t ldb, int64_t k0, int64_t kc,
                      int64_t j0, int64_t nc, float* bp) {
#ifndef NEURITE_AVX512_PACKB_ROWS
#define NEURITE_AVX512_PACKB_ROWS 1
#endif
  if (!trans_b && NEURITE_AVX512_PACKB_ROWS) {
    // Row by row: each source row of the block is read once, contiguously (the hardware
    // prefetcher streams it), and its 32-float pieces go to the panels' row k.
    const int64_t full = nc / NR * NR;
    const __mmask16 m0 = tail_mask(nc - full), m1 = tail_mask(nc - full - 16);
    const float* src = B + k0 * ldb + j0;
    for (int64_t k = 0; k < kc; ++k, src += ldb) {
      float* dst = bp + k * NR;
      int64_t jp = 0;
      for (; jp < full; jp += NR, dst += NR * kc) {
        _mm512_store_ps(dst, _mm512_loadu_ps(src + jp));
        _mm512_store_ps(dst + 16, _mm512_loadu_ps(src + jp + 16));
      }
      if (jp < nc) {
        _mm512_store_ps(dst, _mm512_maskz_loadu_ps(m0, src + jp));
        _mm512_store_ps(dst + 16, _mm512_maskz_loadu_ps(m1, src + jp + 16));
      }
    }
    return;
  }
  for (int64_t jp = 0; jp < nc; jp += NR) {
    float* panel = bp + (jp / NR) * NR * kc;
    const int64_t w = std::min<int64_t>(NR, nc - jp);
    if (!trans_b) {
      const __mmask16 m0 = tail_mask(w), m1 = tail_mask(w - 16);
      const float* src = B + k0 * ldb + j0 + jp;
      for (int64_t k = 0; k < kc; ++k, src += ldb) {
        _mm512_store_ps(panel + k * NR, _mm512_maskz_loadu_ps(m0, src));
        _mm512_store_ps(panel + k * NR + 16, _mm512_maskz_loadu_ps(m1, src + 16));
      }
      continue;
    }
    for (int h = 0; h < 2; ++h) {
      const int64_t rows = std::min<int64_t>(16, w - 16 * h);
      if (rows <= 0) {
        for (int64_t k = 0; k < kc; ++k) _mm512_store_ps(panel + k * NR + 16, _mm512_setzero_ps());
        continue;
      }
      const float* src = B + (j0 + jp + 16 * h) * ldb + k0;
      for (int64_t kb = 0; kb < kc; kb += 16)
        transpose_block(src + kb, ldb, rows, std::min<int64_t>(16, kc - kb),
                        panel + kb * NR + 16 * h, NR);
    }
  }
}

// The trans_a pack (k-major panels of 12 floats per k): four k steps at a time, four masked
// row loads (rows past mc read as zero) merged by three permutes into three aligned 64-byte
// stores (4 x 12 floats = 3 vectors), instead of twelve 16-byte copies.
NT_AVX512 void pack_a_t(const float* A, int64_t lda, int64_t i0, int64_t mc, int64_t k0,
                        int64_t kc, float* ap) {
  static_assert(MR == 12, "the permutes below assume 12-row panels");
  const __m512i p0 = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 18, 19);
  const __m512i p1 = _mm512_setr_epi32(4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 18, 19, 20, 21, 22, 23);
  const __m512i p2 = _mm512_setr_epi32(8, 9, 10, 11, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27);
  for (int64_t ip = 0; ip < mc; ip += MR) {
    float* dst = ap + (ip / MR) * MR * KCS;
    const float* src = A + k0 * lda + i0 + ip;
    const __mmask16 m = tail_mask(std::min<int64_t>(MR, mc - ip));
    int64_t k = 0;
    for (; k + 4 <= kc; k += 4, src += 4 * lda, dst += 4 * MR) {
      const __m512 r0 = _mm512_maskz_loadu_ps(m, src), r1 = _mm512_maskz_loadu_ps(m, src + lda),
                   r2 = _mm512_maskz_loadu_ps(m, src + 2 * lda),
                   r3 = _mm512_maskz_loadu_ps(m, src + 3 * lda);
      _mm512_storeu_ps(dst, _mm512_permutex2var_ps(r0, p0, r1));
      _mm512_storeu_ps(dst + 16, _mm512_permutex2var_ps(r1, p1, r2));
      _mm512_storeu_ps(dst + 32, _mm512_permutex2var_ps(r2, p2, r3));
    }
    for (; k < kc; ++k, src += lda, dst += MR)
      _mm512_mask_storeu_ps(dst, 0xFFF, _mm512_maskz_loadu_ps(m, src));
  }
}

// ---- small products: A and (untransposed) B read in place ---------------------------------

constexpr int SR = 6;   // rows per small tile
constexpr int SNV = 4;  // vectors (of 16 columns) per small tile: 24 accumulators

template <int R, int NV, bool TA>
NT_AVX512 void small_tile(int64_t K, const float* a, int64_t lda, const float* b, int64_t ldb,
                          float* c, int64_t ldc, __mmask16 ml, float alpha, float beta) {
  __m512 acc[R][NV];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_setzero_ps();
  for (int64_t k = 0; k < K; ++k) {
    __m512 bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v)
      bv[v] = v == NV - 1 ? _mm512_maskz_loadu_ps(ml, b + 16 * v) : _mm512_loadu_ps(b + 16 * v);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const __m512 av = _mm512_set1_ps(TA ? a[r] : a[r * lda + k]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_fmadd_ps(av, bv[v], acc[r][v]);
    }
    b += ldb;
    if (TA) a += lda;
  }
  const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      const __mmask16 m = v == NV - 1 ? ml : __mmask16(0xFFFF);
      float* cp = c + r * ldc + 16 * v;
      __m512 x = _mm512_mul_ps(acc[r][v], va);
      if (beta != 0.0f) x = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, cp), vb, x);
      _mm512_mask_storeu_ps(cp, m, x);
    }
  }
}

using SmallTile = void (*)(int64_t, const float*, int64_t, const float*, int64_t, float*,
                           int64_t, __mmask16, float, float);
#define NT_ROW(NV, TA)                                                               \
  {small_tile<1, NV, TA>, small_tile<2, NV, TA>, small_tile<3, NV, TA>,               \
   small_tile<4, NV, TA>, small_tile<5, NV, TA>, small_tile<6, NV, TA>}
const SmallTile kSmallTiles[2][SNV][SR] = {
    {NT_ROW(1, false), NT_ROW(2, false), NT_ROW(3, false), NT_ROW(4, false)},
    {NT_ROW(1, true), NT_ROW(2, true), NT_ROW(3, true), NT_ROW(4, true)}};
#undef NT_ROW

// Every last vector is masked (a full mask costs nothing here).
NT_AVX512 inline SmallTile small_tile_for(bool ta, int nv, int64_t last, int r) {
  (void)last;
  return kSmallTiles[ta][nv - 1][r - 1];
}

// C[i] = alpha * dot(A row i, x) + beta * C[i]: the N == 1 product, vectorised along K.
NT_AVX512 void small_gemv(int64_t M, int64_t K, float alpha, const float* A, int64_t lda,
                          const float* x, float beta, float* C, int64_t ldc) {
  int64_t i = 0;
  for (; i + 4 <= M; i += 4) {
    __m512 acc[4];
#pragma GCC unroll 4
    for (int r = 0; r < 4; ++r) acc[r] = _mm512_setzero_ps();
    for (int64_t k = 0; k < K; k += 16) {
      const __mmask16 m = tail_mask(K - k);
      const __m512 xv = _mm512_maskz_loadu_ps(m, x + k);
#pragma GCC unroll 4
      for (int r = 0; r < 4; ++r)
        acc[r] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, A + (i + r) * lda + k), xv, acc[r]);
    }
#pragma GCC unroll 4
    for (int r = 0; r < 4; ++r) {
      const float s = alpha * _mm512_reduce_add_ps(acc[r]);
      float* cp = C + (i + r) * ldc;
      *cp = beta == 0.0f ? s : s + beta * *cp;
    }
  }
  for (; i < M; ++i) {
    __m512 acc = _mm512_setzero_ps();
    for (int64_t k = 0; k < K; k += 16) {
      const __mmask16 m = tail_mask(K - k);
      acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, A + i * lda + k),
                            _mm512_maskz_loadu_ps(m, x + k), acc);
    }
    const float s = alpha * _mm512_reduce_add_ps(acc);
    float* cp = C + i * ldc;
    *cp = beta == 0.0f ? s : s + beta * *cp;
  }
}

// ---- narrow X * W^T (N < 16): dot products along K, both operands read in place ----------

template <int R, int CN>
NT_AVX512 void dot_tile(int64_t K, const float* a, int64_t lda, const float* b, int64_t ldb,
                        float* c, int64_t ldc, float alpha, float beta) {
  __m512 acc[R][CN];
#pragma GCC unroll 4
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int j = 0; j < CN; ++j) acc[r][j] = _mm512_setzero_ps();
  for (int64_t k = 0; k < K; k += 16) {
    const __mmask16 m = tail_mask(K - k);
    __m512 av[R], bv[CN];
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) av[r] = _mm512_maskz_loadu_ps(m, a + r * lda + k);
#pragma GCC unroll 4
    for (int j = 0; j < CN; ++j) bv[j] = _mm512_maskz_loadu_ps(m, b + j * ldb + k);
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
      for (int j = 0; j < CN; ++j) acc[r][j] = _mm512_fmadd_ps(av[r], bv[j], acc[r][j]);
  }
#pragma GCC unroll 4
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int j = 0; j < CN; ++j) {
      const float v = alpha * _mm512_reduce_add_ps(acc[r][j]);
      float* cp = c + r * ldc + j;
      *cp = beta == 0.0f ? v : v + beta * *cp;
    }
}

using DotTile = void (*)(int64_t, const float*, int64_t, const float*, int64_t, float*, int64_t,
                         float, float);
#define NT_ROW(R) {dot_tile<R, 1>, dot_tile<R, 2>, dot_tile<R, 3>, dot_tile<R, 4>}
const DotTile kDotTiles[4][4] = {NT_ROW(1), NT_ROW(2), NT_ROW(3), NT_ROW(4)};
#undef NT_ROW

NT_AVX512 void narrow(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha,
                      const float* A, int64_t lda, const float* B, int64_t ldb, float beta,
                      float* C, int64_t ldc) {
  (void)ta;
  (void)tb;  // only called for !ta && tb
  for (int64_t i0 = 0; i0 < M; i0 += 4) {
    const int64_t r = std::min<int64_t>(4, M - i0);
    for (int64_t j0 = 0; j0 < N; j0 += 4) {
      const int64_t cn = std::min<int64_t>(4, N - j0);
      kDotTiles[r - 1][cn - 1](K, A + i0 * lda, lda, B + j0 * ldb, ldb, C + i0 * ldc + j0, ldc,
                               alpha, beta);
    }
  }
}

// The small-product driver, shared with gemm_avx2.cc.
constexpr int SW = 16;                  // floats per vector
constexpr bool kSmallEqualRows = true;  // rows in equal tiles
#define NT_TARGET NT_AVX512
#include "gemm_small_impl.inc"

const Kernel kAvx512 = {"avx512", MR, NR, KC, KCS, MC, NC, NEURITE_AVX512_ORDER, ukr<false>, ukr<true>, pack_b, small, narrow, pack_a_t};

}  // namespace

const Kernel* avx512_kernel() { return &kAvx512; }

}  // namespace gemm

TransposeCopy transpose_copy_avx512() { return gemm::transpose_copy; }
}  // namespace neurite

#else

namespace neurite {
namespace gemm {
const Kernel* avx512_kernel() { return nullptr; }
}  // namespace gemm
TransposeCopy transpose_copy_avx512() { return nullptr; }
}  // namespace neurite

#endif
