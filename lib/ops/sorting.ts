/**
 * Sorting along a dim, each with its backward: sort, argsort, topk. Sorting is stable (equal
 * values keep their order, PyTorch's `stable=True`; its default order for ties is unspecified)
 * and NaN sorts above every number, as PyTorch. Indices come back as float32 integers.
 */
import { result } from '../autograd.js';
import { Tensor } from '../tensor.js';
import { isPlainObject, options } from '../options.js';
import { checkIndexable, normDim, splitAt } from './util.js';

export interface SortOptions { dim?: number; descending?: boolean; stable?: boolean }
export interface TopkOptions { dim?: number; largest?: boolean; sorted?: boolean }
const SORT_KEYS = ['dim', 'descending', 'stable'] as const;
const TOPK_KEYS = ['dim', 'largest', 'sorted'] as const;

function flag(op: string, name: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new TypeError(`${op}: ${name} must be a boolean, got ${typeof v}`);
  return v;
}

/** (dim, descending) positionally, or one options object, as PyTorch's keywords. */
function sortArgs(op: string, dim: number | SortOptions | undefined, descending: boolean | undefined): { dim: number; descending: boolean } {
  if (isPlainObject(dim)) {
    if (descending !== undefined) throw new TypeError(`${op}: takes (dim, descending) or one options object, not both`);
    const o = options<SortOptions>(op, dim, SORT_KEYS);
    flag(op, 'stable', o.stable, false);
    return { dim: o.dim ?? -1, descending: flag(op, 'descending', o.descending, false) };
  }
  return { dim: (dim as number | undefined) ?? -1, descending: flag(op, 'descending', descending, false) };
}

/**
 * For every lane along dim k, the source positions in sorted order: order[(o·d + t)·inner + i]
 * is the index along dim of the t-th element of lane (o, i).
 */
function sortedOrder(op: string, x: Tensor, dim: number, descending: boolean): { order: Int32Array; outer: number; d: number; inner: number } {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor`);
  if (typeof dim !== 'number') throw new TypeError(`${op}: dim must be a number`);
  const k = normDim(op, dim, x.ndim);
  const [outer, d, inner] = splitAt(x.shape, k);
  checkIndexable(op, d);
  const xd = x.data;
  const order = new Int32Array(x.size);
  const lane = new Float32Array(d), idx = new Int32Array(d);
  const sign = descending ? -1 : 1;
  const cmp = (a: number, b: number): number => {
    const va = lane[a], vb = lane[b];
    if (va < vb) return -sign;
    if (va > vb) return sign;
    const na = va !== va, nb = vb !== vb; // NaN above everything
    if (na !== nb) return na ? sign : -sign;
    return a - b;
  };
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * d * inner + i;
      for (let t = 0; t < d; t++) { lane[t] = xd[base + t * inner]; idx[t] = t; }
      idx.sort(cmp);
      for (let t = 0; t < d; t++) order[base + t * inner] = idx[t];
    }
  }
  return { order, outer, d, inner };
}

/** The first `m` sorted elements of every lane: values (with backward) and indices. */
function take(op: string, x: Tensor, dim: number, descending: boolean, m: number | null): { values: Tensor; indices: Tensor } {
  const { order, outer, d, inner } = sortedOrder(op, x, dim, descending);
  const k = m ?? d;
  if (!Number.isInteger(k) || k < 0 || k > d) throw new RangeError(`${op}: k (${k}) is out of range for a dim of size ${d}`);
  const shape = x.shape.slice();
  if (x.ndim > 0) shape[normDim(op, dim, x.ndim)] = k;
  const n = outer * k * inner, xd = x.data;
  const vals = new Float32Array(n), inds = new Float32Array(n), src = new Int32Array(n);
  for (let o = 0; o < outer; o++) {
    for (let t = 0; t < k; t++) {
      for (let i = 0; i < inner; i++) {
        const j = order[(o * d + t) * inner + i], p = (o * k + t) * inner + i;
        src[p] = (o * d + j) * inner + i;
        vals[p] = xd[src[p]];
        inds[p] = j;
      }
    }
  }
  const values = result(vals, shape, op, [x], (g) => {
    const gx = new Float32Array(x.size);
    for (let p = 0; p < n; p++) gx[src[p]] = g[p];
    return [gx];
  });
  return { values, indices: new Tensor(inds, shape) };
}

/**
 * Sort along dim (default the last), as torch.sort: { values, indices }. `sort(x, 0, true)` or
 * `sort(x, { dim: 0, descending: true, stable: true })`. The gradient goes back to each value's
 * source position.
 */
export function sort(x: Tensor, dim?: number | SortOptions, descending?: boolean): { values: Tensor; indices: Tensor } {
  const a = sortArgs('sort', dim, descending);
  return take('sort', x, a.dim, a.descending, null);
}

/** The indices that sort x along dim, as torch.argsort (float32 integers). */
export function argsort(x: Tensor, dim?: number | SortOptions, descending?: boolean): Tensor {
  const a = sortArgs('argsort', dim, descending);
  const { order } = sortedOrder('argsort', x, a.dim, a.descending);
  return new Tensor(Float32Array.from(order), x.shape);
}

/**
 * The k largest (or smallest) elements along dim (default the last), as torch.topk:
 * { values, indices }, in sorted order. `topk(x, 3)`, `topk(x, 3, 0, false)` or
 * `topk(x, 3, { dim: 0, largest: false })`. Which of several equal values is taken is
 * unspecified in PyTorch; here the first ones.
 */
export function topk(x: Tensor, k: number, dim?: number | TopkOptions, largest?: boolean, sorted?: boolean): { values: Tensor; indices: Tensor } {
  const op = 'topk';
  if (typeof k !== 'number') throw new TypeError(`${op}: k must be a number`);
  let d: number, big: boolean;
  if (isPlainObject(dim)) {
    if (largest !== undefined || sorted !== undefined) throw new TypeError(`${op}: takes (k, dim, largest, sorted) or (k, options), not both`);
    const o = options<TopkOptions>(op, dim, TOPK_KEYS);
    flag(op, 'sorted', o.sorted, true);
    d = o.dim ?? -1;
    big = flag(op, 'largest', o.largest, true);
  } else {
    d = (dim as number | undefined) ?? -1;
    big = flag(op, 'largest', largest, true);
    flag(op, 'sorted', sorted, true);
  }
  return take(op, x, d, big, k);
}
