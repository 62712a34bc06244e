/** The loss modules (nn.CrossEntropyLoss, nn.MSELoss, ...): options fixed at construction, forward(input, target) calls the functional form. */
import type { Tensor } from '../tensor.js';
import * as L from '../ops/loss.js';
import { options } from '../options.js';
import { Module } from './module.js';

type Fn<O> = (input: Tensor, target: never, opts?: O) => Tensor;

/** A loss module over a functional loss; the options are checked now (unknown keys) and again by the function. */
abstract class LossModule<O extends object> extends Module {
  protected constructor(private readonly fn: Fn<O>, readonly opts: O, private readonly name: string, keys: readonly string[]) {
    super();
    options(name, opts, keys, ['sizeAverage', 'reduce']);
  }
  forward(input: Tensor, target: Tensor | Int32Array | readonly number[]): Tensor {
    try {
      return this.fn(input, target as never, this.opts);
    } catch (e) {
      // the functional form names itself; say which module called it
      if (e instanceof TypeError) throw new TypeError(`${this.name}: ${e.message}`, { cause: e });
      if (e instanceof RangeError) throw new RangeError(`${this.name}: ${e.message}`, { cause: e });
      throw e;
    }
  }
  extraRepr(): string {
    return Object.entries(this.opts).filter(([, v]) => v !== undefined && typeof v !== 'object').map(([k, v]) => `${k}=${String(v)}`).join(', ');
  }
}

export class CrossEntropyLoss extends LossModule<L.ClassLossOptions> {
  constructor(opts: L.ClassLossOptions = {}) { super(L.crossEntropy as Fn<L.ClassLossOptions>, opts, 'CrossEntropyLoss', ['reduction', 'weight', 'ignoreIndex', 'labelSmoothing']); }
}
export class NLLLoss extends LossModule<L.ClassLossOptions> {
  constructor(opts: L.ClassLossOptions = {}) { super(L.nllLoss as Fn<L.ClassLossOptions>, opts, 'NLLLoss', ['reduction', 'weight', 'ignoreIndex']); }
}
export class MSELoss extends LossModule<L.LossOptions> {
  constructor(opts: L.LossOptions = {}) { super(L.mseLoss as Fn<L.LossOptions>, opts, 'MSELoss', ['reduction']); }
}
export class L1Loss extends LossModule<L.LossOptions> {
  constructor(opts: L.LossOptions = {}) { super(L.l1Loss as Fn<L.LossOptions>, opts, 'L1Loss', ['reduction']); }
}
export class SmoothL1Loss extends LossModule<L.SmoothL1Options> {
  constructor(opts: L.SmoothL1Options = {}) { super(L.smoothL1Loss as Fn<L.SmoothL1Options>, opts, 'SmoothL1Loss', ['reduction', 'beta']); }
}
export class HuberLoss extends LossModule<L.HuberOptions> {
  constructor(opts: L.HuberOptions = {}) { super(L.huberLoss as Fn<L.HuberOptions>, opts, 'HuberLoss', ['reduction', 'delta']); }
}
export class BCELoss extends LossModule<L.BCEOptions> {
  constructor(opts: L.BCEOptions = {}) { super(L.binaryCrossEntropy as Fn<L.BCEOptions>, opts, 'BCELoss', ['reduction', 'weight']); }
}
export class BCEWithLogitsLoss extends LossModule<L.BCEWithLogitsOptions> {
  constructor(opts: L.BCEWithLogitsOptions = {}) { super(L.binaryCrossEntropyWithLogits as Fn<L.BCEWithLogitsOptions>, opts, 'BCEWithLogitsLoss', ['reduction', 'weight', 'posWeight']); }
}
export class KLDivLoss extends LossModule<L.KLDivOptions> {
  constructor(opts: L.KLDivOptions = {}) { super(L.klDiv as Fn<L.KLDivOptions>, opts, 'KLDivLoss', ['reduction', 'logTarget']); }
}
