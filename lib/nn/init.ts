/** Weight initialisation, as torch.nn.init (in place, from the seeded generator). */
import { Tensor, fmtShape } from '../tensor.js';
import { normal, uniform } from '../random.js';
import { options } from '../options.js';
import { setElements } from '../ops/inplace.js';

/** The nonlinearity names calculateGain and the Kaiming inits take, PyTorch's strings. */
export type Nonlinearity = 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'conv_transpose1d' | 'conv_transpose2d'
  | 'conv_transpose3d' | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu';
/** Which fan the Kaiming inits scale by: 'fan_in' (default, preserves the forward variance) or 'fan_out' (the backward's). */
export type FanMode = 'fan_in' | 'fan_out';

/**
 * The recommended gain for a nonlinearity (PyTorch's values).
 * @example
 * ```js
 * import { nn } from 'neurite';
 * console.log(nn.init.calculateGain('relu'), nn.init.calculateGain('leaky_relu', 0.2)); // 1.4142... 1.3867...
 * ```
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear': case 'conv1d': case 'conv2d': case 'conv3d': case 'conv_transpose1d': case 'conv_transpose2d':
    case 'conv_transpose3d': case 'sigmoid': return 1;
    case 'tanh': return 5 / 3;
    case 'relu': return Math.SQRT2;
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      if (typeof slope !== 'number') throw new TypeError(`calculateGain: negative_slope ${String(slope)} is not a number`);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu': return 3 / 4;
    default: throw new RangeError(`calculateGain: unsupported nonlinearity '${String(nonlinearity)}'`);
  }
}

/**
 * fan_in = size(1) * receptive field, fan_out = size(0) * receptive field.
 * @example
 * ```js
 * import { nn, zeros } from 'neurite';
 * console.log(nn.init.calculateFans(zeros(3, 5))); // { fanIn: 5, fanOut: 3 }
 * ```
 */
export function calculateFans(t: Tensor): { fanIn: number; fanOut: number } {
  if (t.ndim < 2) throw new RangeError(`init: fan in and fan out cannot be computed for a tensor with fewer than 2 dims, got ${fmtShape(t.shape)}`);
  const rf = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: t.shape[1] * rf, fanOut: t.shape[0] * rf };
}

/** t's elements from f, through its layout (a view is written in place too). */
function fill(t: Tensor, f: () => number, op = 'init'): Tensor {
  const buf = t.isContiguous() ? t.data : new Float32Array(t.size);
  for (let i = 0; i < buf.length; i++) buf[i] = f();
  return setElements(op, t, buf);
}

/**
 * Fill t in place from U(a, b) (nn.init.uniform_; a default 0, b default 1); returns t.
 * @example
 * ```js
 * import { nn, zeros } from 'neurite';
 * const w = nn.init.uniform_(zeros(100), -1, 1); // nn.init.uniform_(w, a=-1, b=1)
 * console.log(w.min().item() >= -1 && w.max().item() <= 1); // true
 * ```
 */
export function uniform_(t: Tensor, a = 0, b = 1): Tensor {
  if (!(a <= b)) throw new RangeError(`uniform_: a (${a}) must not exceed b (${b})`);
  return fill(t, () => a + (b - a) * uniform());
}
/**
 * Fill t in place from N(mean, std²) (nn.init.normal_; defaults 0 and 1); returns t.
 * @example
 * ```js
 * import { nn, zeros } from 'neurite';
 * console.log(nn.init.normal_(zeros(4, 4), 0, 0.02).shape); // [ 4, 4 ]  (nn.init.normal_(w, 0, 0.02))
 * ```
 */
export function normal_(t: Tensor, mean = 0, std = 1): Tensor {
  if (!(std >= 0)) throw new RangeError(`normal_: std must be non-negative, got ${std}`);
  return fill(t, () => mean + std * normal());
}
/**
 * Fill t in place with value (nn.init.constant_); returns t.
 * @example
 * ```js
 * import { nn, zeros } from 'neurite';
 * console.log(nn.init.constant_(zeros(2), 0.5).toArray()); // [ 0.5, 0.5 ]
 * ```
 */
export function constant_(t: Tensor, value: number): Tensor {
  return fill(t, () => value, 'constant_');
}
/**
 * Fill t with 0 in place (nn.init.zeros_); returns t.
 * @example
 * ```js
 * import { nn, ones } from 'neurite';
 * console.log(nn.init.zeros_(ones(2)).toArray()); // [ 0, 0 ]
 * ```
 */
export const zeros_ = (t: Tensor): Tensor => constant_(t, 0);
/**
 * Fill t with 1 in place (nn.init.ones_); returns t.
 * @example
 * ```js
 * import { nn, zeros } from 'neurite';
 * console.log(nn.init.ones_(zeros(2)).toArray()); // [ 1, 1 ]
 * ```
 */
export const ones_ = (t: Tensor): Tensor => constant_(t, 1);

/** Options of kaimingUniform_/kaimingNormal_, as PyTorch's: a (negative slope, default 0), mode ('fan_in'), nonlinearity ('leaky_relu'). */
export interface KaimingOptions {
  /** The negative slope of the rectifier after this layer (used with 'leaky_relu'). PyTorch: `a`. @defaultValue 0 */
  a?: number;
  /** 'fan_in' keeps the forward's variance, 'fan_out' the backward's. PyTorch: `mode`. @defaultValue 'fan_in' */
  mode?: FanMode;
  /** The activation after this layer (see calculateGain). PyTorch: `nonlinearity`. @defaultValue 'leaky_relu' */
  nonlinearity?: Nonlinearity;
}

function kaimingStd(name: string, t: Tensor, o: unknown): number {
  const opts = options<KaimingOptions>(name, o, ['a', 'mode', 'nonlinearity']);
  const mode = opts.mode ?? 'fan_in';
  if (mode !== 'fan_in' && mode !== 'fan_out') throw new RangeError(`${name}: mode must be 'fan_in' or 'fan_out', got '${String(mode)}'`);
  if (opts.a !== undefined && typeof opts.a !== 'number') throw new TypeError(`${name}: a must be a number, got ${typeof opts.a}`);
  if (opts.a !== undefined && !Number.isFinite(opts.a)) throw new RangeError(`${name}: a must be finite, got ${opts.a}`);
  const { fanIn, fanOut } = calculateFans(t);
  let gain: number;
  try {
    gain = calculateGain(opts.nonlinearity ?? 'leaky_relu', opts.a ?? 0);
  } catch (e) {
    if (e instanceof Error) e.message = `${name}: ${e.message}`;
    throw e;
  }
  return gain / Math.sqrt(mode === 'fan_in' ? fanIn : fanOut);
}

/**
 * U(-b, b) with b = gain·√(3/fan) (He et al.).
 * @example
 * ```js
 * import { nn } from 'neurite';
 * const fc = new nn.Linear(64, 32);
 * nn.init.kaimingUniform_(fc.weight, { mode: 'fan_in', nonlinearity: 'relu' }); // kaiming_uniform_(w, mode='fan_in', nonlinearity='relu')
 * console.log(fc.weight.abs().max().item() <= Math.sqrt(6 / 64)); // true
 * ```
 */
export function kaimingUniform_(t: Tensor, opts?: KaimingOptions): Tensor {
  const bound = Math.sqrt(3) * kaimingStd('kaimingUniform_', t, opts);
  return uniform_(t, -bound, bound);
}
/**
 * N(0, std²) with std = gain/√fan (He et al.).
 * @example
 * ```js
 * import { nn, zeros } from 'neurite';
 * console.log(nn.init.kaimingNormal_(zeros(32, 64), { a: 0, mode: 'fan_out' }).shape); // [ 32, 64 ]
 * ```
 */
export function kaimingNormal_(t: Tensor, opts?: KaimingOptions): Tensor {
  return normal_(t, 0, kaimingStd('kaimingNormal_', t, opts));
}
/**
 * U(-b, b) with b = gain·√(6/(fan_in + fan_out)) (Glorot & Bengio).
 * @example
 * ```js
 * import { nn, zeros } from 'neurite';
 * const w = nn.init.xavierUniform_(zeros(10, 10), 1); // bound sqrt(6 / (fanIn + fanOut))
 * console.log(w.abs().max().item() <= Math.sqrt(6 / 20)); // true
 * ```
 */
export function xavierUniform_(t: Tensor, gain = 1): Tensor {
  const { fanIn, fanOut } = calculateFans(t);
  const bound = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -bound, bound);
}
/**
 * N(0, std²) with std = gain·√(2/(fan_in + fan_out)).
 * @example
 * ```js
 * import { nn, zeros } from 'neurite';
 * console.log(nn.init.xavierNormal_(zeros(10, 10)).shape); // [ 10, 10 ]
 * ```
 */
export function xavierNormal_(t: Tensor, gain = 1): Tensor {
  const { fanIn, fanOut } = calculateFans(t);
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)));
}

/** The standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9: ample for float32 weights). */
function normalQuantile(p: number): number {
  const a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00];
  const b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01];
  const c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00];
  const d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00];
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5, r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

const normCdf = (x: number): number => 0.5 * (1 + erfApprox(x / Math.SQRT2));
/** erf to ~1e-7 (Abramowitz & Stegun 7.1.26 is enough for the truncation bounds). */
function erfApprox(x: number): number {
  const s = Math.sign(x), z = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * z);
  const y = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-z * z);
  return s * y;
}

/**
 * N(mean, std²) truncated to [a, b], as PyTorch's trunc_normal_: uniform draws between the
 * bounds' CDF values, mapped through the inverse normal CDF, clamped to [a, b].
 * @example
 * ```js
 * import { nn, zeros } from 'neurite';
 * const w = nn.init.truncNormal_(zeros(1000), 0, 1, -2, 2); // nn.init.trunc_normal_(w, 0, 1, -2, 2)
 * console.log(w.abs().max().item() <= 2); // true
 * ```
 */
export function truncNormal_(t: Tensor, mean = 0, std = 1, a = -2, b = 2): Tensor {
  for (const [k, v] of [['mean', mean], ['std', std], ['a', a], ['b', b]] as const) {
    if (typeof v !== 'number' || Number.isNaN(v)) throw new TypeError(`truncNormal_: ${k} must be a number, got ${String(v)}`);
  }
  if (!(std >= 0)) throw new RangeError(`truncNormal_: std must be non-negative, got ${std}`);
  if (!(a < b)) throw new RangeError(`truncNormal_: a (${a}) must be less than b (${b})`);
  const l = normCdf((a - mean) / std), u = normCdf((b - mean) / std);
  return fill(t, () => Math.min(b, Math.max(a, mean + std * normalQuantile(l + (u - l) * uniform()))));
}

/**
 * A (semi-)orthogonal matrix times gain, as PyTorch's orthogonal_: the Q of a QR of a normal
 * matrix [rows, numel/rows] (transposed when wider than tall), with R's diagonal made positive.
 * @example
 * ```js
 * import { allclose, matmul, nn, tensor, transpose, zeros } from 'neurite';
 * const q = nn.init.orthogonal_(zeros(3, 3)); // nn.init.orthogonal_(w)
 * const I = tensor([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
 * console.log(allclose(matmul(q, transpose(q, 0, 1)), I, 1e-4, 1e-5)); // true: q qᵀ = I
 * ```
 */
export function orthogonal_(t: Tensor, gain = 1): Tensor {
  if (t.ndim < 2) throw new RangeError(`orthogonal_: only tensors with 2 or more dimensions are supported, got ${fmtShape(t.shape)}`);
  if (typeof gain !== 'number' || Number.isNaN(gain)) throw new TypeError(`orthogonal_: gain must be a number, got ${String(gain)}`);
  const rows = t.shape[0], cols = t.size / rows;
  if (t.size === 0) return t;
  const wide = rows < cols;
  const m = wide ? cols : rows, n = wide ? rows : cols; // a tall m x n matrix, column-major columns
  const q = Array.from({ length: n }, () => Float64Array.from({ length: m }, () => normal()));
  // modified Gram-Schmidt (twice, for orthogonality to rounding): R's diagonal comes out positive
  for (let j = 0; j < n; j++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < j; k++) {
        let dot = 0;
        for (let i = 0; i < m; i++) dot += q[k][i] * q[j][i];
        for (let i = 0; i < m; i++) q[j][i] -= dot * q[k][i];
      }
    }
    let nrm = 0;
    for (let i = 0; i < m; i++) nrm += q[j][i] * q[j][i];
    nrm = Math.sqrt(nrm);
    for (let i = 0; i < m; i++) q[j][i] /= nrm;
  }
  // tall: t[i, j] = Q[i][j] (column j of Q); wide: t = Qᵀ, t[j, i] = Q[i][j]
  const buf = new Float32Array(t.size);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const v = gain * q[j][i];
      if (wide) buf[j * cols + i] = v; else buf[i * cols + j] = v;
    }
  }
  return setElements('orthogonal_', t, buf); // through t's layout, a new version
}
