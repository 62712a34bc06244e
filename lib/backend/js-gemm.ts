/**
 * SGEMM in TypeScript: packed panels and a 4×4 register-blocked microkernel (sixteen local
 * accumulators that V8 keeps in registers), cache-blocked over K and N. Small products take a
 * direct loop without packing: packing costs more than it saves below ~32k multiply-adds.
 */
import type { F32, MatmulPrecisionId } from './types.js';

const MR = 4;
const NR = 4;
const KC = 256;
const MC = 64;
const NC = 512;
const SMALL = 32 * 1024;

let packA = new Float64Array(MC * KC);
let packB = new Float64Array(KC * NC);

let precision: MatmulPrecisionId = 0;

/** Backend.setMatmulPrecision: 0 highest, 1 high (bf16x3), 2 medium (bf16). */
export function setGemmPrecision(p: MatmulPrecisionId): void {
  if (p !== 0 && p !== 1 && p !== 2) throw new RangeError(`setMatmulPrecision: precision id must be 0, 1 or 2, got ${String(p)}`);
  precision = p;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** fp32 -> bf16 (round to nearest even; NaN -> 0x7FC0), returned as the float it stands for. */
export function bf16Round(x: number): number {
  f32[0] = x;
  const u = u32[0];
  if ((u & 0x7fffffff) > 0x7f800000) { u32[0] = 0x7fc00000; return f32[0]; }
  u32[0] = (((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) << 16) >>> 0;
  return f32[0];
}

/** The bf16 part of x: 0 = bf16(x), 1 = bf16(x - bf16(x)) (0 when bf16(x) is not finite). */
function bf16Part(x: number, part: number): number {
  const h = bf16Round(x);
  if (part === 0) return h;
  return Number.isFinite(h) ? bf16Round(x - h) : 0;
}

// 'medium': hi over K; 'high': K three times, A = [hi hi lo], B = [hi; lo; hi] (native/kernels/gemm_bf16.cc)
const PARTS_A = [0, 0, 1];
const PARTS_B = [0, 1, 0];

/** op(X) (rows × K, or K × rows when trans) with its K axis repeated `parts` times as bf16 parts. */
function bf16Copy(X: F32, trans: boolean, rows: number, K: number, parts: number, sel: number[]): F32 {
  const Ke = parts * K;
  const out = new Float32Array(rows * Ke);
  for (let q = 0; q < parts; q++) {
    const p = sel[q];
    if (!trans) {
      for (let i = 0; i < rows; i++) for (let k = 0; k < K; k++) out[i * Ke + q * K + k] = bf16Part(X[i * K + k], p);
    } else {
      for (let k = 0; k < K; k++) for (let i = 0; i < rows; i++) out[(q * K + k) * rows + i] = bf16Part(X[k * rows + i], p);
    }
  }
  return out;
}

/** C = alpha·op(A)·op(B) + beta·C (see Backend.gemm), at the thread's matmul precision. */
export function gemm(transA: boolean, transB: boolean, M: number, N: number, K: number,
  alpha: number, A: F32, B: F32, beta: number, C: F32): void {
  if (precision !== 0 && K > 0 && alpha !== 0 && M * N > 0) {
    const parts = precision === 1 ? 3 : 1;
    // op(B) is K x N: stored N x K (rows N along K) when transB, else K x N (K along rows)
    const a = bf16Copy(A, transA, M, K, parts, PARTS_A);
    const b = bf16Copy(B, !transB, N, K, parts, PARTS_B);
    gemmF32(transA, transB, M, N, parts * K, alpha, a, b, beta, C);
    return;
  }
  gemmF32(transA, transB, M, N, K, alpha, A, B, beta, C);
}

function gemmF32(transA: boolean, transB: boolean, M: number, N: number, K: number,
  alpha: number, A: F32, B: F32, beta: number, C: F32): void {
  const mn = M * N;
  if (beta === 0) C.fill(0, 0, mn);
  else if (beta !== 1) for (let i = 0; i < mn; i++) C[i] *= beta;
  if (K === 0 || alpha === 0 || mn === 0) return;
  if (M * N * K <= SMALL) smallGemm(transA, transB, M, N, K, alpha, A, B, C);
  else blockedGemm(transA, transB, M, N, K, alpha, A, B, C);
}

function smallGemm(transA: boolean, transB: boolean, M: number, N: number, K: number,
  alpha: number, A: F32, B: F32, C: F32): void {
  // A(i,k) = transA ? A[k*M+i] : A[i*K+k]; B(k,j) = transB ? B[j*K+k] : B[k*N+j]
  const ars = transA ? 1 : K, acs = transA ? M : 1;
  if (transB) {
    for (let i = 0; i < M; i++) {
      const a0 = i * ars;
      for (let j = 0; j < N; j++) {
        const b0 = j * K;
        let s = 0;
        for (let k = 0; k < K; k++) s += A[a0 + k * acs] * B[b0 + k];
        C[i * N + j] += alpha * s;
      }
    }
    return;
  }
  for (let i = 0; i < M; i++) {
    const a0 = i * ars, c0 = i * N;
    for (let k = 0; k < K; k++) {
      const a = alpha * A[a0 + k * acs];
      if (a === 0) continue;
      const b0 = k * N;
      for (let j = 0; j < N; j++) C[c0 + j] += a * B[b0 + j];
    }
  }
}

function blockedGemm(transA: boolean, transB: boolean, M: number, N: number, K: number,
  alpha: number, A: F32, B: F32, C: F32): void {
  const ars = transA ? 1 : K, acs = transA ? M : 1;
  const brs = transB ? 1 : N, bcs = transB ? K : 1; // B(k,j) = B[k*brs + j*bcs]
  for (let jc = 0; jc < N; jc += NC) {
    const nc = Math.min(NC, N - jc);
    const npan = Math.ceil(nc / NR);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = Math.min(KC, K - pc);
      if (packB.length < npan * NR * kc) packB = new Float64Array(npan * NR * kc);
      // pack B[pc:pc+kc, jc:jc+nc] into panels of NR columns, k-major, zero-padded
      const pb = packB;
      for (let p = 0; p < npan; p++) {
        const base = p * NR * kc;
        for (let jj = 0; jj < NR; jj++) {
          const j = jc + p * NR + jj;
          if (j < N) {
            let src = pc * brs + j * bcs;
            for (let k = 0; k < kc; k++, src += brs) pb[base + k * NR + jj] = B[src];
          } else {
            for (let k = 0; k < kc; k++) pb[base + k * NR + jj] = 0;
          }
        }
      }
      for (let ic = 0; ic < M; ic += MC) {
        const mc = Math.min(MC, M - ic);
        const mpan = Math.ceil(mc / MR);
        if (packA.length < mpan * MR * kc) packA = new Float64Array(mpan * MR * kc);
        const pa = packA;
        for (let p = 0; p < mpan; p++) {
          const base = p * MR * kc;
          for (let ii = 0; ii < MR; ii++) {
            const i = ic + p * MR + ii;
            if (i < M) {
              let src = i * ars + pc * acs;
              for (let k = 0; k < kc; k++, src += acs) pa[base + k * MR + ii] = alpha * A[src];
            } else {
              for (let k = 0; k < kc; k++) pa[base + k * MR + ii] = 0;
            }
          }
        }
        for (let pi = 0; pi < mpan; pi++) {
          for (let pj = 0; pj < npan; pj++) {
            micro(pa, pi * MR * kc, pb, pj * NR * kc, kc, C, ic + pi * MR, jc + pj * NR, M, N);
          }
        }
      }
    }
  }
}

function micro(pa: Float64Array, ao: number, pb: Float64Array, bo: number, kc: number,
  C: F32, i0: number, j0: number, M: number, N: number): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let k = 0; k < kc; k++) {
    const a = ao + k * 4, b = bo + k * 4;
    const a0 = pa[a], a1 = pa[a + 1], a2 = pa[a + 2], a3 = pa[a + 3];
    const b0 = pb[b], b1 = pb[b + 1], b2 = pb[b + 2], b3 = pb[b + 3];
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
  }
  if (i0 + 4 <= M && j0 + 4 <= N) {
    let o = i0 * N + j0;
    C[o] += c00; C[o + 1] += c01; C[o + 2] += c02; C[o + 3] += c03; o += N;
    C[o] += c10; C[o + 1] += c11; C[o + 2] += c12; C[o + 3] += c13; o += N;
    C[o] += c20; C[o + 1] += c21; C[o + 2] += c22; C[o + 3] += c23; o += N;
    C[o] += c30; C[o + 1] += c31; C[o + 2] += c32; C[o + 3] += c33;
    return;
  }
  const t = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
  for (let ii = 0; ii < 4 && i0 + ii < M; ii++) {
    for (let jj = 0; jj < 4 && j0 + jj < N; jj++) C[(i0 + ii) * N + j0 + jj] += t[ii * 4 + jj];
  }
}
