/** SGD with momentum, dampening, weight decay, Nesterov and maximize, as PyTorch 1.13. */
import { B } from '../backend/index.js';
import type { Tensor } from '../tensor.js';
import { options } from '../options.js';
import { Optimizer, checkLr, checkBool, checkNonNegative, type ParamGroup, type Params } from './optimizer.js';

/** SGD's options, as PyTorch's: lr (required), momentum (0), dampening (0), weightDecay (weight_decay, 0), nesterov (false), maximize (false). */
export interface SGDOptions {
  /** Learning rate (required unless every param group sets its own). PyTorch: `lr`. */
  lr: number;
  /** Momentum factor. PyTorch: `momentum`. @defaultValue 0 */
  momentum?: number;
  /** Dampening of the momentum. PyTorch: `dampening`. @defaultValue 0 */
  dampening?: number;
  /** L2 penalty added to the gradient. PyTorch: `weight_decay`. @defaultValue 0 */
  weightDecay?: number;
  /** Nesterov momentum (needs momentum > 0 and dampening 0). PyTorch: `nesterov`. @defaultValue false */
  nesterov?: boolean;
  /** Maximize the objective instead of minimizing it. PyTorch: `maximize`. @defaultValue false */
  maximize?: boolean;
}
type Hyper = Required<SGDOptions>;
const KEYS = ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov', 'maximize'] as const;
/** torch.optim.SGD options not implemented here: a TypeError, not a silent no-op. */
const NOT_YET = ['foreach', 'differentiable'] as const;

function check(g: Hyper): void {
  checkLr('SGD', g.lr);
  checkNonNegative('SGD', 'momentum', g.momentum);
  if (typeof g.dampening !== 'number' || Number.isNaN(g.dampening)) throw new TypeError(`SGD: dampening must be a number, got ${g.dampening}`);
  checkNonNegative('SGD', 'weight_decay', g.weightDecay);
  checkBool('SGD', 'nesterov', g.nesterov);
  checkBool('SGD', 'maximize', g.maximize);
}

/** Nesterov needs momentum > 0 and dampening 0: checked on the constructor's options (as PyTorch) and on a group that sets nesterov itself. */
function checkNesterov(what: string, g: Pick<Hyper, 'nesterov' | 'momentum' | 'dampening'>): void {
  if (g.nesterov === true && (g.momentum <= 0 || g.dampening !== 0)) {
    throw new RangeError(`${what}: Nesterov momentum requires a momentum and zero dampening (got momentum ${g.momentum}, dampening ${g.dampening})`);
  }
}

/**
 * Stochastic gradient descent with momentum, PyTorch 1.13's update rule (torch.optim.SGD).
 * @example
 * ```js
 * import { nn, optim, randn } from 'neurite';
 * const model = new nn.Linear(4, 1);
 * const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9, nesterov: true }); // torch.optim.SGD(params, lr=0.1, momentum=0.9, nesterov=True)
 * opt.zeroGrad();
 * model.forward(randn(8, 4)).pow(2).mean().backward();
 * opt.step();
 * console.log(opt.paramGroups[0].momentum); // 0.9
 * ```
 */
export class SGD extends Optimizer<Hyper> {
  constructor(params: Params, opts: SGDOptions) {
    const o = options<Partial<SGDOptions>>('SGD', opts, KEYS, NOT_YET);
    if (o.lr === undefined && !(Array.isArray(params) && params.length > 0 && params.every((g) => g && typeof g === 'object' && 'lr' in g))) {
      throw new TypeError('SGD: lr is required (as torch.optim.SGD): new optim.SGD(model.parameters(), { lr: 0.01 })');
    }
    checkNesterov('SGD', { nesterov: o.nesterov ?? false, momentum: o.momentum ?? 0, dampening: o.dampening ?? 0 });
    super(params, { lr: o.lr, momentum: o.momentum ?? 0, dampening: o.dampening ?? 0, weightDecay: o.weightDecay ?? 0,
      nesterov: o.nesterov ?? false, maximize: o.maximize ?? false } as Partial<Hyper>, 'SGD', KEYS, check);
  }

  /**
   * Add a group `{ params, ...options }`. As PyTorch 1.13, a group that inherits `nesterov: true`
   * but sets `momentum: 0` is plain SGD; a group that sets `nesterov: true` itself must have a
   * momentum and zero dampening (PyTorch would ignore it silently).
   */
  override addParamGroup(group: Parameters<Optimizer<Hyper>['addParamGroup']>[0]): void {
    super.addParamGroup(group);
    const g = this.paramGroups[this.paramGroups.length - 1];
    if ((group as { nesterov?: unknown }).nesterov === true) {
      try { checkNesterov('SGD param group', g); } catch (e) { this.paramGroups.pop(); throw e; }
    }
  }

  protected update(p: Tensor, grad: Float32Array, g: ParamGroup<Hyper>): void {
    let buf: Float32Array | null = null;
    let first = false;
    if (g.momentum !== 0) {
      first = !this.state.get(p)?.momentum_buffer;
      buf = this.stateOf(p, () => ({}))['momentum_buffer'] as Float32Array | undefined ?? null;
      if (!buf) { buf = new Float32Array(p.size); this.state.get(p)!.momentum_buffer = buf; }
    }
    B().sgdStep(p.data, grad, buf, p.size, g.lr, g.momentum, g.dampening, g.weightDecay, g.nesterov, first, g.maximize);
  }
}
