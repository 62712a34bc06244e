/**
 * Statistics along dims, each with its backward: var and std (PyTorch 1.13's `correction`,
 * one or several dims, keepDim), and cumsum. Accumulation is in float64, as PyTorch's CPU
 * kernels do for float32 (Welford in double for var/std, a double running sum for cumsum).
 */
import { result } from '../autograd.js';
import { Tensor } from '../tensor.js';
import { isPlainObject, options } from '../options.js';
import { normDim, normDims, reductionPlan, splitAt, type Dims } from './util.js';

/** Options of var and std (PyTorch's keywords). */
export interface VarOptions {
  /** Subtracted from the count of elements in the divisor: 1 is Bessel's, 0 the population's. PyTorch: `correction`. @defaultValue 1 */
  correction?: number;
  /** PyTorch's older spelling: unbiased = false is correction = 0. PyTorch: `unbiased`. @defaultValue true */
  unbiased?: boolean;
  /** Keep the reduced dims as size 1. PyTorch: `keepdim`. @defaultValue false */
  keepDim?: boolean;
}
const VAR_KEYS = ['correction', 'unbiased', 'keepDim'] as const;

function varStd(op: string, x: Tensor, dimArg: Dims | VarOptions, opts: VarOptions | undefined, sqrt: boolean): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor`);
  let dim: Dims;
  if (isPlainObject(dimArg)) {
    if (opts !== undefined) throw new TypeError(`${op}: takes (dim, options) or (options), not two option objects`);
    opts = dimArg as VarOptions;
    dim = undefined;
  } else {
    dim = dimArg as Dims;
  }
  const o = options<VarOptions>(op, opts, VAR_KEYS);
  if (o.correction !== undefined && o.unbiased !== undefined) {
    throw new TypeError(`${op}: give correction or unbiased, not both`);
  }
  if (o.correction !== undefined && (typeof o.correction !== 'number' || !Number.isFinite(o.correction))) {
    throw new TypeError(`${op}: correction must be a number, got ${String(o.correction)}`);
  }
  if (o.unbiased !== undefined && typeof o.unbiased !== 'boolean') throw new TypeError(`${op}: unbiased must be a boolean`);
  if (o.keepDim !== undefined && typeof o.keepDim !== 'boolean') throw new TypeError(`${op}: keepDim must be a boolean`);
  const correction = o.correction ?? (o.unbiased === false ? 0 : 1);
  const whole = dim === undefined || dim === null || x.ndim === 0;
  const dims = normDims(op, dim, x.ndim);
  const { shape, data: xd, outer, N, inner, scatterBack } = reductionPlan(x, dims, o.keepDim ?? false);
  const size = outer * inner;
  const mean = new Float64Array(size), ss = new Float64Array(size);
  if (inner === 1) { // reducing the last dims: one contiguous run per result
    for (let o = 0; o < outer; o++) {
      let acc = 0, q = 0;
      const row = o * N;
      for (let t = 0; t < N; t++) acc += xd[row + t];
      const m = acc / N;
      for (let t = 0; t < N; t++) { const d = xd[row + t] - m; q += d * d; }
      mean[o] = m; ss[o] = q;
    }
  } else {
    for (let o = 0; o < outer; o++) {
      for (let t = 0; t < N; t++) {
        const row = (o * N + t) * inner, ob = o * inner;
        for (let j = 0; j < inner; j++) mean[ob + j] += xd[row + j];
      }
    }
    for (let j = 0; j < size; j++) mean[j] /= N;
    for (let o = 0; o < outer; o++) {
      for (let t = 0; t < N; t++) {
        const row = (o * N + t) * inner, ob = o * inner;
        for (let j = 0; j < inner; j++) { const d = xd[row + j] - mean[ob + j]; ss[ob + j] += d * d; }
      }
    }
  }
  const dof = N - correction;
  const out = new Float32Array(size);
  for (let j = 0; j < size; j++) {
    const v = ss[j] / Math.max(0, dof);
    out[j] = sqrt ? Math.sqrt(v) : v;
  }
  return result(out, shape, op, [x], (g) => {
    const gx = new Float32Array(xd.length);
    // std: d std = d var / (2 std), zero where std is 0 (as PyTorch's std_backward)
    const gv = sqrt ? Float32Array.from(g, (v, j) => (out[j] === 0 ? 0 : v / (2 * out[j]))) : g;
    const m32 = Float32Array.from(mean);
    // PyTorch, whole tensor with N - correction <= 0: infinity·(x - mean), NaN where x equals the mean
    const inf = whole && dof <= 0, scale = 2 / dof;
    for (let o = 0; o < outer; o++) {
      for (let t = 0; t < N; t++) {
        const row = (o * N + t) * inner, ob = o * inner;
        for (let j = 0; j < inner; j++) {
          const i = row + j, q = ob + j;
          gx[i] = inf ? gv[q] * (xd[i] === m32[q] ? NaN : Infinity) : scale * gv[q] * Math.fround(xd[i] - m32[q]);
        }
      }
    }
    return [scatterBack(gx)];
  }, sqrt ? { inputs: [0], output: true } : { inputs: [0] });
}

/**
 * Variance over `dim` (one dim, several, or all when omitted), divided by N - correction, as
 * torch.var: `var(x)`, `var(x, 1)`, `var(x, [0, 1], { correction: 0, keepDim: true })`,
 * `var(x, { unbiased: false })`. N - correction <= 0 gives inf or NaN, as PyTorch.
 * @example
 * ```js
 * import { tensor, variance } from 'neurite';
 * const x = tensor([1, 2, 3, 4]);
 * console.log(variance(x).item(), variance(x, { correction: 0 }).item()); // 1.6666... 1.25  (torch.var(x, correction=0))
 * ```
 */
export function variance(x: Tensor, dim?: Dims | VarOptions, opts?: VarOptions): Tensor {
  return varStd('var', x, dim, opts, false);
}
export { variance as var };

/**
 * Standard deviation: the square root of var, with var's arguments, as torch.std.
 * @example
 * ```js
 * import { std, tensor } from 'neurite';
 * console.log(std(tensor([[1, 3], [2, 2]]), 1).toArray()); // [ 1.4142..., 0 ]  (x.std(dim=1))
 * ```
 */
export function std(x: Tensor, dim?: Dims | VarOptions, opts?: VarOptions): Tensor {
  return varStd('std', x, dim, opts, true);
}

/**
 * Running sums along dim, as torch.cumsum: out[..., i, ...] = Σ_{j<=i} x[..., j, ...],
 * accumulated in float64 (as PyTorch on CPU). Backward is the reversed running sum.
 * @example
 * ```js
 * import { cumsum, tensor } from 'neurite';
 * console.log(cumsum(tensor([1, 2, 3]), 0).toArray()); // [ 1, 3, 6 ]
 * ```
 */
export function cumsum(x: Tensor, dim: number): Tensor {
  const op = 'cumsum';
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor`);
  if (dim === undefined) throw new TypeError(`${op}: dim is required`);
  const k = normDim(op, dim, x.ndim);
  const [outer, d, inner] = splitAt(x.shape, k);
  const out = new Float32Array(x.size);
  scan(x.data, out, outer, d, inner, false);
  return result(out, x.shape, op, [x], (g) => {
    const gx = new Float32Array(g.length);
    scan(g, gx, outer, d, inner, true);
    return [gx];
  }, { inputs: [] });
}

/** Running sums along the middle axis of [outer, d, inner], in float64, row by row (contiguous reads). */
function scan(src: Float32Array, out: Float32Array, outer: number, d: number, inner: number, reverse: boolean): void {
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    acc.fill(0);
    for (let t = 0; t < d; t++) {
      const row = (o * d + (reverse ? d - 1 - t : t)) * inner;
      for (let i = 0; i < inner; i++) { acc[i] += src[row + i]; out[row + i] = acc[i]; }
    }
  }
}
