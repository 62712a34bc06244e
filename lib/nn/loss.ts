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

/**
 * F.crossEntropy as a module (nn.CrossEntropyLoss): reduction ('mean'), weight, ignoreIndex (-100), labelSmoothing (0).
 * @example
 * ```js
 * import { nn, tensor } from 'neurite';
 * const lossFn = new nn.CrossEntropyLoss({ labelSmoothing: 0.1 }); // nn.CrossEntropyLoss(label_smoothing=0.1)
 * console.log(lossFn.forward(tensor([[2, 0], [0, 2]]), tensor([0, 1])).item() > 0); // true
 * ```
 */
export class CrossEntropyLoss extends LossModule<L.ClassLossOptions> {
  constructor(opts: L.ClassLossOptions = {}) { super(L.crossEntropy as Fn<L.ClassLossOptions>, opts, 'CrossEntropyLoss', ['reduction', 'weight', 'ignoreIndex', 'labelSmoothing']); }
}
/**
 * F.nllLoss as a module (nn.NLLLoss): reduction ('mean'), weight, ignoreIndex (-100).
 * @example
 * ```js
 * import { F, nn, tensor } from 'neurite';
 * console.log(new nn.NLLLoss().forward(F.logSoftmax(tensor([[0, 0]]), 1), tensor([1])).item()); // 0.6931...
 * ```
 */
export class NLLLoss extends LossModule<L.ClassLossOptions> {
  constructor(opts: L.ClassLossOptions = {}) { super(L.nllLoss as Fn<L.ClassLossOptions>, opts, 'NLLLoss', ['reduction', 'weight', 'ignoreIndex']); }
}
/**
 * F.mseLoss as a module (nn.MSELoss): reduction ('mean').
 * @example
 * ```js
 * import { nn, tensor } from 'neurite';
 * console.log(new nn.MSELoss({ reduction: 'sum' }).forward(tensor([1, 2]), tensor([0, 0])).item()); // 5
 * ```
 */
export class MSELoss extends LossModule<L.LossOptions> {
  constructor(opts: L.LossOptions = {}) { super(L.mseLoss as Fn<L.LossOptions>, opts, 'MSELoss', ['reduction']); }
}
/**
 * F.l1Loss as a module (nn.L1Loss): reduction ('mean').
 * @example
 * ```js
 * import { nn, tensor } from 'neurite';
 * console.log(new nn.L1Loss().forward(tensor([1, -1]), tensor([0, 0])).item()); // 1
 * ```
 */
export class L1Loss extends LossModule<L.LossOptions> {
  constructor(opts: L.LossOptions = {}) { super(L.l1Loss as Fn<L.LossOptions>, opts, 'L1Loss', ['reduction']); }
}
/**
 * F.smoothL1Loss as a module (nn.SmoothL1Loss): reduction ('mean'), beta (1).
 * @example
 * ```js
 * import { nn, tensor } from 'neurite';
 * console.log(new nn.SmoothL1Loss({ beta: 0.5 }).forward(tensor([2]), tensor([0])).item()); // 1.75
 * ```
 */
export class SmoothL1Loss extends LossModule<L.SmoothL1Options> {
  constructor(opts: L.SmoothL1Options = {}) { super(L.smoothL1Loss as Fn<L.SmoothL1Options>, opts, 'SmoothL1Loss', ['reduction', 'beta']); }
}
/**
 * F.huberLoss as a module (nn.HuberLoss): reduction ('mean'), delta (1).
 * @example
 * ```js
 * import { nn, tensor } from 'neurite';
 * console.log(new nn.HuberLoss({ delta: 0.5 }).forward(tensor([2]), tensor([0])).item()); // 0.875
 * ```
 */
export class HuberLoss extends LossModule<L.HuberOptions> {
  constructor(opts: L.HuberOptions = {}) { super(L.huberLoss as Fn<L.HuberOptions>, opts, 'HuberLoss', ['reduction', 'delta']); }
}
/**
 * F.binaryCrossEntropy as a module (nn.BCELoss), on probabilities: reduction ('mean'), weight.
 * @example
 * ```js
 * import { nn, tensor } from 'neurite';
 * console.log(new nn.BCELoss().forward(tensor([0.5]), tensor([1])).item()); // 0.6931...
 * ```
 */
export class BCELoss extends LossModule<L.BCEOptions> {
  constructor(opts: L.BCEOptions = {}) { super(L.binaryCrossEntropy as Fn<L.BCEOptions>, opts, 'BCELoss', ['reduction', 'weight']); }
}
/**
 * F.binaryCrossEntropyWithLogits as a module (nn.BCEWithLogitsLoss): reduction ('mean'), weight, posWeight (pos_weight).
 * @example
 * ```js
 * import { nn, tensor } from 'neurite';
 * console.log(new nn.BCEWithLogitsLoss().forward(tensor([0]), tensor([1])).item()); // 0.6931...
 * ```
 */
export class BCEWithLogitsLoss extends LossModule<L.BCEWithLogitsOptions> {
  constructor(opts: L.BCEWithLogitsOptions = {}) { super(L.binaryCrossEntropyWithLogits as Fn<L.BCEWithLogitsOptions>, opts, 'BCEWithLogitsLoss', ['reduction', 'weight', 'posWeight']); }
}
/**
 * F.klDiv as a module (nn.KLDivLoss), input as log-probabilities: reduction ('mean'), logTarget (log_target, false).
 * @example
 * ```js
 * import { nn, tensor } from 'neurite';
 * const kl = new nn.KLDivLoss({ reduction: 'batchmean', logTarget: true }); // nn.KLDivLoss(reduction='batchmean', log_target=True)
 * console.log(kl.forward(tensor([[-1, -1]]), tensor([[-1, -1]])).item()); // 0
 * ```
 */
export class KLDivLoss extends LossModule<L.KLDivOptions> {
  constructor(opts: L.KLDivOptions = {}) { super(L.klDiv as Fn<L.KLDivOptions>, opts, 'KLDivLoss', ['reduction', 'logTarget']); }
}
