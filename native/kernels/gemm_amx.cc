// AMX-BF16 kernel of the bf16 products, and the bf16 packing (fp32 -> bf16 rounding fused into
// the BLIS packing step, in the tile layout of gemm_internal.h) that the AVX512-BF16 kernel
// shares. Only functions marked NT_* use the ISA, so this file compiles without -m flags.
#include "gemm_internal.h"

#if defined(__x86_64__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <cstring>

#include "cpu.h"

#define NT_PACK __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl")))
#define NT_CVT __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx512bf16")))

namespace neurite {
namespace gemm {
namespace {

// ---- fp32 -> bf16 in 16 lanes, the vector form of bf16_part (gemm_internal.h) ----
NT_PACK inline __m512i round16(__m512 x) {
  const __m512i u = _mm512_castps_si512(x);
  const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1));
  __m512i r = _mm512_srli_epi32(_mm512_add_epi32(_mm512_add_epi32(u, _mm512_set1_epi32(0x7FFF)), lsb), 16);
  const __mmask16 nan = _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
  return _mm512_mask_mov_epi32(r, nan, _mm512_set1_epi32(0x7FC0));
}
// bf16 bits (low 16 of each lane) of part `part` of x.
NT_PACK inline __m512i part16(__m512 x, int part) {
  const __m512i h = round16(x);
  if (part == kHi) return h;
  const __m512 hf = _mm512_castsi512_ps(_mm512_slli_epi32(h, 16));
  const __mmask16 finite = _mm512_cmp_ps_mask(_mm512_sub_ps(hf, hf), _mm512_setzero_ps(), _CMP_EQ_OQ);
  return round16(_mm512_maskz_sub_ps(finite, x, hf));
}
NT_PACK inline __mmask16 mask16(int64_t n) {
  return n >= 16 ? __mmask16(0xFFFF) : n <= 0 ? __mmask16(0) : __mmask16((1u << n) - 1);
}

// Both parts of x (16 lanes): *h = bf16(x), *l = bf16(x - bf16(x)), from one rounding.
NT_PACK inline void split16(__m512 x, __m512i* h, __m512i* l) {
  *h = round16(x);
  const __m512 hf = _mm512_castsi512_ps(_mm512_slli_epi32(*h, 16));
  const __mmask16 finite = _mm512_cmp_ps_mask(_mm512_sub_ps(hf, hf), _mm512_setzero_ps(), _CMP_EQ_OQ);
  *l = round16(_mm512_maskz_sub_ps(finite, x, hf));
}
// The part `part` of x in *a, or for kHiLo the high part in *a and the low part in *b.
NT_PACK inline void parts(__m512 x, int part, __m512i* a, __m512i* b) {
  if (part == kHiLo) split16(x, a, b);
  else *a = part16(x, part);
}
// The bf16 of 32 values (low 16 bits of the lanes of x0, then x1) as 16 u32 k-pairs.
NT_PACK inline __m512i pairs32(__m512i x0, __m512i x1) {
  const __m512i idx = _mm512_set_epi16(62, 60, 58, 56, 54, 52, 50, 48, 46, 44, 42, 40, 38, 36, 34, 32,
                                       30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
  return _mm512_permutex2var_epi16(x0, idx, x1);
}
// 16 x 16 32-bit transpose in registers (r[i] lane j <-> r[j] lane i).
NT_PACK inline void transpose16(__m512i r[16]) {
  __m512i t[16];
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_epi32(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_epi32(r[2 * i], r[2 * i + 1]);
  }
  for (int i = 0; i < 4; ++i) {  // r[4i+j], 128-bit lane L: rows 4i..4i+3 of column 4L+j
    r[4 * i] = _mm512_unpacklo_epi64(t[4 * i], t[4 * i + 2]);
    r[4 * i + 1] = _mm512_unpackhi_epi64(t[4 * i], t[4 * i + 2]);
    r[4 * i + 2] = _mm512_unpacklo_epi64(t[4 * i + 1], t[4 * i + 3]);
    r[4 * i + 3] = _mm512_unpackhi_epi64(t[4 * i + 1], t[4 * i + 3]);
  }
  for (int j = 0; j < 4; ++j) {
    const __m512i a = _mm512_shuffle_i32x4(r[j], r[4 + j], 0x88), b = _mm512_shuffle_i32x4(r[j], r[4 + j], 0xDD);
    const __m512i c = _mm512_shuffle_i32x4(r[8 + j], r[12 + j], 0x88), d = _mm512_shuffle_i32x4(r[8 + j], r[12 + j], 0xDD);
    t[j] = _mm512_shuffle_i32x4(a, c, 0x88);
    t[4 + j] = _mm512_shuffle_i32x4(b, d, 0x88);
    t[8 + j] = _mm512_shuffle_i32x4(a, c, 0xDD);
    t[12 + j] = _mm512_shuffle_i32x4(b, d, 0xDD);
  }
  for (int i = 0; i < 16; ++i) r[i] = t[i];
}

// One 1 KB tile: 16 lines x 16 k-pairs (u32: bf16 of k even | bf16 of k odd << 16); for part
// kHiLo two tiles, the high parts at dst and the low parts 1 KB after, from one rounding.
// k_contig: line s has its k values contiguous (X[s*ldx + k]); else each k has the lines
// contiguous (X[k*ldx + s]). `lines`, `ks` are the valid extents (rest zero). The tile is
// written as dst[s*16 + kp] when line_major (A), else dst[kp*16 + s] (B, VNNI); where that is
// not the load order, the 16 x 16 block is transposed in registers.
NT_PACK void tile16(const float* X, int64_t ldx, bool k_contig, int64_t lines, int64_t ks,
                    int part, bool line_major, uint32_t* dst) {
  const bool both = part == kHiLo;
  __m512i h[16], l[16];
  const __m512i z = _mm512_setzero_si512();
  if (k_contig) {
    const __mmask16 m0 = mask16(ks), m1 = mask16(ks - 16);
    for (int64_t s = 0; s < 16; ++s) {
      h[s] = l[s] = z;
      if (s >= lines) continue;
      const float* x = X + s * ldx;
      __m512i h0, h1, l0 = z, l1 = z;
      parts(_mm512_maskz_loadu_ps(m0, x), part, &h0, &l0);
      parts(_mm512_maskz_loadu_ps(m1, x + 16), part, &h1, &l1);
      h[s] = pairs32(h0, h1);
      if (both) l[s] = pairs32(l0, l1);
    }
  } else {
    const __mmask16 m = mask16(lines);
    for (int64_t kp = 0; kp < 16; ++kp) {
      const int64_t k = 2 * kp;
      __m512i he = z, le = z, ho = z, lo = z;
      if (k < ks) parts(_mm512_maskz_loadu_ps(m, X + k * ldx), part, &he, &le);
      if (k + 1 < ks) parts(_mm512_maskz_loadu_ps(m, X + (k + 1) * ldx), part, &ho, &lo);
      h[kp] = _mm512_or_si512(he, _mm512_slli_epi32(ho, 16));
      l[kp] = _mm512_or_si512(le, _mm512_slli_epi32(lo, 16));
    }
  }
  if (k_contig != line_major) {
    transpose16(h);
    if (both) transpose16(l);
  }
  for (int i = 0; i < 16; ++i) _mm512_store_si512(dst + i * 16, h[i]);
  if (both)
    for (int i = 0; i < 16; ++i) _mm512_store_si512(dst + 256 + i * 16, l[i]);
}

// The same tile for part kHi with vcvtne2ps2bf16 (two fp32 vectors -> 32 bf16, round to nearest
// even: the arithmetic of bf16_round) where no lane is NaN or denormal: the instruction flushes
// denormal inputs to zero and keeps NaN payloads, bf16_round keeps denormals and writes 0x7FC0.
// Returns false (nothing written) when a lane is either: the caller then runs tile16.
// k_contig: x0 = k 0..15 and x1 = k 16..31 of a line convert straight into its 16 k-pairs;
// else x0 / x1 are the even / odd k rows, interleaved into pairs by one vpermw.
NT_CVT inline __m512i cvt_pairs(__m512 x0, __m512 x1, bool interleave, __mmask16* special) {
  *special |= _mm512_fpclass_ps_mask(x0, 0xA1) | _mm512_fpclass_ps_mask(x1, 0xA1);  // NaN, denormal
  const __m512i v = (__m512i)_mm512_cvtne2ps_pbh(x1, x0);  // x0's 16 bf16, then x1's
  if (!interleave) return v;
  const __m512i idx = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8,
                                       23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
  return _mm512_permutexvar_epi16(idx, v);
}
NT_CVT bool tile16_cvt(const float* X, int64_t ldx, bool k_contig, int64_t lines, int64_t ks,
                       bool line_major, uint32_t* dst) {
  __m512i h[16];
  __mmask16 special = 0;
  if (k_contig) {
    const __mmask16 m0 = mask16(ks), m1 = mask16(ks - 16);
    for (int64_t s = 0; s < 16; ++s)
      h[s] = s < lines ? cvt_pairs(_mm512_maskz_loadu_ps(m0, X + s * ldx),
                                   _mm512_maskz_loadu_ps(m1, X + s * ldx + 16), false, &special)
                       : _mm512_setzero_si512();
  } else {
    const __mmask16 m = mask16(lines);
    for (int64_t kp = 0; kp < 16; ++kp) {
      const int64_t k = 2 * kp;
      const __m512 e = k < ks ? _mm512_maskz_loadu_ps(m, X + k * ldx) : _mm512_setzero_ps();
      const __m512 o = k + 1 < ks ? _mm512_maskz_loadu_ps(m, X + (k + 1) * ldx) : _mm512_setzero_ps();
      h[kp] = cvt_pairs(e, o, true, &special);
    }
  }
  if (special) return false;
  if (k_contig != line_major) transpose16(h);
  for (int i = 0; i < 16; ++i) _mm512_store_si512(dst + i * 16, h[i]);
  return true;
}

// Whether the packs use tile16_cvt for part kHi (bf16_pack_set_cvt; the CPU must have it).
std::atomic<bool> g_pack_cvt{cpu_features().avx512_bf16};

// Packs lines [i0, i0+n) x k [k0, k0+kc) of op(X) into 32-line panels (layout in
// gemm_internal.h). For A, lines are rows of op(A) (k_contig = !trans); for B, columns of
// op(B) (k_contig = trans).
NT_PACK void pack_panels(bool k_contig, bool line_major, const float* X, int64_t ldx, int64_t i0,
                         int64_t n, int64_t k0, int64_t kc, int part, uint16_t* dst) {
  const int64_t np = part == kHiLo ? 2 : 1;
  const int64_t kcp = (kc + kBf16Ku - 1) / kBf16Ku * kBf16Ku, tiles = kcp / kBf16Ku;
  const bool cvt = part == kHi && g_pack_cvt.load(std::memory_order_relaxed);
  // One tile: k tile t of the 16 lines from s = 16 * h16.
  auto one = [&](int64_t t, int64_t h16) {
    const int64_t s = 16 * h16, lines = std::min<int64_t>(16, n - s);
    uint32_t* tile = reinterpret_cast<uint32_t*>(dst + (s / 32) * 32 * kcp * np +
                                                 (h16 % 2) * 16 * kcp * np + t * 512 * np);
    const int64_t k = k0 + t * kBf16Ku, ks = std::min<int64_t>(kBf16Ku, k0 + kc - k);
    if (lines <= 0) { std::memset(tile, 0, 1024 * np); return; }
    const float* x = k_contig ? X + (i0 + s) * ldx + k : X + k * ldx + i0 + s;
    if (cvt && tile16_cvt(x, ldx, k_contig, lines, ks, line_major, tile)) return;
    tile16(x, ldx, k_contig, lines, ks, part, line_major, tile);
  };
  const int64_t halves = (n + 31) / 32 * 2;
  // Reads along the contiguous direction: 16 lines over all k, or 32 k rows over all lines
  // (line by line over k would read one cache line per row at a stride of ldx).
  if (k_contig)
    for (int64_t h16 = 0; h16 < halves; ++h16)
      for (int64_t t = 0; t < tiles; ++t) {
        // The 16 source lines are 16 streams; the hardware prefetcher keeps up with them
        // poorly, so both cache lines of each line's k tile t + 2 are asked for now. On AMD Zen 5
        // (bench/native/bf16_step, session 8) the forward products of an MLP step (B = the
        // weight, transposed) took 8-14% less time (W3 128x512x784 0.386 -> 0.345-0.350 ms,
        // 784-1024-1024 256x1024x784 1.55-1.58 -> 1.37-1.43 ms); 1 tile ahead gained less, 3 and
        // 4 about the same. Prefetching the other orientation (k rows: dW's packs) gained nothing.
        const int64_t s = 16 * h16, lines = std::min<int64_t>(16, n - s), kf = k0 + (t + 2) * kBf16Ku;
        if (kf < k0 + kc)
          for (int64_t r = 0; r < lines; ++r) {
            const char* q = reinterpret_cast<const char*>(X + (i0 + s + r) * ldx + kf);
            _mm_prefetch(q, _MM_HINT_T0);
            _mm_prefetch(q + 64, _MM_HINT_T0);
          }
        one(t, h16);
      }
  else
    for (int64_t t = 0; t < tiles; ++t)
      for (int64_t h16 = 0; h16 < halves; ++h16) one(t, h16);
}

void pack_a(bool trans, const float* A, int64_t lda, int64_t i0, int64_t n, int64_t k0,
            int64_t kc, int part, uint16_t* dst) {
  pack_panels(!trans, true, A, lda, i0, n, k0, kc, part, dst);
}
void pack_b(bool trans, const float* B, int64_t ldb, int64_t j0, int64_t n, int64_t k0,
            int64_t kc, int part, uint16_t* dst) {
  pack_panels(trans, false, B, ldb, j0, n, k0, kc, part, dst);
}

// The portable path's rounding (gemm_bf16.cc): dst[i] = bf16_to_float(bf16_part(src[i], part))
// for a contiguous run, part kHi or kLo, 16 lanes at a time (the scalar loop took about 1 ns an
// element, 4-8x the product's time on the thin layer-3 products of an MLP step).
NT_PACK void round_run(const float* src, float* dst, int64_t n, int part) {
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 m = mask16(n - i);
    const __m512i h = part16(_mm512_maskz_loadu_ps(m, src + i), part);
    _mm512_mask_storeu_ps(dst + i, m, _mm512_castsi512_ps(_mm512_slli_epi32(h, 16)));
  }
}

// ---- AMX ----
// GCC 12's _tile_loadconfig declares an 8-byte read (the 64-byte config can be dropped at
// -O2) and its _tile_loadd / _tile_stored declare no memory access at all: every tile
// instruction here is our own asm with a 64-byte memory operand or a "memory" clobber, so the
// compiler neither drops the config nor moves pack-buffer writes past a tile load (nor reads of
// the stored tile before the store).
struct alignas(64) TileConfig {
  uint8_t palette, start_row, reserved[14];
  uint16_t colsb[16];
  uint8_t rows[16];
};
struct Bytes64 { char b[64]; };

inline void tile_config_load(const TileConfig* cfg) {
  __asm__ volatile("ldtilecfg %0" ::"m"(*reinterpret_cast<const Bytes64*>(cfg)));
}
inline void tile_release() { __asm__ volatile("tilerelease" ::: "memory"); }

#define NT_TILE_ZERO(t) __asm__ volatile("tilezero %%tmm" #t ::: "memory")
#define NT_TILE_LOAD(t, base, stride) \
  __asm__ volatile("tileloadd (%0,%1,1), %%tmm" #t ::"r"(base), "r"(int64_t(stride)) : "memory")
#define NT_TILE_STORE(t, base, stride) \
  __asm__ volatile("tilestored %%tmm" #t ", (%0,%1,1)" ::"r"(base), "r"(int64_t(stride)) : "memory")
#define NT_TDP(c, a, b) __asm__ volatile("tdpbf16ps %%tmm" #b ", %%tmm" #a ", %%tmm" #c ::: "memory")

// Only called at ISA level kAmx, i.e. once the process holds the tile permission (cpu.cc).
void amx_thread_init() {
  TileConfig cfg;
  std::memset(&cfg, 0, sizeof cfg);
  cfg.palette = 1;
  for (int t = 0; t < 8; ++t) { cfg.colsb[t] = 64; cfg.rows[t] = 16; }
  tile_config_load(&cfg);  // per thread, per block: cheap next to a block of tdpbf16ps
}

NT_PACK void write_back(const float* t, float* c, int64_t ldc, int mr, int nr, float alpha,
                        float beta) {
  const __mmask16 m0 = mask16(nr), m1 = mask16(nr - 16);
  const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
  for (int r = 0; r < mr; ++r) {
    float* cr = c + r * ldc;
    __m512 x0 = _mm512_mul_ps(va, _mm512_load_ps(t + r * 32));
    __m512 x1 = _mm512_mul_ps(va, _mm512_load_ps(t + r * 32 + 16));
    if (beta != 0.0f) {
      x0 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m0, cr), x0);
      x1 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m1, cr + 16), x1);
    }
    _mm512_mask_storeu_ps(cr, m0, x0);
    _mm512_mask_storeu_ps(cr + 16, m1, x1);
  }
}

// The 4 accumulator tiles (tmm0-3) of a 32 x 32 C block, shared by ukr_amx and ukr_amx_high:
// they start as C itself (direct, beta 1) or zero, and end stored straight to C (direct) or
// through a buffer that write_back scales by alpha and beta.
NT_PACK static inline __attribute__((always_inline)) void acc_start(bool direct, float beta, float* c,
                                                                   int64_t ldc) {
  const int64_t ldcb = ldc * 4;
  if (direct && beta == 1.0f) {
    NT_TILE_LOAD(0, c, ldcb);
    NT_TILE_LOAD(1, c + 16, ldcb);
    NT_TILE_LOAD(2, c + 16 * ldc, ldcb);
    NT_TILE_LOAD(3, c + 16 * ldc + 16, ldcb);
  } else {
    NT_TILE_ZERO(0); NT_TILE_ZERO(1); NT_TILE_ZERO(2); NT_TILE_ZERO(3);
  }
}
NT_PACK static inline __attribute__((always_inline)) void acc_finish(bool direct, float* c, int64_t ldc,
                                                                    int mr, int nr, float alpha, float beta) {
  const int64_t ldcb = ldc * 4;
  if (direct) {
    NT_TILE_STORE(0, c, ldcb);
    NT_TILE_STORE(1, c + 16, ldcb);
    NT_TILE_STORE(2, c + 16 * ldc, ldcb);
    NT_TILE_STORE(3, c + 16 * ldc + 16, ldcb);
    return;
  }
  alignas(64) float t[32 * 32];
  NT_TILE_STORE(0, t, 128);
  NT_TILE_STORE(1, t + 16, 128);
  NT_TILE_STORE(2, t + 16 * 32, 128);
  NT_TILE_STORE(3, t + 16 * 32 + 16, 128);
  write_back(t, c, ldc, mr, nr, alpha, beta);
}

// 32 x 32 C = 4 accumulator tiles (tmm0-3), A halves in tmm4/5, B halves in tmm6/7: per 32-deep
// k step 4 tile loads (1 KB each, contiguous) and 4 tdpbf16ps.
// A whole 32 x 32 tile with alpha 1 and beta 0 or 1 (every K block of an ordinary product)
// accumulates on C itself: the accumulators start as C (or zero) and are stored straight back.
// Otherwise they start at zero, go through a buffer and write_back applies alpha and beta.
NT_PACK void ukr_amx(int64_t kcp, const uint16_t* a, const uint16_t* b, float* c, int64_t ldc,
                     int mr, int nr, float alpha, float beta) {
  const uint16_t *a0 = a, *a1 = a + 16 * kcp, *b0 = b, *b1 = b + 16 * kcp;
  const bool direct = mr == 32 && nr == 32 && alpha == 1.0f && (beta == 0.0f || beta == 1.0f);
  acc_start(direct, beta, c, ldc);
  for (int64_t off = 0; off < 16 * kcp; off += 512) {
    NT_TILE_LOAD(4, a0 + off, 64);
    NT_TILE_LOAD(6, b0 + off, 64);
    NT_TDP(0, 4, 6);
    NT_TILE_LOAD(7, b1 + off, 64);
    NT_TDP(1, 4, 7);
    NT_TILE_LOAD(5, a1 + off, 64);
    NT_TDP(2, 5, 6);
    NT_TDP(3, 5, 7);
  }
  acc_finish(direct, c, ldc, mr, nr, alpha, beta);
}

// 'high' on kHiLo packs (each 32-deep k step: a high tile, then a low tile): per step
// hi*hi + lo*hi + hi*lo into the same 4 accumulator tiles, 10 tile loads and 12 tdpbf16ps.
NT_PACK void ukr_amx_high(int64_t kcp2, const uint16_t* a, const uint16_t* b, float* c,
                          int64_t ldc, int mr, int nr, float alpha, float beta) {
  const uint16_t *a0 = a, *a1 = a + 16 * kcp2, *b0 = b, *b1 = b + 16 * kcp2;
  const bool direct = mr == 32 && nr == 32 && alpha == 1.0f && (beta == 0.0f || beta == 1.0f);
  acc_start(direct, beta, c, ldc);
  for (int64_t off = 0; off < 16 * kcp2; off += 1024) {
    NT_TILE_LOAD(4, a0 + off, 64);  // hi * hi
    NT_TILE_LOAD(6, b0 + off, 64);
    NT_TDP(0, 4, 6);
    NT_TILE_LOAD(7, b1 + off, 64);
    NT_TDP(1, 4, 7);
    NT_TILE_LOAD(5, a1 + off, 64);
    NT_TDP(2, 5, 6);
    NT_TDP(3, 5, 7);
    NT_TILE_LOAD(4, a0 + off + 512, 64);  // lo * hi
    NT_TDP(0, 4, 6);
    NT_TDP(1, 4, 7);
    NT_TILE_LOAD(5, a1 + off + 512, 64);
    NT_TDP(2, 5, 6);
    NT_TDP(3, 5, 7);
    NT_TILE_LOAD(4, a0 + off, 64);  // hi * lo
    NT_TILE_LOAD(6, b0 + off + 512, 64);
    NT_TDP(0, 4, 6);
    NT_TILE_LOAD(7, b1 + off + 512, 64);
    NT_TDP(1, 4, 7);
    NT_TILE_LOAD(5, a1 + off, 64);
    NT_TDP(2, 5, 6);
    NT_TDP(3, 5, 7);
  }
  acc_finish(direct, c, ldc, mr, nr, alpha, beta);
}

#ifndef NEURITE_AMX_KC  // overridable only to tune
#define NEURITE_AMX_KC 1024
#define NEURITE_AMX_NC 512
#define NEURITE_AMX_MC 1024
#endif

void amx_release() { tile_release(); }

const KernelBf16 kAmx = {"amx", NEURITE_AMX_KC, NEURITE_AMX_MC, NEURITE_AMX_NC, pack_a, pack_b,
                         ukr_amx, ukr_amx_high, amx_thread_init, amx_release};

}  // namespace

PackBf16 bf16_pack_a() { return pack_a; }
bool bf16_pack_set_cvt(bool on) {
  if (on && !cpu_features().avx512_bf16) return false;
  g_pack_cvt.store(on, std::memory_order_relaxed);
  return true;
}
PackBf16 bf16_pack_b() { return pack_b; }
RoundRun bf16_round_run_avx512() { return round_run; }
const KernelBf16* amx_kernel() { return &kAmx; }

}  // namespace gemm
}  // namespace neurite

#else
namespace neurite {
namespace gemm {
const KernelBf16* amx_kernel() { return nullptr; }
PackBf16 bf16_pack_a() { return nullptr; }
PackBf16 bf16_pack_b() { return nullptr; }
RoundRun bf16_round_run_avx512() { return nullptr; }
bool bf16_pack_set_cvt(bool on) { return !on; }
}  // namespace gemm
}  // namespace neurite
#endif
