/**
 * The one table of activations: name, backend id and default parameter. Forward and derivative
 * live with the kernels (lib/backend/js-math.ts, native/kernels/activations.*) under the same
 * ids; nn's activation modules, F and diagnostics all read this table.
 */
import { B } from '../backend/index.js';
import { Act, actNeedsPre, type ActId } from '../backend/types.js';
import { isGradEnabled, result } from '../autograd.js';
import { inplace } from './inplace.js';
import { Tensor } from '../tensor.js';
import { outputArray } from './util.js';
import { options } from '../options.js';

export type ActivationName = 'identity' | 'relu' | 'leakyRelu' | 'gelu' | 'geluTanh' | 'sigmoid' | 'tanh' | 'elu';

export interface ActivationInfo {
  readonly name: ActivationName;
  readonly id: ActId;
  /** Default of the parameter (negative slope, alpha), 0 where there is none. */
  readonly defaultParam: number;
  /** Bounded outputs that saturate (sigmoid, tanh): diagnostics report saturation for these. */
  readonly saturates: boolean;
  /** Exactly zero over a half-line (ReLU): units can die. */
  readonly canDie: boolean;
}

export const ACTIVATIONS: Record<ActivationName, ActivationInfo> = {
  identity: { name: 'identity', id: Act.identity, defaultParam: 0, saturates: false, canDie: false },
  relu: { name: 'relu', id: Act.relu, defaultParam: 0, saturates: false, canDie: true },
  leakyRelu: { name: 'leakyRelu', id: Act.leakyRelu, defaultParam: 0.01, saturates: false, canDie: false },
  gelu: { name: 'gelu', id: Act.geluErf, defaultParam: 0, saturates: false, canDie: false },
  geluTanh: { name: 'geluTanh', id: Act.geluTanh, defaultParam: 0, saturates: false, canDie: false },
  sigmoid: { name: 'sigmoid', id: Act.sigmoid, defaultParam: 0, saturates: true, canDie: false },
  tanh: { name: 'tanh', id: Act.tanh, defaultParam: 0, saturates: true, canDie: false },
  elu: { name: 'elu', id: Act.elu, defaultParam: 1, saturates: false, canDie: false },
};

const byId = new Map<ActId, ActivationInfo>(Object.values(ACTIVATIONS).map((a) => [a.id, a]));
export function activationById(id: ActId): ActivationInfo {
  const a = byId.get(id);
  if (!a) throw new RangeError(`unknown activation id ${id}`);
  return a;
}

/** Listeners told of every activation op that runs (diagnostics' functional-call capture). */
export type ActivationListener = (info: ActivationInfo, param: number, input: Tensor, output: Tensor) => void;
const listeners = new Set<ActivationListener>();
export function onActivation(l: ActivationListener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}
/** How many listeners are attached (ops keep the pre-activation only when someone listens). */
export function activationListenerCount(): number {
  return listeners.size;
}
/** Tell the listeners of an activation that ran (also from fused Linear→activation). */
export function notifyActivation(id: ActId, param: number, input: Tensor, output: Tensor): void {
  for (const l of listeners) l(activationById(id), param, input, output);
}

/** Apply an activation by id, with autograd. */
export function activation(x: Tensor, id: ActId, param: number): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${activationById(id).name}: expected a Tensor`);
  const y = outputArray(x.size);
  const xd = x.data;
  B().actForward(id, param, xd, y, x.size);
  const needsPre = actNeedsPre(id, param);
  const out = result(y, x.shape, activationById(id).name, [x], (g) => {
    const gx = outputArray(g.length);
    B().actBackward(id, param, needsPre ? xd : null, y, g, gx, g.length);
    return [gx];
  }, needsPre ? { inputs: [0], output: true } : { inputs: [], output: true });
  if (listeners.size > 0) notifyActivation(id, param, x, out);
  return out;
}

/**
 * An activation applied in place (PyTorch's `inplace=True`): no result is allocated. Its
 * backward reads the result (relu, sigmoid, tanh, leaky relu with slope >= 0), so modifying
 * the result in place again before backward is the usual version error; activations whose
 * derivative needs the input (gelu, elu) keep a copy of it when recording.
 */
export function activation_(t: Tensor, id: ActId, param: number): Tensor {
  const name = `${activationById(id).name}_`;
  const needsPre = actNeedsPre(id, param);
  let pre: Float32Array | null = null;
  let y: Float32Array | null = null;
  const input = listeners.size > 0 ? t.data.slice() : null;
  const res = inplace(name, t, [], (cur) => {
    const rec = isGradEnabled() && t.requiresGrad;
    if (rec && needsPre) pre = cur.slice();
    B().actForward(id, param, cur, cur, cur.length);
    if (rec) y = t.isContiguous() ? cur : cur.slice();
    return cur;
  }, (g) => {
    const gx = new Float32Array(g.length);
    B().actBackward(id, param, pre, y!, g, gx, g.length);
    return [gx];
  }, { inputs: [], output: true });
  if (input) notifyActivation(id, param, new Tensor(input, t.shape), res);
  return res;
}

/** PyTorch's `inplace` option of the activations that have one. */
export interface InplaceOptions { inplace?: boolean }
const INPLACE_KEYS = ['inplace'] as const;
function applyAct(fn: string, x: Tensor, id: ActId, param: number, opts: InplaceOptions | undefined): Tensor {
  const o = options<InplaceOptions>(fn, opts, INPLACE_KEYS);
  if (o.inplace !== undefined && typeof o.inplace !== 'boolean') throw new TypeError(`${fn}: inplace must be a boolean`);
  return o.inplace ? activation_(x, id, param) : activation(x, id, param);
}

/**
 * max(0, x) (F.relu); `{ inplace: true }` writes into x (default false). relu'(0) = 0 as PyTorch.
 * @example
 * ```js
 * import { F, tensor } from 'neurite';
 * console.log(F.relu(tensor([-1, 2])).toArray()); // [ 0, 2 ]  (F.relu(x); { inplace: true } as inplace=True)
 * ```
 */
export const relu = (x: Tensor, opts?: InplaceOptions): Tensor => applyAct('relu', x, Act.relu, 0, opts);
/**
 * x for x > 0, else negativeSlope·x (F.leaky_relu; negativeSlope default 0.01; `{ inplace }` default false).
 * @example
 * ```js
 * import { F, tensor } from 'neurite';
 * console.log(F.leakyRelu(tensor([-1, 2]), 0.1).toArray()); // [ -0.1..., 2 ]  (F.leaky_relu(x, 0.1))
 * ```
 */
export const leakyRelu = (x: Tensor, negativeSlope = 0.01, opts?: InplaceOptions): Tensor =>
  applyAct('leakyRelu', x, Act.leakyRelu, scalarArg('leakyRelu', 'negativeSlope', negativeSlope), opts);
/**
 * 1 / (1 + e^-x) elementwise (torch.sigmoid), bit-identical to PyTorch's vector path.
 * @example
 * ```js
 * import { F, tensor } from 'neurite';
 * console.log(F.sigmoid(tensor([0])).toArray()); // [ 0.5 ]
 * ```
 */
export const sigmoid = (x: Tensor): Tensor => activation(x, Act.sigmoid, 0);
/**
 * Hyperbolic tangent elementwise (torch.tanh).
 * @example
 * ```js
 * import { F, tensor } from 'neurite';
 * console.log(F.tanh(tensor([0])).toArray()); // [ 0 ]
 * ```
 */
export const tanh = (x: Tensor): Tensor => activation(x, Act.tanh, 0);
/**
 * ELU (F.elu): x for x > 0, else alpha·(e^x - 1); alpha default 1, `{ inplace }` default false.
 * @example
 * ```js
 * import { F, tensor } from 'neurite';
 * console.log(F.elu(tensor([-1, 1]), 1).toArray()); // [ -0.632..., 1 ]  (F.elu(x, alpha=1.))
 * ```
 */
export const elu = (x: Tensor, alpha = 1, opts?: InplaceOptions): Tensor =>
  applyAct('elu', x, Act.elu, scalarArg('elu', 'alpha', alpha), opts);
/** relu in place (PyTorch's relu_). */
export const relu_ = (x: Tensor): Tensor => activation_(x, Act.relu, 0);

/** A positional number parameter (leakyRelu's slope, elu's alpha), checked: an object or string there is a TypeError. */
function scalarArg(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number') throw new TypeError(`${op}: ${name} must be a number (positional, as ${op}(x, ${name === 'alpha' ? '1.0' : '0.2'})), got ${typeof v}`);
  return v;
}
export interface GeluOptions { approximate?: 'none' | 'tanh' }
/**
 * GELU (F.gelu): exact erf form by default, `{ approximate: 'tanh' }` for the tanh approximation (PyTorch's `approximate='tanh'`).
 * @example
 * ```js
 * import { F, tensor } from 'neurite';
 * const x = tensor([-1, 0, 1]);
 * console.log(F.gelu(x).toArray(), F.gelu(x, { approximate: 'tanh' }).shape); // F.gelu(x, approximate='tanh')
 * ```
 */
export function gelu(x: Tensor, opts?: GeluOptions): Tensor {
  const approx = options<GeluOptions>('gelu', opts, ['approximate']).approximate ?? 'none';
  if (approx !== 'none' && approx !== 'tanh') {
    throw new RangeError(`gelu: approximate must be 'none' or 'tanh', got '${String(approx)}'`);
  }
  return activation(x, approx === 'tanh' ? Act.geluTanh : Act.geluErf, 0);
}
