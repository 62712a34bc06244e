/** Linear, Sequential, the activation modules, Identity, Flatten, Dropout. */
import { Act, type ActId } from '../backend/types.js';
import { Tensor } from '../tensor.js';
import { isGradEnabled } from '../autograd.js';
import { zeros } from '../ops/create.js';
import { linear } from '../ops/linalg.js';
import { ACTIVATIONS, activation, type ActivationInfo } from '../ops/activations.js';
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
  forward(x: Tensor): Tensor {
    return activation(x, this.activation.id, this.param);
  }
}

export class ReLU extends ActivationModule {
  readonly activation = ACTIVATIONS.relu;
  readonly param = 0;
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
  constructor(negativeSlope = 0.01) { super(); this.param = negativeSlope; }
  extraRepr(): string { return `negative_slope=${this.param}`; }
}
export class ELU extends ActivationModule {
  readonly activation = ACTIVATIONS.elu;
  readonly param: number;
  constructor(alpha = 1) { super(); this.param = alpha; }
  extraRepr(): string { return `alpha=${this.param}`; }
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

/**
 * Modules applied in order; children are named '0', '1', ... A Linear followed by an activation
 * runs as one fused kernel unless a hook watches either of them. In inference (no graph
 * recorded) hidden Linear outputs go to scratch buffers that nobody else can see, so a forward
 * allocates only its result.
 */
export class Sequential extends Module {
  private declare readonly kids: Module[];
  private declare scratch: Float32Array[];

  constructor(...modules: Module[]) {
    super();
    modules.forEach((m, i) => {
      if (!(m instanceof Module)) throw new TypeError(`Sequential: argument ${i} is not a Module`);
      (this as unknown as Record<string, Module>)[String(i)] = m;
    });
    Object.defineProperty(this, 'kids', { value: modules.slice(), enumerable: false });
    Object.defineProperty(this, 'scratch', { value: [], enumerable: false, writable: true });
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
    return this;
  }

  forward(x: Tensor): Tensor {
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
}
