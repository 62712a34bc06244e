/** SGD with momentum, dampening, weight decay and Nesterov, as PyTorch 1.13. */
import { B } from '../backend/index.js';
import type { Tensor } from '../tensor.js';
import { Optimizer, checkLr, checkNonNegative } from './optimizer.js';
import { options } from '../options.js';

export interface SGDOptions { lr: number; momentum?: number; dampening?: number; weightDecay?: number; nesterov?: boolean }

const SGD_KEYS = ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov'] as const;
/** torch.optim.SGD options not implemented here yet: a TypeError, not a silent no-op. */
const SGD_NOT_YET = ['maximize', 'foreach', 'differentiable'] as const;

export class SGD extends Optimizer<Required<SGDOptions>> {
  /** PyTorch 1.13's rules: lr is required and >= 0; momentum, weight decay >= 0; nesterov needs momentum > 0 and dampening 0. */
  constructor(params: Iterable<Tensor>, opts: SGDOptions) {
    const g = options<Partial<SGDOptions>>('SGD', opts, SGD_KEYS, SGD_NOT_YET);
    if (g.lr === undefined) throw new TypeError('SGD: lr is required (as torch.optim.SGD): new optim.SGD(model.parameters(), { lr: 0.01 })');
    const o = { lr: g.lr, momentum: g.momentum ?? 0, dampening: g.dampening ?? 0, weightDecay: g.weightDecay ?? 0, nesterov: g.nesterov ?? false };
    checkLr('SGD', o.lr);
    checkNonNegative('SGD', 'momentum', o.momentum);
    if (typeof o.dampening !== 'number' || Number.isNaN(o.dampening)) throw new TypeError(`SGD: dampening must be a number, got ${o.dampening}`);
    checkNonNegative('SGD', 'weight_decay', o.weightDecay);
    if (typeof o.nesterov !== 'boolean') throw new TypeError(`SGD: nesterov must be a boolean, got ${typeof o.nesterov}`);
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) {
      throw new RangeError(`SGD: Nesterov momentum requires a momentum and zero dampening (got momentum ${o.momentum}, dampening ${o.dampening})`);
    }
    super(params, o, 'SGD');
  }

  step(): void {
    const { lr, momentum, dampening, weightDecay, nesterov } = this.options;
    for (const p of this.params) {
      if (!p.grad) continue;
      let buf: Float32Array | null = null;
      let first = false;
      if (momentum !== 0) {
        let st = this.state.get(p);
        if (!st) { st = { momentum_buffer: new Float32Array(p.size) }; this.state.set(p, st); first = true; }
        buf = st.momentum_buffer as Float32Array;
      }
      B().sgdStep(p.data, p.grad.data, buf, p.size, lr, momentum, dampening, weightDecay, nesterov, first);
    }
  }
}
