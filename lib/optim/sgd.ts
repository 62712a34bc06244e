/** SGD with momentum, dampening, weight decay and Nesterov, as PyTorch 1.13. */
import { B } from '../backend/index.js';
import type { Tensor } from '../tensor.js';
import { Optimizer } from './optimizer.js';

export interface SGDOptions { lr: number; momentum?: number; dampening?: number; weightDecay?: number; nesterov?: boolean }

export class SGD extends Optimizer<Required<SGDOptions>> {
  constructor(params: Iterable<Tensor>, opts: SGDOptions) {
    const o = { lr: opts?.lr, momentum: opts.momentum ?? 0, dampening: opts.dampening ?? 0, weightDecay: opts.weightDecay ?? 0, nesterov: opts.nesterov ?? false };
    if (opts?.lr === undefined) throw new TypeError('SGD: lr is required');
    if (!(o.momentum >= 0)) throw new RangeError(`SGD: invalid momentum value: ${o.momentum}`);
    if (!(o.weightDecay >= 0)) throw new RangeError(`SGD: invalid weight_decay value: ${o.weightDecay}`);
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) throw new RangeError('SGD: Nesterov momentum requires a momentum and zero dampening');
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
