/** Adam and AdamW (decoupled weight decay), as PyTorch 1.13. */
import { B } from '../backend/index.js';
import type { Tensor } from '../tensor.js';
import { Optimizer, checkLr, checkNonNegative } from './optimizer.js';
import { options } from '../options.js';

export interface AdamOptions { lr?: number; betas?: [number, number]; eps?: number; weightDecay?: number }
type Opts = Required<AdamOptions>;
const ADAM_KEYS = ['lr', 'betas', 'eps', 'weightDecay'] as const;
/** torch.optim.Adam options not implemented here yet: a TypeError, not a silent no-op. */
const ADAM_NOT_YET = ['amsgrad', 'maximize', 'foreach', 'capturable', 'differentiable', 'fused'] as const;

/** PyTorch 1.13's checks: lr >= 0, eps >= 0, two betas in [0, 1), weight decay >= 0. */
function check(name: string, o: Opts): void {
  checkLr(name, o.lr);
  checkNonNegative(name, 'epsilon', o.eps);
  if (!Array.isArray(o.betas) || o.betas.length !== 2 || o.betas.some((b) => typeof b !== 'number')) {
    throw new TypeError(`${name}: betas must be two numbers [beta1, beta2] such as [0.9, 0.999], got ${JSON.stringify(o.betas)}`);
  }
  o.betas.forEach((b, i) => { if (!(b >= 0 && b < 1)) throw new RangeError(`${name}: invalid beta parameter at index ${i}: ${b} (must be in [0, 1))`); });
  checkNonNegative(name, 'weight_decay', o.weightDecay);
}

function adamOptions(name: string, opts: unknown, weightDecay: number): Opts {
  const o = options<AdamOptions>(name, opts, ADAM_KEYS, ADAM_NOT_YET);
  return { lr: o.lr ?? 1e-3, betas: o.betas ?? [0.9, 0.999], eps: o.eps ?? 1e-8, weightDecay: o.weightDecay ?? weightDecay };
}

class AdamBase extends Optimizer<Opts> {
  constructor(params: Iterable<Tensor>, o: Opts, private readonly decoupled: boolean, name: string) {
    check(name, o);
    super(params, o, name);
  }

  step(): void {
    const { lr, betas, eps, weightDecay } = this.options;
    for (const p of this.params) {
      if (!p.grad) continue;
      let st = this.state.get(p);
      if (!st) { st = { step: 0, exp_avg: new Float32Array(p.size), exp_avg_sq: new Float32Array(p.size) }; this.state.set(p, st); }
      st.step = (st.step as number) + 1;
      B().adamStep(p.data, p.grad.data, st.exp_avg as Float32Array, st.exp_avg_sq as Float32Array, p.size,
        lr, betas[0], betas[1], eps, weightDecay, st.step, this.decoupled);
    }
  }
}

export class Adam extends AdamBase {
  constructor(params: Iterable<Tensor>, opts?: AdamOptions) {
    super(params, adamOptions('Adam', opts, 0), false, 'Adam');
  }
}

export class AdamW extends AdamBase {
  constructor(params: Iterable<Tensor>, opts?: AdamOptions) {
    super(params, adamOptions('AdamW', opts, 1e-2), true, 'AdamW');
  }
}
