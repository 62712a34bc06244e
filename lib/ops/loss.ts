/** Softmax, log-softmax and the losses, mean-reduced as PyTorch by default. */
import { B } from '../backend/index.js';
import { result } from '../autograd.js';
import { Tensor, fmtShape } from '../tensor.js';
import { mean, sum } from './reduce.js';
import { mul, sub } from './elementwise.js';
import { normDim, splitAt } from './util.js';
import { options } from '../options.js';

function softmaxOp(name: string, x: Tensor, dim: number, log: boolean): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${name}: expected a Tensor`);
  const k = normDim(name, dim, x.ndim);
  const [outer, d, inner] = splitAt(x.shape, k);
  const y = new Float32Array(x.size);
  B().softmax(x.data, outer, d, inner, y, log);
  return result(y, x.shape, name, [x], (g) => {
    const gx = new Float32Array(x.size);
    B().softmaxBackward(y, g, outer, d, inner, gx, log);
    return [gx];
  }, { inputs: [], output: true });
}

/** exp(x - max) / Σ exp(x - max) along dim: stable for large logits. */
export const softmax = (x: Tensor, dim = -1): Tensor => softmaxOp('softmax', x, dim, false);
/** (x - max) - log Σ exp(x - max) along dim. */
export const logSoftmax = (x: Tensor, dim = -1): Tensor => softmaxOp('logSoftmax', x, dim, true);

export type Reduction = 'mean' | 'sum' | 'none';
export type Target = Tensor | Int32Array | readonly number[];

/** Class indices as Int32Array, checked to be integers in [0, C). */
function classIndices(op: string, target: Target, N: number, C: number): Int32Array {
  let vals: ArrayLike<number>;
  if (target instanceof Tensor) vals = target.data;
  else if (target instanceof Int32Array || Array.isArray(target)) vals = target;
  else throw new TypeError(`${op}: target must be class indices (number[], Int32Array or a Tensor)`);
  if (vals.length !== N) throw new RangeError(`${op}: target has ${vals.length} entries, input has ${N} rows`);
  const out = new Int32Array(N);
  for (let i = 0; i < N; i++) {
    const t = vals[i];
    if (!Number.isInteger(t) || t < 0 || t >= C) {
      throw new RangeError(`${op}: target ${t} at position ${i} is out of bounds for ${C} classes`);
    }
    out[i] = t;
  }
  return out;
}

function rows(op: string, x: Tensor): [number, number] {
  if (x.ndim === 2) return [x.shape[0], x.shape[1]];
  if (x.ndim === 1) return [1, x.shape[0]];
  throw new RangeError(`${op}: input must be [N, C] (or [C]), got ${fmtShape(x.shape)}`);
}

function checkReduction(op: string, r: Reduction): void {
  if (r !== 'mean' && r !== 'sum' && r !== 'none') {
    throw new RangeError(`${op}: reduction must be 'mean', 'sum' or 'none', got '${String(r)}'`);
  }
}

export interface LossOptions { reduction?: Reduction }
const LOSS_KEYS = ['reduction'] as const;
/** PyTorch options of the class-index losses that are not implemented yet: an error, not a silent no-op. */
const NOT_YET_CLASS = ['weight', 'ignoreIndex', 'labelSmoothing', 'sizeAverage', 'reduce'] as const;
const NOT_YET_BCE = ['weight', 'posWeight', 'sizeAverage', 'reduce'] as const;
const NOT_YET_MSE = ['sizeAverage', 'reduce'] as const;

/** A loss's options checked (keys, then the reduction); returns the reduction. */
function lossReduction(op: string, opts: unknown, notYet: readonly string[]): Reduction {
  const r = options<LossOptions>(op, opts, LOSS_KEYS, notYet).reduction ?? 'mean';
  checkReduction(op, r);
  return r;
}

/** Softmax cross-entropy of logits [N, C] against class indices; one fused kernel for the mean. */
export function crossEntropy(logits: Tensor, target: Target, opts?: LossOptions): Tensor {
  const reduction = lossReduction('crossEntropy', opts, NOT_YET_CLASS);
  const [N, C] = rows('crossEntropy', logits);
  const t = classIndices('crossEntropy', target, N, C);
  if (reduction !== 'mean') return nllLoss(logSoftmax(logits, -1), t, { reduction });
  const grad = logits.requiresGrad ? new Float32Array(logits.size) : null;
  const loss = B().crossEntropy(logits.data, N, C, t, grad);
  return result(new Float32Array([loss]), [], 'crossEntropy', [logits], (g) => {
    const gx = grad!.slice();
    if (g[0] !== 1) for (let i = 0; i < gx.length; i++) gx[i] *= g[0];
    return [gx];
  }, { inputs: [] });
}

/** Negative log-likelihood of log-probabilities [N, C] at the target classes. */
export function nllLoss(logProbs: Tensor, target: Target, opts?: LossOptions): Tensor {
  const reduction = lossReduction('nllLoss', opts, NOT_YET_CLASS);
  const [N, C] = rows('nllLoss', logProbs);
  const t = classIndices('nllLoss', target, N, C);
  const per = new Float32Array(N);
  const lp = logProbs.data;
  for (let i = 0; i < N; i++) per[i] = -lp[i * C + t[i]];
  const scale = reduction === 'mean' ? 1 / N : 1;
  let out: Float32Array;
  if (reduction === 'none') out = per;
  else { let s = 0; for (let i = 0; i < N; i++) s += per[i]; out = new Float32Array([s * scale]); }
  // one sample [C] gives a 0-d loss even unreduced, as torch
  const shape = reduction === 'none' && logProbs.ndim === 2 ? [N] : [];
  return result(out, shape, 'nllLoss', [logProbs], (g) => {
    const gx = new Float32Array(logProbs.size);
    for (let i = 0; i < N; i++) gx[i * C + t[i]] = -(reduction === 'none' ? g[i] : g[0] * scale);
    return [gx];
  }, { inputs: [] });
}

function sameShape(op: string, a: Tensor, b: Tensor): void {
  if (a.ndim !== b.ndim || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new RangeError(`${op}: input ${fmtShape(a.shape)} and target ${fmtShape(b.shape)} must have the same shape`);
  }
}

function reduce(x: Tensor, r: Reduction): Tensor {
  return r === 'mean' ? mean(x) : r === 'sum' ? sum(x) : x;
}

/** Mean squared error. */
export function mseLoss(input: Tensor, target: Tensor, opts?: LossOptions): Tensor {
  const reduction = lossReduction('mseLoss', opts, NOT_YET_MSE);
  sameShape('mseLoss', input, target);
  const d = sub(input, target);
  return reduce(mul(d, d), reduction);
}

/** Binary cross-entropy on logits: max(x,0) - x·y + log(1 + e^-|x|), stable for any x. */
export function binaryCrossEntropyWithLogits(logits: Tensor, target: Tensor, opts?: LossOptions): Tensor {
  const reduction = lossReduction('binaryCrossEntropyWithLogits', opts, NOT_YET_BCE);
  sameShape('binaryCrossEntropyWithLogits', logits, target);
  const n = logits.size;
  const per = new Float32Array(n);
  const x = logits.data, y = target.data;
  for (let i = 0; i < n; i++) per[i] = Math.max(x[i], 0) - x[i] * y[i] + Math.log1p(Math.exp(-Math.abs(x[i])));
  const perT = result(per, logits.shape, 'binaryCrossEntropyWithLogits', [logits, target], (g) => {
    const gx = new Float32Array(n);
    const gy = target.requiresGrad ? new Float32Array(n) : null;
    for (let i = 0; i < n; i++) {
      gx[i] = g[i] * (1 / (1 + Math.exp(-x[i])) - y[i]);
      if (gy) gy[i] = -g[i] * x[i];
    }
    return [gx, gy];
  });
  return reduce(perT, reduction);
}
