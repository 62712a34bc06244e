/**
 * Gradient checking against float64: neurite's analytic gradient (float32) of
 * L = Σ out·w for fixed random weights w, against central differences of a float64
 * re-implementation of the same function (float32 differences are too noisy to check with).
 */
import { expect } from 'vitest';
import { Tensor, tensor } from '../../lib/index.js';

export type Ref = (xs: Float64Array[]) => ArrayLike<number>;

/** A deterministic generator for test data (not the library's RNG: checks must not move it). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

export interface InputSpec {
  shape: number[];
  /** Sampler of one value (default U(-2, 2) away from 0 by 0.05, where kinks live). */
  gen?: (r: () => number) => number;
}

export const awayFromZero = (r: () => number): number => {
  const v = (r() * 2 - 1) * 2;
  return Math.abs(v) < 0.05 ? v + Math.sign(v || 1) * 0.1 : v;
};
export const positive = (r: () => number): number => 0.2 + r() * 2;

/**
 * Check d(Σ f(xs)·w)/dxs from neurite against float64 central differences of `ref`.
 * `f` receives leaf tensors (requiresGrad) built from the same float32 values `ref` sees.
 * `gradOf(k)`, when given, names where input k's gradient lands (e.g. `lin.weight.grad` of a
 * module whose parameter `f` loaded from input k; null: the leaf's), so a module's own parameters are checked
 * through the module's own (fused) path rather than through a detour.
 */
export function gradcheck(specs: InputSpec[], f: (xs: Tensor[]) => Tensor, ref: Ref,
  opts: { seed?: number; rtol?: number; atol?: number; only?: number[]; gradOf?: (k: number) => Tensor | null } = {}): void {
  const r = lcg(opts.seed ?? 1234);
  const datas = specs.map((s) => {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const d = new Float32Array(n);
    for (let i = 0; i < n; i++) d[i] = (s.gen ?? awayFromZero)(r);
    return d;
  });
  const leaves = datas.map((d, i) => tensor(d.slice(), specs[i].shape, { requiresGrad: true }));
  const out = f(leaves);
  const w = new Float32Array(out.size);
  for (let i = 0; i < w.length; i++) w[i] = Math.fround(r() * 2 - 1);
  out.mul(tensor(w, out.shape)).sum().backward();

  const x64 = datas.map((d) => Float64Array.from(d));
  const loss = (): number => {
    const o = ref(x64);
    expect(o.length, 'reference output size').toBe(out.size);
    let s = 0;
    for (let i = 0; i < o.length; i++) s += o[i] * w[i];
    return s;
  };
  const rtol = opts.rtol ?? 2e-3, atol = opts.atol ?? 2e-4;
  const which = opts.only ?? specs.map((_, i) => i);
  for (const k of which) {
    const xs = x64[k];
    // a module's own parameter loaded from input k's values (fused paths): its gradient
    const g = opts.gradOf?.(k) ?? leaves[k].grad;
    expect(g, `input ${k} received a gradient`).not.toBeNull();
    const bad: string[] = [];
    for (let i = 0; i < xs.length; i++) {
      const x0 = xs[i];
      const h = 1e-6 * Math.max(1, Math.abs(x0));
      xs[i] = x0 + h; const lp = loss();
      xs[i] = x0 - h; const lm = loss();
      xs[i] = x0;
      const num = (lp - lm) / (2 * h);
      const ana = g!.data[i];
      if (!(Math.abs(ana - num) <= atol + rtol * Math.abs(num))) bad.push(`[${i}] analytic ${ana} numeric ${num}`);
    }
    expect(bad, `input ${k}: analytic vs float64 numeric gradient`).toEqual([]);
  }
}

/** Strides of a row-major shape. */
export function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) { s[d] = acc; acc *= shape[d]; }
  return s;
}

/** NumPy broadcasting in float64 (the reference for binary ops). */
export function broadcast64(a: ArrayLike<number>, as: number[], b: ArrayLike<number>, bs: number[],
  op: (x: number, y: number) => number): { out: Float64Array; shape: number[] } {
  const r = Math.max(as.length, bs.length);
  const pa = [...Array(r - as.length).fill(1), ...as], pb = [...Array(r - bs.length).fill(1), ...bs];
  const shape = pa.map((d, i) => Math.max(d, pb[i]));
  const n = shape.reduce((p, q) => p * q, 1);
  const sa = strides(pa), sb = strides(pb), so = strides(shape);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let ia = 0, ib = 0;
    for (let d = 0; d < r; d++) {
      const c = Math.floor(i / so[d]) % shape[d];
      if (pa[d] !== 1) ia += c * sa[d];
      if (pb[d] !== 1) ib += c * sb[d];
    }
    out[i] = op(a[ia], b[ib]);
  }
  return { out, shape };
}

/** Reduce along one dim in float64: [outer, d, inner] → [outer, inner]. */
export function reduce64(x: ArrayLike<number>, shape: number[], dim: number,
  f: (vals: number[]) => number): Float64Array {
  const outer = shape.slice(0, dim).reduce((p, q) => p * q, 1);
  const d = shape[dim];
  const inner = shape.slice(dim + 1).reduce((p, q) => p * q, 1);
  const out = new Float64Array(outer * inner);
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) {
    const vals: number[] = [];
    for (let j = 0; j < d; j++) vals.push(x[(o * d + j) * inner + i]);
    out[o * inner + i] = f(vals);
  }
  return out;
}

/** C = A·B in float64, A: M×K, B: K×N. */
export function matmul64(A: ArrayLike<number>, B: ArrayLike<number>, M: number, K: number, N: number): Float64Array {
  const C = new Float64Array(M * N);
  for (let i = 0; i < M; i++) for (let k = 0; k < K; k++) {
    const a = A[i * K + k];
    for (let j = 0; j < N; j++) C[i * N + j] += a * B[k * N + j];
  }
  return C;
}
