/**
 * BatchNorm1d and LayerNorm, composed from differentiable ops (autograd derives their
 * backward); running statistics are updated outside the graph.
 */
import { Tensor, fmtShape } from '../tensor.js';
import { noGrad } from '../autograd.js';
import { ones, zeros } from '../ops/create.js';
import { add, div, mul, sqrt, sub } from '../ops/elementwise.js';
import { mean } from '../ops/reduce.js';
import { reshape } from '../ops/shape.js';
import { Module, Parameter } from './module.js';
import { options } from '../options.js';

function epsOption(name: string, eps: unknown): number {
  if (eps === undefined) return 1e-5;
  if (typeof eps !== 'number') throw new TypeError(`${name}: eps must be a number, got ${typeof eps}`);
  if (!(eps >= 0)) throw new RangeError(`${name}: eps must be >= 0, got ${eps}`);
  return eps;
}

function normalize(x: Tensor, dim: number, eps: number): { y: Tensor; mu: Tensor; varB: Tensor } {
  const mu = mean(x, dim, true);
  const c = sub(x, mu);
  const varB = mean(mul(c, c), dim, true);
  return { y: div(c, sqrt(add(varB, eps))), mu, varB };
}

/**
 * Normalises over the last dim(s) with biased variance, then an elementwise affine map.
 * @example
 * ```js
 * import { nn, randn } from 'neurite';
 * const ln = new nn.LayerNorm(16, { elementwiseAffine: true }); // nn.LayerNorm(16)
 * console.log(ln.forward(randn(2, 16)).shape); // [ 2, 16 ]
 * ```
 */
export class LayerNorm extends Module {
  weight: Parameter | null;
  bias: Parameter | null;
  readonly normalizedShape: number[];
  readonly eps: number;

  constructor(normalizedShape: number | number[], opts?: { eps?: number; elementwiseAffine?: boolean }) {
    super();
    const o = options<{ eps?: number; elementwiseAffine?: boolean }>('LayerNorm', opts, ['eps', 'elementwiseAffine'], ['bias', 'device', 'dtype']);
    if (typeof normalizedShape !== 'number' && !Array.isArray(normalizedShape)) {
      throw new TypeError(`LayerNorm: normalizedShape must be a number or an array of numbers, got ${typeof normalizedShape}`);
    }
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape.slice();
    if (this.normalizedShape.length === 0 || this.normalizedShape.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new RangeError(`LayerNorm: normalizedShape must be positive integers, got ${fmtShape(this.normalizedShape)}`);
    }
    this.eps = epsOption('LayerNorm', o.eps);
    const affine = o.elementwiseAffine ?? true;
    if (typeof affine !== 'boolean') throw new TypeError(`LayerNorm: elementwiseAffine must be a boolean, got ${typeof affine}`);
    this.weight = affine ? new Parameter(ones(this.normalizedShape)) : null;
    this.bias = affine ? new Parameter(zeros(this.normalizedShape)) : null;
  }

  forward(x: Tensor): Tensor {
    const k = this.normalizedShape.length;
    const tail = x.shape.slice(-k);
    if (x.ndim < k || tail.some((d, i) => d !== this.normalizedShape[i])) {
      throw new RangeError(`LayerNorm: expected input with trailing shape ${fmtShape(this.normalizedShape)}, got ${fmtShape(x.shape)}`);
    }
    const n = this.normalizedShape.reduce((a, b) => a * b, 1);
    const flat = reshape(x, [-1, n]);
    let y = normalize(flat, 1, this.eps).y;
    if (this.weight && this.bias) y = add(mul(y, reshape(this.weight, [n])), reshape(this.bias, [n]));
    return reshape(y, x.shape);
  }

  extraRepr(): string {
    return `${fmtShape(this.normalizedShape)}, eps=${this.eps}`;
  }
}

/**
 * Batch normalisation over [N, C] or [N, C, L] (statistics per channel C over N and L): batch
 * mean and biased variance in training (running statistics updated with the unbiased variance,
 * as PyTorch), running statistics in eval. `momentum: null` makes the running statistics a
 * cumulative average (factor 1/num_batches_tracked), as torch's momentum=None.
 * @example
 * ```js
 * import { nn, randn } from 'neurite';
 * const bn = new nn.BatchNorm1d(4, { momentum: 0.1, eps: 1e-5 }); // nn.BatchNorm1d(4, eps=1e-5, momentum=0.1)
 * console.log(bn.forward(randn(8, 4)).shape); // [ 8, 4 ]
 * ```
 */
export class BatchNorm1d extends Module {
  weight: Parameter;
  bias: Parameter;
  declare running_mean: Tensor;
  declare running_var: Tensor;
  declare num_batches_tracked: Tensor;
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;

  constructor(numFeatures: number, opts?: { eps?: number; momentum?: number | null }) {
    super();
    const o = options<{ eps?: number; momentum?: number | null }>('BatchNorm1d', opts, ['eps', 'momentum'], ['affine', 'trackRunningStats', 'device', 'dtype']);
    if (!Number.isInteger(numFeatures) || numFeatures <= 0) {
      throw new RangeError(`BatchNorm1d: numFeatures must be a positive integer, got ${numFeatures}`);
    }
    this.numFeatures = numFeatures;
    this.eps = epsOption('BatchNorm1d', o.eps);
    this.momentum = o.momentum === undefined ? 0.1 : o.momentum;
    if (this.momentum !== null && typeof this.momentum !== 'number') throw new TypeError(`BatchNorm1d: momentum must be a number or null, got ${typeof this.momentum}`);
    this.weight = new Parameter(ones([numFeatures]));
    this.bias = new Parameter(zeros([numFeatures]));
    this.registerBuffer('running_mean', zeros([numFeatures]));
    this.registerBuffer('running_var', ones([numFeatures]));
    this.registerBuffer('num_batches_tracked', zeros([]));
  }

  forward(x: Tensor): Tensor {
    const C = this.numFeatures;
    if ((x.ndim !== 2 && x.ndim !== 3) || x.shape[1] !== C) {
      throw new RangeError(`BatchNorm1d: expected input [N, ${C}] or [N, ${C}, L], got ${fmtShape(x.shape)}`);
    }
    // per-channel tensors broadcast as [C] over [N, C] and as [C, 1] over [N, C, L]
    const chan = (t: Tensor): Tensor => (x.ndim === 3 ? reshape(t, [C, 1]) : t);
    let y: Tensor;
    if (this.training) {
      const n = x.size / C;
      if (n <= 1) throw new RangeError(`BatchNorm1d: expected more than 1 value per channel when training, got input ${fmtShape(x.shape)}`);
      let r: { y: Tensor; mu: Tensor; varB: Tensor };
      if (x.ndim === 2) r = normalize(x, 0, this.eps);
      else {
        const mu = mean(mean(x, 2, true), 0, true);
        const c = sub(x, mu);
        const varB = mean(mean(mul(c, c), 2, true), 0, true);
        r = { y: div(c, sqrt(add(varB, this.eps))), mu, varB };
      }
      y = r.y;
      noGrad(() => {
        this.num_batches_tracked.data[0] += 1;
        const m = this.momentum ?? 1 / this.num_batches_tracked.data[0];
        const rm = this.running_mean.data, rv = this.running_var.data;
        for (let c = 0; c < C; c++) {
          rm[c] = (1 - m) * rm[c] + m * r.mu.data[c];
          rv[c] = (1 - m) * rv[c] + m * r.varB.data[c] * (n / (n - 1));
        }
      });
    } else {
      y = div(sub(x, chan(this.running_mean)), sqrt(add(chan(this.running_var), this.eps)));
    }
    return add(mul(y, chan(this.weight)), chan(this.bias));
  }

  extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}`;
  }
}
