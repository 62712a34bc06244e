/** Linear, Sequential, the activation modules, Identity, Flatten, Dropout. */
import { Act, LINEAR_CHAIN_MAX, type ActId, type F32 } from '../backend/types.js';
import { B } from '../backend/index.js';
import { Tensor } from '../tensor.js';
import { isGradEnabled } from '../autograd.js';
import { zeros } from '../ops/create.js';
import { linear } from '../ops/linalg.js';
import { ACTIVATIONS, activation, activation_, activationListenerCount, type ActivationInfo } from '../ops/activations.js';
import { options } from '../options.js';
import { outputArray } from '../ops/util.js';
import { flatten } from '../ops/shape.js';
import { dropout } from '../ops/dropout.js';
import { kaimingUniform_, uniform_ } from './init.js';
import { Module, Parameter } from './module.js';

/** y = x·Wᵀ + b over the last dim of any input, W: [out, in], PyTorch's default init. */
export class Linear extends Module {
  weight: Parameter;
  bias: Parameter | null;
  readonly inFeatures: number;
  readonly outFeatures: number;

  constructor(inFeatures: number, outFeatures: number, opts: { bias?: boolean } = {}) {
    super();
    for (const [k, v] of [['inFeatures', inFeatures], ['outFeatures', outFeatures]] as const) {
      if (!Number.isInteger(v) || v < 0) throw new RangeError(`Linear: ${k} must be a non-negative integer, got ${v}`);
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.weight = new Parameter(zeros([outFeatures, inFeatures]));
    this.bias = opts.bias === false ? null : new Parameter(zeros([outFeatures]));
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
  forwardFused(x: Tensor, act: ActId, param: number, out?: Float32Array): Tensor {
    return linear(x, this.weight, this.bias, act, param, out);
  }

  extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}

/** Base of the activation modules: which activation, and its parameter. */
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

export class ReLU extends ActivationModule {
  readonly activation = ACTIVATIONS.relu;
  readonly param = 0;
  constructor(opts?: { inplace?: boolean }) { super(); this.inplace = inplaceOpt('ReLU', opts); }
  extraRepr(): string { return this.inplace ? 'inplace=True' : ''; }
}
export class Sigmoid extends ActivationModule {
  readonly activation = ACTIVATIONS.sigmoid;
  readonly param = 0;
}
export class Tanh extends ActivationModule {
  readonly activation = ACTIVATIONS.tanh;
  readonly param = 0;
}
export class LeakyReLU extends ActivationModule {
  readonly activation = ACTIVATIONS.leakyRelu;
  readonly param: number;
  constructor(negativeSlope = 0.01, opts?: { inplace?: boolean }) {
    super(); this.param = negativeSlope; this.inplace = inplaceOpt('LeakyReLU', opts);
  }
  extraRepr(): string { return `negative_slope=${this.param}${this.inplace ? ', inplace=True' : ''}`; }
}
export class ELU extends ActivationModule {
  readonly activation = ACTIVATIONS.elu;
  readonly param: number;
  constructor(alpha = 1, opts?: { inplace?: boolean }) {
    super(); this.param = alpha; this.inplace = inplaceOpt('ELU', opts);
  }
  extraRepr(): string { return `alpha=${this.param}${this.inplace ? ', inplace=True' : ''}`; }
}
export class GELU extends ActivationModule {
  readonly activation: ActivationInfo;
  readonly param = 0;
  constructor(opts: { approximate?: 'none' | 'tanh' } = {}) {
    super();
    const a = opts.approximate ?? 'none';
    if (a !== 'none' && a !== 'tanh') throw new RangeError(`GELU: approximate must be 'none' or 'tanh', got '${String(a)}'`);
    this.activation = a === 'tanh' ? ACTIVATIONS.geluTanh : ACTIVATIONS.gelu;
  }
  extraRepr(): string { return this.activation.id === Act.geluTanh ? "approximate='tanh'" : ''; }
}

export class Identity extends Module {
  forward(x: Tensor): Tensor { return x; }
}

export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) { super(); }
  forward(x: Tensor): Tensor { return flatten(x, this.startDim, this.endDim); }
}

/** Zeroes elements with probability p in training (survivors scaled by 1/(1-p)); identity in eval. */
export class Dropout extends Module {
  readonly p: number;
  constructor(p = 0.5) {
    super();
    if (!(p >= 0 && p <= 1)) throw new RangeError(`Dropout: probability has to be between 0 and 1, but got ${p}`);
    this.p = p;
  }
  forward(x: Tensor): Tensor { return dropout(x, this.p, this.training); }
  extraRepr(): string { return `p=${this.p}`; }
}

/** A Sequential made only of Linear layers, each optionally followed by an activation. */
interface Chain {
  lins: Linear[];
  acts: (ActivationModule | null)[];
  spec: Float64Array; // [K0, N1, act1, param1, ...], refreshed on every call
  wb: (F32 | null)[];
  scratch: Float32Array;
}

function buildChain(kids: Module[]): Chain | null {
  const lins: Linear[] = [], acts: (ActivationModule | null)[] = [];
  for (let i = 0; i < kids.length; i++) {
    const m = kids[i], next = kids[i + 1];
    if (!(m instanceof Linear)) return null;
    lins.push(m);
    if (next instanceof ActivationModule) { acts.push(next); i++; } else acts.push(null);
  }
  if (lins.length === 0 || lins.length > LINEAR_CHAIN_MAX) return null;
  return { lins, acts, spec: new Float64Array(1 + 3 * lins.length), wb: new Array(2 * lins.length).fill(null), scratch: new Float32Array(0) };
}

// What a chain call skips; a module whose forward differs (a hook, a diagnostics wrapper, a
// subclass) takes the module-by-module path so that it runs.
const LINEAR_FORWARD = Linear.prototype.forward;
const LINEAR_FUSED = Linear.prototype.forwardFused;
const ACTIVATION_FORWARD = ActivationModule.prototype.forward;

/**
 * Modules applied in order; children are named '0', '1', ... A Linear followed by an activation
 * runs as one fused kernel unless a hook watches either of them. In inference (no graph
 * recorded) hidden Linear outputs go to scratch buffers that nobody else can see, so a forward
 * allocates only its result; a stack of Linear(+activation) layers is then one backend call
 * (`linearChain`), which is most of the seed MLP's forward time saved at batch 32.
 */
export class Sequential extends Module {
  private declare readonly kids: Module[];
  private declare scratch: Float32Array[];
  private declare chain: Chain | null | undefined; // undefined: not looked at since the last change

  constructor(...modules: Module[]) {
    super();
    modules.forEach((m, i) => {
      if (!(m instanceof Module)) throw new TypeError(`Sequential: argument ${i} is not a Module`);
      (this as unknown as Record<string, Module>)[String(i)] = m;
    });
    Object.defineProperty(this, 'kids', { value: modules.slice(), enumerable: false });
    Object.defineProperty(this, 'scratch', { value: [], enumerable: false, writable: true });
    Object.defineProperty(this, 'chain', { value: undefined, enumerable: false, writable: true });
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
    this.chain = undefined;
    return this;
  }

  forward(x: Tensor): Tensor {
    if (!isGradEnabled() && activationListenerCount() === 0) {
      const y = this.chainForward(x);
      if (y !== null) return y;
    }
    const kids = this.kids;
    // take the scratch buffers for this call (a re-entrant call finds none and allocates)
    const scratch = isGradEnabled() ? null : this.scratch;
    if (scratch) this.scratch = [];
    let used = 0;
    for (let i = 0; i < kids.length; i++) {
      const m = kids[i], next = kids[i + 1];
      if (m instanceof Linear && next instanceof ActivationModule && !m.hasForwardHooks() && !next.hasForwardHooks()) {
        const hidden = scratch !== null && i + 2 < kids.length;
        x = m.forwardFused(x, next.activation.id, next.param, hidden ? scratch[used] : undefined);
        if (hidden) scratch[used++] = x.data; // linear() allocated it if the old one did not fit
        i++;
      } else {
        x = m.forward(x);
      }
    }
    if (scratch) {
      this.scratch = scratch;
      // a trailing module that passes its input through must not hand out scratch space
      if (scratch.includes(x.data)) x = new Tensor(x.data.slice(), x.shape);
    }
    return x;
  }

  /** The whole stack in one backend call, or null when this model or input is not a plain chain. */
  private chainForward(x: Tensor): Tensor | null {
    if (this.chain === undefined) this.chain = buildChain(this.kids);
    const c = this.chain;
    if (c === null || !(x instanceof Tensor) || x.ndim < 1) return null;
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
}
