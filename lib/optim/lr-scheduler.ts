/**
 * Learning-rate schedulers, as torch.optim.lr_scheduler in PyTorch 1.13: the same recursive
 * (chainable) update rules in double precision, so the rates match PyTorch's sequence; each
 * with step(), getLastLr(), stateDict() and loadStateDict() (plain JSON, camelCase names).
 */
import { options } from '../options.js';
import { Optimizer, type ParamGroup } from './optimizer.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyOptimizer = Optimizer<any>;
type Group = ParamGroup<Record<string, unknown>> & { lr: number; initialLr?: number };
/** Python's modulo (the sign of the divisor). */
const pymod = (a: number, b: number): number => ((a % b) + b) % b;
const bisectRight = (xs: readonly number[], x: number): number => { let i = 0; while (i < xs.length && xs[i] <= x) i++; return i; };

function isInt(v: unknown): v is number { return Number.isInteger(v); }
function need(cond: boolean, name: string, msg: string, range = true): void {
  if (!cond) throw new (range ? RangeError : TypeError)(`${name}: ${msg}`);
}
/** One value per group from a number or an array of them (PyTorch's _format_param). */
function perGroup(name: string, what: string, opt: AnyOptimizer, v: unknown): number[] {
  const n = opt.paramGroups.length;
  if (Array.isArray(v)) {
    need(v.length === n, name, `expected ${n} values for ${what}, got ${v.length}`);
    v.forEach((x, i) => need(typeof x === 'number' && Number.isFinite(x), name, `${what}[${i}] must be a finite number, got ${String(x)}`, false));
    return v.slice();
  }
  need(typeof v === 'number' && Number.isFinite(v), name, `${what} must be a finite number or an array of one per group, got ${String(v)}`, false);
  return new Array(n).fill(v);
}

/**
 * What every scheduler stores; subclasses add their own fields to `saved`.
 * @example
 * ```js
 * import { nn, optim } from 'neurite';
 * const opt = new optim.SGD(new nn.Linear(2, 1).parameters(), { lr: 1 });
 * const sched = new optim.lrScheduler.StepLR(opt, { stepSize: 1, gamma: 0.5 });
 * console.log(sched instanceof optim.lrScheduler.LRScheduler, sched.getLastLr()); // true [ 1 ]
 * ```
 */
export abstract class LRScheduler {
  readonly optimizer: AnyOptimizer;
  baseLrs: number[];
  lastEpoch: number;
  protected stepCount = 0;
  protected lastLr: number[] = [];
  /** The fields stateDict() saves beyond the common ones. */
  protected abstract readonly saved: readonly string[];

  protected constructor(optimizer: AnyOptimizer, lastEpoch: number | undefined, protected readonly name: string) {
    if (!(optimizer instanceof Optimizer)) throw new TypeError(`${name}: ${optimizer === null ? 'null' : typeof optimizer} is not an Optimizer`);
    this.optimizer = optimizer;
    const le = lastEpoch ?? -1;
    need(isInt(le) && le >= -1, name, `lastEpoch must be an integer >= -1, got ${String(lastEpoch)}`);
    const groups = this.groups;
    if (le === -1) for (const g of groups) g.initialLr ??= g.lr;
    else groups.forEach((g, i) => need(g.initialLr !== undefined, name, `param 'initial_lr' is not specified in param_groups[${i}] when resuming an optimizer`));
    this.baseLrs = groups.map((g) => g.initialLr as number);
    this.lastEpoch = le;
  }

  protected get groups(): Group[] { return this.optimizer.paramGroups as unknown as Group[]; }

  /** PyTorch's _initial_step: the constructor's first step (subclasses call it last). */
  protected initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /** The rates of the step just taken (the recursive form, from the groups' current rates). */
  protected abstract getLr(): number[];
  /** The rates at lastEpoch from the base rates, where PyTorch has a closed form (used by step(epoch)). */
  protected closedFormLr?(): number[];

  /** Advance one step (after optimizer.step()), or with `epoch` jump to it (closed form where PyTorch has one). */
  step(epoch?: number): void {
    this.stepCount++;
    let values: number[];
    if (epoch === undefined) {
      this.lastEpoch++;
      values = this.getLr();
    } else {
      need(isInt(epoch) && epoch >= 0, this.name, `epoch must be a non-negative integer, got ${String(epoch)}`);
      this.lastEpoch = epoch;
      values = this.closedFormLr ? this.closedFormLr() : this.getLr();
    }
    this.groups.forEach((g, i) => { g.lr = values[i]; });
    this.lastLr = this.groups.map((g) => g.lr);
  }

  /** The rates the last step set, one per group. */
  getLastLr(): number[] { return this.lastLr.slice(); }

  /** Plain JSON: lastEpoch, baseLrs, lastLr, stepCount and the scheduler's own settings. */
  stateDict(): Record<string, unknown> {
    const out: Record<string, unknown> = { lastEpoch: this.lastEpoch, baseLrs: this.baseLrs.slice(), lastLr: this.lastLr.slice(), stepCount: this.stepCount };
    for (const k of this.saved) out[k] = structuredClone((this as unknown as Record<string, unknown>)[k]);
    return out;
  }

  loadStateDict(sd: Record<string, unknown>): void {
    const keys = ['lastEpoch', 'baseLrs', 'lastLr', 'stepCount', ...this.saved];
    const o = options<Record<string, unknown>>(`${this.name}.loadStateDict`, sd, keys);
    const n = this.optimizer.paramGroups.length;
    for (const k of ['baseLrs', 'lastLr']) {
      if (o[k] !== undefined) need(Array.isArray(o[k]) && (o[k] as unknown[]).length === n, `${this.name}.loadStateDict`, `${k} must hold ${n} rates (one per group)`);
    }
    for (const k of keys) if (o[k] !== undefined) (this as unknown as Record<string, unknown>)[k] = structuredClone(o[k]);
  }
}

/** LambdaLR's options: lastEpoch (last_epoch, default -1). */
export interface LambdaLROptions {
  /** The index of the last epoch when resuming (-1: start fresh). PyTorch: `last_epoch`. @defaultValue -1 */
  lastEpoch?: number;
}
/**
 * lr = base_lr * lambda(epoch), one function or one per group. Functions are not in the state dict (as PyTorch).
 * @example
 * ```js
 * import { nn, optim } from 'neurite';
 * const opt = new optim.SGD(new nn.Linear(2, 1).parameters(), { lr: 1 });
 * const sched = new optim.lrScheduler.LambdaLR(opt, (epoch) => 1 / (epoch + 1)); // LambdaLR(opt, lr_lambda=lambda e: 1 / (e + 1))
 * opt.step(); sched.step();
 * console.log(sched.getLastLr()); // [ 0.5 ]
 * ```
 */
export class LambdaLR extends LRScheduler {
  protected readonly saved = [] as const;
  private readonly lambdas: ((epoch: number) => number)[];
  constructor(optimizer: AnyOptimizer, lrLambda: ((epoch: number) => number) | ((epoch: number) => number)[], opts?: LambdaLROptions) {
    const o = options<LambdaLROptions>('LambdaLR', opts, ['lastEpoch']);
    super(optimizer, o.lastEpoch, 'LambdaLR');
    const n = optimizer.paramGroups.length;
    const ls = Array.isArray(lrLambda) ? lrLambda : new Array(n).fill(lrLambda);
    need(ls.length === n, 'LambdaLR', `expected ${n} lr_lambdas, but got ${ls.length}`);
    ls.forEach((f, i) => need(typeof f === 'function', 'LambdaLR', `lrLambda[${i}] must be a function`, false));
    this.lambdas = ls;
    this.initialStep();
  }
  protected getLr(): number[] { return this.baseLrs.map((b, i) => b * this.lambdas[i](this.lastEpoch)); }
}

/** StepLR's options: stepSize (step_size, required), gamma (0.1), lastEpoch (-1). */
export interface StepLROptions {
  /** Epochs between two decays (required). PyTorch: `step_size`. */
  stepSize: number;
  /** Multiplicative factor of each decay. PyTorch: `gamma`. @defaultValue 0.1 */
  gamma?: number;
  /** The index of the last epoch when resuming (-1: start fresh). PyTorch: `last_epoch`. @defaultValue -1 */
  lastEpoch?: number;
}
/**
 * Multiply by gamma every stepSize epochs.
 * @example
 * ```js
 * import { nn, optim } from 'neurite';
 * const opt = new optim.SGD(new nn.Linear(2, 1).parameters(), { lr: 1 });
 * const sched = new optim.lrScheduler.StepLR(opt, { stepSize: 2, gamma: 0.1 }); // StepLR(opt, step_size=2, gamma=0.1)
 * const lrs = [];
 * for (let e = 0; e < 4; e++) { lrs.push(sched.getLastLr()[0]); opt.step(); sched.step(); }
 * console.log(lrs); // [ 1, 1, 0.1, 0.1 ]
 * ```
 */
export class StepLR extends LRScheduler {
  protected readonly saved = ['stepSize', 'gamma'] as const;
  stepSize: number;
  gamma: number;
  constructor(optimizer: AnyOptimizer, opts: StepLROptions) {
    const o = options<StepLROptions>('StepLR', opts, ['stepSize', 'gamma', 'lastEpoch']);
    super(optimizer, o.lastEpoch, 'StepLR');
    need(isInt(o.stepSize) && o.stepSize > 0, 'StepLR', `stepSize must be a positive integer, got ${String(o.stepSize)}`);
    this.stepSize = o.stepSize;
    this.gamma = o.gamma ?? 0.1;
    this.initialStep();
  }
  protected getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }
  protected closedFormLr(): number[] { return this.baseLrs.map((b) => b * this.gamma ** Math.floor(this.lastEpoch / this.stepSize)); }
}

/** MultiStepLR's options: milestones (required), gamma (0.1), lastEpoch (-1). */
export interface MultiStepLROptions {
  /** Epoch indices at which the rate is multiplied by gamma (required, increasing). PyTorch: `milestones`. */
  milestones: number[];
  /** Multiplicative factor of each decay. PyTorch: `gamma`. @defaultValue 0.1 */
  gamma?: number;
  /** The index of the last epoch when resuming (-1: start fresh). PyTorch: `last_epoch`. @defaultValue -1 */
  lastEpoch?: number;
}
/**
 * Multiply by gamma at each milestone (a repeated milestone multiplies once per repeat).
 * @example
 * ```js
 * import { nn, optim } from 'neurite';
 * const opt = new optim.SGD(new nn.Linear(2, 1).parameters(), { lr: 1 });
 * const sched = new optim.lrScheduler.MultiStepLR(opt, { milestones: [1, 3], gamma: 0.5 }); // MultiStepLR(opt, milestones=[1, 3], gamma=0.5)
 * const lrs = [];
 * for (let e = 0; e < 4; e++) { lrs.push(sched.getLastLr()[0]); opt.step(); sched.step(); }
 * console.log(lrs); // [ 1, 0.5, 0.5, 0.25 ]
 * ```
 */
export class MultiStepLR extends LRScheduler {
  protected readonly saved = ['milestones', 'gamma'] as const;
  milestones: number[];
  gamma: number;
  constructor(optimizer: AnyOptimizer, opts: MultiStepLROptions) {
    const o = options<MultiStepLROptions>('MultiStepLR', opts, ['milestones', 'gamma', 'lastEpoch']);
    super(optimizer, o.lastEpoch, 'MultiStepLR');
    need(Array.isArray(o.milestones) && o.milestones.every(isInt), 'MultiStepLR', `milestones must be an array of integers, got ${JSON.stringify(o.milestones)}`, false);
    this.milestones = o.milestones.slice().sort((a, b) => a - b);
    this.gamma = o.gamma ?? 0.1;
    this.initialStep();
  }
  protected getLr(): number[] {
    const k = this.milestones.filter((m) => m === this.lastEpoch).length;
    if (k === 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma ** k);
  }
  protected closedFormLr(): number[] { return this.baseLrs.map((b) => b * this.gamma ** bisectRight(this.milestones, this.lastEpoch)); }
}

/** ConstantLR's options: factor (1/3), totalIters (total_iters, 5), lastEpoch (-1). */
export interface ConstantLROptions {
  /** The rate is multiplied by it until totalIters (in [0, 1]). PyTorch: `factor`. @defaultValue 1/3 */
  factor?: number;
  /** Steps during which the factor applies. PyTorch: `total_iters`. @defaultValue 5 */
  totalIters?: number;
  /** The index of the last epoch when resuming (-1: start fresh). PyTorch: `last_epoch`. @defaultValue -1 */
  lastEpoch?: number;
}
/**
 * lr * factor until totalIters, then lr.
 * @example
 * ```js
 * import { nn, optim } from 'neurite';
 * const opt = new optim.SGD(new nn.Linear(2, 1).parameters(), { lr: 1 });
 * const sched = new optim.lrScheduler.ConstantLR(opt, { factor: 0.5, totalIters: 2 }); // ConstantLR(opt, factor=0.5, total_iters=2)
 * const lrs = [];
 * for (let e = 0; e < 3; e++) { lrs.push(sched.getLastLr()[0]); opt.step(); sched.step(); }
 * console.log(lrs); // [ 0.5, 0.5, 1 ]
 * ```
 */
export class ConstantLR extends LRScheduler {
  protected readonly saved = ['factor', 'totalIters'] as const;
  factor: number;
  totalIters: number;
  constructor(optimizer: AnyOptimizer, opts?: ConstantLROptions) {
    const o = options<ConstantLROptions>('ConstantLR', opts, ['factor', 'totalIters', 'lastEpoch']);
    super(optimizer, o.lastEpoch, 'ConstantLR');
    this.factor = o.factor ?? 1 / 3;
    this.totalIters = o.totalIters ?? 5;
    need(this.factor >= 0 && this.factor <= 1, 'ConstantLR', 'Constant multiplicative factor expected to be between 0 and 1.');
    need(isInt(this.totalIters) && this.totalIters >= 0, 'ConstantLR', `totalIters must be a non-negative integer, got ${this.totalIters}`);
    this.initialStep();
  }
  protected getLr(): number[] {
    if (this.lastEpoch === 0) return this.groups.map((g) => g.lr * this.factor);
    if (this.lastEpoch > this.totalIters || this.lastEpoch !== this.totalIters) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * (1.0 / this.factor));
  }
  protected closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * (this.factor + (this.lastEpoch >= this.totalIters ? 1 : 0) * (1 - this.factor)));
  }
}

/** LinearLR's options: startFactor (start_factor, 1/3), endFactor (1), totalIters (5), lastEpoch (-1). */
export interface LinearLROptions {
  /** Factor of the rate at the first step (in (0, 1]). PyTorch: `start_factor`. @defaultValue 1/3 */
  startFactor?: number;
  /** Factor of the rate after totalIters steps. PyTorch: `end_factor`. @defaultValue 1 */
  endFactor?: number;
  /** Steps over which the factor moves linearly. PyTorch: `total_iters`. @defaultValue 5 */
  totalIters?: number;
  /** The index of the last epoch when resuming (-1: start fresh). PyTorch: `last_epoch`. @defaultValue -1 */
  lastEpoch?: number;
}
/**
 * The factor moves linearly from startFactor to endFactor over totalIters steps.
 * @example
 * ```js
 * import { nn, optim } from 'neurite';
 * const opt = new optim.SGD(new nn.Linear(2, 1).parameters(), { lr: 1 });
 * const sched = new optim.lrScheduler.LinearLR(opt, { startFactor: 0.25, endFactor: 1, totalIters: 3 }); // linear warm-up
 * const lrs = [];
 * for (let e = 0; e < 4; e++) { lrs.push(sched.getLastLr()[0]); opt.step(); sched.step(); }
 * console.log(lrs); // [ 0.25, 0.5, 0.75, 1 ]
 * ```
 */
export class LinearLR extends LRScheduler {
  protected readonly saved = ['startFactor', 'endFactor', 'totalIters'] as const;
  startFactor: number;
  endFactor: number;
  totalIters: number;
  constructor(optimizer: AnyOptimizer, opts?: LinearLROptions) {
    const o = options<LinearLROptions>('LinearLR', opts, ['startFactor', 'endFactor', 'totalIters', 'lastEpoch']);
    super(optimizer, o.lastEpoch, 'LinearLR');
    this.startFactor = o.startFactor ?? 1 / 3;
    this.endFactor = o.endFactor ?? 1;
    this.totalIters = o.totalIters ?? 5;
    need(this.startFactor > 0 && this.startFactor <= 1, 'LinearLR', 'Starting multiplicative factor expected to be greater than 0 and less or equal to 1.');
    need(this.endFactor >= 0 && this.endFactor <= 1, 'LinearLR', 'Ending multiplicative factor expected to be between 0 and 1.');
    need(isInt(this.totalIters) && this.totalIters > 0, 'LinearLR', `totalIters must be a positive integer, got ${this.totalIters}`);
    this.initialStep();
  }
  protected getLr(): number[] {
    if (this.lastEpoch === 0) return this.groups.map((g) => g.lr * this.startFactor);
    if (this.lastEpoch > this.totalIters) return this.groups.map((g) => g.lr);
    const d = this.endFactor - this.startFactor;
    return this.groups.map((g) => g.lr * (1 + d / (this.totalIters * this.startFactor + (this.lastEpoch - 1) * d)));
  }
  protected closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * (this.startFactor + (this.endFactor - this.startFactor) * Math.min(this.totalIters, this.lastEpoch) / this.totalIters));
  }
}

/** ExponentialLR's options: gamma (required), lastEpoch (-1). */
export interface ExponentialLROptions {
  /** Multiplicative factor applied every step (required). PyTorch: `gamma`. */
  gamma: number;
  /** The index of the last epoch when resuming (-1: start fresh). PyTorch: `last_epoch`. @defaultValue -1 */
  lastEpoch?: number;
}
/**
 * Multiply by gamma every epoch.
 * @example
 * ```js
 * import { nn, optim } from 'neurite';
 * const opt = new optim.SGD(new nn.Linear(2, 1).parameters(), { lr: 1 });
 * const sched = new optim.lrScheduler.ExponentialLR(opt, { gamma: 0.5 }); // ExponentialLR(opt, gamma=0.5)
 * opt.step(); sched.step(); opt.step(); sched.step();
 * console.log(sched.getLastLr()); // [ 0.25 ]
 * ```
 */
export class ExponentialLR extends LRScheduler {
  protected readonly saved = ['gamma'] as const;
  gamma: number;
  constructor(optimizer: AnyOptimizer, opts: ExponentialLROptions) {
    const o = options<ExponentialLROptions>('ExponentialLR', opts, ['gamma', 'lastEpoch']);
    super(optimizer, o.lastEpoch, 'ExponentialLR');
    need(typeof o.gamma === 'number' && Number.isFinite(o.gamma), 'ExponentialLR', `gamma must be a finite number, got ${String(o.gamma)}`, false);
    this.gamma = o.gamma;
    this.initialStep();
  }
  protected getLr(): number[] {
    if (this.lastEpoch === 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }
  protected closedFormLr(): number[] { return this.baseLrs.map((b) => b * this.gamma ** this.lastEpoch); }
}

/** CosineAnnealingLR's options: tMax (T_max, required), etaMin (eta_min, 0), lastEpoch (-1). */
export interface CosineAnnealingLROptions {
  /** Steps of a half cosine period (required). PyTorch: `T_max`. */
  tMax: number;
  /** The lowest rate. PyTorch: `eta_min`. @defaultValue 0 */
  etaMin?: number;
  /** The index of the last epoch when resuming (-1: start fresh). PyTorch: `last_epoch`. @defaultValue -1 */
  lastEpoch?: number;
}
/**
 * Cosine from the base rate down to etaMin over tMax epochs (and back up, as PyTorch's recursive form).
 * @example
 * ```js
 * import { nn, optim } from 'neurite';
 * const opt = new optim.SGD(new nn.Linear(2, 1).parameters(), { lr: 1 });
 * const sched = new optim.lrScheduler.CosineAnnealingLR(opt, { tMax: 2, etaMin: 0 }); // CosineAnnealingLR(opt, T_max=2, eta_min=0)
 * const lrs = [];
 * for (let e = 0; e < 3; e++) { lrs.push(sched.getLastLr()[0]); opt.step(); sched.step(); }
 * console.log(lrs.map((x) => x.toFixed(3))); // [ '1.000', '0.500', '0.000' ]
 * ```
 */
export class CosineAnnealingLR extends LRScheduler {
  protected readonly saved = ['tMax', 'etaMin'] as const;
  tMax: number;
  etaMin: number;
  constructor(optimizer: AnyOptimizer, opts: CosineAnnealingLROptions) {
    const o = options<CosineAnnealingLROptions>('CosineAnnealingLR', opts, ['tMax', 'etaMin', 'lastEpoch']);
    super(optimizer, o.lastEpoch, 'CosineAnnealingLR');
    need(isInt(o.tMax) && o.tMax > 0, 'CosineAnnealingLR', `tMax must be a positive integer, got ${String(o.tMax)}`);
    this.tMax = o.tMax;
    this.etaMin = o.etaMin ?? 0;
    this.initialStep();
  }
  protected getLr(): number[] {
    const { lastEpoch: e, tMax: T, etaMin: m } = this;
    if (e === 0) return this.groups.map((g) => g.lr);
    if (this.stepCount === 1 && e > 0) return this.baseLrs.map((b) => m + (b - m) * (1 + Math.cos(e * Math.PI / T)) / 2);
    if (pymod(e - 1 - T, 2 * T) === 0) return this.groups.map((g, i) => g.lr + (this.baseLrs[i] - m) * (1 - Math.cos(Math.PI / T)) / 2);
    return this.groups.map((g) => (1 + Math.cos(Math.PI * e / T)) / (1 + Math.cos(Math.PI * (e - 1) / T)) * (g.lr - m) + m);
  }
  protected closedFormLr(): number[] {
    return this.baseLrs.map((b) => this.etaMin + (b - this.etaMin) * (1 + Math.cos(Math.PI * this.lastEpoch / this.tMax)) / 2);
  }
}

/** CosineAnnealingWarmRestarts' options: t0 (T_0, required), tMult (T_mult, 1), etaMin (0), lastEpoch (-1). */
export interface CosineAnnealingWarmRestartsOptions {
  /** Steps until the first restart (required, a positive integer). PyTorch: `T_0`. */
  t0: number;
  /** Factor growing the period after each restart (an integer ≥ 1). PyTorch: `T_mult`. @defaultValue 1 */
  tMult?: number;
  /** The lowest rate. PyTorch: `eta_min`. @defaultValue 0 */
  etaMin?: number;
  /** The index of the last epoch when resuming (-1: start fresh). PyTorch: `last_epoch`. @defaultValue -1 */
  lastEpoch?: number;
}
/**
 * Cosine annealing restarted every tI epochs (t0, then times tMult after each restart).
 * @example
 * ```js
 * import { nn, optim } from 'neurite';
 * const opt = new optim.SGD(new nn.Linear(2, 1).parameters(), { lr: 1 });
 * const sched = new optim.lrScheduler.CosineAnnealingWarmRestarts(opt, { t0: 2, tMult: 1 }); // CosineAnnealingWarmRestarts(opt, T_0=2)
 * const lrs = [];
 * for (let e = 0; e < 4; e++) { lrs.push(sched.getLastLr()[0]); opt.step(); sched.step(); }
 * console.log(lrs.map((x) => x.toFixed(2))); // [ '1.00', '0.50', '1.00', '0.50' ]
 * ```
 */
export class CosineAnnealingWarmRestarts extends LRScheduler {
  protected readonly saved = ['t0', 'tI', 'tMult', 'tCur', 'etaMin'] as const;
  t0: number;
  tI: number;
  tMult: number;
  tCur: number;
  etaMin: number;
  constructor(optimizer: AnyOptimizer, opts: CosineAnnealingWarmRestartsOptions) {
    const o = options<CosineAnnealingWarmRestartsOptions>('CosineAnnealingWarmRestarts', opts, ['t0', 'tMult', 'etaMin', 'lastEpoch']);
    super(optimizer, o.lastEpoch, 'CosineAnnealingWarmRestarts');
    need(isInt(o.t0) && o.t0 > 0, this.name, `Expected positive integer T_0, but got ${String(o.t0)}`);
    const tMult = o.tMult ?? 1;
    need(isInt(tMult) && tMult >= 1, this.name, `Expected integer T_mult >= 1, but got ${String(tMult)}`);
    this.t0 = o.t0;
    this.tI = o.t0;
    this.tMult = tMult;
    this.etaMin = o.etaMin ?? 0;
    this.tCur = this.lastEpoch;
    this.initialStep();
  }
  protected getLr(): number[] {
    return this.baseLrs.map((b) => this.etaMin + (b - this.etaMin) * (1 + Math.cos(Math.PI * this.tCur / this.tI)) / 2);
  }
  /** step() advances one epoch; step(epoch) jumps to a (possibly fractional) epoch, as PyTorch. */
  override step(epoch?: number): void {
    if (epoch === undefined && this.lastEpoch < 0) epoch = 0;
    if (epoch === undefined) {
      epoch = this.lastEpoch + 1;
      this.tCur = this.tCur + 1;
      if (this.tCur >= this.tI) {
        this.tCur = this.tCur - this.tI;
        this.tI = this.tI * this.tMult;
      }
    } else {
      need(typeof epoch === 'number' && epoch >= 0, this.name, `Expected non-negative epoch, but got ${epoch}`);
      if (epoch >= this.t0) {
        if (this.tMult === 1) this.tCur = pymod(epoch, this.t0);
        else {
          const n = Math.trunc(Math.log(epoch / this.t0 * (this.tMult - 1) + 1) / Math.log(this.tMult));
          this.tCur = epoch - this.t0 * (this.tMult ** n - 1) / (this.tMult - 1);
          this.tI = this.t0 * this.tMult ** n;
        }
      } else {
        this.tI = this.t0;
        this.tCur = epoch;
      }
    }
    this.lastEpoch = Math.floor(epoch);
    const values = this.getLr();
    this.groups.forEach((g, i) => { g.lr = values[i]; });
    this.lastLr = this.groups.map((g) => g.lr);
  }
}

/**
 * OneCycleLR's options, PyTorch's in camelCase: maxLr (required), totalSteps or epochs × stepsPerEpoch, pctStart (0.3),
 * annealStrategy ('cos'), cycleMomentum (true), baseMomentum (0.85), maxMomentum (0.95), divFactor (25), finalDivFactor (1e4), threePhase (false), lastEpoch (-1).
 */
export interface OneCycleLROptions {
  /** The peak rate (one per param group, or one for all; required). PyTorch: `max_lr`. */
  maxLr: number | number[];
  /** Steps in the cycle; or give epochs and stepsPerEpoch. PyTorch: `total_steps`. */
  totalSteps?: number;
  /** With stepsPerEpoch: totalSteps = epochs · stepsPerEpoch. PyTorch: `epochs`. */
  epochs?: number;
  /** With epochs: totalSteps = epochs · stepsPerEpoch. PyTorch: `steps_per_epoch`. */
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent increasing the rate. PyTorch: `pct_start`. @defaultValue 0.3 */
  pctStart?: number;
  /** How the rate moves between phases. PyTorch: `anneal_strategy`. @defaultValue 'cos' */
  annealStrategy?: 'cos' | 'linear';
  /** Cycle the momentum (SGD's momentum, Adam's beta1) inversely to the rate. PyTorch: `cycle_momentum`. @defaultValue true */
  cycleMomentum?: boolean;
  /** The lowest momentum (at the peak rate). PyTorch: `base_momentum`. @defaultValue 0.85 */
  baseMomentum?: number | number[];
  /** The highest momentum (at the start and the end). PyTorch: `max_momentum`. @defaultValue 0.95 */
  maxMomentum?: number | number[];
  /** The initial rate is maxLr / divFactor. PyTorch: `div_factor`. @defaultValue 25 */
  divFactor?: number;
  /** The final rate is initial rate / finalDivFactor. PyTorch: `final_div_factor`. @defaultValue 1e4 */
  finalDivFactor?: number;
  /** fast.ai's three phases (up, down symmetrically, then annihilate) instead of two. PyTorch: `three_phase`. @defaultValue false */
  threePhase?: boolean;
  /** The index of the last step when resuming (-1: start fresh). PyTorch: `last_epoch`. @defaultValue -1 */
  lastEpoch?: number;
}
interface Phase { endStep: number; startLr: string; endLr: string; startMomentum: string; endMomentum: string }
/**
 * The 1cycle policy (Smith): up to maxLr, then down to maxLr/divFactor/finalDivFactor; momentum the other way.
 * @example
 * ```js
 * import { nn, optim } from 'neurite';
 * const opt = new optim.SGD(new nn.Linear(2, 1).parameters(), { lr: 0.1, momentum: 0.9 });
 * const sched = new optim.lrScheduler.OneCycleLR(opt, { maxLr: 0.1, totalSteps: 100 }); // OneCycleLR(opt, max_lr=0.1, total_steps=100)
 * for (let i = 0; i < 30; i++) { opt.step(); sched.step(); } // step per batch
 * console.log(sched.getLastLr()[0] > 0.09); // true: near the peak after pctStart (0.3) of the steps
 * ```
 */
export class OneCycleLR extends LRScheduler {
  protected readonly saved = ['totalSteps', 'phases', 'annealStrategy', 'cycleMomentum', 'useBeta1'] as const;
  totalSteps: number;
  phases: Phase[];
  annealStrategy: 'cos' | 'linear';
  cycleMomentum: boolean;
  useBeta1 = false;
  constructor(optimizer: AnyOptimizer, opts: OneCycleLROptions) {
    const name = 'OneCycleLR';
    const o = options<OneCycleLROptions>(name, opts, ['maxLr', 'totalSteps', 'epochs', 'stepsPerEpoch', 'pctStart', 'annealStrategy',
      'cycleMomentum', 'baseMomentum', 'maxMomentum', 'divFactor', 'finalDivFactor', 'threePhase', 'lastEpoch']);
    if (!(optimizer instanceof Optimizer)) throw new TypeError(`${name}: ${typeof optimizer} is not an Optimizer`);
    let total: number;
    if (o.totalSteps === undefined && o.epochs === undefined && o.stepsPerEpoch === undefined) {
      throw new TypeError(`${name}: You must define either totalSteps OR (epochs AND stepsPerEpoch)`);
    } else if (o.totalSteps !== undefined) {
      need(isInt(o.totalSteps) && o.totalSteps > 0, name, `Expected positive integer totalSteps, but got ${o.totalSteps}`);
      total = o.totalSteps;
    } else {
      need(isInt(o.epochs) && o.epochs > 0, name, `Expected positive integer epochs, but got ${String(o.epochs)}`);
      need(isInt(o.stepsPerEpoch) && o.stepsPerEpoch > 0, name, `Expected positive integer stepsPerEpoch, but got ${String(o.stepsPerEpoch)}`);
      total = (o.epochs as number) * (o.stepsPerEpoch as number);
    }
    const pct = o.pctStart ?? 0.3;
    const phases: Phase[] = o.threePhase
      ? [{ endStep: pct * total - 1, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
        { endStep: 2 * pct * total - 2, startLr: 'maxLr', endLr: 'initialLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
        { endStep: total - 1, startLr: 'initialLr', endLr: 'minLr', startMomentum: 'maxMomentum', endMomentum: 'maxMomentum' }]
      : [{ endStep: pct * total - 1, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
        { endStep: total - 1, startLr: 'maxLr', endLr: 'minLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' }];
    need(typeof pct === 'number' && pct >= 0 && pct <= 1, name, `Expected float between 0 and 1 pctStart, but got ${pct}`);
    const anneal = o.annealStrategy ?? 'cos';
    need(anneal === 'cos' || anneal === 'linear', name, `annealStrategy must by one of 'cos' or 'linear', instead got ${String(anneal)}`);
    const le = o.lastEpoch ?? -1;
    const groups = optimizer.paramGroups as unknown as Record<string, unknown>[];
    const maxLrs = perGroup(name, 'maxLr', optimizer, o.maxLr);
    const div = o.divFactor ?? 25, finalDiv = o.finalDivFactor ?? 1e4;
    if (le === -1) {
      groups.forEach((g, i) => {
        g.initialLr = maxLrs[i] / div;
        g.maxLr = maxLrs[i];
        g.minLr = (g.initialLr as number) / finalDiv;
      });
    }
    const cycle = o.cycleMomentum ?? true;
    let useBeta1 = false;
    if (cycle) {
      const d = optimizer.defaults as Record<string, unknown>;
      need('momentum' in d || 'betas' in d, name, 'optimizer must support momentum with `cycleMomentum` option enabled', false);
      useBeta1 = 'betas' in d;
      const maxM = perGroup(name, 'maxMomentum', optimizer, o.maxMomentum ?? 0.95);
      const baseM = perGroup(name, 'baseMomentum', optimizer, o.baseMomentum ?? 0.85);
      if (le === -1) {
        groups.forEach((g, i) => {
          if (useBeta1) g.betas = [maxM[i], (g.betas as number[])[1]];
          else g.momentum = maxM[i];
          g.maxMomentum = maxM[i];
          g.baseMomentum = baseM[i];
        });
      }
    }
    super(optimizer, le, name);
    this.totalSteps = total;
    this.phases = phases;
    this.annealStrategy = anneal;
    this.cycleMomentum = cycle;
    this.useBeta1 = useBeta1;
    this.initialStep();
  }
  private anneal(start: number, end: number, pct: number): number {
    if (this.annealStrategy === 'cos') return end + (start - end) / 2.0 * (Math.cos(Math.PI * pct) + 1);
    return (end - start) * pct + start;
  }
  protected getLr(): number[] {
    const stepNum = this.lastEpoch;
    need(stepNum <= this.totalSteps, this.name, `Tried to step ${stepNum + 1} times. The specified number of total steps is ${this.totalSteps}`);
    return this.groups.map((g) => {
      const gr = g as unknown as Record<string, number | number[]>;
      let start = 0, lr = 0, mom = 0;
      for (let i = 0; i < this.phases.length; i++) {
        const ph = this.phases[i];
        if (stepNum <= ph.endStep || i === this.phases.length - 1) {
          const pct = (stepNum - start) / (ph.endStep - start);
          lr = this.anneal(gr[ph.startLr] as number, gr[ph.endLr] as number, pct);
          if (this.cycleMomentum) mom = this.anneal(gr[ph.startMomentum] as number, gr[ph.endMomentum] as number, pct);
          break;
        }
        start = ph.endStep;
      }
      if (this.cycleMomentum) {
        if (this.useBeta1) gr.betas = [mom, (gr.betas as number[])[1]];
        else gr.momentum = mom;
      }
      return lr;
    });
  }
}

/**
 * CyclicLR's options, PyTorch's in camelCase: baseLr, maxLr (required), stepSizeUp (2000), stepSizeDown (= stepSizeUp),
 * mode ('triangular'), gamma (1), scaleFn, scaleMode ('cycle'), cycleMomentum (true), baseMomentum (0.8), maxMomentum (0.9), lastEpoch (-1).
 */
export interface CyclicLROptions {
  /** The lower rate of the cycle (required). PyTorch: `base_lr`. */
  baseLr: number | number[];
  /** The upper rate of the cycle (required). PyTorch: `max_lr`. */
  maxLr: number | number[];
  /** Steps of the increasing half of a cycle. PyTorch: `step_size_up`. @defaultValue 2000 */
  stepSizeUp?: number;
  /** Steps of the decreasing half. PyTorch: `step_size_down`. @defaultValue stepSizeUp */
  stepSizeDown?: number;
  /** The amplitude's policy: constant, halved every cycle, or scaled by gamma^step (ignored with scaleFn). PyTorch: `mode`. @defaultValue 'triangular' */
  mode?: 'triangular' | 'triangular2' | 'exp_range';
  /** 'exp_range''s factor per step. PyTorch: `gamma`. @defaultValue 1 */
  gamma?: number;
  /** Your own amplitude scaling (then mode is ignored); not in the state dict. PyTorch: `scale_fn`. */
  scaleFn?: (x: number) => number;
  /** What scaleFn is given: the cycle number or the step. PyTorch: `scale_mode`. @defaultValue 'cycle' */
  scaleMode?: 'cycle' | 'iterations';
  /** Cycle the momentum inversely to the rate. PyTorch: `cycle_momentum`. @defaultValue true */
  cycleMomentum?: boolean;
  /** The lowest momentum. PyTorch: `base_momentum`. @defaultValue 0.8 */
  baseMomentum?: number | number[];
  /** The highest momentum. PyTorch: `max_momentum`. @defaultValue 0.9 */
  maxMomentum?: number | number[];
  /** The index of the last step when resuming (-1: start fresh). PyTorch: `last_epoch`. @defaultValue -1 */
  lastEpoch?: number;
}
/**
 * Cyclical learning rates (Smith): between baseLr and maxLr, triangular, triangular2 or exp_range.
 * @example
 * ```js
 * import { nn, optim } from 'neurite';
 * const opt = new optim.SGD(new nn.Linear(2, 1).parameters(), { lr: 0.1, momentum: 0.9 });
 * const sched = new optim.lrScheduler.CyclicLR(opt, { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 2 }); // CyclicLR(opt, 0.01, 0.1, step_size_up=2)
 * const lrs = [];
 * for (let i = 0; i < 5; i++) { lrs.push(sched.getLastLr()[0].toFixed(3)); opt.step(); sched.step(); }
 * console.log(lrs); // [ '0.010', '0.055', '0.100', '0.055', '0.010' ]
 * ```
 */
export class CyclicLR extends LRScheduler {
  protected readonly saved = ['maxLrs', 'totalSize', 'stepRatio', 'mode', 'gamma', 'scaleMode', 'cycleMomentum', 'baseMomentums', 'maxMomentums'] as const;
  maxLrs: number[];
  totalSize: number;
  stepRatio: number;
  mode: string;
  gamma: number;
  scaleMode: 'cycle' | 'iterations';
  cycleMomentum: boolean;
  baseMomentums: number[] = [];
  maxMomentums: number[] = [];
  private readonly scaleFn: (x: number) => number;
  constructor(optimizer: AnyOptimizer, opts: CyclicLROptions) {
    const name = 'CyclicLR';
    const o = options<CyclicLROptions>(name, opts, ['baseLr', 'maxLr', 'stepSizeUp', 'stepSizeDown', 'mode', 'gamma', 'scaleFn', 'scaleMode',
      'cycleMomentum', 'baseMomentum', 'maxMomentum', 'lastEpoch']);
    if (!(optimizer instanceof Optimizer)) throw new TypeError(`${name}: ${typeof optimizer} is not an Optimizer`);
    const le = o.lastEpoch ?? -1;
    const baseLrs = perGroup(name, 'baseLr', optimizer, o.baseLr);
    const groups = optimizer.paramGroups as unknown as Record<string, unknown>[];
    if (le === -1) groups.forEach((g, i) => { g.lr = baseLrs[i]; });
    const maxLrs = perGroup(name, 'maxLr', optimizer, o.maxLr);
    const up = o.stepSizeUp ?? 2000;
    const down = o.stepSizeDown ?? up;
    need(up > 0 && down >= 0, name, `stepSizeUp must be positive and stepSizeDown non-negative, got ${up}, ${down}`);
    const mode = o.mode ?? 'triangular';
    need(['triangular', 'triangular2', 'exp_range'].includes(mode) || o.scaleFn !== undefined, name, 'mode is invalid and scaleFn is undefined');
    const gamma = o.gamma ?? 1;
    let scaleFn: (x: number) => number, scaleMode: 'cycle' | 'iterations';
    if (o.scaleFn === undefined) {
      scaleFn = mode === 'triangular' ? () => 1 : mode === 'triangular2' ? (x) => 1 / (2 ** (x - 1)) : (x) => gamma ** x;
      scaleMode = mode === 'exp_range' ? 'iterations' : 'cycle';
    } else {
      need(typeof o.scaleFn === 'function', name, 'scaleFn must be a function', false);
      scaleFn = o.scaleFn;
      scaleMode = o.scaleMode ?? 'cycle';
      need(scaleMode === 'cycle' || scaleMode === 'iterations', name, `scaleMode must be 'cycle' or 'iterations', got ${String(scaleMode)}`);
    }
    const cycle = o.cycleMomentum ?? true;
    let baseM: number[] = [], maxM: number[] = [];
    if (cycle) {
      need('momentum' in (optimizer.defaults as object), name, 'optimizer must support momentum with `cycleMomentum` option enabled', false);
      const bm = perGroup(name, 'baseMomentum', optimizer, o.baseMomentum ?? 0.8);
      if (le === -1) groups.forEach((g, i) => { g.momentum = bm[i]; });
      baseM = groups.map((g) => g.momentum as number);
      maxM = perGroup(name, 'maxMomentum', optimizer, o.maxMomentum ?? 0.9);
    }
    super(optimizer, le, name);
    this.maxLrs = maxLrs;
    this.totalSize = up + down;
    this.stepRatio = up / this.totalSize;
    this.mode = mode;
    this.gamma = gamma;
    this.scaleFn = scaleFn;
    this.scaleMode = scaleMode;
    this.cycleMomentum = cycle;
    this.baseMomentums = baseM;
    this.maxMomentums = maxM;
    this.initialStep();
    this.baseLrs = baseLrs;
  }
  protected getLr(): number[] {
    const cycle = Math.floor(1 + this.lastEpoch / this.totalSize);
    const x = 1 + this.lastEpoch / this.totalSize - cycle;
    const scale = x <= this.stepRatio ? x / this.stepRatio : (x - 1) / (this.stepRatio - 1);
    const s = this.scaleFn(this.scaleMode === 'cycle' ? cycle : this.lastEpoch);
    const lrs = this.baseLrs.map((b, i) => b + (this.maxLrs[i] - b) * scale * s);
    if (this.cycleMomentum) {
      this.groups.forEach((g, i) => {
        (g as Record<string, unknown>).momentum = this.maxMomentums[i] - (this.maxMomentums[i] - this.baseMomentums[i]) * scale * s;
      });
    }
    return lrs;
  }
}

/** SequentialLR's options: milestones (the steps where the next scheduler takes over, required), lastEpoch (-1). */
export interface SequentialLROptions {
  /** Steps at which the next scheduler takes over (one fewer than the schedulers; required). PyTorch: `milestones`. */
  milestones: number[];
  /** The index of the last epoch when resuming (-1: start fresh). PyTorch: `last_epoch`. @defaultValue -1 */
  lastEpoch?: number;
}
/**
 * The schedulers one after another, switching at the milestones.
 * @example
 * ```js
 * import { nn, optim } from 'neurite';
 * const { LinearLR, ExponentialLR, SequentialLR } = optim.lrScheduler;
 * const opt = new optim.SGD(new nn.Linear(2, 1).parameters(), { lr: 1 });
 * const warmup = new LinearLR(opt, { startFactor: 0.5, totalIters: 2 });
 * const decay = new ExponentialLR(opt, { gamma: 0.5 });
 * const sched = new SequentialLR(opt, [warmup, decay], { milestones: [2] }); // SequentialLR(opt, [warmup, decay], milestones=[2])
 * const lrs = [];
 * for (let e = 0; e < 4; e++) { lrs.push(sched.getLastLr()[0]); opt.step(); sched.step(); }
 * console.log(lrs); // [ 0.5, 0.75, 1, 0.5 ]
 * ```
 */
export class SequentialLR {
  readonly optimizer: AnyOptimizer;
  lastEpoch: number;
  milestones: number[];
  private readonly schedulers: LRScheduler[];
  private lastLr: number[];
  constructor(optimizer: AnyOptimizer, schedulers: LRScheduler[], opts: SequentialLROptions) {
    const name = 'SequentialLR';
    const o = options<SequentialLROptions>(name, opts, ['milestones', 'lastEpoch']);
    need(Array.isArray(schedulers) && schedulers.length > 0 && schedulers.every((s) => s instanceof LRScheduler), name, 'schedulers must be a non-empty array of schedulers', false);
    schedulers.forEach((s, i) => need(s.optimizer === optimizer, name,
      `Sequential Schedulers expects all schedulers to belong to the same optimizer, but got schedulers at index ${i} to be different than the optimizer passed in.`));
    need(Array.isArray(o.milestones) && o.milestones.length === schedulers.length - 1, name,
      `Sequential Schedulers expects number of schedulers provided to be one more than the number of milestone points, but got number of schedulers ${schedulers.length} and the number of milestones to be equal to ${Array.isArray(o.milestones) ? o.milestones.length : 'none'}`);
    this.optimizer = optimizer;
    this.schedulers = schedulers;
    this.milestones = o.milestones.slice();
    this.lastEpoch = (o.lastEpoch ?? -1) + 1;
    for (const g of optimizer.paramGroups as unknown as Group[]) g.lr = g.initialLr as number;
    for (const s of schedulers) s.lastEpoch -= 1;
    (schedulers[0] as unknown as { initialStep(): void }).initialStep();
    this.lastLr = schedulers[0].getLastLr();
  }
  step(): void {
    this.lastEpoch++;
    const idx = bisectRight(this.milestones, this.lastEpoch);
    const s = this.schedulers[idx];
    if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) s.step(0);
    else s.step();
    this.lastLr = s.getLastLr();
  }
  getLastLr(): number[] { return this.lastLr.slice(); }
  stateDict(): Record<string, unknown> {
    return { lastEpoch: this.lastEpoch, milestones: this.milestones.slice(), lastLr: this.lastLr.slice(), schedulers: this.schedulers.map((s) => s.stateDict()) };
  }
  loadStateDict(sd: Record<string, unknown>): void {
    const o = options<{ lastEpoch?: number; milestones?: number[]; lastLr?: number[]; schedulers?: Record<string, unknown>[] }>(
      'SequentialLR.loadStateDict', sd, ['lastEpoch', 'milestones', 'lastLr', 'schedulers']);
    need(Array.isArray(o.schedulers) && o.schedulers.length === this.schedulers.length, 'SequentialLR.loadStateDict', `expected ${this.schedulers.length} scheduler states`);
    o.schedulers!.forEach((s, i) => this.schedulers[i].loadStateDict(s));
    if (o.lastEpoch !== undefined) this.lastEpoch = o.lastEpoch;
    if (o.milestones !== undefined) this.milestones = o.milestones.slice();
    if (o.lastLr !== undefined) this.lastLr = o.lastLr.slice();
  }
}

/**
 * Every scheduler steps at each step; their factors multiply (chainable schedulers only).
 * @example
 * ```js
 * import { nn, optim } from 'neurite';
 * const { ConstantLR, ExponentialLR, ChainedScheduler } = optim.lrScheduler;
 * const opt = new optim.SGD(new nn.Linear(2, 1).parameters(), { lr: 1 });
 * const sched = new ChainedScheduler([new ConstantLR(opt, { factor: 0.5, totalIters: 1 }), new ExponentialLR(opt, { gamma: 0.9 })]);
 * const lrs = [];
 * for (let e = 0; e < 3; e++) { lrs.push(+sched.getLastLr()[0].toFixed(3)); opt.step(); sched.step(); }
 * console.log(lrs); // [ 0.5, 0.9, 0.81 ]: both schedules applied each step
 * ```
 */
export class ChainedScheduler {
  readonly optimizer: AnyOptimizer;
  private readonly schedulers: LRScheduler[];
  private lastLr: number[];
  constructor(schedulers: LRScheduler[]) {
    const name = 'ChainedScheduler';
    need(Array.isArray(schedulers) && schedulers.length > 0 && schedulers.every((s) => s instanceof LRScheduler), name, 'schedulers must be a non-empty array of schedulers', false);
    schedulers.forEach((s, i) => need(s.optimizer === schedulers[0].optimizer, name,
      `ChainedScheduler expects all schedulers to belong to the same optimizer, but got schedulers at index 0 and ${i} to be different`));
    this.schedulers = schedulers.slice();
    this.optimizer = schedulers[0].optimizer;
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }
  step(): void {
    for (const s of this.schedulers) s.step();
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }
  getLastLr(): number[] { return this.lastLr.slice(); }
  stateDict(): Record<string, unknown> { return { lastLr: this.lastLr.slice(), schedulers: this.schedulers.map((s) => s.stateDict()) }; }
  loadStateDict(sd: Record<string, unknown>): void {
    const o = options<{ lastLr?: number[]; schedulers?: Record<string, unknown>[] }>('ChainedScheduler.loadStateDict', sd, ['lastLr', 'schedulers']);
    need(Array.isArray(o.schedulers) && o.schedulers.length === this.schedulers.length, 'ChainedScheduler.loadStateDict', `expected ${this.schedulers.length} scheduler states`);
    o.schedulers!.forEach((s, i) => this.schedulers[i].loadStateDict(s));
    if (o.lastLr !== undefined) this.lastLr = o.lastLr.slice();
  }
}

/**
 * ReduceLROnPlateau's options, as PyTorch's: mode ('min'), factor (0.1), patience (10), threshold (1e-4),
 * thresholdMode ('rel'), cooldown (0), minLr (min_lr, 0), eps (1e-8).
 */
export interface ReduceLROnPlateauOptions {
  /** 'min': reduce when the metric stops decreasing; 'max': when it stops increasing. PyTorch: `mode`. @defaultValue 'min' */
  mode?: 'min' | 'max';
  /** The rate is multiplied by it at each reduction (< 1). PyTorch: `factor`. @defaultValue 0.1 */
  factor?: number;
  /** Epochs without improvement tolerated before a reduction. PyTorch: `patience`. @defaultValue 10 */
  patience?: number;
  /** How much better counts as an improvement. PyTorch: `threshold`. @defaultValue 1e-4 */
  threshold?: number;
  /** 'rel': relative to the best value; 'abs': absolute. PyTorch: `threshold_mode`. @defaultValue 'rel' */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting again. PyTorch: `cooldown`. @defaultValue 0 */
  cooldown?: number;
  /** Lower bound of the rate (one per param group, or one for all). PyTorch: `min_lr`. @defaultValue 0 */
  minLr?: number | number[];
  /** A reduction smaller than eps is skipped. PyTorch: `eps`. @defaultValue 1e-8 */
  eps?: number;
}
/**
 * Reduce the rates by factor when a metric has stopped improving for patience epochs: step(metric).
 * @example
 * ```js
 * import { nn, optim } from 'neurite';
 * const opt = new optim.SGD(new nn.Linear(2, 1).parameters(), { lr: 1 });
 * const sched = new optim.lrScheduler.ReduceLROnPlateau(opt, { mode: 'min', factor: 0.1, patience: 1 }); // ReduceLROnPlateau(opt, 'min', factor=0.1, patience=1)
 * for (const valLoss of [1.0, 0.9, 0.9, 0.9]) sched.step(valLoss);
 * console.log(opt.paramGroups[0].lr); // 0.1: two epochs without improvement > patience
 * ```
 */
export class ReduceLROnPlateau {
  readonly optimizer: AnyOptimizer;
  mode: 'min' | 'max';
  factor: number;
  patience: number;
  threshold: number;
  thresholdMode: 'rel' | 'abs';
  cooldown: number;
  cooldownCounter = 0;
  minLrs: number[];
  eps: number;
  best: number;
  numBadEpochs = 0;
  lastEpoch = 0;
  private lastLr: number[];
  constructor(optimizer: AnyOptimizer, opts?: ReduceLROnPlateauOptions) {
    const name = 'ReduceLROnPlateau';
    const o = options<ReduceLROnPlateauOptions>(name, opts, ['mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLr', 'eps']);
    this.factor = o.factor ?? 0.1;
    need(this.factor < 1.0, name, 'Factor should be < 1.0.');
    if (!(optimizer instanceof Optimizer)) throw new TypeError(`${name}: ${typeof optimizer} is not an Optimizer`);
    this.optimizer = optimizer;
    this.minLrs = perGroup(name, 'minLr', optimizer, o.minLr ?? 0);
    this.patience = o.patience ?? 10;
    need(isInt(this.patience) && this.patience >= 0, name, `patience must be a non-negative integer, got ${this.patience}`);
    this.cooldown = o.cooldown ?? 0;
    need(isInt(this.cooldown) && this.cooldown >= 0, name, `cooldown must be a non-negative integer, got ${this.cooldown}`);
    this.mode = o.mode ?? 'min';
    need(this.mode === 'min' || this.mode === 'max', name, `mode ${String(this.mode)} is unknown!`);
    this.thresholdMode = o.thresholdMode ?? 'rel';
    need(this.thresholdMode === 'rel' || this.thresholdMode === 'abs', name, `threshold mode ${String(this.thresholdMode)} is unknown!`);
    this.threshold = o.threshold ?? 1e-4;
    this.eps = o.eps ?? 1e-8;
    this.best = this.mode === 'min' ? Infinity : -Infinity;
    this.lastLr = optimizer.paramGroups.map((g) => g.lr);
  }
  private isBetter(a: number, best: number): boolean {
    if (this.mode === 'min') return this.thresholdMode === 'rel' ? a < best * (1 - this.threshold) : a < best - this.threshold;
    return this.thresholdMode === 'rel' ? a > best * (this.threshold + 1) : a > best + this.threshold;
  }
  /** One epoch's metric (a number or a one-element tensor). */
  step(metric: number | { item(): number }): void {
    const current = typeof metric === 'number' ? metric : metric && typeof metric.item === 'function' ? metric.item() : NaN;
    if (typeof metric !== 'number' && !(metric && typeof (metric as { item?: unknown }).item === 'function')) {
      throw new TypeError('ReduceLROnPlateau.step: metric must be a number or a one-element Tensor');
    }
    this.lastEpoch++;
    if (this.isBetter(current, this.best)) { this.best = current; this.numBadEpochs = 0; } else this.numBadEpochs++;
    if (this.cooldownCounter > 0) { this.cooldownCounter--; this.numBadEpochs = 0; }
    if (this.numBadEpochs > this.patience) {
      this.optimizer.paramGroups.forEach((g, i) => {
        const old = g.lr;
        const next = Math.max(old * this.factor, this.minLrs[i]);
        if (old - next > this.eps) g.lr = next;
      });
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }
  getLastLr(): number[] { return this.lastLr.slice(); }
  stateDict(): Record<string, unknown> {
    const { mode, factor, patience, threshold, thresholdMode, cooldown, cooldownCounter, minLrs, eps, numBadEpochs, lastEpoch } = this;
    // JSON has no Infinity: the initial best travels as null
    return { mode, factor, patience, threshold, thresholdMode, cooldown, cooldownCounter, minLrs: minLrs.slice(), eps,
      best: Number.isFinite(this.best) ? this.best : null, numBadEpochs, lastEpoch, lastLr: this.lastLr.slice() };
  }
  loadStateDict(sd: Record<string, unknown>): void {
    const keys = ['mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'cooldownCounter', 'minLrs', 'eps', 'best', 'numBadEpochs', 'lastEpoch', 'lastLr'];
    const o = options<Record<string, unknown>>('ReduceLROnPlateau.loadStateDict', sd, keys);
    for (const k of keys) if (o[k] !== undefined) (this as unknown as Record<string, unknown>)[k] = structuredClone(o[k]);
    if (o.best === null) this.best = this.mode === 'min' ? Infinity : -Infinity;
  }
}

/** Any of the schedulers above (what fit and checkpoints accept). */
export type Scheduler = LRScheduler | SequentialLR | ChainedScheduler | ReduceLROnPlateau;
