/** Learning-rate schedule: linear warm-up from 0, then cosine decay to a floor. */
import { Optimizer } from './optimizer.js';
import { options } from '../options.js';

export interface WarmupCosineOptions { warmupSteps: number; totalSteps: number; minLr?: number }

export class WarmupCosine {
  readonly baseLr: number;
  private t = 0;
  constructor(private readonly optimizer: Optimizer<{ lr: number }>, private readonly opts: WarmupCosineOptions) {
    if (!(optimizer instanceof Optimizer)) throw new TypeError('WarmupCosine: the first argument must be an optimizer (optim.SGD, optim.Adam, ...)');
    const { warmupSteps, totalSteps, minLr } = options<WarmupCosineOptions>('WarmupCosine', opts, ['warmupSteps', 'totalSteps', 'minLr']);
    if (opts === undefined) throw new TypeError('WarmupCosine: options { warmupSteps, totalSteps, minLr? } are required');
    if (minLr !== undefined && !(typeof minLr === 'number' && minLr >= 0)) throw new RangeError(`WarmupCosine: minLr must be a number >= 0, got ${minLr}`);
    if (!Number.isInteger(warmupSteps) || warmupSteps < 0) throw new RangeError(`WarmupCosine: warmupSteps must be a non-negative integer, got ${warmupSteps}`);
    if (!Number.isInteger(totalSteps) || totalSteps < warmupSteps || totalSteps <= 0) {
      throw new RangeError(`WarmupCosine: totalSteps must be a positive integer >= warmupSteps, got ${totalSteps}`);
    }
    this.baseLr = optimizer.lr;
    optimizer.lr = this.lrAt(0);
  }

  /** The rate at step t (0-based). */
  lrAt(t: number): number {
    const { warmupSteps, totalSteps, minLr = 0 } = this.opts;
    if (t < warmupSteps) return this.baseLr * (t + 1) / (warmupSteps + 1);
    const progress = Math.min(1, (t - warmupSteps) / Math.max(1, totalSteps - warmupSteps));
    return minLr + 0.5 * (this.baseLr - minLr) * (1 + Math.cos(Math.PI * progress));
  }

  /** Advance one step (call after optimizer.step()). */
  step(): void {
    this.t++;
    this.optimizer.lr = this.lrAt(this.t);
  }

  get lastLr(): number { return this.optimizer.lr; }
  get stepCount(): number { return this.t; }
}
