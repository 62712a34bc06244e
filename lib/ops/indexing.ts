/**
 * Indexing and joining ops, each with its backward: indexSelect, gather, scatter / scatterAdd /
 * scatterReduce, nonzero,
 * maskedFill, where, cat, stack, repeat, clone. Where PyTorch takes int64 indices, these take
 * float32 tensors of integers (what argmax, sort and topk return), number[] or Int32Array;
 * where it takes bool masks, any tensor, non-zero meaning true (what eq, gt, ... return: 0/1).
 */
import { B } from '../backend/index.js';
import type { IndexArray } from '../backend/types.js';
import { result } from '../autograd.js';
import { Tensor, fmtShape } from '../tensor.js';
import { options } from '../options.js';
import {
  asTensor, broadcastShapes, broadcastTo, normDim, offsetsOf, outputArray, padShape, readIndex, splitAt, stridesOf,
  sumToShape, type IndexLike, type TensorLike,
} from './util.js';

function checkTensor(op: string, x: unknown, what = 'input'): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: ${what} must be a Tensor, got ${x === null ? 'null' : typeof x}`);
}

/** Size of dim k, or 1 for a 0-d tensor (which PyTorch indexes as if it were [1]). */
const dimSize = (x: Tensor, k: number): number => (x.ndim === 0 ? 1 : x.shape[k]);

/**
 * The entries of `index` (1-D, or 0-D for one) along `dim`, as torch.index_select: the result
 * has x's shape with dim resized to the number of indices. Backward adds the gradient rows back
 * (repeated indices accumulate).
 * @example
 * ```js
 * import { indexSelect, tensor } from 'neurite';
 * const x = tensor([[1, 2], [3, 4], [5, 6]]);
 * console.log(indexSelect(x, 0, [2, 0]).toArray()); // [ [ 5, 6 ], [ 1, 2 ] ]  (torch.index_select(x, 0, idx))
 * ```
 */
export function indexSelect(x: Tensor, dim: number, index: IndexLike): Tensor {
  const op = 'indexSelect';
  checkTensor(op, x);
  const k = normDim(op, dim, x.ndim);
  const [outer, d, inner] = splitAt(x.shape, k);
  const { arr, shape: ishape } = indexArg(op, index, dimSize(x, k));
  if (ishape.length > 1) throw new RangeError(`${op}: index must be 1-D (or 0-D), got shape ${fmtShape(ishape)}`);
  const m = arr.length;
  if (x.ndim === 0 && m !== 1) throw new RangeError(`${op}: a 0-d input takes one index, got ${m}`);
  const shape = x.shape.slice();
  if (x.ndim > 0) shape[k] = m;
  const out = outputArray(outer * m * inner);
  indexKernel(op, index, d, () => B().indexSelect(x.data, outer, d, inner, arr, m, out));
  const kept = keepIndex(arr, [x]);
  return result(out, shape, op, [x], (g) => {
    const gx = new Float32Array(x.size);
    B().indexAdd(g, outer, d, inner, kept, m, gx);
    return [gx];
  }, { inputs: [] });
}

/**
 * An index argument as the index kernels take it: a tensor's float32 data or an Int32Array as
 * they are (the kernel checks each entry), other forms read (and checked) by readIndex.
 */
function indexArg(op: string, index: IndexLike, bound: number): { arr: IndexArray; shape: number[] } {
  if (index instanceof Tensor) return { arr: index.data, shape: index.shape.slice() };
  if (index instanceof Int32Array) return { arr: index, shape: [index.length] };
  const { idx, shape } = readIndex(op, index, bound);
  return { arr: idx, shape };
}

/** Run an index kernel; a bad entry is reported as readIndex words it (the op, the value, its position). */
function indexKernel(op: string, index: IndexLike, bound: number, run: () => void): void {
  try {
    run();
  } catch (e) {
    if (e instanceof RangeError) readIndex(op, index, bound);
    throw e;
  }
}

/** The index a backward reads: a private copy when some input needs a gradient (the caller's array or tensor may change later). */
function keepIndex(arr: IndexArray, inputs: readonly (Tensor | null)[]): IndexArray {
  return inputs.some((t) => t !== null && t.requiresGrad) ? arr.slice() : arr;
}

/** [outer, m, inner] of an index that covers x in every dim but k (the index kernels' layout), or null. */
function coveringBlock(x: Tensor, k: number, ishape: readonly number[]): [number, number, number] | null {
  if (x.ndim === 0 || ishape.length !== x.ndim || !ishape.every((n, d) => d === k || n === x.shape[d])) return null;
  return splitAt(ishape, k);
}

/**
 * Positions in x (row-major) that an index tensor of x's rank addresses along dim k: for
 * every position p of the index, p's coordinates with coordinate k replaced by index[p].
 * Checks PyTorch's rules: same rank, and index.size(d) <= x.size(d) for d != k.
 */
function indexPositions(op: string, x: Tensor, k: number, index: IndexLike): { pos: Int32Array; ishape: number[] } {
  const { idx, shape: ishape } = readIndex(op, index, dimSize(x, k));
  if (ishape.length !== x.ndim) {
    throw new RangeError(`${op}: index ${fmtShape(ishape)} must have as many dims as the input ${fmtShape(x.shape)}`);
  }
  for (let d = 0; d < x.ndim; d++) {
    if (d !== k && ishape[d] > x.shape[d]) {
      throw new RangeError(`${op}: index ${fmtShape(ishape)} is larger than the input ${fmtShape(x.shape)} in dim ${d}`);
    }
  }
  if (x.ndim > 0 && ishape.every((n, d) => d === k || n === x.shape[d])) {
    // index covers x except along k: hoisted [outer, m, inner] arithmetic, no multi-index decoding
    const [outer, m, inner] = splitAt(ishape, k), dk = x.shape[k];
    const pos = new Int32Array(idx.length);
    let p = 0;
    for (let o = 0; o < outer; o++) {
      const base = o * dk * inner;
      if (inner === 1) { for (let j = 0; j < m; j++, p++) pos[p] = base + idx[p]; continue; }
      for (let j = 0; j < m; j++) for (let i = 0; i < inner; i++, p++) pos[p] = base + idx[p] * inner + i;
    }
    return { pos, ishape };
  }
  const xs = stridesOf(x.shape);
  const step = x.ndim === 0 ? 0 : xs[k];
  if (x.ndim > 0) xs[k] = 0;
  const pos = offsetsOf(ishape, xs);
  for (let i = 0; i < pos.length; i++) pos[i] += idx[i] * step;
  return { pos, ishape };
}

/**
 * out[i][j] = x[index[i][j]][j] along dim 0 (and so on for other dims), as torch.gather: the
 * result has index's shape. Backward scatter-adds the gradient back.
 * @example
 * ```js
 * import { gather, tensor } from 'neurite';
 * const x = tensor([[1, 2], [3, 4]]);
 * console.log(gather(x, 1, tensor([[1], [0]])).toArray()); // [ [ 2 ], [ 3 ] ]  (torch.gather(x, 1, idx))
 * ```
 */
export function gather(x: Tensor, dim: number, index: IndexLike): Tensor {
  const op = 'gather';
  checkTensor(op, x);
  const k = normDim(op, dim, x.ndim);
  const fast = index instanceof Tensor ? coveringBlock(x, k, index.shape) : null;
  if (fast !== null) { // one backend kernel each way
    const [outer, m, inner] = fast, dk = x.shape[k], arr = (index as Tensor).data;
    const out = outputArray(arr.length);
    indexKernel(op, index, dk, () => B().gather(x.data, outer, dk, inner, arr, m, out));
    const kept = keepIndex(arr, [x]);
    return result(out, (index as Tensor).shape.slice(), op, [x], (g) => {
      const gx = new Float32Array(x.size);
      B().scatter(g, 0, outer, dk, inner, kept, m, gx, true);
      return [gx];
    }, { inputs: [] });
  }
  const { pos, ishape } = indexPositions(op, x, k, index);
  const src = x.data;
  const out = outputArray(pos.length);
  for (let i = 0; i < pos.length; i++) out[i] = src[pos[i]];
  return result(out, ishape, op, [x], (g) => {
    const gx = new Float32Array(x.size);
    for (let i = 0; i < pos.length; i++) gx[pos[i]] += g[i];
    return [gx];
  }, { inputs: [] });
}

/** Where each index position reads src (row-major offsets into src), checking PyTorch's shape rules. */
function srcPositions(op: string, s: Tensor, ishape: number[]): Int32Array {
  if (s.ndim !== ishape.length) {
    throw new RangeError(`${op}: src ${fmtShape(s.shape)} must have as many dims as the index ${fmtShape(ishape)}`);
  }
  for (let d = 0; d < s.ndim; d++) {
    if (ishape[d] > s.shape[d]) throw new RangeError(`${op}: index ${fmtShape(ishape)} is larger than src ${fmtShape(s.shape)} in dim ${d}`);
  }
  if (ishape.every((n, d) => n === s.shape[d])) { // src read whole, row-major: the identity
    const pos = new Int32Array(s.size);
    for (let i = 0; i < pos.length; i++) pos[i] = i;
    return pos;
  }
  return offsetsOf(ishape, stridesOf(s.shape));
}

function scatterOp(op: string, x: Tensor, dim: number, index: IndexLike, src: TensorLike, add: boolean): Tensor {
  checkTensor(op, x);
  const k = normDim(op, dim, x.ndim);
  const s = typeof src === 'number' && !add ? null : asTensor(src, op);
  const fast = index instanceof Tensor ? coveringBlock(x, k, index.shape) : null;
  if (fast !== null && (s === null || (s.ndim === (index as Tensor).ndim && s.shape.every((n, d) => n === (index as Tensor).shape[d])))) {
    return scatterBlocks(op, x, k, index as Tensor, s, s === null ? (src as number) : 0, add, fast);
  }
  const { pos, ishape } = indexPositions(op, x, k, index);
  const srcPos = s ? srcPositions(op, s, ishape) : null;
  let out = x.data; // a non-contiguous view's data is already a copy
  if (x.isContiguous()) { out = outputArray(x.size); out.set(x.data); } // not slice(): no zero-fill before the copy
  const sd = s ? s.data : null, value = typeof src === 'number' ? src : 0;
  for (let i = 0; i < pos.length; i++) {
    const v = sd ? sd[srcPos![i]] : value;
    if (add) out[pos[i]] += v; else out[pos[i]] = v;
  }
  return result(out, x.shape, op, s ? [x, s] : [x], (g) => {
    let gx: Float32Array = g;
    if (!add) {
      gx = g.slice();
      for (let i = 0; i < pos.length; i++) gx[pos[i]] = 0;
    }
    let gs: Float32Array | null = null;
    if (s && s.requiresGrad) {
      gs = new Float32Array(s.size);
      for (let i = 0; i < pos.length; i++) gs[srcPos![i]] = g[pos[i]];
    }
    return [x.requiresGrad ? gx : null, gs];
  }, { inputs: [] });
}

/** scatterOp with one backend kernel each way: the index covers x except in dim k, src (if any) has its shape. */
function scatterBlocks(op: string, x: Tensor, k: number, index: Tensor, s: Tensor | null, value: number, add: boolean,
  [outer, m, inner]: [number, number, number]): Tensor {
  const dk = x.shape[k], arr = index.data;
  let out = x.data; // a non-contiguous view's data is already a copy
  if (x.isContiguous()) { out = outputArray(x.size); out.set(x.data); } // not slice(): no zero-fill before the copy
  indexKernel(op, index, dk, () => B().scatter(s ? s.data : null, value, outer, dk, inner, arr, m, out, add));
  const kept = keepIndex(arr, [x, s]);
  return result(out, x.shape, op, s ? [x, s] : [x], (g) => {
    let gx: Float32Array | null = null;
    if (x.requiresGrad) {
      gx = add ? g : g.slice();
      if (!add) B().scatter(null, 0, outer, dk, inner, kept, m, gx, false); // overwritten positions get no gradient
    }
    let gs: Float32Array | null = null;
    if (s && s.requiresGrad) {
      gs = new Float32Array(s.size);
      B().gather(g, outer, dk, inner, kept, m, gs);
    }
    return [gx, gs];
  }, { inputs: [] });
}

/** scatter's options: PyTorch 1.13's `reduce=` ('add' or 'multiply'). */
export interface ScatterOptions {
  /** Combine src with the values already there instead of overwriting them. PyTorch: `reduce`. @defaultValue none (overwrite) */
  reduce?: 'add' | 'multiply';
}

/**
 * A copy of x with the values of src (a tensor, or one number) written at the positions index
 * names along dim, as torch.scatter: out[index[i][j]][j] = src[i][j] for dim 0. With repeated
 * positions the last write wins (PyTorch leaves that order unspecified). Backward: x's gradient
 * is zero where it was overwritten; src's gradient gathers from the same positions.
 * `{ reduce: 'add' | 'multiply' }` (PyTorch 1.13's `reduce=`) accumulates into x instead; as in
 * PyTorch 1.13 that form has no derivative (backward throws): scatterReduce has one.
 * @example
 * ```js
 * import { scatter, tensor, zeros } from 'neurite';
 * console.log(scatter(zeros(3), 0, tensor([2, 0]), tensor([5, 6])).toArray()); // [ 6, 0, 5 ]
 * console.log(scatter(zeros(3), 0, [1], 9).toArray()); // [ 0, 9, 0 ]  (one number as src)
 * ```
 */
export function scatter(x: Tensor, dim: number, index: IndexLike, src: TensorLike, opts?: ScatterOptions): Tensor {
  const o = options<ScatterOptions>('scatter', opts, ['reduce']);
  if (o.reduce === undefined) return scatterOp('scatter', x, dim, index, src, false);
  if (o.reduce !== 'add' && o.reduce !== 'multiply') {
    throw new RangeError(`scatter: reduce must be 'add' or 'multiply', got '${String(o.reduce)}' (scatterReduce takes 'sum', 'prod', 'mean', 'amax', 'amin')`);
  }
  if (typeof src !== 'number') checkTensor('scatter', src, 'src');
  const r = reduceCore('scatter', x, dim, index, src, o.reduce === 'add' ? 'sum' : 'prod', true);
  return result(r.out, x.shape, 'scatter', typeof src === 'number' ? [x] : [x, src], () => {
    throw new Error(`scatter: the derivative of scatter with reduce='${o.reduce}' is not implemented (as in PyTorch 1.13); `
      + `scatterReduce(x, dim, index, src, '${o.reduce === 'add' ? 'sum' : 'prod'}') computes the same and has one`);
  }, { inputs: [] });
}

/**
 * As scatter, but src's values add into x (repeated positions accumulate), as torch.scatter_add.
 * @example
 * ```js
 * import { scatterAdd, tensor, zeros } from 'neurite';
 * console.log(scatterAdd(zeros(2), 0, tensor([0, 0, 1]), tensor([1, 2, 3])).toArray()); // [ 3, 3 ]
 * ```
 */
export function scatterAdd(x: Tensor, dim: number, index: IndexLike, src: Tensor): Tensor {
  checkTensor('scatterAdd', src, 'src');
  return scatterOp('scatterAdd', x, dim, index, src, true);
}

/** scatterReduce's reductions, as torch.scatter_reduce. */
export type ScatterReduction = 'sum' | 'prod' | 'mean' | 'amax' | 'amin';
/** scatterReduce's options: PyTorch's `include_self` (default true). */
export interface ScatterReduceOptions {
  /** Whether x's own values at the written positions take part in the reduction. PyTorch: `include_self`. @defaultValue true */
  includeSelf?: boolean;
}
const REDUCTIONS: readonly ScatterReduction[] = ['sum', 'prod', 'mean', 'amax', 'amin'];

/** The forward of scatterReduce (and of scatter's reduce=): the result and what backward needs. */
function reduceCore(op: string, x: Tensor, dim: number, index: IndexLike, src: Tensor | number, reduce: ScatterReduction, includeSelf: boolean) {
  checkTensor(op, x);
  const k = normDim(op, dim, x.ndim);
  const { pos, ishape } = indexPositions(op, x, k, index);
  // one number: every position reads it
  const srcPos = src instanceof Tensor ? srcPositions(op, src, ishape) : new Int32Array(pos.length);
  const xd = x.data, sd = src instanceof Tensor ? src.data : Float32Array.of(src);
  const out = xd.slice();
  const count = new Int32Array(x.size); // how many src values land at each position
  for (let i = 0; i < pos.length; i++) count[pos[i]]++;
  if (!includeSelf) {
    const init = reduce === 'prod' ? 1 : reduce === 'amax' ? -Infinity : reduce === 'amin' ? Infinity : 0;
    for (let i = 0; i < pos.length; i++) out[pos[i]] = init;
  }
  for (let i = 0; i < pos.length; i++) {
    const p = pos[i], v = sd[srcPos[i]];
    switch (reduce) {
      case 'sum': case 'mean': out[p] += v; break;
      case 'prod': out[p] *= v; break;
      // NaN propagates, as PyTorch's scatter_reduce
      case 'amax': out[p] = Number.isNaN(v) || v > out[p] ? v : out[p]; break;
      case 'amin': out[p] = Number.isNaN(v) || v < out[p] ? v : out[p]; break;
    }
  }
  if (reduce === 'mean') for (let p = 0; p < out.length; p++) if (count[p] > 0) out[p] /= count[p] + (includeSelf ? 1 : 0);
  return { out, pos, srcPos, count, xd, sd };
}

/**
 * x with src's values reduced into the positions index names along dim, as
 * torch.scatter_reduce(x, dim, index, src, reduce, include_self=True): 'sum', 'prod', 'mean',
 * 'amax' or 'amin'; `{ includeSelf: false }` leaves x's own value out at the positions written.
 * Gradients as PyTorch 1.13: amax/amin share the gradient evenly between the tied maxima (x's
 * value counts as one of them when it equals the result); prod's are the products of the other
 * factors (exact with zeros); positions written get no gradient to x when includeSelf is false.
 * @example
 * ```js
 * import { scatterReduce, tensor, zeros } from 'neurite';
 * const src = tensor([1, 5, 3]);
 * console.log(scatterReduce(zeros(2), 0, tensor([0, 0, 1]), src, 'amax', { includeSelf: false }).toArray()); // [ 5, 3 ]
 * // torch: x.scatter_reduce(0, idx, src, reduce='amax', include_self=False)
 * ```
 */
export function scatterReduce(x: Tensor, dim: number, index: IndexLike, src: Tensor, reduce: ScatterReduction,
  opts?: ScatterReduceOptions): Tensor {
  const op = 'scatterReduce';
  checkTensor(op, src, 'src');
  if (!REDUCTIONS.includes(reduce)) throw new RangeError(`${op}: reduce must be one of ${REDUCTIONS.map((r) => `'${r}'`).join(', ')}, got '${String(reduce)}'`);
  const o = options<ScatterReduceOptions>(op, opts, ['includeSelf']);
  const includeSelf = o.includeSelf ?? true;
  if (typeof includeSelf !== 'boolean') throw new TypeError(`${op}: includeSelf must be a boolean, got ${typeof includeSelf}`);
  const s = src;
  const { out, pos, srcPos, count, xd, sd } = reduceCore(op, x, dim, index, src, reduce, includeSelf);
  return result(out, x.shape, op, [x, s], (g) => {
    const n = out.length;
    const gx = new Float32Array(n), gs = new Float32Array(s.size);
    if (reduce === 'sum') {
      gx.set(g);
      for (let i = 0; i < pos.length; i++) gs[srcPos[i]] = g[pos[i]];
    } else if (reduce === 'mean') {
      const gm = new Float32Array(n);
      for (let p = 0; p < n; p++) gm[p] = g[p] / Math.max(1, count[p] + (includeSelf ? 1 : 0));
      gx.set(gm);
      for (let i = 0; i < pos.length; i++) gs[srcPos[i]] = gm[pos[i]];
    } else if (reduce === 'prod') {
      // each factor's gradient: g times the product of the other factors at its position (prefix x suffix products)
      gx.set(g);
      const order = groupByPosition(pos, count);
      for (let a = 0; a < order.starts.length - 1; a++) {
        const lo = order.starts[a], hi = order.starts[a + 1];
        if (lo === hi) continue;
        const p = pos[order.items[lo]];
        const m = hi - lo + (includeSelf ? 1 : 0);
        const f = new Float64Array(m);
        for (let j = lo; j < hi; j++) f[j - lo] = sd[srcPos[order.items[j]]];
        if (includeSelf) f[m - 1] = xd[p];
        const pre = new Float64Array(m + 1), suf = new Float64Array(m + 1);
        pre[0] = 1; suf[m] = 1;
        for (let j = 0; j < m; j++) pre[j + 1] = pre[j] * f[j];
        for (let j = m - 1; j >= 0; j--) suf[j] = suf[j + 1] * f[j];
        for (let j = lo; j < hi; j++) gs[srcPos[order.items[j]]] = g[p] * (pre[j - lo] * suf[j - lo + 1]);
        if (includeSelf) gx[p] = g[p] * pre[m - 1];
      }
    } else {
      // amax / amin: the gradient split evenly between x's value (when it equals the result) and the src values that do
      const ties = new Float32Array(n);
      for (let p = 0; p < n; p++) ties[p] = xd[p] === out[p] ? 1 : 0;
      for (let i = 0; i < pos.length; i++) if (sd[srcPos[i]] === out[pos[i]]) ties[pos[i]]++;
      const share = new Float32Array(n);
      for (let p = 0; p < n; p++) share[p] = g[p] / ties[p];
      for (let p = 0; p < n; p++) gx[p] = xd[p] === out[p] ? share[p] : 0;
      for (let i = 0; i < pos.length; i++) gs[srcPos[i]] = sd[srcPos[i]] === out[pos[i]] ? share[pos[i]] : 0;
    }
    if (!includeSelf) for (let i = 0; i < pos.length; i++) gx[pos[i]] = 0;
    return [x.requiresGrad ? gx : null, s.requiresGrad ? gs : null];
  }, { inputs: [] });
}

/** The index positions grouped by the x position they land at (counting sort): items[starts[p]..starts[p+1]). */
function groupByPosition(pos: Int32Array, count: Int32Array): { items: Int32Array; starts: Int32Array } {
  const starts = new Int32Array(count.length + 1);
  for (let p = 0; p < count.length; p++) starts[p + 1] = starts[p] + count[p];
  const fill = starts.slice(0, count.length), items = new Int32Array(pos.length);
  for (let i = 0; i < pos.length; i++) items[fill[pos[i]]++] = i;
  return { items, starts };
}

/** nonzero's options: PyTorch's `as_tuple`. */
export interface NonzeroOptions {
  /** One 1-D index tensor per dim instead of one [n, ndim] tensor. PyTorch: `as_tuple`. @defaultValue false */
  asTuple?: boolean;
}

/**
 * The indices of the non-zero entries (NaN counts as non-zero), in row-major order, as
 * torch.nonzero: a [n, ndim] tensor of indices (float32 integers, as every neurite index), or
 * with `{ asTuple: true }` one 1-D tensor per dim (a 0-d input counts as 1-D), which is what
 * `where(cond)` returns. Not differentiable (indices).
 * @example
 * ```js
 * import { nonzero, tensor } from 'neurite';
 * const x = tensor([[0, 1], [2, 0]]);
 * console.log(nonzero(x).toArray(), nonzero(x, { asTuple: true }).map((t) => t.toArray())); // [ [ 0, 1 ], [ 1, 0 ] ] [ [ 0, 1 ], [ 1, 0 ] ]
 * ```
 */
export function nonzero(x: Tensor, opts: NonzeroOptions & { asTuple: true }): Tensor[];
export function nonzero(x: Tensor, opts?: NonzeroOptions & { asTuple?: false }): Tensor;
export function nonzero(x: Tensor, opts?: NonzeroOptions): Tensor | Tensor[];
export function nonzero(x: Tensor, opts?: NonzeroOptions): Tensor | Tensor[] {
  const op = 'nonzero';
  checkTensor(op, x);
  const o = options<NonzeroOptions>(op, opts, ['asTuple']);
  if (o.asTuple !== undefined && typeof o.asTuple !== 'boolean') throw new TypeError(`${op}: asTuple must be a boolean, got ${typeof o.asTuple}`);
  const d = x.data, r = x.ndim;
  let n = 0;
  for (let i = 0; i < d.length; i++) if (d[i] !== 0) n++;
  const rr = Math.max(r, 1), shape = r === 0 ? [1] : x.shape;
  const cols = Array.from({ length: rr }, () => new Float32Array(n));
  const at = new Array<number>(rr).fill(0);
  for (let i = 0, j = 0; i < d.length; i++) {
    if (d[i] !== 0) { for (let q = 0; q < rr; q++) cols[q][j] = at[q]; j++; }
    for (let q = rr - 1; q >= 0; q--) { if (++at[q] < shape[q]) break; at[q] = 0; }
  }
  if (o.asTuple) return cols.map((c) => new Tensor(c, [n]));
  const out = new Float32Array(n * r);
  for (let j = 0; j < n; j++) for (let q = 0; q < r; q++) out[j * r + q] = cols[q][j];
  return new Tensor(out, [n, r]);
}

/** A mask read once as 0/1 bytes (non-zero, NaN included, is true): backward keeps this, not the mask's storage. */
function truth(m: Float32Array): Uint8Array {
  const t = new Uint8Array(m.length);
  for (let i = 0; i < m.length; i++) t[i] = m[i] !== 0 ? 1 : 0;
  return t;
}

/**
 * x with `value` where mask is non-zero, as torch.masked_fill (the mask broadcasts). value is
 * a number or a 0-d tensor (which then receives the gradient of the filled positions).
 * @example
 * ```js
 * import { gt, maskedFill, tensor } from 'neurite';
 * const x = tensor([1, -2, 3]);
 * console.log(maskedFill(x, gt(x, 0), 0).toArray()); // [ 0, -2, 0 ]  (x.masked_fill(x > 0, 0))
 * ```
 */
export function maskedFill(x: Tensor, mask: Tensor, value: TensorLike): Tensor {
  const op = 'maskedFill';
  checkTensor(op, x);
  checkTensor(op, mask, 'mask');
  const v = asTensor(value, op);
  if (v.ndim !== 0) throw new RangeError(`${op}: value must be a number or a 0-d tensor, got shape ${fmtShape(v.shape)}`);
  const shape = broadcastShapes(op, x.shape, mask.shape);
  const xv = broadcastTo(op, x, shape), mv = truth(broadcastTo(op, mask, shape));
  const n = xv.length, fill = v.data[0];
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = mv[i] ? fill : xv[i];
  return result(out, shape, op, [x, v], (g) => {
    let gx: Float32Array | null = null, gv: Float32Array | null = null;
    if (x.requiresGrad) {
      const t = new Float32Array(n);
      for (let i = 0; i < n; i++) if (!mv[i]) t[i] = g[i];
      gx = sumToShape(t, shape, x.shape);
    }
    if (v.requiresGrad) {
      let acc = 0;
      for (let i = 0; i < n; i++) if (mv[i]) acc += g[i];
      gv = Float32Array.of(acc);
    }
    return [gx, gv];
  }, { inputs: [] });
}

/**
 * a where cond is non-zero, b elsewhere, as torch.where(cond, a, b) (all three broadcast; a and
 * b may be numbers). Gradients flow to a where cond holds, to b where it does not. With the
 * condition alone, `where(cond)` is `nonzero(cond, { asTuple: true })`, as PyTorch.
 * @example
 * ```js
 * import { gt, tensor, where } from 'neurite';
 * const x = tensor([1, -2, 3]);
 * console.log(where(gt(x, 0), x, 0).toArray()); // [ 1, 0, 3 ]  (torch.where(x > 0, x, 0.))
 * console.log(where(gt(x, 0))[0].toArray()); // [ 0, 2 ]  (one tensor of indices per dim)
 * ```
 */
export function where(cond: Tensor): Tensor[];
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor;
export function where(cond: Tensor, a?: TensorLike, b?: TensorLike): Tensor | Tensor[] {
  const op = 'where';
  checkTensor(op, cond, 'condition');
  if (a === undefined && b === undefined) return nonzero(cond, { asTuple: true });
  if (a === undefined || b === undefined) throw new TypeError(`${op}: takes (condition) or (condition, a, b)`);
  const at = asTensor(a, op), bt = asTensor(b, op);
  const shape = broadcastShapes(op, broadcastShapes(op, cond.shape, at.shape), bt.shape);
  const cv = truth(broadcastTo(op, cond, shape)), av = broadcastTo(op, at, shape), bv = broadcastTo(op, bt, shape);
  const n = cv.length;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = cv[i] ? av[i] : bv[i];
  return result(out, shape, op, [at, bt], (g) => {
    const pick = (t: Tensor, on: boolean): Float32Array | null => {
      if (!t.requiresGrad) return null;
      const o = new Float32Array(n);
      for (let i = 0; i < n; i++) if ((cv[i] === 1) === on) o[i] = g[i];
      return sumToShape(o, shape, t.shape);
    };
    return [pick(at, true), pick(bt, false)];
  }, { inputs: [] });
}

/**
 * Join tensors along the middle axis of [outer, dk_j, inner] (dks[j] = 0: contributes nothing,
 * as cat's skipped empties); `shape` is the result's, `total` = Σ dks.
 */
function join(op: string, ts: Tensor[], dks: number[], outer: number, inner: number, shape: number[]): Tensor {
  const total = dks.reduce((a, b) => a + b, 0);
  const out = outputArray(outer * total * inner);
  const starts: number[] = [];
  let c = 0;
  for (let j = 0; j < ts.length; j++) {
    starts.push(c);
    const run = dks[j] * inner;
    // each input is one [outer, run] block: one backend 2-D copy instead of `outer` row copies
    if (run > 0) B().stridedCopy([outer, run], ts[j].data, 0, [run, 1], out, c * inner, [total * inner, 1]);
    c += dks[j];
  }
  return result(out, shape, op, ts, (g) => ts.map((t, j) => {
    if (!t.requiresGrad) return null;
    const run = dks[j] * inner, gt = new Float32Array(t.size);
    if (run > 0) B().stridedCopy([outer, run], g, starts[j] * inner, [total * inner, 1], gt, 0, [run, 1]);
    return gt;
  }), { inputs: [] });
}

function tensorList(op: string, tensors: readonly Tensor[]): Tensor[] {
  if (!Array.isArray(tensors)) throw new TypeError(`${op}: expected an array of tensors`);
  if (tensors.length === 0) throw new RangeError(`${op}: expected a non-empty list of tensors`);
  tensors.forEach((t, i) => checkTensor(op, t, `entry ${i}`));
  return tensors.slice();
}

/**
 * Concatenate along dim, as torch.cat: the shapes agree except in dim. As PyTorch 1.13, 1-D
 * empty tensors (shape [0]) are skipped whatever the others' shapes.
 * @example
 * ```js
 * import { cat, ones, zeros } from 'neurite';
 * console.log(cat([zeros(2, 1), ones(2, 2)], 1).shape); // [ 2, 3 ]  (torch.cat([a, b], dim=1))
 * ```
 */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  const op = 'cat';
  const all = tensorList(op, tensors);
  const ts = all.filter((t) => !(t.ndim === 1 && t.size === 0));
  if (ts.length === 0) return join(op, all, all.map(() => 0), 1, 1, [0]);
  const ref = ts[0];
  if (ref.ndim === 0) throw new RangeError(`${op}: zero-dimensional tensor (at entry ${all.indexOf(ref)}) cannot be concatenated`);
  const k = normDim(op, dim, ref.ndim);
  let total = 0;
  for (const t of ts) {
    if (t.ndim !== ref.ndim || t.shape.some((d, i) => i !== k && d !== ref.shape[i])) {
      throw new RangeError(`${op}: tensors must have the same shape except in dim ${k}: ${fmtShape(ref.shape)} at entry ` +
        `${all.indexOf(ref)} and ${fmtShape(t.shape)} at entry ${all.indexOf(t)}`);
    }
    total += t.shape[k];
  }
  const shape = ref.shape.slice();
  shape[k] = total;
  const [outer, , inner] = splitAt(ref.shape, k);
  return join(op, all, all.map((t) => (t.ndim === 1 && t.size === 0 ? 0 : t.shape[k])), outer, inner, shape);
}

/**
 * Stack equal-shaped tensors along a new dim, as torch.stack.
 * @example
 * ```js
 * import { stack, tensor } from 'neurite';
 * console.log(stack([tensor([1, 2]), tensor([3, 4])], 1).toArray()); // [ [ 1, 3 ], [ 2, 4 ] ]
 * ```
 */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  const op = 'stack';
  const ts = tensorList(op, tensors);
  const ref = ts[0];
  ts.forEach((t, i) => {
    if (t.ndim !== ref.ndim || t.shape.some((d, j) => d !== ref.shape[j])) {
      throw new RangeError(`${op}: expects each tensor to be equal size, but got ${fmtShape(ref.shape)} at entry 0 and ` +
        `${fmtShape(t.shape)} at entry ${i}`);
    }
  });
  const k = normDim(op, dim, ref.ndim + 1);
  const shape = [...ref.shape.slice(0, k), ts.length, ...ref.shape.slice(k)];
  const [outer, , inner] = splitAt(shape, k);
  return join(op, ts, ts.map(() => 1), outer, inner, shape);
}

/**
 * Tile x, as torch.Tensor.repeat: sizes (one per dim, or more: x gains leading dims) multiply
 * each dim. `x.repeat(2, 3)` or `x.repeat([2, 3])`. Backward sums the tiles.
 * @example
 * ```js
 * import { repeat, tensor } from 'neurite';
 * console.log(repeat(tensor([1, 2]), 2, 2).toArray()); // [ [ 1, 2, 1, 2 ], [ 1, 2, 1, 2 ] ]  (x.repeat(2, 2))
 * ```
 */
export function repeat(x: Tensor, ...sizes: (number | readonly number[])[]): Tensor {
  const op = 'repeat';
  checkTensor(op, x);
  const reps = (sizes.length === 1 && Array.isArray(sizes[0]) ? sizes[0] : sizes) as number[];
  for (const s of reps) {
    if (!Number.isInteger(s) || s < 0) throw new RangeError(`${op}: repeats must be non-negative integers, got [${reps.join(',')}]`);
  }
  if (reps.length < x.ndim) {
    throw new RangeError(`${op}: number of repeat dims (${reps.length}) cannot be smaller than the number of dims of the tensor (${x.ndim})`);
  }
  const r = reps.length;
  const p = padShape(x.shape, r);
  // out viewed as [r0, p0, r1, p1, ...] is x viewed as [1, p0, 1, p1, ...] broadcast
  const big = p.flatMap((d, i) => [reps[i], d]), small = p.flatMap((d) => [1, d]);
  const shape = p.map((d, i) => d * reps[i]);
  const xd = x.data;
  const tiled = broadcastTo(op, new Tensor(xd, small), big);
  const out = tiled === xd ? xd.slice() : tiled;
  return result(out, shape, op, [x], (g) => [sumToShape(g, big, small)], { inputs: [] });
}

/**
 * A copy with its own storage; the gradient passes through, as torch.clone.
 * @example
 * ```js
 * import { clone, tensor } from 'neurite';
 * const x = tensor([1, 2]);
 * const y = clone(x);
 * y.data[0] = 9;
 * console.log(x.toArray(), y.toArray()); // [ 1, 2 ] [ 9, 2 ]
 * ```
 */
export function clone(x: Tensor): Tensor {
  checkTensor('clone', x);
  return result(x.isContiguous() ? x.data.slice() : x.data, x.shape, 'clone', [x], (g) => [g], { inputs: [] });
}
