/**
 * The optimizer base, as torch.optim.Optimizer: parameter groups (each with its own
 * hyper-parameters, `paramGroups[i].lr` readable and writable), `addParamGroup`, per-parameter
 * state, `zeroGrad` and state dicts in PyTorch's layout (`state`, `param_groups`).
 */
import { Tensor } from '../tensor.js';
import { bumpVersion } from '../autograd.js';
import { camelCase, isPlainObject, options } from '../options.js';

export type ParamState = Record<string, Float32Array | number>;
/** A parameter group as the optimizer holds it: its tensors and every hyper-parameter. */
export type ParamGroup<O = Record<string, unknown>> = O & { params: Tensor[] };
/** What a caller passes for a group: `{ params, ...overrides of the defaults }`. */
export interface ParamGroupSpec { params: Tensor | Iterable<Tensor>; [k: string]: unknown }
/** What an optimizer takes: parameters, or parameter groups `{ params, lr?, ... }` with per-group options (as PyTorch). */
export type Params = Iterable<Tensor> | Iterable<ParamGroupSpec>;

/** PyTorch's layout: per-parameter state by index, groups with PyTorch's key names and their parameter indices. */
export interface OptimizerStateDict {
  state: Record<number, Record<string, number[] | Float32Array | number>>;
  param_groups: ({ params: number[] } & Record<string, unknown>)[];
}

/** `weightDecay` -> `weight_decay` (PyTorch's spelling in state dicts). */
export const snakeCase = (k: string): string => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Keys the schedulers keep in a group (PyTorch's initial_lr, max_lr, ...): saved and restored with the state dict. */
export const SCHEDULER_KEYS: readonly string[] = ['initialLr', 'maxLr', 'minLr', 'maxMomentum', 'baseMomentum'];

/** A learning rate: a number >= 0 (PyTorch's rule), else a TypeError/RangeError naming the optimizer. */
export function checkLr(name: string, lr: unknown): void {
  if (lr === undefined) throw new TypeError(`${name}: lr is required (parameter group didn't specify a value of required optimization parameter lr)`);
  if (typeof lr !== 'number') throw new TypeError(`${name}: lr must be a number, got ${typeof lr}`);
  if (!(lr >= 0)) throw new RangeError(`${name}: invalid learning rate: ${lr} (must be >= 0)`);
}

/** A hyper-parameter that must be a number >= 0 (weight decay, momentum, eps), named as PyTorch names it. */
export function checkNonNegative(name: string, key: string, v: unknown): void {
  if (typeof v !== 'number') throw new TypeError(`${name}: ${key} must be a number, got ${typeof v}`);
  if (!(v >= 0)) throw new RangeError(`${name}: invalid ${key} value: ${v} (must be >= 0)`);
}

export function checkBool(name: string, key: string, v: unknown): void {
  if (typeof v !== 'boolean') throw new TypeError(`${name}: ${key} must be a boolean, got ${typeof v}`);
}

/**
 * A group's hyper-parameters from a table: lr, then each number that must be >= 0 (our key ->
 * PyTorch's name, which the message uses), then each boolean, in that order.
 */
export function checkGroup<H extends object>(name: string, g: H, nonNegative: Partial<Record<keyof H, string>>, bools: readonly (keyof H & string)[]): void {
  const v = g as Record<string, unknown>;
  checkLr(name, v.lr);
  for (const [k, py] of Object.entries(nonNegative)) checkNonNegative(name, py as string, v[k]);
  for (const k of bools) checkBool(name, k, v[k]);
}

/**
 * Base class of the optimizers (torch.optim.Optimizer): paramGroups, zeroGrad(), step(), stateDict()/loadStateDict(), addParamGroup().
 * @example
 * ```js
 * import { nn, optim } from 'neurite';
 * const opt = new optim.SGD(new nn.Linear(2, 1).parameters(), { lr: 0.1 });
 * console.log(opt instanceof optim.Optimizer, opt.paramGroups[0].lr); // true 0.1: the base of every optimizer (torch.optim.Optimizer)
 * ```
 */
export abstract class Optimizer<O extends { lr: number } = { lr: number }> {
  readonly paramGroups: ParamGroup<O>[] = [];
  readonly state = new Map<Tensor, ParamState>();
  readonly defaults: Readonly<Partial<O>>;
  private readonly check: (g: unknown) => void;

  /**
   * `params`: tensors, or parameter groups `{ params, ...options }` whose options override
   * `defaults`. `keys`: the hyper-parameter names; `check` validates one group's values.
   */
  protected constructor(params: Params, defaults: Partial<O>, protected readonly name: string,
    private readonly keys: readonly string[], check: (g: O) => void) {
    this.defaults = defaults;
    this.check = check as (g: unknown) => void;
    if (params === null || typeof params !== 'object' || params instanceof Tensor || typeof (params as Iterable<unknown>)[Symbol.iterator] !== 'function') {
      throw new TypeError(`${name}: params must be an iterable of Tensors, such as model.parameters(), or of parameter groups { params, ...options }, got ${params instanceof Tensor ? 'a Tensor' : String(params)}`);
    }
    const list = [...(params as Iterable<unknown>)];
    if (list.length === 0) throw new RangeError(`${name}: optimizer got an empty parameter list`);
    if (list.some((x) => isPlainObject(x))) {
      for (const g of list) this.addParamGroup(g as ParamGroupSpec);
    } else this.addParamGroup({ params: list as Tensor[] });
  }

  /** Every parameter, group by group. */
  get params(): Tensor[] {
    return this.paramGroups.flatMap((g) => g.params);
  }

  /** The first group's learning rate; setting it sets every group's. */
  get lr(): number { return this.paramGroups[0].lr; }
  set lr(v: number) {
    checkLr(this.name, v);
    for (const g of this.paramGroups) g.lr = v;
  }

  /** Add a group `{ params, ...options }` (options default to the constructor's), as PyTorch's add_param_group. */
  addParamGroup(group: ParamGroupSpec): void {
    const what = `${this.name} param group`;
    const g = options<Record<string, unknown>>(what, group, ['params', ...this.keys]);
    const ps = g.params instanceof Tensor ? [g.params]
      : g.params !== null && typeof g.params === 'object' && typeof (g.params as Iterable<unknown>)[Symbol.iterator] === 'function' ? [...(g.params as Iterable<unknown>)] : null;
    if (ps === null) throw new TypeError(`${what}: params must be a Tensor or an iterable of Tensors, got ${String(g.params)}`);
    if (ps.length === 0) throw new RangeError(`${what}: params is empty`);
    ps.forEach((p, i) => {
      if (!(p instanceof Tensor)) throw new TypeError(`${what}: every parameter must be a Tensor, params[${i}] is ${p === null ? 'null' : typeof p}`);
      // the update kernels write p.data in place: a non-contiguous view's data is a copy
      if (!p.isContiguous()) throw new RangeError(`${what}: params[${i}] is a non-contiguous view (shape [${p.shape.join(',')}], strides [${p.stride().join(',')}]); optimize its base tensor`);
    });
    const tensors = [...new Set(ps as Tensor[])];
    const seen = new Set(this.params);
    if (tensors.some((p) => seen.has(p))) throw new RangeError(`${what}: some parameters appear in more than one parameter group`);
    const merged: Record<string, unknown> = { params: tensors };
    for (const k of this.keys) {
      const v = g[k] !== undefined ? g[k] : (this.defaults as Record<string, unknown>)[k];
      merged[k] = Array.isArray(v) ? v.slice() : v;
    }
    this.check(merged as unknown as O);
    this.paramGroups.push(merged as ParamGroup<O>);
  }

  /**
   * Clear the gradients of every parameter of every group before the next backward. By default (`setToNone: true`,
   * PyTorch 2.x's default) the gradients become `null`; `{ setToNone: false }` (PyTorch 1.13's
   * default) fills them with zeros and keeps the tensors. The next backward gives the same
   * gradients either way; code that reads `p.grad` before it sees `null` in the first case.
   */
  zeroGrad(opts?: { setToNone?: boolean }): void {
    const o = options<{ setToNone?: boolean }>(`${this.name}.zeroGrad`, opts, ['setToNone']);
    const none = o.setToNone ?? true;
    checkBool(`${this.name}.zeroGrad`, 'setToNone', none);
    for (const p of this.params) {
      if (none) p.grad = null;
      else if (p.grad) p.grad.data.fill(0);
    }
  }

  /** One update of every parameter that has a gradient. */
  step(): void {
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (!p.grad) continue;
        this.update(p, p.grad.data, g);
        bumpVersion(p, `${this.name}.step`); // in place, as PyTorch's: a graph recorded before refuses backward
      }
    }
  }

  /** The update of one parameter with gradient `grad`, with its group's hyper-parameters. */
  protected abstract update(p: Tensor, grad: Float32Array, group: ParamGroup<O>): void;

  /** PyTorch's layout: `{ state: { [index]: {...} }, param_groups: [{ lr, ..., params: [indices] }] }`. */
  stateDict(): OptimizerStateDict {
    const state: OptimizerStateDict['state'] = {};
    this.params.forEach((p, i) => {
      const s = this.state.get(p);
      if (s) state[i] = Object.fromEntries(Object.entries(s).map(([k, v]) => [k, typeof v === 'number' ? v : Array.from(v)]));
    });
    return { state, param_groups: this.paramGroupsDict() };
  }

  /** The `param_groups` of stateDict(): PyTorch's key names, parameters as indices (numbered across the groups). */
  paramGroupsDict(): OptimizerStateDict['param_groups'] {
    let i = 0;
    return this.paramGroups.map((g) => {
      const out: Record<string, unknown> = {};
      for (const k of this.keys) {
        const v = (g as Record<string, unknown>)[k];
        out[snakeCase(k)] = Array.isArray(v) ? v.slice() : v;
      }
      for (const k of SCHEDULER_KEYS) if ((g as Record<string, unknown>)[k] !== undefined) out[snakeCase(k)] = (g as Record<string, unknown>)[k];
      out.params = g.params.map(() => i++);
      return out as OptimizerStateDict['param_groups'][number];
    });
  }

  /** Restore a state dict of an optimizer of the same kind with groups of the same sizes; checked before anything changes. */
  loadStateDict(sd: OptimizerStateDict): void {
    const op = `${this.name}.loadStateDict`;
    const groups = sd?.param_groups ?? (sd as unknown as { paramGroups?: unknown })?.paramGroups;
    if (!sd || typeof sd !== 'object' || !sd.state || typeof sd.state !== 'object' || !Array.isArray(groups)) {
      throw new TypeError(`${op}: expected { state, param_groups }`);
    }
    if (groups.length !== this.paramGroups.length) {
      throw new RangeError(`${op}: loaded state dict has a different number of parameter groups (${groups.length}, the optimizer has ${this.paramGroups.length})`);
    }
    const byIndex = new Map<number, Tensor>();
    const newGroups = groups.map((sg: Record<string, unknown>, gi: number) => {
      if (!isPlainObject(sg)) throw new TypeError(`${op}: param_groups[${gi}] is not an object`);
      const mine = this.paramGroups[gi];
      const ids = sg.params;
      if (ids !== undefined) {
        if (!Array.isArray(ids) || ids.length !== mine.params.length) {
          throw new RangeError(`${op}: loaded state dict contains a parameter group that doesn't match the size of optimizer's group ${gi}`);
        }
        ids.forEach((id, j) => byIndex.set(Number(id), mine.params[j]));
      } else if (groups.length === 1) mine.params.forEach((p, j) => byIndex.set(j, p));
      const h: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(sg)) {
        if (k === 'params') continue;
        const ck = camelCase(k);
        if (!this.keys.includes(ck) && !SCHEDULER_KEYS.includes(ck)) throw new TypeError(`${op}: param_groups[${gi}] has '${k}', not an option of ${this.name} (${this.keys.join(', ')})`);
        h[ck] = Array.isArray(v) ? v.slice() : v;
      }
      const merged = { ...mine, ...h, params: mine.params };
      this.check(merged as unknown as O);
      return merged;
    });
    const next = new Map<Tensor, ParamState>();
    for (const [k, s] of Object.entries(sd.state)) {
      const p = byIndex.get(Number(k));
      if (!p) throw new RangeError(`${op}: state for parameter ${k}, but the optimizer has no parameter ${k}`);
      const ps: ParamState = {};
      for (const [name, v] of Object.entries(s)) {
        if (typeof v === 'number') ps[name] = v;
        else if (v === null || v === undefined) continue;
        else {
          if (typeof (v as ArrayLike<number>).length !== 'number') throw new TypeError(`${op}: '${name}' of parameter ${k} is not a number or an array`);
          if (v.length !== p.size) throw new RangeError(`${op}: '${name}' of parameter ${k} has ${v.length} values, the parameter ${p.size}`);
          ps[name] = Float32Array.from(v);
        }
      }
      next.set(p, ps);
    }
    this.state.clear();
    for (const [p, s] of next) this.state.set(p, s);
    newGroups.forEach((g, i) => Object.assign(this.paramGroups[i], g));
  }

  /** The state of p, created by `init` at its first update. */
  protected stateOf(p: Tensor, init: () => ParamState): ParamState {
    let s = this.state.get(p);
    if (!s) { s = init(); this.state.set(p, s); }
    return s;
  }
}
