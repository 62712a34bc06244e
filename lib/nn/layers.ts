/** Linear, Sequential, the activation modules, Identity, Flatten, Dropout. */
import { Act, LINEAR_CHAIN_MAX, type ActId, type F32 } from '../backend/types.js';
import { B } from '../backend/index.js';
import { Tensor } from '../tensor.js';
import { isGradEnabled, storageId } from '../autograd.js';
import { zeros } from '../ops/create.js';
import { linear } from '../ops/linalg.js';
import { ACTIVATIONS, activation, activation_, activationListenerCount, type ActivationInfo } from '../ops/activations.js';
import { outputArray } from '../ops/util.js';
import { flatten } from '../ops/shape.js';
import { dropout } from '../ops/dropout.js';
import { kaimingUniform_, uniform_ } from './init.js';
import { Module, Parameter } from './module.js';
import { isPlainObject, options } from '../options.js';

/**
 * A module's one number hyper-parameter given positionally (`new LeakyReLU(0.2)`, as PyTorch's
 * positional form) or in an options object (`{ negativeSlope: 0.2 }`, its keyword form).
 */
function numberArg(name: string, key: string, arg: unknown, dflt: number, notYet: readonly string[] = []): number {
  const v = isPlainObject(arg) ? options<Record<string, unknown>>(name, arg, [key], notYet)[key] : arg;
  if (v === undefined) return dflt;
  if (typeof v !== 'number') throw new TypeError(`${name}: ${key} must be a number, got ${typeof v}`);
  return v;
}

/**
 * y = x·Wᵀ + b over the last dim of any input, W: [out, in], PyTorch's default init.
 * @example
 * ```js
 * import { nn, randn } from 'neurite';
 * const fc = new nn.Linear(4, 2, { bias: false }); // torch.nn.Linear(4, 2, bias=False)
 * console.log(fc.forward(randn(8, 4)).shape, fc.bias); // [ 8, 2 ] null
 * ```
 */
export class Linear extends Module {
  weight: Parameter;
  bias: Parameter | null;
  readonly inFeatures: number;
  readonly outFeatures: number;

  /** `new Linear(3, 2)`, `new Linear(3, 2, false)` (PyTorch's positional bias) or `new Linear(3, 2, { bias: false })`. */
  constructor(inFeatures: number, outFeatures: number, opts?: boolean | { bias?: boolean }) {
    super();
    for (const [k, v] of [['inFeatures', inFeatures], ['outFeatures', outFeatures]] as const) {
      if (typeof v !== 'number') throw new TypeError(`Linear: ${k} must be a number, got ${typeof v}`);
      if (!Number.isInteger(v) || v < 0) throw new RangeError(`Linear: ${k} must be a non-negative integer, got ${v}`);
    }
    const bias = typeof opts === 'boolean' ? opts : options<{ bias?: boolean }>('Linear', opts, ['bias'], ['device', 'dtype']).bias ?? true;
    if (typeof bias !== 'boolean') throw new TypeError(`Linear: bias must be a boolean, got ${typeof bias}`);
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.weight = new Parameter(zeros([outFeatures, inFeatures]));
    this.bias = bias ? new Parameter(zeros([outFeatures])) : null;
    this.resetParameters();
  }

  /** kaiming_uniform_(a=√5) for the weight, U(±1/√fan_in) for the bias, as PyTorch. */
  resetParameters(): void {
    kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const bound = this.inFeatures > 0 ? 1 / Math.sqrt(this.inFeatures) : 0;
      uniform_(this.bias, -bound, bound);
    }
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }

  /** The forward with an activation fused into the GEMM write-back (Sequential uses it). */
  forwardFused(x: Tensor, act: ActId, param: number): Tensor {
    return linear(x, this.weight, this.bias, act, param);
  }

  extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}

/**
 * Base of the activation modules: which activation, and its parameter.
 * @example
 * ```js
 * import { nn } from 'neurite';
 * const acts = [new nn.ReLU(), new nn.GELU(), new nn.Tanh()];
 * console.log(acts.every((m) => m instanceof nn.ActivationModule)); // true: the base of the activation modules
 * ```
 */
export abstract class ActivationModule extends Module {
  abstract readonly activation: ActivationInfo;
  abstract readonly param: number;
  /** PyTorch's `inplace=True`: the module overwrites its input (ReLU, LeakyReLU, ELU). */
  inplace = false;
  forward(x: Tensor): Tensor {
    return this.inplace ? activation_(x, this.activation.id, this.param) : activation(x, this.activation.id, this.param);
  }
}

/** The `{ inplace }` option of ReLU, LeakyReLU and ELU. */
function inplaceOpt(fn: string, opts: unknown): boolean {
  const o = options<{ inplace?: boolean }>(fn, opts, ['inplace']);
  if (o.inplace !== undefined && typeof o.inplace !== 'boolean') throw new TypeError(`${fn}: inplace must be a boolean`);
  return o.inplace ?? false;
}

/** LeakyReLU's / ELU's call forms: `(v)`, `(v, { inplace })`, `({ key: v, inplace })`. */
function paramAndInplace(name: string, key: string, arg: unknown, opts: unknown, dflt: number): [number, boolean] {
  if (!isPlainObject(arg)) return [numberArg(name, key, arg, dflt), inplaceOpt(name, opts)];
  if (opts !== undefined) throw new TypeError(`${name}: options given twice (an object first and a second argument)`);
  const o = options<Record<string, unknown>>(name, arg, [key, 'inplace']);
  return [numberArg(name, key, o[key], dflt), inplaceOpt(name, o.inplace === undefined ? undefined : { inplace: o.inplace })];
}

/**
 * ReLU as a module (nn.ReLU); `new nn.ReLU({ inplace: true })` writes into its input (default false).
 * @example
 * ```js
 * import { nn, tensor } from 'neurite';
 * console.log(new nn.ReLU().forward(tensor([-1, 1])).toArray()); // [ 0, 1 ]  (nn.ReLU(); { inplace: true } as inplace=True)
 * ```
 */
export class ReLU extends ActivationModule {
  readonly activation = ACTIVATIONS.relu;
  readonly param = 0;
  constructor(opts?: { inplace?: boolean }) { super(); this.inplace = inplaceOpt('ReLU', opts); }
  extraRepr(): string { return this.inplace ? 'inplace=True' : ''; }
}
/**
 * Sigmoid as a module (nn.Sigmoid).
 * @example
 * ```js
 * import { nn, tensor } from 'neurite';
 * console.log(new nn.Sigmoid().forward(tensor([0])).toArray()); // [ 0.5 ]
 * ```
 */
export class Sigmoid extends ActivationModule {
  readonly activation = ACTIVATIONS.sigmoid;
  readonly param = 0;
}
/**
 * Tanh as a module (nn.Tanh).
 * @example
 * ```js
 * import { nn, tensor } from 'neurite';
 * console.log(new nn.Tanh().forward(tensor([0])).toArray()); // [ 0 ]
 * ```
 */
export class Tanh extends ActivationModule {
  readonly activation = ACTIVATIONS.tanh;
  readonly param = 0;
}
/**
 * LeakyReLU as a module (nn.LeakyReLU): negativeSlope default 0.01.
 * @example
 * ```js
 * import { nn, tensor } from 'neurite';
 * console.log(new nn.LeakyReLU(0.2).forward(tensor([-1, 1])).toArray()); // [ -0.2..., 1 ]  (nn.LeakyReLU(0.2))
 * ```
 */
export class LeakyReLU extends ActivationModule {
  readonly activation = ACTIVATIONS.leakyRelu;
  readonly param: number;
  /** `new LeakyReLU(0.2)`, `new LeakyReLU(0.2, { inplace: true })` or `new LeakyReLU({ negativeSlope: 0.2, inplace: true })`. */
  constructor(negativeSlope: number | { negativeSlope?: number; inplace?: boolean } = 0.01, opts?: { inplace?: boolean }) {
    super();
    [this.param, this.inplace] = paramAndInplace('LeakyReLU', 'negativeSlope', negativeSlope, opts, 0.01);
  }
  extraRepr(): string { return `negative_slope=${this.param}${this.inplace ? ', inplace=True' : ''}`; }
}
/**
 * ELU as a module (nn.ELU): alpha default 1.
 * @example
 * ```js
 * import { nn, tensor } from 'neurite';
 * console.log(new nn.ELU({ alpha: 1 }).forward(tensor([1])).toArray()); // [ 1 ]  (nn.ELU(alpha=1.))
 * ```
 */
export class ELU extends ActivationModule {
  readonly activation = ACTIVATIONS.elu;
  readonly param: number;
  /** `new ELU(0.5)`, `new ELU(0.5, { inplace: true })` or `new ELU({ alpha: 0.5, inplace: true })`. */
  constructor(alpha: number | { alpha?: number; inplace?: boolean } = 1, opts?: { inplace?: boolean }) {
    super();
    [this.param, this.inplace] = paramAndInplace('ELU', 'alpha', alpha, opts, 1);
  }
  extraRepr(): string { return `alpha=${this.param}${this.inplace ? ', inplace=True' : ''}`; }
}
/**
 * GELU as a module (nn.GELU): `{ approximate: 'none' | 'tanh' }`, default 'none' (erf).
 * @example
 * ```js
 * import { nn, tensor } from 'neurite';
 * console.log(new nn.GELU({ approximate: 'tanh' }).forward(tensor([0])).toArray()); // [ 0 ]  (nn.GELU(approximate='tanh'))
 * ```
 */
export class GELU extends ActivationModule {
  readonly activation: ActivationInfo;
  readonly param = 0;
  constructor(opts?: { approximate?: 'none' | 'tanh' }) {
    super();
    const a = options<{ approximate?: string }>('GELU', opts, ['approximate']).approximate ?? 'none';
    if (a !== 'none' && a !== 'tanh') throw new RangeError(`GELU: approximate must be 'none' or 'tanh', got '${String(a)}'`);
    this.activation = a === 'tanh' ? ACTIVATIONS.geluTanh : ACTIVATIONS.gelu;
  }
  extraRepr(): string { return this.activation.id === Act.geluTanh ? "approximate='tanh'" : ''; }
}

/**
 * Returns its input unchanged (nn.Identity).
 * @example
 * ```js
 * import { nn, tensor } from 'neurite';
 * console.log(new nn.Identity().forward(tensor([1, 2])).toArray()); // [ 1, 2 ]
 * ```
 */
export class Identity extends Module {
  forward(x: Tensor): Tensor { return x; }
}

/**
 * Flattens dims startDim..endDim into one (nn.Flatten; defaults 1 and -1).
 * @example
 * ```js
 * import { nn, zeros } from 'neurite';
 * console.log(new nn.Flatten().forward(zeros(2, 3, 4)).shape); // [ 2, 12 ]  (nn.Flatten(): start_dim=1)
 * ```
 */
export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) {
    super();
    for (const [k, v] of [['startDim', startDim], ['endDim', endDim]] as const) {
      if (!Number.isInteger(v)) throw new TypeError(`Flatten: ${k} must be an integer, got ${typeof v === 'number' ? v : typeof v}`);
    }
  }
  forward(x: Tensor): Tensor { return flatten(x, this.startDim, this.endDim); }
}

/**
 * Zeroes elements with probability p in training (survivors scaled by 1/(1-p)); identity in eval.
 * @example
 * ```js
 * import { nn, ones } from 'neurite';
 * const drop = new nn.Dropout(0.25); // nn.Dropout(p=0.25)
 * drop.eval();
 * console.log(drop.forward(ones(3)).toArray()); // [ 1, 1, 1 ] (identity in eval mode)
 * ```
 */
export class Dropout extends Module {
  readonly p: number;
  /** `new Dropout(0.2)` or `new Dropout({ p: 0.2 })`; p in [0, 1] as PyTorch. */
  constructor(p: number | { p?: number } = 0.5) {
    super();
    const v = numberArg('Dropout', 'p', p, 0.5, ['inplace']);
    if (!(v >= 0 && v <= 1)) throw new RangeError(`Dropout: probability has to be between 0 and 1, but got ${v}`);
    this.p = v;
  }
  forward(x: Tensor): Tensor { return dropout(x, this.p, this.training); }
  extraRepr(): string { return `p=${this.p}`; }
}

/** A run of Linear layers in a Sequential, each optionally followed by an activation: one `linearChain` call in inference. */
interface Chain {
  lins: Linear[];
  acts: (ActivationModule | null)[];
  spec: Float64Array; // [K0, N1, act1, param1, ..., id1, version1, ...], refreshed on every call
  wb: (F32 | null)[];
  scratch: Float32Array;
}

/** The inference plan: the children cut into maximal Linear(+activation) runs and single other modules. */
interface Segment { start: number; end: number; chain: Chain | null }

function newChain(lins: Linear[], acts: (ActivationModule | null)[]): Chain {
  return { lins, acts, spec: new Float64Array(1 + 5 * lins.length), wb: new Array(2 * lins.length).fill(null), scratch: new Float32Array(0) };
}

function buildPlan(kids: Module[]): Segment[] {
  const plan: Segment[] = [];
  for (let i = 0; i < kids.length;) {
    const start = i, lins: Linear[] = [], acts: (ActivationModule | null)[] = [];
    while (i < kids.length && kids[i] instanceof Linear && lins.length < LINEAR_CHAIN_MAX) {
      lins.push(kids[i] as Linear);
      const next = kids[i + 1];
      if (next instanceof ActivationModule) { acts.push(next); i += 2; } else { acts.push(null); i += 1; }
    }
    if (lins.length > 0) plan.push({ start, end: i, chain: newChain(lins, acts) });
    else { plan.push({ start, end: i + 1, chain: null }); i++; }
  }
  return plan;
}

// What a chain call skips; a module whose forward differs (a hook, a diagnostics wrapper, a
// subclass) takes the module-by-module path so that it runs.
const LINEAR_FORWARD = Linear.prototype.forward;
const LINEAR_FUSED = Linear.prototype.forwardFused;
const ACTIVATION_FORWARD = ActivationModule.prototype.forward;

/** The run in one backend call, or null when a layer or the input does not allow it (the caller then goes module by module). */
function runChain(c: Chain, x: Tensor): Tensor | null {
  if (!(x instanceof Tensor) || x.ndim < 1) return null;
  const { lins, acts, spec, wb } = c;
  const L = lins.length;
  let K = x.shape[x.ndim - 1], hidden = 0;
  if (K === 0) return null;
  spec[0] = K;
  for (let i = 0; i < L; i++) {
    const l = lins[i], a = acts[i], w = l.weight, b = l.bias;
    if (l.forward !== LINEAR_FORWARD || l.forwardFused !== LINEAR_FUSED || (a !== null && a.forward !== ACTIVATION_FORWARD)) return null;
    // checked here, so that a wrong input or a replaced weight gets linear()'s error message
    if (w.ndim !== 2 || w.shape[1] !== K || w.shape[0] === 0) return null;
    const N = w.shape[0];
    if (b !== null && (b.ndim !== 1 || b.shape[0] !== N)) return null;
    spec[1 + 3 * i] = N;
    spec[2 + 3 * i] = a === null ? Act.identity : a.activation.id;
    spec[3 + 3 * i] = a === null ? 0 : a.param;
    wb[2 * i] = w.data;
    // the weight's packed-weight cache key (bf16 products); w.data is a copy when not contiguous
    spec[1 + 3 * L + 2 * i] = w.isContiguous() ? storageId(w) : 0;
    spec[2 + 3 * L + 2 * i] = w.version;
    wb[2 * i + 1] = b === null ? null : b.data;
    if (i + 1 < L && N > hidden) hidden = N;
    K = N;
  }
  const rows = x.size / spec[0];
  const need = rows * hidden * (L > 2 ? 2 : 1);
  if (c.scratch.length < need) c.scratch = new Float32Array(need);
  const y = outputArray(rows * K);
  B().linearChain(x.data, rows, spec, y, c.scratch, wb);
  const shape = x.shape.slice();
  shape[shape.length - 1] = K;
  return new Tensor(y, shape);
}

/**
 * Modules applied in order; children are named '0', '1', ... A Linear followed by an activation
 * runs as one fused kernel unless a hook watches either of them. In inference (no graph
 * recorded, no activation listener) every maximal run of Linear(+activation) layers is one
 * backend call (`linearChain`) whose hidden outputs stay in scratch space nobody else sees, and
 * the other modules run as they are between the runs: one mechanism, whatever the mix. A run
 * whose layer is hooked, wrapped or reshaped goes module by module, so the hook runs.
 * @example
 * ```js
 * import { nn, randn } from 'neurite';
 * const model = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 1));
 * console.log(model.forward(randn(2, 4)).shape); // [ 2, 1 ]
 * ```
 */
export class Sequential extends Module {
  private declare readonly kids: Module[];
  private declare plan: Segment[] | undefined; // undefined: not looked at since the last change

  constructor(...modules: Module[]) {
    super();
    modules.forEach((m, i) => {
      if (!(m instanceof Module)) throw new TypeError(`Sequential: argument ${i} is not a Module`);
      (this as unknown as Record<string, Module>)[String(i)] = m;
    });
    Object.defineProperty(this, 'kids', { value: modules.slice(), enumerable: false });
    Object.defineProperty(this, 'plan', { value: undefined, enumerable: false, writable: true });
  }

  get length(): number {
    return this.kids.length;
  }

  at(i: number): Module {
    const m = this.kids[i < 0 ? this.kids.length + i : i];
    if (!m) throw new RangeError(`Sequential: index ${i} is out of range for ${this.kids.length} modules`);
    return m;
  }

  /** Add a module at the end (named by its position). */
  append(m: Module): this {
    if (!(m instanceof Module)) throw new TypeError('Sequential.append: expected a Module');
    (this as unknown as Record<string, Module>)[String(this.kids.length)] = m;
    this.kids.push(m);
    this.plan = undefined;
    return this;
  }

  forward(x: Tensor): Tensor {
    if (isGradEnabled() || activationListenerCount() !== 0) return this.runModules(x, 0, this.kids.length);
    const plan = (this.plan ??= buildPlan(this.kids));
    for (const seg of plan) {
      const y = seg.chain === null ? null : runChain(seg.chain, x);
      x = y ?? this.runModules(x, seg.start, seg.end);
    }
    return x;
  }

  /** Children [from, to) one by one, a Linear and the activation after it fused unless a hook watches either. */
  private runModules(x: Tensor, from: number, to: number): Tensor {
    const kids = this.kids;
    for (let i = from; i < to; i++) {
      const m = kids[i], next = i + 1 < to ? kids[i + 1] : undefined;
      if (m instanceof Linear && next instanceof ActivationModule && !m.hasForwardHooks() && !next.hasForwardHooks()) {
        x = m.forwardFused(x, next.activation.id, next.param);
        i++;
      } else {
        x = m.forward(x);
      }
    }
    return x;
  }
}
