/** RMSprop and Adagrad, as PyTorch 1.13 (single-tensor path). */
import { B } from '../backend/index.js';
import type { Tensor } from '../tensor.js';
import { options } from '../options.js';
import { Optimizer, checkGroup, type ParamGroup, type ParamState, type Params } from './optimizer.js';

/** RMSprop's options, as PyTorch's: lr (1e-2), alpha (0.99), eps (1e-8), weightDecay (0), momentum (0), centered (false), maximize (false). */
export interface RMSpropOptions {
  /** Learning rate. PyTorch: `lr`. @defaultValue 1e-2 */
  lr?: number;
  /** Smoothing constant of the squared-gradient average. PyTorch: `alpha`. @defaultValue 0.99 */
  alpha?: number;
  /** Added to the denominator for numerical stability. PyTorch: `eps`. @defaultValue 1e-8 */
  eps?: number;
  /** L2 penalty added to the gradient. PyTorch: `weight_decay`. @defaultValue 0 */
  weightDecay?: number;
  /** Momentum factor. PyTorch: `momentum`. @defaultValue 0 */
  momentum?: number;
  /** Normalize by the estimated variance of the gradient (subtract the squared mean). PyTorch: `centered`. @defaultValue false */
  centered?: boolean;
  /** Maximize the objective instead of minimizing it. PyTorch: `maximize`. @defaultValue false */
  maximize?: boolean;
}
type RHyper = Required<RMSpropOptions>;
const RKEYS = ['lr', 'alpha', 'eps', 'weightDecay', 'momentum', 'centered', 'maximize'] as const;

const checkRms = (g: RHyper): void => checkGroup('RMSprop', g,
  { eps: 'epsilon', momentum: 'momentum', weightDecay: 'weight_decay', alpha: 'alpha' }, ['centered', 'maximize']);

/**
 * RMSprop, PyTorch 1.13's update rule (torch.optim.RMSprop).
 * @example
 * ```js
 * import { nn, optim } from 'neurite';
 * const opt = new optim.RMSprop(new nn.Linear(4, 1).parameters(), { lr: 0.01, alpha: 0.99 }); // torch.optim.RMSprop(params, lr=0.01, alpha=0.99)
 * console.log(opt.paramGroups[0].alpha); // 0.99
 * ```
 */
export class RMSprop extends Optimizer<RHyper> {
  constructor(params: Params, opts?: RMSpropOptions) {
    const o = options<RMSpropOptions>('RMSprop', opts, RKEYS, ['foreach', 'differentiable']);
    super(params, { lr: o.lr ?? 1e-2, alpha: o.alpha ?? 0.99, eps: o.eps ?? 1e-8, weightDecay: o.weightDecay ?? 0, momentum: o.momentum ?? 0,
      centered: o.centered ?? false, maximize: o.maximize ?? false }, 'RMSprop', RKEYS, checkRms);
  }

  protected update(p: Tensor, grad: Float32Array, g: ParamGroup<RHyper>): void {
    const st = this.stateOf(p, () => ({ step: 0, square_avg: new Float32Array(p.size) }));
    if (g.momentum > 0 && !st.momentum_buffer) st.momentum_buffer = new Float32Array(p.size);
    if (g.centered && !st.grad_avg) st.grad_avg = new Float32Array(p.size);
    st.step = (st.step as number) + 1;
    B().rmspropStep(p.data, grad, st.square_avg as Float32Array, g.centered ? st.grad_avg as Float32Array : null,
      g.momentum > 0 ? st.momentum_buffer as Float32Array : null, p.size, g.lr, g.alpha, g.eps, g.weightDecay, g.momentum, g.maximize);
  }
}

/** Adagrad's options, as PyTorch's: lr (1e-2), lrDecay (lr_decay, 0), weightDecay (0), initialAccumulatorValue (0), eps (1e-10), maximize (false). */
export interface AdagradOptions {
  /** Learning rate. PyTorch: `lr`. @defaultValue 1e-2 */
  lr?: number;
  /** Learning-rate decay: lr / (1 + (step - 1) · lrDecay). PyTorch: `lr_decay`. @defaultValue 0 */
  lrDecay?: number;
  /** L2 penalty added to the gradient. PyTorch: `weight_decay`. @defaultValue 0 */
  weightDecay?: number;
  /** Starting value of the sum of squared gradients (the constructor's value starts every parameter's sum, as PyTorch 1.13: a group's own value is kept in its param group but not used). PyTorch: `initial_accumulator_value`. @defaultValue 0 */
  initialAccumulatorValue?: number;
  /** Added to the denominator for numerical stability. PyTorch: `eps`. @defaultValue 1e-10 */
  eps?: number;
  /** Maximize the objective instead of minimizing it. PyTorch: `maximize`. @defaultValue false */
  maximize?: boolean;
}
type AHyper = Required<AdagradOptions>;
const AKEYS = ['lr', 'lrDecay', 'weightDecay', 'initialAccumulatorValue', 'eps', 'maximize'] as const;

const checkAdagrad = (g: AHyper): void => checkGroup('Adagrad', g,
  { lrDecay: 'lr_decay', weightDecay: 'weight_decay', initialAccumulatorValue: 'initial_accumulator_value', eps: 'epsilon' }, ['maximize']);

/**
 * Adagrad, PyTorch 1.13's update rule (torch.optim.Adagrad).
 * @example
 * ```js
 * import { nn, optim } from 'neurite';
 * const opt = new optim.Adagrad(new nn.Linear(4, 1).parameters(), { lr: 0.01 }); // torch.optim.Adagrad(params, lr=0.01)
 * console.log(opt.paramGroups[0].lr); // 0.01
 * ```
 */
export class Adagrad extends Optimizer<AHyper> {
  constructor(params: Params, opts?: AdagradOptions) {
    const o = options<AdagradOptions>('Adagrad', opts, AKEYS, ['foreach']);
    super(params, { lr: o.lr ?? 1e-2, lrDecay: o.lrDecay ?? 0, weightDecay: o.weightDecay ?? 0, initialAccumulatorValue: o.initialAccumulatorValue ?? 0,
      eps: o.eps ?? 1e-10, maximize: o.maximize ?? false }, 'Adagrad', AKEYS, checkAdagrad);
  }

  /**
   * PyTorch creates Adagrad's state up front: the sum starts at the constructor's
   * initialAccumulatorValue, also for a group that sets its own (1.13 keeps that value in
   * param_groups but does not use it).
   */
  private initState(p: Tensor): ParamState {
    return this.stateOf(p, () => ({ step: 0, sum: new Float32Array(p.size).fill(this.defaults.initialAccumulatorValue ?? 0) }));
  }

  override addParamGroup(group: Parameters<Optimizer['addParamGroup']>[0]): void {
    super.addParamGroup(group);
    const g = this.paramGroups[this.paramGroups.length - 1];
    for (const p of g.params) this.initState(p);
  }

  protected update(p: Tensor, grad: Float32Array, g: ParamGroup<AHyper>): void {
    const st = this.initState(p);
    st.step = (st.step as number) + 1;
    const clr = g.lr / (1 + (st.step - 1) * g.lrDecay);
    B().adagradStep(p.data, grad, st.sum as Float32Array, p.size, clr, g.weightDecay, g.eps, g.maximize);
  }
}
