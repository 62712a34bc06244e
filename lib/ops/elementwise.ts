/**
 * Elementwise ops: forward through the backend, backward side by side with it. Binary ops
 * broadcast as NumPy does; their gradients are summed back to each input's shape.
 */
import { B } from '../backend/index.js';
import { Binary, Unary, type BinaryId, type UnaryId } from '../backend/types.js';
import { result, type Saves } from '../autograd.js';
import { Tensor } from '../tensor.js';
import { asTensor, broadcastShapes, padShape, sumToShape, unfilledArray, type TensorLike } from './util.js';

function binaryOp(name: string, op: BinaryId, xa: TensorLike, xb: TensorLike,
  grads: (g: Float32Array, a: Tensor, b: Tensor, n: number) => [Float32Array | null, Float32Array | null],
  saves?: Saves): Tensor {
  const a = asTensor(xa, name), b = asTensor(xb, name);
  const shape = broadcastShapes(name, a.shape, b.shape);
  const n = shape.reduce((x, y) => x * y, 1);
  const out = unfilledArray(n); // the kernel writes every element
  B().binary(op, a.data, padShape(a.shape, shape.length), b.data, padShape(b.shape, shape.length), out, shape);
  return result(out, shape, name, [a, b], (g) => {
    const [ga, gb] = grads(g, a, b, n);
    return [
      ga && a.requiresGrad ? sumToShape(ga, shape, a.shape) : null,
      gb && b.requiresGrad ? sumToShape(gb, shape, b.shape) : null,
    ];
  }, saves);
}

/** b broadcast to the output shape, as a buffer (for gradients that need the other operand). */
function expand(t: Tensor, shape: number[], n: number): Float32Array {
  if (t.size === n) return t.data;
  const out = unfilledArray(n);
  const zero = new Float32Array(1);
  B().binary(Binary.add, t.data, padShape(t.shape, shape.length), zero, shape.map(() => 1), out, shape);
  return out;
}

function mulBuf(x: Float32Array, y: Float32Array, shape: number[]): Float32Array {
  const out = unfilledArray(x.length);
  B().binary(Binary.mul, x, shape, y, shape, out, shape);
  return out;
}

/**
 * `a + b` with broadcasting (torch.add); numbers allowed. Method form: `a.add(b)`.
 * @example
 * ```js
 * import { add, tensor } from 'neurite';
 * console.log(add(tensor([1, 2]), 1).toArray(), add(tensor([[1], [2]]), tensor([10, 20])).toArray()); // [ 2, 3 ] [ [ 11, 21 ], [ 12, 22 ] ] (broadcast)
 * ```
 */
export function add(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp('add', Binary.add, a, b, (g) => [g, g], NONE);
}

/**
 * `a - b` with broadcasting (torch.sub); numbers allowed. Method form: `a.sub(b)`.
 * @example
 * ```js
 * import { sub, tensor } from 'neurite';
 * console.log(sub(tensor([5, 7]), tensor([1, 2])).toArray()); // [ 4, 5 ]  (torch.sub(a, b) / a - b)
 * ```
 */
export function sub(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp('sub', Binary.sub, a, b, (g, _a, bt) => [g, bt.requiresGrad ? scaled(g, -1) : null], NONE);
}

/**
 * `a * b` elementwise with broadcasting (torch.mul); numbers allowed. Method form: `a.mul(b)`.
 * @example
 * ```js
 * import { mul, tensor } from 'neurite';
 * console.log(mul(tensor([1, 2, 3]), 2).toArray()); // [ 2, 4, 6 ]  (torch.mul(a, 2))
 * ```
 */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  const at = asTensor(a, 'mul'), bt = asTensor(b, 'mul');
  return binaryOp('mul', Binary.mul, at, bt, (g, _a, _b, n) => {
    const shape = broadcastShapes('mul', at.shape, bt.shape);
    return [
      at.requiresGrad ? mulBuf(g, expand(bt, shape, n), shape) : null,
      bt.requiresGrad ? mulBuf(g, expand(at, shape, n), shape) : null,
    ];
  }, savedOperands(at, bt, false)); // as PyTorch: each operand is saved only for the other's gradient
}

/** The operands a product (or, with `quotient`, a quotient) saves: a for b's gradient, b for a's (and a's too for a quotient). */
function savedOperands(at: Tensor, bt: Tensor, quotient: boolean): Saves {
  const inputs: number[] = [];
  if (bt.requiresGrad) inputs.push(0);
  if (at.requiresGrad || (quotient && bt.requiresGrad)) inputs.push(1);
  return { inputs };
}

/**
 * `a / b` with broadcasting (torch.div); numbers allowed. Method form: `a.div(b)`.
 * @example
 * ```js
 * import { div, tensor } from 'neurite';
 * console.log(div(tensor([1, 3]), tensor([2, 4])).toArray()); // [ 0.5, 0.75 ]  (a / b)
 * ```
 */
export function div(a: TensorLike, b: TensorLike): Tensor {
  const at = asTensor(a, 'div'), bt = asTensor(b, 'div');
  return binaryOp('div', Binary.div, at, bt, (g, _a, _b, n) => {
    const shape = broadcastShapes('div', at.shape, bt.shape);
    const bb = expand(bt, shape, n);
    const ga = new Float32Array(n);
    B().binary(Binary.div, g, shape, bb, shape, ga, shape); // g / b
    let gb: Float32Array | null = null;
    if (bt.requiresGrad) { // -g * ((a / b) / b), rounded as PyTorch 1.13's div_tensor_other_backward
      const ab = new Float32Array(n);
      B().binary(Binary.div, expand(at, shape, n), shape, bb, shape, ab, shape);
      B().binary(Binary.div, ab, shape, bb, shape, ab, shape);
      gb = mulBuf(g, ab, shape);
      B().unary(Unary.neg, gb, gb, n, 0, 0);
    }
    return [at.requiresGrad ? ga : null, gb];
  }, savedOperands(at, bt, true));
}

function scaled(g: Float32Array, s: number): Float32Array {
  const out = new Float32Array(g.length);
  // s = -1 as neg: x·(-1) + 0 would turn PyTorch's -grad = -0 into +0
  if (s === -1) B().unary(Unary.neg, g, out, g.length, 0, 0);
  else B().unary(Unary.scale, g, out, g.length, s, 0);
  return out;
}

/** What a backward reads: nothing, its input, its output (PyTorch's version check). */
const NONE: Saves = { inputs: [] };
const INPUT: Saves = { inputs: [0] };
const OUTPUT: Saves = { inputs: [], output: true };

function unaryOp(name: string, op: UnaryId, x: Tensor, p: number, q: number,
  grad: (g: Float32Array, x: Float32Array, y: Float32Array) => Float32Array, saves: Saves = INPUT): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${name}: expected a Tensor`);
  const y = unfilledArray(x.size); // the kernel writes every element
  const xd = x.data;
  B().unary(op, xd, y, x.size, p, q);
  return result(y, x.shape, name, [x], (g) => [grad(g, xd, y)], saves);
}

function mulInto(a: Float32Array, b: Float32Array): Float32Array {
  const s = [a.length];
  return mulBuf(a, b, s);
}

/**
 * `-x` (torch.neg).
 * @example
 * ```js
 * import { neg, tensor } from 'neurite';
 * console.log(neg(tensor([1, -2])).toArray()); // [ -1, 2 ]
 * ```
 */
export function neg(x: Tensor): Tensor {
  return unaryOp('neg', Unary.neg, x, 0, 0, (g) => scaled(g, -1), NONE);
}
/**
 * `e^x` elementwise (torch.exp).
 * @example
 * ```js
 * import { exp, tensor } from 'neurite';
 * console.log(exp(tensor([0, 1])).toArray()); // [ 1, 2.7182817459106445 ]
 * ```
 */
export function exp(x: Tensor): Tensor {
  return unaryOp('exp', Unary.exp, x, 0, 0, (g, _x, y) => mulInto(g, y), OUTPUT);
}
/**
 * Natural logarithm elementwise (torch.log); log(0) = -Infinity, log(x<0) = NaN.
 * @example
 * ```js
 * import { log, tensor } from 'neurite';
 * console.log(log(tensor([1, Math.E])).toArray()); // [ 0, 0.9999999403953552 ] (float32)
 * ```
 */
export function log(x: Tensor): Tensor {
  return unaryOp('log', Unary.log, x, 0, 0, (g, xd) => {
    const out = new Float32Array(g.length);
    B().binary(Binary.div, g, [g.length], xd, [g.length], out, [g.length]);
    return out;
  });
}
/**
 * Square root elementwise (torch.sqrt).
 * @example
 * ```js
 * import { sqrt, tensor } from 'neurite';
 * console.log(sqrt(tensor([4, 9])).toArray()); // [ 2, 3 ]
 * ```
 */
export function sqrt(x: Tensor): Tensor {
  return unaryOp('sqrt', Unary.sqrt, x, 0, 0, (g, _x, y) => {
    const out = new Float32Array(g.length);
    B().binary(Binary.div, g, [g.length], y, [g.length], out, [g.length]);
    B().unary(Unary.scale, out, out, g.length, 0.5, 0);
    return out;
  }, OUTPUT);
}
/**
 * Absolute value elementwise (torch.abs).
 * @example
 * ```js
 * import { abs, tensor } from 'neurite';
 * console.log(abs(tensor([-1.5, 2])).toArray()); // [ 1.5, 2 ]
 * ```
 */
export function abs(x: Tensor): Tensor {
  // d|x| = g·sgn(x) with PyTorch's sgn: 0 at ±0 and at NaN (a NaN input gets a zero gradient)
  return unaryOp('abs', Unary.abs, x, 0, 0, (g, xd) => {
    const out = new Float32Array(g.length);
    for (let i = 0; i < g.length; i++) out[i] = xd[i] > 0 ? g[i] : xd[i] < 0 ? -g[i] : g[i] * 0;
    return out;
  });
}

/**
 * x^p into `out` as PyTorch 1.13 computes it: 0.5, -0.5, -1, 2, 3 and -2 are sqrt, 1/sqrt,
 * 1/x, x·x, x·x·x and 1/(x·x) in float32 (so pow(-inf, 0.5) is NaN and pow(-0, -0.5) is -inf,
 * unlike IEEE pow), any other exponent is pow.
 */
function powInto(x: Float32Array, p: number, out: Float32Array): void {
  const n = x.length, sh = [n];
  if (p === 0.5 || p === -0.5) {
    B().unary(Unary.sqrt, x, out, n, 0, 0);
    if (p < 0) B().unary(Unary.recip, out, out, n, 0, 0);
  } else if (p === -1) {
    B().unary(Unary.recip, x, out, n, 0, 0);
  } else if (p === 2 || p === 3 || p === -2) {
    const sq = p === 3 ? new Float32Array(n) : out; // binary kernels never write over an input
    B().binary(Binary.mul, x, sh, x, sh, sq, sh);
    if (p === 3) B().binary(Binary.mul, sq, sh, x, sh, out, sh);
    if (p === -2) B().unary(Unary.recip, out, out, n, 0, 0);
  } else {
    B().unary(Unary.pow, x, out, n, p, 0);
  }
}

/**
 * x ** p for a number p; the gradient is p·x^(p-1)·g, and exactly 0 when p = 0 (as PyTorch).
 * @example
 * ```js
 * import { pow, tensor } from 'neurite';
 * console.log(pow(tensor([2, 3]), 2).toArray()); // [ 4, 9 ]  (torch.pow(x, 2) / x ** 2)
 * ```
 */
export function pow(x: Tensor, p: number): Tensor {
  if (typeof p !== 'number') throw new TypeError('pow: the exponent must be a number');
  if (!(x instanceof Tensor)) throw new TypeError('pow: expected a Tensor');
  const y = new Float32Array(x.size);
  const xd = x.data;
  powInto(xd, p, y);
  return result(y, x.shape, 'pow', [x], (g) => {
    const d = new Float32Array(g.length);
    if (p === 0) return [d];
    powInto(xd, p - 1, d);
    B().unary(Unary.scale, d, d, g.length, p, 0);
    return [mulInto(g, d)];
  });
}
/**
 * Clamp into [min, max]; either bound may be omitted. The gradient passes where min <= x <= max.
 * With min > max every element becomes max (NaN stays NaN) and no gradient passes, as torch.
 * @example
 * ```js
 * import { clamp, tensor } from 'neurite';
 * const x = tensor([-2, 0.5, 3]);
 * console.log(clamp(x, 0, 1).toArray(), clamp(x, null, 1).toArray()); // [ 0, 0.5, 1 ] [ -2, 0.5, 1 ]  (torch.clamp(x, max=1))
 * ```
 */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  const lo = min ?? -Infinity, hi = max ?? Infinity;
  return unaryOp('clamp', Unary.clamp, x, lo > hi ? hi : lo, hi, (g, xd) => {
    const out = new Float32Array(g.length);
    for (let i = 0; i < g.length; i++) out[i] = xd[i] >= lo && xd[i] <= hi ? g[i] : 0;
    return out;
  });
}

/** Elementwise comparisons: 1 where true, 0 where false (no gradient), as float masks. */
function compare(name: string, a: Tensor, b: TensorLike, f: (x: number, y: number) => boolean): Tensor {
  const bt = asTensor(b, name);
  const shape = broadcastShapes(name, a.shape, bt.shape);
  const n = shape.reduce((x, y) => x * y, 1);
  const ea = expand(a, shape, n), eb = expand(bt, shape, n);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = f(ea[i], eb[i]) ? 1 : 0;
  return new Tensor(out, shape);
}
/**
 * `a == b` with broadcasting (torch.eq): a float32 0/1 mask, not bool.
 * @example
 * ```js
 * import { eq, tensor } from 'neurite';
 * console.log(eq(tensor([1, 2]), 2).toArray()); // [ 0, 1 ]  (torch.eq; neurite's booleans are float32 0/1)
 * ```
 */
export const eq = (a: Tensor, b: TensorLike): Tensor => compare('eq', a, b, (x, y) => x === y);
/**
 * `a != b` with broadcasting (torch.ne): a float32 0/1 mask.
 * @example
 * ```js
 * import { ne, tensor } from 'neurite';
 * console.log(ne(tensor([1, 2]), tensor([1, 3])).toArray()); // [ 0, 1 ]
 * ```
 */
export const ne = (a: Tensor, b: TensorLike): Tensor => compare('ne', a, b, (x, y) => x !== y);
/**
 * `a > b` with broadcasting (torch.gt): a float32 0/1 mask.
 * @example
 * ```js
 * import { gt, tensor } from 'neurite';
 * console.log(gt(tensor([1, 2, 3]), 2).toArray()); // [ 0, 0, 1 ]
 * ```
 */
export const gt = (a: Tensor, b: TensorLike): Tensor => compare('gt', a, b, (x, y) => x > y);
/**
 * `a >= b` with broadcasting (torch.ge): a float32 0/1 mask.
 * @example
 * ```js
 * import { ge, tensor } from 'neurite';
 * console.log(ge(tensor([1, 2, 3]), 2).toArray()); // [ 0, 1, 1 ]
 * ```
 */
export const ge = (a: Tensor, b: TensorLike): Tensor => compare('ge', a, b, (x, y) => x >= y);
/**
 * `a < b` with broadcasting (torch.lt): a float32 0/1 mask.
 * @example
 * ```js
 * import { lt, tensor } from 'neurite';
 * console.log(lt(tensor([1, 2, 3]), 2).toArray()); // [ 1, 0, 0 ]
 * ```
 */
export const lt = (a: Tensor, b: TensorLike): Tensor => compare('lt', a, b, (x, y) => x < y);
/**
 * `a <= b` with broadcasting (torch.le): a float32 0/1 mask.
 * @example
 * ```js
 * import { le, tensor } from 'neurite';
 * console.log(le(tensor([1, 2, 3]), 2).toArray()); // [ 1, 1, 0 ]
 * ```
 */
export const le = (a: Tensor, b: TensorLike): Tensor => compare('le', a, b, (x, y) => x <= y);

/**
 * |a - b| <= atol + rtol * |b| everywhere, as torch.allclose.
 * @example
 * ```js
 * import { allclose, tensor } from 'neurite';
 * console.log(allclose(tensor([1, 2]), tensor([1, 2 + 1e-7])), allclose(tensor([1]), tensor([1.1]), 0, 0.2)); // true true  (rtol, atol)
 * ```
 */
export function allclose(a: Tensor, b: Tensor, rtol = 1e-5, atol = 1e-8): boolean {
  const shape = broadcastShapes('allclose', a.shape, b.shape);
  const n = shape.reduce((x, y) => x * y, 1);
  const ea = expand(a, shape, n), eb = expand(b, shape, n);
  for (let i = 0; i < n; i++) {
    if (!(Math.abs(ea[i] - eb[i]) <= atol + rtol * Math.abs(eb[i]))) {
      if (!(ea[i] === eb[i])) return false;
    }
  }
  return true;
}

