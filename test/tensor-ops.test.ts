/**
 * The indexing, joining, sorting and statistics ops (lib/ops/indexing.ts, sorting.ts,
 * stats.ts), on every backend: gradients against float64 central differences, fast-check
 * properties over random shapes and dims, indices and masks fed to the next op, randperm's
 * seeding, and errors naming the op. Values and gradients against PyTorch are in
 * test/torch-diff.test.ts (groups comparisons, indexing, joining, statistics, sorting).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  F, Tensor, argsort, cat, clone, cumsum, gather, indexSelect, manualSeed, maskedFill, randperm, repeat, scatter, scatterAdd,
  sort, stack, std, tensor, topk, variance, where, zeros, ones, arange, randn, nonzero, scatterReduce,
} from '../lib/index.js';
import { availableBackends, useBackend } from './helpers/backends.js';
import { gradcheck, lcg, strides, type InputSpec } from './helpers/gradcheck.js';

const S = (...shape: number[]): InputSpec => ({ shape });
const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
const fill = (n: number, seed: number): Float32Array => {
  const r = lcg(seed);
  return Float32Array.from({ length: n }, () => Math.fround(r() * 4 - 2));
};
/** Coordinates of flat index i in a row-major shape. */
const coords = (i: number, shape: readonly number[]): number[] => {
  const st = strides(shape);
  return shape.map((d, k) => Math.floor(i / st[k]) % d);
};
const at = (c: readonly number[], shape: readonly number[]): number => c.reduce((a, v, k) => a + v * strides(shape)[k], 0);

/** float64 variance over dims (all when undefined) with a correction, keepDim shape-free (flat result order). */
function var64(x: ArrayLike<number>, shape: number[], dims: number[], correction: number, sqrt: boolean): Float64Array {
  const keptShape = shape.map((d, i) => (dims.includes(i) ? 1 : d));
  const m = size(keptShape);
  const key = (i: number): number => at(coords(i, shape).map((c, k) => (dims.includes(k) ? 0 : c)), keptShape);
  const sum = new Float64Array(m), cnt = new Float64Array(m), ss = new Float64Array(m);
  for (let i = 0; i < x.length; i++) { sum[key(i)] += x[i]; cnt[key(i)]++; }
  for (let i = 0; i < x.length; i++) ss[key(i)] += (x[i] - sum[key(i)] / cnt[key(i)]) ** 2;
  return ss.map((s, j) => { const v = s / Math.max(0, cnt[j] - correction); return sqrt ? Math.sqrt(v) : v; });
}

describe.each(availableBackends())('tensor ops (%s backend)', (name) => {
  useBackend(name);

  describe('gradients against float64 central differences', () => {
    it('indexSelect (repeated indices accumulate), gather, scatter, scatterAdd', () => {
      const idx = [2, 0, 2, 1];
      gradcheck([S(3, 4, 2)], ([x]) => x.indexSelect(0, idx), ([x]) => {
        const o = new Float64Array(4 * 4 * 2);
        for (let j = 0; j < 4; j++) for (let q = 0; q < 8; q++) o[j * 8 + q] = x[idx[j] * 8 + q];
        return o;
      });
      gradcheck([S(3, 4, 2)], ([x]) => indexSelect(x, -2, tensor([3, 3, 0])), ([x]) => {
        const o = new Float64Array(3 * 3 * 2);
        for (let a = 0; a < 3; a++) for (let j = 0; j < 3; j++) for (let c = 0; c < 2; c++) o[(a * 3 + j) * 2 + c] = x[(a * 4 + [3, 3, 0][j]) * 2 + c];
        return o;
      });
      const gi = [[0, 2, 2], [1, 1, 0]];
      gradcheck([S(2, 3)], ([x]) => x.gather(1, tensor(gi)), ([x]) => Float64Array.from(gi.flatMap((row, i) => row.map((j) => x[i * 3 + j]))));
      const si = [[1, 0], [2, 1]];
      gradcheck([S(3, 2), S(2, 2)], ([x, s]) => scatter(x, 0, tensor(si), s), ([x, s]) => {
        const o = Float64Array.from(x);
        si.forEach((row, i) => row.forEach((r, j) => { o[r * 2 + j] = s[i * 2 + j]; }));
        return o;
      });
      gradcheck([S(3, 2), S(2, 2)], ([x, s]) => scatterAdd(x, 0, tensor([[1, 1], [1, 0]]), s), ([x, s]) => {
        const o = Float64Array.from(x);
        [[1, 1], [1, 0]].forEach((row, i) => row.forEach((r, j) => { o[r * 2 + j] += s[i * 2 + j]; }));
        return o;
      });
    });
    it('maskedFill (input and a 0-d value), where with broadcasting', () => {
      const mask = tensor([1, 0, 0, 1, 1, 0], [2, 3]);
      gradcheck([S(2, 3), S()], ([x, v]) => x.maskedFill(mask, v), ([x, v]) => x.map((e, i) => (mask.data[i] ? v[0] : e)));
      const m1 = tensor([1, 0, 1], [3]);
      gradcheck([S(2, 1)], ([x]) => maskedFill(x, m1, 5), ([x]) => Float64Array.from({ length: 6 }, (_, i) => (m1.data[i % 3] ? 5 : x[Math.floor(i / 3)])));
      const c = tensor([[1], [0]]);
      gradcheck([S(3), S(2, 1)], ([a, b]) => where(c, a, b), ([a, b]) => Float64Array.from({ length: 6 }, (_, i) => {
        const r = Math.floor(i / 3);
        return c.data[r] ? a[i % 3] : b[r];
      }));
      gradcheck([S(2, 3)], ([a]) => a.where(a.gt(0), 0.5), ([a]) => a.map((v) => (v > 0 ? v : 0.5)));
    });
    it('cat, stack, repeat, clone', () => {
      gradcheck([S(2, 1, 3), S(2, 2, 3), S(2, 0, 3)], ([a, b, e]) => cat([a, b, e], 1), ([a, b]) => {
        const o: number[] = [];
        for (let i = 0; i < 2; i++) { o.push(...a.slice(i * 3, i * 3 + 3)); o.push(...b.slice(i * 6, i * 6 + 6)); }
        return o;
      }, { only: [0, 1] });
      gradcheck([S(2, 3), S(2, 3)], ([a, b]) => stack([a, b], -1), ([a, b]) => Float64Array.from({ length: 12 }, (_, i) => (i % 2 ? b : a)[Math.floor(i / 2)]));
      gradcheck([S(2, 3)], ([a]) => a.repeat(2, 1, 2), ([a]) => Float64Array.from({ length: 24 }, (_, i) => {
        const [, r, c] = coords(i, [2, 2, 6]);
        return a[r * 3 + (c % 3)];
      }));
      gradcheck([S(2, 3)], ([a]) => clone(a).mul(a), ([a]) => a.map((v) => v * v));
    });
    it('var and std over one dim, several dims and all, with corrections', () => {
      for (const [dims, correction] of [[[1], 1], [[0, 2], 0], [[0, 1, 2], 1], [[2], 2]] as [number[], number][]) {
        gradcheck([S(3, 4, 5)], ([x]) => x.var(dims, { correction, keepDim: true }), ([x]) => var64(x, [3, 4, 5], dims, correction, false));
        gradcheck([S(3, 4, 5)], ([x]) => std(x, dims, { correction }), ([x]) => var64(x, [3, 4, 5], dims, correction, true));
      }
      gradcheck([S(4, 3)], ([x]) => variance(x), ([x]) => var64(x, [4, 3], [0, 1], 1, false));
    });
    it('sum and mean over several dims', () => {
      gradcheck([S(2, 3, 4)], ([x]) => x.sum([0, 2]), ([x]) => var64(x, [2, 3, 4], [0, 2], 0, false).map(() => 0).map((_, j) => {
        let s = 0;
        for (let a = 0; a < 2; a++) for (let c = 0; c < 4; c++) s += x[(a * 3 + j) * 4 + c];
        return s;
      }));
      gradcheck([S(2, 3, 4)], ([x]) => x.mean([-1, 0], true), ([x]) => Float64Array.from({ length: 3 }, (_, j) => {
        let s = 0;
        for (let a = 0; a < 2; a++) for (let c = 0; c < 4; c++) s += x[(a * 3 + j) * 4 + c];
        return s / 8;
      }));
    });
    it('sort, topk (gradient to each value’s source), cumsum', () => {
      const sorted = (x: Float64Array, rows: number, n: number, desc: boolean): Float64Array => {
        const o = new Float64Array(x.length);
        for (let r = 0; r < rows; r++) {
          const v = Array.from(x.slice(r * n, r * n + n)).sort((a, b) => (desc ? b - a : a - b));
          o.set(v, r * n);
        }
        return o;
      };
      gradcheck([S(3, 5)], ([x]) => x.sort(1, true).values, ([x]) => sorted(x, 3, 5, true));
      gradcheck([S(3, 5)], ([x]) => topk(x, 2).values, ([x]) => {
        const s = sorted(x, 3, 5, true);
        return [0, 1, 2].flatMap((r) => [s[r * 5], s[r * 5 + 1]]);
      });
      gradcheck([S(3, 4)], ([x]) => cumsum(x, 0), ([x]) => x.map((_, i) => {
        const [r, c] = coords(i, [3, 4]);
        let s = 0;
        for (let q = 0; q <= r; q++) s += x[q * 4 + c];
        return s;
      }));
    });

    it('scatterReduce: sum, prod (zeros too), mean, amax, amin (ties), includeSelf both ways', () => {
      const ii = [[0, 2, 0], [0, 1, 0]]; // [2, 3] into [3, 3] along 0: positions (0,0) and (0,2) get three values
      const refOf = (red: string, inc: boolean) => ([x, s]: Float64Array[]): Float64Array => {
        const o = Float64Array.from(x), vals: number[][] = Array.from({ length: 9 }, (_, p) => (inc ? [x[p]] : []));
        ii.forEach((row, i) => row.forEach((j, c) => vals[j * 3 + c].push(s[i * 3 + c])));
        for (let p = 0; p < 9; p++) {
          const hit = ii.some((row) => row.some((j, c) => j * 3 + c === p));
          if (!hit) continue;
          const v = vals[p];
          o[p] = red === 'sum' ? v.reduce((a, b) => a + b, 0) : red === 'prod' ? v.reduce((a, b) => a * b, 1)
            : red === 'mean' ? v.reduce((a, b) => a + b, 0) / v.length : red === 'amax' ? Math.max(...v) : Math.min(...v);
        }
        return o;
      };
      for (const red of ['sum', 'prod', 'mean', 'amax', 'amin'] as const) {
        for (const includeSelf of [true, false]) {
          gradcheck([S(3, 3), S(2, 3)], ([x, s]) => scatterReduce(x, 0, tensor(ii), s, red, { includeSelf }), refOf(red, includeSelf), { seed: 7 });
        }
      }
      // prod with a zero factor: the gradient of the other factors is 0, the zero's is the product of the rest
      const x = tensor([[2, 3]], [1, 2], { requiresGrad: true }), s = tensor([[0, 5], [4, 1]], [2, 2], { requiresGrad: true });
      scatterReduce(x, 0, tensor([[0, 0], [0, 0]]), s, 'prod').sum().backward();
      expect(Array.from(x.grad!.data)).toEqual([0, 5]);
      expect(Array.from(s.grad!.data)).toEqual([8, 3, 0, 15]);
      // amax ties: the gradient splits evenly between x's value and the tied src values
      const a = tensor([1, 3], [2], { requiresGrad: true }), b = tensor([3, 3, 2], [3], { requiresGrad: true });
      scatterReduce(a, 0, tensor([1, 1, 1]), b, 'amax').sum().backward();
      expect(Array.from(a.grad!.data)).toEqual([1, 1 / 3].map(Math.fround));
      expect(Array.from(b.grad!.data)).toEqual([1 / 3, 1 / 3, 0].map(Math.fround));
    });

    it('crossEntropy with options (the fused kernel) against float64 differences', () => {
      const C = 5, N = 4, t = [0, 3, 1, 3];
      const w = tensor([0.5, 1, 2, 1.5, 0.8]);
      const ref = (o: { w?: number[]; ignore?: number; eps?: number; red: string; probs?: number[] }) => ([x]: Float64Array[]): Float64Array => {
        const per = new Float64Array(N);
        let denom = 0;
        for (let i = 0; i < N; i++) {
          const row = Array.from(x.subarray(i * C, (i + 1) * C)), m = Math.max(...row);
          const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
          const wk = (k: number): number => (o.w ? o.w[k] : 1), eps = o.eps ?? 0;
          if (o.probs) {
            for (let k = 0; k < C; k++) per[i] += wk(k) * (o.probs[i * C + k] * (1 - eps) + eps / C) * (lse - row[k]);
            denom = N;
            continue;
          }
          if (t[i] === o.ignore) continue;
          denom += wk(t[i]);
          let sm = 0;
          for (let k = 0; k < C; k++) sm += wk(k) * (lse - row[k]);
          per[i] = (1 - eps) * wk(t[i]) * (lse - row[t[i]]) + (eps / C) * sm;
        }
        if (o.red === 'none') return per;
        const s = per.reduce((a, b) => a + b, 0);
        return Float64Array.of(o.red === 'sum' ? s : s / denom);
      };
      const wv = Array.from(w.data);
      const probs = Array.from({ length: N * C }, (_, i) => ((i * 7) % 5 + 1) / 15);
      const pt = tensor(Float32Array.from(probs), [N, C]);
      for (const red of ['mean', 'sum', 'none'] as const) {
        gradcheck([S(N, C)], ([x]) => F.crossEntropy(x, t, { reduction: red, weight: w, ignoreIndex: 3, labelSmoothing: 0.2 }), ref({ w: wv, ignore: 3, eps: 0.2, red }));
        gradcheck([S(N, C)], ([x]) => F.crossEntropy(x, t, { reduction: red, labelSmoothing: 0.1 }), ref({ eps: 0.1, red }));
        gradcheck([S(N, C)], ([x]) => F.crossEntropy(x, pt, { reduction: red, weight: w, labelSmoothing: 0.3 }),
          ref({ w: wv, eps: 0.3, red, probs: Array.from(pt.data) }));
      }
    });

  });

  describe('properties (fast-check)', () => {
    const shapeDim = fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 })
      .chain((s) => fc.tuple(fc.constant(s), fc.integer({ min: -s.length, max: s.length - 1 }), fc.nat()));

    it('cat then indexSelect gives each part back; the shape rule holds', () => {
      fc.assert(fc.property(shapeDim, fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 4 }), ([base, dim, seed], lens) => {
        const k = (dim + base.length) % base.length;
        const parts = lens.map((l, j) => tensor(fill(size(base.map((d, i) => (i === k ? l : d))), seed + j), base.map((d, i) => (i === k ? l : d))));
        const y = cat(parts, dim);
        expect(y.shape).toEqual(base.map((d, i) => (i === k ? lens.reduce((a, b) => a + b, 0) : d)));
        let off = 0;
        parts.forEach((p, j) => {
          const back = y.indexSelect(dim, Array.from({ length: lens[j] }, (_, q) => off + q));
          expect(back.shape).toEqual(p.shape);
          expect(back.data).toEqual(p.data);
          off += lens[j];
        });
      }), { numRuns: 100 });
    });

    it('stack puts tensor j at index j of the new dim', () => {
      fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 3 }), fc.integer({ min: 1, max: 4 }), fc.nat(), fc.nat(),
        (base, n, dimSeed, seed) => {
          const dim = (dimSeed % (base.length + 1));
          const ts = Array.from({ length: n }, (_, j) => tensor(fill(size(base), seed + j), base));
          const y = stack(ts, dim);
          expect(y.shape).toEqual([...base.slice(0, dim), n, ...base.slice(dim)]);
          ts.forEach((t, j) => expect(y.indexSelect(dim, [j]).data).toEqual(t.data));
        }), { numRuns: 100 });
    });

    it('sort: values ordered along dim, indices a permutation that gathers the values; argsort agrees; topk is its head', () => {
      fc.assert(fc.property(shapeDim, fc.boolean(), ([shape, dim, seed], desc) => {
        const r = lcg(seed);
        const x = tensor(Float32Array.from({ length: size(shape) }, () => Math.round(r() * 6) / 2), shape); // ties
        const { values, indices } = sort(x, dim, desc);
        expect(x.gather(dim, indices).data).toEqual(values.data);
        expect(argsort(x, { dim, descending: desc }).data).toEqual(indices.data);
        const k = (dim + shape.length) % shape.length, d = shape[k];
        for (let i = 0; i < values.size; i++) {
          const c = coords(i, shape);
          if (c[k] + 1 < d) {
            const next = values.data[at(c.map((v, q) => (q === k ? v + 1 : v)), shape)];
            expect(desc ? values.data[i] >= next : values.data[i] <= next).toBe(true);
          }
        }
        const sums = indices.sum(dim);
        for (const s of sums.data) expect(s).toBe((d * (d - 1)) / 2);
        const kk = seed % (d + 1);
        const t = topk(x, kk, dim, !desc ? false : true);
        expect(t.values.data).toEqual(values.indexSelect(dim, Array.from({ length: kk }, (_, q) => q)).data);
      }), { numRuns: 100 });
    });

    it('sort, argsort and topk of long lanes (radix sort, selection) match a stable comparison sort', () => {
      fc.assert(fc.property(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 0, max: 40 }), fc.boolean(), fc.nat(), (n, k0, desc, seed) => {
        const r = lcg(seed);
        const specials = [NaN, 0, -0, Infinity, -Infinity, 1e-45, -1e-45, 3.4e38];
        const v = Float32Array.from({ length: n }, () => (r() < 0.05 ? specials[Math.floor(r() * specials.length)] : Math.round((r() - 0.5) * 40) / 4));
        const key = (a: number): number => (Number.isNaN(a) ? Infinity : a);
        const ref = Array.from({ length: n }, (_, i) => i).sort((a, b) => {
          const va = v[a], vb = v[b];
          const na = Number.isNaN(va), nb = Number.isNaN(vb);
          if (na !== nb) return (na ? 1 : -1) * (desc ? -1 : 1);
          const c = na ? 0 : (key(va) - key(vb)) * (desc ? -1 : 1);
          return c !== 0 ? c : a - b;
        });
        const x = tensor(v, [n]);
        expect(Array.from(argsort(x, 0, desc).data)).toEqual(ref);
        const s = sort(x, 0, desc);
        expect(Array.from(s.indices.data)).toEqual(ref);
        const k = Math.min(n, k0);
        const t = topk(x, k, 0, desc);
        expect(Array.from(t.indices.data)).toEqual(ref.slice(0, k));
      }), { numRuns: 60 });
    });

    it('var over random dims matches float64; sum over dims matches one dim at a time; cumsum ends at the sum', () => {
      fc.assert(fc.property(shapeDim, fc.boolean(), fc.integer({ min: 0, max: 2 }), ([shape, dim, seed], keepDim, correction) => {
        const x = tensor(fill(size(shape), seed), shape);
        const nd = [...new Set([(dim + shape.length) % shape.length, seed % shape.length])];
        const dims = nd.map((d) => (seed % 3 === 0 ? d - shape.length : d));
        const v = x.var(dims, { correction, keepDim });
        expect(v.shape).toEqual(keepDim ? shape.map((d, i) => (nd.includes(i) ? 1 : d)) : shape.filter((_, i) => !nd.includes(i)));
        const want = var64(x.data, shape, nd, correction, false);
        v.data.forEach((g, i) => {
          if (Number.isFinite(want[i])) expect(Math.abs(g - want[i])).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(want[i])));
          else expect(Number.isNaN(want[i]) ? Number.isNaN(g) : g === want[i]).toBe(true);
        });
        let s = x;
        for (const d of [...nd].sort((a, b) => b - a)) s = s.sum(d, true);
        const multi = x.sum(dims, true);
        multi.data.forEach((g, i) => expect(Math.abs(g - s.data[i])).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(s.data[i]))));
        const k = (dim + shape.length) % shape.length;
        const cs = x.cumsum(dim).indexSelect(dim, [shape[k] - 1]);
        cs.data.forEach((g, i) => expect(Math.abs(g - x.sum(dim, true).data[i])).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(g))));
      }), { numRuns: 100 });
    });

    it('repeat tiles: out[c] = x[c mod shape]; where picks by the mask; scatterAdd of ones counts indices', () => {
      fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 3 }), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 3, maxLength: 5 }), fc.nat(),
        (shape, reps, seed) => {
          const x = tensor(fill(size(shape), seed), shape);
          const rs = reps.slice(0, Math.max(shape.length, reps.length - (seed % 2)));
          const y = repeat(x, rs);
          const p = [...new Array(rs.length - shape.length).fill(1), ...shape];
          expect(y.shape).toEqual(p.map((d, i) => d * rs[i]));
          for (let i = 0; i < y.size; i++) {
            const c = coords(i, y.shape).map((v, k) => v % p[k]);
            expect(y.data[i]).toBe(x.data[at(c, p)]);
          }
          const m = x.gt(0);
          const w = where(m, x, x.neg());
          w.data.forEach((v, i) => expect(v).toBe(Math.abs(x.data[i])));
          const idx = Array.from({ length: 20 }, (_, i) => (i * 7 + seed) % 5);
          const hist = scatterAdd(zeros([5]), 0, idx, ones([20]));
          expect(Array.from(hist.data)).toEqual([0, 1, 2, 3, 4].map((b) => idx.filter((v) => v === b).length));
        }), { numRuns: 100 });
    });
  });

  describe('indices and masks feed the next op', () => {
    it('comparison masks into where and maskedFill; argmax / sort / topk indices into indexSelect, gather, crossEntropy', () => {
      const x = tensor([[0.5, -1, 2], [3, 0, -2]]);
      const mask = x.lt(0);
      expect(mask.toArray()).toEqual([[0, 1, 0], [0, 0, 1]]);
      expect(x.maskedFill(mask, 0).toArray()).toEqual([[0.5, 0, 2], [3, 0, 0]]);
      expect(where(x.ge(x.mean()), x, 0).toArray()).toEqual([[0.5, 0, 2], [3, 0, 0]]);
      const am = x.argmax(1);
      expect(x.gather(1, am.reshape([2, 1])).toArray()).toEqual([[2], [3]]);
      expect(x.indexSelect(1, x.sort(1, true).indices.indexSelect(0, [0]).reshape([3])).shape).toEqual([2, 3]);
      const logits = randn([4, 5], { requiresGrad: true });
      const target = tensor([[1, 4], [0, 0], [3, 2], [2, 1]]).topk(1).indices.reshape([4]);
      const loss = F.crossEntropy(logits, target);
      loss.backward();
      expect(logits.grad!.shape).toEqual([4, 5]);
      expect(F.crossEntropy(logits, target.mul(1)).item()).toBe(loss.item());
    });
  });

  describe('strided views in, version checks', () => {
    it('non-contiguous inputs (transpose, expand, strided slice) give what their contiguous copies give, and gradients reach the base', () => {
      const base = tensor(fill(24, 5), [4, 6], { requiresGrad: true });
      const views: [string, (b: Tensor) => Tensor][] = [
        ['T', (b) => b.T], ['slice', (b) => b.slice(1, 0, null, 2)], ['expand', (b) => b.narrow(0, 1, 1).expand(3, 6)],
        ['permute of a narrow', (b) => b.narrow(1, 1, 4).transpose(0, 1)],
      ];
      const ops: [string, (t: Tensor) => Tensor][] = [
        ['indexSelect', (t) => t.indexSelect(1, [1, 0, 1])], ['gather', (t) => t.gather(0, tensor([[1, 0], [0, 0]]))],
        ['scatter', (t) => t.scatter(0, tensor([[1, 0]]), 9)], ['maskedFill', (t) => t.maskedFill(t.gt(0), -1)],
        ['where', (t) => where(t.lt(0), t, t.mul(2))], ['cat', (t) => cat([t, t], 0)], ['stack', (t) => stack([t, t], 1)],
        ['repeat', (t) => t.repeat(1, 2)], ['clone', (t) => t.clone()], ['var', (t) => t.var(0)], ['std', (t) => t.std([0, 1])],
        ['cumsum', (t) => t.cumsum(1)], ['sort', (t) => t.sort(0).values], ['topk', (t) => t.topk(2, 1).values],
        ['argsort', (t) => t.argsort(1)],
      ];
      for (const [vn, view] of views) {
        for (const [on, op] of ops) {
          base.grad = null;
          const v = view(base);
          const y = op(v), want = op(v.contiguous());
          expect(y.shape, `${on} of ${vn}`).toEqual(want.shape);
          expect(y.data, `${on} of ${vn}`).toEqual(want.data);
          if (!y.requiresGrad) continue;
          y.sum().backward();
          const g1 = base.grad!.data.slice();
          base.grad = null;
          op(view(base).contiguous()).sum().backward();
          expect(g1, `gradient of ${on} of ${vn}`).toEqual(base.grad!.data);
        }
      }
    });
    it('an in-place write to a saved input fails at backward naming the op (var, std); ops that save no input do not mind, as PyTorch', () => {
      const x = randn([3, 4], { requiresGrad: true });
      let h = x.mul(1);
      const v = h.var(1);
      h.add_(1);
      expect(() => v.sum().backward()).toThrow(/var/);
      h = x.mul(1);
      const s = std(h);
      s.mul_(2);
      expect(() => s.backward()).toThrow(/std/);
      for (const f of [(t: Tensor) => t.indexSelect(0, [0, 2]), (t: Tensor) => t.gather(1, tensor([[0], [1], [3]])), (t: Tensor) => cat([t, t]),
        (t: Tensor) => t.cumsum(0), (t: Tensor) => t.sort(1).values, (t: Tensor) => t.maskedFill(t.gt(0), 0), (t: Tensor) => t.repeat(2, 1)]) {
        x.grad = null;
        const hh = x.mul(1);
        const y = f(hh);
        hh.add_(1);
        y.sum().backward();
        expect(x.grad).not.toBeNull();
      }
    });
  });

  describe('randperm', () => {
    it('is a permutation of 0..n-1, the same for the same seed, another for another', () => {
      manualSeed(3);
      const a = randperm(50);
      manualSeed(3);
      const b = randperm(50);
      manualSeed(4);
      const c = randperm(50);
      expect(a.data).toEqual(b.data);
      expect(a.data).not.toEqual(c.data);
      expect(Array.from(a.data).sort((p, q) => p - q)).toEqual(Array.from({ length: 50 }, (_, i) => i));
      expect(randperm(0).shape).toEqual([0]);
      // every position of a 4-permutation is taken by every value, over many draws
      const seen = new Set<string>();
      for (let t = 0; t < 400; t++) seen.add(Array.from(randperm(4).data).join());
      expect(seen.size).toBe(24);
    });
  });

  describe('errors name the op', () => {
    it('scatter reduce=, scatterReduce, nonzero, where(cond): options and errors', () => {
      const x = tensor([[1, 2], [3, 4]], [2, 2], { requiresGrad: true });
      expect(() => x.scatter(0, tensor([[0, 0]]), tensor([[1, 1]]), { reduce: 'sum' as never })).toThrow(/scatter: reduce must be 'add' or 'multiply'/);
      expect(() => x.scatter(0, tensor([[0, 0]]), tensor([[1, 1]]), { reduction: 'add' } as never)).toThrow(/scatter: unknown option 'reduction'/);
      const y = x.scatter(0, tensor([[1, 0]]), 2, { reduce: 'multiply' });
      expect(Array.from(y.data)).toEqual([1, 4, 6, 4]);
      expect(() => y.sum().backward()).toThrow(/scatter: the derivative of scatter with reduce='multiply' is not implemented \(as in PyTorch 1.13\); scatterReduce/);
      expect(() => scatterReduce(x, 0, tensor([[0, 0]]), tensor([[1, 1]]), 'max' as never)).toThrow(/scatterReduce: reduce must be one of 'sum', 'prod', 'mean', 'amax', 'amin'/);
      expect(() => scatterReduce(x, 0, tensor([[0, 0]]), tensor([[1, 1]]), 'sum', { include_self: false } as never)).toThrow(/did you mean 'includeSelf'/);
      expect(() => scatterReduce(x, 0, tensor([[0, 0]]), 1 as never, 'sum')).toThrow(/scatterReduce: src must be a Tensor/);
      const m = tensor([[0, 1, 0], [2, 0, NaN]], [2, 3]);
      expect(nonzero(m).toArray()).toEqual([[0, 1], [1, 0], [1, 2]]);
      const [r, c] = where(m);
      expect([Array.from(r.data), Array.from(c.data)]).toEqual([[0, 1, 1], [1, 0, 2]]);
      expect(m.nonzero({ asTuple: true }).length).toBe(2);
      expect(nonzero(tensor(0)).shape).toEqual([0, 0]);
      expect(() => nonzero(m, { as_tuple: true } as never)).toThrow(/did you mean 'asTuple'/);
      expect(() => (where as (c: Tensor, a: number) => Tensor)(m, 1)).toThrow(/where: takes \(condition\) or \(condition, a, b\)/);
    });

    it('bad indices and index shapes', () => {
      const x = arange(6).reshape([2, 3]);
      expect(() => x.indexSelect(1, [3])).toThrow(RangeError);
      expect(() => x.indexSelect(1, [3])).toThrow('indexSelect: index 3 at position 0 is out of range for a dim of size 3');
      expect(() => x.indexSelect(1, [-1])).toThrow(/indexSelect: index -1 .* out of range/);
      expect(() => x.indexSelect(1, [0.5])).toThrow('indexSelect: index 0.5 at position 0 is not an integer');
      expect(() => x.indexSelect(1, tensor([[0]]))).toThrow(/indexSelect: index must be 1-D/);
      expect(() => x.indexSelect(2, [0])).toThrow(/indexSelect: dim 2 is out of range for a tensor of rank 2/);
      expect(() => x.indexSelect(0, 'a' as never)).toThrow(TypeError);
      expect(() => x.gather(1, tensor([0, 1]))).toThrow(/gather: index \[2\] must have as many dims as the input \[2,3\]/);
      expect(() => x.gather(1, tensor([[0], [1], [2]]))).toThrow(/gather: index \[3,1\] is larger than the input \[2,3\] in dim 0/);
      expect(() => x.gather(0, tensor([[2]]))).toThrow(/gather: index 2 .* size 2/);
      expect(() => x.scatter(1, tensor([[0, 1]]), tensor([[1]]))).toThrow(/scatter: index \[1,2\] is larger than src \[1,1\] in dim 1/);
      expect(() => scatterAdd(x, 1, tensor([[0]]), 1 as never)).toThrow(TypeError);
      // the backend kernels' path (an index covering x but along dim; Int32Array rows): the same words
      expect(() => x.gather(1, tensor([[0, 3], [1, 1]]))).toThrow('gather: index 3 at position 1 is out of range for a dim of size 3');
      expect(() => x.scatter(1, tensor([[0, 1], [1, -1]]), tensor([[1, 1], [1, 1]]))).toThrow('scatter: index -1 at position 3 is out of range for a dim of size 3');
      expect(() => x.scatter(1, tensor([[0, 1], [1, 5]]), 7)).toThrow('scatter: index 5 at position 3 is out of range for a dim of size 3');
      expect(() => scatterAdd(x, 0, tensor([[0.5, 0, 0]]), tensor([[1, 1, 1]]))).toThrow('scatterAdd: index 0.5 at position 0 is not an integer');
      expect(() => x.indexSelect(0, Int32Array.of(0, 7))).toThrow('indexSelect: index 7 at position 1 is out of range for a dim of size 2');
      expect(() => x.indexSelect(1, tensor([NaN]))).toThrow('indexSelect: index NaN at position 0 is not an integer');
    });
    it('backward reads the index as it was at the forward (the caller may change the index tensor or array after)', () => {
      const x = arange(6).reshape([2, 3]).requiresGrad_();
      const gi = tensor([[2, 0], [1, 1]]), rows = Int32Array.of(1, 1, 0);
      const y = x.gather(1, gi).sum().add(x.indexSelect(1, rows).mul(2).sum()).add(zeros([2, 3]).scatterAdd(1, gi, x.gather(1, gi)).sum());
      gi.data.fill(0); rows.fill(2);
      y.backward();
      // gather twice (through scatterAdd's src too): [[1, 0, 1], [0, 2, 0]] each; indexSelect · 2: [2, 4, 0] per row
      expect(x.grad!.toArray()).toEqual([[4, 4, 2], [2, 8, 0]]);
    });
    it('joining, masks, repeat, sorting, statistics', () => {
      expect(() => cat([zeros([2, 3]), zeros([3, 3])], 1)).toThrow('cat: tensors must have the same shape except in dim 1: [2,3] at entry 0 and [3,3] at entry 1');
      expect(() => cat([])).toThrow(/cat: expected a non-empty list/);
      expect(() => cat([tensor(1), tensor(2)])).toThrow(/cat: zero-dimensional tensor/);
      expect(() => cat([zeros([2]), 3 as never])).toThrow(TypeError);
      expect(() => stack([zeros([2]), zeros([3])])).toThrow('stack: expects each tensor to be equal size, but got [2] at entry 0 and [3] at entry 1');
      expect(() => stack([zeros([2])], 2)).toThrow(/stack: dim 2 is out of range/);
      expect(() => zeros([2, 3]).maskedFill(zeros([3, 2]), 1)).toThrow(/maskedFill: shapes \[2,3\] and \[3,2\]/);
      expect(() => zeros([2]).maskedFill(zeros([2]), zeros([1]))).toThrow(/maskedFill: value must be a number or a 0-d tensor/);
      expect(() => where(zeros([2]), zeros([3]), 0)).toThrow(/where: shapes/);
      expect(() => zeros([2, 3]).repeat(2)).toThrow('repeat: number of repeat dims (1) cannot be smaller than the number of dims of the tensor (2)');
      expect(() => zeros([2]).repeat(-1)).toThrow(/repeat: repeats must be non-negative integers/);
      expect(() => zeros([2, 3]).topk(4)).toThrow('topk: k (4) is out of range for a dim of size 3');
      expect(() => zeros([2, 3]).sort(2)).toThrow(/sort: dim 2 is out of range/);
      expect(() => zeros([2, 3]).sort({ dim: 1, descnding: true } as never)).toThrow(/sort: .*descnding.*did you mean 'descending'/i);
      expect(() => zeros([2, 3]).var(0, { keepdim: true } as never)).toThrow(TypeError);
      expect(() => zeros([2, 3]).var(0, { keepdim: true } as never)).toThrow(/var: .*keepdim.*keepDim/);
      expect(() => zeros([2, 3]).std(0, { correction: 1, unbiased: true })).toThrow(/std: give correction or unbiased, not both/);
      expect(() => zeros([2, 3]).var([0, -2])).toThrow(/var: dim 0 appears multiple times/);
      expect(() => zeros([2, 3]).sum([0, 5])).toThrow(/sum: dim 5 is out of range/);
      expect(() => cumsum(zeros([2]), undefined as never)).toThrow(/cumsum: dim is required/);
      expect(() => randperm(-1)).toThrow(/randperm: n must be a non-negative integer/);
      expect(() => randperm(2 ** 24 + 1)).toThrow(/randperm: .*2\^24/);
    });
  });
});

