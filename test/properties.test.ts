/** Property tests (fast-check) against naive float64 references, on every backend. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { F, cat, gather, scatter, scatterAdd, tensor } from '../lib/index.js';
import { B } from '../lib/backend/index.js';
import { Binary } from '../lib/backend/types.js';
import { availableBackends, useBackend } from './helpers/backends.js';
import { broadcast64, lcg, reduce64 } from './helpers/gradcheck.js';

const fill = (n: number, seed: number): Float32Array => {
  const r = lcg(seed);
  return Float32Array.from({ length: n }, () => Math.fround(r() * 4 - 2));
};
const size = (s: number[]): number => s.reduce((a, b) => a * b, 1);
const close = (a: ArrayLike<number>, e: ArrayLike<number>, tol: number): void => {
  expect(a.length).toBe(e.length);
  for (let i = 0; i < e.length; i++) if (!(Math.abs(a[i] - e[i]) <= tol * (1 + Math.abs(e[i])))) expect(a[i], `[${i}]`).toBe(e[i]);
};

/** Two broadcast-compatible shapes: a base shape, each side drops leading dims or sets dims to 1. */
const shapePair = fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 0, maxLength: 4 }).chain((base) =>
  fc.tuple(fc.constant(base), fc.array(fc.boolean(), { minLength: base.length, maxLength: base.length }),
    fc.array(fc.boolean(), { minLength: base.length, maxLength: base.length }),
    fc.integer({ min: 0, max: base.length }), fc.integer({ min: 0, max: base.length }))
    .map(([b, ma, mb, da, db]) => [b.map((d, i) => (ma[i] ? 1 : d)).slice(da), b.map((d, i) => (mb[i] ? 1 : d)).slice(db)] as const));

describe.each(availableBackends())('properties (%s backend)', (name) => {
  useBackend(name);

  it('gather / scatter / scatterAdd: the hoisted path (index covers x off dim) equals the general one (x padded off dim)', () => {
    const arb = fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 }).chain((shape) => fc.tuple(fc.constant(shape),
      fc.integer({ min: 0, max: shape.length - 1 }), fc.integer({ min: 0, max: shape.length - 1 }), fc.integer({ min: 1, max: 3 }), fc.nat()));
    fc.assert(fc.property(arb, ([shape, k, p, extra, seed]) => {
      const n = size(shape), r = lcg(seed);
      const x = tensor(fill(n, seed), shape), src = tensor(fill(n, seed + 1), shape);
      const idx = tensor(Float32Array.from({ length: n }, () => Math.floor(r() * shape[k])), shape);
      const fast = [gather(x, k, idx), scatter(x, k, idx, src), scatterAdd(x, k, idx, src)];
      if (shape.length === 1 || p === k) { // no other dim to pad: a naive reference
        const want = new Float32Array(n);
        const st = shape.map((_, d) => size(shape.slice(d + 1)));
        for (let i = 0; i < n; i++) want[i] = x.data[i + (idx.data[i] - Math.floor(i / st[k]) % shape[k]) * st[k]];
        expect(Array.from(fast[0].data)).toEqual(Array.from(want));
        return;
      }
      const padShape = shape.slice(); padShape[p] = extra;
      const xp = cat([x, tensor(fill(size(padShape), seed + 2), padShape)], p);
      const general = [gather(xp, k, idx), scatter(xp, k, idx, src).narrow(p, 0, shape[p]), scatterAdd(xp, k, idx, src).narrow(p, 0, shape[p])];
      fast.forEach((f, i) => expect(Array.from(f.data), ['gather', 'scatter', 'scatterAdd'][i]).toEqual(Array.from(general[i].data)));
    }), { numRuns: 150 });
  });

  it('cat along a random dim equals a naive row-major join, for contiguous and transposed inputs', () => {
    const arb = fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 }).chain((shape) => fc.tuple(fc.constant(shape),
      fc.integer({ min: 0, max: shape.length - 1 }), fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 4 }), fc.nat(), fc.boolean()));
    fc.assert(fc.property(arb, ([shape, k, dks, seed, transposed]) => {
      const parts = dks.map((dk, j) => { const s = shape.slice(); s[k] = dk; return tensor(fill(size(s), seed + j), s); });
      // the same values through a non-contiguous view: transpose a copy of the transpose
      const ins = transposed && shape.length > 1 ? parts.map((t) => t.transpose(0, -1).contiguous().transpose(0, -1)) : parts;
      const got = cat(ins, k);
      const outer = size(shape.slice(0, k)), inner = size(shape.slice(k + 1)), want: number[] = [];
      for (let o = 0; o < outer; o++) for (const t of parts) { const run = t.shape[k] * inner; want.push(...t.data.subarray(o * run, (o + 1) * run)); }
      expect(Array.from(got.data)).toEqual(want);
    }), { numRuns: 150 });
  });

  it('binary ops broadcast as NumPy does', () => {
    fc.assert(fc.property(shapePair, fc.integer({ min: 0, max: 3 }), fc.nat(), ([sa, sb], op, seed) => {
      const a = fill(size(sa), seed), b = fill(size(sb), seed + 1).map((v) => (op === 3 && Math.abs(v) < 0.1 ? 0.5 : v));
      const fns = [(x: number, y: number) => x + y, (x: number, y: number) => x - y, (x: number, y: number) => x * y, (x: number, y: number) => x / y];
      const ta = tensor(a, sa), tb = tensor(b, sb);
      const out = [ta.add(tb), ta.sub(tb), ta.mul(tb), ta.div(tb)][op];
      const ref = broadcast64(a, [...sa], b, [...sb], fns[op]);
      expect(out.shape).toEqual(ref.shape);
      close(out.data, ref.out.map(Math.fround), 1e-6);
    }), { numRuns: 150 });
  });

  it('sum / mean / max along a random dim match a naive reduction', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 4 }), fc.nat(), fc.boolean(), fc.nat(),
      (shape, dimSeed, keep, seed) => {
        const dim = dimSeed % shape.length;
        const x = fill(size(shape), seed);
        const t = tensor(x, shape);
        const want = (f: (v: number[]) => number): Float64Array => reduce64(x, shape, dim, f);
        const ks = keep ? shape.map((d, i) => (i === dim ? 1 : d)) : shape.filter((_, i) => i !== dim);
        const s = t.sum(dim, keep), m = t.mean(dim, keep), mx = t.max(dim, keep);
        expect(s.shape).toEqual(ks);
        close(s.data, want((v) => v.reduce((a, b) => a + b, 0)), 1e-5);
        close(m.data, want((v) => v.reduce((a, b) => a + b, 0) / v.length), 1e-5);
        close(mx.values.data, want((v) => Math.max(...v)), 0);
        close(mx.indices.data, want((v) => v.indexOf(Math.max(...v))), 0);
      }), { numRuns: 150 });
  });

  it('gemm with every transpose flag, alpha, beta and odd sizes matches float64', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 70 }), fc.integer({ min: 0, max: 300 }),
      fc.boolean(), fc.boolean(), fc.constantFrom(1, -0.5, 2), fc.constantFrom(0, 1, 0.5), fc.nat(),
      (M, N, K, tA, tB, alpha, beta, seed) => {
        const A = fill(M * K, seed), Bm = fill(K * N, seed + 1), C = fill(M * N, seed + 2);
        if (beta === 0) C.fill(NaN); // beta = 0 must ignore C, NaN included
        const C0 = C.slice();
        B().gemm(tA, tB, M, N, K, alpha, A, Bm, beta, C);
        const ref = new Float64Array(M * N);
        let absSum = 0;
        for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
          let s = 0;
          for (let k = 0; k < K; k++) {
            const a = tA ? A[k * M + i] : A[i * K + k];
            const b = tB ? Bm[j * K + k] : Bm[k * N + j];
            s += a * b; absSum = Math.max(absSum, Math.abs(a * b));
          }
          ref[i * N + j] = alpha * s + (beta === 0 ? 0 : beta * C0[i * N + j]);
        }
        for (let i = 0; i < ref.length; i++) {
          expect(Math.abs(C[i] - ref[i]), `C[${i}] ${M}x${N}x${K} tA=${tA} tB=${tB}`).toBeLessThanOrEqual(1e-6 * (K + 1) * 4 * Math.abs(alpha) + 1e-6 * Math.abs(ref[i]) + 1e-6);
        }
      }), { numRuns: 120 });
  });

  it('softmax rows sum to 1 and are non-negative; logSoftmax is its log', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 40 }), fc.double({ min: 0.1, max: 200, noNaN: true }), fc.nat(),
      (rows, cols, scale, seed) => {
        const x = fill(rows * cols, seed).map((v) => Math.fround(v * scale));
        const t = tensor(x, [rows, cols]);
        const s = F.softmax(t, 1), ls = F.logSoftmax(t, 1);
        for (let r = 0; r < rows; r++) {
          let sum = 0;
          for (let c = 0; c < cols; c++) {
            const v = s.data[r * cols + c];
            expect(v).toBeGreaterThanOrEqual(0);
            sum += v;
            if (v > 1e-30) expect(Math.abs(Math.log(v) - ls.data[r * cols + c])).toBeLessThan(1e-4 * (1 + Math.abs(ls.data[r * cols + c])));
          }
          expect(Math.abs(sum - 1)).toBeLessThan(1e-5 * cols);
        }
      }), { numRuns: 100 });
  });

  it('backend binary kernel equals the reference directly (padded shapes)', () => {
    fc.assert(fc.property(shapePair, fc.nat(), ([sa, sb], seed) => {
      const ref = broadcast64(fill(size(sa), seed), [...sa], fill(size(sb), seed + 5), [...sb], (x, y) => x * y);
      const r = ref.shape.length;
      const pad = (s: readonly number[]): number[] => [...Array(r - s.length).fill(1), ...s];
      const out = new Float32Array(size(ref.shape));
      B().binary(Binary.mul, fill(size(sa), seed), pad(sa), fill(size(sb), seed + 5), pad(sb), out, ref.shape);
      close(out, ref.out.map(Math.fround), 0);
    }), { numRuns: 100 });
  });
});
