/** Weight initialisation, as torch.nn.init (in place, from the seeded generator). */
import { Tensor, fmtShape } from '../tensor.js';
import { normal, uniform } from '../random.js';
import { options } from '../options.js';

export type Nonlinearity = 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'conv_transpose1d' | 'conv_transpose2d'
  | 'conv_transpose3d' | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu';
export type FanMode = 'fan_in' | 'fan_out';

/** The recommended gain for a nonlinearity (PyTorch's values). */
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

/** fan_in = size(1) * receptive field, fan_out = size(0) * receptive field. */
export function calculateFans(t: Tensor): { fanIn: number; fanOut: number } {
  if (t.ndim < 2) throw new RangeError(`init: fan in and fan out cannot be computed for a tensor with fewer than 2 dims, got ${fmtShape(t.shape)}`);
  const rf = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: t.shape[1] * rf, fanOut: t.shape[0] * rf };
}

function fill(t: Tensor, f: () => number): Tensor {
  for (let i = 0; i < t.size; i++) t.data[i] = f();
  return t;
}

export function uniform_(t: Tensor, a = 0, b = 1): Tensor {
  if (!(a <= b)) throw new RangeError(`uniform_: a (${a}) must not exceed b (${b})`);
  return fill(t, () => a + (b - a) * uniform());
}
export function normal_(t: Tensor, mean = 0, std = 1): Tensor {
  if (!(std >= 0)) throw new RangeError(`normal_: std must be non-negative, got ${std}`);
  return fill(t, () => mean + std * normal());
}
export function constant_(t: Tensor, value: number): Tensor {
  t.data.fill(value);
  return t;
}
export const zeros_ = (t: Tensor): Tensor => constant_(t, 0);
export const ones_ = (t: Tensor): Tensor => constant_(t, 1);

export interface KaimingOptions { a?: number; mode?: FanMode; nonlinearity?: Nonlinearity }

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

/** U(-b, b) with b = gain·√(3/fan) (He et al.). */
export function kaimingUniform_(t: Tensor, opts?: KaimingOptions): Tensor {
  const bound = Math.sqrt(3) * kaimingStd('kaimingUniform_', t, opts);
  return uniform_(t, -bound, bound);
}
/** N(0, std²) with std = gain/√fan (He et al.). */
export function kaimingNormal_(t: Tensor, opts?: KaimingOptions): Tensor {
  return normal_(t, 0, kaimingStd('kaimingNormal_', t, opts));
}
/** U(-b, b) with b = gain·√(6/(fan_in + fan_out)) (Glorot & Bengio). */
export function xavierUniform_(t: Tensor, gain = 1): Tensor {
  const { fanIn, fanOut } = calculateFans(t);
  const bound = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -bound, bound);
}
/** N(0, std²) with std = gain·√(2/(fan_in + fan_out)). */
export function xavierNormal_(t: Tensor, gain = 1): Tensor {
  const { fanIn, fanOut } = calculateFans(t);
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)));
}
