/** Adam and AdamW (decoupled weight decay), as PyTorch 1.13. */
import { B } from '../backend/index.js';
import type { Tensor } from '../tensor.js';
import { Optimizer } from './optimizer.js';

export interface AdamOptions { lr?: number; betas?: [number, number]; eps?: number; weightDecay?: number }
type Opts = Required<AdamOptions>;

function check(name: string, o: Opts): void {
  if (!(o.eps >= 0)) throw new RangeError(`${name}: invalid epsilon value: ${o.eps}`);
  o.betas.forEach((b, i) => { if (!(b >= 0 && b < 1)) throw new RangeError(`${name}: invalid beta parameter at index ${i}: ${b}`); });
  if (!(o.weightDecay >= 0)) throw new RangeError(`${name}: invalid weight_decay value: ${o.weightDecay}`);
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
  constructor(params: Iterable<Tensor>, opts: AdamOptions = {}) {
    super(params, { lr: opts.lr ?? 1e-3, betas: opts.betas ?? [0.9, 0.999], eps: opts.eps ?? 1e-8, weightDecay: opts.weightDecay ?? 0 }, false, 'Adam');
  }
}

export class AdamW extends AdamBase {
  constructor(params: Iterable<Tensor>, opts: AdamOptions = {}) {
    super(params, { lr: opts.lr ?? 1e-3, betas: opts.betas ?? [0.9, 0.999], eps: opts.eps ?? 1e-8, weightDecay: opts.weightDecay ?? 1e-2 }, true, 'AdamW');
  }
}
