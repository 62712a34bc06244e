/**
 * Sorting along a dim, each with its backward: sort, argsort, topk. Sorting is stable (equal
 * values keep their order, PyTorch's `stable=True`; its default order for ties is unspecified)
 * and NaN sorts above every number, as PyTorch. Indices come back as float32 integers.
 */
import { result } from '../autograd.js';
import { Tensor } from '../tensor.js';
import { isPlainObject, options } from '../options.js';
import { checkIndexable, normDim, splitAt } from './util.js';

/** Options of sort and argsort (PyTorch's keywords; sorting is always stable, so `stable` changes nothing). */
export interface SortOptions {
  /** The dim to sort along (negative counts from the end). PyTorch: `dim`. @defaultValue -1 */
  dim?: number;
  /** Largest first. PyTorch: `descending`. @defaultValue false */
  descending?: boolean;
  /** Accepted for PyTorch parity; neurite always sorts stably. PyTorch: `stable`. @defaultValue false */
  stable?: boolean;
}
/** Options of topk (PyTorch's keywords; the result is always sorted). */
export interface TopkOptions {
  /** The dim to select along (negative counts from the end). PyTorch: `dim`. @defaultValue -1 */
  dim?: number;
  /** The k largest (false: the k smallest). PyTorch: `largest`. @defaultValue true */
  largest?: boolean;
  /** Accepted for PyTorch parity; the result is always sorted. PyTorch: `sorted`. @defaultValue true */
  sorted?: boolean;
}
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
 * The float32 values of `bits` (their raw bits) as unsigned keys in sort order: -Inf first, -0
 * equal to +0, every NaN equal and last; complemented for a descending order. Equal values get
 * equal keys, so a stable sort of the keys is a stable sort of the values.
 */
function orderedKeys(bits: Uint32Array, keys: Uint32Array, n: number, descending: boolean): void {
  for (let t = 0; t < n; t++) {
    const b = bits[t], mag = b & 0x7fffffff;
    let key = mag > 0x7f800000 ? 0xffffffff : mag === 0 ? 0x80000000 : b & 0x80000000 ? ~b >>> 0 : (b | 0x80000000) >>> 0;
    if (descending) key = ~key >>> 0;
    keys[t] = key;
  }
}

/** Scratch for sorting one lane of d elements. */
class LaneSorter {
  readonly lane: Float32Array;
  private readonly bits: Uint32Array;
  private readonly keys: Uint32Array;
  readonly idx: Int32Array;
  private readonly k2: Uint32Array;
  private readonly i2: Int32Array;
  private readonly counts = new Int32Array(2048);
  constructor(readonly d: number) {
    this.lane = new Float32Array(d);
    this.bits = new Uint32Array(this.lane.buffer);
    this.keys = new Uint32Array(d); this.idx = new Int32Array(d);
    this.k2 = new Uint32Array(d); this.i2 = new Int32Array(d);
  }

  /** Sort `lane` (stable); afterwards idx[0..m) holds the positions of the first m. */
  sort(descending: boolean, m: number): void {
    const { d, keys, idx } = this;
    orderedKeys(this.bits, keys, d, descending);
    if (m * 16 <= d) { this.select(m); return; }
    for (let t = 0; t < d; t++) idx[t] = t;
    if (d <= 32) { this.insertion(); return; }
    // LSD radix sort, digits of 11, 11 and 10 bits: stable, linear
    let ka = keys, ia = idx, kb = this.k2, ib = this.i2;
    const c = this.counts;
    for (const shift of [0, 11, 22]) {
      c.fill(0);
      for (let t = 0; t < d; t++) c[(ka[t] >>> shift) & 2047]++;
      if (c[(ka[0] >>> shift) & 2047] === d) continue; // one digit everywhere: nothing moves
      let sum = 0;
      for (let q = 0; q < 2048; q++) { const v = c[q]; c[q] = sum; sum += v; }
      for (let t = 0; t < d; t++) {
        const p = c[(ka[t] >>> shift) & 2047]++;
        kb[p] = ka[t]; ib[p] = ia[t];
      }
      [ka, kb] = [kb, ka]; [ia, ib] = [ib, ia];
    }
    if (ia !== idx) idx.set(ia);
  }

  private insertion(): void {
    const { d, keys, idx } = this;
    for (let t = 1; t < d; t++) {
      const key = keys[t], j0 = idx[t];
      let p = t;
      while (p > 0 && keys[p - 1] > key) { keys[p] = keys[p - 1]; idx[p] = idx[p - 1]; p--; }
      keys[p] = key; idx[p] = j0;
    }
  }

  /** The m smallest keys (the first of equal ones), in order, into keys/idx[0..m): for small m. */
  private select(m: number): void {
    const { d, keys, idx } = this;
    const bk = this.k2, bi = this.i2;
    let count = 0;
    for (let t = 0; t < d && m > 0; t++) {
      const key = keys[t];
      if (count === m && key >= bk[m - 1]) continue;
      let p = count < m ? count++ : m - 1;
      while (p > 0 && bk[p - 1] > key) { bk[p] = bk[p - 1]; bi[p] = bi[p - 1]; p--; }
      bk[p] = key; bi[p] = t;
    }
    idx.set(bi.subarray(0, m));
  }
}

/**
 * For every lane along dim k, the positions along dim of its first m elements in sorted order:
 * order[(o·m + t)·inner + i] for lane (o, i).
 */
function sortedOrder(op: string, x: Tensor, dim: number, descending: boolean, m: number | null):
  { order: Int32Array; outer: number; d: number; inner: number; m: number } {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor`);
  if (typeof dim !== 'number') throw new TypeError(`${op}: dim must be a number`);
  const k = normDim(op, dim, x.ndim);
  const [outer, d, inner] = splitAt(x.shape, k);
  checkIndexable(op, d);
  const mm = m ?? d;
  if (!Number.isInteger(mm) || mm < 0 || mm > d) throw new RangeError(`${op}: k (${mm}) is out of range for a dim of size ${d}`);
  const xd = x.data;
  const order = new Int32Array(outer * mm * inner);
  const s = new LaneSorter(d);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * d * inner + i;
      for (let t = 0; t < d; t++) s.lane[t] = xd[base + t * inner];
      s.sort(descending, mm);
      const ob = o * mm * inner + i;
      for (let t = 0; t < mm; t++) order[ob + t * inner] = s.idx[t];
    }
  }
  return { order, outer, d, inner, m: mm };
}

/** The first `m` sorted elements of every lane: values (with backward) and indices. */
function take(op: string, x: Tensor, dim: number, descending: boolean, m: number | null): { values: Tensor; indices: Tensor } {
  const { order, outer, d, inner, m: k } = sortedOrder(op, x, dim, descending, m);
  const shape = x.shape.slice();
  if (x.ndim > 0) shape[normDim(op, dim, x.ndim)] = k;
  const n = outer * k * inner, xd = x.data;
  const vals = new Float32Array(n), inds = new Float32Array(n), src = new Int32Array(n);
  for (let o = 0; o < outer; o++) {
    for (let t = 0; t < k; t++) {
      for (let i = 0; i < inner; i++) {
        const p = (o * k + t) * inner + i, j = order[p];
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
  }, { inputs: [] });
  return { values, indices: new Tensor(inds, shape) };
}

/**
 * Sort along dim (default the last), as torch.sort: { values, indices }. `sort(x, 0, true)` or
 * `sort(x, { dim: 0, descending: true, stable: true })`. The gradient goes back to each value's
 * source position.
 * @example
 * ```js
 * import { sort, tensor } from 'neurite';
 * const { values, indices } = sort(tensor([3, 1, 2]), { descending: true }); // torch.sort(x, descending=True)
 * console.log(values.toArray(), indices.toArray()); // [ 3, 2, 1 ] [ 0, 2, 1 ]
 * ```
 */
export function sort(x: Tensor, dim?: number | SortOptions, descending?: boolean): { values: Tensor; indices: Tensor } {
  const a = sortArgs('sort', dim, descending);
  return take('sort', x, a.dim, a.descending, null);
}

/**
 * The indices that sort x along dim, as torch.argsort (float32 integers).
 * @example
 * ```js
 * import { argsort, tensor } from 'neurite';
 * console.log(argsort(tensor([3, 1, 2])).toArray()); // [ 1, 2, 0 ]
 * ```
 */
export function argsort(x: Tensor, dim?: number | SortOptions, descending?: boolean): Tensor {
  const a = sortArgs('argsort', dim, descending);
  const { order } = sortedOrder('argsort', x, a.dim, a.descending, null);
  return new Tensor(Float32Array.from(order), x.shape);
}

/**
 * The k largest (or smallest) elements along dim (default the last), as torch.topk:
 * { values, indices }, in sorted order. `topk(x, 3)`, `topk(x, 3, 0, false)` or
 * `topk(x, 3, { dim: 0, largest: false })`. Which of several equal values is taken is
 * unspecified in PyTorch; here the first ones.
 * @example
 * ```js
 * import { tensor, topk } from 'neurite';
 * const { values, indices } = topk(tensor([1, 9, 3, 7]), 2); // torch.topk(x, 2)
 * console.log(values.toArray(), indices.toArray()); // [ 9, 7 ] [ 1, 3 ]
 * ```
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
