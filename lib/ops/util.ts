/** Shape rules shared by the ops: broadcasting, dims, and reducing a gradient to a shape. */
import { B } from '../backend/index.js';
import { Tensor, fmtShape, type Shape } from '../tensor.js';

const SLAB_BYTES = 16384;
const SLAB_MAX = 256;
let slab = new ArrayBuffer(SLAB_BYTES);
let slabOff = 0;

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
  if (n >= 16384) return new Float32Array(Buffer.allocUnsafeSlow(n * 4).buffer, 0, n);
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
