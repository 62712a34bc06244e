/**
 * The one table of activations: name, backend id and default parameter. Forward and derivative
 * live with the kernels (lib/backend/js-math.ts, native/kernels/activations.*) under the same
 * ids; nn's activation modules, F and diagnostics all read this table.
 */
import { B } from '../backend/index.js';
import { Act, actNeedsPre, type ActId } from '../backend/types.js';
import { result } from '../autograd.js';
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
  B().actForward(id, param, x.data, y, x.size);
  const needsPre = actNeedsPre(id, param);
  const out = result(y, x.shape, activationById(id).name, [x], (g) => {
    const gx = outputArray(g.length);
    B().actBackward(id, param, needsPre ? x.data : null, y, g, gx, g.length);
    return [gx];
  });
  if (listeners.size > 0) notifyActivation(id, param, x, out);
  return out;
}

export const relu = (x: Tensor): Tensor => activation(x, Act.relu, 0);
export const leakyRelu = (x: Tensor, negativeSlope = 0.01): Tensor => activation(x, Act.leakyRelu, scalarArg('leakyRelu', 'negativeSlope', negativeSlope));
export const sigmoid = (x: Tensor): Tensor => activation(x, Act.sigmoid, 0);
export const tanh = (x: Tensor): Tensor => activation(x, Act.tanh, 0);
export const elu = (x: Tensor, alpha = 1): Tensor => activation(x, Act.elu, scalarArg('elu', 'alpha', alpha));

/** A positional number parameter (leakyRelu's slope, elu's alpha), checked: an object or string there is a TypeError. */
function scalarArg(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number') throw new TypeError(`${op}: ${name} must be a number (positional, as ${op}(x, ${name === 'alpha' ? '1.0' : '0.2'})), got ${typeof v}`);
  return v;
}
export interface GeluOptions { approximate?: 'none' | 'tanh' }
export function gelu(x: Tensor, opts?: GeluOptions): Tensor {
  const approx = options<GeluOptions>('gelu', opts, ['approximate']).approximate ?? 'none';
  if (approx !== 'none' && approx !== 'tanh') {
    throw new RangeError(`gelu: approximate must be 'none' or 'tanh', got '${String(approx)}'`);
  }
  return activation(x, approx === 'tanh' ? Act.geluTanh : Act.geluErf, 0);
}
