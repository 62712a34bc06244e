/** The optimizer base: parameters, per-parameter state, zeroGrad and state dicts. */
import { Tensor } from '../tensor.js';

export type ParamState = Record<string, Float32Array | number>;
export interface OptimizerStateDict {
  state: Record<number, Record<string, number[] | number>>;
  paramGroups: { lr: number; [k: string]: unknown }[];
}

/** A learning rate: a number >= 0 (PyTorch's rule), else a TypeError/RangeError naming the optimizer. */
export function checkLr(name: string, lr: unknown): void {
  if (typeof lr !== 'number') throw new TypeError(`${name}: lr must be a number, got ${lr === undefined ? 'undefined' : typeof lr}`);
  if (!(lr >= 0)) throw new RangeError(`${name}: invalid learning rate: ${lr} (must be >= 0)`);
}

/** A hyper-parameter that must be a number >= 0 (weight decay, momentum, eps), named as PyTorch names it. */
export function checkNonNegative(name: string, key: string, v: unknown): void {
  if (typeof v !== 'number') throw new TypeError(`${name}: ${key} must be a number, got ${typeof v}`);
  if (!(v >= 0)) throw new RangeError(`${name}: invalid ${key} value: ${v} (must be >= 0)`);
}

export abstract class Optimizer<O extends { lr: number }> {
  readonly params: Tensor[];
  readonly state = new Map<Tensor, ParamState>();
  options: O;

  constructor(params: Iterable<Tensor>, options: O, name: string) {
    if (params === null || typeof params !== 'object' || typeof (params as Iterable<Tensor>)[Symbol.iterator] !== 'function') {
      throw new TypeError(`${name}: params must be an iterable of Tensors, such as model.parameters(), got ${params === null ? 'null' : typeof params}`);
    }
    this.params = [...params];
    if (this.params.length === 0) throw new RangeError(`${name}: optimizer got an empty parameter list`);
    for (const p of this.params) if (!(p instanceof Tensor)) throw new TypeError(`${name}: every parameter must be a Tensor`);
    checkLr(name, options.lr);
    this.options = options;
  }

  /** The learning rate (schedules set it). */
  get lr(): number { return this.options.lr; }
  set lr(v: number) {
    checkLr(this.constructor.name, v);
    this.options.lr = v;
  }

  /** Drop the parameters' gradients. */
  zeroGrad(): void {
    for (const p of this.params) p.grad = null;
  }

  abstract step(): void;

  stateDict(): OptimizerStateDict {
    const state: OptimizerStateDict['state'] = {};
    this.params.forEach((p, i) => {
      const s = this.state.get(p);
      if (!s) return;
      state[i] = Object.fromEntries(Object.entries(s).map(([k, v]) => [k, typeof v === 'number' ? v : Array.from(v)]));
    });
    return { state, paramGroups: [{ ...this.options }] };
  }

  loadStateDict(sd: OptimizerStateDict): void {
    if (!sd || typeof sd !== 'object' || !sd.state || !Array.isArray(sd.paramGroups) || sd.paramGroups.length !== 1) {
      throw new TypeError('loadStateDict: expected {state, paramGroups: [one group]}');
    }
    const next = new Map<Tensor, ParamState>();
    for (const [k, s] of Object.entries(sd.state)) {
      const p = this.params[Number(k)];
      if (!p) throw new RangeError(`loadStateDict: state for parameter ${k}, but the optimizer has ${this.params.length}`);
      const ps: ParamState = {};
      for (const [name, v] of Object.entries(s)) {
        if (typeof v === 'number') ps[name] = v;
        else {
          if (v.length !== p.size) throw new RangeError(`loadStateDict: '${name}' of parameter ${k} has ${v.length} values, the parameter ${p.size}`);
          ps[name] = Float32Array.from(v);
        }
      }
      next.set(p, ps);
    }
    this.state.clear();
    for (const [p, s] of next) this.state.set(p, s);
    this.options = { ...this.options, ...(sd.paramGroups[0] as Partial<O>) };
  }
}
