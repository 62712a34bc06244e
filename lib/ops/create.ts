/** Tensor constructors: from data, constants, ranges and the seeded random generator. */
import { Tensor, shapeSize, fmtShape, type NestedArray, type Shape } from '../tensor.js';
import { fillPermutation, normal, uniform } from '../random.js';
import { isPlainObject, options } from '../options.js';
import { checkIndexable } from './util.js';

export interface TensorOptions { requiresGrad?: boolean }
const TENSOR_KEYS = ['requiresGrad'] as const;

/** Check a creation function's options and return requiresGrad. */
function requiresGrad(op: string, opts: unknown): boolean {
  const o = options<TensorOptions>(op, opts, TENSOR_KEYS);
  if (o.requiresGrad !== undefined && typeof o.requiresGrad !== 'boolean') {
    throw new TypeError(`${op}: requiresGrad must be a boolean, got ${typeof o.requiresGrad}`);
  }
  return o.requiresGrad ?? false;
}

/** A size argument list as PyTorch takes it: varargs `(2, 3)` or one array `([2, 3])`, then optional options. */
export type SizeArgs = [shape: Shape, opts?: TensorOptions] | [...dims: number[]] | [...dims: number[], opts: TensorOptions];

/**
 * Split PyTorch-style size arguments into a shape and an options object:
 * `(2, 3)`, `([2, 3])`, `(2, 3, { requiresGrad })`, `([2, 3], { requiresGrad })`.
 */
export function sizeArgs(op: string, args: readonly unknown[]): { shape: number[]; opts: unknown } {
  let rest = args;
  let opts: unknown;
  if (rest.length > 0 && (isPlainObject(rest[rest.length - 1]) || rest[rest.length - 1] === undefined)) {
    opts = rest[rest.length - 1];
    rest = rest.slice(0, -1);
  }
  if (rest.length === 0) throw new TypeError(`${op}: a size is required, as ${op}(2, 3) or ${op}([2, 3]) (${op}([]) for a 0-d tensor)`);
  let dims: unknown[];
  if (rest.length === 1 && (Array.isArray(rest[0]) || ArrayBuffer.isView(rest[0]))) dims = Array.from(rest[0] as ArrayLike<unknown>);
  else dims = rest.slice();
  for (const d of dims) {
    // non-numbers are a TypeError here; negative or fractional dims a RangeError from shapeSize
    if (typeof d !== 'number') {
      throw new TypeError(`${op}: size must be integers, as ${op}(2, 3) or ${op}([2, 3]), got ${fmtArg(d)} in (${args.map(fmtArg).join(', ')})`);
    }
  }
  return { shape: dims as number[], opts };
}

function fmtArg(a: unknown): string {
  if (Array.isArray(a)) return `[${a.map(fmtArg).join(', ')}]`;
  if (typeof a === 'string') return `'${a}'`;
  if (isPlainObject(a)) return '{...}';
  return typeof a === 'object' && a !== null ? (a.constructor?.name ?? 'object') : String(a);
}

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
 * @example
 * ```js
 * import { tensor } from 'neurite';
 * const x = tensor([[1, 2], [3, 4]], { requiresGrad: true }); // torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
 * const y = tensor([1, 2, 3, 4, 5, 6], [2, 3]); // flat data and a shape
 * console.log(x.shape, y.shape); // [ 2, 2 ] [ 2, 3 ]
 * ```
 */
export function tensor(data: NestedArray | Float32Array | ArrayLike<number>, shape?: Shape | TensorOptions,
  opts?: TensorOptions): Tensor {
  // tensor(data, { requiresGrad }) as torch.tensor(data, requires_grad=True)
  if (isPlainObject(shape)) {
    if (opts !== undefined) throw new TypeError('tensor: pass (data, shape, options) or (data, options), not two options objects');
    opts = shape as TensorOptions;
    shape = undefined;
  }
  if (shape !== undefined && shape !== null && !Array.isArray(shape)) {
    throw new TypeError(`tensor: shape must be an array of dims such as [2, 3], got ${typeof shape}`);
  }
  const rg = requiresGrad('tensor', opts);
  shape = (shape ?? undefined) as Shape | undefined;
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
  return new Tensor(buf, sh, rg);
}

function make(shape: Shape, opts: unknown, fill: (buf: Float32Array) => void, op: string): Tensor {
  const rg = requiresGrad(op, opts);
  const buf = new Float32Array(shapeSize(shape, op));
  fill(buf);
  return new Tensor(buf, shape, rg);
}

function sized(op: string, args: readonly unknown[], fill: (buf: Float32Array) => void): Tensor {
  const { shape, opts } = sizeArgs(op, args);
  return make(shape, opts, fill, op);
}

/**
 * Zeros of a size given as varargs or one array: `zeros(2, 3)`, `zeros([2, 3], { requiresGrad: true })`.
 * @example
 * ```js
 * import { zeros } from 'neurite';
 * console.log(zeros(2, 3).shape, zeros([4], { requiresGrad: true }).requiresGrad); // [ 2, 3 ] true  (torch.zeros(2, 3))
 * ```
 */
export function zeros(...size: SizeArgs): Tensor {
  return sized('zeros', size, () => undefined);
}
/**
 * Ones, sized as zeros.
 * @example
 * ```js
 * import { ones } from 'neurite';
 * console.log(ones(2, 2).toArray()); // [ [ 1, 1 ], [ 1, 1 ] ]  (torch.ones(2, 2))
 * ```
 */
export function ones(...size: SizeArgs): Tensor {
  return sized('ones', size, (b) => b.fill(1));
}
/**
 * A constant: `full([2, 3], 7)`, as torch.full (the size is one array, then the value).
 * @example
 * ```js
 * import { full } from 'neurite';
 * console.log(full([2, 2], 7).toArray()); // [ [ 7, 7 ], [ 7, 7 ] ]  (torch.full((2, 2), 7.))
 * ```
 */
export function full(shape: Shape, value: number, opts?: TensorOptions): Tensor {
  if (!Array.isArray(shape) && !ArrayBuffer.isView(shape)) {
    throw new TypeError(`full: size must be an array of dims such as full([2, 3], ${typeof value === 'number' ? value : 'value'}), got ${fmtArg(shape)}`);
  }
  if (typeof value !== 'number') throw new TypeError(`full: fill value must be a number, got ${fmtArg(value)}`);
  const { shape: sh } = sizeArgs('full', [shape]);
  return make(sh, opts, (b) => b.fill(value), 'full');
}
/**
 * Standard normal samples from the seeded generator, sized as zeros.
 * @example
 * ```js
 * import { manualSeed, randn } from 'neurite';
 * manualSeed(0);
 * console.log(randn(3, 4).shape); // [ 3, 4 ]  (torch.manual_seed(0); torch.randn(3, 4))
 * ```
 */
export function randn(...size: SizeArgs): Tensor {
  return sized('randn', size, (b) => { for (let i = 0; i < b.length; i++) b[i] = normal(); });
}
/**
 * Uniform samples in [0, 1) from the seeded generator, sized as zeros.
 * @example
 * ```js
 * import { rand } from 'neurite';
 * const u = rand(1000);
 * console.log(u.min().item() >= 0, u.max().item() < 1); // true true  (torch.rand(1000))
 * ```
 */
export function rand(...size: SizeArgs): Tensor {
  return sized('rand', size, (b) => { for (let i = 0; i < b.length; i++) b[i] = uniform(); });
}
/**
 * [start, end) in steps, as torch.arange (arange(n) is 0..n-1).
 * @example
 * ```js
 * import { arange } from 'neurite';
 * console.log(arange(5).toArray(), arange(1, 2, 0.25).toArray()); // [ 0, 1, 2, 3, 4 ] [ 1, 1.25, 1.5, 1.75 ]
 * ```
 */
export function arange(start: number, end?: number, step = 1, opts?: TensorOptions): Tensor {
  if (end === undefined) { end = start; start = 0; }
  for (const [k, v] of [['start', start], ['end', end], ['step', step]] as const) {
    if (typeof v !== 'number') throw new TypeError(`arange: ${k} must be a number, got ${fmtArg(v)}`);
  }
  if (step === 0 || !Number.isFinite(step)) throw new RangeError('arange: step must be a non-zero finite number');
  const n = Math.max(0, Math.ceil((end - start) / step));
  return make([n], opts, (b) => { for (let i = 0; i < n; i++) b[i] = start + i * step; }, 'arange');
}
/**
 * `steps` evenly spaced values from start to end inclusive, as torch.linspace.
 * @example
 * ```js
 * import { linspace } from 'neurite';
 * console.log(linspace(0, 1, 5).toArray()); // [ 0, 0.25, 0.5, 0.75, 1 ]  (torch.linspace(0, 1, 5))
 * ```
 */
export function linspace(start: number, end: number, steps: number, opts?: TensorOptions): Tensor {
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
 * @example
 * ```js
 * import { manualSeed, randperm } from 'neurite';
 * manualSeed(0);
 * console.log(randperm(5).toArray().sort()); // [ 0, 1, 2, 3, 4 ] in a seeded order  (torch.randperm(5))
 * ```
 */
export function randperm(n: number, opts?: TensorOptions): Tensor {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`randperm: n must be a non-negative integer, got ${n}`);
  checkIndexable('randperm', n);
  return make([n], opts, (b) => { fillPermutation(b); }, 'randperm');
}
