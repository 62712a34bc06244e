// AVX2 + FMA kernels. Only functions marked NT_AVX2 use AVX2, so this file compiles without
// -mavx2 and the binary still runs on older CPUs (the driver dispatches at run time).
#include "gemm_internal.h"

#if defined(__x86_64__)
#include <immintrin.h>

#include <algorithm>

#define NT_AVX2 __attribute__((target("avx2,fma")))

namespace neurite {
namespace gemm {
namespace {

// 6 x 16 tile: 12 ymm accumulators + 2 for B + 1 broadcast of the 16 registers.
constexpr int MR = 6, NR = 16;
// KC: an A micro-panel (6 x 256 x 4 B = 6 KB) plus the B micro-panel streaming by fit in L1.
// NC: packed B (256 x 1024 x 4 B = 1 MB) stays in L2; MC: packed A lives in L3.
// B is software-prefetched PFB k steps ahead (16 x 64 B = 1 KB, the same lead in bytes and
// cycles as the AVX-512 kernel's 8 x 128 B) and the C tile at kernel start: without them the
// k loop stalls on B loads (perf: samples pile up on the B loads) and on the C read at the end.
// The macros below are overridable only to tune (bench/native/RESULTS-sgemm.md, AVX2 path).
#ifndef NEURITE_AVX2_KC
#define NEURITE_AVX2_KC 256
#endif
#ifndef NEURITE_AVX2_MC
#define NEURITE_AVX2_MC 1536
#endif
#ifndef NEURITE_AVX2_NC
#define NEURITE_AVX2_NC 1024
#endif
#ifndef NEURITE_AVX2_ORDER
#define NEURITE_AVX2_ORDER false
#endif
#ifndef NEURITE_AVX2_PFB
#define NEURITE_AVX2_PFB 16  // B prefetch distance in k steps (0 = off): 1 KB, ~100 cycles ahead
#endif
#ifndef NEURITE_AVX2_PFC
#define NEURITE_AVX2_PFC 1  // prefetch the C tile at kernel start (used only after the k loop)
#endif
#ifndef NEURITE_AVX2_KU
#define NEURITE_AVX2_KU 2
#endif
#ifndef NEURITE_AVX2_APAD
#define NEURITE_AVX2_APAD 0
#endif
constexpr int64_t KC = NEURITE_AVX2_KC, MC = NEURITE_AVX2_MC, NC = NEURITE_AVX2_NC;
constexpr int64_t KCS = KC + NEURITE_AVX2_APAD;  // row stride of rows-layout A panels

NT_AVX2 inline __m256i tail_mask(int64_t n) {
  const int v = n >= 8 ? 8 : n <= 0 ? 0 : int(n);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(v), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

template <bool MASK>
NT_AVX2 inline __m256 load(const float* p, __m256i m) {
  return MASK ? _mm256_maskload_ps(p, m) : _mm256_loadu_ps(p);
}
template <bool MASK>
NT_AVX2 inline void store(float* p, __m256i m, __m256 x) {
  if (MASK) _mm256_maskstore_ps(p, m, x);
  else _mm256_storeu_ps(p, x);
}

template <int R, bool KMAJOR, bool MASK>
NT_AVX2 void ukr_tile(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                      __m256i m0, __m256i m1, float alpha, float beta) {
  __m256 c0[R], c1[R];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) c0[r] = c1[r] = _mm256_setzero_ps();
  if (NEURITE_AVX2_PFC) {
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc + 15), _MM_HINT_T0);
    }
  }
#if NEURITE_AVX2_KU == 8
#pragma GCC unroll 8
#elif NEURITE_AVX2_KU == 4
#pragma GCC unroll 4
#elif NEURITE_AVX2_KU == 1
#pragma GCC unroll 1
#else
#pragma GCC unroll 2
#endif
  for (int64_t k = 0; k < kc; ++k) {
    const __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
    if (NEURITE_AVX2_PFB)
      _mm_prefetch(reinterpret_cast<const char*>(b + NEURITE_AVX2_PFB * NR), _MM_HINT_T0);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const __m256 av = _mm256_broadcast_ss(KMAJOR ? a + r : a + r * KCS);
      c0[r] = _mm256_fmadd_ps(av, b0, c0[r]);
      c1[r] = _mm256_fmadd_ps(av, b1, c1[r]);
    }
    a += KMAJOR ? MR : 1;
    b += NR;
  }
  const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
    float* cr = c + r * ldc;
    __m256 x0 = _mm256_mul_ps(c0[r], va), x1 = _mm256_mul_ps(c1[r], va);
    if (beta != 0.0f) {
      x0 = _mm256_fmadd_ps(load<MASK>(cr, m0), vb, x0);
      x1 = _mm256_fmadd_ps(load<MASK>(cr + 8, m1), vb, x1);
    }
    store<MASK>(cr, m0, x0);
    store<MASK>(cr + 8, m1, x1);
  }
}

template <bool KMAJOR>
NT_AVX2 void ukr(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, int mr,
                 int nr, float alpha, float beta) {
  const __m256i m0 = tail_mask(nr), m1 = tail_mask(nr - 8);
  if (nr == NR) {
    switch (mr) {
#define NT_CASE(R) \
  case R: return ukr_tile<R, KMAJOR, false>(kc, a, b, c, ldc, m0, m1, alpha, beta);
      NT_CASE(6) NT_CASE(5) NT_CASE(4) NT_CASE(3) NT_CASE(2) NT_CASE(1)
#undef NT_CASE
    }
  }
  switch (mr) {
#define NT_CASE(R) \
  case R: return ukr_tile<R, KMAJOR, true>(kc, a, b, c, ldc, m0, m1, alpha, beta);
    NT_CASE(6) NT_CASE(5) NT_CASE(4) NT_CASE(3) NT_CASE(2) NT_CASE(1)
#undef NT_CASE
  }
}

// In-register 8 x 8 transpose: out[j][i] = in[i][j].
NT_AVX2 inline void transpose8(__m256 r[8]) {
  __m256 t[8], s[8];
#pragma GCC unroll 4
  for (int p = 0; p < 4; ++p) {
    t[2 * p] = _mm256_unpacklo_ps(r[2 * p], r[2 * p + 1]);
    t[2 * p + 1] = _mm256_unpackhi_ps(r[2 * p], r[2 * p + 1]);
  }
#pragma GCC unroll 2
  for (int q = 0; q < 2; ++q) {
    s[4 * q + 0] = _mm256_shuffle_ps(t[4 * q], t[4 * q + 2], 0x44);
    s[4 * q + 1] = _mm256_shuffle_ps(t[4 * q], t[4 * q + 2], 0xEE);
    s[4 * q + 2] = _mm256_shuffle_ps(t[4 * q + 1], t[4 * q + 3], 0x44);
    s[4 * q + 3] = _mm256_shuffle_ps(t[4 * q + 1], t[4 * q + 3], 0xEE);
  }
#pragma GCC unroll 4
  for (int c = 0; c < 4; ++c) {
    r[c] = _mm256_permute2f128_ps(s[c], s[4 + c], 0x20);
    r[4 + c] = _mm256_permute2f128_ps(s[c], s[4 + c], 0x31);
  }
}

// dst[k * ldd + j] = src[j * lds + k] for j < rows (8 or fewer, rest zero), k < kw (<= 8).
NT_AVX2 inline void transpose_block(const float* src, int64_t lds, int64_t rows, int64_t kw,
                                    float* dst, int64_t ldd) {
  const __m256i km = tail_mask(kw);
  __m256 r[8];
#pragma GCC unroll 8
  for (int j = 0; j < 8; ++j)
    r[j] = j < rows ? (kw == 8 ? _mm256_loadu_ps(src + j * lds)
                               : _mm256_maskload_ps(src + j * lds, km))
                    : _mm256_setzero_ps();
  transpose8(r);
#pragma GCC unroll 8
  for (int k = 0; k < 8; ++k)
    if (k < kw) _mm256_storeu_ps(dst + k * ldd, r[k]);
}

// The trans_a pack (k-major panels of 6 floats per k): four k steps at a time, four masked
// row loads (rows past mc read as zero) merged by lane permutes and blends into three 32-byte
// stores (4 x 6 floats = 3 vectors).
NT_AVX2 void pack_a_t(const float* A, int64_t lda, int64_t i0, int64_t mc, int64_t k0,
                      int64_t kc, float* ap) {
  static_assert(MR == 6, "the permutes below assume 6-row panels");
  const __m256i q01 = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 0, 1);  // r1's 0,1 into lanes 6,7
  const __m256i q1 = _mm256_setr_epi32(2, 3, 4, 5, 0, 1, 2, 3);   // r1's 2..5 | r2's 0..3
  const __m256i q2 = _mm256_setr_epi32(4, 5, 0, 1, 2, 3, 4, 5);   // r2's 4,5 | r3's 0..5
  for (int64_t ip = 0; ip < mc; ip += MR) {
    float* dst = ap + (ip / MR) * MR * KCS;
    const float* src = A + k0 * lda + i0 + ip;
    const __m256i m = tail_mask(std::min<int64_t>(MR, mc - ip));
    int64_t k = 0;
    for (; k + 4 <= kc; k += 4, src += 4 * lda, dst += 4 * MR) {
      const __m256 r0 = _mm256_maskload_ps(src, m), r1 = _mm256_maskload_ps(src + lda, m),
                   r2 = _mm256_maskload_ps(src + 2 * lda, m),
                   r3 = _mm256_maskload_ps(src + 3 * lda, m);
      const __m256 p1 = _mm256_permutevar8x32_ps(r1, q01), p1b = _mm256_permutevar8x32_ps(r1, q1),
                   p2 = _mm256_permutevar8x32_ps(r2, q1), p2b = _mm256_permutevar8x32_ps(r2, q2),
                   p3 = _mm256_permutevar8x32_ps(r3, q2);
      _mm256_storeu_ps(dst, _mm256_blend_ps(r0, p1, 0xC0));
      _mm256_storeu_ps(dst + 8, _mm256_blend_ps(p1b, p2, 0xF0));
      _mm256_storeu_ps(dst + 16, _mm256_blend_ps(p2b, p3, 0xFC));
    }
    const __m256i m6 = tail_mask(MR);
    for (; k < kc; ++k, src += lda, dst += MR)
      _mm256_maskstore_ps(dst, m6, _mm256_maskload_ps(src, m));
  }
}

NT_AVX2 void pack_b(bool trans_b, const float* B, int64_t ldb, int64_t k0, int64_t kc,
                    int64_t j0, int64_t nc, float* bp) {
  for (int64_t jp = 0; jp < nc; jp += NR) {
    float* panel = bp + (jp / NR) * NR * kc;
    const int64_t w = std::min<int64_t>(NR, nc - jp);
    if (!trans_b) {
      const float* src = B + k0 * ldb + j0 + jp;
      if (w == NR) {
        for (int64_t k = 0; k < kc; ++k, src += ldb) {
          _mm256_store_ps(panel + k * NR, _mm256_loadu_ps(src));
          _mm256_store_ps(panel + k * NR + 8, _mm256_loadu_ps(src + 8));
        }
      } else {
        const __m256i m0 = tail_mask(w), m1 = tail_mask(w - 8);
        for (int64_t k = 0; k < kc; ++k, src += ldb) {
          _mm256_store_ps(panel + k * NR, _mm256_maskload_ps(src, m0));
          _mm256_store_ps(panel + k * NR + 8, _mm256_maskload_ps(src + 8, m1));
        }
      }
      continue;
    }
    for (int h = 0; h < 2; ++h) {
      const int64_t rows = std::min<int64_t>(8, w - 8 * h);
      if (rows <= 0) {
        for (int64_t k = 0; k < kc; ++k) _mm256_store_ps(panel + k * NR + 8, _mm256_setzero_ps());
        continue;
      }
      const float* src = B + (j0 + jp + 8 * h) * ldb + k0;
      for (int64_t kb = 0; kb < kc; kb += 8)
        transpose_block(src + kb, ldb, rows, std::min<int64_t>(8, kc - kb),
                        panel + kb * NR + 8 * h, NR);
    }
  }
}

// ---- small products: A and (untransposed) B read in place ---------------------------------

constexpr int SR = 6;   // rows per small tile
constexpr int SNV = 2;  // vectors (of 8 columns) per small tile: 12 accumulators

template <int R, int NV, bool TA, bool MASK>
NT_AVX2 void small_tile(int64_t K, const float* a, int64_t lda, const float* b, int64_t ldb,
                        float* c, int64_t ldc, __m256i ml, float alpha, float beta) {
  __m256 acc[R][NV];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) acc[r][v] = _mm256_setzero_ps();
  for (int64_t k = 0; k < K; ++k) {
    __m256 bv[NV];
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v)
      bv[v] = v == NV - 1 ? load<MASK>(b + 8 * v, ml) : _mm256_loadu_ps(b + 8 * v);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const __m256 av = _mm256_broadcast_ss(TA ? a + r : a + r * lda + k);
#pragma GCC unroll 2
      for (int v = 0; v < NV; ++v) acc[r][v] = _mm256_fmadd_ps(av, bv[v], acc[r][v]);
    }
    b += ldb;
    if (TA) a += lda;
  }
  const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) {
      float* cp = c + r * ldc + 8 * v;
      __m256 x = _mm256_mul_ps(acc[r][v], va);
      if (v == NV - 1) {
        if (beta != 0.0f) x = _mm256_fmadd_ps(load<MASK>(cp, ml), vb, x);
        store<MASK>(cp, ml, x);
      } else {
        if (beta != 0.0f) x = _mm256_fmadd_ps(_mm256_loadu_ps(cp), vb, x);
        _mm256_storeu_ps(cp, x);
      }
    }
  }
}

using SmallTile = void (*)(int64_t, const float*, int64_t, const float*, int64_t, float*,
                           int64_t, __m256i, float, float);
#define NT_ROW(NV, TA, MASK)                                                            \
  {small_tile<1, NV, TA, MASK>, small_tile<2, NV, TA, MASK>, small_tile<3, NV, TA, MASK>, \
   small_tile<4, NV, TA, MASK>, small_tile<5, NV, TA, MASK>, small_tile<6, NV, TA, MASK>}
const SmallTile kSmallTiles[2][2][SNV][SR] = {
    {{NT_ROW(1, false, false), NT_ROW(2, false, false)},
     {NT_ROW(1, false, true), NT_ROW(2, false, true)}},
    {{NT_ROW(1, true, false), NT_ROW(2, true, false)},
     {NT_ROW(1, true, true), NT_ROW(2, true, true)}}};
#undef NT_ROW

// A full last vector takes the unmasked tile.
NT_AVX2 inline SmallTile small_tile_for(bool ta, int nv, int64_t last, int r) {
  return kSmallTiles[ta][last != 8][nv - 1][r - 1];
}

NT_AVX2 inline float hsum(__m256 v) {
  __m128 x = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  x = _mm_add_ps(x, _mm_movehl_ps(x, x));
  x = _mm_add_ss(x, _mm_movehdup_ps(x));
  return _mm_cvtss_f32(x);
}

// C[i] = alpha * dot(A row i, x) + beta * C[i]: the N == 1 product, vectorised along K.
NT_AVX2 void small_gemv(int64_t M, int64_t K, float alpha, const float* A, int64_t lda,
                        const float* x, float beta, float* C, int64_t ldc) {
  for (int64_t i = 0; i < M; ++i) {
    const float* a = A + i * lda;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    int64_t k = 0;
    for (; k + 16 <= K; k += 16) {
      acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + k), _mm256_loadu_ps(x + k), acc0);
      acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + k + 8), _mm256_loadu_ps(x + k + 8), acc1);
    }
    for (; k < K; k += 8) {
      const __m256i m = tail_mask(K - k);
      acc0 = _mm256_fmadd_ps(_mm256_maskload_ps(a + k, m), _mm256_maskload_ps(x + k, m), acc0);
    }
    const float s = alpha * hsum(_mm256_add_ps(acc0, acc1));
    float* cp = C + i * ldc;
    *cp = beta == 0.0f ? s : s + beta * *cp;
  }
}

// The small-product driver, shared with gemm_avx512.cc.
constexpr int SW = 8;                    // floats per vector
constexpr bool kSmallEqualRows = false;  // SR rows at a time, the last tile takes the rest
#define NT_TARGET NT_AVX2
#include "gemm_small_impl.inc"

const Kernel kAvx2 = {"avx2", MR, NR, KC, KCS, MC, NC, NEURITE_AVX2_ORDER, ukr<false>, ukr<true>, pack_b, small, nullptr, pack_a_t};

}  // namespace

const Kernel* avx2_kernel() { return &kAvx2; }

}  // namespace gemm

}  // namespace neurite

#else

namespace neurite {
namespace gemm {
const Kernel* avx2_kernel() { return nullptr; }
}  // namespace gemm
}  // namespace neurite

#endif
