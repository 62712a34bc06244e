/** Softmax, log-softmax and the losses, mean-reduced as PyTorch by default. */
import { B } from '../backend/index.js';
import { CeReduction } from '../backend/types.js';
import { result } from '../autograd.js';
import { Tensor, fmtShape } from '../tensor.js';
import { mean, sum } from './reduce.js';
import { abs, add, div, mul, neg, sub } from './elementwise.js';
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

/**
 * exp(x - max) / Σ exp(x - max) along dim: stable for large logits.
 * @example
 * ```js
 * import { softmax, tensor } from 'neurite';
 * console.log(softmax(tensor([[0, Math.log(3)]]), -1).toArray()); // [ [ 0.25, 0.75 ] ]  (torch.softmax(x, dim=-1))
 * ```
 */
export const softmax = (x: Tensor, dim = -1): Tensor => softmaxOp('softmax', x, dim, false);
/**
 * (x - max) - log Σ exp(x - max) along dim.
 * @example
 * ```js
 * import { F, tensor } from 'neurite';
 * console.log(F.logSoftmax(tensor([[0, 0]]), 1).toArray()); // [ [ -0.6931..., -0.6931... ] ]  (F.log_softmax(x, dim=1))
 * ```
 */
export const logSoftmax = (x: Tensor, dim = -1): Tensor => softmaxOp('logSoftmax', x, dim, true);

export type Reduction = 'mean' | 'sum' | 'none';
export type Target = Tensor | Int32Array | readonly number[];

/** Class indices as Int32Array, checked to be integers in [0, C). */
function classIndices(op: string, target: Target, N: number, C: number, ignore = -100): Int32Array {
  let vals: ArrayLike<number>;
  if (target instanceof Tensor) vals = target.data;
  else if (target instanceof Int32Array || Array.isArray(target)) vals = target;
  else throw new TypeError(`${op}: target must be class indices (number[], Int32Array or a Tensor)`);
  if (vals.length !== N) throw new RangeError(`${op}: target has ${vals.length} entries, input has ${N} rows`);
  const out = new Int32Array(N);
  for (let i = 0; i < N; i++) {
    const t = vals[i];
    if (!Number.isInteger(t) || ((t < 0 || t >= C) && t !== ignore)) {
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

export interface LossOptions {
  /** How the per-element losses are combined: their mean, their sum, or none (one loss per element). PyTorch: `reduction`. @defaultValue 'mean' */
  reduction?: Reduction;
}
/** cross-entropy / NLL options, as PyTorch: class weights [C], an ignored class index, label smoothing in [0, 1]. */
export interface ClassLossOptions {
  /** How the per-element losses are combined: their mean, their sum, or none (one loss per element). PyTorch: `reduction`. @defaultValue 'mean' */
  reduction?: Reduction;
  /** A manual rescaling weight: one per class (class losses) or broadcast to the input (binary losses). PyTorch: `weight`. @defaultValue null */
  weight?: Tensor | null;
  /** A target value that is skipped (no loss, no gradient; the mean is over the others). PyTorch: `ignore_index`. @defaultValue -100 */
  ignoreIndex?: number;
  /** Mix the one-hot target with the uniform distribution by this amount (crossEntropy only), in [0, 1]. PyTorch: `label_smoothing`. @defaultValue 0 */
  labelSmoothing?: number;
}
export interface BCEWithLogitsOptions {
  /** How the per-element losses are combined: their mean, their sum, or none (one loss per element). PyTorch: `reduction`. @defaultValue 'mean' */
  reduction?: Reduction;
  /** A manual rescaling weight: one per class (class losses) or broadcast to the input (binary losses). PyTorch: `weight`. @defaultValue null */
  weight?: Tensor | null;
  /** A weight of the positive examples (typically one per class), broadcast to the input. PyTorch: `pos_weight`. @defaultValue null */
  posWeight?: Tensor | null;
}
export interface BCEOptions {
  /** How the per-element losses are combined: their mean, their sum, or none (one loss per element). PyTorch: `reduction`. @defaultValue 'mean' */
  reduction?: Reduction;
  /** A manual rescaling weight: one per class (class losses) or broadcast to the input (binary losses). PyTorch: `weight`. @defaultValue null */
  weight?: Tensor | null;
}
export interface SmoothL1Options {
  /** How the per-element losses are combined: their mean, their sum, or none (one loss per element). PyTorch: `reduction`. @defaultValue 'mean' */
  reduction?: Reduction;
  /** Where the loss turns from quadratic (|d| < beta: 0.5·d²/beta) to linear (|d| - 0.5·beta). PyTorch: `beta`. @defaultValue 1 */
  beta?: number;
}
export interface HuberOptions {
  /** How the per-element losses are combined: their mean, their sum, or none (one loss per element). PyTorch: `reduction`. @defaultValue 'mean' */
  reduction?: Reduction;
  /** Where the loss turns from quadratic (0.5·d²) to linear (delta·(|d| - 0.5·delta)). PyTorch: `delta`. @defaultValue 1 */
  delta?: number;
}
export interface KLDivOptions {
  /** As the other losses, plus 'batchmean' (the sum divided by the batch size: the true KL divergence). PyTorch: `reduction`. @defaultValue 'mean' */
  reduction?: Reduction | 'batchmean';
  /** The target is given as log-probabilities. PyTorch: `log_target`. @defaultValue false */
  logTarget?: boolean;
}
const LOSS_KEYS = ['reduction'] as const;
/** PyTorch's deprecated spellings: an error, not a silent no-op. */
const DEPRECATED = ['sizeAverage', 'reduce'] as const;

/** A loss's options checked (keys, then the reduction); returns the options and the reduction. */
function lossOpts<T extends { reduction?: string }>(op: string, opts: unknown, keys: readonly string[] = LOSS_KEYS): [T, Reduction] {
  const o = options<T>(op, opts, keys, DEPRECATED);
  const r = (o.reduction ?? 'mean') as Reduction;
  checkReduction(op, r);
  return [o, r];
}

/** ignoreIndex: an integer in int32's range (class indices are held as Int32Array). */
function checkIgnore(op: string, ignore: unknown): void {
  if (!Number.isInteger(ignore)) throw new TypeError(`${op}: ignoreIndex must be an integer, got ${String(ignore)}`);
  if ((ignore as number) < -(2 ** 31) || (ignore as number) >= 2 ** 31) throw new RangeError(`${op}: ignoreIndex must be in [-2^31, 2^31), got ${String(ignore)}`);
}

/** Class weights: a 1-D Tensor of C values, or null. */
function classWeight(op: string, w: unknown, C: number): Float32Array | null {
  if (w === undefined || w === null) return null;
  if (!(w instanceof Tensor) || w.ndim !== 1 || w.size !== C) {
    throw new TypeError(`${op}: weight must be a 1-D Tensor of ${C} class weights, got ${w instanceof Tensor ? fmtShape(w.shape) : typeof w}`);
  }
  return w.data;
}

/**
 * Softmax cross-entropy of logits [N, C] (or [C]) against class indices or class
 * probabilities (a Tensor shaped like the logits), with PyTorch's weight, ignoreIndex and
 * labelSmoothing. The plain mean over class indices is one fused kernel.
 * @example
 * ```js
 * import { F, tensor } from 'neurite';
 * const logits = tensor([[2, 0, 0], [0, 2, 0]], { requiresGrad: true });
 * const loss = F.crossEntropy(logits, tensor([0, 1]), { labelSmoothing: 0.1 }); // F.cross_entropy(x, y, label_smoothing=0.1)
 * loss.backward();
 * console.log(loss.item() > 0, logits.grad.shape); // true [ 2, 3 ]
 * ```
 */
export function crossEntropy(logits: Tensor, target: Target, opts?: ClassLossOptions): Tensor {
  const op = 'crossEntropy';
  const [o, reduction] = lossOpts<ClassLossOptions>(op, opts, ['reduction', 'weight', 'ignoreIndex', 'labelSmoothing']);
  const [N, C] = rows(op, logits);
  const eps = o.labelSmoothing ?? 0;
  if (typeof eps !== 'number' || !(eps >= 0 && eps <= 1)) throw new RangeError(`${op}: labelSmoothing must be a number in [0, 1], got ${String(eps)}`);
  const w = classWeight(op, o.weight, C);
  if (target instanceof Tensor && target.ndim === logits.ndim && target.shape.every((d, i) => d === logits.shape[i]) && logits.ndim >= 1
    && !(logits.ndim === 1 && target.size === 1 && C === 1)) {
    if (o.ignoreIndex !== undefined) throw new TypeError(`${op}: ignoreIndex applies to class-index targets, not to class probabilities`);
    // a target or weight requiring grad gets its gradient through the composed ops, as PyTorch
    if (!target.requiresGrad && !(o.weight instanceof Tensor && o.weight.requiresGrad)) return fusedCrossEntropy(logits, null, target.data, w, -100, eps, reduction, N, C);
    return probCrossEntropy(logits, target, w, o.weight ?? null, eps, reduction, N, C);
  }
  const ignore = o.ignoreIndex ?? -100;
  checkIgnore(op, ignore);
  const t = classIndices(op, target, N, C, ignore);
  if (reduction === 'mean' && w === null && eps === 0 && !t.includes(ignore)) {
    const grad = logits.requiresGrad ? new Float32Array(logits.size) : null;
    const loss = B().crossEntropy(logits.data, N, C, t, grad);
    return result(new Float32Array([loss]), [], op, [logits], (g) => {
      const gx = grad!.slice();
      if (g[0] !== 1) for (let i = 0; i < gx.length; i++) gx[i] *= g[0];
      return [gx];
    }, { inputs: [] });
  }
  return fusedCrossEntropy(logits, t, null, w, ignore, eps, reduction, N, C);
}

/**
 * Cross-entropy with every option in one native (or js twin) kernel call: the loss and the
 * gradient for an upstream 1 come out together; backward scales the saved gradient by the
 * upstream value (per row for 'none').
 */
function fusedCrossEntropy(logits: Tensor, t: Int32Array | null, probs: Float32Array | null, w: Float32Array | null,
  ignore: number, eps: number, reduction: Reduction, N: number, C: number): Tensor {
  const grad = logits.requiresGrad ? new Float32Array(N * C) : null;
  const per = reduction === 'none' ? new Float32Array(N) : null;
  const total = B().crossEntropyEx(logits.data, N, C, t, probs, w, ignore, eps, CeReduction[reduction], per, grad);
  // one sample [C] gives a 0-d loss even unreduced, as torch
  const shape = reduction === 'none' && logits.ndim === 2 ? [N] : [];
  return result(per ?? new Float32Array([total]), shape, 'crossEntropy', [logits], (g) => {
    const gx = grad!.slice();
    if (reduction === 'none') {
      for (let i = 0; i < N; i++) { const gi = g[i]; if (gi !== 1) for (let k = i * C; k < (i + 1) * C; k++) gx[k] *= gi; }
    } else if (g[0] !== 1) for (let i = 0; i < gx.length; i++) gx[i] *= g[0];
    return [gx];
  }, { inputs: [] });
}

/** -Σ_c w_c · t_c · logsoftmax(x)_c per row, smoothed targets t·(1 - eps) + eps/C; mean divides by N. */
function probCrossEntropy(x: Tensor, target: Tensor, w: Float32Array | null, wt: Tensor | null, eps: number, reduction: Reduction, N: number, C: number): Tensor {
  const logp = logSoftmax(x, -1);
  const t = eps > 0 ? add(mul(target, 1 - eps), eps / C) : target;
  let prod = mul(logp, t);
  if (w && wt) prod = mul(prod, wt);
  if (reduction === 'none') return neg(sum(prod, -1));
  const total = neg(sum(prod));
  return reduction === 'sum' ? total : div(total, N);
}

/**
 * Negative log-likelihood of log-probabilities [N, C] (or [C]) at the target classes, with weight and ignoreIndex.
 * @example
 * ```js
 * import { F, tensor } from 'neurite';
 * const logp = F.logSoftmax(tensor([[2, 0], [0, 2]]), 1);
 * console.log(F.nllLoss(logp, tensor([0, 1]), { ignoreIndex: -100 }).item()); // 0.1269...  (F.nll_loss(logp, y))
 * ```
 */
export function nllLoss(logProbs: Tensor, target: Target, opts?: ClassLossOptions): Tensor {
  const op = 'nllLoss';
  const [o, reduction] = lossOpts<ClassLossOptions>(op, opts, ['reduction', 'weight', 'ignoreIndex']);
  const [N, C] = rows(op, logProbs);
  const ignore = o.ignoreIndex ?? -100;
  checkIgnore(op, ignore);
  return nllCore(op, logProbs, classIndices(op, target, N, C, ignore), classWeight(op, o.weight, C), ignore, reduction, N, C);
}

function nllCore(op: string, logProbs: Tensor, t: Int32Array, w: Float32Array | null, ignore: number, reduction: Reduction, N: number, C: number): Tensor {
  const per = new Float32Array(N);
  const wi = new Float32Array(N); // each row's weight, 0 when ignored
  const lp = logProbs.data;
  let wsum = 0;
  for (let i = 0; i < N; i++) {
    if (t[i] === ignore) continue;
    wi[i] = w ? w[t[i]] : 1;
    wsum += wi[i];
    per[i] = -wi[i] * lp[i * C + t[i]];
  }
  const scale = reduction === 'mean' ? 1 / Math.fround(wsum) : 1;
  let out: Float32Array;
  if (reduction === 'none') out = per;
  else { let s = 0; for (let i = 0; i < N; i++) s += per[i]; out = new Float32Array([s * scale]); }
  // one sample [C] gives a 0-d loss even unreduced, as torch
  const shape = reduction === 'none' && logProbs.ndim === 2 ? [N] : [];
  return result(out, shape, op, [logProbs], (g) => {
    const gx = new Float32Array(logProbs.size);
    for (let i = 0; i < N; i++) if (t[i] !== ignore) gx[i * C + t[i]] = -wi[i] * (reduction === 'none' ? g[i] : g[0] * scale);
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

/**
 * Mean squared error.
 * @example
 * ```js
 * import { F, tensor } from 'neurite';
 * console.log(F.mseLoss(tensor([1, 2]), tensor([1, 4])).item(), F.mseLoss(tensor([1, 2]), tensor([1, 4]), { reduction: 'sum' }).item()); // 2 4
 * ```
 */
export function mseLoss(input: Tensor, target: Tensor, opts?: LossOptions): Tensor {
  const [, reduction] = lossOpts<LossOptions>('mseLoss', opts);
  sameShape('mseLoss', input, target);
  const d = sub(input, target);
  return reduce(mul(d, d), reduction);
}

/**
 * Mean absolute error.
 * @example
 * ```js
 * import { F, tensor } from 'neurite';
 * console.log(F.l1Loss(tensor([1, 2]), tensor([2, 4])).item()); // 1.5
 * ```
 */
export function l1Loss(input: Tensor, target: Tensor, opts?: LossOptions): Tensor {
  const [, reduction] = lossOpts<LossOptions>('l1Loss', opts);
  sameShape('l1Loss', input, target);
  return reduce(abs(sub(input, target)), reduction);
}

/**
 * An elementwise loss of d = input - target with its derivative, as one graph node. The target's
 * gradient is df at target - input (PyTorch 1.13's derivatives.yaml calls the backward with the
 * arguments swapped), not -df(d): they differ where df is not odd, e.g. smoothL1 beta = 0 at
 * d = 0, where PyTorch gives -1 to both input and target.
 */
function elementwiseLoss(op: string, input: Tensor, target: Tensor, f: (d: number) => number, df: (d: number) => number): Tensor {
  sameShape(op, input, target);
  const n = input.size, x = input.data, y = target.data;
  const per = new Float32Array(n);
  for (let i = 0; i < n; i++) per[i] = f(Math.fround(x[i] - y[i]));
  return result(per, input.shape, op, [input, target], (g) => {
    const gx = new Float32Array(n);
    for (let i = 0; i < n; i++) gx[i] = g[i] * df(Math.fround(x[i] - y[i]));
    let gy: Float32Array | null = null;
    if (target.requiresGrad) {
      gy = new Float32Array(n);
      for (let i = 0; i < n; i++) gy[i] = g[i] * df(Math.fround(y[i] - x[i]));
    }
    return [gx, gy];
  });
}

/**
 * 0.5·d²/beta where |d| < beta, else |d| - 0.5·beta (beta = 0: L1).
 * @example
 * ```js
 * import { F, tensor } from 'neurite';
 * console.log(F.smoothL1Loss(tensor([0, 0]), tensor([0.5, 3]), { beta: 1 }).item()); // 1.3125  (F.smooth_l1_loss(x, y, beta=1.))
 * ```
 */
export function smoothL1Loss(input: Tensor, target: Tensor, opts?: SmoothL1Options): Tensor {
  const op = 'smoothL1Loss';
  const [o, reduction] = lossOpts<SmoothL1Options>(op, opts, ['reduction', 'beta']);
  const beta = o.beta ?? 1;
  if (typeof beta !== 'number' || !(beta >= 0)) throw new RangeError(`${op}: beta must be a number >= 0, got ${String(beta)}`);
  const per = elementwiseLoss(op, input, target,
    (d) => { const z = Math.abs(d); return beta > 0 && z < beta ? 0.5 * d * d / beta : z - 0.5 * beta; },
    (d) => (d <= -beta ? -1 : d >= beta ? 1 : d / beta));
  return reduce(per, reduction);
}

/**
 * 0.5·d² where |d| < delta, else delta·(|d| - 0.5·delta).
 * @example
 * ```js
 * import { F, tensor } from 'neurite';
 * console.log(F.huberLoss(tensor([0, 0]), tensor([0.5, 3]), { delta: 1 }).item()); // 1.3125  (F.huber_loss(x, y, delta=1.))
 * ```
 */
export function huberLoss(input: Tensor, target: Tensor, opts?: HuberOptions): Tensor {
  const op = 'huberLoss';
  const [o, reduction] = lossOpts<HuberOptions>(op, opts, ['reduction', 'delta']);
  const delta = o.delta ?? 1;
  if (typeof delta !== 'number' || !(delta > 0)) throw new RangeError(`${op}: delta must be a number > 0, got ${String(delta)}`);
  const per = elementwiseLoss(op, input, target,
    (d) => { const z = Math.abs(d); return z < delta ? 0.5 * d * d : delta * (z - 0.5 * delta); },
    (d) => (d <= -delta ? -delta : d >= delta ? delta : d));
  return reduce(per, reduction);
}

/** A weight Tensor broadcast to `shape` (right-aligned, as PyTorch), as a flat array; null stays null. */
function broadcastWeight(op: string, name: string, w: unknown, shape: readonly number[]): Float32Array | null {
  if (w === undefined || w === null) return null;
  if (!(w instanceof Tensor)) throw new TypeError(`${op}: ${name} must be a Tensor, got ${typeof w}`);
  const r = shape.length;
  if (w.ndim > r || w.shape.some((d, i) => d !== 1 && d !== shape[r - w.ndim + i])) {
    throw new RangeError(`${op}: ${name} ${fmtShape(w.shape)} cannot be broadcast to the input's ${fmtShape(shape)}`);
  }
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  const ws = [...new Array<number>(r - w.ndim).fill(1), ...w.shape];
  const strides = new Array<number>(r);
  let s = 1;
  for (let i = r - 1; i >= 0; i--) { strides[i] = ws[i] === 1 ? 0 : s; s *= ws[i]; }
  const idx = new Array<number>(r).fill(0);
  for (let k = 0; k < n; k++) {
    let off = 0;
    for (let i = 0; i < r; i++) off += idx[i] * strides[i];
    out[k] = w.data[off];
    for (let i = r - 1; i >= 0; i--) { if (++idx[i] < shape[i]) break; idx[i] = 0; }
  }
  return out;
}

/**
 * Binary cross-entropy on logits, stable for any x: (1 - y)·x + lw·(log(1 + e^-|x|) + max(-x, 0)),
 * lw = 1 + (posWeight - 1)·y; times weight. weight and posWeight broadcast to the input.
 * @example
 * ```js
 * import { F, tensor } from 'neurite';
 * const z = tensor([0, 0]), y = tensor([1, 0]);
 * console.log(F.binaryCrossEntropyWithLogits(z, y, { posWeight: tensor([2]) }).item()); // 1.0397...  (pos_weight=torch.tensor([2.]))
 * ```
 */
export function binaryCrossEntropyWithLogits(logits: Tensor, target: Tensor, opts?: BCEWithLogitsOptions): Tensor {
  const op = 'binaryCrossEntropyWithLogits';
  const [o, reduction] = lossOpts<BCEWithLogitsOptions>(op, opts, ['reduction', 'weight', 'posWeight']);
  sameShape(op, logits, target);
  const w = broadcastWeight(op, 'weight', o.weight, logits.shape);
  const pw = broadcastWeight(op, 'posWeight', o.posWeight, logits.shape);
  const n = logits.size;
  const per = new Float32Array(n);
  const x = logits.data, y = target.data;
  for (let i = 0; i < n; i++) {
    const sp = Math.log1p(Math.exp(-Math.abs(x[i]))) + Math.max(-x[i], 0); // log(1 + e^-x)
    let l = pw ? (1 - y[i]) * x[i] + (1 + (pw[i] - 1) * y[i]) * sp : Math.max(x[i], 0) - x[i] * y[i] + Math.log1p(Math.exp(-Math.abs(x[i])));
    if (w) l *= w[i];
    per[i] = l;
  }
  const perT = result(per, logits.shape, op, [logits, target], (g) => {
    const gx = new Float32Array(n);
    const gy = target.requiresGrad ? new Float32Array(n) : null;
    for (let i = 0; i < n; i++) {
      const sig = 1 / (1 + Math.exp(-x[i]));
      const wi = w ? w[i] : 1;
      if (pw) {
        const t = pw[i] * y[i];
        gx[i] = g[i] * wi * ((t + 1 - y[i]) * sig - t);
        if (gy) gy[i] = g[i] * wi * (-x[i] + (pw[i] - 1) * (Math.log1p(Math.exp(-Math.abs(x[i]))) + Math.max(-x[i], 0)));
      } else {
        gx[i] = g[i] * wi * (sig - y[i]);
        if (gy) gy[i] = -g[i] * wi * x[i];
      }
    }
    return [gx, gy];
  });
  return reduce(perT, reduction);
}

/**
 * Binary cross-entropy on probabilities: -w·(y·log x + (1 - y)·log(1 - x)), the logs clamped at -100 as PyTorch.
 * @example
 * ```js
 * import { F, tensor } from 'neurite';
 * console.log(F.binaryCrossEntropy(tensor([0.5, 0.5]), tensor([1, 0])).item()); // 0.6931...  (F.binary_cross_entropy(p, y))
 * ```
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, opts?: BCEOptions): Tensor {
  const op = 'binaryCrossEntropy';
  const [o, reduction] = lossOpts<BCEOptions>(op, opts, ['reduction', 'weight']);
  sameShape(op, input, target);
  const w = broadcastWeight(op, 'weight', o.weight, input.shape);
  const n = input.size, x = input.data, y = target.data;
  for (let i = 0; i < n; i++) {
    if (!(x[i] >= 0 && x[i] <= 1)) throw new RangeError(`${op}: all elements of input should be between 0 and 1, got ${x[i]} at ${i}`);
  }
  const per = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const lx = Math.max(Math.log(x[i]), -100), l1x = Math.max(Math.log(1 - x[i]), -100);
    per[i] = -(w ? w[i] : 1) * (y[i] * lx + (1 - y[i]) * l1x);
  }
  const perT = result(per, input.shape, op, [input, target], (g) => {
    const gx = new Float32Array(n);
    const gy = target.requiresGrad ? new Float32Array(n) : null;
    for (let i = 0; i < n; i++) {
      const wi = w ? w[i] : 1;
      gx[i] = g[i] * wi * (x[i] - y[i]) / Math.max((1 - x[i]) * x[i], 1e-12);
      if (gy) gy[i] = -g[i] * wi * (Math.max(Math.log(x[i]), -100) - Math.max(Math.log(1 - x[i]), -100));
    }
    return [gx, gy];
  });
  return reduce(perT, reduction);
}

/**
 * KL divergence with input = log-probabilities: target·(log target - input) (0 where target is 0),
 * or with logTarget exp(target)·(target - input). reduction 'batchmean' divides the sum by the
 * batch size (the mathematically right KL); 'mean' (PyTorch's default) by the element count.
 * @example
 * ```js
 * import { F, tensor } from 'neurite';
 * const logq = F.logSoftmax(tensor([[0, 0]]), 1), p = tensor([[0.5, 0.5]]);
 * console.log(F.klDiv(logq, p, { reduction: 'batchmean' }).item()); // ~0 (float32 rounding)  (F.kl_div(logq, p, reduction='batchmean'))
 * ```
 */
export function klDiv(input: Tensor, target: Tensor, opts?: KLDivOptions): Tensor {
  const op = 'klDiv';
  const o = options<KLDivOptions>(op, opts, ['reduction', 'logTarget'], DEPRECATED);
  const reduction = o.reduction ?? 'mean';
  if (reduction !== 'batchmean') checkReduction(op, reduction);
  const logT = o.logTarget ?? false;
  if (typeof logT !== 'boolean') throw new TypeError(`${op}: logTarget must be a boolean, got ${typeof logT}`);
  sameShape(op, input, target);
  const n = input.size, x = input.data, t = target.data;
  const per = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    per[i] = logT ? Math.exp(t[i]) * (t[i] - x[i]) : (t[i] === 0 ? 0 : t[i] * Math.log(t[i])) - t[i] * x[i];
  }
  const perT = result(per, input.shape, op, [input, target], (g) => {
    const gx = new Float32Array(n);
    const gt = target.requiresGrad ? new Float32Array(n) : null;
    for (let i = 0; i < n; i++) {
      const e = logT ? Math.exp(t[i]) : t[i];
      gx[i] = -g[i] * e;
      if (gt) gt[i] = g[i] * (logT ? e * (t[i] - x[i] + 1) : (t[i] === 0 ? 0 : Math.log(t[i]) + 1) - x[i]);
    }
    return [gx, gt];
  });
  if (reduction === 'batchmean') return input.ndim === 0 ? sum(perT) : div(sum(perT), input.shape[0]);
  return reduce(perT, reduction);
}
