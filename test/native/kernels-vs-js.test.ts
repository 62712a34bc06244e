/**
 * The native kernels against the js backend on random shapes, odd sizes included (vector
 * tails, tiny and empty products). Elementwise, reductions and optimizers mirror the js
 * arithmetic and must agree bit for bit; activations within a few ulp (vectorised exp/tanh vs
 * libm); GEMM-based kernels to a relative tolerance (summation order differs).
 */
import { expect, it } from 'vitest';
import fc from 'fast-check';
import { jsBackend } from '../../lib/backend/js.js';
import { loadNative } from '../../lib/backend/native.js';
import { Act, actNeedsPre, type ActId, type Backend } from '../../lib/backend/types.js';
import { describeIfAvailable, nativeMissing } from '../helpers/requires.js';

const nat = loadNative().backend;
const N = nat as Backend;
const J = jsBackend;

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 4294967296; };
}
function rand(n: number, seed: number, scale = 3): Float32Array {
  const r = rng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (r() * 2 - 1) * scale;
  return a;
}
const bits = new Float32Array(1), ibits = new Int32Array(bits.buffer);
function ord(x: number): number { bits[0] = x; const i = ibits[0]; return i < 0 ? -2147483648 - i : i; }
function maxUlp(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) && Number.isNaN(b[i])) continue;
    m = Math.max(m, Math.abs(ord(a[i]) - ord(b[i])));
  }
  return m;
}
/**
 * Within 2 ulp; or, where the formula cancels, within 2^-21 (4 ulp of 1/2) times the magnitude of
 * the terms that cancel (`scale[i]`: GELU's 0.5|x|(1 + erf) near its minimum and in the negative
 * tail; a derivative |gy|·max(1, |x|) crossing zero). Where nothing cancels (`scale` null:
 * sigmoid, tanh, ELU forward, ...) only ulps count, so tiny tail values are compared bit-close.
 */
function expectUlpOrCancel(a: Float32Array, b: Float32Array, scale: Float32Array | null): void {
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) && Number.isNaN(b[i])) continue;
    if (Math.abs(ord(a[i]) - ord(b[i])) <= 2) continue;
    if (scale !== null && Math.abs(a[i] - b[i]) <= 2 ** -21 * scale[i]) continue;
    expect.fail(`[${i}] native ${a[i]} vs js ${b[i]} (${Math.abs(ord(a[i]) - ord(b[i]))} ulp${scale ? `, cancel scale ${scale[i]}` : ''})`);
  }
}
/** The magnitude of the terms that cancel: forward of GELU (0.5|x|), any backward (|gy|·max(1, |x|)). */
function cancelScale(act: ActId, x: Float32Array, gy: Float32Array | null): Float32Array | null {
  if (gy === null && act !== Act.geluErf && act !== Act.geluTanh) return null;
  return x.map((v, i) => (gy === null ? 0.5 * Math.abs(v) : Math.abs(gy[i]) * Math.max(1, Math.abs(v))));
}
function expectClose(a: Float32Array, b: Float32Array, rel = 2e-5, abs = 1e-5): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    const tol = abs + rel * Math.abs(b[i]);
    if (!(Math.abs(a[i] - b[i]) <= tol)) expect.fail(`[${i}] native ${a[i]} vs js ${b[i]}`);
  }
}
const ACTS: [ActId, number][] = [[Act.identity, 0], [Act.relu, 0], [Act.leakyRelu, 0.01], [Act.leakyRelu, -0.2],
  [Act.geluErf, 0], [Act.geluTanh, 0], [Act.sigmoid, 0], [Act.tanh, 0], [Act.elu, 1], [Act.elu, 0.5]];
const size = fc.integer({ min: 0, max: 70 });
const opts = { numRuns: 60 };

describeIfAvailable(nativeMissing(), 'native kernels vs the js backend', () => {
  it('actForward / actBackward: within 2 ulp (or a few ulp of the terms that cancel), every activation, odd lengths', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 300 }), fc.integer(), fc.constantFrom(...ACTS), (n, seed, [act, p]) => {
      const x = rand(n, seed, 8);
      const yj = new Float32Array(n), yn = new Float32Array(n);
      J.actForward(act, p, x, yj, n);
      N.actForward(act, p, x, yn, n);
      expectUlpOrCancel(yn, yj, cancelScale(act, x, null)); // 1 ulp of tanh is several ulp of 0.5x(1 + tanh) where it cancels
      const gy = rand(n, seed + 1);
      const gj = new Float32Array(n), gn = new Float32Array(n);
      J.actBackward(act, p, x, yj, gy, gj, n);
      N.actBackward(act, p, x, yj, gy, gn, n);
      expectUlpOrCancel(gn, gj, cancelScale(act, x, gy));
      if (!actNeedsPre(act, p) && act !== Act.elu) { // y-only path (js's elu reads z from y)
        N.actBackward(act, p, null, yj, gy, gn, n);
        expectUlpOrCancel(gn, gj, cancelScale(act, x, gy));
      }
    }), opts);
  });

  it('actForward in place', () => {
    const x = rand(37, 5), y = new Float32Array(37);
    J.actForward(Act.geluTanh, 0, x, y, 37);
    N.actForward(Act.geluTanh, 0, x, x, 37);
    expect(maxUlp(x, y)).toBeLessThanOrEqual(2);
  });

  it('gemm: all transposes, odd and empty sizes, beta 0 ignores NaN in C, beta 1 accumulates', () => {
    fc.assert(fc.property(size, size, size, fc.boolean(), fc.boolean(), fc.constantFrom(0, 1, 0.5), fc.integer(), (M, Nn, K, ta, tb, beta, seed) => {
      const A = rand(M * K, seed), B = rand(K * Nn, seed + 1);
      const C0 = beta === 0 ? new Float32Array(M * Nn).fill(NaN) : rand(M * Nn, seed + 2);
      const cj = C0.slice(), cn = C0.slice();
      J.gemm(ta, tb, M, Nn, K, 1.5, A, B, beta, cj);
      N.gemm(ta, tb, M, Nn, K, 1.5, A, B, beta, cn);
      expectClose(cn, cj, 1e-5, 1e-4);
    }), opts);
  });

  it('linearForward: bias / no bias, pre, every activation', () => {
    fc.assert(fc.property(size, size, size, fc.boolean(), fc.boolean(), fc.constantFrom(...ACTS), fc.integer(), (M, Nn, K, hasB, hasPre, [act, p], seed) => {
      const X = rand(M * K, seed), W = rand(Nn * K, seed + 1, 0.5), b = hasB ? rand(Nn, seed + 2) : null;
      const yj = new Float32Array(M * Nn), yn = new Float32Array(M * Nn);
      const pj = hasPre ? new Float32Array(M * Nn) : null, pn = hasPre ? new Float32Array(M * Nn) : null;
      J.linearForward(X, W, b, M, Nn, K, act, p, yj, pj);
      N.linearForward(X, W, b, M, Nn, K, act, p, yn, pn);
      expectClose(yn, yj, 1e-4, 1e-4);
      if (pn && pj) expectClose(pn, pj, 1e-4, 1e-4);
    }), opts);
  });

  it('linearChain: 1 to 4 layers, any activations, bias or not; equal to linearForward layer by layer', () => {
    const dims = fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 2, maxLength: 5 });
    fc.assert(fc.property(fc.integer({ min: 0, max: 40 }), dims, fc.array(fc.tuple(fc.constantFrom(...ACTS), fc.boolean()), { minLength: 4, maxLength: 4 }), fc.integer(), (M, d, la, seed) => {
      const L = d.length - 1;
      const spec = new Float64Array(1 + 3 * L);
      spec[0] = d[0];
      const wb: (Float32Array | null)[] = [];
      for (let i = 0; i < L; i++) {
        spec.set([d[i + 1], la[i][0][0], la[i][0][1]], 1 + 3 * i);
        wb.push(rand(d[i + 1] * d[i], seed + 2 * i, 0.5), la[i][1] ? rand(d[i + 1], seed + 2 * i + 1) : null);
      }
      const hidden = Math.max(0, ...d.slice(1, L));
      const X = rand(M * d[0], seed - 1);
      const yn = new Float32Array(M * d[L]), yj = new Float32Array(M * d[L]);
      N.linearChain(X, M, spec, yn, new Float32Array(M * hidden * (L > 2 ? 2 : 1)), wb);
      J.linearChain(X, M, spec, yj, new Float32Array(M * hidden * (L > 2 ? 2 : 1)), wb);
      expectClose(yn, yj, 1e-3, 1e-3);
      // the chain is the same kernels in the same order: bit-identical to separate calls
      let x = X;
      for (let i = 0; i < L; i++) {
        const y = new Float32Array(M * d[i + 1]);
        N.linearForward(x, wb[2 * i]!, wb[2 * i + 1], M, d[i + 1], d[i], spec[2 + 3 * i] as ActId, spec[3 + 3 * i], y, null);
        x = y;
      }
      expect(Array.from(yn)).toEqual(Array.from(x));
    }), opts);
  });

  it('linearBackward: each output optional, accumulate or overwrite', () => {
    fc.assert(fc.property(size, size, size, fc.constantFrom(...ACTS), fc.boolean(), fc.integer({ min: 0, max: 7 }), fc.integer(), (M, Nn, K, [act, p], acc, mask, seed) => {
      const X = rand(M * K, seed), W = rand(Nn * K, seed + 1, 0.5);
      const Z = rand(M * Nn, seed + 2), Y = new Float32Array(M * Nn), gY = rand(M * Nn, seed + 3);
      J.actForward(act, p, Z, Y, M * Nn);
      const mk = (n: number, bit: number, s: number) => (mask & bit ? rand(n, s) : null);
      const gxj = mk(M * K, 1, seed + 4), gwj = mk(Nn * K, 2, seed + 5), gbj = mk(Nn, 4, seed + 6);
      const gxn = gxj?.slice() ?? null, gwn = gwj?.slice() ?? null, gbn = gbj?.slice() ?? null;
      J.linearBackward(X, W, M, Nn, K, act, p, Z, Y, gY, gxj, gwj, gbj, acc);
      N.linearBackward(X, W, M, Nn, K, act, p, Z, Y, gY, gxn, gwn, gbn, acc);
      if (gxn && gxj) expectClose(gxn, gxj, 1e-4, 1e-4);
      if (gwn && gwj) expectClose(gwn, gwj, 1e-4, 1e-4);
      if (gbn && gbj) expectClose(gbn, gbj, 1e-5, 1e-5);
    }), opts);
  });

  it('linearForward / linearBackward with transW (W stored K×N): equal to the call on Wᵀ copied, both backends', () => {
    fc.assert(fc.property(size, size, size, fc.constantFrom(...ACTS), fc.boolean(), fc.integer(), (M, Nn, K, [act, p], hasB, seed) => {
      const X = rand(M * K, seed), Wt = rand(K * Nn, seed + 1, 0.5), b = hasB ? rand(Nn, seed + 2) : null;
      const W = new Float32Array(Nn * K);
      for (let k = 0; k < K; k++) for (let j = 0; j < Nn; j++) W[j * K + k] = Wt[k * Nn + j];
      const gY = rand(M * Nn, seed + 3);
      for (const be of [J, N]) {
        const y0 = new Float32Array(M * Nn), y1 = new Float32Array(M * Nn);
        const z0 = new Float32Array(M * Nn), z1 = new Float32Array(M * Nn);
        be.linearForward(X, W, b, M, Nn, K, act, p, y0, z0);
        be.linearForward(X, Wt, b, M, Nn, K, act, p, y1, z1, true);
        expectClose(y1, y0, 1e-4, 1e-4);
        const gx0 = new Float32Array(M * K), gx1 = new Float32Array(M * K);
        const gw0 = new Float32Array(Nn * K), gw1 = new Float32Array(Nn * K);
        be.linearBackward(X, W, M, Nn, K, act, p, z0, y0, gY, gx0, gw0, null, false);
        be.linearBackward(X, Wt, M, Nn, K, act, p, z0, y0, gY, gx1, gw1, null, false, true);
        expectClose(gx1, gx0, 1e-4, 1e-4);
        expect(Array.from(gw1)).toEqual(Array.from(gw0)); // gW = dZᵀ·X whatever W's layout
      }
    }), opts);
  });

  it('unary: bit for bit, in place too', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 100 }), fc.integer(), (op, n, seed) => {
      const x = rand(n, seed, 4);
      const p = op === 6 ? -1 : 0.75, q = op === 6 ? 1.5 : -0.25;
      const yj = new Float32Array(n), yn = new Float32Array(n);
      J.unary(op as never, x, yj, n, p, q);
      N.unary(op as never, x, yn, n, p, q);
      expect(maxUlp(yn, yj)).toBeLessThanOrEqual(op === 1 || op === 2 || op === 5 ? 1 : 0);
      N.unary(op as never, x, x, n, p, q);
      expect(maxUlp(x, yn)).toBe(0);
    }), opts);
  });

  it('binary with broadcasting: bit for bit', () => {
    const dim = fc.integer({ min: 1, max: 5 });
    fc.assert(fc.property(fc.array(dim, { minLength: 1, maxLength: 4 }), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 3 }), fc.integer(), (out, masks, op, seed) => {
      const aS = out.map((v, i) => (masks[i] & 1 ? 1 : v)), bS = out.map((v, i) => (masks[i] & 2 ? 1 : v));
      const sz = (s: number[]) => s.reduce((x, y) => x * y, 1);
      const a = rand(sz(aS), seed), b = rand(sz(bS), seed + 1);
      const oj = new Float32Array(sz(out)), on = new Float32Array(sz(out));
      J.binary(op as never, a, aS, b, bS, oj, out);
      N.binary(op as never, a, aS, b, bS, on, out);
      expect(maxUlp(on, oj)).toBe(0);
    }), opts);
  });

  it('stridedCopy: permuted, sliced, expanded and transposed layouts, both ways, equal to an index walk', () => {
    const dim = fc.integer({ min: 1, max: 6 });
    fc.assert(fc.property(fc.array(dim, { minLength: 0, maxLength: 4 }), fc.integer({ min: 0, max: 23 }),
      fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 5 }), fc.boolean(), fc.integer(),
      (shape, perm, steps, off, expand0, seed) => {
        // a source layout: a permutation of a contiguous (stepped) tensor, offset, dim 0 maybe expanded
        const r = shape.length;
        const big = shape.map((d, i) => d * steps[i]);
        const st = new Array<number>(r);
        let acc = 1;
        for (let i = r - 1; i >= 0; i--) { st[i] = acc * steps[i]; acc *= big[i]; }
        const order = Array.from({ length: r }, (_, i) => i);
        for (let i = r - 1, p = perm; i > 0; i--, p = Math.floor(p / (i + 1))) { const j = p % (i + 1); [order[i], order[j]] = [order[j], order[i]]; }
        const vs = order.map((k) => shape[k]), ss = order.map((k) => st[k]);
        if (expand0 && r > 0) ss[0] = 0;
        const src = rand(acc + off, seed);
        const n = vs.reduce((x, y) => x * y, 1);
        const ds = new Array<number>(r);
        let a2 = 1;
        for (let i = r - 1; i >= 0; i--) { ds[i] = a2; a2 *= vs[i]; }
        const want = new Float32Array(n);
        for (let i = 0; i < n; i++) {
          let rem = i, p = off;
          for (let k = r - 1; k >= 0; k--) { p += (rem % vs[k]) * ss[k]; rem = Math.floor(rem / vs[k]); }
          want[i] = src[p];
        }
        const oj = new Float32Array(n), on = new Float32Array(n);
        J.stridedCopy(vs, src, off, ss, oj, 0, ds);
        N.stridedCopy(vs, src, off, ss, on, 0, ds);
        expect(Array.from(oj)).toEqual(Array.from(want));
        expect(Array.from(on)).toEqual(Array.from(want));
        // and back: contiguous into the strided layout (not expanded: no two writes to one place)
        if (!(expand0 && r > 0 && vs[0] > 1)) {
          const bj = new Float32Array(src.length), bn = new Float32Array(src.length);
          J.stridedCopy(vs, want, 0, ds, bj, off, ss);
          N.stridedCopy(vs, want, 0, ds, bn, off, ss);
          expect(Array.from(bn)).toEqual(Array.from(bj));
        }
      }), opts);
    // a large transpose takes the tiled path
    const src = rand(70 * 45, 9), oj = new Float32Array(70 * 45), on = new Float32Array(70 * 45);
    J.stridedCopy([45, 70], src, 0, [1, 45], oj, 0, [70, 1]);
    N.stridedCopy([45, 70], src, 0, [1, 45], on, 0, [70, 1]);
    expect(Array.from(on)).toEqual(Array.from(oj));
    expect(on[70 + 3]).toBe(src[3 * 45 + 1]);
  });

  it('axpy, sumAxis, maxAxis, softmax (+log, backward): bit for bit', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 6 }), fc.boolean(), fc.integer(), (outer, dd, inner, log, seed) => {
      const n = outer * dd * inner, m = outer * inner;
      const x = rand(n, seed, 5);
      const oj = rand(n, seed + 9), on = oj.slice();
      J.axpy(n, 0.3, x, oj); N.axpy(n, 0.3, x, on);
      expect(maxUlp(on, oj)).toBe(0);
      const sj = new Float32Array(m), sn = new Float32Array(m);
      J.sumAxis(x, outer, dd, inner, sj); N.sumAxis(x, outer, dd, inner, sn);
      expect(maxUlp(sn, sj)).toBe(0);
      const vj = new Float32Array(m), vn = new Float32Array(m), ij = new Int32Array(m), inn = new Int32Array(m);
      J.maxAxis(x, outer, dd, inner, vj, ij); N.maxAxis(x, outer, dd, inner, vn, inn);
      expect(maxUlp(vn, vj)).toBe(0);
      expect(Array.from(inn)).toEqual(Array.from(ij));
      const yj = new Float32Array(n), yn = new Float32Array(n);
      J.softmax(x, outer, dd, inner, yj, log); N.softmax(x, outer, dd, inner, yn, log);
      expect(maxUlp(yn, yj)).toBeLessThanOrEqual(1);
      const gy = rand(n, seed + 3), gj = new Float32Array(n), gn = new Float32Array(n);
      J.softmaxBackward(yj, gy, outer, dd, inner, gj, log); N.softmaxBackward(yj, gy, outer, dd, inner, gn, log);
      expect(maxUlp(gn, gj)).toBeLessThanOrEqual(1);
    }), opts);
  });

  it('crossEntropy: loss and gradient', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 15 }), fc.integer(), (Nn, C, seed) => {
      const logits = rand(Nn * C, seed, 6);
      const r = rng(seed + 7);
      const t = Int32Array.from({ length: Nn }, () => Math.floor(r() * C));
      const gj = new Float32Array(Nn * C), gn = new Float32Array(Nn * C);
      const lj = J.crossEntropy(logits, Nn, C, t, gj), ln = N.crossEntropy(logits, Nn, C, t, gn);
      expect(Math.abs(ord(ln) - ord(lj))).toBeLessThanOrEqual(1);
      expect(maxUlp(gn, gj)).toBeLessThanOrEqual(1);
      expect(N.crossEntropy(logits, Nn, C, t, null)).toBe(ln);
    }), opts);
  });

  it('crossEntropyEx: every option (weight, ignoreIndex, labelSmoothing, probabilities, reduction), loss, rows and gradient', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 1, max: 40 }), fc.boolean(), fc.boolean(), fc.constantFrom(0, 0.1, 0.5, 1),
      fc.constantFrom(0, 1, 2), fc.constantFrom(-100, 0, 2), fc.integer(), (Nn, C, probsKind, weighted, eps, red, ignore, seed) => {
        const logits = rand(Nn * C, seed, 6), r = rng(seed + 7);
        const w = weighted ? Float32Array.from({ length: C }, () => 0.1 + 2 * r()) : null;
        let t: Int32Array | null = null, p: Float32Array | null = null;
        if (probsKind) p = Float32Array.from({ length: Nn * C }, () => r());
        else t = Int32Array.from({ length: Nn }, () => (r() < 0.3 && ignore < C ? ignore : Math.floor(r() * C)));
        const oj = new Float32Array(Nn), on = new Float32Array(Nn), gj = new Float32Array(Nn * C), gn = new Float32Array(Nn * C);
        const lj = J.crossEntropyEx(logits, Nn, C, t, p, w, ignore, eps, red, oj, gj);
        const ln = N.crossEntropyEx(logits, Nn, C, t, p, w, ignore, eps, red, on, gn);
        // the exponentials are bit-identical (vmath's exp rounds as fround(Math.exp)), so are the gradients; the loss
        // goes through log (libm vs V8), whose last double bit may differ: equal after rounding to float, within 1 ulp
        if (!(Number.isNaN(lj) && Number.isNaN(ln))) expect(Math.abs(ord(ln) - ord(lj))).toBeLessThanOrEqual(1);
        expect(maxUlp(on, oj)).toBeLessThanOrEqual(1);
        expect(maxUlp(gn, gj)).toBe(0);
        // without out/grad: the same reduced loss
        expect(N.crossEntropyEx(logits, Nn, C, t, p, w, ignore, eps, red, null, null)).toBe(ln);
        // the plain case equals the plain kernel bit for bit
        if (t && !w && eps === 0 && red === 1 && ignore === -100 && Nn > 0) {
          const g2 = new Float32Array(Nn * C);
          expect(N.crossEntropy(logits, Nn, C, t, g2)).toBe(Math.fround(ln));
          expect(maxUlp(g2, gn)).toBe(0);
        }
      }), opts);
  });

  it('indexSelect, indexAdd, gather, scatter (assign, add, a value): bit for bit on random blocks and indices, Int32Array or float32 index; a bad entry throws on both before writing', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 70 }), fc.integer({ min: 0, max: 7 }),
      fc.boolean(), fc.integer({ min: 1, max: 1e6 }),
      (outer, d, inner, m, f32Index, seed) => {
        const r = rng(seed);
        const rows = Int32Array.from({ length: m }, () => Math.floor(r() * d)); // repeats likely: sums and last writes
        const blk = Int32Array.from({ length: outer * m * inner }, () => Math.floor(r() * d));
        const asIdx = (a: Int32Array): Int32Array | Float32Array => (f32Index ? Float32Array.from(a) : a);
        const full = rand(outer * d * inner, seed + 1), part = rand(outer * m * inner, seed + 2);
        const both = (f: (b: Backend, out: Float32Array) => void, init: Float32Array): void => {
          const a = init.slice(), b = init.slice();
          f(N, a); f(J, b);
          expect(a).toEqual(b);
        };
        both((b, out) => b.indexSelect(full, outer, d, inner, asIdx(rows), m, out), new Float32Array(outer * m * inner));
        both((b, out) => b.indexAdd(part, outer, d, inner, asIdx(rows), m, out), full);
        both((b, out) => b.gather(full, outer, d, inner, asIdx(blk), m, out), new Float32Array(outer * m * inner));
        for (const add of [false, true]) {
          both((b, out) => b.scatter(part, 0, outer, d, inner, asIdx(blk), m, out, add), full);
          both((b, out) => b.scatter(null, 0.1, outer, d, inner, asIdx(blk), m, out, add), full);
        }
        // the reference meaning, on the js side: gather reads what the index names
        const g = new Float32Array(outer * m * inner);
        J.gather(full, outer, d, inner, blk, m, g);
        for (let o = 0, p = 0; o < outer; o++) for (let j = 0; j < m; j++) for (let i = 0; i < inner; i++, p++) expect(g[p]).toBe(full[(o * d + blk[p]) * inner + i]);
        // one bad entry (out of range, negative or not an integer): RangeError, the output untouched
        if (outer * m * inner > 0) {
          const bad = asIdx(blk).slice();
          bad[Math.floor(r() * bad.length)] = f32Index ? [d, -1, 0.5, NaN][Math.floor(r() * 4)] : [d, -1][Math.floor(r() * 2)];
          for (const be of [N, J]) {
            const out = full.slice();
            expect(() => be.scatter(part, 0, outer, d, inner, bad, m, out, true)).toThrow(RangeError);
            expect(out).toEqual(full);
            expect(() => be.gather(full, outer, d, inner, bad, m, new Float32Array(outer * m * inner))).toThrow(RangeError);
          }
        }
      }), { numRuns: 150 });
  });

  it('sgdStep, adamStep, rmspropStep, adagradStep: bit for bit over several steps (every flag)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 100 }), fc.constantFrom(0, 0.9), fc.constantFrom(0, 0.1), fc.constantFrom(0, 0.01), fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean(), fc.integer(), (n, mom, damp, wd, nest, dec, max, ams, seed) => {
      const pj = rand(n, seed), pn = pj.slice(), bj = new Float32Array(n), bn = new Float32Array(n);
      for (let s = 0; s < 3; s++) {
        const g = rand(n, seed + s + 1);
        J.sgdStep(pj, g, bj, n, 0.05, mom, damp, wd, nest && mom > 0 && damp === 0, s === 0, max);
        N.sgdStep(pn, g, bn, n, 0.05, mom, damp, wd, nest && mom > 0 && damp === 0, s === 0, max);
      }
      expect(maxUlp(pn, pj)).toBe(0);
      expect(maxUlp(bn, bj)).toBe(0);
      const qj = rand(n, seed + 5), qn = qj.slice();
      const mj = new Float32Array(n), mn = new Float32Array(n), vj = new Float32Array(n), vn = new Float32Array(n);
      const xj = ams ? new Float32Array(n) : null, xn = ams ? new Float32Array(n) : null;
      for (let s = 1; s <= 3; s++) {
        const g = rand(n, seed + 10 + s, s === 2 ? 0.01 : 1); // a small gradient: v falls, vmax holds
        J.adamStep(qj, g, mj, vj, xj, n, 1e-3, 0.9, 0.999, 1e-8, wd, s, dec, max);
        N.adamStep(qn, g, mn, vn, xn, n, 1e-3, 0.9, 0.999, 1e-8, wd, s, dec, max);
      }
      expect(maxUlp(qn, qj)).toBe(0);
      expect(maxUlp(mn, mj)).toBe(0);
      expect(maxUlp(vn, vj)).toBe(0);
      if (ams) expect(maxUlp(xn!, xj!)).toBe(0);
      const rj = rand(n, seed + 6), rn = rj.slice(), sj = new Float32Array(n), sn = new Float32Array(n);
      const aj = dec ? new Float32Array(n) : null, an = dec ? new Float32Array(n) : null; // centered
      const uj = mom ? new Float32Array(n) : null, un = mom ? new Float32Array(n) : null;
      const cj = new Float32Array(n).fill(0.1), cn = cj.slice();
      const tj = rj.slice(), tn = rj.slice();
      for (let s = 1; s <= 3; s++) {
        const g = rand(n, seed + 20 + s);
        J.rmspropStep(rj, g, sj, aj, uj, n, 1e-2, 0.99, 1e-8, wd, mom, max);
        N.rmspropStep(rn, g, sn, an, un, n, 1e-2, 0.99, 1e-8, wd, mom, max);
        J.adagradStep(tj, g, cj, n, 1e-2 / (1 + (s - 1) * damp), wd, 1e-10, max);
        N.adagradStep(tn, g, cn, n, 1e-2 / (1 + (s - 1) * damp), wd, 1e-10, max);
      }
      for (const [a, b] of [[rn, rj], [sn, sj], [an, aj], [un, uj], [tn, tj], [cn, cj]] as const) if (a && b) expect(maxUlp(a, b)).toBe(0);
    }), opts);
  });
});
