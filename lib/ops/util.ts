/** Shape rules shared by the ops: broadcasting, dims, and reducing a gradient to a shape. */
import { B } from '../backend/index.js';
import { Tensor, fmtShape, type Shape } from '../tensor.js';

const SLAB_BYTES = 16384;
const LARGE = 16384; // elements: from here on, skipping V8's zero fill pays (64 KB)
const SLAB_MAX = 256;
let slab = new ArrayBuffer(SLAB_BYTES);
let slabOff = 0;

/**
 * A Float32Array of its own (never a shared slab) for an output that is written entirely:
 * from 64 KB without V8's zero fill (Buffer.allocUnsafeSlow is malloc, not calloc; the native
 * addon tunes glibc so that memory is reused, docs/benchmarks.md "Memory"), below that
 * zeroed as usual. For results whose `.buffer` may be transferred (elementwise ops).
 */
export function unfilledArray(n: number): Float32Array {
  return n >= LARGE ? new Float32Array(Buffer.allocUnsafeSlow(n * 4).buffer, 0, n) : new Float32Array(n);
}

/**
 * A Float32Array for a kernel output that the kernel writes entirely (gemm with beta = 0,
 * activations, linear forward/backward without accumulate): large ones skip V8's zero fill
 * (Buffer.allocUnsafeSlow is malloc, not calloc), a whole pass over memory (a quarter of the
 * W5 activation workloads, 5% of a W3 train step). Small ones (65-256 bytes: too large for
 * V8's on-heap typed arrays, so each would get its own off-heap store, ~0.7 µs) are views into
 * a shared 16 KB slab (~0.08 µs): a small output kept alive keeps at most one slab alive.
 * Never transfer such a view's `.buffer` to another thread (copy it: it is shared).
 */
export function outputArray(n: number): Float32Array {
  if (n >= LARGE) return unfilledArray(n);
  const bytes = n * 4;
  if (bytes <= 64 || bytes > SLAB_MAX) return new Float32Array(n);
  // a slab transferred away reads as byteLength 0 and is replaced here
  if (slabOff + bytes > slab.byteLength) { slab = new ArrayBuffer(SLAB_BYTES); slabOff = 0; }
  const v = new Float32Array(slab, slabOff, n);
  slabOff += (bytes + 63) & ~63;
  return v;
}

/** NumPy broadcasting of two shapes, or a RangeError naming the op. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const r = Math.max(a.length, b.length);
  const out = new Array<number>(r);
  for (let i = 0; i < r; i++) {
    const da = a[a.length - r + i] ?? 1, db = b[b.length - r + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new RangeError(`${op}: shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast together`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** The shape padded with leading 1s to rank r. */
export function padShape(s: Shape, r: number): number[] {
  return [...new Array<number>(r - s.length).fill(1), ...s];
}

/** A dim index, negative counting from the end, checked against the rank. */
export function normDim(op: string, dim: number, rank: number): number {
  if (!Number.isInteger(dim) || dim < -Math.max(rank, 1) || dim >= Math.max(rank, 1)) {
    throw new RangeError(`${op}: dim ${dim} is out of range for a tensor of rank ${rank}`);
  }
  return dim < 0 ? dim + Math.max(rank, 1) : dim;
}

/** [outer, d, inner] around a dim, for kernels that work along one axis. */
export function splitAt(shape: Shape, dim: number): [number, number, number] {
  let outer = 1, inner = 1;
  for (let i = 0; i < dim; i++) outer *= shape[i];
  for (let i = dim + 1; i < shape.length; i++) inner *= shape[i];
  return [outer, shape.length === 0 ? 1 : shape[dim], inner];
}

/** Sum a gradient of shape `from` down to broadcast-source shape `to`. */
export function sumToShape(g: Float32Array, from: Shape, to: Shape): Float32Array {
  if (from.length === to.length && from.every((d, i) => d === to[i])) return g;
  const r = from.length;
  const tp = padShape(to, r);
  let cur = g;
  const shape = from.slice();
  for (let d = 0; d < r; d++) {
    if (tp[d] === 1 && shape[d] !== 1) {
      const [outer, n, inner] = splitAt(shape, d);
      const out = new Float32Array(outer * inner);
      B().sumAxis(cur, outer, n, inner, out);
      cur = out;
      shape[d] = 1;
    }
  }
  return cur === g ? g.slice() : cur;
}

export type TensorLike = Tensor | number;

/** A number as a 0-d tensor; tensors pass through. */
export function asTensor(x: TensorLike, op: string): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x === 'number') return new Tensor(new Float32Array([x]), []);
  throw new TypeError(`${op}: expected a Tensor or a number, got ${x === null ? 'null' : typeof x}`);
}

/**
 * Indices travel as float32 tensors holding integers (where PyTorch returns int64): exact up
 * to 2^24, so an op that would make a larger index refuses.
 */
export const MAX_INDEX = 2 ** 24;

/** Check that indices into a dim of size `d` stay exact as float32. */
export function checkIndexable(op: string, d: number): void {
  if (d > MAX_INDEX) {
    throw new RangeError(`${op}: a dim of size ${d} has indices beyond 2^24, which float32 index tensors cannot hold exactly`);
  }
}

/** An index argument: a Tensor of integers, a number[] / Int32Array, or one number. */
export type IndexLike = Tensor | readonly number[] | Int32Array | number;

/**
 * Read an index argument as Int32Array (with its shape), each value an integer in [0, bound)
 * (negative indices are out of range, as in PyTorch's indexSelect/gather/scatter), or a
 * RangeError naming the op and the offending index.
 */
export function readIndex(op: string, index: IndexLike, bound: number, what = 'index'): { idx: Int32Array; shape: number[] } {
  let vals: ArrayLike<number>, shape: number[];
  if (index instanceof Tensor) { vals = index.data; shape = index.shape.slice(); }
  else if (typeof index === 'number') { vals = [index]; shape = []; }
  else if (index instanceof Int32Array || Array.isArray(index)) { vals = index; shape = [index.length]; }
  else throw new TypeError(`${op}: ${what} must be a Tensor of integers, a number[] or an Int32Array`);
  const idx = new Int32Array(vals.length);
  // fast monomorphic pass for typed arrays (the common index forms); any bad entry falls through
  // to the checking loop below, which names it
  if (vals instanceof Float32Array || vals instanceof Int32Array) {
    const n = vals.length;
    let i = 0;
    for (; i < n; i++) {
      const v = vals[i], t = v | 0;
      if (t !== v || t < 0 || t >= bound) break;
      idx[i] = t;
    }
    if (i === n) return { idx, shape };
  }
  for (let i = 0; i < vals.length; i++) {
    const v = vals[i];
    if (!Number.isInteger(v)) throw new RangeError(`${op}: ${what} ${v} at position ${i} is not an integer`);
    if (v < 0 || v >= bound) throw new RangeError(`${op}: ${what} ${v} at position ${i} is out of range for a dim of size ${bound}`);
    idx[i] = v;
  }
  return { idx, shape };
}

/** Row-major strides of a shape. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) { s[d] = acc; acc *= shape[d]; }
  return s;
}

/**
 * For every position of `shape` (row-major), the offset into a buffer with `strides`: the
 * map from an iteration space to a tensor laid out differently (broadcast: stride 0).
 */
export function offsetsOf(shape: Shape, strides: readonly number[]): Int32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Int32Array(n);
  const r = shape.length;
  if (n === 0) return out;
  const c = new Array<number>(r).fill(0);
  let off = 0;
  for (let i = 0; i < n; i++) {
    out[i] = off;
    for (let d = r - 1; d >= 0; d--) {
      if (++c[d] < shape[d]) { off += strides[d]; break; }
      off -= strides[d] * (shape[d] - 1);
      c[d] = 0;
    }
  }
  return out;
}

/** `x` broadcast to `shape` as a new buffer, copied exactly (-0 and NaN payloads kept). */
export function broadcastTo(op: string, x: Tensor, shape: Shape): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const b = broadcastShapes(op, x.shape, shape);
  if (b.length !== shape.length || b.some((d, i) => d !== shape[i])) {
    throw new RangeError(`${op}: shape ${fmtShape(x.shape)} cannot be broadcast to ${fmtShape(shape)}`);
  }
  if (x.size === n) return x.data;
  const ps = padShape(x.shape, shape.length);
  const st = stridesOf(ps).map((s, d) => (ps[d] === 1 ? 0 : s));
  const off = offsetsOf(shape, st);
  const out = new Float32Array(n);
  const src = x.data;
  for (let i = 0; i < n; i++) out[i] = src[off[i]];
  return out;
}

/** A dim argument of a reduction: one dim, several, or none (every dim). */
export type Dims = number | readonly number[] | null | undefined;

/**
 * The dims a reduction runs over, normalised, sorted and checked (an empty list or none means
 * every dim, as PyTorch 1.13's `dim=[]`); a repeated dim is a RangeError, as in PyTorch.
 */
export function normDims(op: string, dim: Dims, rank: number): number[] {
  if (dim === undefined || dim === null) return Array.from({ length: rank }, (_, i) => i);
  if (typeof dim === 'number') return [normDim(op, dim, rank)].filter((d) => d < rank);
  if (!Array.isArray(dim)) throw new TypeError(`${op}: dim must be a number or an array of numbers, got ${typeof dim}`);
  if (dim.length === 0) return Array.from({ length: rank }, (_, i) => i);
  const ds = dim.map((d) => {
    if (typeof d !== 'number') throw new TypeError(`${op}: dim must be a number or an array of numbers, got [${dim.join(', ')}]`);
    return normDim(op, d, rank);
  });
  ds.forEach((d, i) => {
    if (ds.indexOf(d) !== i) throw new RangeError(`${op}: dim ${d} appears multiple times in the list of dims [${dim.join(', ')}]`);
  });
  return ds.filter((d) => d < rank).sort((a, b) => a - b);
}

/**
 * A reduction over `dims` as [outer, N, inner] -> [outer, inner]: the result's shape (reduced
 * dims kept as 1 or dropped) and the input laid out so the reduced elements of each result are
 * the middle axis. Consecutive dims (one dim, all, a run) use the input as it is; other sets of
 * dims read a permuted copy (reduced dims last), and `scatterBack` maps a gradient in that
 * layout back to the input's.
 */
export function reductionPlan(x: Tensor, dims: readonly number[], keepDim: boolean): {
  shape: number[]; data: Float32Array; outer: number; N: number; inner: number;
  scatterBack: (g: Float32Array) => Float32Array;
} {
  const shape = x.shape;
  const kept = shape.map((d, i) => (dims.includes(i) ? 1 : d));
  const out = keepDim ? kept : shape.filter((_, i) => !dims.includes(i));
  let N = 1;
  for (const d of dims) N *= shape[d];
  const size = kept.reduce((a, b) => a * b, 1);
  if (dims.every((d, i) => i === 0 || d === dims[i - 1] + 1)) {
    const inner = shape.slice(dims.length ? dims[dims.length - 1] + 1 : shape.length).reduce((a, b) => a * b, 1);
    return { shape: out, data: x.data, outer: size / inner, N, inner, scatterBack: (g) => g };
  }
  const order = [...shape.keys()].filter((d) => !dims.includes(d)).concat(dims);
  const st = stridesOf(shape);
  const pos = offsetsOf(order.map((d) => shape[d]), order.map((d) => st[d]));
  const src = x.data, data = new Float32Array(pos.length);
  for (let i = 0; i < pos.length; i++) data[i] = src[pos[i]];
  return {
    shape: out, data, outer: size, N, inner: 1,
    scatterBack: (g) => {
      const gx = new Float32Array(g.length);
      for (let i = 0; i < pos.length; i++) gx[pos[i]] = g[i];
      return gx;
    },
  };
}
