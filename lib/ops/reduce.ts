/** Reductions: sum, mean, max / min / argmax / argmin along a dim or over everything, all / any. */
import { B } from '../backend/index.js';
import { Binary, Unary } from '../backend/types.js';
import { result } from '../autograd.js';
import { Tensor } from '../tensor.js';
import { checkIndexable, normDim, normDims, splitAt, type Dims } from './util.js';

function reducedShape(shape: readonly number[], dim: number, keepDim: boolean): number[] {
  const s = shape.slice();
  if (keepDim) s[dim] = 1; else s.splice(dim, 1);
  return s;
}

/** Broadcast a reduced gradient [outer, inner] back along dim d: out[o, j, i] = g[o, i] * scale. */
function spread(g: Float32Array, outer: number, d: number, inner: number, scale: number): Float32Array {
  const out = new Float32Array(outer * d * inner);
  B().binary(Binary.add, g, [outer, 1, inner], new Float32Array(1), [1, 1, 1], out, [outer, d, inner]);
  if (scale !== 1) B().unary(Unary.scale, out, out, out.length, scale, 0);
  return out;
}

/**
 * Sum of all elements, or along `dim` or several dims `[0, 1]` (keepDim keeps them as size 1).
 * @example
 * ```js
 * import { sum, tensor } from 'neurite';
 * const x = tensor([[1, 2], [3, 4]]);
 * console.log(sum(x).item(), sum(x, 1).toArray(), sum(x, 0, true).shape); // 10 [ 3, 7 ] [ 1, 2 ]  (x.sum(0, keepdim=True))
 * ```
 */
export function sum(x: Tensor, dim?: Dims, keepDim = false): Tensor {
  return reduceDims('sum', x, dim, keepDim, false);
}

/**
 * Mean of all elements, or along `dim` or several dims `[0, 1]`.
 * @example
 * ```js
 * import { mean, tensor } from 'neurite';
 * const x = tensor([[1, 2], [3, 4]]);
 * console.log(mean(x).item(), mean(x, [0, 1]).item(), mean(x, 0).toArray()); // 2.5 2.5 [ 2, 3 ]
 * ```
 */
export function mean(x: Tensor, dim?: Dims, keepDim = false): Tensor {
  return reduceDims('mean', x, dim, keepDim, true);
}

/**
 * One dim goes straight to the kernel; several dims (as torch: `[]` is every dim) are reduced
 * one at a time from the last, kept as size 1, then dropped by a reshape unless keepDim.
 */
function reduceDims(op: string, x: Tensor, dim: Dims, keepDim: boolean,
  average: boolean): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor`);
  if (typeof keepDim !== 'boolean') throw new TypeError(`${op}: keepDim must be a boolean, got ${typeof keepDim}`);
  if (dim === undefined || dim === null) return sumScaled(op, x, undefined, keepDim, average);
  if (typeof dim === 'number') return sumScaled(op, x, dim, keepDim, average);
  if (Array.isArray(dim) && dim.length === 0) return sumScaled(op, x, undefined, keepDim, average);
  const dims = normDims(op, dim, x.ndim);
  if (dims.length === 1) return sumScaled(op, x, dims[0], keepDim, average);
  let y = x;
  for (const d of [...dims].sort((a, b) => b - a)) y = sumScaled(op, y, d, true, average);
  if (keepDim) return y;
  const shape = x.shape.filter((_s, i) => !dims.includes(i));
  return result(y.data, shape, op, [y], (g) => [g]);
}

function sumScaled(op: string, x: Tensor, dim: number | undefined, keepDim: boolean, average: boolean): Tensor {
  let outer: number, d: number, inner: number, shape: number[];
  if (dim === undefined) {
    [outer, d, inner] = [1, x.size, 1];
    shape = keepDim ? x.shape.map(() => 1) : [];
  } else {
    const k = normDim(op, dim, x.ndim);
    [outer, d, inner] = splitAt(x.shape, k);
    shape = x.ndim === 0 ? [] : reducedShape(x.shape, k, keepDim);
  }
  const out = new Float32Array(outer * inner);
  B().sumAxis(x.data, outer, d, inner, out);
  const scale = average ? 1 / d : 1;
  if (average) B().unary(Unary.scale, out, out, out.length, scale, 0);
  return result(out, shape, op, [x], (g) => [spread(g, outer, d, inner, scale)], { inputs: [] });
}


function extreme(op: string, x: Tensor, dim: number, keepDim: boolean, sign: 1 | -1): { values: Tensor; indices: Tensor } {
  const k = normDim(op, dim, x.ndim);
  const [outer, d, inner] = splitAt(x.shape, k);
  if (d === 0) throw new RangeError(`${op}: cannot reduce over an empty dim`);
  checkIndexable(op, d);
  const src = sign === 1 ? x.data : negated(x.data);
  const vals = new Float32Array(outer * inner);
  const idx = new Int32Array(outer * inner);
  B().maxAxis(src, outer, d, inner, vals, idx);
  if (sign === -1) B().unary(Unary.neg, vals, vals, vals.length, 0, 0);
  const shape = x.ndim === 0 ? [] : reducedShape(x.shape, k, keepDim);
  const values = result(vals, shape, op, [x], (g) => {
    const gx = new Float32Array(x.size);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) gx[(o * d + idx[o * inner + i]) * inner + i] = g[o * inner + i];
    }
    return [gx];
  }, { inputs: [] });
  return { values, indices: new Tensor(Float32Array.from(idx), shape) };
}

function negated(a: Float32Array): Float32Array {
  const out = new Float32Array(a.length);
  B().unary(Unary.neg, a, out, a.length, 0, 0);
  return out;
}

/**
 * max(x): the largest element (0-d tensor); max(x, dim): {values, indices} along dim, as
 * torch.max. Along a dim the gradient goes to the (first) position of the maximum.
 * @example
 * ```js
 * import { max, tensor } from 'neurite';
 * const x = tensor([[1, 5], [7, 2]]);
 * const { values, indices } = max(x, 1); // torch.max(x, dim=1)
 * console.log(max(x).item(), values.toArray(), indices.toArray()); // 7 [ 5, 7 ] [ 1, 0 ]
 * ```
 */
export function max(x: Tensor): Tensor;
export function max(x: Tensor, dim: number, keepDim?: boolean): { values: Tensor; indices: Tensor };
export function max(x: Tensor, dim?: number, keepDim = false): Tensor | { values: Tensor; indices: Tensor } {
  if (dim === undefined) return extremeAll('max', x, 1);
  return extreme('max', x, dim, keepDim, 1);
}

/**
 * The largest (smallest) element as a 0-d tensor. Unlike max along a dim, PyTorch's gradient
 * here is shared evenly by every element equal to the result (every NaN when it is NaN).
 */
function extremeAll(op: string, x: Tensor, sign: 1 | -1): Tensor {
  const v = extreme(op, flat(x), 0, false, sign).values.data;
  const isNaN = v[0] !== v[0];
  return result(v, [], op, [x], (g) => {
    const gx = new Float32Array(x.size);
    let count = 0;
    const xd = x.data;
    for (let i = 0; i < x.size; i++) if (isNaN ? xd[i] !== xd[i] : xd[i] === v[0]) count++;
    const share = Math.fround(g[0] / count);
    for (let i = 0; i < x.size; i++) if (isNaN ? xd[i] !== xd[i] : xd[i] === v[0]) gx[i] = share;
    return [gx];
  });
}

/**
 * min, as max.
 * @example
 * ```js
 * import { min, tensor } from 'neurite';
 * const x = tensor([[1, 5], [7, 2]]);
 * console.log(min(x).item(), min(x, 0).values.toArray()); // 1 [ 1, 2 ]
 * ```
 */
export function min(x: Tensor): Tensor;
export function min(x: Tensor, dim: number, keepDim?: boolean): { values: Tensor; indices: Tensor };
export function min(x: Tensor, dim?: number, keepDim = false): Tensor | { values: Tensor; indices: Tensor } {
  if (dim === undefined) return extremeAll('min', x, -1);
  return extreme('min', x, dim, keepDim, -1);
}

/**
 * Index of the maximum along dim (or of the flattened tensor), as a float tensor of indices.
 * @example
 * ```js
 * import { argmax, tensor } from 'neurite';
 * console.log(argmax(tensor([[1, 5], [7, 2]]), 1).toArray()); // [ 1, 0 ]  (x.argmax(dim=1))
 * ```
 */
export function argmax(x: Tensor, dim?: number, keepDim = false): Tensor {
  if (dim === undefined) return extreme('argmax', flat(x), 0, false, 1).indices;
  return extreme('argmax', x, dim, keepDim, 1).indices;
}

/**
 * Index of the minimum along dim (or of the flattened tensor), as argmax.
 * @example
 * ```js
 * import { argmin, tensor } from 'neurite';
 * console.log(argmin(tensor([3, 1, 2])).item()); // 1
 * ```
 */
export function argmin(x: Tensor, dim?: number, keepDim = false): Tensor {
  if (dim === undefined) return extreme('argmin', flat(x), 0, false, -1).indices;
  return extreme('argmin', x, dim, keepDim, -1).indices;
}

/** x viewed as 1-D, sharing storage and graph (for whole-tensor reductions). */
function flat(x: Tensor): Tensor {
  if (x.size === 0) throw new RangeError('max/min: cannot reduce an empty tensor');
  return result(x.data, [x.size], 'flatten', [x], (g) => [g], { inputs: [] });
}

/**
 * 1 where every element along dim (or anywhere) is non-zero.
 * @example
 * ```js
 * import { all, tensor } from 'neurite';
 * console.log(all(tensor([1, 1, 0])).item(), all(tensor([[1, 1], [0, 1]]), 1).toArray()); // 0 [ 1, 0 ]
 * ```
 */
export function all(x: Tensor, dim?: number, keepDim = false): Tensor {
  return logical('all', x, dim, keepDim, (s, d) => (s === d ? 1 : 0));
}
/**
 * 1 where any element along dim (or anywhere) is non-zero.
 * @example
 * ```js
 * import { any, tensor } from 'neurite';
 * console.log(any(tensor([0, 0, 2])).item()); // 1
 * ```
 */
export function any(x: Tensor, dim?: number, keepDim = false): Tensor {
  return logical('any', x, dim, keepDim, (s) => (s > 0 ? 1 : 0));
}

function logical(op: string, x: Tensor, dim: number | undefined, keepDim: boolean,
  f: (count: number, d: number) => number): Tensor {
  const nz = new Float32Array(x.size);
  const xd = x.data;
  for (let i = 0; i < x.size; i++) nz[i] = xd[i] !== 0 ? 1 : 0;
  const counts = sum(new Tensor(nz, x.shape), dim, keepDim);
  const d = dim === undefined ? x.size : x.shape[normDim(op, dim, x.ndim)];
  for (let i = 0; i < counts.size; i++) counts.data[i] = f(counts.data[i], d);
  return counts;
}
