/** SGD with momentum, dampening, weight decay, Nesterov and maximize, as PyTorch 1.13. */
import { B } from '../backend/index.js';
import type { Tensor } from '../tensor.js';
import { options } from '../options.js';
import { Optimizer, checkLr, isBool, nonNegative, type ParamGroup, type Params } from './optimizer.js';

export interface SGDOptions { lr: number; momentum?: number; dampening?: number; weightDecay?: number; nesterov?: boolean; maximize?: boolean }
type Hyper = Required<SGDOptions>;
const KEYS = ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov', 'maximize'] as const;

function check(g: Hyper): void {
  checkLr('SGD', g.lr);
  nonNegative('SGD', 'momentum', g.momentum);
  if (typeof g.dampening !== 'number' || Number.isNaN(g.dampening)) throw new RangeError(`SGD: invalid dampening value: ${String(g.dampening)}`);
  nonNegative('SGD', 'weight_decay', g.weightDecay);
  isBool('SGD', 'nesterov', g.nesterov);
  isBool('SGD', 'maximize', g.maximize);
  if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) throw new RangeError('SGD: Nesterov momentum requires a momentum and zero dampening');
}

export class SGD extends Optimizer<Hyper> {
  constructor(params: Params, opts: SGDOptions) {
    const o = options<Partial<SGDOptions>>('SGD', opts, KEYS);
    super(params, { lr: o.lr, momentum: o.momentum ?? 0, dampening: o.dampening ?? 0, weightDecay: o.weightDecay ?? 0,
      nesterov: o.nesterov ?? false, maximize: o.maximize ?? false } as Partial<Hyper>, 'SGD', KEYS, check);
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
