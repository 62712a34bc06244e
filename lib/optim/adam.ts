/** Adam and AdamW (decoupled weight decay) with amsgrad and maximize, as PyTorch 1.13. */
import { B } from '../backend/index.js';
import type { Tensor } from '../tensor.js';
import { options } from '../options.js';
import { Optimizer, checkLr, checkBool, checkNonNegative, type ParamGroup, type Params } from './optimizer.js';

/** Adam/AdamW options, as PyTorch's: lr (1e-3), betas ([0.9, 0.999]), eps (1e-8), weightDecay (weight_decay: 0 for Adam, 0.01 for AdamW), amsgrad (false), maximize (false). */
export interface AdamOptions {
  /** Learning rate. PyTorch: `lr`. @defaultValue 1e-3 */
  lr?: number;
  /** Decay rates of the first and second moment estimates. PyTorch: `betas`. @defaultValue [0.9, 0.999] */
  betas?: [number, number];
  /** Added to the denominator for numerical stability. PyTorch: `eps`. @defaultValue 1e-8 */
  eps?: number;
  /** Adam: L2 penalty added to the gradient; AdamW: decoupled decay of the weights (lr · weightDecay · w). PyTorch: `weight_decay`. @defaultValue 0 for Adam, 0.01 for AdamW */
  weightDecay?: number;
  /** Use the AMSGrad variant (the running maximum of the second moment). PyTorch: `amsgrad`. @defaultValue false */
  amsgrad?: boolean;
  /** Maximize the objective instead of minimizing it. PyTorch: `maximize`. @defaultValue false */
  maximize?: boolean;
}
type Hyper = Required<AdamOptions>;
const KEYS = ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad', 'maximize'] as const;
/** torch.optim.Adam options not implemented here: a TypeError, not a silent no-op. */
const NOT_YET = ['foreach', 'capturable', 'differentiable', 'fused'] as const;

function checker(name: string): (g: Hyper) => void {
  return (g) => {
    checkLr(name, g.lr);
    checkNonNegative(name, 'epsilon', g.eps);
    if (!Array.isArray(g.betas) || g.betas.length !== 2 || g.betas.some((b) => typeof b !== 'number')) {
      throw new TypeError(`${name}: betas must be two numbers [beta1, beta2] such as [0.9, 0.999], got ${JSON.stringify(g.betas)}`);
    }
    g.betas.forEach((b, i) => { if (!(b >= 0 && b < 1)) throw new RangeError(`${name}: invalid beta parameter at index ${i}: ${b} (must be in [0, 1))`); });
    checkNonNegative(name, 'weight_decay', g.weightDecay);
    checkBool(name, 'amsgrad', g.amsgrad);
    checkBool(name, 'maximize', g.maximize);
  };
}

class AdamBase extends Optimizer<Hyper> {
  constructor(params: Params, opts: AdamOptions | undefined, private readonly decoupled: boolean, name: string) {
    const o = options<AdamOptions>(name, opts, KEYS, NOT_YET);
    super(params, { lr: o.lr ?? 1e-3, betas: o.betas ?? [0.9, 0.999], eps: o.eps ?? 1e-8, weightDecay: o.weightDecay ?? (decoupled ? 1e-2 : 0),
      amsgrad: o.amsgrad ?? false, maximize: o.maximize ?? false }, name, KEYS, checker(name));
  }

  protected update(p: Tensor, grad: Float32Array, g: ParamGroup<Hyper>): void {
    const st = this.stateOf(p, () => {
      const s: Record<string, Float32Array | number> = { step: 0, exp_avg: new Float32Array(p.size), exp_avg_sq: new Float32Array(p.size) };
      if (g.amsgrad) s.max_exp_avg_sq = new Float32Array(p.size);
      return s;
    });
    if (g.amsgrad && !st.max_exp_avg_sq) st.max_exp_avg_sq = new Float32Array(p.size);
    st.step = (st.step as number) + 1;
    B().adamStep(p.data, grad, st.exp_avg as Float32Array, st.exp_avg_sq as Float32Array, g.amsgrad ? st.max_exp_avg_sq as Float32Array : null,
      p.size, g.lr, g.betas[0], g.betas[1], g.eps, g.weightDecay, st.step, this.decoupled, g.maximize);
  }
}

/**
 * Adam, PyTorch 1.13's update rule (torch.optim.Adam).
 * @example
 * ```js
 * import { nn, optim, randn } from 'neurite';
 * const model = new nn.Linear(4, 1);
 * const opt = new optim.Adam(model.parameters(), { lr: 1e-3, betas: [0.9, 0.999] }); // torch.optim.Adam(params, lr=1e-3)
 * model.forward(randn(8, 4)).pow(2).mean().backward();
 * opt.step();
 * console.log(opt.paramGroups[0].lr); // 0.001
 * ```
 */
export class Adam extends AdamBase {
  constructor(params: Params, opts?: AdamOptions) { super(params, opts, false, 'Adam'); }
}

/**
 * AdamW, decoupled weight decay (torch.optim.AdamW; weightDecay default 0.01).
 * @example
 * ```js
 * import { nn, optim } from 'neurite';
 * const opt = new optim.AdamW(new nn.Linear(4, 1).parameters(), { lr: 1e-3, weightDecay: 0.01 }); // torch.optim.AdamW(params, weight_decay=0.01)
 * console.log(opt.paramGroups[0].weightDecay); // 0.01
 * ```
 */
export class AdamW extends AdamBase {
  constructor(params: Params, opts?: AdamOptions) { super(params, opts, true, 'AdamW'); }
}
