/** Shape ops: reshape (sharing storage), flatten, transpose of two dims (a copy). */
import { result } from '../autograd.js';
import { Tensor, fmtShape, shapeSize } from '../tensor.js';
import { normDim } from './util.js';

/** The same elements in a new shape; one dim may be -1 (inferred). Shares storage. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const s = shape.slice();
  const free = s.indexOf(-1);
  if (free >= 0) {
    if (s.indexOf(-1, free + 1) >= 0) throw new RangeError(`reshape: only one dim can be -1, got ${fmtShape(shape)}`);
    const rest = shapeSize(s.filter((_, i) => i !== free), 'reshape');
    if (rest === 0 || x.size % rest !== 0) {
      throw new RangeError(`reshape: shape ${fmtShape(shape)} is invalid for input of size ${x.size}`);
    }
    s[free] = x.size / rest;
  }
  if (shapeSize(s, 'reshape') !== x.size) {
    throw new RangeError(`reshape: shape ${fmtShape(shape)} is invalid for input of shape ${fmtShape(x.shape)} (size ${x.size})`);
  }
  return result(x.data, s, 'reshape', [x], (g) => [g]);
}

/** Flatten dims startDim..endDim into one (nn.Flatten's default is startDim = 1). */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const a = normDim('flatten', startDim, x.ndim), b = normDim('flatten', endDim, x.ndim);
  if (a > b) throw new RangeError(`flatten: startDim ${startDim} comes after endDim ${endDim}`);
  const mid = x.shape.slice(a, b + 1).reduce((p, q) => p * q, 1);
  return reshape(x, [...x.shape.slice(0, a), mid, ...x.shape.slice(b + 1)]);
}

function swap(data: Float32Array, shape: readonly number[], d0: number, d1: number): Float32Array {
  const pre = shape.slice(0, d0).reduce((p, q) => p * q, 1);
  const n0 = shape[d0], n1 = shape[d1];
  const mid = shape.slice(d0 + 1, d1).reduce((p, q) => p * q, 1);
  const post = shape.slice(d1 + 1).reduce((p, q) => p * q, 1);
  const out = new Float32Array(data.length);
  let o = 0;
  // output order: [pre, n1, mid, n0, post]
  for (let p = 0; p < pre; p++) for (let j = 0; j < n1; j++) for (let m = 0; m < mid; m++)
    for (let i = 0; i < n0; i++) {
      const src = ((((p * n0 + i) * mid + m) * n1 + j) * post);
      for (let q = 0; q < post; q++) out[o++] = data[src + q];
    }
  return out;
}

/** Swap two dims (a contiguous copy; `transpose(x, 0, 1)` of a matrix is its transpose). */
export function transpose(x: Tensor, dim0 = 0, dim1 = 1): Tensor {
  let a = normDim('transpose', dim0, x.ndim), b = normDim('transpose', dim1, x.ndim);
  if (a === b || x.ndim < 2) return reshape(x, x.shape);
  if (a > b) [a, b] = [b, a];
  const shape = x.shape.slice();
  [shape[a], shape[b]] = [shape[b], shape[a]];
  const out = swap(x.data, x.shape, a, b);
  return result(out, shape, 'transpose', [x], (g) => [swap(g, shape, a, b)]);
}
