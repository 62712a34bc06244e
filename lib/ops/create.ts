/** Tensor constructors: from data, constants, ranges and the seeded random generator. */
import { Tensor, shapeSize, fmtShape, type NestedArray, type Shape } from '../tensor.js';
import { normal, uniform } from '../random.js';
import { checkIndexable } from './util.js';

export interface TensorOptions { requiresGrad?: boolean }

function inferShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let cur: NestedArray = data;
  while (Array.isArray(cur)) { shape.push(cur.length); cur = cur[0]; }
  return shape;
}

function flatten(data: NestedArray, shape: number[], dim: number, out: Float32Array, off: number): number {
  if (dim === shape.length) {
    if (typeof data !== 'number') throw new TypeError('tensor: ragged nested array (rows of different lengths)');
    out[off] = data;
    return off + 1;
  }
  if (!Array.isArray(data) || data.length !== shape[dim]) {
    throw new TypeError(`tensor: ragged nested array: expected ${shape[dim]} items at depth ${dim}`);
  }
  for (const x of data) off = flatten(x, shape, dim + 1, out, off);
  return off;
}

/**
 * A tensor from a number, nested arrays, or a Float32Array (used as the storage, not copied)
 * with an optional shape (default: 1-D).
 */
export function tensor(data: NestedArray | Float32Array | ArrayLike<number>, shape?: Shape,
  opts: TensorOptions = {}): Tensor {
  let buf: Float32Array;
  let sh: number[];
  if (data instanceof Float32Array) {
    buf = data;
    sh = shape ? shape.slice() : [data.length];
  } else if (typeof data === 'number') {
    buf = new Float32Array([data]);
    sh = shape ? shape.slice() : [];
  } else if (Array.isArray(data)) {
    sh = inferShape(data);
    buf = new Float32Array(shapeSize(sh, 'tensor'));
    flatten(data, sh, 0, buf, 0);
    if (shape) {
      if (shapeSize(shape, 'tensor') !== buf.length) {
        throw new RangeError(`tensor: shape ${fmtShape(shape)} does not fit ${buf.length} values`);
      }
      sh = shape.slice();
    }
  } else if (data && typeof (data as ArrayLike<number>).length === 'number') {
    buf = Float32Array.from(data as ArrayLike<number>);
    sh = shape ? shape.slice() : [buf.length];
  } else {
    throw new TypeError(`tensor: expected a number, nested arrays or a Float32Array, got ${typeof data}`);
  }
  if (shapeSize(sh, 'tensor') !== buf.length) {
    throw new RangeError(`tensor: shape ${fmtShape(sh)} does not fit ${buf.length} values`);
  }
  return new Tensor(buf, sh, opts.requiresGrad ?? false);
}

function make(shape: Shape, opts: TensorOptions, fill: (buf: Float32Array) => void, op: string): Tensor {
  const buf = new Float32Array(shapeSize(shape, op));
  fill(buf);
  return new Tensor(buf, shape, opts.requiresGrad ?? false);
}

export function zeros(shape: Shape, opts: TensorOptions = {}): Tensor {
  return make(shape, opts, () => undefined, 'zeros');
}
export function ones(shape: Shape, opts: TensorOptions = {}): Tensor {
  return make(shape, opts, (b) => b.fill(1), 'ones');
}
export function full(shape: Shape, value: number, opts: TensorOptions = {}): Tensor {
  return make(shape, opts, (b) => b.fill(value), 'full');
}
/** Standard normal samples from the seeded generator. */
export function randn(shape: Shape, opts: TensorOptions = {}): Tensor {
  return make(shape, opts, (b) => { for (let i = 0; i < b.length; i++) b[i] = normal(); }, 'randn');
}
/** Uniform samples in [0, 1) from the seeded generator. */
export function rand(shape: Shape, opts: TensorOptions = {}): Tensor {
  return make(shape, opts, (b) => { for (let i = 0; i < b.length; i++) b[i] = uniform(); }, 'rand');
}
/** [start, end) in steps, as torch.arange (arange(n) is 0..n-1). */
export function arange(start: number, end?: number, step = 1, opts: TensorOptions = {}): Tensor {
  if (end === undefined) { end = start; start = 0; }
  if (step === 0 || !Number.isFinite(step)) throw new RangeError('arange: step must be a non-zero finite number');
  const n = Math.max(0, Math.ceil((end - start) / step));
  return make([n], opts, (b) => { for (let i = 0; i < n; i++) b[i] = start + i * step; }, 'arange');
}
/** `steps` evenly spaced values from start to end inclusive, as torch.linspace. */
export function linspace(start: number, end: number, steps: number, opts: TensorOptions = {}): Tensor {
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`linspace: steps must be a non-negative integer, got ${steps}`);
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  // torch fills the first half from start and the second half from end, so both ends are exact
  const half = Math.floor(steps / 2);
  return make([steps], opts, (b) => {
    for (let i = 0; i < steps; i++) b[i] = i < half ? start + step * i : end - step * (steps - 1 - i);
  }, 'linspace');
}
/**
 * A random permutation of 0..n-1 from the seeded generator (Fisher-Yates), as torch.randperm:
 * float32 integers (n <= 2^24, so each is exact). The same seed gives the same permutation;
 * it is not PyTorch's permutation for that seed (the generators differ).
 */
export function randperm(n: number, opts: TensorOptions = {}): Tensor {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`randperm: n must be a non-negative integer, got ${n}`);
  checkIndexable('randperm', n);
  return make([n], opts, (b) => {
    for (let i = 0; i < n; i++) b[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(uniform() * (i + 1));
      const t = b[i]; b[i] = b[j]; b[j] = t;
    }
  }, 'randperm');
}
